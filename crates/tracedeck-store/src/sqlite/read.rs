//! SQLite read path: the run list (keyset pages in the planned shape, pinned with
//! `INDEXED BY`; per-page aggregates in one statement), trace detail, single span, grouped
//! statistics and the catalog's index-only questions. Works on Agno's own indexes only (we
//! never add indexes to a database we did not create), and survives malformed attribute JSON
//! (`json_valid` guards every `json_extract`).

use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, Row};
use tracedeck_model::metrics::Metrics;
use tracedeck_model::{
    PageRequest, Span, StatRow, StatsGroupBy, Suggestion, TraceDetail, TraceFilter, TracePage, TraceSummary,
};

use super::SqliteStore;
use crate::common::{self, INPUT_FETCH_CHARS, SpanAggregates, TraceRowData};
use crate::lane::Lane;
use crate::read::catalog::{Source, prefix_end};
use crate::read::metrics::{self, AgentModelTokens, ChunkRows, RunRow, SpanGroup, SpanKind};
use crate::read::plan::{Col, Count, Shape};
use crate::read::{Arg, Dialect, Flavor, Indexes, PageQuery, Pages, SpanExprs, Sql};
use crate::{Result, StoreError};

const TRACE_COLS: &str = "t.trace_id, t.name, t.status, CAST(t.start_time AS TEXT), CAST(t.end_time AS TEXT), \
    t.run_id, t.session_id, t.user_id, t.agent_id, t.team_id, t.workflow_id, CAST(t.created_at AS TEXT)";
const SPAN_COLS: &str = "span_id, trace_id, parent_span_id, name, span_kind, status_code, status_message, \
    CAST(start_time AS TEXT), CAST(end_time AS TEXT), CAST(attributes AS TEXT)";

/// A token count at JSON path `k` of span `s`, with [`tracedeck_model::attrs::int_of`]'s rule:
/// integers, floats (truncated) and strings of digits count; anything else is NULL.
fn count_expr(s: &str, k: &str) -> String {
    let p = format!("'$.\"{k}\"'");
    format!(
        "(CASE json_type({s}.attributes, {p}) WHEN 'integer' THEN json_extract({s}.attributes, {p}) \
         WHEN 'real' THEN CAST(json_extract({s}.attributes, {p}) AS INTEGER) \
         WHEN 'text' THEN CASE WHEN trim(json_extract({s}.attributes, {p})) GLOB '[0-9]*' \
              AND trim(json_extract({s}.attributes, {p})) NOT GLOB '*[^0-9]*' \
              THEN CAST(trim(json_extract({s}.attributes, {p})) AS INTEGER) END END)"
    )
}

/// Tokens of one span `s` (the explicit total, else prompt + completion in either
/// convention), 0 when it has none or its JSON is malformed. Same rule as
/// [`tracedeck_model::attrs::total_tokens`].
fn tokens_expr(s: &str) -> String {
    let (p, gp, c, gc) = (
        count_expr(s, "llm.token_count.prompt"),
        count_expr(s, "gen_ai.usage.input_tokens"),
        count_expr(s, "llm.token_count.completion"),
        count_expr(s, "gen_ai.usage.output_tokens"),
    );
    format!(
        "(CASE WHEN (instr({s}.attributes, 'token_count') > 0 OR instr({s}.attributes, 'gen_ai.usage') > 0) \
              AND json_valid({s}.attributes) THEN COALESCE({total}, COALESCE({p}, {gp}, 0) + COALESCE({c}, {gc}, 0)) \
         ELSE 0 END)",
        total = count_expr(s, "llm.token_count.total"),
    )
}

fn duration_ms_expr(start: &str, end: &str) -> String {
    format!("((julianday({end}) - julianday({start})) * 86400000.0)")
}

fn bind<'q, T>(args: &mut SqliteArguments, v: T) -> Result<()>
where
    T: 'q + sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    args.add(v).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn trace_row(r: &SqliteRow) -> TraceRowData {
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

