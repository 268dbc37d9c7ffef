//! Saved SQL: the built-in library for Agno's tables, the placeholders that let one query
//! text run on SQLite, PostgreSQL and MySQL, and the `.sql` file format for export/import.
//!
//! Placeholders (expanded for the connection the query runs on):
//! - `{{traces}}`, `{{spans}}`: the connection's tables, schema-qualified and quoted;
//! - `{{json:COLUMN:KEY}}`: a JSON attribute as text (`json_extract` / `->>` / `JSON_EXTRACT`);
//! - `{{json_num:COLUMN:KEY}}`: the same as a number (NULL when it is not one);
//! - `{{since:24h}}`: a timestamp literal that long ago (`m`, `h`, `d`), comparable with
//!   Agno's ISO `start_time` text.
//!
//! Keys and columns in placeholders are validated; nothing from them is spliced unchecked.

use serde::{Deserialize, Serialize};
use tracedeck_model::console::Dialect;

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SavedQuery {
    pub id: String,
    pub name: String,
    pub folder: String,
    pub description: String,
    pub sql: String,
    /// Ships with Tracedeck: read-only, can be copied.
    pub builtin: bool,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QueryDraft {
    pub name: String,
    pub folder: String,
    pub description: String,
    pub sql: String,
}

/// Where a connection's tables are, for expanding placeholders.
#[derive(Debug, Clone)]
pub struct Target {
    pub dialect: Dialect,
    pub schema: Option<String>,
    pub traces: String,
    pub spans: String,
}

const BUILTIN: &[(&str, &str, &str, &str)] = &[
    (
        "slowest-span-types",
        "Slowest span types",
        "Span names ranked by average duration: the kinds of work that take longest.",
        "SELECT name, COUNT(*) AS spans, ROUND(AVG(duration_ms), 1) AS avg_ms, MAX(duration_ms) AS max_ms,
       SUM(CASE WHEN status_code = 'ERROR' THEN 1 ELSE 0 END) AS errors
FROM {{spans}}
GROUP BY name
ORDER BY avg_ms DESC
LIMIT 25",
    ),
    (
        "tokens-by-model-per-day",
        "Token usage by model per day",
        "Prompt and completion tokens of LLM calls, per model and UTC day.",
        "SELECT SUBSTR(start_time, 1, 10) AS day, {{json:attributes:llm.model_name}} AS model, COUNT(*) AS calls,
       SUM({{json_num:attributes:llm.token_count.prompt}}) AS prompt_tokens,
       SUM({{json_num:attributes:llm.token_count.completion}}) AS completion_tokens
FROM {{spans}}
WHERE {{json:attributes:openinference.span.kind}} = 'LLM'
GROUP BY SUBSTR(start_time, 1, 10), {{json:attributes:llm.model_name}}
ORDER BY day DESC, prompt_tokens DESC",
    ),
    (
        "tool-error-rate",
        "Tool error rate",
        "Calls and failures per tool.",
        "SELECT name AS tool, COUNT(*) AS calls,
       SUM(CASE WHEN status_code = 'ERROR' THEN 1 ELSE 0 END) AS errors,
       ROUND(100.0 * SUM(CASE WHEN status_code = 'ERROR' THEN 1 ELSE 0 END) / COUNT(*), 1) AS error_pct
FROM {{spans}}
WHERE {{json:attributes:openinference.span.kind}} = 'TOOL'
GROUP BY name
ORDER BY error_pct DESC, calls DESC",
    ),
    (
        "run-latency-by-agent",
        "p50 / p95 run latency by agent",
        "Run durations per agent, team or workflow: median, 95th percentile and worst.",
        "WITH runs AS (
  SELECT COALESCE(agent_id, team_id, workflow_id) AS agent, duration_ms,
         ROW_NUMBER() OVER (PARTITION BY COALESCE(agent_id, team_id, workflow_id) ORDER BY duration_ms) AS rn,
         COUNT(*) OVER (PARTITION BY COALESCE(agent_id, team_id, workflow_id)) AS n
  FROM {{traces}}
)
SELECT agent, MAX(n) AS runs,
       MIN(CASE WHEN rn >= 0.50 * n THEN duration_ms END) AS p50_ms,
       MIN(CASE WHEN rn >= 0.95 * n THEN duration_ms END) AS p95_ms,
       MAX(duration_ms) AS max_ms
FROM runs
GROUP BY agent
ORDER BY p95_ms DESC",
    ),
    (
        "busiest-sessions",
        "Busiest sessions",
        "Sessions with the most runs.",
        "SELECT session_id, user_id, COUNT(*) AS runs, MIN(start_time) AS first_run, MAX(start_time) AS last_run
FROM {{traces}}
WHERE session_id IS NOT NULL
GROUP BY session_id, user_id
ORDER BY runs DESC
LIMIT 25",
    ),
    (
        "errors-last-24h",
        "Traces with errors in the last 24 h",
        "Runs that failed or had a failing span (the status is derived from the spans).",
        "SELECT t.trace_id, t.name, t.start_time, t.user_id, t.session_id,
       (SELECT COUNT(*) FROM {{spans}} s WHERE s.trace_id = t.trace_id AND s.status_code = 'ERROR') AS error_spans
FROM {{traces}} t
WHERE t.start_time >= {{since:24h}}
  AND (t.status = 'ERROR' OR EXISTS (SELECT 1 FROM {{spans}} e WHERE e.trace_id = t.trace_id AND e.status_code = 'ERROR'))
ORDER BY t.start_time DESC",
    ),
];

