//! Running local agents from the UI: start a run, stream its progress, cancel it. Each run
//! keeps the updates it produced so a subscriber that arrives late (the UI subscribes after
//! `start_run` returns) replays them from the start; the stream ends after `Finished`.
//! `Finished` is sent only once the run's spans are in the database, so the trace the UI
//! opens is complete.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use tracedeck_agents::{CancellationToken, RunEvent, RunStatus, Runtime};
use tracedeck_otel::Telemetry;

use crate::error::{ApiError, ApiResult};

/// Finished runs kept for late subscribers.
const KEEP_FINISHED: usize = 64;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgentInfo {
    pub id: String,
    pub name: String,
    /// "agent" or "team".
    pub kind: String,
    pub description: Option<String>,
    pub model: Option<String>,
    /// Member agent ids (teams only).
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunRequest {
    pub target: String,
    pub input: String,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunStarted {
    pub run_key: String,
}

/// Progress of a run, for display (the trace is the record).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", content = "data")]
pub enum RunUpdate {
    Started { trace_id: String, run_id: String },
    Delta { text: String },
    ToolStarted { call_id: String, name: String, arguments: String },
    ToolFinished { call_id: String, name: String, ok: bool, output: String },
    Finished { status: tracedeck_model::TraceStatus, output: Option<String>, error: Option<String>, trace_id: String },
}

impl RunUpdate {
    /// The display update for a runtime event (`None` for events shown only in the trace).
    fn from_event(e: RunEvent) -> Option<RunUpdate> {
        match e {
            RunEvent::RunStarted { run_id, depth: 0, trace_id, .. } => Some(RunUpdate::Started { trace_id, run_id }),
            RunEvent::TextDelta { depth: 0, text, .. } => Some(RunUpdate::Delta { text }),
            RunEvent::ToolCallStarted { call_id, tool, arguments, .. } => {
                Some(RunUpdate::ToolStarted { call_id, name: tool, arguments })
            }
            RunEvent::ToolCallFinished { call_id, tool, ok, output, .. } => {
                Some(RunUpdate::ToolFinished { call_id, name: tool, ok, output })
            }
            RunEvent::Delegation { run_id, member, mode, task, .. } => Some(RunUpdate::ToolStarted {
                call_id: format!("delegation-{run_id}-{member}"),
                name: format!("delegate → {member} ({mode})"),
                arguments: task,
            }),
            _ => None,
        }
    }
}

struct RunState {
    cancel: CancellationToken,
    log: Mutex<Vec<RunUpdate>>,
    tx: broadcast::Sender<RunUpdate>,
}

impl RunState {
    fn push(&self, u: RunUpdate) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.push(u.clone());
        let _ = self.tx.send(u);
    }
}

#[derive(Default)]
struct Registry {
    live: HashMap<String, Arc<RunState>>,
    finished: VecDeque<String>,
}

/// The runtime plus the runs in flight.
pub struct Runs {
    runtime: Runtime,
    telemetry: Option<Telemetry>,
    registry: Mutex<Registry>,
}

impl Runs {
    pub fn new(runtime: Runtime, telemetry: Option<Telemetry>) -> Runs {
        Runs { runtime, telemetry, registry: Mutex::new(Registry::default()) }
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    pub fn agents(&self) -> Vec<AgentInfo> {
        let cfg = self.runtime.config();
        self.runtime
            .targets()
            .into_iter()
            .map(|t| AgentInfo {
                members: cfg.teams.get(&t.id).map(|team| team.members.clone()).unwrap_or_default(),
                id: t.id,
                name: t.name,
                kind: t.kind.to_owned(),
                description: t.description,
                model: Some(t.model).filter(|m| !m.is_empty()),
            })
            .collect()
    }

    /// Starts a run in the background.
    pub fn start(self: &Arc<Self>, req: RunRequest) -> ApiResult<RunStarted> {
        let Some(telemetry) = self.telemetry.clone() else {
            return Err(ApiError::ReadOnly(
                "the open database is read-only, so agent runs cannot be recorded; open a writable database to run agents"
                    .into(),
            ));
        };
        if req.input.trim().is_empty() {
            return Err(ApiError::BadRequest("the input is empty".into()));
        }
        if !self.runtime.targets().iter().any(|t| t.id == req.target) {
            return Err(ApiError::NotFound(format!("agent or team {:?}", req.target)));
        }
        let key = format!("run-{:x}-{:04x}", tracedeck_model::time::now_ns(), rand_suffix());
        let cancel = CancellationToken::new();
        let (tx, _) = broadcast::channel(1024);
        let state = Arc::new(RunState { cancel: cancel.clone(), log: Mutex::new(Vec::new()), tx });
        self.registry.lock().unwrap_or_else(|p| p.into_inner()).live.insert(key.clone(), state.clone());

        let mut run = tracedeck_agents::RunRequest::new(req.target, req.input);
        run.user_id = req.user_id.filter(|s| !s.trim().is_empty());
        run.session_id = req.session_id.filter(|s| !s.trim().is_empty());
        run.cancel = cancel;
        let (etx, mut erx) = mpsc::channel::<RunEvent>(256);
        let forward_state = state.clone();
        let forward = tokio::spawn(async move {
            while let Some(e) = erx.recv().await {
                if let Some(u) = RunUpdate::from_event(e) {
                    forward_state.push(u);
                }
            }
        });
        let this = self.clone();
        let run_key = key.clone();
        tokio::spawn(async move {
            let outcome = this.runtime.run(run, Some(etx)).await;
            let _ = forward.await;
            // The trace must be complete in the database before the UI is told to open it.
            let _ = telemetry.flush(Duration::from_secs(10)).await;
            let finished = match outcome {
                Ok(o) => RunUpdate::Finished {
                    status: if o.status == RunStatus::Ok {
                        tracedeck_model::TraceStatus::Ok
                    } else {
                        tracedeck_model::TraceStatus::Error
                    },
                    output: Some(o.output).filter(|s| !s.is_empty()),
                    error: o.error.or_else(|| (o.status == RunStatus::Cancelled).then(|| "cancelled".to_owned())),
                    trace_id: o.trace_id,
                },
                Err(e) => RunUpdate::Finished {
                    status: tracedeck_model::TraceStatus::Error,
                    output: None,
                    error: Some(e.to_string()),
                    trace_id: String::new(),
                },
            };
            state.push(finished);
            this.retire(&run_key);
        });
        Ok(RunStarted { run_key: key })
    }

    fn retire(&self, key: &str) {
        let mut reg = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        reg.finished.push_back(key.to_owned());
        while reg.finished.len() > KEEP_FINISHED {
            if let Some(old) = reg.finished.pop_front() {
                reg.live.remove(&old);
            }
        }
    }

    pub fn cancel(&self, key: &str) -> ApiResult<()> {
        let reg = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        let state = reg.live.get(key).ok_or_else(|| ApiError::NotFound(format!("run {key}")))?;
        state.cancel.cancel();
        Ok(())
    }

    /// Everything the run produced so far, then its live updates until `Finished`.
    pub fn subscribe(&self, key: &str) -> ApiResult<(Vec<RunUpdate>, Option<broadcast::Receiver<RunUpdate>>)> {
        let reg = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        let state = reg.live.get(key).ok_or_else(|| ApiError::NotFound(format!("run {key}")))?;
        let log = state.log.lock().unwrap_or_else(|p| p.into_inner());
        let done = log.iter().any(|u| matches!(u, RunUpdate::Finished { .. }));
        let rx = (!done).then(|| state.tx.subscribe());
        Ok((log.clone(), rx))
    }
}

fn rand_suffix() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(tracedeck_model::time::now_ns() as u64);
    h.finish() as u16
}
