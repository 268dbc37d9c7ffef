//! Backend-independent pieces of the read path: turning stored columns into summaries and
//! trace details, search patterns and cursor handling. SQL itself stays in the backends.

use tracedeck_model::query::preview;
use tracedeck_model::time::{format_iso, ns_to_ms, parse_iso};
use tracedeck_model::{
    Cursor, PageRequest, Span, StatusCode, TraceDetail, TraceStatus, TraceSummary, TraceTree, attrs,
};

use crate::{Result, StoreError};

/// Characters of the root input fetched by SQL (the preview is cut further in Rust).
pub const INPUT_FETCH_CHARS: i64 = 1000;

/// The stored `agno_traces` columns we read.
#[derive(Debug, Clone, Default)]
pub struct TraceRowData {
    pub trace_id: String,
    pub name: String,
    pub status: String,
    pub start_time: String,
    pub end_time: String,
    pub run_id: Option<String>,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    pub agent_id: Option<String>,
    pub team_id: Option<String>,
    pub workflow_id: Option<String>,
    pub created_at: String,
}

/// Aggregates computed over a trace's spans.
#[derive(Debug, Clone, Default)]
pub struct SpanAggregates {
    pub span_count: i64,
    pub error_count: i64,
    pub total_tokens: i64,
    pub root_input: Option<String>,
}

pub fn summary(row: TraceRowData, agg: SpanAggregates) -> TraceSummary {
    let start_ns = parse_iso(&row.start_time).unwrap_or(0);
    let end_ns = parse_iso(&row.end_time).unwrap_or(start_ns).max(start_ns);
    let error = row.status.eq_ignore_ascii_case("ERROR") || agg.error_count > 0;
    TraceSummary {
        trace_id: row.trace_id,
        name: row.name,
        status: if error { TraceStatus::Error } else { TraceStatus::Ok },
        stored_status: row.status,
        start_time: row.start_time,
        start_us: start_ns / 1000,
        end_us: end_ns / 1000,
        duration_ms: ns_to_ms(end_ns - start_ns),
        span_count: agg.span_count.clamp(0, u32::MAX as i64) as u32,
        error_count: agg.error_count.clamp(0, u32::MAX as i64) as u32,
        total_tokens: agg.total_tokens,
        input_preview: agg.root_input.as_deref().map(preview),
        run_id: row.run_id,
        session_id: row.session_id,
        user_id: row.user_id,
        agent_id: row.agent_id,
        team_id: row.team_id,
        workflow_id: row.workflow_id,
        created_at: row.created_at,
    }
}

fn input_text(span: &Span) -> Option<String> {
    match span.attributes.get(attrs::INPUT_VALUE)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Builds a trace detail from its stored row (if any) and its spans. A trace whose row is
/// missing (spans written, trace upsert lost) is still shown, summarised from its spans.
pub fn detail(row: Option<TraceRowData>, mut spans: Vec<Span>) -> Option<TraceDetail> {
    if row.is_none() && spans.is_empty() {
        return None;
    }
    // Start order (sorting here is cheaper than a database sort of rows carrying their
    // attribute JSON).
    spans.sort_by(|a, b| (a.start_us, &a.span_id).cmp(&(b.start_us, &b.span_id)));
    let tree = TraceTree::build(&spans);
    let mut agg = SpanAggregates { span_count: spans.len() as i64, ..Default::default() };
    for s in &spans {
        if s.status_code == StatusCode::Error {
            agg.error_count += 1;
        }
        agg.total_tokens += s.tokens.unwrap_or(0);
    }
    agg.root_input =
        tree.roots.iter().filter_map(|&r| tree.nodes[r as usize].span).find_map(|i| input_text(&spans[i as usize]));
    let row = row.unwrap_or_else(|| {
        let first = spans.iter().min_by_key(|s| s.start_us);
        let root = tree.roots.iter().find_map(|&r| tree.nodes[r as usize].span).map(|i| &spans[i as usize]);
        let start = spans.iter().map(|s| s.start_us).min().unwrap_or(0);
        let end = spans.iter().map(|s| s.end_us).max().unwrap_or(start);
        TraceRowData {
            trace_id: first.map(|s| s.trace_id.clone()).unwrap_or_default(),
            name: root.or(first).map(|s| s.name.clone()).unwrap_or_default(),
            status: "UNSET".into(),
            start_time: format_iso(start * 1000),
            end_time: format_iso(end * 1000),
            created_at: format_iso(start * 1000),
            ..Default::default()
        }
    });
    Some(TraceDetail { trace: summary(row, agg), spans, tree })
}

/// `%text%` for LIKE with `\` as the escape character.
pub fn like_pattern(search: &str) -> String {
    let mut p = String::with_capacity(search.len() + 2);
    p.push('%');
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

pub fn decode_cursor(page: &PageRequest) -> Result<Option<Cursor>> {
    match page.cursor.as_deref() {
        None | Some("") => Ok(None),
        Some(c) => {
            Cursor::decode(c).map(Some).ok_or_else(|| StoreError::Invalid(format!("malformed page cursor {c:?}")))
        }
    }
}

/// Trims the extra row fetched to know whether another page exists and builds the cursor.
pub fn finish_page(mut traces: Vec<TraceSummary>, limit: u32) -> tracedeck_model::TracePage {
    let next_cursor = if traces.len() > limit as usize {
        traces.truncate(limit as usize);
        traces.last().map(|t| Cursor { start_time: t.start_time.clone(), trace_id: t.trace_id.clone() }.encode())
    } else {
        None
    };
    tracedeck_model::TracePage { traces, next_cursor, scan: None }
}

/// ISO text bounds for a time-range filter (compared against the stored text, which sorts
/// chronologically in Agno's format).
pub fn time_bound(us: i64) -> String {
    format_iso(us.saturating_mul(1000))
}

/// Cuts a string to at most `max` bytes at a char boundary (MySQL `VARCHAR(255)` names).
pub fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escapes_wildcards() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn detail_without_trace_row_is_summarised_from_spans() {
        let s = Span::from_columns(
            "00000000000000aa".into(),
            "t".repeat(32),
            None,
            "Agent.run".into(),
            "INTERNAL".into(),
            "ERROR",
            None,
            "2026-01-01T00:00:00.000000+00:00",
            "2026-01-01T00:00:01.500000+00:00",
            Some(r#"{"input.value":"hi","llm.token_count.prompt":3,"llm.token_count.completion":4}"#.into()),
        );
        let d = detail(None, vec![s]).unwrap();
        assert_eq!(d.trace.name, "Agent.run");
        assert_eq!(d.trace.status, TraceStatus::Error);
        assert_eq!(d.trace.total_tokens, 7);
        assert_eq!(d.trace.duration_ms, 1500.0);
        assert_eq!(d.trace.input_preview.as_deref(), Some("hi"));
        assert!(detail(None, vec![]).is_none());
    }

    #[test]
    fn truncation_respects_chars() {
        assert_eq!(truncate_bytes("ééé", 3), "é");
        assert_eq!(truncate_bytes("abc", 10), "abc");
    }
}
