//! Live updates for the UI: the writer announces every commit; this batches the announced
//! trace ids over a short window and publishes one event per window, so a busy agent
//! producing thousands of spans costs the UI a handful of messages per second, not one per
//! span.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::broadcast;
use tracedeck_store::Writer;

/// How long ids are gathered before one event goes out.
pub const WINDOW: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TracesChanged {
    /// Traces that received spans in this window.
    pub trace_ids: Vec<String>,
    pub spans: u32,
}

/// Forwards the writer's commit notices as batched [`TracesChanged`] events until the writer
/// goes away.
pub fn spawn_batcher(writer: &Writer, out: broadcast::Sender<TracesChanged>) -> tokio::task::JoinHandle<()> {
    let mut rx = writer.subscribe();
    tokio::spawn(async move {
        loop {
            let first = match rx.recv().await {
                Ok(n) => n,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            };
            let mut ids: BTreeSet<String> = first.trace_ids.iter().cloned().collect();
            let mut spans = first.spans;
            let deadline = tokio::time::Instant::now() + WINDOW;
            while let Ok(r) = tokio::time::timeout_at(deadline, rx.recv()).await {
                match r {
                    Ok(n) => {
                        ids.extend(n.trace_ids.iter().cloned());
                        spans += n.spans;
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
            let _ = out.send(TracesChanged {
                trace_ids: ids.into_iter().collect(),
                spans: spans.min(u32::MAX as usize) as u32,
            });
        }
    })
}
