//! MySQL read path: the run list (keyset pages, per-page aggregates in one statement), trace
//! detail, single span and grouped statistics. Uses only Agno's own indexes (we never add
//! indexes to a database we did not create).
//!
//! Attribute JSON is read with `JSON_EXTRACT` on quoted key paths (`'$."llm.model_name"'`,
//! the keys contain dots). On MariaDB the JSON column is `LONGTEXT` with a `JSON_VALID`
//! check that a foreign table may lack, so every extraction is guarded by `JSON_VALID` and a
//! malformed row yields no value instead of failing the query. Text comparisons go through
//! `CAST(… AS CHAR)` because MySQL's JSON type is binary-collated and not a string to sqlx.

use sqlx::mysql::{MySqlArguments, MySqlRow};
use sqlx::{Arguments, AssertSqlSafe, Row};
use tracedeck_model::metrics::Metrics;
use tracedeck_model::{
    PageRequest, Span, StatRow, StatsGroupBy, Suggestion, TraceDetail, TraceFilter, TracePage, TraceSummary,
};

use super::MySqlStore;
use crate::common::{self, INPUT_FETCH_CHARS, SpanAggregates, TraceRowData};
use crate::lane::Lane;
use crate::read::catalog::{Source, prefix_end};
use crate::read::metrics::{self, AgentModelTokens, ChunkRows, RunRow, SpanGroup, SpanKind};
use crate::read::plan::{Col, Count, Shape};
use crate::read::{Arg, Dialect, Flavor, PageQuery, Pages, SpanExprs, Sql};
use crate::{Result, StoreError};

const TRACE_COLS: &str = "t.trace_id, t.name, t.status, t.start_time, t.end_time, t.run_id, t.session_id, \
    t.user_id, t.agent_id, t.team_id, t.workflow_id, t.created_at";
const PAGE_COLS: &str = "p.trace_id, p.name, p.status, p.start_time, p.end_time, p.run_id, p.session_id, \
    p.user_id, p.agent_id, p.team_id, p.workflow_id, p.created_at";
/// The conditions of an empty filter.
const NO_FILTER: &str = "1=1";
const SPAN_COLS: &str = "span_id, trace_id, parent_span_id, name, span_kind, status_code, status_message, \
    start_time, end_time, CAST(attributes AS CHAR)";

/// `JSON_EXTRACT` of a top-level key that contains dots.
fn extract(s: &str, key: &str) -> String {
    format!("JSON_EXTRACT({s}.attributes, '$.\"{key}\"')")
}

/// An attribute as an integer (numbers and numeric strings; `CAST` of JSON text works on
/// both servers, MariaDB's JSON_EXTRACT returning text and MySQL's a JSON value).
fn int_attr(s: &str, key: &str) -> String {
    format!("CAST(JSON_UNQUOTE({}) AS SIGNED)", extract(s, key))
}

/// `AND JSON_VALID(s.attributes)`, or nothing when the statement's `WHERE` already keeps only
/// valid rows (each check parses the JSON again on MariaDB).
fn valid_guard(s: &str, guard: bool) -> String {
    if guard { format!(" AND JSON_VALID({s}.attributes)") } else { String::new() }
}

/// Tokens of one span `s`, 0 when it has none or its JSON is malformed. The `LOCATE` test
/// skips parsing the JSON of spans that carry no token counts (most of them).
fn tokens_expr(s: &str, guard: bool) -> String {
    format!(
        "(CASE WHEN (LOCATE('token_count', {s}.attributes) > 0 OR LOCATE('gen_ai.usage', {s}.attributes) > 0){valid} \
         THEN COALESCE({total}, COALESCE({p}, {gp}, 0) + COALESCE({c}, {gc}, 0)) ELSE 0 END)",
        total = int_attr(s, "llm.token_count.total"),
        p = int_attr(s, "llm.token_count.prompt"),
        gp = int_attr(s, "gen_ai.usage.input_tokens"),
        c = int_attr(s, "llm.token_count.completion"),
        gc = int_attr(s, "gen_ai.usage.output_tokens"),
        valid = valid_guard(s, guard),
    )
}

/// An attribute as text; NULL when absent, JSON null or the row's JSON is malformed.
fn text_attr(s: &str, key: &str, guard: bool) -> String {
    let e = extract(s, key);
    let valid = if guard { format!("JSON_VALID({s}.attributes) AND ") } else { String::new() };
    format!("(CASE WHEN {valid}JSON_TYPE({e}) <> 'NULL' THEN JSON_UNQUOTE({e}) END)")
}

