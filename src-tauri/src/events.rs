//! Events pushed to the webview. Live updates arrive batched (one event per window of
//! commits, see `tracedeck_api::live`), never one message per span.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use tauri_specta::Event;
use tracedeck_api::app::App;

/// Traces that received spans in the last window.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
pub struct TracesChanged {
    pub trace_ids: Vec<String>,
    pub spans: u32,
}

/// Forwards the service's live batches to the webview until the app exits.
pub fn forward_live<R: Runtime>(handle: AppHandle<R>, app: &App) {
    let mut rx = app.subscribe_live();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(b) => {
                    let _ = TracesChanged { trace_ids: b.trace_ids, spans: b.spans }.emit(&handle);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
