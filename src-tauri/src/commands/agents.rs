//! Local agents: list, start a run, watch its progress (replayed from the start, through a
//! channel, until it finishes), cancel.

use tauri::State;
use tauri::ipc::Channel;
use tracedeck_api::app::App;
use tracedeck_api::error::ApiError;
use tracedeck_api::runs::{AgentInfo, RunRequest, RunStarted, RunUpdate};

#[tauri::command]
#[specta::specta]
pub fn list_agents(app: State<'_, App>) -> Result<Vec<AgentInfo>, ApiError> {
    app.list_agents()
}

#[tauri::command]
#[specta::specta]
pub fn start_run(app: State<'_, App>, req: RunRequest) -> Result<RunStarted, ApiError> {
    app.start_run(req)
}

#[tauri::command]
#[specta::specta]
pub fn cancel_run(app: State<'_, App>, run_key: String) -> Result<(), ApiError> {
    app.cancel_run(&run_key)
}

/// Sends every update of the run to `on_update`; returns when the run has finished.
#[tauri::command]
#[specta::specta]
pub async fn watch_run(app: State<'_, App>, run_key: String, on_update: Channel<RunUpdate>) -> Result<(), ApiError> {
    let (past, rx) = app.watch_run(&run_key)?;
    let send = |u: RunUpdate| on_update.send(u).map_err(|e| ApiError::Internal(e.to_string()));
    for u in past {
        send(u)?;
    }
    let Some(mut rx) = rx else { return Ok(()) };
    loop {
        match rx.recv().await {
            Ok(u) => {
                let done = matches!(u, RunUpdate::Finished { .. });
                send(u)?;
                if done {
                    return Ok(());
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return Ok(()),
        }
    }
}
