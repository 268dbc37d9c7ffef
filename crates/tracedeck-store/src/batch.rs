//! Pure preparation of a write batch: the trace rows to upsert, merged within the batch with
//! Agno's rules (min start, max end, ids from the highest-level root span, name of the
//! highest-level root) except that the status is ERROR whenever any span errored. The same
//! rules are applied again in SQL against the stored row (see each backend's upsert).

use std::collections::HashMap;

use tracedeck_model::span::component_level;
use tracedeck_model::{SpanRow, StatusCode, TraceContext};

/// One `agno_traces` row to upsert.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceUpsert {
    pub trace_id: String,
    pub name: String,
    pub error: bool,
    pub start_ns: i64,
    pub end_ns: i64,
    pub context: TraceContext,
    pub created_ns: i64,
    level: u8,
    has_root: bool,
}

impl TraceUpsert {
    pub fn status(&self) -> &'static str {
        if self.error { "ERROR" } else { "OK" }
    }

    /// Agno's integer duration in milliseconds.
    pub fn duration_ms(&self) -> i64 {
        (self.end_ns - self.start_ns).max(0) / 1_000_000
    }
}

/// Groups a batch by trace, in first-seen order.
pub fn trace_upserts(rows: &[SpanRow]) -> Vec<TraceUpsert> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<TraceUpsert> = Vec::new();
    for r in rows {
        let i = *index.entry(r.trace_id.as_str()).or_insert_with(|| {
            out.push(TraceUpsert {
                trace_id: r.trace_id.clone(),
                name: r.name.clone(),
                error: false,
                start_ns: r.start_ns,
                end_ns: r.end_ns,
                context: TraceContext::default(),
                created_ns: r.created_ns,
                level: 0,
                has_root: false,
            });
            out.len() - 1
        });
        let t = &mut out[i];
        t.start_ns = t.start_ns.min(r.start_ns);
        t.end_ns = t.end_ns.max(r.end_ns);
        t.error |= r.status_code == StatusCode::Error;
        t.created_ns = t.created_ns.max(r.created_ns);
        if r.is_root() {
            // The first root decides unless a later one is a higher-level component (a
            // context leak can put an agent run under a team trace).
            let level = component_level(&r.name, &r.context);
            if !t.has_root || level > t.level {
                t.name = r.name.clone();
                t.context = r.context.clone();
                t.level = level;
                t.has_root = true;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(trace: &str, span: &str, parent: Option<&str>, name: &str, start: i64, end: i64, err: bool) -> SpanRow {
        SpanRow {
            trace_id: trace.into(),
            span_id: span.into(),
            parent_span_id: parent.map(Into::into),
            name: name.into(),
            span_kind: "INTERNAL".into(),
            status_code: if err { StatusCode::Error } else { StatusCode::Ok },
            status_message: None,
            start_ns: start,
            end_ns: end,
            attributes: "{}".into(),
            context: if parent.is_none() {
                TraceContext { agent_id: Some("a".into()), session_id: Some("s".into()), ..Default::default() }
            } else {
                TraceContext { session_id: Some("child".into()), ..Default::default() }
            },
            created_ns: end,
        }
    }

    #[test]
    fn merges_a_batch_per_trace() {
        let rows = [
            row("t1", "c1", Some("r1"), "tool", 20, 30, true),
            row("t1", "r1", None, "Agent.run", 10, 50, false),
            row("t2", "x", Some("y"), "child", 5, 6, false),
        ];
        let ups = trace_upserts(&rows);
        assert_eq!(ups.len(), 2);
        let t1 = &ups[0];
        assert_eq!((t1.start_ns, t1.end_ns, t1.status()), (10, 50, "ERROR"));
        assert_eq!(t1.name, "Agent.run");
        assert_eq!(t1.context.session_id.as_deref(), Some("s"));
        // Child-only batch: name of the first span, no ids (Agno's rule).
        assert_eq!(ups[1].name, "child");
        assert!(ups[1].context.is_empty());
    }
}
