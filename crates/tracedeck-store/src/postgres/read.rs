//! PostgreSQL read path: the run list (keyset pages in the planned shape, pinned by making
//! the other conditions unindexable; counts, tokens and the root input for a page in one
//! statement, looked up per page row through Agno's `trace_id` index), trace detail, single
//! span, grouped statistics and the catalog's index-only questions. Every statement carries
//! its request's tag so an abandoned request is cancelled in the server.
//!
//! Works on Agno's own indexes only (we never add indexes to a database we did not create)
//! and on whatever Agno stored: every column is read as text, numbers inside attributes are
//! cast only when they look like numbers, times only when they look like ISO timestamps.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{Arguments, AssertSqlSafe, Row};
use tracedeck_model::metrics::Metrics;
use tracedeck_model::{
    PageRequest, Span, StatRow, StatsGroupBy, Suggestion, TraceDetail, TraceFilter, TracePage, TraceSummary,
};

use super::PgStore;
use crate::common::{self, INPUT_FETCH_CHARS, SpanAggregates, TraceRowData};
use crate::lane::Lane;
use crate::read::catalog::Source;
use crate::read::metrics::{self, AgentModelTokens, ChunkRows, RunRow, SpanGroup, SpanKind};
use crate::read::plan::{Col, Count, Shape};
use crate::read::{Arg, Dialect, Flavor, PageQuery, Pages, SpanExprs, Sql};
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

pub(super) fn bind_all(args: Vec<Arg>) -> Result<PgArguments> {
    let mut a = PgArguments::default();
    for v in args {
        match v {
            Arg::Text(t) => a.add(t),
            Arg::Int(i) => a.add(i),
        }
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    }
    Ok(a)
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
        let x = |k: &str| self.int_attr(s, k);
        format!(
            "COALESCE({total}, COALESCE({p}, {gp}, 0) + COALESCE({c}, {gc}, 0))",
            total = x("llm.token_count.total"),
            p = x("llm.token_count.prompt"),
            gp = x("gen_ai.usage.input_tokens"),
            c = x("llm.token_count.completion"),
            gc = x("gen_ai.usage.output_tokens"),
        )
    }

    /// Attribute `k` of span `s` as an integer, as `attrs::int_of` reads it: numbers are
    /// truncated, strings count only when they are integers, anything else is NULL.
    fn int_attr(&self, s: &str, k: &str) -> String {
        let a = self.tables.attrs(s);
        let (v, t) = (format!("({a}->'{k}')"), format!("btrim({a}->>'{k}')"));
        format!(
            "(CASE jsonb_typeof({v}) \
               WHEN 'number' THEN CASE WHEN abs({v}::numeric) < 1e18 THEN trunc({v}::numeric)::int8 END \
               WHEN 'string' THEN CASE WHEN {t} ~ {INT_PATTERN} THEN {t}::int8 END END)"
        )
    }

    /// One chunk of metrics for `f` (see [`metrics`]).
    pub async fn metrics(
        &self,
        f: &TraceFilter,
        now_us: i64,
        bucket: Option<metrics::Bucket>,
    ) -> Result<(Metrics, Vec<AgentModelTokens>)> {
        metrics::metrics(self, &self.catalog, self.dialect(), f, now_us, bucket).await
    }

    pub(crate) fn catalog(&self) -> &crate::read::catalog::Catalog {
        &self.catalog
    }

    pub(super) fn dialect(&self) -> Dialect<'_> {
        Dialect {
            flavor: Flavor::Postgres,
            traces: &self.tables.traces,
            spans: &self.tables.spans,
            spans_trace_index: None,
            indexes: &self.indexes,
        }
    }

    pub async fn list_traces(&self, f: &TraceFilter, page: &PageRequest) -> Result<TracePage> {
        crate::read::list(self, &self.catalog, self.dialect(), f, page).await
    }

    /// How the page would be read (the planned shape and the database's plan).
    pub async fn explain_page(&self, f: &TraceFilter, page: &PageRequest) -> Result<crate::read::PagePlan> {
        crate::read::explain(self, &self.catalog, self.dialect(), f, page).await
    }
}