/// A stored ISO time as DATETIME(6) (see the write path; NULL, with a warning, if unparsable).
fn datetime(x: &str) -> String {
    format!("CAST(LEFT({x}, IF(SUBSTRING({x}, 20, 1) = '.', 26, 19)) AS DATETIME(6))")
}

/// Milliseconds between two stored times, as a DOUBLE (so AVG/MAX are DOUBLE too).
fn duration_ms_expr(start: &str, end: &str) -> String {
    format!("(TIMESTAMPDIFF(MICROSECOND, {}, {}) / 1000e0)", datetime(start), datetime(end))
}

fn bind<'q, T>(args: &mut MySqlArguments, v: T) -> Result<()>
where
    T: 'q + sqlx::Encode<'q, sqlx::MySql> + sqlx::Type<sqlx::MySql>,
{
    args.add(v).map_err(|e| StoreError::Invalid(e.to_string()))
}

pub(super) fn bind_all(args: Vec<Arg>) -> Result<MySqlArguments> {
    let mut a = MySqlArguments::default();
    for v in args {
        match v {
            Arg::Text(t) => bind(&mut a, t)?,
            Arg::Int(i) => bind(&mut a, i)?,
        }
    }
    Ok(a)
}

fn text(r: &MySqlRow, i: usize) -> Option<String> {
    r.try_get::<Option<String>, _>(i).ok().flatten()
}

