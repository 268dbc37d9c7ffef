//! Plain-text rendering for the terminal: the run list as a table and a trace as an
//! indented tree with kind, status, duration and tokens. Span content is shown as text, with
//! control characters escaped so a span cannot drive the terminal.

use std::fmt::Write;

use tracedeck_model::{SemanticKind, StatRow, StatusCode, TraceDetail, TraceStatus, TraceSummary};
use tracedeck_store::SchemaReport;

/// Escapes control characters (ANSI sequences, carriage returns) and cuts to `max` chars.
pub fn safe(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i >= max {
            out.push('…');
            break;
        }
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

pub fn duration(ms: f64) -> String {
    if ms >= 60_000.0 {
        format!("{:.1} min", ms / 60_000.0)
    } else if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}

pub fn time_of(iso: &str) -> &str {
    iso.get(..19).unwrap_or(iso)
}

pub fn trace_list(traces: &[TraceSummary], next: Option<&str>) -> String {
    let mut out = String::new();
    if traces.is_empty() {
        return "no traces match\n".into();
    }
    let _ = writeln!(
        out,
        "{:<32}  {:<19}  {:<5}  {:>10}  {:>5}  {:>4}  {:>7}  {:<24}  {:<12}  {:<14}  INPUT",
        "TRACE ID", "START (UTC)", "STAT", "DURATION", "SPANS", "ERR", "TOKENS", "NAME", "USER", "SESSION"
    );
    for t in traces {
        let _ = writeln!(
            out,
            "{:<32}  {:<19}  {:<5}  {:>10}  {:>5}  {:>4}  {:>7}  {:<24}  {:<12}  {:<14}  {}",
            t.trace_id,
            time_of(&t.start_time),
            t.status.as_str(),
            duration(t.duration_ms),
            t.span_count,
            t.error_count,
            t.total_tokens,
            safe(&t.name, 24),
            safe(t.user_id.as_deref().unwrap_or("-"), 12),
            safe(t.session_id.as_deref().unwrap_or("-"), 14),
            safe(t.input_preview.as_deref().unwrap_or(""), 60),
        );
    }
    if let Some(c) = next {
        let _ = writeln!(out, "\nmore: --cursor '{c}'");
    }
    out
}

pub fn tree(d: &TraceDetail) -> String {
    let t = &d.trace;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "trace {}  {}  {}  {}  {} span(s), {} error(s), {} tokens",
        t.trace_id,
        safe(&t.name, 80),
        t.status.as_str(),
        duration(t.duration_ms),
        t.span_count,
        t.error_count,
        t.total_tokens
    );
    let ids: Vec<String> = [
        ("user", &t.user_id),
        ("session", &t.session_id),
        ("agent", &t.agent_id),
        ("team", &t.team_id),
        ("workflow", &t.workflow_id),
        ("run", &t.run_id),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {}", safe(v, 60))))
    .collect();
    if !ids.is_empty() {
        let _ = writeln!(out, "{}", ids.join("  "));
    }
    if t.stored_status != t.status.as_str() && t.status == TraceStatus::Error {
        let _ = writeln!(out, "note: stored trace status is {} but a span failed", t.stored_status);
    }
    let i = &d.tree.issues;
    if !i.is_clean() {
        let _ = writeln!(
            out,
            "note: repaired a broken tree: {} orphan(s), {} cycle(s) broken, {} duplicate span id(s)",
            i.orphans, i.cycles_broken, i.duplicates
        );
    }
    // Iterative pre-order with tree guides.
    let mut stack: Vec<(u32, String, bool)> =
        d.tree.roots.iter().rev().enumerate().map(|(i, &r)| (r, String::new(), i == 0)).collect();
    while let Some((n, prefix, last)) = stack.pop() {
        let node = &d.tree.nodes[n as usize];
        let branch = if node.depth == 0 {
            ""
        } else if last {
            "└─ "
        } else {
            "├─ "
        };
        let line = match node.span {
            None => format!("(missing span {})", node.missing_span_id.as_deref().unwrap_or("?")),
            Some(i) => {
                let s = &d.spans[i as usize];
                let kind =
                    if s.kind == SemanticKind::Unknown { s.span_kind.clone() } else { s.kind.as_str().to_owned() };
                let mut l = format!(
                    "{}  [{}]  {}  {}  +{}",
                    safe(&s.name, 80),
                    kind,
                    s.status_code.as_str(),
                    duration(s.duration_ms),
                    duration((s.start_us - t.start_us) as f64 / 1000.0)
                );
                if let Some(tok) = s.tokens {
                    let _ = write!(l, "  {tok} tok");
                }
                if let Some(m) = &s.model {
                    let _ = write!(l, "  {}", safe(m, 40));
                }
                if s.status_code == StatusCode::Error
                    && let Some(m) = &s.status_message
                {
                    let _ = write!(l, "  error: {}", safe(m, 120));
                }
                let flags = &node.flags;
                if flags.orphan || flags.cycle_broken || flags.duplicate {
                    let _ = write!(
                        l,
                        "  ({}{}{})",
                        if flags.orphan { "orphan " } else { "" },
                        if flags.cycle_broken { "cycle broken " } else { "" },
                        if flags.duplicate { "duplicate id" } else { "" }
                    );
                }
                l
            }
        };
        let _ = writeln!(out, "{prefix}{branch}{line}");
        let child_prefix =
            if node.depth == 0 { String::new() } else { format!("{prefix}{}", if last { "   " } else { "│  " }) };
        let kids = &node.children;
        for (j, &c) in kids.iter().enumerate().rev() {
            stack.push((c, child_prefix.clone(), j + 1 == kids.len()));
        }
    }
    out
}

pub fn report(r: &SchemaReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "database      {}", r.location);
    let _ = writeln!(out, "server        {}", r.server_version);
    if let Some(s) = &r.schema {
        let _ = writeln!(out, "schema        {s}");
    }
    let _ = writeln!(out, "tables        {} / {} / {}", r.traces_table, r.spans_table, r.versions_table);
    let versions: Vec<String> = r.agno_versions.iter().map(|(t, v)| format!("{t} {v}")).collect();
    let _ = writeln!(out, "agno versions {}", if versions.is_empty() { "-".into() } else { versions.join(", ") });
    let origin = match r.origin {
        tracedeck_store::Origin::Created => "created by Tracedeck now",
        tracedeck_store::Origin::Tracedeck => "created by Tracedeck",
        tracedeck_store::Origin::Foreign => "not created by Tracedeck (used as is, never migrated)",
    };
    let _ = writeln!(out, "origin        {origin}");
    if let Some(v) = r.tracedeck_version {
        let _ = writeln!(out, "tracedeck     schema version {v}");
    }
    let _ = writeln!(out, "access        {}", if r.read_only { "read-only" } else { "read-write" });
    let _ = writeln!(out, "traces        {}", r.trace_count);
    let _ = writeln!(out, "spans         {}", r.span_count);
    for n in &r.notes {
        let _ = writeln!(out, "note          {n}");
    }
    out
}

