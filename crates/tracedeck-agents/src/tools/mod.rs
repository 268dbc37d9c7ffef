//! Tools a model can call: the [`Tool`] trait (name, description, JSON-schema parameters, an
//! async call), the error a tool returns ([`ToolError`]: an exception type and a message,
//! recorded on the tool span and returned to the model), and the built-ins configured from
//! `[tools]`: `calculator`, `current_time`, `read_file` (inside one folder), `http_get`
//! (allow-listed hosts only) and the demo `canned` tool. `search_knowledge` lives with the
//! knowledge base ([`crate::knowledge`]); the tool span around a call is the runtime's.

pub mod calculator;
mod files;
mod http;
mod simple;

use std::path::Path;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::{ToolConfig, ToolKind};
use crate::events::EventSink;
use crate::runtime::ctl::RunCtl;

pub use calculator::Calculator;
pub use files::ReadFile;
pub use http::HttpGet;
pub use simple::{CannedTool, CurrentTime};

/// A tool failure. `kind` is the exception type recorded on the span (`ZeroDivisionError`,
/// `InvalidArguments`, `PermissionError`, …); the message goes back to the model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ToolError {
    pub kind: String,
    pub message: String,
}

impl ToolError {
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> ToolError {
        ToolError { kind: kind.into(), message: message.into() }
    }

    pub fn invalid_args(message: impl Into<String>) -> ToolError {
        ToolError::new("InvalidArguments", message)
    }
}

/// What a running tool may use: its span (to parent child spans such as a retrieval), the
/// run's cancellation, and the run's event sink.
pub struct ToolContext {
    pub(crate) span: tracing::Span,
    pub(crate) ctl: RunCtl,
    pub(crate) events: EventSink,
}

impl ToolContext {
    /// The tool call's span; spans a tool creates should be its children.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Cancelled when the run is cancelled or times out; long tools should watch it.
    pub fn cancellation(&self) -> &CancellationToken {
        self.ctl.token()
    }
}

/// A function the model can call.
pub trait Tool: Send + Sync {
    fn name(&self) -> &str;
    fn description(&self) -> &str;
    /// JSON schema of the arguments object.
    fn parameters(&self) -> &Value;
    /// Runs the tool; `Ok` text or a [`ToolError`] both go back to the model.
    fn call<'a>(&'a self, args: Value, ctx: &'a ToolContext) -> BoxFuture<'a, Result<String, ToolError>>;
}

pub(crate) fn str_arg<'a>(args: &'a Value, name: &str) -> Result<&'a str, ToolError> {
    match args.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(ToolError::invalid_args(format!("argument `{name}` must be a string, got {other}"))),
        None => Err(ToolError::invalid_args(format!("missing argument `{name}`"))),
    }
}

/// Builds a configured or implicit built-in tool. `base_dir` resolves relative paths.
pub(crate) fn build(name: &str, cfg: Option<&ToolConfig>, base_dir: &Path) -> Result<Arc<dyn Tool>, String> {
    let default = ToolConfig::default();
    let cfg = cfg.unwrap_or(&default);
    let kind =
        cfg.kind.or_else(|| ToolKind::from_builtin_name(name)).ok_or_else(|| format!("tool `{name}` has no kind"))?;
    Ok(match kind {
        ToolKind::Calculator => Arc::new(Calculator::new(cfg.description.clone())),
        ToolKind::CurrentTime => Arc::new(CurrentTime::new(cfg.description.clone())),
        ToolKind::ReadFile => {
            let dir = cfg.allowed_dir.as_deref().ok_or("read_file needs allowed_dir")?;
            Arc::new(ReadFile::new(base_dir.join(dir), cfg.max_bytes, cfg.description.clone()))
        }
        ToolKind::HttpGet => Arc::new(HttpGet::new(cfg)?),
        ToolKind::Canned => Arc::new(CannedTool::new(name, cfg)),
        ToolKind::External => {
            return Err(format!("tool `{name}` is external but the application registered none by that name"));
        }
    })
}
