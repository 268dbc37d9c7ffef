//! Run list, trace detail, spans and statistics.

use tauri::State;
use tracedeck_api::app::{App, AppStatus};
use tracedeck_api::error::ApiError;
use tracedeck_model::{PageRequest, Span, StatRow, StatsGroupBy, TraceDetail, TraceFilter, TracePage};

#[tauri::command]
#[specta::specta]
pub async fn get_status(app: State<'_, App>) -> Result<AppStatus, ApiError> {
    Ok(app.status().await)
}

#[tauri::command]
#[specta::specta]
pub async fn list_traces(app: State<'_, App>, filter: TraceFilter, page: PageRequest) -> Result<TracePage, ApiError> {
    app.list_traces(&filter, &page).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_trace(app: State<'_, App>, trace_id: String) -> Result<TraceDetail, ApiError> {
    app.get_trace(&trace_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_span(app: State<'_, App>, span_id: String) -> Result<Span, ApiError> {
    app.get_span(&span_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn trace_stats(app: State<'_, App>, by: StatsGroupBy, filter: TraceFilter) -> Result<Vec<StatRow>, ApiError> {
    app.trace_stats(by, &filter).await
}
