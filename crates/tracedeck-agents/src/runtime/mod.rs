//! The runtime front ends call: [`Runtime::new`] turns a validated [`Config`] into runnable
//! agents and teams (models, tools, knowledge bases built once, shared behind an `Arc`), and
//! [`Runtime::run`] executes one run, streaming [`RunEvent`]s to an optional channel and
//! recording `tracing` spans. The runtime is `Clone + Send + Sync`; any number of runs may go
//! at once. It does not know where spans go: the caller installs the subscriber.
//!
//! Inside: [`run`] is what every run does (span, hooks, history, limits, outcome),
//! [`turns`] the model/tool loop, [`team`] the team modes and delegation, [`ctl`] stopping.

pub(crate) mod ctl;
mod run;
mod spec;
mod team;
mod turns;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::events::{RunEvent, RunStatus};
use crate::message::Usage;
use crate::session::{FileSessionStore, MemorySessionStore, SessionStore};
use crate::tools::Tool;

use spec::{AgentSpec, TeamSpec};

/// How the runtime is wired to the machine.
pub struct RuntimeOptions {
    /// Where session history is kept.
    pub session_store: Arc<dyn SessionStore>,
    /// Base of relative paths in the config (knowledge folders, `read_file`'s folder).
    /// Default: the folder of the config file.
    pub knowledge_root: Option<PathBuf>,
    /// Tools beyond the built-ins, usable by name in `tools = [...]`.
    pub extra_tools: Vec<Arc<dyn Tool>>,
    /// TCP connect timeout for model servers.
    pub connect_timeout: Duration,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            session_store: Arc::new(MemorySessionStore::default()),
            knowledge_root: None,
            extra_tools: Vec::new(),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl RuntimeOptions {
    /// Session history as JSON files under `<data_dir>/sessions/`.
    pub fn with_data_dir(data_dir: &Path) -> RuntimeOptions {
        RuntimeOptions {
            session_store: Arc::new(FileSessionStore::new(data_dir.join("sessions"))),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot set up `{what}`: {message}")]
    Build { what: String, message: String },
    #[error("no agent or team named `{target}` (available: {available})")]
    UnknownTarget { target: String, available: String },
}

/// One run to execute.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Agent or team id.
    pub target: String,
    pub input: String,
    pub user_id: Option<String>,
    /// A new session id is made when absent (returned in the outcome).
    pub session_id: Option<String>,
    /// Cancel to stop the run; its open spans end with status ERROR "cancelled".
    pub cancel: CancellationToken,
}

impl RunRequest {
    pub fn new(target: impl Into<String>, input: impl Into<String>) -> RunRequest {
        RunRequest {
            target: target.into(),
            input: input.into(),
            user_id: None,
            session_id: None,
            cancel: CancellationToken::new(),
        }
    }
}

/// How a run ended. `trace_id` is the run span's OpenTelemetry trace id (32 hex; zeros when
/// no OpenTelemetry layer is installed).
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub trace_id: String,
    pub run_id: String,
    pub session_id: String,
    pub output: String,
    pub status: RunStatus,
    pub error: Option<String>,
    pub usage: Usage,
}

/// What `run` accepts, for listings.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetInfo {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub description: Option<String>,
    pub model: String,
}

pub(crate) struct Inner {
    pub config: Config,
    pub agents: HashMap<String, Arc<AgentSpec>>,
    pub teams: HashMap<String, Arc<TeamSpec>>,
    pub sessions: Arc<dyn SessionStore>,
}

#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("targets", &self.targets().iter().map(|t| &t.id).collect::<Vec<_>>()).finish()
    }
}

impl Runtime {
    /// Builds models, tools and knowledge bases. The config must be validated (it is when it
    /// comes from [`Config::load`] / [`Config::parse`]).
    pub fn new(config: Config, options: RuntimeOptions) -> Result<Runtime, RuntimeError> {
        let inner = spec::build(config, options)?;
        Ok(Runtime { inner: Arc::new(inner) })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn targets(&self) -> Vec<TargetInfo> {
        let mut out: Vec<TargetInfo> = self
            .inner
            .agents
            .values()
            .map(|a| a.profile.info("agent"))
            .chain(self.inner.teams.values().map(|t| t.profile.info("team")))
            .collect();
        out.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
        out
    }

    /// Runs an agent or team to completion (or cancellation, timeout, limit). `Err` only for
    /// a request that cannot start (unknown target); a failed run is an outcome with status
    /// ERROR, its trace recorded.
    pub async fn run(
        &self,
        req: RunRequest,
        events: Option<mpsc::Sender<RunEvent>>,
    ) -> Result<RunOutcome, RuntimeError> {
        let unit = if let Some(a) = self.inner.agents.get(&req.target) {
            run::Unit::Agent(a.clone())
        } else if let Some(t) = self.inner.teams.get(&req.target) {
            run::Unit::Team(t.clone())
        } else {
            let available = self.targets().into_iter().map(|t| t.id).collect::<Vec<_>>().join(", ");
            return Err(RuntimeError::UnknownTarget { target: req.target, available });
        };
        let session_id = req.session_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let scope = run::Scope {
            inner: &self.inner,
            parent: None,
            parent_ctl: run::ParentCtl::Root(&req.cancel),
            events: run::ParentEvents::Root(events),
            user_id: req.user_id.as_deref(),
            session_id: &session_id,
        };
        let r = run::run_unit(&unit, &scope, &req.input).await;
        let status = match &r.error {
            None => RunStatus::Ok,
            Some(e) if e.is_cancel() => RunStatus::Cancelled,
            Some(_) => RunStatus::Error,
        };
        Ok(RunOutcome {
            trace_id: r.trace_id,
            run_id: r.run_id,
            session_id,
            output: r.output,
            status,
            error: r.error.map(|e| e.to_string()),
            usage: r.usage,
        })
    }
}

#[cfg(test)]
mod tests;
