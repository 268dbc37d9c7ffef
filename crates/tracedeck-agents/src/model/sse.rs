//! Chat Completions wire format, parsed by hand: the server-sent-events framing of a
//! streamed response ([`SseParser`]: `data:` lines, blank-line dispatch, `[DONE]`), folding
//! stream chunks into one answer ([`StreamAccumulator`]: text deltas, tool calls assembled by
//! index, usage from the last chunk), and the non-streamed response body
//! ([`parse_completion`]). Pure functions over bytes and JSON; no IO.

use serde_json::Value;

use super::ModelResponse;
use crate::message::{ToolCall, Usage};

/// Splits a byte stream into SSE event payloads. Bytes may arrive cut anywhere, even inside
/// a UTF-8 character, so lines are assembled from bytes before decoding.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    data: Vec<String>,
}

impl SseParser {
    /// Feeds bytes; returns the payloads of events completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\n' {
                let mut line = std::mem::take(&mut self.line);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                self.line_done(&String::from_utf8_lossy(&line), &mut out);
            } else {
                self.line.push(b);
            }
        }
        out
    }

    /// End of stream: whatever event was pending.
    pub fn finish(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.line_done(&String::from_utf8_lossy(&line), &mut out);
        }
        self.line_done("", &mut out);
        out
    }

    fn line_done(&mut self, line: &str, out: &mut Vec<String>) {
        if line.is_empty() {
            if !self.data.is_empty() {
                out.push(std::mem::take(&mut self.data).join("\n"));
            }
        } else if let Some(rest) = line.strip_prefix("data:") {
            self.data.push(rest.strip_prefix(' ').unwrap_or(rest).to_owned());
        }
        // `event:`, `id:`, `retry:` and `:` comments carry nothing we use.
    }
}

fn usage_of(v: &Value) -> Option<Usage> {
    let u = v.get("usage").filter(|u| u.is_object())?;
    let p = u.get("prompt_tokens").and_then(Value::as_u64).unwrap_or(0);
    let c = u.get("completion_tokens").and_then(Value::as_u64).unwrap_or(0);
    let t = u.get("total_tokens").and_then(Value::as_u64).unwrap_or(p + c);
    Some(Usage { prompt_tokens: p, completion_tokens: c, total_tokens: t })
}

fn error_of(v: &Value) -> Option<String> {
    let e = v.get("error")?;
    Some(match e {
        Value::String(s) => s.clone(),
        _ => e.get("message").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| e.to_string()),
    })
}

/// Arguments may come as a JSON string (OpenAI) or, from some servers, as an object.
fn arguments_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

#[derive(Debug, Default)]
pub(crate) struct StreamAccumulator {
    text: String,
    calls: Vec<(u64, ToolCall)>,
    usage: Option<Usage>,
    finish: Option<String>,
    saw_choice: bool,
}

pub(crate) enum ChunkError {
    Json(String),
    Upstream(String),
}

impl StreamAccumulator {
    /// Folds one `data:` payload in; returns the text delta it carried, if any.
    pub fn push(&mut self, data: &str) -> Result<Option<String>, ChunkError> {
        let v: Value =
            serde_json::from_str(data).map_err(|e| ChunkError::Json(format!("invalid JSON in stream chunk: {e}")))?;
        if let Some(msg) = error_of(&v) {
            return Err(ChunkError::Upstream(msg));
        }
        if let Some(u) = usage_of(&v) {
            self.usage = Some(u);
        }
        let Some(choice) = v.get("choices").and_then(Value::as_array).and_then(|c| c.first()) else {
            return Ok(None);
        };
        self.saw_choice = true;
        if let Some(f) = choice.get("finish_reason").and_then(Value::as_str) {
            self.finish = Some(f.to_owned());
        }
        let Some(delta) = choice.get("delta") else { return Ok(None) };
        for (pos, tc) in delta.get("tool_calls").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let index = tc.get("index").and_then(Value::as_u64).unwrap_or(pos as u64);
            let slot = match self.calls.iter().position(|(i, _)| *i == index) {
                Some(p) => &mut self.calls[p].1,
                None => {
                    let call = ToolCall { id: String::new(), name: String::new(), arguments: String::new() };
                    self.calls.push((index, call));
                    &mut self.calls.last_mut().expect("just pushed").1
                }
            };
            if let Some(id) = tc.get("id").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                slot.id = id.to_owned();
            }
            let f = tc.get("function");
            // Names arrive whole in the first chunk; some servers repeat them, so set once.
            if let Some(name) = f.and_then(|f| f.get("name")).and_then(Value::as_str).filter(|s| !s.is_empty())
                && slot.name.is_empty()
            {
                slot.name = name.to_owned();
            }
            slot.arguments.push_str(&arguments_text(f.and_then(|f| f.get("arguments"))));
        }
        match delta.get("content").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => {
                self.text.push_str(t);
                Ok(Some(t.to_owned()))
            }
            _ => Ok(None),
        }
    }

    pub fn finish(mut self) -> Result<ModelResponse, String> {
        if !self.saw_choice {
            return Err("the stream ended without any choice".into());
        }
        self.calls.sort_by_key(|(i, _)| *i);
        let tool_calls = self.calls.into_iter().map(|(i, c)| with_id(c, i)).collect();
        Ok(ModelResponse {
            content: (!self.text.is_empty()).then_some(self.text),
            tool_calls,
            usage_reported: self.usage.is_some(),
            usage: self.usage.unwrap_or_default(),
            finish_reason: self.finish,
        })
    }
}