fn trace_row(r: &MySqlRow) -> TraceRowData {
    let s = |i| text(r, i);
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

fn span_row(r: &MySqlRow) -> Span {
    let s = |i| text(r, i);
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

fn int(r: &MySqlRow, i: usize) -> i64 {
    r.try_get::<Option<i64>, _>(i).ok().flatten().unwrap_or(0)
}

fn float(r: &MySqlRow, i: usize) -> f64 {
    r.try_get::<Option<f64>, _>(i).ok().flatten().unwrap_or(0.0)
}

impl MySqlStore {
    pub(crate) fn catalog(&self) -> &crate::read::catalog::Catalog {
        &self.catalog
    }

    pub(super) fn dialect(&self) -> Dialect<'_> {
        Dialect {
            flavor: Flavor::MySql,
            traces: &self.tables.traces,
            spans: &self.tables.spans,
            spans_trace_index: self.spans_trace_index.as_deref(),
            indexes: &self.indexes,
        }
    }

    /// One page of the run list. The page of traces is chosen first in the planned shape (a
    /// derived table walking `idx_<traces>_start_time` backwards, whose entries end with the
    /// primary key so the `(start_time, trace_id)` order needs no sort, or reading a rare
    /// value's rows through its index; either forced with `FORCE INDEX`), then joined to its
    /// spans through `idx_<spans>_trace_id` for the counts and tokens; the root input is one
    /// indexed lookup per page row. No statement touches traces outside the page.
    pub async fn list_traces(&self, f: &TraceFilter, page: &PageRequest) -> Result<TracePage> {
        crate::read::list(self, &self.catalog, self.dialect(), f, page).await
    }

    /// How the page would be read (the planned shape and the database's plan).
    pub async fn explain_page(&self, f: &TraceFilter, page: &PageRequest) -> Result<crate::read::PagePlan> {
        crate::read::explain(self, &self.catalog, self.dialect(), f, page).await
    }
}

impl Pages for MySqlStore {
    fn page_sql(&self, p: PageQuery<'_>) -> Sql {
        let d = self.dialect();
        let q = d.page(p.scope(), p.filter, p.cursor, p.limit);
        // The root's `parent_span_id IS NULL` is kept away from Agno's index on that column:
        // it holds every root (a sixth of the table), so combining it with the `trace_id`
        // probe reads it all for each row.
        let sql = format!(
            "SELECT {PAGE_COLS}, COUNT(s.span_id), \
                 CAST(COALESCE(SUM(s.status_code = 'ERROR'), 0) AS SIGNED), \
                 CAST(COALESCE(SUM({tokens}), 0) AS SIGNED), \
                 (SELECT LEFT({input}, {INPUT_FETCH_CHARS}) FROM {probe_r} \
                  WHERE r.trace_id = p.trace_id AND CONCAT(r.parent_span_id, '') IS NULL ORDER BY r.start_time LIMIT 1) \
             FROM ({page}) p \
             LEFT JOIN {probe_s} ON s.trace_id = p.trace_id \
             GROUP BY {PAGE_COLS} \
             ORDER BY p.start_time DESC, p.trace_id DESC",
            page = q.text,
            tokens = tokens_expr("s", self.json_guard),
            input = text_attr("r", "input.value", self.json_guard),
            probe_r = d.spans_as("r"),
            probe_s = d.spans_as("s"),
        );
        let mut q = q;
        q.text = sql;
        q
    }

    /// One line per table access: `table type key rows extra`.
    async fn explain(&self, q: Sql) -> Result<Vec<String>> {
        let rows =
            self.fetch(Lane::Interactive, &format!("EXPLAIN {}", q.text), bind_all(q.args)?, "explain a page").await?;
        let col = |r: &MySqlRow, name: &str| r.try_get::<Option<String>, _>(name).ok().flatten().unwrap_or_default();
        Ok(rows
            .iter()
            .map(|r| format!("{} {} {} {}", col(r, "table"), col(r, "type"), col(r, "key"), col(r, "Extra")))
            .collect())
    }

    async fn page_rows(&self, p: PageQuery<'_>, lane: Lane) -> Result<Vec<TraceSummary>> {
        let q = self.page_sql(p);
        let rows = self.fetch(lane, &q.text, bind_all(q.args)?, "list traces").await?;
        Ok(rows
            .iter()
            .map(|r| {
                let agg = SpanAggregates {
                    span_count: int(r, 12),
                    error_count: int(r, 13),
                    total_tokens: int(r, 14),
                    root_input: text(r, 15),
                };
                common::summary(trace_row(r), agg)
            })
            .collect())
    }
}

impl MySqlStore {
    /// Filter suggestions for `col` (see [`Catalog::suggest`](crate::read::catalog)).
    pub async fn suggest(&self, col: Col, prefix: &str) -> Result<Vec<Suggestion>> {
        self.catalog.suggest(self, col, prefix).await
    }

    /// Runs `sql` (tagged) on a guarded connection of `lane` and returns all rows.
    async fn fetch(&self, lane: Lane, sql: &str, args: MySqlArguments, action: &'static str) -> Result<Vec<MySqlRow>> {
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
        let row = sqlx::query(AssertSqlSafe(
            conn.sql(&format!("SELECT {TRACE_COLS} FROM {} t WHERE t.trace_id = ?", self.tables.traces)),
        ))
        .persistent(false)
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(conn.error("read a trace"))?
        .map(|r| trace_row(&r));
        // Unordered: `common::detail` sorts, cheaper than a server sort of rows with their JSON.
        let spans = sqlx::query(AssertSqlSafe(
            conn.sql(&format!("SELECT {SPAN_COLS} FROM {} WHERE trace_id = ?", self.tables.spans)),
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
        let mut args = MySqlArguments::default();
        bind(&mut args, span_id.trim().to_ascii_lowercase())?;
        let rows = self
            .fetch(
                Lane::Interactive,
                &format!("SELECT {SPAN_COLS} FROM {} WHERE span_id = ?", self.tables.spans),
                args,
                "read a span",
            )
            .await?;
        Ok(rows.first().map(span_row))
    }

    /// Grouped statistics; for user/session/agent the unit is a trace, for model and span
    /// name a span. SUMs are DECIMAL in MySQL, hence the casts to SIGNED.
    pub async fn trace_stats(&self, by: StatsGroupBy, f: &TraceFilter) -> Result<Vec<StatRow>> {
        let mut q = Sql::new(Flavor::MySql);
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
                       CAST(SUM(CASE WHEN t.status = 'ERROR' OR EXISTS (SELECT 1 FROM {spans} e WHERE e.trace_id = t.trace_id \
                           AND e.status_code = 'ERROR') THEN 1 ELSE 0 END) AS SIGNED), \
                       CAST(COALESCE(SUM((SELECT SUM({tokens}) FROM {spans} s WHERE s.trace_id = t.trace_id)), 0) AS SIGNED), \
                       AVG({d}), MAX({d}), MAX(t.start_time) \
                     FROM {traces} t WHERE {cond} GROUP BY k ORDER BY 2 DESC, k LIMIT 1000",
                    tokens = tokens_expr("s", self.json_guard),
                    d = duration_ms_expr("t.start_time", "t.end_time"),
                )
            }
            StatsGroupBy::Model | StatsGroupBy::SpanName => {
                // Model: the WHERE keeps only valid JSON rows, so the key and tokens need no
                // second check.
                let model = by == StatsGroupBy::Model;
                let (key, only) = if model {
                    (
                        format!(
                            "COALESCE({}, {})",
                            text_attr("s", "llm.model_name", false),
                            text_attr("s", "gen_ai.request.model", false)
                        ),
                        "AND (LOCATE('llm.model_name', s.attributes) > 0 OR LOCATE('gen_ai.request.model', s.attributes) > 0) \
                         AND JSON_VALID(s.attributes)",
                    )
                } else {
                    ("s.name".to_owned(), "")
                };
                // Every filter condition is on the trace; without any, skip the join.
                let from = if cond == NO_FILTER {
                    format!("{spans} s")
                } else {
                    format!("{spans} s JOIN {traces} t ON t.trace_id = s.trace_id")
                };
                format!(
                    "SELECT {key} AS k, COUNT(*), CAST(SUM(s.status_code = 'ERROR') AS SIGNED), \
                       CAST(COALESCE(SUM({tokens}), 0) AS SIGNED), AVG({d}), MAX({d}), MAX(s.start_time) \
                     FROM {from} WHERE {cond} {only} \
                     GROUP BY k ORDER BY 2 DESC, k LIMIT 1000",
                    tokens = tokens_expr("s", !model && self.json_guard),
                    d = duration_ms_expr("s.start_time", "s.end_time"),
                )
            }
        };
        let rows = self.fetch(Lane::Heavy, &sql, args, "compute trace statistics").await?;
        Ok(rows
            .iter()
            .map(|r| StatRow {
                key: text(r, 0),
                count: int(r, 1),
                error_count: int(r, 2),
                total_tokens: int(r, 3),
                avg_duration_ms: float(r, 4),
                max_duration_ms: float(r, 5),
                last_seen: text(r, 6),
            })
            .collect())
    }
}

