//! PostgreSQL read path: the run list (keyset pages; counts, tokens and the root input for a
//! page in one statement, looked up per page row through Agno's `trace_id` index), trace
//! detail, single span and grouped statistics.
//!
//! Works on Agno's own indexes only (we never add indexes to a database we did not create)
//! and on whatever Agno stored: every column is read as text, numbers inside attributes are
//! cast only when they look like numbers, times only when they look like ISO timestamps.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Arguments, AssertSqlSafe, Row};
use tracedeck_model::{PageRequest, Span, StatRow, StatsGroupBy, TraceDetail, TraceFilter, TracePage, TraceStatus};

use super::PgStore;
use crate::common::{self, INPUT_FETCH_CHARS, SpanAggregates, TraceRowData};
use crate::{Result, StoreError};

/// Text that can be cast to `timestamptz` (a guard, so a malformed foreign row reads as a
/// NULL duration instead of failing the whole query).
pub(super) const ISO_PATTERN: &str = "'^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}'";
/// A string attribute that `attrs::int_of` reads as an integer.
const INT_PATTERN: &str = "'^[+-]?[0-9]{1,18}$'";

fn trace_cols(t: &str) -> String {
    [
        "trace_id",
        "name",
        "status",
        "start_time",
        "end_time",
        "run_id",
        "session_id",
        "user_id",
        "agent_id",
        "team_id",
        "workflow_id",
        "created_at",
    ]
    .map(|c| format!("{t}.{c}::text"))
    .join(", ")
}

const SPAN_COLS: &str = "s.span_id::text, s.trace_id::text, s.parent_span_id::text, s.name::text, s.span_kind::text, \
    s.status_code::text, s.status_message::text, s.start_time::text, s.end_time::text, s.attributes::text";

/// Milliseconds between two ISO text columns, NULL when either is not a timestamp.
fn duration_ms_expr(start: &str, end: &str) -> String {
    format!(
        "(CASE WHEN {start} ~ {ISO_PATTERN} AND {end} ~ {ISO_PATTERN} \
           THEN extract(epoch FROM ({end}::timestamptz - {start}::timestamptz)) * 1000 END)::float8"
    )
}

/// Bound parameters with their `$n` placeholders.
struct Binds {
    args: PgArguments,
    n: usize,
}

impl Binds {
    fn new() -> Binds {
        Binds { args: PgArguments::default(), n: 0 }
    }

    fn push<'q, T>(&mut self, v: T) -> Result<String>
    where
        T: 'q + sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        self.args.add(v).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.n += 1;
        Ok(format!("${}", self.n))
    }
}

fn trace_row(r: &PgRow) -> TraceRowData {
    let s = |i: usize| r.try_get::<Option<String>, _>(i).ok().flatten();
    TraceRowData {
        trace_id: s(0).unwrap_or_default(),
        name: s(1).unwrap_or_default(),
        status: s(2).unwrap_or_default(),
        start_time: s(3).unwrap_or_default(),
        end_time: s(4).unwrap_or_default(),
        run_id: s(5),
        session_id: s(6),
        user_id: s(7),
        agent_id: s(8),
        team_id: s(9),
        workflow_id: s(10),
        created_at: s(11).unwrap_or_default(),
    }
}

fn span_row(r: &PgRow) -> Span {
    let s = |i: usize| r.try_get::<Option<String>, _>(i).ok().flatten();
    Span::from_columns(
        s(0).unwrap_or_default(),
        s(1).unwrap_or_default(),
        s(2),
        s(3).unwrap_or_default(),
        s(4).unwrap_or_else(|| "INTERNAL".into()),
        &s(5).unwrap_or_default(),
        s(6),
        &s(7).unwrap_or_default(),
        &s(8).unwrap_or_default(),
        s(9),
    )
}

impl PgStore {
    /// Tokens of one span `s` as `attrs::total_tokens` counts them: the total if present,
    /// else prompt + completion in either convention; 0 when it has none. Numbers are
    /// truncated, strings count only when they are integers, anything else is ignored.
    fn tokens_expr(&self, s: &str) -> String {
        let a = self.tables.attrs(s);
        let x = |k: &str| {
            let (v, t) = (format!("({a}->'{k}')"), format!("btrim({a}->>'{k}')"));
            format!(
                "(CASE jsonb_typeof({v}) \
                   WHEN 'number' THEN CASE WHEN abs({v}::numeric) < 1e18 THEN trunc({v}::numeric)::int8 END \
                   WHEN 'string' THEN CASE WHEN {t} ~ {INT_PATTERN} THEN {t}::int8 END END)"
            )
        };
        format!(
            "COALESCE({total}, COALESCE({p}, {gp}, 0) + COALESCE({c}, {gc}, 0))",
            total = x("llm.token_count.total"),
            p = x("llm.token_count.prompt"),
            gp = x("gen_ai.usage.input_tokens"),
            c = x("llm.token_count.completion"),
            gc = x("gen_ai.usage.output_tokens"),
        )
    }

