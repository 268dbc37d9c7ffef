//! `tracedeck demo`: records a small, clearly labelled demo run through the real telemetry
//! pipeline (tracing spans -> OpenTelemetry -> writer -> database), shaped like the runs Agno
//! records: an AGENT span, LLM calls with messages and token counts, and a tool call that
//! fails and is reported back to the model. No model is called: every reply is scripted.

use std::time::Duration;

use opentelemetry::trace::TraceContextExt;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

async fn llm_call(round: usize, messages: &[(&str, &str)], reply: &str, tool_call: Option<(&str, &str)>) {
    let span = tracing::info_span!(
        target: "tracedeck_demo",
        "llm",
        otel.name = "ScriptedModel.invoke",
        otel.status_code = "OK",
        openinference.span.kind = "LLM",
        llm.model_name = "scripted-demo",
        llm.provider = "Tracedeck (scripted demo, no model called)",
        llm.invocation_parameters = "{\"temperature\": 0.0}",
        llm.token_count.prompt = 40 + 25 * round as i64,
        llm.token_count.completion = 12,
        llm.token_count.total = 52 + 25 * round as i64,
        "input.mime_type" = "application/json",
    );
    for (i, (role, content)) in messages.iter().enumerate() {
        span.set_attribute(format!("llm.input_messages.{i}.message.role"), role.to_string());
        span.set_attribute(format!("llm.input_messages.{i}.message.content"), content.to_string());
    }
    span.set_attribute("llm.output_messages.0.message.role", "assistant");
    match tool_call {
        Some((name, args)) => {
            span.set_attribute("llm.output_messages.0.message.tool_calls.0.tool_call.id", format!("call_{round}"));
            span.set_attribute("llm.output_messages.0.message.tool_calls.0.tool_call.function.name", name.to_string());
            span.set_attribute(
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments",
                args.to_string(),
            );
        }
        None => span.set_attribute("llm.output_messages.0.message.content", reply.to_string()),
    }
    span.set_attribute("output.value", reply.to_string());
    tokio::time::sleep(Duration::from_millis(30)).instrument(span).await;
}

async fn tool(name: &str, args: &str, result: Result<&str, &str>) {
    let span = tracing::info_span!(
        target: "tracedeck_demo",
        "tool",
        otel.name = name,
        openinference.span.kind = "TOOL",
        tool.name = name,
        tool.parameters = args,
        "input.value" = args,
        otel.status_code = if result.is_ok() { "OK" } else { "ERROR" },
        otel.status_description = tracing::field::Empty,
        "output.value" = result.unwrap_or_else(|e| e),
    );
    if let Err(e) = result {
        // Only an error has a description: tracing-opentelemetry turns any description
        // into an ERROR status.
        span.record("otel.status_description", e);
    }
    async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        if let Err(e) = result {
            tracing::event!(target: "tracedeck_demo", tracing::Level::INFO,
                exception.r#type = "ZeroDivisionError", exception.message = e,
                exception.stacktrace = "demo: divide(a=1, b=0) -> ZeroDivisionError: float division by zero",
                "tool failed");
        }
    }
    .instrument(span)
    .await;
}

/// Records one demo agent run and returns its trace id.
pub async fn record_demo_run(user: &str, session: &str) -> String {
    let question = "What is 1 divided by 0, and what's the weather in Paris?";
    let run = tracing::info_span!(
        target: "tracedeck_demo",
        "agent_run",
        otel.name = "Demo_Agent.run",
        otel.status_code = "OK",
        openinference.span.kind = "AGENT",
        agent.name = "Demo Agent",
        agno.agent.id = "demo-agent",
        agno.run.id = format!("demo-run-{:x}", tracedeck_model::time::now_ns()),
        session.id = session,
        user.id = user,
        tracedeck.demo = true,
        "input.value" = question,
        "output.value" = "1 divided by 0 is undefined (the tool reported a division by zero). It is 21C and sunny in Paris.",
    );
    let trace_id = format!("{:032x}", run.context().span().span_context().trace_id());
    async {
        let sys = ("system", "You answer with tools. Scripted demo: no model is called.");
        llm_call(0, &[sys, ("user", question)], "", Some(("divide", "{\"a\": 1, \"b\": 0}"))).await;
        tool("divide", "{\"a\": 1, \"b\": 0}", Err("float division by zero")).await;
        llm_call(
            1,
            &[sys, ("user", question), ("tool", "float division by zero")],
            "",
            Some(("get_weather", "{\"city\": \"Paris\"}")),
        )
        .await;
        tool("get_weather", "{\"city\": \"Paris\"}", Ok("The weather in Paris is 21C and sunny.")).await;
        llm_call(
            2,
            &[sys, ("user", question), ("tool", "The weather in Paris is 21C and sunny.")],
            "1 divided by 0 is undefined (the tool reported a division by zero). It is 21C and sunny in Paris.",
            None,
        )
        .await;
    }
    .instrument(run)
    .await;
    trace_id
}
