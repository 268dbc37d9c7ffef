//! Metrics read from the trace tables: one chunk of the asked time range per call, newest
//! first, sized so a chunk reads about [`CHUNK_TRACES`] traces (a database without rollups is
//! scanned progressively, the client asking again from where the last chunk ended).
//!
//! Each backend runs two statements per chunk on the heavy lane, in the planned shape: the
//! chunk's runs (one row per trace: times, agent, derived error) and its LLM and tool spans
//! grouped by time bucket, agent, model or tool, status and (tools) duration. The time
//! bucket of a span group is a prefix of its trace's ISO start time, so the grouping needs no
//! date arithmetic in SQL. Everything is assembled here, the same way for all backends.

use std::collections::HashMap;

use tracedeck_model::TraceFilter;
use tracedeck_model::metrics::{
    AgentMetrics, Histogram, Metrics, MetricsBucket, MetricsSource, ModelMetrics, ToolMetrics,
};
use tracedeck_model::time::{format_iso, parse_iso};

use super::plan::{Known, Shape};

/// Traces a chunk reads at most (about a second of work on the slowest backend).
pub const CHUNK_TRACES: f64 = 25_000.0;
/// Traces of the chunk holding the newest traces: the first answer of a range that ends
/// now comes quickly.
pub const FIRST_CHUNK_TRACES: f64 = 4_000.0;

/// The time buckets of a range: minutes up to 3 h, hours up to 3 days, days beyond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Minute,
    Hour,
    Day,
}

impl Bucket {
    pub fn for_range(us: i64) -> Bucket {
        const H: i64 = 3_600_000_000;
        if us <= 3 * H {
            Bucket::Minute
        } else if us <= 72 * H {
            Bucket::Hour
        } else {
            Bucket::Day
        }
    }

    /// The bucket of a width a client sends back (the first answer's `bucket_us`), so the
    /// chunks of one range share their buckets.
    pub fn of_width(us: i64) -> Option<Bucket> {
        [Bucket::Minute, Bucket::Hour, Bucket::Day].into_iter().find(|b| b.width_us() == us)
    }

    pub fn width_us(self) -> i64 {
        match self {
            Bucket::Minute => 60_000_000,
            Bucket::Hour => 3_600_000_000,
            Bucket::Day => 86_400_000_000,
        }
    }

    /// Characters of an ISO time (`2026-12-07T14:05:...`) naming its bucket.
    pub fn prefix_len(self) -> usize {
        match self {
            Bucket::Minute => 16,
            Bucket::Hour => 13,
            Bucket::Day => 10,
        }
    }

    fn start_of(self, us: i64) -> i64 {
        us.div_euclid(self.width_us()) * self.width_us()
    }

    /// The bucket start of an ISO prefix as SQL returns it.
    fn parse_prefix(self, p: &str) -> Option<i64> {
        let full = match self {
            Bucket::Minute => format!("{p}:00+00:00"),
            Bucket::Hour => format!("{p}:00:00+00:00"),
            Bucket::Day => format!("{p}T00:00:00+00:00"),
        };
        parse_iso(&full).map(|ns| ns / 1000)
    }
}

/// One run (trace) of a chunk.
#[derive(Debug, Clone)]
pub(crate) struct RunRow {
    pub start: String,
    pub end: String,
    pub agent: Option<String>,
    pub error: bool,
}

/// What kind of span a group holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpanKind {
    Llm,
    Tool,
}

/// LLM or tool spans of one bucket, agent, model/tool, status (and tool duration).
#[derive(Debug, Clone)]
pub(crate) struct SpanGroup {
    pub bucket: String,
    pub agent: Option<String>,
    pub kind: SpanKind,
    pub key: Option<String>,
    pub error: bool,
    pub duration_ms: Option<i64>,
    pub count: i64,
    pub prompt: i64,
    pub completion: i64,
}

/// Tokens an agent spent on a model, for costs (priced by the caller).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentModelTokens {
    pub agent: Option<String>,
    pub model: String,
    pub prompt: i64,
    pub completion: i64,
}

