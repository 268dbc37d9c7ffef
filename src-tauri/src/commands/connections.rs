//! Saved connections: list, save, remove, test, activate, and enter a password.

use tauri::State;
use tracedeck_api::app::{App, AppStatus};
use tracedeck_api::connections::{ConnectionDraft, ConnectionInfo, TestReport};
use tracedeck_api::error::ApiError;

#[tauri::command]
#[specta::specta]
pub async fn list_connections(app: State<'_, App>) -> Result<Vec<ConnectionInfo>, ApiError> {
    app.list_connections().await
}

#[tauri::command]
#[specta::specta]
pub async fn save_connection(
    app: State<'_, App>,
    id: Option<String>,
    draft: ConnectionDraft,
) -> Result<ConnectionInfo, ApiError> {
    app.save_connection(id.as_deref(), &draft).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_connection(app: State<'_, App>, id: String) -> Result<(), ApiError> {
    app.delete_connection(&id).await
}

#[tauri::command]
#[specta::specta]
pub async fn test_connection(app: State<'_, App>, draft: ConnectionDraft) -> Result<TestReport, ApiError> {
    app.test_connection(&draft).await
}

#[tauri::command]
#[specta::specta]
pub async fn test_saved_connection(app: State<'_, App>, id: String) -> Result<TestReport, ApiError> {
    app.test_saved_connection(&id).await
}

#[tauri::command]
#[specta::specta]
pub async fn activate_connection(app: State<'_, App>, id: String) -> Result<AppStatus, ApiError> {
    app.activate_connection(&id).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_connection_secret(
    app: State<'_, App>,
    id: String,
    password: String,
    remember: bool,
) -> Result<ConnectionInfo, ApiError> {
    app.set_connection_secret(&id, &password, remember).await
}
