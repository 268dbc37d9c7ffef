//! The model/tool loop of one run: call the model (an LLM span), and while it asks for
//! tools, run the calls concurrently (a TOOL span each) and feed the results back. Enforces
//! the per-run limits (tool-call rounds, token budget). Tool failures are answers, not run
//! failures: the error is recorded on the tool span and returned to the model.

use std::sync::Arc;
use std::time::Instant;

use futures::future::join_all;
use serde_json::Value;
use tracing::Instrument;

use super::ctl::Stopped;
use super::run::{RunCx, RunError};
use super::spec::DELEGATE_TOOL;
use crate::events::RunEvent;
use crate::message::{Message, ToolCall};
use crate::model::{ModelRequest, ModelResponse, ToolSpec};
use crate::spans;
use crate::tools::{Tool, ToolContext, ToolError};

/// One model call in an LLM span; adds its usage to the run and checks the token budget.
pub(crate) async fn llm_call(
    cx: &RunCx<'_>,
    messages: &[Message],
    specs: &[ToolSpec],
) -> Result<ModelResponse, RunError> {
    let model = &cx.profile.model;
    let streaming = cx.events.enabled() && model.streams();
    let req = ModelRequest { messages, tools: specs };
    let span = spans::llm(cx.span, model, streaming, &req);
    let call = model.invoke(&req, streaming.then_some(cx.events)).instrument(span.clone());
    let resp = match cx.ctl.guard(call).await {
        Err(stopped) => {
            spans::finish(&span, Err(&stopped.0));
            return Err(stopped.into());
        }
        Ok(Err(error)) => {
            let msg = error.to_string();
            spans::exception(&span, error.kind(), &msg);
            spans::finish(&span, Err(&msg));
            return Err(RunError::Model { model: cx.profile.model_id.clone(), error });
        }
        Ok(Ok(resp)) => resp,
    };
    spans::finish_llm(&span, &resp);
    drop(span);
    let total = cx.add_usage(resp.usage);
    let budget = cx.profile.limits.token_budget;
    if budget > 0 && total > budget {
        return Err(RunError::Limit(format!("token budget ({budget} tokens) exceeded: {total} used")));
    }
    Ok(resp)
}

/// Runs one tool call in its TOOL span. `Err` only when the run was stopped.
pub(crate) async fn execute_one(
    cx: &RunCx<'_>,
    tools: &[Arc<dyn Tool>],
    call: &ToolCall,
) -> Result<Result<String, ToolError>, Stopped> {
    let tool = tools.iter().find(|t| t.name() == call.name);
    let args_text = if call.arguments.trim().is_empty() { "{}" } else { call.arguments.as_str() };
    let parsed = serde_json::from_str::<Value>(args_text);
    // A delegation's input is the task, as a person would read it.
    let task = (call.name == DELEGATE_TOOL)
        .then(|| parsed.as_ref().ok().and_then(|v| v.get("task")).and_then(Value::as_str).map(str::to_owned))
        .flatten();
    let span = spans::tool(
        cx.span,
        &call.name,
        tool.map_or("", |t| t.description()),
        &call.arguments,
        task.as_deref().unwrap_or(&call.arguments),
    );
    cx.events
        .emit(|run_id, depth| RunEvent::ToolCallStarted {
            run_id,
            depth,
            call_id: call.id.clone(),
            tool: call.name.clone(),
            arguments: call.arguments.clone(),
        })
        .await;
    let started = Instant::now();
    let result = match (tool, parsed) {
        (None, _) => {
            let names: Vec<&str> = tools.iter().map(|t| t.name()).collect();
            Err(ToolError::new(
                "UnknownTool",
                format!("unknown tool `{}` (available: {})", call.name, names.join(", ")),
            ))
        }
        (Some(_), Err(e)) => Err(ToolError::invalid_args(format!("arguments are not valid JSON: {e}"))),
        (Some(t), Ok(args)) => {
            let ctx = ToolContext { span: span.clone(), ctl: cx.ctl.clone(), events: cx.events.clone() };
            match cx.ctl.guard(t.call(args, &ctx).instrument(span.clone())).await {
                Ok(r) => r,
                Err(stopped) => {
                    spans::finish(&span, Err(&stopped.0));
                    return Err(stopped);
                }
            }
        }
    };
    // A tool that noticed the stop itself returns an error; report the stop, not the error.
    if let Err(stopped) = cx.ctl.check() {
        spans::finish(&span, Err(&stopped.0));
        return Err(stopped);
    }
    spans::finish_tool(&span, &result);
    drop(span);
    let (ok, output) = match &result {
        Ok(s) => (true, s.clone()),
        Err(e) => (false, e.message.clone()),
    };
    cx.events
        .emit(|run_id, depth| RunEvent::ToolCallFinished {
            run_id,
            depth,
            call_id: call.id.clone(),
            tool: call.name.clone(),
            ok,
            output,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
        .await;
    Ok(result)
}

/// Runs tool calls concurrently; results in call order.
pub(crate) async fn execute_calls(
    cx: &RunCx<'_>,
    tools: &[Arc<dyn Tool>],
    calls: &[ToolCall],
) -> Result<Vec<Result<String, ToolError>>, RunError> {
    let results = join_all(calls.iter().map(|c| execute_one(cx, tools, c))).await;
    results.into_iter().map(|r| r.map_err(RunError::from)).collect()
}

/// What the model reads back for a tool result.
pub(crate) fn tool_message(call: &ToolCall, result: &Result<String, ToolError>) -> Message {
    match result {
        Ok(s) => Message::tool_result(&call.id, s.clone()),
        Err(e) => Message::tool_result(&call.id, format!("Error: {}", e.message)),
    }
}

/// Model turns until an answer without tool calls, within the limits.
pub(crate) async fn run_loop(
    cx: &RunCx<'_>,
    messages: &mut Vec<Message>,
    tools: &[Arc<dyn Tool>],
    specs: &[ToolSpec],
) -> Result<String, RunError> {
    let max = cx.profile.limits.max_tool_rounds;
    let mut rounds = 0;
    loop {
        cx.ctl.check()?;
        let resp = llm_call(cx, messages, specs).await?;
        if resp.tool_calls.is_empty() {
            let answer = resp.content.unwrap_or_default();
            messages.push(Message::assistant(answer.clone()));
            return Ok(answer);
        }
        if rounds >= max {
            return Err(RunError::Limit(format!("max tool-call rounds ({max}) exceeded")));
        }
        rounds += 1;
        messages.push(Message::assistant_calls(resp.content, resp.tool_calls.clone()));
        let results = execute_calls(cx, tools, &resp.tool_calls).await?;
        for (call, r) in resp.tool_calls.iter().zip(&results) {
            messages.push(tool_message(call, r));
        }
    }
}