impl Pages for PgStore {
    fn page_sql(&self, p: PageQuery<'_>) -> Sql {
        let q = self.dialect().page(p.scope(), p.filter, p.cursor, p.limit);
        // One pass over each page row's spans through the `trace_id` index gives the counts,
        // the tokens and the root's input: a separate `ORDER BY start_time LIMIT 1` lookup
        // is planned, without statistics, as a walk of the spans' start_time index.
        let spans = &self.tables.spans;
        let sql = format!(
            "WITH page AS MATERIALIZED ({page}) \
             SELECT {cols}, COALESCE(a.n, 0), COALESCE(a.e, 0), COALESCE(a.tok, 0), a.input \
             FROM page \
             LEFT JOIN LATERAL (SELECT COUNT(*)::int8 AS n, (COUNT(*) FILTER (WHERE s.status_code = 'ERROR'))::int8 AS e, \
                 SUM({tokens})::int8 AS tok, \
                 (array_agg(left({sa}->>'input.value', {INPUT_FETCH_CHARS}) ORDER BY s.start_time) \
                   FILTER (WHERE s.parent_span_id IS NULL))[1] AS input \
                 FROM {spans} s WHERE s.trace_id = page.trace_id) a ON TRUE \
             ORDER BY page.start_time DESC, page.trace_id DESC",
            page = q.text,
            cols = trace_cols("page"),
            tokens = self.tokens_expr("s"),
            sa = self.tables.attrs("s"),
        );
        let mut q = q;
        q.text = sql;
        q
    }

    async fn explain(&self, q: Sql) -> Result<Vec<String>> {
        let rows =
            self.fetch(Lane::Interactive, &format!("EXPLAIN {}", q.text), bind_all(q.args)?, "explain a page").await?;
        Ok(rows.iter().filter_map(|r| r.try_get::<String, _>(0).ok()).collect())
    }

    async fn count_search(&self, search: &str, cap: u64) -> Result<Option<Count>> {
        if self.indexes.search.is_none() {
            return Ok(None);
        }
        let mut q = Sql::new(Flavor::Postgres);
        let tsq = crate::read::pg_tsquery(q.text(search.trim()), search);
        let cap_p = q.bind(Arg::Int(cap as i64));
        let sql = format!(
            "SELECT COUNT(*)::int8 FROM (SELECT 1 FROM {} x WHERE {} @@ {tsq} LIMIT {cap_p}) c",
            self.tables.spans,
            crate::read::pg_search_vector("x")
        );
        let rows = self.fetch(Lane::Interactive, &sql, bind_all(q.args)?, "count search matches").await?;
        let n: i64 = rows.first().and_then(|r| r.try_get(0).ok()).unwrap_or(0);
        Ok(Some(Count { rows: n as u64, capped: n as u64 >= cap }))
    }

    async fn page_rows(&self, p: PageQuery<'_>, lane: Lane) -> Result<Vec<TraceSummary>> {
        let q = self.page_sql(p);
        let rows = self.fetch(lane, &q.text, bind_all(q.args)?, "list traces").await?;
        Ok(rows
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
            .collect())
    }
}

impl PgStore {
    /// Filter suggestions for `col` (see [`Catalog::suggest`](crate::read::catalog)).
    pub async fn suggest(&self, col: Col, prefix: &str) -> Result<Vec<Suggestion>> {
        self.catalog.suggest(self, col, prefix).await
    }

    /// Runs `sql` (tagged) on a guarded connection of `lane` and returns all rows.
    async fn fetch(&self, lane: Lane, sql: &str, args: PgArguments, action: &'static str) -> Result<Vec<PgRow>> {
        let mut conn = self.conn(lane).await?;
        let rows = sqlx::query_with(AssertSqlSafe(conn.sql(sql)), args)
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(conn.error(action))?;
        conn.done();
        Ok(rows)
    }

