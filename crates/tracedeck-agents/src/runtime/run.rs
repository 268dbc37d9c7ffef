//! What every run does, agent or team: open the AGENT span, start its stop control (cancel
//! and timeout), apply pre-hooks, load the session history, let the agent or team respond,
//! apply post-hooks, save the history, and close the span with the output, token totals and
//! status. Member runs come through here too (nested under their delegation span).

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, Span};

use super::Inner;
use super::ctl::{RunCtl, Stopped};
use super::spec::{AgentSpec, Profile, TeamSpec};
use super::{team, turns};
use crate::events::{EventSink, RunEvent, RunStatus};
use crate::hooks::{self, HookStage};
use crate::knowledge::{KnowledgeError, format_hits};
use crate::message::{Message, Usage};
use crate::model::ModelError;
use crate::spans;

pub(crate) enum Unit {
    Agent(Arc<AgentSpec>),
    Team(Arc<TeamSpec>),
}

impl Unit {
    fn profile(&self) -> &Profile {
        match self {
            Unit::Agent(a) => &a.profile,
            Unit::Team(t) => &t.profile,
        }
    }
}

pub(crate) enum ParentCtl<'a> {
    Root(&'a CancellationToken),
    Child(&'a RunCtl),
}

pub(crate) enum ParentEvents<'a> {
    Root(Option<mpsc::Sender<RunEvent>>),
    Child(&'a EventSink),
}

/// Where a run sits: top level, or under a delegation span.
pub(crate) struct Scope<'a> {
    pub inner: &'a Arc<Inner>,
    pub parent: Option<&'a Span>,
    pub parent_ctl: ParentCtl<'a>,
    pub events: ParentEvents<'a>,
    pub user_id: Option<&'a str>,
    pub session_id: &'a str,
}

/// Everything a running agent or team needs.
pub(crate) struct RunCx<'a> {
    pub inner: &'a Arc<Inner>,
    pub span: &'a Span,
    pub ctl: &'a RunCtl,
    pub events: &'a EventSink,
    pub profile: &'a Profile,
    /// Shared so member runs can add theirs while the leader waits.
    pub usage: Arc<Mutex<Usage>>,
    pub user_id: Option<&'a str>,
    pub session_id: &'a str,
}

impl RunCx<'_> {
    /// Adds a model call's usage; returns the run's total.
    pub fn add_usage(&self, u: Usage) -> u64 {
        let mut total = self.usage.lock().unwrap_or_else(|p| p.into_inner());
        total.add(u);
        total.total_tokens
    }
}

/// Why a run failed; the text is the run span's status description.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum RunError {
    #[error("{}", .0.0)]
    Stopped(Stopped),
    #[error("{0}")]
    Limit(String),
    #[error("model `{model}` failed: {error}")]
    Model { model: String, error: ModelError },
    #[error("{stage}_hook {hook} rejected the {what}: {message}")]
    Hook { stage: &'static str, hook: &'static str, what: &'static str, message: String },
    #[error("{0}")]
    Session(String),
    #[error("{0}")]
    Knowledge(String),
    #[error("{0}")]
    Member(String),
}

impl RunError {
    pub fn is_cancel(&self) -> bool {
        matches!(self, RunError::Stopped(s) if s.0 == "cancelled")
    }
}

impl From<Stopped> for RunError {
    fn from(s: Stopped) -> Self {
        RunError::Stopped(s)
    }
}

pub(crate) struct UnitResult {
    pub run_id: String,
    pub trace_id: String,
    pub output: String,
    pub usage: Usage,
    pub error: Option<RunError>,
}

/// Boxed: team runs recurse into member runs through the delegation tool.
pub(crate) fn run_unit<'a>(unit: &'a Unit, scope: &'a Scope<'a>, input: &'a str) -> BoxFuture<'a, UnitResult> {
    Box::pin(async move {
        let p = unit.profile();
        let run_id = uuid::Uuid::new_v4().to_string();
        let span = spans::run(&spans::RunSpan {
            parent: scope.parent,
            otel_name: &p.otel_name,
            name: &p.name,
            id: &p.id,
            is_team: p.is_team,
            run_id: &run_id,
            session_id: scope.session_id,
            user_id: scope.user_id,
            input,
            model: &p.model_id,
            tools: &p.tool_names,
        });
        let trace_id = spans::trace_id(&span);
        let (ctl, _timer) = match scope.parent_ctl {
            ParentCtl::Root(t) => RunCtl::start(t, &[], p.limits.timeout),
            ParentCtl::Child(c) => c.child(p.limits.timeout),
        };
        let sink_id: Arc<str> = run_id.as_str().into();
        let events = match &scope.events {
            ParentEvents::Root(tx) => EventSink::new(tx.clone(), sink_id, 0),
            ParentEvents::Child(parent) => parent.child(sink_id),
        };
        events
            .emit(|run_id, depth| RunEvent::RunStarted {
                run_id,
                depth,
                target: p.id.clone(),
                name: p.name.clone(),
                trace_id: trace_id.clone(),
            })
            .await;
        let cx = RunCx {
            inner: scope.inner,
            span: &span,
            ctl: &ctl,
            events: &events,
            profile: p,
            usage: Arc::new(Mutex::new(Usage::default())),
            user_id: scope.user_id,
            session_id: scope.session_id,
        };
        let result = body(unit, &cx, input).instrument(span.clone()).await;
        let usage = *cx.usage.lock().unwrap_or_else(|p| p.into_inner());
        let (output, error) = match result {
            Ok(o) => (o, None),
            Err(e) => (String::new(), Some(e)),
        };
        let message = error.as_ref().map(ToString::to_string);
        spans::finish_run(&span, message.as_deref().unwrap_or(&output), &usage, message.as_deref().map_or(Ok(()), Err));
        let status = match &error {
            None => RunStatus::Ok,
            Some(e) if e.is_cancel() => RunStatus::Cancelled,
            Some(_) => RunStatus::Error,
        };
        events
            .emit(|run_id, depth| RunEvent::RunFinished {
                run_id,
                depth,
                target: p.id.clone(),
                status,
                error: message,
                usage,
            })
            .await;
        UnitResult { run_id, trace_id, output, usage, error }
    })
}