fn span_row(r: &SqliteRow) -> Span {
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

/// Trace columns of the page CTE, cast to text (a foreign row may hold other types).
fn page_cols() -> String {
    crate::read::TRACE_COLUMNS.map(|c| format!("CAST(page.{c} AS TEXT)")).join(", ")
}

pub(super) fn bind_all(args: Vec<Arg>) -> Result<SqliteArguments> {
    let mut a = SqliteArguments::default();
    for v in args {
        match v {
            Arg::Text(t) => bind(&mut a, t)?,
            Arg::Int(i) => bind(&mut a, i)?,
        }
    }
    Ok(a)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The traces table's indexes by what they serve (see [`Indexes`]).
pub(super) async fn find_indexes(pool: &sqlx::SqlitePool, traces_table: &str) -> Result<Indexes> {
    let list: Vec<(String,)> =
        sqlx::query_as(AssertSqlSafe(format!("SELECT name FROM pragma_index_list({})", squote(traces_table))))
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("list the traces table's indexes"))?;
    let mut found = Indexes::default();
    for (name,) in list {
        let cols: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT name FROM pragma_index_info({}) ORDER BY seqno",
            squote(&name)
        )))
        .fetch_all(pool)
        .await
        .map_err(StoreError::query("read an index's columns"))?;
        found.add(quote(&name), &cols);
    }
    Ok(found)
}

/// The spans' full-text index (see `migrations/sqlite/…_search_index.sql`), when present.
pub(super) async fn find_search(pool: &sqlx::SqlitePool, spans_table: &str) -> Result<Option<String>> {
    let name = format!("{spans_table}_search");
    let found: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1 AND sql LIKE '%fts5%'")
            .bind(&name)
            .fetch_optional(pool)
            .await
            .map_err(StoreError::query("look for the search index"))?;
    Ok(found.map(|n| quote(&n)))
}