    pub async fn get_trace(&self, trace_id: &str) -> Result<Option<TraceDetail>> {
        let id = trace_id.trim().to_ascii_lowercase();
        let mut conn = self.conn(Lane::Interactive).await?;
        let row = sqlx::query(AssertSqlSafe(conn.sql(&format!(
            "SELECT {} FROM {} t WHERE t.trace_id = $1",
            trace_cols("t"),
            self.tables.traces
        ))))
        .persistent(false)
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(conn.error("read a trace"))?
        .map(|r| trace_row(&r));
        // Unordered: `common::detail` sorts, cheaper than sorting rows carrying their JSON.
        let spans = sqlx::query(AssertSqlSafe(
            conn.sql(&format!("SELECT {SPAN_COLS} FROM {} s WHERE s.trace_id = $1", self.tables.spans)),
        ))
        .persistent(false)
        .bind(&id)
        .fetch_all(&mut *conn)
        .await
        .map_err(conn.error("read a trace's spans"))?;
        conn.done();
        let spans: Vec<Span> = spans.iter().map(span_row).collect();
        Ok(common::detail(row, spans))
    }

    pub async fn get_span(&self, span_id: &str) -> Result<Option<Span>> {
        let mut args = PgArguments::default();
        args.add(span_id.trim().to_ascii_lowercase()).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let rows = self
            .fetch(
                Lane::Interactive,
                &format!("SELECT {SPAN_COLS} FROM {} s WHERE s.span_id = $1", self.tables.spans),
                args,
                "read a span",
            )
            .await?;
        Ok(rows.first().map(span_row))
    }

