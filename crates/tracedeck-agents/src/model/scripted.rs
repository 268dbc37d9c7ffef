//! The `scripted` provider: a deterministic stand-in for an LLM, for demos and tests only
//! (its spans say so in `llm.provider`). It answers from the rules in the config: the first
//! rule whose `when` regex matches the latest user message, and whose tool calls name only
//! tools the caller offers, decides. Before any tool result in the current turn it asks for
//! the rule's tool calls; afterwards it replies with the rule's template. Usage is a
//! deterministic chars/4 count, so token budgets can be exercised too.

use std::collections::HashMap;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;

use super::{ModelError, ModelRequest, ModelResponse, estimate_usage};
use crate::config::{ModelConfig, ScriptToolCall};
use crate::events::EventSink;
use crate::message::{Role, ToolCall};

struct Rule {
    when: Option<Regex>,
    tool_calls: Vec<ScriptToolCall>,
    reply: Option<String>,
    error: Option<String>,
    loop_tools: bool,
}

pub struct ScriptedModel {
    model: String,
    rules: Vec<Rule>,
    default_reply: String,
    chunk_delay: Duration,
    latency: Duration,
}

/// Replaces `{name}` for every known variable; other braces are left alone.
pub(crate) fn fill(template: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if vars.contains_key(name) => {
                out.push_str(&vars[name]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn fill_json(v: &Value, vars: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) => Value::String(fill(s, vars)),
        Value::Array(a) => Value::Array(a.iter().map(|x| fill_json(x, vars)).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), fill_json(x, vars))).collect()),
        other => other.clone(),
    }
}

impl ScriptedModel {
    /// Regexes were checked by config validation; an invalid one never matches.
    pub fn new(cfg: &ModelConfig) -> ScriptedModel {
        let rules = cfg
            .rules
            .iter()
            .map(|r| Rule {
                when: r
                    .when
                    .as_deref()
                    .map(|w| Regex::new(w).unwrap_or_else(|_| Regex::new("$^").expect("static regex"))),
                tool_calls: r.tool_calls.clone(),
                reply: r.reply.clone(),
                error: r.error.clone(),
                loop_tools: r.loop_tools,
            })
            .collect();
        ScriptedModel {
            model: cfg.model.clone().unwrap_or_else(|| "scripted".to_owned()),
            rules,
            default_reply: cfg
                .default_reply
                .clone()
                .unwrap_or_else(|| "(scripted model) no rule matched this input.".into()),
            chunk_delay: Duration::from_millis(cfg.chunk_delay_ms.unwrap_or(0)),
            latency: Duration::from_millis(cfg.latency_ms.unwrap_or(0)),
        }
    }

    pub fn model_name(&self) -> &str {
        &self.model
    }

    fn decide(&self, req: &ModelRequest<'_>) -> Result<ModelResponse, ModelError> {
        let turn_start = req.messages.iter().rposition(|m| m.role == Role::User);
        let input = turn_start.map(|i| req.messages[i].content_str()).unwrap_or("");
        let turn = &req.messages[turn_start.map_or(0, |i| i + 1)..];
        let results: Vec<&str> = turn.iter().filter(|m| m.role == Role::Tool).map(|m| m.content_str()).collect();
        let round = turn.iter().filter(|m| m.role == Role::Assistant).count();
        let offered = |name: &str| req.tools.iter().any(|t| t.name == name);

        let mut vars = HashMap::new();
        let chosen = self.rules.iter().find_map(|r| {
            if !r.tool_calls.iter().all(|c| offered(&c.name)) {
                return None;
            }
            match &r.when {
                None => Some((r, None)),
                Some(re) => re.captures(input).map(|c| (r, Some(c))),
            }
        });
        vars.insert("input".to_owned(), input.to_owned());
        vars.insert("tool_result".to_owned(), results.first().copied().unwrap_or("").to_owned());
        vars.insert("tool_results".to_owned(), results.join("\n\n"));
        let Some((rule, caps)) = chosen else {
            return Ok(ModelResponse { content: Some(self.default_reply.clone()), ..Default::default() });
        };
        if let (Some(caps), Some(re)) = (&caps, &rule.when) {
            for name in re.capture_names().flatten() {
                if let Some(m) = caps.name(name) {
                    vars.insert(name.to_owned(), m.as_str().trim().to_owned());
                }
            }
        }
        if let Some(e) = &rule.error {
            return Err(ModelError::Scripted(fill(e, &vars)));
        }
        if !rule.tool_calls.is_empty() && (results.is_empty() || rule.loop_tools) {
            let tool_calls = rule
                .tool_calls
                .iter()
                .enumerate()
                .map(|(i, c)| ToolCall {
                    id: format!("call_{round}_{i}"),
                    name: c.name.clone(),
                    arguments: fill_json(&c.arguments, &vars).to_string(),
                })
                .collect();
            return Ok(ModelResponse { tool_calls, finish_reason: Some("tool_calls".into()), ..Default::default() });
        }
        let reply = match &rule.reply {
            Some(t) => fill(t, &vars),
            None => results.join("\n\n"),
        };
        Ok(ModelResponse { content: Some(reply), finish_reason: Some("stop".into()), ..Default::default() })
    }