/// A SQL string literal.
fn squote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl SqliteStore {
    pub(crate) fn catalog(&self) -> &crate::read::catalog::Catalog {
        &self.catalog
    }

    pub(super) fn dialect(&self) -> Dialect<'_> {
        Dialect {
            flavor: Flavor::Sqlite,
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

impl Pages for SqliteStore {
    fn page_sql(&self, p: PageQuery<'_>) -> Sql {
        let q = self.dialect().page(p.scope(), p.filter, p.cursor, p.limit);
        // The root's `parent_span_id IS NULL` is kept away from Agno's index on that column:
        // it holds every root (a sixth of the table), so combining it with the `trace_id`
        // probe reads it all for each row.
        let spans = &self.tables.spans;
        let sql = format!(
            "WITH page AS MATERIALIZED ({page}), \
             agg AS (SELECT s.trace_id, COUNT(*) AS n, SUM(CASE WHEN s.status_code = 'ERROR' THEN 1 ELSE 0 END) AS e, \
                 SUM({tokens}) AS tok FROM {spans} s WHERE s.trace_id IN (SELECT trace_id FROM page) GROUP BY s.trace_id) \
             SELECT {cols}, COALESCE(agg.n, 0), COALESCE(agg.e, 0), COALESCE(agg.tok, 0), \
                 (SELECT CASE WHEN json_valid(r.attributes) THEN substr(json_extract(r.attributes, '$.\"input.value\"'), 1, {INPUT_FETCH_CHARS}) END \
                  FROM {spans} r WHERE r.trace_id = page.trace_id AND +r.parent_span_id IS NULL ORDER BY r.start_time LIMIT 1) \
             FROM page LEFT JOIN agg ON agg.trace_id = page.trace_id \
             ORDER BY page.start_time DESC, page.trace_id DESC",
            page = q.text,
            cols = page_cols(),
            tokens = tokens_expr("s"),
        );
        let mut q = q;
        q.text = sql;
        q
    }

    async fn explain(&self, q: Sql) -> Result<Vec<String>> {
        let mut conn = self.conn(Lane::Interactive).await?;
        let rows = sqlx::query_with(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {}", q.text)), bind_all(q.args)?)
            .fetch_all(&mut *conn)
            .await
            .map_err(conn.error("explain a page"))?;
        conn.done();
        Ok(rows.iter().filter_map(|r| r.try_get::<String, _>(3).ok()).collect())
    }

    fn newest_matches(&self) -> bool {
        true
    }

    async fn count_search(&self, search: &str, cap: u64) -> Result<Option<Count>> {
        let (Some(fts), Some(m)) = (&self.indexes.search, crate::read::fts_query(search)) else { return Ok(None) };
        let mut conn = self.conn(Lane::Interactive).await?;
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH ?1 LIMIT ?2)"
        )))
        .bind(m)
        .bind(cap as i64)
        .fetch_one(&mut *conn)
        .await
        .map_err(conn.error("count search matches"))?;
        conn.done();
        Ok(Some(Count { rows: n as u64, capped: n as u64 >= cap }))
    }

    async fn page_rows(&self, p: PageQuery<'_>, lane: Lane) -> Result<Vec<TraceSummary>> {
        let q = self.page_sql(p);
        let mut conn = self.conn(lane).await?;
        let rows = sqlx::query_with(AssertSqlSafe(q.text), bind_all(q.args)?)
            .fetch_all(&mut *conn)
            .await
            .map_err(conn.error("list traces"))?;
        conn.done();
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

impl SqliteStore {
    /// Filter suggestions for `col` (see [`Catalog::suggest`](crate::read::catalog)).
    pub async fn suggest(&self, col: Col, prefix: &str) -> Result<Vec<Suggestion>> {
        self.catalog.suggest(self, col, prefix).await
    }

    pub async fn get_trace(&self, trace_id: &str) -> Result<Option<TraceDetail>> {
        let id = trace_id.trim().to_ascii_lowercase();
        let mut conn = self.conn(Lane::Interactive).await?;
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TRACE_COLS} FROM {} t WHERE t.trace_id = ?",
            self.tables.traces
        )))
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(conn.error("read a trace"))?
        .map(|r| trace_row(&r));
        let spans =
            sqlx::query(AssertSqlSafe(format!("SELECT {SPAN_COLS} FROM {} WHERE trace_id = ?", self.tables.spans)))
                .bind(&id)
                .fetch_all(&mut *conn)
                .await
                .map_err(conn.error("read a trace's spans"))?;
        conn.done();
        let spans: Vec<Span> = spans.iter().map(span_row).collect();
        Ok(common::detail(row, spans))
    }

    pub async fn get_span(&self, span_id: &str) -> Result<Option<Span>> {
        let mut conn = self.conn(Lane::Interactive).await?;
        let row =
            sqlx::query(AssertSqlSafe(format!("SELECT {SPAN_COLS} FROM {} WHERE span_id = ?", self.tables.spans)))
                .bind(span_id.trim().to_ascii_lowercase())
                .fetch_optional(&mut *conn)
                .await
                .map_err(conn.error("read a span"))?;
        conn.done();
        Ok(row.as_ref().map(span_row))
    }

    pub async fn trace_stats(&self, by: StatsGroupBy, f: &TraceFilter) -> Result<Vec<StatRow>> {
        let mut q = Sql::new(Flavor::Sqlite);
        let cond = self.dialect().conditions(&mut q, Shape::Walk, f, None);
        let args = bind_all(q.args)?;
        let (traces, spans) = (&self.tables.traces, &self.tables.spans);
        let sql = match by {
            StatsGroupBy::User | StatsGroupBy::Session | StatsGroupBy::Agent => {
                let col = match by {
                    StatsGroupBy::User => "t.user_id",
                    StatsGroupBy::Session => "t.session_id",
                    _ => "COALESCE(t.agent_id, t.team_id, t.workflow_id)",
                };
                format!(
                    "SELECT {col} AS k, COUNT(*), \
                       SUM(CASE WHEN t.status = 'ERROR' OR EXISTS (SELECT 1 FROM {spans} e WHERE e.trace_id = t.trace_id \
                           AND e.status_code = 'ERROR') THEN 1 ELSE 0 END), \
                       COALESCE(SUM((SELECT SUM({tokens}) FROM {spans} s WHERE s.trace_id = t.trace_id)), 0), \
                       AVG({d}), MAX({d}), MAX(t.start_time) \
                     FROM {traces} t WHERE {cond} GROUP BY k ORDER BY 2 DESC, k LIMIT 1000",
                    tokens = tokens_expr("s"),
                    d = duration_ms_expr("t.start_time", "t.end_time"),
                )
            }
            StatsGroupBy::Model | StatsGroupBy::SpanName => {
                let (key, only) = if by == StatsGroupBy::Model {
                    (
                        "COALESCE(json_extract(s.attributes, '$.\"llm.model_name\"'), json_extract(s.attributes, '$.\"gen_ai.request.model\"'))",
                        "AND (instr(s.attributes, 'llm.model_name') > 0 OR instr(s.attributes, 'gen_ai.request.model') > 0) AND json_valid(s.attributes)",
                    )
                } else {
                    ("s.name", "")
                };
                format!(
                    "SELECT {key} AS k, COUNT(*), SUM(CASE WHEN s.status_code = 'ERROR' THEN 1 ELSE 0 END), \
                       COALESCE(SUM({tokens}), 0), AVG({d}), MAX({d}), MAX(s.start_time) \
                     FROM {spans} s JOIN {traces} t ON t.trace_id = s.trace_id WHERE {cond} {only} \
                     GROUP BY k ORDER BY 2 DESC, k LIMIT 1000",
                    tokens = tokens_expr("s"),
                    d = duration_ms_expr("s.start_time", "s.end_time"),
                )
            }
        };
        let mut conn = self.conn(Lane::Heavy).await?;
        let rows = sqlx::query_with(AssertSqlSafe(sql), args)
            .fetch_all(&mut *conn)
            .await
            .map_err(conn.error("compute trace statistics"))?;
        conn.done();
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

impl Source for SqliteStore {
    fn member_walk(&self) -> bool {
        true
    }

    async fn total(&self) -> Result<u64> {
        // Rowids grow with inserts and retention deletes the oldest: their span is a count
        // read in two seeks instead of a scan (a bare `max(rowid)` is one seek; an
        // expression over both would scan).
        let t = &self.tables.traces;
        let mut conn = self.conn(Lane::Interactive).await?;
        let n: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT (SELECT max(rowid) FROM {t}) - (SELECT min(rowid) FROM {t}) + 1"
        )))
        .fetch_one(&mut *conn)
        .await
        .map_err(conn.error("estimate the number of traces"))?;
        conn.done();
        Ok(n.unwrap_or(0).max(0) as u64)
    }

    async fn count_value(&self, col: Col, value: &str, cap: u64) -> Result<Count> {
        let Some(index) = self.indexes.cols.get(&col) else {
            return Ok(Count { rows: cap, capped: true });
        };
        self.bounded_count(&format!("INDEXED BY {index} WHERE {} = ?", col.column()), Some(value), cap).await
    }

    async fn count_stored_errors(&self, cap: u64) -> Result<Count> {
        match &self.indexes.status {
            Some(index) => self.bounded_count(&format!("INDEXED BY {index} WHERE status = 'ERROR'"), None, cap).await,
            // Without the index a count would scan the table: assume a typical share.
            None => Ok(Count { rows: cap / 20, capped: false }),
        }
    }

    async fn time_span(&self) -> Result<Option<(i64, i64)>> {
        let Some(index) = &self.indexes.walk else { return Ok(None) };
        let t = &self.tables.traces;
        let mut conn = self.conn(Lane::Interactive).await?;
        let (first, last): (Option<String>, Option<String>) = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT (SELECT CAST(start_time AS TEXT) FROM {t} INDEXED BY {index} ORDER BY start_time LIMIT 1), \
                    (SELECT CAST(start_time AS TEXT) FROM {t} INDEXED BY {index} ORDER BY start_time DESC LIMIT 1)"
        )))
        .fetch_one(&mut *conn)
        .await
        .map_err(conn.error("read the time span of the traces"))?;
        conn.done();
        let us = |s: Option<String>| s.as_deref().and_then(tracedeck_model::time::parse_iso).map(|ns| ns / 1000);
        Ok(us(first).zip(us(last)))
    }

    async fn distinct(&self, col: Col, prefix: &str, limit: u32) -> Result<Vec<String>> {
        let Some(index) = self.indexes.cols.get(&col) else { return Ok(Vec::new()) };
        let (t, c) = (&self.tables.traces, col.column());
        let end = prefix_end(prefix);
        // A loose index scan: each step seeks the next distinct value, so the cost is the
        // number of values returned, not of rows.
        let bound = if end.is_some() { format!(" AND {c} < ?3") } else { String::new() };
        let sql = format!(
            "WITH RECURSIVE v(x) AS ( \
               SELECT (SELECT {c} FROM {t} INDEXED BY {index} WHERE {c} >= ?1{bound} ORDER BY {c} LIMIT 1) \
               UNION ALL \
               SELECT (SELECT {c} FROM {t} INDEXED BY {index} WHERE {c} > v.x{bound} ORDER BY {c} LIMIT 1) FROM v \
               WHERE v.x IS NOT NULL LIMIT ?2) \
             SELECT CAST(x AS TEXT) FROM v WHERE x IS NOT NULL"
        );
        let mut conn = self.conn(Lane::Interactive).await?;
        let mut q = sqlx::query_scalar(AssertSqlSafe(sql)).bind(prefix).bind(limit as i64);
        if let Some(e) = end {
            q = q.bind(e);
        }
        let values: Vec<String> = q.fetch_all(&mut *conn).await.map_err(conn.error("list filter values"))?;
        conn.done();
        Ok(values)
    }

    async fn recent(&self, n: u32) -> Result<Vec<TraceRowData>> {
        let hint = self.indexes.walk.as_deref().map(|i| format!(" INDEXED BY {i}")).unwrap_or_default();
        let mut conn = self.conn(Lane::Interactive).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TRACE_COLS} FROM {} t{hint} ORDER BY t.start_time DESC LIMIT ?",
            self.tables.traces
        )))
        .bind(n as i64)
        .fetch_all(&mut *conn)
        .await
        .map_err(conn.error("read the most recent traces"))?;
        conn.done();
        Ok(rows.iter().map(trace_row).collect())
    }
}