    pub async fn trace_stats(&self, by: StatsGroupBy, f: &TraceFilter) -> Result<Vec<StatRow>> {
        let mut q = Sql::new(Flavor::Postgres);
        let cond = self.dialect().conditions(&mut q, Shape::Walk, f, None);
        let (traces, spans) = (&self.tables.traces, &self.tables.spans);
        let tokens = self.tokens_expr("s");
        // Each row (a trace, or a span) is computed once in the inner query and grouped by
        // the outer one.
        let inner = match by {
            StatsGroupBy::User | StatsGroupBy::Session | StatsGroupBy::Agent => {
                let col = match by {
                    StatsGroupBy::User => "t.user_id",
                    StatsGroupBy::Session => "t.session_id",
                    _ => "COALESCE(t.agent_id, t.team_id, t.workflow_id)",
                };
                // Each trace's spans through the `trace_id` index (a fenced lateral): without
                // statistics a join is planned as a hash over every span, whatever the filter.
                format!(
                    "SELECT {col}::text AS k, (t.status = 'ERROR' OR COALESCE(a.err, FALSE)) AS err, \
                       COALESCE(a.tok, 0) AS tok, {d} AS d, t.start_time::text AS st \
                     FROM {traces} t LEFT JOIN LATERAL (SELECT bool_or(s.status_code = 'ERROR') AS err, \
                       SUM({tokens}) AS tok FROM {spans} s WHERE s.trace_id = t.trace_id OFFSET 0) a ON TRUE \
                     WHERE {cond}",
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
        let rows = self.fetch(Lane::Heavy, &sql, bind_all(q.args)?, "compute trace statistics").await?;
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

impl PgStore {
    /// One scalar row of `sql` on the interactive lane.
    async fn scalar_row(&self, sql: &str, args: PgArguments, action: &'static str) -> Result<PgRow> {
        self.fetch(Lane::Interactive, sql, args, action)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Invalid(format!("no row to {action}")))
    }

    /// `count(*)` of the traces matching `cond` (`$1` is `value`), stopping at `cap`.
    async fn bounded_count(&self, cond: &str, value: Option<&str>, cap: u64) -> Result<Count> {
        let mut args = PgArguments::default();
        let lim = if let Some(v) = value {
            args.add(v.to_owned()).map_err(|e| StoreError::Invalid(e.to_string()))?;
            "$2"
        } else {
            "$1"
        };
        args.add(cap as i64).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sql =
            format!("SELECT count(*)::int8 FROM (SELECT 1 FROM {} t WHERE {cond} LIMIT {lim}) x", self.tables.traces);
        let n: i64 = self.scalar_row(&sql, args, "count traces").await?.try_get(0).unwrap_or(0);
        Ok(Count { rows: n as u64, capped: n as u64 >= cap })
    }
}

impl Source for PgStore {
    async fn total(&self) -> Result<u64> {
        // The planner's own estimate: from statistics when the table was analyzed, from its
        // size on disk otherwise. Never a scan.
        let mut args = PgArguments::default();
        args.add(self.tables.traces.clone()).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let row = self
            .scalar_row(
                "SELECT GREATEST(c.reltuples, 0)::int8, \
                   (pg_relation_size(c.oid) / GREATEST(current_setting('block_size')::int8, 1))::int8 \
                 FROM pg_catalog.pg_class c WHERE c.oid = to_regclass($1)",
                args,
                "estimate the number of traces",
            )
            .await?;
        let (tuples, pages): (i64, i64) = (row.try_get(0).unwrap_or(0), row.try_get(1).unwrap_or(0));
        // Never analyzed: about 25 trace rows of Agno's shape fit in an 8 kB page.
        Ok(if tuples > 0 { tuples as u64 } else { (pages.max(0) as u64) * 25 })
    }

    async fn count_value(&self, col: Col, value: &str, cap: u64) -> Result<Count> {
        if !self.indexes.cols.contains_key(&col) {
            return Ok(Count { rows: cap, capped: true });
        }
        self.bounded_count(&format!("t.{} = $1", col.column()), Some(value), cap).await
    }

    async fn count_stored_errors(&self, cap: u64) -> Result<Count> {
        if self.indexes.status.is_none() {
            return Ok(Count { rows: cap / 20, capped: false });
        }
        self.bounded_count("t.status = 'ERROR'", None, cap).await
    }

    async fn time_span(&self) -> Result<Option<(i64, i64)>> {
        if self.indexes.walk.is_none() {
            return Ok(None);
        }
        let t = &self.tables.traces;
        let row = self
            .scalar_row(
                &format!(
                    "SELECT (SELECT start_time::text FROM {t} ORDER BY start_time LIMIT 1), \
                            (SELECT start_time::text FROM {t} ORDER BY start_time DESC LIMIT 1)"
                ),
                PgArguments::default(),
                "read the time span of the traces",
            )
            .await?;
        let us = |i| {
            row.try_get::<Option<String>, _>(i)
                .ok()
                .flatten()
                .as_deref()
                .and_then(tracedeck_model::time::parse_iso)
                .map(|ns| ns / 1000)
        };
        Ok(us(0).zip(us(1)))
    }

    async fn distinct(&self, col: Col, prefix: &str, limit: u32) -> Result<Vec<String>> {
        if !self.indexes.cols.contains_key(&col) {
            return Ok(Vec::new());
        }
        let (t, c) = (&self.tables.traces, col.column());
        // A loose index scan (each step seeks the next value); the step bound keeps a prefix
        // that matches nothing from walking every value under a linguistic collation, where
        // values with one prefix need not be adjacent.
        let sql = format!(
            "WITH RECURSIVE v(x, n) AS ( \
               (SELECT {c}::text, 1 FROM {t} WHERE {c} >= $1 ORDER BY {c} LIMIT 1) \
               UNION ALL \
               SELECT (SELECT {c}::text FROM {t} WHERE {c} > v.x ORDER BY {c} LIMIT 1), v.n + 1 FROM v \
               WHERE v.x IS NOT NULL AND v.n < 5000) \
             SELECT x FROM v WHERE x IS NOT NULL AND starts_with(x, $1) LIMIT $2"
        );
        let mut args = PgArguments::default();
        args.add(prefix.to_owned()).map_err(|e| StoreError::Invalid(e.to_string()))?;
        args.add(limit as i64).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let rows = self.fetch(Lane::Interactive, &sql, args, "list filter values").await?;
        Ok(rows.iter().filter_map(|r| r.try_get::<Option<String>, _>(0).ok().flatten()).collect())
    }

    async fn recent(&self, n: u32) -> Result<Vec<TraceRowData>> {
        let mut args = PgArguments::default();
        args.add(n as i64).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sql =
            format!("SELECT {} FROM {} t ORDER BY t.start_time DESC LIMIT $1", trace_cols("t"), self.tables.traces);
        let rows = self.fetch(Lane::Interactive, &sql, args, "read the most recent traces").await?;
        Ok(rows.iter().map(trace_row).collect())
    }
}

impl ChunkRows for PgStore {
    fn span_exprs(&self) -> SpanExprs {
        let a = self.tables.attrs("s");
        SpanExprs {
            prefilter: format!(
                "({a} ? 'llm.model_name' OR {a} ? 'gen_ai.request.model' OR {a}->>'openinference.span.kind' = 'TOOL' \
                 OR {a}->>'gen_ai.operation.name' = 'execute_tool')"
            ),
            is_llm: format!("({a} ? 'llm.model_name' OR {a} ? 'gen_ai.request.model')"),
            is_tool: format!(
                "({a}->>'openinference.span.kind' = 'TOOL' OR {a}->>'gen_ai.operation.name' = 'execute_tool')"
            ),
            model: format!("COALESCE({a}->>'llm.model_name', {a}->>'gen_ai.request.model')"),
            tool: format!("COALESCE({a}->>'tool.name', {a}->>'gen_ai.tool.name')"),
            prompt: format!(
                "COALESCE({}, {}, 0)",
                self.int_attr("s", "llm.token_count.prompt"),
                self.int_attr("s", "gen_ai.usage.input_tokens")
            ),
            completion: format!(
                "COALESCE({}, {}, 0)",
                self.int_attr("s", "llm.token_count.completion"),
                self.int_attr("s", "gen_ai.usage.output_tokens")
            ),
        }
    }

    async fn chunk_rows(&self, runs: Sql, spans: Sql) -> Result<(Vec<RunRow>, Vec<SpanGroup>)> {
        let r = self.fetch(Lane::Heavy, &runs.text, bind_all(runs.args)?, "compute metrics").await?;
        let g = self.fetch(Lane::Heavy, &spans.text, bind_all(spans.args)?, "compute metrics").await?;
        let s = |r: &PgRow, i: usize| r.try_get::<Option<String>, _>(i).ok().flatten();
        let n = |r: &PgRow, i: usize| {
            r.try_get::<Option<i64>, _>(i)
                .ok()
                .flatten()
                .or_else(|| r.try_get::<Option<i32>, _>(i).ok().flatten().map(i64::from))
        };
        let runs = r
            .iter()
            .map(|r| RunRow {
                start: s(r, 0).unwrap_or_default(),
                end: s(r, 1).unwrap_or_default(),
                agent: s(r, 2),
                error: n(r, 3).unwrap_or(0) != 0,
            })
            .collect();
        let groups = g
            .iter()
            .map(|r| SpanGroup {
                bucket: s(r, 0).unwrap_or_default(),
                agent: s(r, 1),
                kind: if s(r, 2).as_deref() == Some("LLM") { SpanKind::Llm } else { SpanKind::Tool },
                key: s(r, 3),
                error: n(r, 4).unwrap_or(0) != 0,
                duration_ms: n(r, 5),
                count: n(r, 6).unwrap_or(0),
                prompt: n(r, 7).unwrap_or(0),
                completion: n(r, 8).unwrap_or(0),
            })
            .collect();
        Ok((runs, groups))
    }
}