pub fn stats(rows: &[StatRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<40}  {:>8}  {:>7}  {:>10}  {:>12}  {:>12}  LAST SEEN",
        "KEY", "COUNT", "ERRORS", "TOKENS", "AVG", "MAX"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:<40}  {:>8}  {:>7}  {:>10}  {:>12}  {:>12}  {}",
            safe(r.key.as_deref().unwrap_or("(none)"), 40),
            r.count,
            r.error_count,
            r.total_tokens,
            duration(r.avg_duration_ms),
            duration(r.max_duration_ms),
            r.last_seen.as_deref().map(time_of).unwrap_or("-")
        );
    }
    out
}

/// `tracedeck metrics`: totals, latency percentiles, models, agents and tools.
pub fn metrics(m: &tracedeck_model::metrics::Metrics) -> String {
    let mut out = String::new();
    let runs: u64 = m.series.iter().map(|b| b.runs).sum();
    let errors: u64 = m.series.iter().map(|b| b.errors).sum();
    let tokens: i64 = m.series.iter().map(|b| b.tokens).sum();
    let q = |h: &tracedeck_model::metrics::Histogram, p: f64| h.quantile(p).map(duration).unwrap_or_else(|| "-".into());
    let share = |e: u64, n: u64| if n == 0 { 0.0 } else { 100.0 * e as f64 / n as f64 };
    let _ = writeln!(
        out,
        "{} runs, {} errors ({:.1}%), p50 {}, p95 {}, {} tokens",
        runs,
        errors,
        share(errors, runs),
        q(&m.latency, 0.5),
        q(&m.latency, 0.95),
        tokens
    );
    let cost = |c: Option<f64>| c.map(|c| format!("${c:.4}")).unwrap_or_else(|| "-".into());
    let _ = writeln!(
        out,
        "\n{:<32}  {:>8}  {:>7}  {:>12}  {:>12}  {:>10}",
        "MODEL", "CALLS", "ERRORS", "PROMPT", "COMPLETION", "COST"
    );
    for r in &m.by_model {
        let _ = writeln!(
            out,
            "{:<32}  {:>8}  {:>7}  {:>12}  {:>12}  {:>10}",
            safe(&r.model, 32),
            r.calls,
            r.errors,
            r.prompt_tokens,
            r.completion_tokens,
            cost(r.cost_usd)
        );
    }
    let _ = writeln!(
        out,
        "\n{:<32}  {:>8}  {:>7}  {:>10}  {:>10}  {:>10}  {:>10}",
        "AGENT", "RUNS", "ERRORS", "P50", "P95", "TOKENS", "COST"
    );
    for r in &m.by_agent {
        let _ = writeln!(
            out,
            "{:<32}  {:>8}  {:>7}  {:>10}  {:>10}  {:>10}  {:>10}",
            safe(r.agent.as_deref().unwrap_or("(none)"), 32),
            r.runs,
            r.errors,
            q(&r.latency, 0.5),
            q(&r.latency, 0.95),
            r.tokens,
            cost(r.cost_usd)
        );
    }
    let _ = writeln!(out, "\n{:<32}  {:>8}  {:>7}  {:>10}  {:>10}", "TOOL", "CALLS", "ERRORS", "P50", "P95");
    for r in &m.tools {
        let _ = writeln!(
            out,
            "{:<32}  {:>8}  {:>7}  {:>10}  {:>10}",
            safe(&r.tool, 32),
            r.calls,
            r.errors,
            q(&r.latency, 0.5),
            q(&r.latency, 0.95)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(safe("a\u{1b}[31mred\nb", 100), "a\\u{1b}[31mred b");
        assert_eq!(safe("abcdef", 3), "abc…");
    }
}
