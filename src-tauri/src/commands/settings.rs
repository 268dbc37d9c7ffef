//! Settings stored locally: the price table.

use tauri::State;
use tracedeck_api::app::App;
use tracedeck_api::error::ApiError;
use tracedeck_api::prices::PriceTable;

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