/// The chunk of `[since, until)` a call reads: the newest part that fits the budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chunk {
    pub from_us: i64,
    pub to_us: i64,
    pub shape: Shape,
}

/// Plans the chunk: a driven shape (a rare filtered value) reads the whole range at once;
/// a walk reads as much of the range, newest first, as holds about [`CHUNK_TRACES`] traces
/// at the table's average density.
pub(crate) fn chunk(since_us: i64, until_us: i64, known: &Known, span: Option<(i64, i64)>, shape: Shape) -> Chunk {
    let Some((first, last)) = span.filter(|_| shape == Shape::Walk) else {
        // A driven shape reads the whole range at once; an empty table has nothing to read.
        return Chunk { from_us: since_us, to_us: until_us, shape };
    };
    // Only the part of the range that holds traces costs anything.
    let (lo, hi) = (since_us.max(first), until_us.min(last.saturating_add(1)));
    let density = known.total as f64 / (last - first).max(1) as f64;
    let target = if until_us > last { FIRST_CHUNK_TRACES } else { CHUNK_TRACES };
    let width = if density > 0.0 { (target / density) as i64 } else { hi - lo };
    // Never less than a minute, so a dense burst still advances.
    let from = hi.saturating_sub(width.max(60_000_000));
    Chunk { from_us: if from <= lo { since_us } else { from }, to_us: until_us, shape }
}

/// The filter of one chunk: the caller's filter narrowed to the chunk's time range.
pub(crate) fn chunk_filter(f: &TraceFilter, c: &Chunk) -> TraceFilter {
    TraceFilter { since_us: Some(c.from_us), until_us: Some(c.to_us), ..f.clone() }
}

/// Builds one answer from a chunk's rows.
pub(crate) fn assemble(
    c: &Chunk,
    since_us: i64,
    bucket: Bucket,
    runs: Vec<RunRow>,
    spans: Vec<SpanGroup>,
) -> (Metrics, Vec<AgentModelTokens>) {
    let mut series: HashMap<i64, MetricsBucket> = HashMap::new();
    let mut agents: HashMap<Option<String>, AgentMetrics> = HashMap::new();
    let mut latency = Histogram::default();
    for r in runs {
        let (Some(s), Some(e)) = (parse_iso(&r.start), parse_iso(&r.end)) else { continue };
        let (start_us, ms) = (s / 1000, (e - s).max(0) as f64 / 1e6);
        let b = series
            .entry(bucket.start_of(start_us))
            .or_insert_with(|| MetricsBucket { start_us: bucket.start_of(start_us), ..Default::default() });
        b.runs += 1;
        b.errors += r.error as u64;
        b.latency.add(ms, 1);
        latency.add(ms, 1);
        let a = agents.entry(r.agent.clone()).or_insert_with(|| AgentMetrics { agent: r.agent, ..Default::default() });
        a.runs += 1;
        a.errors += r.error as u64;
        a.latency.add(ms, 1);
    }
    let mut models: HashMap<String, ModelMetrics> = HashMap::new();
    let mut tools: HashMap<String, ToolMetrics> = HashMap::new();
    let mut spend: HashMap<(Option<String>, String), (i64, i64)> = HashMap::new();
    for g in spans {
        let tokens = g.prompt + g.completion;
        if let Some(start) = bucket.parse_prefix(&g.bucket) {
            let b = series.entry(start).or_insert_with(|| MetricsBucket { start_us: start, ..Default::default() });
            b.tokens += tokens;
        }
        let a = agents
            .entry(g.agent.clone())
            .or_insert_with(|| AgentMetrics { agent: g.agent.clone(), ..Default::default() });
        a.tokens += tokens;
        let key = g.key.unwrap_or_else(|| "(unnamed)".to_owned());
        let n = g.count.max(0) as u64;
        match g.kind {
            SpanKind::Llm => {
                let m = models
                    .entry(key.clone())
                    .or_insert_with(|| ModelMetrics { model: key.clone(), ..Default::default() });
                m.calls += n;
                m.errors += if g.error { n } else { 0 };
                m.prompt_tokens += g.prompt;
                m.completion_tokens += g.completion;
                let s = spend.entry((g.agent, key)).or_default();
                s.0 += g.prompt;
                s.1 += g.completion;
            }
            SpanKind::Tool => {
                let t = tools.entry(key.clone()).or_insert_with(|| ToolMetrics { tool: key, ..Default::default() });
                t.calls += n;
                t.errors += if g.error { n } else { 0 };
                t.latency.add(g.duration_ms.unwrap_or(0) as f64, n.min(u32::MAX as u64) as u32);
            }
        }
    }
    let mut series: Vec<MetricsBucket> = series.into_values().collect();
    series.sort_by_key(|b| b.start_us);
    let mut by_agent: Vec<AgentMetrics> = agents.into_values().collect();
    by_agent.sort_by(|a, b| b.runs.cmp(&a.runs).then_with(|| a.agent.cmp(&b.agent)));
    let mut by_model: Vec<ModelMetrics> = models.into_values().collect();
    by_model.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.model.cmp(&b.model)));
    let mut tools: Vec<ToolMetrics> = tools.into_values().collect();
    tools.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.tool.cmp(&b.tool)));
    let spend = spend
        .into_iter()
        .map(|((agent, model), (prompt, completion))| AgentModelTokens { agent, model, prompt, completion })
        .collect();
    let complete = c.from_us <= since_us;
    let m = Metrics {
        from_us: c.from_us,
        to_us: c.to_us,
        complete,
        next_until_us: (!complete).then_some(c.from_us),
        source: Some(MetricsSource::Scan),
        bucket_us: bucket.width_us(),
        series,
        latency,
        by_model,
        by_agent,
        tools,
        bounds_ms: Histogram::bounds_ms(),
        oldest_us: None,
    };
    (m, spend)
}