impl SqliteStore {
    /// `COUNT(*)` of the traces matching `cond` (an index hint and a WHERE), stopping at `cap`
    /// (the index entries are read, never the rows).
    async fn bounded_count(&self, cond: &str, value: Option<&str>, cap: u64) -> Result<Count> {
        let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {} {cond} LIMIT ?)", self.tables.traces);
        let mut conn = self.conn(Lane::Interactive).await?;
        let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
        if let Some(v) = value {
            q = q.bind(v);
        }
        let n = q.bind(cap as i64).fetch_one(&mut *conn).await.map_err(conn.error("count traces"))?;
        conn.done();
        Ok(Count { rows: n as u64, capped: n as u64 >= cap })
    }
}

impl SqliteStore {
    /// One chunk of metrics for `f` (see [`metrics`]).
    pub async fn metrics(
        &self,
        f: &TraceFilter,
        now_us: i64,
        bucket: Option<metrics::Bucket>,
    ) -> Result<(Metrics, Vec<AgentModelTokens>)> {
        metrics::metrics(self, &self.catalog, self.dialect(), f, now_us, bucket).await
    }
}

/// A JSON text attribute of span `s`, NULL when absent.
fn text_attr(s: &str, k: &str) -> String {
    format!("json_extract({s}.attributes, '$.\"{k}\"')")
}

