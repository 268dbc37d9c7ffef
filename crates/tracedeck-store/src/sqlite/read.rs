//! SQLite read path: the run list (keyset pages, per-page aggregates in one statement), trace
//! detail, single span and grouped statistics. Works on Agno's own indexes only (we never add
//! indexes to a database we did not create), and survives malformed attribute JSON
//! (`json_valid` guards every `json_extract`).

use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, Row};
use tracedeck_model::{PageRequest, Span, StatRow, StatsGroupBy, TraceDetail, TraceFilter, TracePage, TraceStatus};

use super::SqliteStore;
use crate::common::{self, INPUT_FETCH_CHARS, SpanAggregates, TraceRowData};
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

impl SqliteStore {
    /// `WHERE` conditions over traces `t` for a filter, binding into `args`.
    fn filter_sql(&self, f: &TraceFilter, args: &mut SqliteArguments) -> Result<String> {
        let spans = &self.tables.spans;
        let mut w = vec!["1=1".to_owned()];
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
            let pat = common::like_pattern(search);
            w.push(format!(
                "(t.name LIKE ? ESCAPE '\\' OR t.trace_id = ? OR EXISTS (SELECT 1 FROM {spans} x \
                 WHERE x.trace_id = t.trace_id AND (x.name LIKE ? ESCAPE '\\' OR x.attributes LIKE ? ESCAPE '\\')))"
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

    pub async fn list_traces(&self, f: &TraceFilter, page: &PageRequest) -> Result<TracePage> {
        let limit = page.clamped_limit();
        let cursor = common::decode_cursor(page)?;
        let mut args = SqliteArguments::default();
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
            "WITH page AS MATERIALIZED (SELECT {TRACE_COLS} FROM {traces} t WHERE {cond} \
                 ORDER BY t.start_time DESC, t.trace_id DESC LIMIT ?), \
             agg AS (SELECT s.trace_id, COUNT(*) AS n, SUM(CASE WHEN s.status_code = 'ERROR' THEN 1 ELSE 0 END) AS e, \
                 SUM({tokens}) AS tok FROM {spans} s WHERE s.trace_id IN (SELECT trace_id FROM page) GROUP BY s.trace_id) \
             SELECT page.*, COALESCE(agg.n, 0), COALESCE(agg.e, 0), COALESCE(agg.tok, 0), \
                 (SELECT CASE WHEN json_valid(r.attributes) THEN substr(json_extract(r.attributes, '$.\"input.value\"'), 1, {INPUT_FETCH_CHARS}) END \
                  FROM {spans} r WHERE r.trace_id = page.trace_id AND r.parent_span_id IS NULL ORDER BY r.start_time LIMIT 1) \
             FROM page LEFT JOIN agg ON agg.trace_id = page.trace_id \
             ORDER BY 4 DESC, 1 DESC",
            tokens = tokens_expr("s"),
        );
        let rows = sqlx::query_with(AssertSqlSafe(sql), args)
            .fetch_all(&self.reader)
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
            "SELECT {TRACE_COLS} FROM {} t WHERE t.trace_id = ?",
            self.tables.traces
        )))
        .bind(&id)
        .fetch_optional(&self.reader)
        .await
        .map_err(StoreError::query("read a trace"))?
        .map(|r| trace_row(&r));
        let spans =
            sqlx::query(AssertSqlSafe(format!("SELECT {SPAN_COLS} FROM {} WHERE trace_id = ?", self.tables.spans)))
                .bind(&id)
                .fetch_all(&self.reader)
                .await
                .map_err(StoreError::query("read a trace's spans"))?;
        let spans: Vec<Span> = spans.iter().map(span_row).collect();
        Ok(common::detail(row, spans))
    }

    pub async fn get_span(&self, span_id: &str) -> Result<Option<Span>> {
        let row =
            sqlx::query(AssertSqlSafe(format!("SELECT {SPAN_COLS} FROM {} WHERE span_id = ?", self.tables.spans)))
                .bind(span_id.trim().to_ascii_lowercase())
                .fetch_optional(&self.reader)
                .await
                .map_err(StoreError::query("read a span"))?;
        Ok(row.as_ref().map(span_row))
    }

    pub async fn trace_stats(&self, by: StatsGroupBy, f: &TraceFilter) -> Result<Vec<StatRow>> {
        let mut args = SqliteArguments::default();
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
        let rows = sqlx::query_with(AssertSqlSafe(sql), args)
            .fetch_all(&self.reader)
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