impl MySqlStore {
    /// `COUNT(*)` of the traces matching `cond` (after an index hint), stopping at `cap`.
    async fn bounded_count(&self, cond: &str, value: Option<&str>, cap: u64) -> Result<Count> {
        let mut args = MySqlArguments::default();
        if let Some(v) = value {
            bind(&mut args, v.to_owned())?;
        }
        bind(&mut args, cap as i64)?;
        let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {} t {cond} LIMIT ?) x", self.tables.traces);
        let rows = self.fetch(Lane::Interactive, &sql, args, "count traces").await?;
        let n = rows.first().map(|r| int(r, 0)).unwrap_or(0).max(0) as u64;
        Ok(Count { rows: n, capped: n >= cap })
    }
}

impl Source for MySqlStore {
    async fn total(&self) -> Result<u64> {
        // InnoDB's own estimate, kept by the server without a scan.
        let mut args = MySqlArguments::default();
        bind(&mut args, self.schema.clone())?;
        bind(&mut args, self.cfg.traces_table.clone())?;
        let rows = self
            .fetch(
                Lane::Interactive,
                "SELECT CAST(COALESCE(table_rows, 0) AS SIGNED) FROM information_schema.tables \
                 WHERE table_schema = ? AND table_name = ?",
                args,
                "estimate the number of traces",
            )
            .await?;
        Ok(rows.first().map(|r| int(r, 0)).unwrap_or(0).max(0) as u64)
    }

    async fn count_value(&self, col: Col, value: &str, cap: u64) -> Result<Count> {
        let Some(index) = self.indexes.cols.get(&col) else {
            return Ok(Count { rows: cap, capped: true });
        };
        self.bounded_count(&format!("FORCE INDEX ({index}) WHERE t.{} = ?", col.column()), Some(value), cap).await
    }

    async fn count_stored_errors(&self, cap: u64) -> Result<Count> {
        match &self.indexes.status {
            Some(index) => {
                self.bounded_count(&format!("FORCE INDEX ({index}) WHERE t.status = 'ERROR'"), None, cap).await
            }
            None => Ok(Count { rows: cap / 20, capped: false }),
        }
    }

    async fn time_span(&self) -> Result<Option<(i64, i64)>> {
        if self.indexes.walk.is_none() {
            return Ok(None);
        }
        let t = &self.tables.traces;
        let rows = self
            .fetch(
                Lane::Interactive,
                &format!("SELECT MIN(start_time), MAX(start_time) FROM {t}"),
                MySqlArguments::default(),
                "read the time span of the traces",
            )
            .await?;
        let us = |i| {
            rows.first()
                .and_then(|r| text(r, i))
                .as_deref()
                .and_then(tracedeck_model::time::parse_iso)
                .map(|ns| ns / 1000)
        };
        Ok(us(0).zip(us(1)))
    }