    pub async fn invoke(&self, req: &ModelRequest<'_>, sink: Option<&EventSink>) -> Result<ModelResponse, ModelError> {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        let mut r = self.decide(req)?;
        if let (Some(sink), Some(text)) = (sink, &r.content) {
            // Word-sized chunks, whitespace kept, like a model's token stream.
            let mut start = 0;
            for (i, c) in text.char_indices() {
                if c.is_whitespace() && i > start {
                    sink.text(&text[start..i + c.len_utf8()]).await;
                    start = i + c.len_utf8();
                    if !self.chunk_delay.is_zero() {
                        tokio::time::sleep(self.chunk_delay).await;
                    }
                }
            }
            sink.text(&text[start..]).await;
        }
        r.usage = estimate_usage(req, &r);
        r.usage_reported = true;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Provider, ScriptRule};
    use crate::message::Message;
    use crate::model::ToolSpec;

    fn model(rules: Vec<ScriptRule>) -> ScriptedModel {
        let cfg: ModelConfig = toml::from_str("provider = \"scripted\"").unwrap();
        assert_eq!(cfg.provider, Provider::Scripted);
        ScriptedModel::new(&ModelConfig { rules, ..cfg })
    }

    fn spec(name: &str) -> ToolSpec {
        ToolSpec { name: name.into(), description: String::new(), parameters: serde_json::json!({"type": "object"}) }
    }

    #[test]
    fn fill_replaces_known_names_only() {
        let vars = HashMap::from([("city".to_owned(), "Rome".to_owned())]);
        assert_eq!(fill("{city} {x} {", &vars), "Rome {x} {");
    }

    #[test]
    fn tool_calls_then_reply_with_captures() {
        let m = model(vec![ScriptRule {
            when: Some(r"weather in (?P<city>\w+)".into()),
            tool_calls: vec![ScriptToolCall {
                name: "get_weather".into(),
                arguments: serde_json::json!({"city": "{city}"}),
            }],
            reply: Some("{city}: {tool_result}".into()),
            ..Default::default()
        }]);
        let tools = [spec("get_weather")];
        let mut msgs = vec![Message::system("s"), Message::user("weather in Rome?")];
        let r = m.decide(&ModelRequest { messages: &msgs, tools: &tools }).unwrap();
        assert_eq!(r.tool_calls[0].arguments, r#"{"city":"Rome"}"#);
        msgs.push(Message::assistant_calls(None, r.tool_calls.clone()));
        msgs.push(Message::tool_result("call_0_0", "sunny"));
        let r = m.decide(&ModelRequest { messages: &msgs, tools: &tools }).unwrap();
        assert_eq!(r.content.as_deref(), Some("Rome: sunny"));
        // Without the tool on offer the rule does not apply.
        let r = m.decide(&ModelRequest { messages: &msgs[..2], tools: &[] }).unwrap();
        assert!(r.content.unwrap().contains("no rule matched"));
    }
}
