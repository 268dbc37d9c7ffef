//! Tauri commands: one-line adapters from the webview to [`tracedeck_api::app::App`]. No SQL
//! and no rules here; every operation lives in the application service.

pub mod agents;
pub mod connections;
pub mod console;
pub mod settings;
pub mod traces;
