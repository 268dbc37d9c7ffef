//! The SQL console: run, page, cancel, export to a file the user picked, schema for
//! autocomplete, saved queries and history.

use tauri::State;
use tracedeck_api::app::App;
use tracedeck_api::console::{ExportRequest, HistoryEntry, SqlRequest};
use tracedeck_api::error::ApiError;
use tracedeck_api::library::{QueryDraft, SavedQuery};
use tracedeck_model::console::{QueryPage, SchemaTable};

#[tauri::command]
#[specta::specta]
pub async fn run_sql(app: State<'_, App>, req: SqlRequest) -> Result<QueryPage, ApiError> {
    app.run_sql(&req).await
}

#[tauri::command]
#[specta::specta]
pub async fn more_rows(app: State<'_, App>, query_id: String, limit: Option<u32>) -> Result<QueryPage, ApiError> {
    app.more_rows(&query_id, limit).await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_query(app: State<'_, App>, query_id: String) -> Result<(), ApiError> {
    app.cancel_query(&query_id).await
}

/// Writes every row to `path` (chosen by the user in a save dialog); returns the row count.
#[tauri::command]
#[specta::specta]
pub async fn export_sql(app: State<'_, App>, req: ExportRequest, path: String) -> Result<u32, ApiError> {
    let file =
        tokio::fs::File::create(&path).await.map_err(|e| ApiError::BadRequest(format!("cannot write {path}: {e}")))?;
    let rows = app.export_sql(&req, tokio::io::BufWriter::new(file)).await?;
    Ok(rows.min(u32::MAX as u64) as u32)
}

#[tauri::command]
#[specta::specta]
pub async fn get_schema(app: State<'_, App>, connection: Option<String>) -> Result<Vec<SchemaTable>, ApiError> {
    app.schema(connection.as_deref()).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_queries(app: State<'_, App>) -> Result<Vec<SavedQuery>, ApiError> {
    app.list_queries().await
}

#[tauri::command]
#[specta::specta]
pub async fn save_query(app: State<'_, App>, id: Option<String>, q: QueryDraft) -> Result<SavedQuery, ApiError> {
    app.save_query(id.as_deref(), &q).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_query(app: State<'_, App>, id: String) -> Result<(), ApiError> {
    app.delete_query(&id).await
}

#[tauri::command]
#[specta::specta]
pub async fn export_query(app: State<'_, App>, id: String) -> Result<String, ApiError> {
    app.export_queries(Some(&id)).await
}

#[tauri::command]
#[specta::specta]
pub async fn import_queries(
    app: State<'_, App>,
    text: String,
    name: Option<String>,
) -> Result<Vec<SavedQuery>, ApiError> {
    app.import_queries(&text, name.as_deref()).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_history(
    app: State<'_, App>,
    connection: Option<String>,
    search: Option<String>,
    limit: Option<u32>,
) -> Result<Vec<HistoryEntry>, ApiError> {
    app.history(connection.as_deref(), search.as_deref(), limit.unwrap_or(200)).await
}