pub fn builtins() -> Vec<SavedQuery> {
    BUILTIN
        .iter()
        .map(|(slug, name, description, sql)| SavedQuery {
            id: format!("builtin:{slug}"),
            name: (*name).into(),
            folder: "Built-in".into(),
            description: (*description).into(),
            sql: (*sql).into(),
            builtin: true,
            updated_at: String::new(),
        })
        .collect()
}

fn ident_ok(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// JSON keys are dotted names (`llm.token_count.prompt`): letters, digits, `_ . -`.
fn key_ok(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn table(t: &Target, name: &str) -> String {
    match (t.dialect, &t.schema) {
        (Dialect::Sqlite, _) | (Dialect::Postgres, None) => format!("\"{name}\""),
        (Dialect::Postgres, Some(s)) => format!("\"{s}\".\"{name}\""),
        (Dialect::Mysql, None) => format!("`{name}`"),
        (Dialect::Mysql, Some(s)) => format!("`{s}`.`{name}`"),
    }
}

fn json_text(d: Dialect, col: &str, key: &str) -> String {
    match d {
        Dialect::Sqlite => format!("json_extract({col}, '$.\"{key}\"')"),
        Dialect::Postgres => format!("({col}::jsonb ->> '{key}')"),
        Dialect::Mysql => format!("JSON_UNQUOTE(JSON_EXTRACT({col}, '$.\"{key}\"'))"),
    }
}

fn json_num(d: Dialect, col: &str, key: &str) -> String {
    let text = json_text(d, col, key);
    match d {
        Dialect::Sqlite => format!("CAST({text} AS REAL)"),
        Dialect::Postgres => format!("(CASE WHEN {text} ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN ({text})::numeric END)"),
        Dialect::Mysql => format!("CAST(JSON_EXTRACT({col}, '$.\"{key}\"') AS DECIMAL(30, 6))"),
    }
}

fn since(spec: &str) -> Option<String> {
    let (num, unit) = spec.split_at(spec.len().checked_sub(1)?);
    let n: i64 = num.parse().ok()?;
    let secs = match unit {
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    let ns = tracedeck_model::time::now_ns() - n * secs * 1_000_000_000;
    Some(format!("'{}'", tracedeck_model::time::format_iso(ns)))
}

/// Expands the placeholders for `t`. Unknown or malformed placeholders are an error that
/// says which one.
pub fn expand(sql: &str, t: &Target) -> ApiResult<String> {
    expand_mapped(sql, t).map(|(s, _)| s)
}

/// Where each placeholder went, to map a position the database reports in the expanded
/// statement back to the text the user wrote.
#[derive(Debug, Clone, Default)]
pub struct PositionMap {
    /// (start in expanded, length in expanded, start in original, length in original),
    /// in characters, ascending.
    spans: Vec<(usize, usize, usize, usize)>,
}

impl PositionMap {
    /// Maps a 1-based character position in the expanded statement to the original; a
    /// position inside an expansion points at its placeholder.
    pub fn original(&self, pos: u32) -> u32 {
        let p = pos.saturating_sub(1) as usize;
        let mut delta: isize = 0;
        for &(es, el, os, ol) in &self.spans {
            if p < es {
                break;
            }
            if p < es + el {
                return os as u32 + 1;
            }
            delta += el as isize - ol as isize;
        }
        ((p as isize - delta).max(0) as u32) + 1
    }
}

pub fn expand_mapped(sql: &str, t: &Target) -> ApiResult<(String, PositionMap)> {
    let mut out = String::with_capacity(sql.len() + 64);
    let mut map = PositionMap::default();
    let (mut out_chars, mut in_chars) = (0usize, 0usize);
    let mut rest = sql;
    while let Some(start) = rest.find("{{") {
        let before = &rest[..start];
        out.push_str(before);
        let n = before.chars().count();
        out_chars += n;
        in_chars += n;
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(ApiError::BadRequest("unclosed {{ placeholder".into()));
        };
        let inner = after[..end].trim();
        let bad = || ApiError::BadRequest(format!("unknown placeholder {{{{{inner}}}}}"));
        let parts: Vec<&str> = inner.split(':').collect();
        let expanded = match parts.as_slice() {
            ["traces"] => table(t, &t.traces),
            ["spans"] => table(t, &t.spans),
            ["json", col, key] if ident_ok(col) && key_ok(key) => json_text(t.dialect, col, key),
            ["json_num", col, key] if ident_ok(col) && key_ok(key) => json_num(t.dialect, col, key),
            ["since", spec] => since(spec).ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        let (el, ol) = (expanded.chars().count(), after[..end].chars().count() + 4);
        map.spans.push((out_chars, el, in_chars, ol));
        out.push_str(&expanded);
        out_chars += el;
        in_chars += ol;
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok((out, map))
}

const HEADER: &str = "-- tracedeck-query";

/// A `.sql` file: one block per query, each opened by a header naming it.
pub fn export(queries: &[SavedQuery]) -> String {
    let mut out = String::from(
        "-- Saved queries exported from Tracedeck. Placeholders such as {{spans}} are expanded\n-- for the connection a query runs on.\n\n",
    );
    for q in queries {
        out.push_str(&format!("{HEADER}\n-- name: {}\n-- folder: {}\n", one_line(&q.name), one_line(&q.folder)));
        for line in q.description.lines() {
            out.push_str(&format!("-- description: {line}\n"));
        }
        out.push_str(q.sql.trim_end());
        out.push_str("\n\n");
    }
    out
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// Reads a `.sql` file written by [`export`] (or by hand in the same shape). A file without
/// headers is one query named after `fallback_name`.
pub fn import(text: &str, fallback_name: &str) -> ApiResult<Vec<QueryDraft>> {
    let mut out: Vec<QueryDraft> = Vec::new();
    let mut current: Option<QueryDraft> = None;
    let mut in_header = false;
    let mut saw_header = false;
    for line in text.lines() {
        if line.trim() == HEADER {
            if let Some(q) = current.take() {
                out.push(q);
            }
            current = Some(QueryDraft {
                name: String::new(),
                folder: String::new(),
                description: String::new(),
                sql: String::new(),
            });
            in_header = true;
            saw_header = true;
            continue;
        }
        let Some(q) = current.as_mut() else { continue };
        if in_header {
            if let Some(v) = line.strip_prefix("-- name:") {
                q.name = v.trim().to_owned();
                continue;
            }
            if let Some(v) = line.strip_prefix("-- folder:") {
                q.folder = v.trim().to_owned();
                continue;
            }
            if let Some(v) = line.strip_prefix("-- description:") {
                if !q.description.is_empty() {
                    q.description.push('\n');
                }
                q.description.push_str(v.trim());
                continue;
            }
            in_header = false;
        }
        q.sql.push_str(line);
        q.sql.push('\n');
    }
    if let Some(q) = current.take() {
        out.push(q);
    }
    if !saw_header {
        let sql = text.trim();
        if sql.is_empty() {
            return Err(ApiError::BadRequest("the file is empty".into()));
        }
        out.push(QueryDraft {
            name: fallback_name.into(),
            folder: String::new(),
            description: String::new(),
            sql: sql.into(),
        });
    }
    for q in &mut out {
        q.sql = q.sql.trim().to_owned();
        if q.name.is_empty() || q.sql.is_empty() {
            return Err(ApiError::BadRequest("every query in the file needs a `-- name:` line and SQL".into()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(d: Dialect) -> Target {
        Target {
            dialect: d,
            schema: (d != Dialect::Sqlite).then(|| "ai".to_owned()),
            traces: "agno_traces".into(),
            spans: "agno_spans".into(),
        }
    }

    #[test]
    fn placeholders_expand_per_dialect() {
        let sql = "SELECT {{json:attributes:llm.model_name}} FROM {{spans}} WHERE start_time >= {{since:24h}}";
        let s = expand(sql, &target(Dialect::Sqlite)).unwrap();
        assert!(
            s.contains("json_extract(attributes, '$.\"llm.model_name\"')") && s.contains("FROM \"agno_spans\""),
            "{s}"
        );
        let p = expand(sql, &target(Dialect::Postgres)).unwrap();
        assert!(p.contains("attributes::jsonb ->> 'llm.model_name'") && p.contains("\"ai\".\"agno_spans\""), "{p}");
        let m = expand(sql, &target(Dialect::Mysql)).unwrap();
        assert!(m.contains("JSON_EXTRACT(attributes") && m.contains("`ai`.`agno_spans`"), "{m}");
        assert!(p.contains("+00:00'"));
        assert!(expand("{{nope}}", &target(Dialect::Sqlite)).is_err());
        assert!(expand("{{json:attr;drop:x}}", &target(Dialect::Sqlite)).is_err());
        assert!(expand("{{json:a:b'c}}", &target(Dialect::Sqlite)).is_err());
        assert!(expand("SELECT '{{spans'", &target(Dialect::Sqlite)).is_err());
        for q in builtins() {
            for d in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
                expand(&q.sql, &target(d)).unwrap_or_else(|e| panic!("{}: {e}", q.name));
            }
        }
    }

    #[test]
    fn error_positions_map_back_to_what_the_user_wrote() {
        let sql = "SELECT x FROM {{spans}} WHERE oops";
        let (expanded, map) = expand_mapped(sql, &target(Dialect::Postgres)).unwrap();
        let in_expanded = expanded.find("oops").unwrap() as u32 + 1;
        assert_eq!(map.original(in_expanded), sql.find("oops").unwrap() as u32 + 1);
        assert_eq!(map.original(1), 1);
        let inside = expanded.find("agno_spans").unwrap() as u32 + 1;
        assert_eq!(map.original(inside), sql.find("{{").unwrap() as u32 + 1);
    }

    #[test]
    fn sql_files_round_trip() {
        let qs = builtins();
        let text = export(&qs);
        let back = import(&text, "x").unwrap();
        assert_eq!(back.len(), qs.len());
        for (a, b) in qs.iter().zip(&back) {
            assert_eq!(
                (a.name.as_str(), a.folder.as_str(), a.description.as_str(), a.sql.trim()),
                (b.name.as_str(), b.folder.as_str(), b.description.as_str(), b.sql.as_str())
            );
        }
        let plain = import("SELECT 1;\n", "my query").unwrap();
        assert_eq!((plain[0].name.as_str(), plain[0].sql.as_str()), ("my query", "SELECT 1;"));
        assert!(import("", "x").is_err());
        assert!(import("-- tracedeck-query\n-- folder: f\nSELECT 1", "x").is_err(), "a name is required");
    }
}
