//! Run list, trace detail, spans, filter suggestions and statistics. The reads the UI may
//! abandon take a request id (`request`): `cancel_request` with that id, or
//! `abandon_requests` when the page reloads, drops the operation, which stops its statement
//! in the database. A closed window abandons its requests too (see `lib.rs`).

use tauri::{State, Window};
use tracedeck_api::app::{App, AppStatus};
use tracedeck_api::error::ApiError;
use tracedeck_api::retention::DeletedCounts;
use tracedeck_model::metrics::Metrics;
use tracedeck_model::{PageRequest, Span, StatRow, StatsGroupBy, Suggestion, TraceDetail, TraceFilter, TracePage};

#[tauri::command]
#[specta::specta]
pub async fn get_status(app: State<'_, App>) -> Result<AppStatus, ApiError> {
    Ok(app.status().await)
}

#[tauri::command]
#[specta::specta]
pub async fn list_traces(
    app: State<'_, App>,
    window: Window,
    filter: TraceFilter,
    page: PageRequest,
    request: Option<String>,
) -> Result<TracePage, ApiError> {
    app.requests().run(window.label(), request.as_deref(), app.list_traces(&filter, &page)).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_trace(
    app: State<'_, App>,
    window: Window,
    trace_id: String,
    request: Option<String>,
) -> Result<TraceDetail, ApiError> {
    app.requests().run(window.label(), request.as_deref(), app.get_trace(&trace_id)).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_span(app: State<'_, App>, span_id: String) -> Result<Span, ApiError> {
    app.get_span(&span_id).await
}

#[tauri::command]
#[specta::specta]
pub async fn suggest(
    app: State<'_, App>,
    window: Window,
    field: String,
    prefix: String,
    request: Option<String>,
) -> Result<Vec<Suggestion>, ApiError> {
    app.requests().run(window.label(), request.as_deref(), app.suggest(&field, &prefix)).await
}

#[tauri::command]
#[specta::specta]
pub async fn trace_stats(
    app: State<'_, App>,
    window: Window,
    by: StatsGroupBy,
    filter: TraceFilter,
    request: Option<String>,
) -> Result<Vec<StatRow>, ApiError> {
    app.requests().run(window.label(), request.as_deref(), app.trace_stats(by, &filter)).await
}

/// One chunk of metrics for the run list's filters and time range (continue from
/// `next_until_us` while not complete).
#[tauri::command]
#[specta::specta]
pub async fn trace_metrics(
    app: State<'_, App>,
    window: Window,
    filter: TraceFilter,
    bucket_us: Option<i64>,
    request: Option<String>,
) -> Result<Metrics, ApiError> {
    app.requests().run(window.label(), request.as_deref(), app.metrics(&filter, bucket_us)).await
}

/// Deletes the chosen traces with their spans (refused on a read-only connection).
#[tauri::command]
#[specta::specta]
pub async fn delete_traces(app: State<'_, App>, trace_ids: Vec<String>) -> Result<DeletedCounts, ApiError> {
    app.delete_traces(&trace_ids).await
}

/// Cancels one request (a newer filter replaced it, its view closed).
#[tauri::command]
#[specta::specta]
pub fn cancel_request(app: State<'_, App>, request: String) {
    app.requests().cancel(&request);
}

/// Cancels every request of this window: called when its page (re)loads, since requests of
/// the page before it have nobody waiting for them.
#[tauri::command]
#[specta::specta]
pub fn abandon_requests(app: State<'_, App>, window: Window) -> u32 {
    app.requests().cancel_owner(window.label()) as u32
}