    /// `WHERE` conditions over traces `t` for a filter, binding into `b`.
    fn filter_sql(&self, f: &TraceFilter, b: &mut Binds) -> Result<String> {
        let spans = &self.tables.spans;
        let mut w = vec!["TRUE".to_owned()];
        let eq = [
            ("t.user_id =", f.user_id.clone()),
            ("t.session_id =", f.session_id.clone()),
            ("t.agent_id =", f.agent_id.clone()),
            ("t.team_id =", f.team_id.clone()),
            ("t.workflow_id =", f.workflow_id.clone()),
            ("t.run_id =", f.run_id.clone()),
            ("t.start_time >=", f.since_us.map(common::time_bound)),
            ("t.start_time <", f.until_us.map(common::time_bound)),
        ];
        for (cond, value) in eq {
            if let Some(v) = value {
                let p = b.push(v)?;
                w.push(format!("{cond} {p}"));
            }
        }
        if let Some(search) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let pat = b.push(common::like_pattern(search))?;
            let id = b.push(search.to_ascii_lowercase())?;
            w.push(format!(
                "(t.name ILIKE {pat} ESCAPE '\\' OR t.trace_id = {id} OR EXISTS (SELECT 1 FROM {spans} x \
                 WHERE x.trace_id = t.trace_id AND (x.name ILIKE {pat} ESCAPE '\\' OR x.attributes::text ILIKE {pat} ESCAPE '\\') \
                 OFFSET 0))"
            ));
        }
        match f.status {
            Some(TraceStatus::Error) => w.push(self.errored("t")),
            Some(TraceStatus::Ok) => w.push(format!("NOT {}", self.errored("t"))),
            None => {}
        }
        Ok(w.join(" AND "))
    }

    /// The derived status of trace `t` is ERROR: stored so, or any span errored.
    ///
    /// `OFFSET 0` here and in the search keeps each `EXISTS` a per-trace probe of the
    /// `trace_id` index: otherwise the planner hashes it, scanning every span for each page
    /// (0.3 s instead of 2 ms on 600k spans), because it cannot see that the page's `LIMIT`
    /// stops the walk down the `start_time` index early.
    fn errored(&self, t: &str) -> String {
        format!(
            "({t}.status = 'ERROR' OR EXISTS (SELECT 1 FROM {} e WHERE e.trace_id = {t}.trace_id AND e.status_code = 'ERROR' OFFSET 0))",
            self.tables.spans
        )
    }

    pub async fn list_traces(&self, f: &TraceFilter, page: &PageRequest) -> Result<TracePage> {
        let limit = page.clamped_limit();
        let cursor = common::decode_cursor(page)?;
        let mut b = Binds::new();
        let mut cond = self.filter_sql(f, &mut b)?;
        if let Some(c) = cursor {
            let (st, id) = (b.push(c.start_time)?, b.push(c.trace_id)?);
            // The plain bound lets the start_time index serve the row comparison.
            cond.push_str(&format!(" AND t.start_time <= {st} AND (t.start_time, t.trace_id) < ({st}, {id})"));
        }
        let lim = b.push(limit as i64 + 1)?;
        let (traces, spans) = (&self.tables.traces, &self.tables.spans);
        let sql = format!(
            "WITH page AS MATERIALIZED (SELECT t.* FROM {traces} t WHERE {cond} \
                 ORDER BY t.start_time DESC, t.trace_id DESC LIMIT {lim}) \
             SELECT {cols}, COALESCE(a.n, 0), COALESCE(a.e, 0), COALESCE(a.tok, 0), r.input \
             FROM page \
             LEFT JOIN LATERAL (SELECT COUNT(*)::int8 AS n, (COUNT(*) FILTER (WHERE s.status_code = 'ERROR'))::int8 AS e, \
                 SUM({tokens})::int8 AS tok FROM {spans} s WHERE s.trace_id = page.trace_id) a ON TRUE \
             LEFT JOIN LATERAL (SELECT left({ra}->>'input.value', {INPUT_FETCH_CHARS}) AS input FROM {spans} r \
                 WHERE r.trace_id = page.trace_id AND r.parent_span_id IS NULL ORDER BY r.start_time LIMIT 1) r ON TRUE \
             ORDER BY page.start_time DESC, page.trace_id DESC",
            cols = trace_cols("page"),
            tokens = self.tokens_expr("s"),
            ra = self.tables.attrs("r"),
        );
        let rows = sqlx::query_with(AssertSqlSafe(sql), b.args)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("list traces"))?;
        let traces = rows
            .iter()
            .map(|r| {
                let agg = SpanAggregates {
                    span_count: r.try_get(12).unwrap_or(0),
                    error_count: r.try_get(13).unwrap_or(0),
                    total_tokens: r.try_get(14).unwrap_or(0),
                    root_input: r.try_get::<Option<String>, _>(15).ok().flatten(),
                };
                common::summary(trace_row(r), agg)
            })
            .collect();
        Ok(common::finish_page(traces, limit))
    }

    pub async fn get_trace(&self, trace_id: &str) -> Result<Option<TraceDetail>> {
        let id = trace_id.trim().to_ascii_lowercase();
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM {} t WHERE t.trace_id = $1",
            trace_cols("t"),
            self.tables.traces
        )))
        .bind(&id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::query("read a trace"))?
        .map(|r| trace_row(&r));
        // Unordered: `common::detail` sorts, cheaper than sorting rows carrying their JSON.
        let spans = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SPAN_COLS} FROM {} s WHERE s.trace_id = $1",
            self.tables.spans
        )))
        .bind(&id)
        .fetch_all(&self.pool)
        .await
        .map_err(StoreError::query("read a trace's spans"))?;
        let spans: Vec<Span> = spans.iter().map(span_row).collect();
        Ok(common::detail(row, spans))
    }

    pub async fn get_span(&self, span_id: &str) -> Result<Option<Span>> {
        let row =
            sqlx::query(AssertSqlSafe(format!("SELECT {SPAN_COLS} FROM {} s WHERE s.span_id = $1", self.tables.spans)))
                .bind(span_id.trim().to_ascii_lowercase())
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::query("read a span"))?;
        Ok(row.as_ref().map(span_row))
    }

    pub async fn trace_stats(&self, by: StatsGroupBy, f: &TraceFilter) -> Result<Vec<StatRow>> {
        let mut b = Binds::new();
        let cond = self.filter_sql(f, &mut b)?;
        let (traces, spans) = (&self.tables.traces, &self.tables.spans);
        let tokens = self.tokens_expr("s");
        // Each row (a trace, or a span) is computed once in the inner query and grouped by
        // the outer one. Traces join their spans rather than probing per trace, so the
        // planner can hash-join an unfiltered table and use the index for a filtered one.
        let inner = match by {
            StatsGroupBy::User | StatsGroupBy::Session | StatsGroupBy::Agent => {
                let col = match by {
                    StatsGroupBy::User => "t.user_id",
                    StatsGroupBy::Session => "t.session_id",
                    _ => "COALESCE(t.agent_id, t.team_id, t.workflow_id)",
                };
                format!(
                    "SELECT {col}::text AS k, \
                       (t.status = 'ERROR' OR COALESCE(bool_or(s.status_code = 'ERROR'), FALSE)) AS err, \
                       COALESCE(SUM({tokens}), 0) AS tok, {d} AS d, t.start_time::text AS st \
                     FROM {traces} t LEFT JOIN {spans} s ON s.trace_id = t.trace_id WHERE {cond} \
                     GROUP BY t.trace_id, t.status, t.start_time, t.end_time, {col}",
                    d = duration_ms_expr("t.start_time", "t.end_time"),
                )
            }
            StatsGroupBy::Model | StatsGroupBy::SpanName => {
                let a = self.tables.attrs("s");
                let (key, only) = if by == StatsGroupBy::Model {
                    (
                        format!("COALESCE({a}->>'llm.model_name', {a}->>'gen_ai.request.model')"),
                        format!("AND ({a} ? 'llm.model_name' OR {a} ? 'gen_ai.request.model')"),
                    )
                } else {
                    ("s.name::text".to_owned(), String::new())
                };
                // OFFSET 0: evaluate the duration once per span, not once per aggregate.
                format!(
                    "SELECT {key} AS k, s.status_code = 'ERROR' AS err, {tokens} AS tok, {d} AS d, s.start_time::text AS st \
                     FROM {spans} s JOIN {traces} t ON t.trace_id = s.trace_id WHERE {cond} {only} OFFSET 0",
                    d = duration_ms_expr("s.start_time", "s.end_time"),
                )
            }
        };
        // Keys sort as SQLite sorts them: bytewise, NULL first.
        let sql = format!(
            "SELECT k, COUNT(*)::int8, (COUNT(*) FILTER (WHERE err))::int8, COALESCE(SUM(tok), 0)::int8, \
               AVG(d)::float8, MAX(d)::float8, MAX(st COLLATE \"C\") \
             FROM ({inner}) x GROUP BY k ORDER BY 2 DESC, k COLLATE \"C\" NULLS FIRST LIMIT 1000"
        );
        let rows = sqlx::query_with(AssertSqlSafe(sql), b.args)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("compute trace statistics"))?;
        Ok(rows
            .iter()
            .map(|r| StatRow {
                key: r.try_get::<Option<String>, _>(0).ok().flatten(),
                count: r.try_get(1).unwrap_or(0),
                error_count: r.try_get(2).unwrap_or(0),
                total_tokens: r.try_get(3).unwrap_or(0),
                avg_duration_ms: r.try_get::<Option<f64>, _>(4).ok().flatten().unwrap_or(0.0),
                max_duration_ms: r.try_get::<Option<f64>, _>(5).ok().flatten().unwrap_or(0.0),
                last_seen: r.try_get::<Option<String>, _>(6).ok().flatten(),
            })
            .collect())
    }
}
