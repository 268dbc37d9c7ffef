//! Settings stored locally: the price table and the retention of the active database.

use tauri::State;
use tracedeck_api::app::App;
use tracedeck_api::error::ApiError;
use tracedeck_api::prices::PriceTable;
use tracedeck_api::retention::{DeletedCounts, RetentionSettings, RetentionStatus};

#[tauri::command]
#[specta::specta]
pub fn get_prices(app: State<'_, App>) -> PriceTable {
    app.prices()
}

#[tauri::command]
#[specta::specta]
pub fn set_prices(app: State<'_, App>, table: PriceTable) -> Result<PriceTable, ApiError> {
    app.set_prices(table)
}

#[tauri::command]
#[specta::specta]
pub async fn get_retention(app: State<'_, App>) -> Result<RetentionStatus, ApiError> {
    app.retention().await
}

#[tauri::command]
#[specta::specta]
pub async fn set_retention(app: State<'_, App>, settings: RetentionSettings) -> Result<RetentionStatus, ApiError> {
    app.set_retention(settings).await
}

#[tauri::command]
#[specta::specta]
pub async fn run_retention(app: State<'_, App>) -> Result<DeletedCounts, ApiError> {
    app.run_retention().await
}
