//! What the run list and trace view ask for and get back: filters, keyset pages, trace
//! summaries, trace detail and grouped statistics.

use serde::{Deserialize, Serialize};

use crate::span::Span;
use crate::tree::TraceTree;

/// The status of a whole trace. Derived from its spans (ERROR when any span errored), because
/// the stored `agno_traces.status` can be stale (Agno keeps the last batch's status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "UPPERCASE")]
pub enum TraceStatus {
    Ok,
    Error,
}

impl TraceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TraceStatus::Ok => "OK",
            TraceStatus::Error => "ERROR",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "OK" => Some(TraceStatus::Ok),
            "ERROR" | "ERR" => Some(TraceStatus::Error),
            _ => None,
        }
    }
}

/// Filters of the run list. All present filters must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct TraceFilter {
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub agent_id: Option<String>,
    pub team_id: Option<String>,
    pub workflow_id: Option<String>,
    pub run_id: Option<String>,
    pub status: Option<TraceStatus>,
    /// Case-insensitive substring of the trace name, or of any span's input/output values.
    pub search: Option<String>,
    /// Traces that started at or after this time (µs since epoch).
    #[cfg_attr(feature = "specta", specta(type = Option<i32>))]
    pub since_us: Option<i64>,
    /// Traces that started before this time (µs since epoch).
    #[cfg_attr(feature = "specta", specta(type = Option<i32>))]
    pub until_us: Option<i64>,
}

/// Keyset position: the (start_time, trace_id) of the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub start_time: String,
    pub trace_id: String,
}

impl Cursor {
    /// Opaque text form: `<start_time>~<trace_id>`. An empty trace id means "everything
    /// that started before `start_time`" (where a budgeted scan stopped).
    pub fn encode(&self) -> String {
        format!("{}~{}", self.start_time, self.trace_id)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let (start, id) = s.rsplit_once('~')?;
        if start.is_empty() {
            return None;
        }
        Some(Cursor { start_time: start.to_owned(), trace_id: id.to_owned() })
    }
}

/// A page request: newest first, at most `limit` rows, after `cursor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PageRequest {
    pub limit: u32,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { limit: 50, cursor: None }
    }
}

impl PageRequest {
    pub const MAX_LIMIT: u32 = 1000;

    pub fn clamped_limit(&self) -> u32 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }
}

/// One row of the run list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TraceSummary {
    pub trace_id: String,
    pub name: String,
    /// Derived: ERROR if the stored status says so or any span errored.
    pub status: TraceStatus,
    /// As stored in `agno_traces.status` (may be stale in Agno-written databases).
    pub stored_status: String,
    pub start_time: String,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub start_us: i64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub end_us: i64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub duration_ms: f64,
    pub span_count: u32,
    pub error_count: u32,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub total_tokens: i64,
    /// The root span's `input.value`, cut to a preview length.
    pub input_preview: Option<String>,
    pub run_id: Option<String>,
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    pub agent_id: Option<String>,
    pub team_id: Option<String>,
    pub workflow_id: Option<String>,
    pub created_at: String,
}

/// Characters of the root input kept in a summary.
pub const INPUT_PREVIEW_CHARS: usize = 200;

/// Cuts a preview at a character boundary.
pub fn preview(s: &str) -> String {
    match s.char_indices().nth(INPUT_PREVIEW_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// A page of the run list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TracePage {
    pub traces: Vec<TraceSummary>,
    /// Pass back in [`PageRequest::cursor`] for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Set when the page came from a scan bounded by a time budget (a text search over a
    /// database without a search index): how far back it looked. The page may then hold
    /// fewer rows than asked although older matches exist; `next_cursor` continues the scan.
    #[serde(default)]
    pub scan: Option<ScanProgress>,
}

/// How far a budgeted newest-first scan got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScanProgress {
    /// Every trace that started at or after this time (µs) was looked at.
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub searched_back_to_us: i64,
    /// Nothing older is left to look at.
    pub complete: bool,
}

/// One trace with all its spans and the tree over them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TraceDetail {
    pub trace: TraceSummary,
    pub spans: Vec<Span>,
    pub tree: TraceTree,
}

/// One suggested value for a run-list filter field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Suggestion {
    pub value: String,
    /// Runs carrying it among the most recent ones looked at (0: known from the index only).
    pub recent_runs: u32,
}

/// Grouping of [`StatRow`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum StatsGroupBy {
    User,
    Session,
    Agent,
    Model,
    SpanName,
}

impl StatsGroupBy {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "user" => Some(Self::User),
            "session" => Some(Self::Session),
            "agent" => Some(Self::Agent),
            "model" => Some(Self::Model),
            "span_name" | "span" | "name" => Some(Self::SpanName),
            _ => None,
        }
    }
}

/// One group of trace statistics. For user/session/agent the unit is a trace; for model and
/// span name it is a span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StatRow {
    pub key: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub count: i64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub error_count: i64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub total_tokens: i64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub avg_duration_ms: f64,
    #[cfg_attr(feature = "specta", specta(type = i32))]
    pub max_duration_ms: f64,
    pub last_seen: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let c = Cursor { start_time: "2026-11-25T16:23:21.224222+00:00".into(), trace_id: "ab".into() };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("nothing"), None);
    }

    #[test]
    fn preview_cuts_on_char_boundary() {
        let s = "é".repeat(300);
        let p = preview(&s);
        assert_eq!(p.chars().count(), INPUT_PREVIEW_CHARS + 1);
        assert_eq!(preview("short"), "short");
    }
}
