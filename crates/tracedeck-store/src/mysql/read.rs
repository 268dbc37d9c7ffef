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
use tracedeck_model::{PageRequest, Span, StatRow, StatsGroupBy, TraceDetail, TraceFilter, TracePage, TraceStatus};

use super::MySqlStore;
use crate::common::{self, INPUT_FETCH_CHARS, SpanAggregates, TraceRowData};
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
    /// `WHERE` conditions over traces `t` for a filter, binding into `args`.
    fn filter_sql(&self, f: &TraceFilter, args: &mut MySqlArguments) -> Result<String> {
        let spans = &self.tables.spans;
        let mut w = vec![NO_FILTER.to_owned()];
        let eq = [
            ("t.user_id = ?", f.user_id.clone()),
            ("t.session_id = ?", f.session_id.clone()),
            ("t.agent_id = ?", f.agent_id.clone()),
            ("t.team_id = ?", f.team_id.clone()),
            ("t.workflow_id = ?", f.workflow_id.clone()),
            ("t.run_id = ?", f.run_id.clone()),
            ("t.start_time >= ?", f.since_us.map(common::time_bound)),
            ("t.start_time < ?", f.until_us.map(common::time_bound)),
        ];
        for (cond, value) in eq {
            if let Some(v) = value {
                bind(args, v)?;
                w.push(cond.to_owned());
            }
        }
        if let Some(search) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // LIKE's default escape character is `\`, which `like_pattern` uses. Both sides are
            // lowered: a foreign table's collation may be binary (and JSON always is).
            let pat = common::like_pattern(&search.to_lowercase());
            w.push(format!(
                "(LOWER(t.name) LIKE ? OR t.trace_id = ? OR EXISTS (SELECT 1 FROM {spans} x \
                 WHERE x.trace_id = t.trace_id AND (LOWER(x.name) LIKE ? OR LOWER(CAST(x.attributes AS CHAR)) LIKE ?)))"
            ));
            bind(args, pat.clone())?;
            bind(args, search.to_ascii_lowercase())?;
            bind(args, pat.clone())?;
            bind(args, pat)?;
        }
        let errored = format!(
            "(t.status = 'ERROR' OR EXISTS (SELECT 1 FROM {spans} e WHERE e.trace_id = t.trace_id AND e.status_code = 'ERROR'))"
        );
        match f.status {
            Some(TraceStatus::Error) => w.push(errored),
            Some(TraceStatus::Ok) => w.push(format!("NOT {errored}")),
            None => {}
        }
        Ok(w.join(" AND "))
    }

    /// One page of the run list. The page of traces is chosen first (a derived table walking
    /// `idx_<traces>_start_time` backwards, whose entries end with the primary key, so the
    /// `(start_time, trace_id)` order needs no sort), then joined to its spans through
    /// `idx_<spans>_trace_id` for the counts and tokens; the root input is one indexed lookup
    /// per page row. No statement touches traces outside the page.
    pub async fn list_traces(&self, f: &TraceFilter, page: &PageRequest) -> Result<TracePage> {
        let limit = page.clamped_limit();
        let cursor = common::decode_cursor(page)?;
        let mut args = MySqlArguments::default();
        let mut cond = self.filter_sql(f, &mut args)?;
        if let Some(c) = cursor {
            cond.push_str(" AND t.start_time <= ? AND (t.start_time < ? OR t.trace_id < ?)");
            bind(&mut args, c.start_time.clone())?;
            bind(&mut args, c.start_time)?;
            bind(&mut args, c.trace_id)?;
        }
        bind(&mut args, limit as i64 + 1)?;
        let (traces, spans) = (&self.tables.traces, &self.tables.spans);
        let sql = format!(
            "SELECT {PAGE_COLS}, COUNT(s.span_id), \
                 CAST(COALESCE(SUM(s.status_code = 'ERROR'), 0) AS SIGNED), \
                 CAST(COALESCE(SUM({tokens}), 0) AS SIGNED), \
                 (SELECT LEFT({input}, {INPUT_FETCH_CHARS}) FROM {spans} r \
                  WHERE r.trace_id = p.trace_id AND r.parent_span_id IS NULL ORDER BY r.start_time LIMIT 1) \
             FROM (SELECT {TRACE_COLS} FROM {traces} t WHERE {cond} \
                   ORDER BY t.start_time DESC, t.trace_id DESC LIMIT ?) p \
             LEFT JOIN {spans} s ON s.trace_id = p.trace_id \
             GROUP BY {PAGE_COLS} \
             ORDER BY p.start_time DESC, p.trace_id DESC",
            tokens = tokens_expr("s", true),
            input = text_attr("r", "input.value", true),
        );
        let rows = sqlx::query_with(AssertSqlSafe(sql), args)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("list traces"))?;
        let traces = rows
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
            .collect();
        Ok(common::finish_page(traces, limit))
    }

    pub async fn get_trace(&self, trace_id: &str) -> Result<Option<TraceDetail>> {
        let id = trace_id.trim().to_ascii_lowercase();
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TRACE_COLS} FROM {} t WHERE t.trace_id = ?",
            self.tables.traces
        )))
        .bind(&id)
        .fetch_optional(&self.pool)
        .await
        .map_err(StoreError::query("read a trace"))?
        .map(|r| trace_row(&r));
        let spans = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SPAN_COLS} FROM {} WHERE trace_id = ? ORDER BY start_time, span_id",
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
            sqlx::query(AssertSqlSafe(format!("SELECT {SPAN_COLS} FROM {} WHERE span_id = ?", self.tables.spans)))
                .bind(span_id.trim().to_ascii_lowercase())
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::query("read a span"))?;
        Ok(row.as_ref().map(span_row))
    }

    /// Grouped statistics; for user/session/agent the unit is a trace, for model and span
    /// name a span. SUMs are DECIMAL in MySQL, hence the casts to SIGNED.
    pub async fn trace_stats(&self, by: StatsGroupBy, f: &TraceFilter) -> Result<Vec<StatRow>> {
        let mut args = MySqlArguments::default();
        let cond = self.filter_sql(f, &mut args)?;
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
                    tokens = tokens_expr("s", true),
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
                    tokens = tokens_expr("s", !model),
                    d = duration_ms_expr("s.start_time", "s.end_time"),
                )
            }
        };
        let rows = sqlx::query_with(AssertSqlSafe(sql), args)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("compute trace statistics"))?;
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