    async fn distinct(&self, col: Col, prefix: &str, limit: u32) -> Result<Vec<String>> {
        let Some(index) = self.indexes.cols.get(&col) else { return Ok(Vec::new()) };
        let c = col.column();
        let mut args = MySqlArguments::default();
        bind(&mut args, prefix.to_owned())?;
        let upper = match prefix_end(prefix) {
            Some(e) => {
                bind(&mut args, e)?;
                format!(" AND t.{c} < ?")
            }
            None => String::new(),
        };
        bind(&mut args, limit as i64)?;
        // DISTINCT over an indexed column is a loose index scan on both servers.
        let sql = format!(
            "SELECT DISTINCT t.{c} FROM {} t FORCE INDEX ({index}) WHERE t.{c} >= ?{upper} ORDER BY t.{c} LIMIT ?",
            self.tables.traces
        );
        let rows = self.fetch(Lane::Interactive, &sql, args, "list filter values").await?;
        Ok(rows.iter().filter_map(|r| text(r, 0)).collect())
    }

    async fn recent(&self, n: u32) -> Result<Vec<TraceRowData>> {
        let hint = self.indexes.walk.as_deref().map(|i| format!(" FORCE INDEX ({i})")).unwrap_or_default();
        let mut args = MySqlArguments::default();
        bind(&mut args, n as i64)?;
        let sql = format!("SELECT {TRACE_COLS} FROM {} t{hint} ORDER BY t.start_time DESC LIMIT ?", self.tables.traces);
        let rows = self.fetch(Lane::Interactive, &sql, args, "read the most recent traces").await?;
        Ok(rows.iter().map(trace_row).collect())
    }
}

impl MySqlStore {
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

impl ChunkRows for MySqlStore {
    fn span_exprs(&self) -> SpanExprs {
        let has = |k: &str| format!("LOCATE('{k}', s.attributes) > 0");
        // The prefilter keeps only valid JSON rows, so the extractions need no second check.
        let t = |k: &str| text_attr("s", k, false);
        SpanExprs {
            prefilter: format!(
                "({} OR {} OR {} OR {}) AND JSON_VALID(s.attributes)",
                has("llm.model_name"),
                has("gen_ai.request.model"),
                has("TOOL"),
                has("execute_tool")
            ),
            is_llm: format!("({} IS NOT NULL OR {} IS NOT NULL)", t("llm.model_name"), t("gen_ai.request.model")),
            is_tool: format!(
                "({} = 'TOOL' OR {} = 'execute_tool')",
                t("openinference.span.kind"),
                t("gen_ai.operation.name")
            ),
            model: format!("COALESCE({}, {})", t("llm.model_name"), t("gen_ai.request.model")),
            tool: format!("COALESCE({}, {})", t("tool.name"), t("gen_ai.tool.name")),
            prompt: format!(
                "COALESCE({}, {}, 0)",
                int_attr("s", "llm.token_count.prompt"),
                int_attr("s", "gen_ai.usage.input_tokens")
            ),
            completion: format!(
                "COALESCE({}, {}, 0)",
                int_attr("s", "llm.token_count.completion"),
                int_attr("s", "gen_ai.usage.output_tokens")
            ),
        }
    }

    async fn chunk_rows(&self, runs: Sql, spans: Sql) -> Result<(Vec<RunRow>, Vec<SpanGroup>)> {
        let r = self.fetch(Lane::Heavy, &runs.text, bind_all(runs.args)?, "compute metrics").await?;
        let g = self.fetch(Lane::Heavy, &spans.text, bind_all(spans.args)?, "compute metrics").await?;
        let runs = r
            .iter()
            .map(|r| RunRow {
                start: text(r, 0).unwrap_or_default(),
                end: text(r, 1).unwrap_or_default(),
                agent: text(r, 2),
                error: int(r, 3) != 0,
            })
            .collect();
        let groups = g
            .iter()
            .map(|r| SpanGroup {
                bucket: text(r, 0).unwrap_or_default(),
                agent: text(r, 1),
                kind: if text(r, 2).as_deref() == Some("LLM") { SpanKind::Llm } else { SpanKind::Tool },
                key: text(r, 3),
                error: int(r, 4) != 0,
                duration_ms: r.try_get::<Option<i64>, _>(5).ok().flatten(),
                count: int(r, 6),
                prompt: int(r, 7),
                completion: int(r, 8),
            })
            .collect();
        Ok((runs, groups))
    }
}
