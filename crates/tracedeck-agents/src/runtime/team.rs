//! Teams: a leader model with one tool, `delegate_task_to_member`, whose TOOL span (with
//! `tracedeck.delegation.member` / `.mode`) is the parent of the member's own AGENT run
//! span, in the same trace, session and user. Modes: `route` (one delegation, its answer
//! is the team's), `coordinate` (the leader delegates as it likes, then synthesises) and
//! `broadcast` (every member gets the input first, then the leader synthesises).

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::Inner;
use super::run::{ParentCtl, ParentEvents, RunCx, RunError, Scope, Unit, run_unit};
use super::spec::{DELEGATE_TOOL, TeamSpec};
use super::turns::{execute_calls, execute_one, llm_call, run_loop, tool_message};
use crate::config::TeamMode;
use crate::events::RunEvent;
use crate::message::{Message, ToolCall, Usage};
use crate::spans;
use crate::tools::{Tool, ToolContext, ToolError, str_arg};

/// Made per team run: it carries the run's session, user and usage to member runs.
struct DelegateTool {
    inner: Arc<Inner>,
    team: Arc<TeamSpec>,
    user_id: Option<String>,
    session_id: String,
    usage: Arc<Mutex<Usage>>,
}

impl Tool for DelegateTool {
    fn name(&self) -> &str {
        DELEGATE_TOOL
    }
    fn description(&self) -> &str {
        &self.team.delegate.description
    }
    fn parameters(&self) -> &Value {
        &self.team.delegate.parameters
    }
    fn call<'a>(&'a self, args: Value, ctx: &'a ToolContext) -> BoxFuture<'a, Result<String, ToolError>> {
        Box::pin(async move {
            let member_id = str_arg(&args, "member_id")?;
            let task = str_arg(&args, "task")?;
            let Some(member) = self.team.members.iter().find(|m| m.profile.id == member_id) else {
                let ids: Vec<&str> = self.team.members.iter().map(|m| m.profile.id.as_str()).collect();
                return Err(ToolError::invalid_args(format!(
                    "unknown member `{member_id}` (members: {})",
                    ids.join(", ")
                )));
            };
            let mode = self.team.mode.as_str();
            spans::delegation(&ctx.span, member_id, mode);
            ctx.events
                .emit(|run_id, depth| RunEvent::Delegation {
                    run_id,
                    depth,
                    member: member_id.to_owned(),
                    mode: mode.to_owned(),
                    task: task.to_owned(),
                })
                .await;
            let scope = Scope {
                inner: &self.inner,
                parent: Some(&ctx.span),
                parent_ctl: ParentCtl::Child(&ctx.ctl),
                events: ParentEvents::Child(&ctx.events),
                user_id: self.user_id.as_deref(),
                session_id: &self.session_id,
            };
            let unit = Unit::Agent(member.clone());
            let r = run_unit(&unit, &scope, task).await;
            self.usage.lock().unwrap_or_else(|p| p.into_inner()).add(r.usage);
            match r.error {
                None => Ok(r.output),
                Some(e) => Err(ToolError::new("MemberRunError", format!("member `{member_id}` failed: {e}"))),
            }
        })
    }
}

pub(crate) async fn respond(
    t: &Arc<TeamSpec>,
    cx: &RunCx<'_>,
    messages: &mut Vec<Message>,
    input: &str,
) -> Result<String, RunError> {
    let tool: Arc<dyn Tool> = Arc::new(DelegateTool {
        inner: cx.inner.clone(),
        team: t.clone(),
        user_id: cx.user_id.map(str::to_owned),
        session_id: cx.session_id.to_owned(),
        usage: cx.usage.clone(),
    });
    let tools = [tool];
    let specs = std::slice::from_ref(&t.delegate);
    match t.mode {
        TeamMode::Coordinate => run_loop(cx, messages, &tools, specs).await,
        TeamMode::Broadcast => {
            let calls: Vec<ToolCall> = t
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| ToolCall {
                    id: format!("broadcast_{i}"),
                    name: DELEGATE_TOOL.to_owned(),
                    arguments: json!({"member_id": m.profile.id, "task": input}).to_string(),
                })
                .collect();
            let results = execute_calls(cx, &tools, &calls).await?;
            messages.push(Message::assistant_calls(None, calls.clone()));
            for (c, r) in calls.iter().zip(&results) {
                messages.push(tool_message(c, r));
            }
            run_loop(cx, messages, &tools, specs).await
        }
        TeamMode::Route => {
            let resp = llm_call(cx, messages, specs).await?;
            let Some(call) = resp.tool_calls.iter().find(|c| c.name == DELEGATE_TOOL).cloned() else {
                return Ok(resp.content.unwrap_or_default());
            };
            messages.push(Message::assistant_calls(resp.content, vec![call.clone()]));
            match execute_one(cx, &tools, &call).await? {
                Ok(answer) => Ok(answer),
                Err(e) => Err(RunError::Member(e.message)),
            }
        }
    }
}