async fn body(unit: &Unit, cx: &RunCx<'_>, input: &str) -> Result<String, RunError> {
    let p = cx.profile;
    cx.ctl.check()?;
    let input = apply_hooks(cx, HookStage::Pre, &p.pre_hooks, input).await?;
    let mut messages = Vec::new();
    if let Some(sys) = &p.system_prompt {
        messages.push(Message::system(sys.clone()));
    }
    messages.extend(load_history(cx).await?);
    messages.push(Message::user(input.clone()));
    let output = match unit {
        Unit::Agent(a) => agent_respond(a, cx, &mut messages, &input).await?,
        Unit::Team(t) => team::respond(t, cx, &mut messages, &input).await?,
    };
    cx.ctl.check()?;
    let output = apply_hooks(cx, HookStage::Post, &p.post_hooks, &output).await?;
    save_history(cx, &input, &output).await?;
    Ok(output)
}

async fn agent_respond(
    a: &AgentSpec,
    cx: &RunCx<'_>,
    messages: &mut Vec<Message>,
    input: &str,
) -> Result<String, RunError> {
    if let (true, Some(kb)) = (a.add_knowledge_to_context, &a.knowledge) {
        let hits = kb.search(input, kb.k, cx.span, cx.ctl, cx.events).await.map_err(|e| match e {
            KnowledgeError::Stopped(s) => RunError::Stopped(Stopped(s)),
            other => RunError::Knowledge(format!("knowledge `{}`: {other}", kb.name())),
        })?;
        let at = messages.len() - 1;
        messages.insert(at, Message::system(format!("Relevant knowledge:\n\n{}", format_hits(&hits))));
    }
    turns::run_loop(cx, messages, &a.tools, &a.specs).await
}

/// Applies hooks in order, each in its own GUARDRAIL span.
async fn apply_hooks(
    cx: &RunCx<'_>,
    stage: HookStage,
    list: &[crate::config::HookConfig],
    text: &str,
) -> Result<String, RunError> {
    let mut text = text.to_owned();
    for h in list {
        cx.ctl.check()?;
        let span = spans::hook(cx.span, stage.as_str(), h.name(), &text);
        let result = {
            let _entered = span.enter();
            hooks::apply(h, stage, &text)
        };
        let (ok, modified) = match &result {
            Ok(out) => {
                let modified = *out != text;
                spans::finish_hook(&span, out, modified);
                (true, modified)
            }
            Err(msg) => {
                spans::exception(&span, "GuardrailRejected", msg);
                spans::finish(&span, Err(msg));
                (false, false)
            }
        };
        drop(span);
        let name = h.name();
        cx.events
            .emit(|run_id, depth| RunEvent::HookApplied {
                run_id,
                depth,
                stage: stage.as_str().to_owned(),
                hook: name.to_owned(),
                modified,
                ok,
            })
            .await;
        match result {
            Ok(out) => text = out,
            Err(message) => {
                let what = if stage == HookStage::Pre { "input" } else { "output" };
                return Err(RunError::Hook { stage: stage.as_str(), hook: name, what, message });
            }
        }
    }
    Ok(text)
}

async fn load_history(cx: &RunCx<'_>) -> Result<Vec<Message>, RunError> {
    let keep = cx.profile.history_runs * 2;
    if keep == 0 {
        return Ok(Vec::new());
    }
    let store = cx.inner.sessions.clone();
    let (owner, session) = (cx.profile.id.clone(), cx.session_id.to_owned());
    let all = tokio::task::spawn_blocking(move || store.load(&owner, &session))
        .await
        .map_err(|e| RunError::Session(format!("session history: {e}")))?
        .map_err(|e| RunError::Session(e.to_string()))?;
    Ok(all[all.len().saturating_sub(keep)..].to_vec())
}

async fn save_history(cx: &RunCx<'_>, input: &str, output: &str) -> Result<(), RunError> {
    if cx.profile.history_runs == 0 {
        return Ok(());
    }
    let store = cx.inner.sessions.clone();
    let (owner, session) = (cx.profile.id.clone(), cx.session_id.to_owned());
    let msgs = [Message::user(input), Message::assistant(output)];
    tokio::task::spawn_blocking(move || store.append(&owner, &session, &msgs))
        .await
        .map_err(|e| RunError::Session(format!("session history: {e}")))?
        .map_err(|e| RunError::Session(e.to_string()))
}