fn with_id(mut c: ToolCall, index: u64) -> ToolCall {
    if c.id.is_empty() {
        // Some local servers omit ids; the follow-up tool message still needs one.
        c.id = format!("call_{index}");
    }
    c
}

/// A non-streamed Chat Completions body.
pub(crate) fn parse_completion(body: &[u8]) -> Result<ModelResponse, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        format!("expected a JSON chat completion ({e}); body starts with {text:?}")
    })?;
    if let Some(msg) = error_of(&v) {
        return Err(format!("the server returned an error object: {msg}"));
    }
    let msg = v
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(|c| c.get("message"))
        .ok_or_else(|| "no choices[0].message in the response".to_owned())?;
    let content = msg.get("content").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let mut tool_calls = Vec::new();
    for (i, tc) in msg.get("tool_calls").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let f = tc.get("function").ok_or_else(|| format!("tool_calls[{i}] has no function"))?;
        let name =
            f.get("name").and_then(Value::as_str).ok_or_else(|| format!("tool_calls[{i}].function has no name"))?;
        let id = tc.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
        tool_calls.push(with_id(
            ToolCall { id, name: name.to_owned(), arguments: arguments_text(f.get("arguments")) },
            i as u64,
        ));
    }
    let finish = v["choices"][0].get("finish_reason").and_then(Value::as_str).map(str::to_owned);
    let usage = usage_of(&v);
    Ok(ModelResponse {
        content,
        tool_calls,
        usage_reported: usage.is_some(),
        usage: usage.unwrap_or_default(),
        finish_reason: finish,
    })
}

/// The human part of an error body (`{"error": {"message": ...}}` and common variants).
pub(crate) fn error_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(body)
        && let Some(m) = error_of(&v).or_else(|| v.get("message").and_then(Value::as_str).map(str::to_owned))
    {
        return m;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "(empty body)".to_owned();
    }
    let cut: String = text.chars().take(300).collect();
    if cut.len() < text.len() { format!("{cut}…") } else { cut }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_frames_survive_arbitrary_splits() {
        let stream = "data: {\"a\":\"é\"}\r\n\r\n: keepalive\n\ndata: [DONE]\n\n".as_bytes();
        for cut in 0..stream.len() {
            let mut p = SseParser::default();
            let mut got = p.push(&stream[..cut]);
            got.extend(p.push(&stream[cut..]));
            got.extend(p.finish());
            assert_eq!(got, vec!["{\"a\":\"é\"}".to_owned(), "[DONE]".to_owned()], "cut at {cut}");
        }
    }

    #[test]
    fn tool_calls_are_assembled_by_index() {
        let mut acc = StreamAccumulator::default();
        let chunks = [
            r#"{"choices":[{"delta":{"role":"assistant","content":"Let me "}}]}"#,
            r#"{"choices":[{"delta":{"content":"check."}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"get_weather","arguments":"{\"ci"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":1,"id":"c2","function":{"name":"calculator","arguments":"{}"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\": \"Rome\"}"}}]}}]}"#,
            r#"{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}"#,
        ];
        let mut text = String::new();
        for c in chunks {
            if let Ok(Some(t)) = acc.push(c) {
                text.push_str(&t);
            }
        }
        assert_eq!(text, "Let me check.");
        let r = acc.finish().unwrap();
        assert_eq!(r.tool_calls.len(), 2);
        assert_eq!(r.tool_calls[0].arguments, "{\"city\": \"Rome\"}");
        assert_eq!(r.tool_calls[1].name, "calculator");
        assert_eq!(r.usage.total_tokens, 15);
        assert!(r.usage_reported);
        assert_eq!(r.finish_reason.as_deref(), Some("tool_calls"));
    }

    #[test]
    fn completions_and_errors_parse() {
        let r = parse_completion(br#"{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"function":{"name":"f","arguments":{"x":1}}}]}}]}"#).unwrap();
        assert_eq!(r.tool_calls[0].id, "call_0");
        assert_eq!(r.tool_calls[0].arguments, "{\"x\":1}");
        assert!(!r.usage_reported);
        assert!(parse_completion(b"<html>oops</html>").unwrap_err().contains("expected a JSON chat completion"));
        assert!(parse_completion(br#"{"id":"x"}"#).unwrap_err().contains("no choices"));
        assert_eq!(error_message(br#"{"error":{"message":"bad model","type":"invalid_request_error"}}"#), "bad model");
        assert_eq!(error_message(b"  "), "(empty body)");
    }
}
