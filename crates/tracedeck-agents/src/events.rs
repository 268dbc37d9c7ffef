//! What a run reports while it happens ([`RunEvent`]): text as it streams, tool calls,
//! hooks, retrievals, delegations, start and finish. Front ends (the CLI renderer in
//! [`crate::render`], later the UI) consume them from an mpsc channel; the trace itself is
//! recorded separately through `tracing` spans, so events are for live display only.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::message::Usage;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Ok,
    Error,
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "OK",
            RunStatus::Error => "ERROR",
            RunStatus::Cancelled => "CANCELLED",
        }
    }
}

/// `depth` is 0 for the requested run and 1 for a team member's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunEvent {
    RunStarted {
        run_id: String,
        depth: u32,
        target: String,
        name: String,
        trace_id: String,
    },
    TextDelta {
        run_id: String,
        depth: u32,
        text: String,
    },
    ToolCallStarted {
        run_id: String,
        depth: u32,
        call_id: String,
        tool: String,
        arguments: String,
    },
    ToolCallFinished {
        run_id: String,
        depth: u32,
        call_id: String,
        tool: String,
        ok: bool,
        output: String,
        duration_ms: f64,
    },
    HookApplied {
        run_id: String,
        depth: u32,
        stage: String,
        hook: String,
        modified: bool,
        ok: bool,
    },
    Retrieval {
        run_id: String,
        depth: u32,
        store: String,
        query: String,
        hits: usize,
    },
    Delegation {
        run_id: String,
        depth: u32,
        member: String,
        mode: String,
        task: String,
    },
    RunFinished {
        run_id: String,
        depth: u32,
        target: String,
        status: RunStatus,
        error: Option<String>,
        usage: Usage,
    },
}

/// Where one run sends its events (and a model its streamed text). Cheap to clone; a no-op
/// without a channel. A closed receiver never fails a run (the trace is the record, events
/// are only a view).
#[derive(Clone)]
pub struct EventSink {
    tx: Option<mpsc::Sender<RunEvent>>,
    pub(crate) run_id: Arc<str>,
    pub(crate) depth: u32,
}

impl EventSink {
    pub fn new(tx: Option<mpsc::Sender<RunEvent>>, run_id: Arc<str>, depth: u32) -> EventSink {
        EventSink { tx, run_id, depth }
    }

    /// The sink for a child run (same channel).
    pub(crate) fn child(&self, run_id: Arc<str>) -> EventSink {
        EventSink { tx: self.tx.clone(), run_id, depth: self.depth + 1 }
    }

    pub fn enabled(&self) -> bool {
        self.tx.as_ref().is_some_and(|t| !t.is_closed())
    }

    /// Builds the event only when someone listens.
    pub async fn emit(&self, make: impl FnOnce(String, u32) -> RunEvent) {
        if let Some(tx) = &self.tx
            && !tx.is_closed()
        {
            let _ = tx.send(make(self.run_id.to_string(), self.depth)).await;
        }
    }

    pub async fn text(&self, text: &str) {
        if !text.is_empty() {
            self.emit(|run_id, depth| RunEvent::TextDelta { run_id, depth, text: text.to_owned() }).await;
        }
    }
}
