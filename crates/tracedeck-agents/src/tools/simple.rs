//! Small built-in tools: `current_time` (UTC or a fixed offset) and `canned`, the demo/test
//! tool whose reply is a template filled from its arguments (or a fixed error), so demos and
//! tests have tools with no side effects.

use std::collections::HashMap;

use futures::future::BoxFuture;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::{Tool, ToolContext, ToolError};
use crate::config::ToolConfig;
use crate::model::scripted::fill;

pub struct CurrentTime {
    description: String,
    schema: Value,
}

impl CurrentTime {
    pub fn new(description: Option<String>) -> CurrentTime {
        CurrentTime {
            description: description.unwrap_or_else(|| "Get the current date and time (ISO 8601).".into()),
            schema: json!({"type": "object", "properties": {"utc_offset": {"type": "string",
                "description": "Optional offset such as \"+02:00\" or \"-05:30\"; default UTC."}}}),
        }
    }
}

fn parse_offset(s: &str) -> Result<time::UtcOffset, ToolError> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("utc") || s.eq_ignore_ascii_case("z") || s.is_empty() {
        return Ok(time::UtcOffset::UTC);
    }
    let bad = || ToolError::invalid_args(format!("`{s}` is not an offset like +02:00"));
    let (sign, rest) = match s.as_bytes()[0] {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: i8 = h.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    time::UtcOffset::from_hms(sign * h, sign * m, 0).map_err(|_| bad())
}

impl Tool for CurrentTime {
    fn name(&self) -> &str {
        "current_time"
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn parameters(&self) -> &Value {
        &self.schema
    }
    fn call<'a>(&'a self, args: Value, _ctx: &'a ToolContext) -> BoxFuture<'a, Result<String, ToolError>> {
        Box::pin(async move {
            let offset = parse_offset(args.get("utc_offset").and_then(Value::as_str).unwrap_or("UTC"))?;
            let now = time::OffsetDateTime::now_utc().to_offset(offset);
            now.format(&Rfc3339).map_err(|e| ToolError::new("FormatError", e.to_string()))
        })
    }
}

/// Demo/test tool: fills `reply` from the arguments, or always fails with `error`.
pub struct CannedTool {
    name: String,
    description: String,
    schema: Value,
    reply: Option<String>,
    error: Option<String>,
}

impl CannedTool {
    pub fn new(name: &str, cfg: &ToolConfig) -> CannedTool {
        CannedTool {
            name: name.to_owned(),
            description: cfg.description.clone().unwrap_or_else(|| format!("{name} (canned demo tool)")),
            schema: cfg.parameters.clone().unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            reply: cfg.reply.clone(),
            error: cfg.error.clone(),
        }
    }
}

impl Tool for CannedTool {
    fn name(&self) -> &str {
        &self.name
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn parameters(&self) -> &Value {
        &self.schema
    }
    fn call<'a>(&'a self, args: Value, _ctx: &'a ToolContext) -> BoxFuture<'a, Result<String, ToolError>> {
        Box::pin(async move {
            let vars: HashMap<String, String> = args
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                .collect();
            if let Some(required) = self.schema.get("required").and_then(Value::as_array) {
                for r in required.iter().filter_map(Value::as_str) {
                    if !vars.contains_key(r) {
                        return Err(ToolError::invalid_args(format!("missing argument `{r}`")));
                    }
                }
            }
            match (&self.error, &self.reply) {
                (Some(e), _) => Err(ToolError::new("ToolError", fill(e, &vars))),
                (None, Some(r)) => Ok(fill(r, &vars)),
                (None, None) => Ok(String::new()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+02:00").unwrap(), time::UtcOffset::from_hms(2, 0, 0).unwrap());
        assert_eq!(parse_offset("-05:30").unwrap(), time::UtcOffset::from_hms(-5, -30, 0).unwrap());
        assert_eq!(parse_offset("UTC").unwrap(), time::UtcOffset::UTC);
        assert!(parse_offset("Europe/Paris").is_err());
    }
}