impl ChunkRows for SqliteStore {
    fn span_exprs(&self) -> SpanExprs {
        let has = |k: &str| format!("instr(s.attributes, '{k}') > 0");
        SpanExprs {
            prefilter: format!(
                "({} OR {} OR {} OR {}) AND json_valid(s.attributes)",
                has("llm.model_name"),
                has("gen_ai.request.model"),
                has("TOOL"),
                has("execute_tool")
            ),
            is_llm: format!(
                "({} IS NOT NULL OR {} IS NOT NULL)",
                text_attr("s", "llm.model_name"),
                text_attr("s", "gen_ai.request.model")
            ),
            is_tool: format!(
                "({} = 'TOOL' OR {} = 'execute_tool')",
                text_attr("s", "openinference.span.kind"),
                text_attr("s", "gen_ai.operation.name")
            ),
            model: format!(
                "CAST(COALESCE({}, {}) AS TEXT)",
                text_attr("s", "llm.model_name"),
                text_attr("s", "gen_ai.request.model")
            ),
            tool: format!(
                "CAST(COALESCE({}, {}) AS TEXT)",
                text_attr("s", "tool.name"),
                text_attr("s", "gen_ai.tool.name")
            ),
            prompt: format!(
                "COALESCE({}, {}, 0)",
                count_expr("s", "llm.token_count.prompt"),
                count_expr("s", "gen_ai.usage.input_tokens")
            ),
            completion: format!(
                "COALESCE({}, {}, 0)",
                count_expr("s", "llm.token_count.completion"),
                count_expr("s", "gen_ai.usage.output_tokens")
            ),
        }
    }

    async fn chunk_rows(&self, runs: Sql, spans: Sql) -> Result<(Vec<RunRow>, Vec<SpanGroup>)> {
        let mut conn = self.conn(Lane::Heavy).await?;
        let r = sqlx::query_with(AssertSqlSafe(runs.text), bind_all(runs.args)?)
            .fetch_all(&mut *conn)
            .await
            .map_err(conn.error("compute metrics"))?;
        let g = sqlx::query_with(AssertSqlSafe(spans.text), bind_all(spans.args)?)
            .fetch_all(&mut *conn)
            .await
            .map_err(conn.error("compute metrics"))?;
        conn.done();
        let s = |r: &SqliteRow, i: usize| r.try_get::<Option<String>, _>(i).ok().flatten();
        let n = |r: &SqliteRow, i: usize| r.try_get::<Option<i64>, _>(i).ok().flatten();
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