/// ISO text of a chunk bound, for messages.
pub fn describe(us: i64) -> String {
    format_iso(us.saturating_mul(1000))
}

/// What a backend adds for metrics: its JSON expressions and running a chunk's statements.
pub(crate) trait ChunkRows {
    fn span_exprs(&self) -> super::SpanExprs;
    /// Runs the two statements of a chunk on the heavy lane.
    async fn chunk_rows(&self, runs: super::Sql, spans: super::Sql) -> crate::Result<(Vec<RunRow>, Vec<SpanGroup>)>;
}

/// One answer for `f` (whose `until_us`, when absent, is `now_us`; whose `since_us`, when
/// absent, is the oldest trace): the newest chunk of the range that fits the budget.
pub(crate) async fn metrics<S: super::catalog::Source + ChunkRows>(
    src: &S,
    catalog: &super::catalog::Catalog,
    d: super::Dialect<'_>,
    f: &TraceFilter,
    now_us: i64,
    bucket: Option<Bucket>,
) -> crate::Result<(Metrics, Vec<AgentModelTokens>)> {
    let span = catalog.time_span(src).await?;
    let until = f.until_us.unwrap_or(now_us + 1);
    let since = f.since_us.or(span.map(|(first, _)| first)).unwrap_or(until).min(until);
    let bucket = bucket.unwrap_or_else(|| Bucket::for_range(until - since));
    let ranged = TraceFilter { since_us: Some(since), until_us: Some(until), ..f.clone() };
    let known = catalog.known(src, &ranged, |c| d.indexes.cols.contains_key(&c), u32::MAX / 4).await?;
    // Reading every matching row of the range: the plan compares the range's rows with the
    // rarest value's.
    let shape = super::plan::choose(&ranged, &known, u32::MAX / 4).shape;
    // Chunks start on bucket boundaries so that neighbouring answers never split a bucket.
    let mut c = chunk(since, until, &known, span, shape);
    if c.from_us > since {
        c.from_us = bucket.start_of(c.from_us).max(since);
    }
    let cf = chunk_filter(f, &c);
    let exprs = src.span_exprs();
    let runs = d.metrics_runs(c.shape, &cf);
    let spans = d.metrics_spans(c.shape, &cf, bucket.prefix_len(), &exprs);
    let (runs, groups) = src.chunk_rows(runs, spans).await?;
    let (mut m, spend) = assemble(&c, since, bucket, runs, groups);
    m.oldest_us = span.map(|(first, _)| first);
    Ok((m, spend))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::plan::Col;

    #[test]
    fn buckets_follow_the_range() {
        const H: i64 = 3_600_000_000;
        assert_eq!(Bucket::for_range(H), Bucket::Minute);
        assert_eq!(Bucket::for_range(24 * H), Bucket::Hour);
        assert_eq!(Bucket::for_range(30 * 24 * H), Bucket::Day);
        let b = Bucket::Hour;
        let us = parse_iso("2026-12-07T14:35:10.5+00:00").unwrap() / 1000;
        assert_eq!(b.parse_prefix(&"2026-12-07T14:35:10.500000+00:00"[..13]), Some(b.start_of(us)));
        assert_eq!(Bucket::Day.parse_prefix("2026-12-07"), Some(Bucket::Day.start_of(us)));
        assert_eq!(Bucket::Minute.parse_prefix("2026-12-07T14:35"), Some(Bucket::Minute.start_of(us)));
    }

    #[test]
    fn chunks_hold_about_the_budget() {
        const DAY: i64 = 86_400_000_000;
        let known = Known { total: 1_000_000, ..Default::default() };
        // 1M traces over 30 days: ~33k a day, so a chunk is under a day.
        let c = chunk(0, 30 * DAY, &known, Some((0, 30 * DAY)), Shape::Walk);
        assert_eq!(c.to_us, 30 * DAY);
        let width = c.to_us - c.from_us;
        assert!(width > DAY / 2 && width < DAY, "{width}");
        // A rare value is read whole.
        let c = chunk(0, 30 * DAY, &known, Some((0, 30 * DAY)), Shape::Drive(Col::Session));
        assert_eq!(c.from_us, 0);
        // An empty table: the whole range.
        let c = chunk(5, 10, &Known::default(), None, Shape::Walk);
        assert_eq!((c.from_us, c.to_us), (5, 10));
    }

    #[test]
    fn assembles_runs_and_spans() {
        let c = Chunk { from_us: 0, to_us: i64::MAX, shape: Shape::Walk };
        let run = |start: &str, end: &str, agent: &str, error: bool| RunRow {
            start: start.into(),
            end: end.into(),
            agent: Some(agent.into()),
            error,
        };
        let runs = vec![
            run("2026-12-07T14:00:01+00:00", "2026-12-07T14:00:03+00:00", "a", false),
            run("2026-12-07T14:30:00+00:00", "2026-12-07T14:30:01+00:00", "a", true),
            run("2026-12-07T15:10:00+00:00", "2026-12-07T15:10:04+00:00", "b", false),
        ];
        let g = |kind, key: &str, error, duration_ms, count, prompt, completion| SpanGroup {
            bucket: "2026-12-07T14".into(),
            agent: Some("a".into()),
            kind,
            key: Some(key.into()),
            error,
            duration_ms,
            count,
            prompt,
            completion,
        };
        let spans = vec![
            g(SpanKind::Llm, "gpt", false, None, 3, 300, 30),
            g(SpanKind::Tool, "weather", true, Some(12), 1, 0, 0),
            g(SpanKind::Tool, "weather", false, Some(40), 2, 0, 0),
        ];
        let (m, spend) = assemble(&c, 0, Bucket::Hour, runs, spans);
        assert!(m.complete);
        assert_eq!(m.series.len(), 2);
        assert_eq!((m.series[0].runs, m.series[0].errors, m.series[0].tokens), (2, 1, 330));
        assert_eq!(m.latency.total(), 3);
        assert_eq!(m.by_agent[0].agent.as_deref(), Some("a"));
        assert_eq!((m.by_agent[0].runs, m.by_agent[0].tokens), (2, 330));
        assert_eq!((m.by_model[0].calls, m.by_model[0].prompt_tokens), (3, 300));
        assert_eq!((m.tools[0].calls, m.tools[0].errors, m.tools[0].latency.total()), (3, 1, 3));
        assert_eq!(
            spend,
            [AgentModelTokens { agent: Some("a".into()), model: "gpt".into(), prompt: 300, completion: 30 }]
        );
    }
}
