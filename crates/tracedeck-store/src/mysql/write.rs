//! MySQL write path: per batch, one transaction with multi-row trace upserts (Agno's merge
//! rules in `ON DUPLICATE KEY UPDATE`, status ERROR if any span errored) followed by
//! multi-row span inserts that leave span ids already stored untouched, so a retried batch is
//! harmless.
//!
//! Values are fitted to Agno's column sizes (`VARCHAR(255)` names, `VARCHAR(128)` ids, `TEXT`
//! status messages) instead of failing the batch under strict SQL mode, and statements are
//! cut by row count (placeholders) and by bytes (`max_allowed_packet`).

use std::borrow::Cow;

use serde_json::{Map, Value};
use sqlx::mysql::{MySqlArguments, MySqlDatabaseError};
use sqlx::{Arguments, AssertSqlSafe};
use tracedeck_model::SpanRow;
use tracedeck_model::attrs::INVALID_ATTRIBUTES;
use tracedeck_model::time::format_iso;

use super::MySqlStore;
use super::read::bind_all;
use crate::batch::{TraceUpsert, trace_upserts};
use crate::prune::Deleter;
use crate::read::{Dialect, Sql};
use crate::{Result, StoreError};

/// Rows per statement: 13 × 500 and 12 × 1000 placeholders stay well under MySQL's 65,535.
const TRACE_CHUNK: usize = 500;
const SPAN_CHUNK: usize = 1000;
/// Bytes of bound values aimed at per span statement (larger rows go alone).
const CHUNK_BYTES: usize = 4 << 20;
/// Room kept in `max_allowed_packet` for the statement text and protocol framing.
const PACKET_MARGIN: usize = 64 << 10;
/// Added to attributes that had to be cut to fit `max_allowed_packet`; holds the original
/// size in bytes. A Tracedeck-namespaced key, so Agno's keys keep their meaning.
pub(crate) use tracedeck_model::attrs::TRUNCATED_ATTRIBUTES;

/// Agno's MySQL column sizes (`VARCHAR(n)` counts characters, `TEXT` bytes).
const NAME_CHARS: usize = 255;
const ID_CHARS: usize = 128;
const CODE_CHARS: usize = 50;
const TEXT_BYTES: usize = 65_535;

/// `s` cut to at most `max` characters (strict mode refuses longer values).
pub(crate) fn fit(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

fn values(cols: usize, rows: usize) -> String {
    let one = format!("({})", vec!["?"; cols].join(","));
    vec![one; rows].join(",")
}

/// Agno's component level of a trace row, in SQL; `v` wraps a column (e.g. in `VALUES()`).
/// The name test is binary so that it is case-sensitive like Agno's Python `in`.
fn level(v: impl Fn(&str) -> String) -> String {
    let name = v("name");
    format!(
        "(CASE WHEN INSTR(CAST({name} AS BINARY), '.run') > 0 OR INSTR(CAST({name} AS BINARY), '.arun') > 0 THEN \
           CASE WHEN {w} IS NOT NULL THEN 3 WHEN {t} IS NOT NULL THEN 2 WHEN {a} IS NOT NULL THEN 1 ELSE 0 END \
         ELSE 0 END)",
        w = v("workflow_id"),
        t = v("team_id"),
        a = v("agent_id"),
    )
}

/// A stored ISO time as DATETIME(6): Python writes `.ffffff` only when the microseconds are
/// not zero, and the `+00:00` offset is dropped (Agno's times are UTC).
fn datetime(x: &str) -> String {
    format!("CAST(LEFT({x}, IF(SUBSTRING({x}, 20, 1) = '.', 26, 19)) AS DATETIME(6))")
}

/// Guards a cast: strict mode turns an unparsable datetime into an error even inside
/// `ON DUPLICATE KEY UPDATE`, and a foreign row may hold anything.
fn looks_like_time(x: &str) -> String {
    format!("{x} REGEXP '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[T ][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}'")
}

/// The trace upsert. MySQL applies `ON DUPLICATE KEY UPDATE` assignments left to right and
/// later ones see the columns already updated, so every assignment that reads a column comes
/// before the assignment of that column: `name` (reads the ids), `status`, `duration_ms`
/// (reads the times), then the times, then the ids. `VALUES(col)` rather than a row alias
/// because MariaDB has no `AS new`.
fn trace_upsert_sql(table: &str, rows: usize) -> String {
    let (start, end) = ("LEAST(start_time, VALUES(start_time))", "GREATEST(end_time, VALUES(end_time))");
    format!(
        "INSERT INTO {table} (trace_id, name, status, start_time, end_time, duration_ms, run_id, session_id, \
         user_id, agent_id, team_id, workflow_id, created_at) VALUES {v} \
         ON DUPLICATE KEY UPDATE \
           name = IF({new_level} > {cur_level}, VALUES(name), name), \
           status = IF(status = 'ERROR' OR VALUES(status) = 'ERROR', 'ERROR', VALUES(status)), \
           duration_ms = CASE WHEN {start_ok} AND {end_ok} \
             THEN TIMESTAMPDIFF(MICROSECOND, {start_dt}, {end_dt}) DIV 1000 ELSE VALUES(duration_ms) END, \
           start_time = {start}, \
           end_time = {end}, \
           run_id = COALESCE(run_id, VALUES(run_id)), \
           session_id = COALESCE(session_id, VALUES(session_id)), \
           user_id = COALESCE(user_id, VALUES(user_id)), \
           agent_id = COALESCE(agent_id, VALUES(agent_id)), \
           team_id = COALESCE(team_id, VALUES(team_id)), \
           workflow_id = COALESCE(workflow_id, VALUES(workflow_id))",
        v = values(13, rows),
        new_level = level(|c| format!("VALUES({c})")),
        cur_level = level(str::to_owned),
        start_ok = looks_like_time(start),
        end_ok = looks_like_time(end),
        start_dt = datetime(start),
        end_dt = datetime(end),
    )
}

fn span_insert_sql(table: &str, rows: usize) -> String {
    format!(
        "INSERT INTO {table} (span_id, trace_id, parent_span_id, name, span_kind, status_code, status_message, \
         start_time, end_time, duration_ms, attributes, created_at) VALUES {} \
         ON DUPLICATE KEY UPDATE span_id = span_id",
        values(12, rows)
    )
}

/// The attributes as the JSON column accepts them: valid JSON as it is, anything else kept
/// as text under [`INVALID_ATTRIBUTES`] (the key the reader uses for malformed rows).
fn valid_json(raw: &str) -> Cow<'_, str> {
    if serde_json::from_str::<serde::de::IgnoredAny>(raw).is_ok() {
        Cow::Borrowed(raw)
    } else {
        let mut m = Map::new();
        m.insert(INVALID_ATTRIBUTES.into(), Value::String(raw.to_owned()));
        Cow::Owned(Value::Object(m).to_string())
    }
}

/// Cuts the largest values of an attribute object until its JSON fits in `budget` bytes, and
/// records the original size under [`TRUNCATED_ATTRIBUTES`]. Only for values larger than the
/// server's `max_allowed_packet`, which no statement can carry.
pub(crate) fn shrink_attributes(raw: &str, budget: usize) -> String {
    let mut map = match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    map.insert(TRUNCATED_ATTRIBUTES.into(), Value::from(raw.len() as u64));
    for _ in 0..32 {
        let text = Value::Object(map.clone()).to_string();
        if text.len() <= budget {
            return text;
        }
        let excess = text.len() - budget;
        let biggest = map
            .iter()
            .filter(|(k, _)| k.as_str() != TRUNCATED_ATTRIBUTES)
            .map(|(k, v)| (k.clone(), v.to_string().len()))
            .max_by_key(|(_, n)| *n);
        let Some((key, size)) = biggest.filter(|(_, n)| *n > excess + 64) else {
            break;
        };
        let value = map.remove(&key).unwrap_or(Value::Null);
        let s = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        // Escapes make the JSON text longer than the string: cut proportionally, with room.
        let keep = s.len().saturating_mul(size - excess - 64) / size.max(1);
        map.insert(key, Value::String(format!("{}…", crate::common::truncate_bytes(&s, keep))));
    }
    let mut m = Map::new();
    m.insert(TRUNCATED_ATTRIBUTES.into(), Value::from(raw.len() as u64));
    Value::Object(m).to_string()
}

/// One span's bound values, fitted to the columns.
struct SpanValues<'a> {
    row: &'a SpanRow,
    times: [String; 3],
    attributes: Cow<'a, str>,
    bytes: usize,
}

impl<'a> SpanValues<'a> {
    fn new(row: &'a SpanRow, max_row_bytes: usize) -> SpanValues<'a> {
        let times = [format_iso(row.start_ns), format_iso(row.end_ns), format_iso(row.created_ns)];
        let others = row.span_id.len()
            + row.trace_id.len()
            + row.parent_span_id.as_ref().map_or(0, String::len)
            + row.name.len()
            + row.span_kind.len()
            + row.status_message.as_ref().map_or(0, String::len).min(TEXT_BYTES)
            + 3 * 32
            + 12 * 9;
        let mut attributes = valid_json(&row.attributes);
        if others + attributes.len() > max_row_bytes {
            attributes = Cow::Owned(shrink_attributes(&attributes, max_row_bytes.saturating_sub(others)));
        }
        let bytes = others + attributes.len();
        SpanValues { row, times, attributes, bytes }
    }

    fn bind(&self, args: &mut MySqlArguments) -> Result<()> {
        let r = self.row;
        let e = |e: sqlx::error::BoxDynError| StoreError::Invalid(e.to_string());
        args.add(fit(&r.span_id, ID_CHARS)).map_err(e)?;
        args.add(fit(&r.trace_id, ID_CHARS)).map_err(e)?;
        args.add(r.parent_span_id.as_deref().map(|p| fit(p, ID_CHARS))).map_err(e)?;
        args.add(fit(&r.name, NAME_CHARS)).map_err(e)?;
        args.add(fit(&r.span_kind, CODE_CHARS)).map_err(e)?;
        args.add(r.status_code.as_str()).map_err(e)?;
        args.add(r.status_message.as_deref().map(|m| crate::common::truncate_bytes(m, TEXT_BYTES))).map_err(e)?;
        args.add(self.times[0].as_str()).map_err(e)?;
        args.add(self.times[1].as_str()).map_err(e)?;
        args.add(r.duration_ms()).map_err(e)?;
        args.add(self.attributes.as_ref()).map_err(e)?;
        args.add(self.times[2].as_str()).map_err(e)?;
        Ok(())
    }
}

fn bind_trace(t: &TraceUpsert, args: &mut MySqlArguments) -> Result<()> {
    let e = |e: sqlx::error::BoxDynError| StoreError::Invalid(e.to_string());
    let c = &t.context;
    args.add(fit(&t.trace_id, ID_CHARS)).map_err(e)?;
    args.add(fit(&t.name, NAME_CHARS)).map_err(e)?;
    args.add(t.status()).map_err(e)?;
    args.add(format_iso(t.start_ns)).map_err(e)?;
    args.add(format_iso(t.end_ns)).map_err(e)?;
    args.add(t.duration_ms()).map_err(e)?;
    for v in [&c.run_id, &c.session_id, &c.user_id, &c.agent_id, &c.team_id, &c.workflow_id] {
        args.add(v.as_deref().map(|s| fit(s, ID_CHARS))).map_err(e)?;
    }
    args.add(format_iso(t.created_ns)).map_err(e)?;
    Ok(())
}

/// Index ranges of `rows` per statement: at most [`SPAN_CHUNK`] rows and about `target`
/// bytes (a row larger than that goes alone).
fn byte_chunks(rows: &[SpanValues<'_>], target: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, r) in rows.iter().enumerate() {
        if i > start && (i - start == SPAN_CHUNK || bytes + r.bytes > target) {
            out.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += r.bytes;
    }
    if start < rows.len() {
        out.push(start..rows.len());
    }
    out
}

impl MySqlStore {
    /// Maps a write error; the server's read-only refusals become [`StoreError::ReadOnly`].
    fn write_error(&self, action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
        move |source| {
            if let Some(db) = source.as_database_error().and_then(|d| d.try_downcast_ref::<MySqlDatabaseError>()) {
                // 1792: statement in a READ ONLY transaction; 1290: server running --read-only.
                if matches!(db.number(), 1792 | 1290) {
                    return StoreError::ReadOnly(format!(
                        "the server refused to write to {}: {}",
                        self.cfg.describe(),
                        db.message()
                    ));
                }
            }
            StoreError::Query { action, source }
        }
    }

    pub async fn write_batch(&self, rows: &[SpanRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let traces = trace_upserts(rows);
        let max_row = self.max_packet.saturating_sub(PACKET_MARGIN);
        let spans: Vec<SpanValues<'_>> = rows.iter().map(|r| SpanValues::new(r, max_row)).collect();
        let mut tx = self.pool.begin().await.map_err(self.write_error("begin a write"))?;

        // A trace row is at most ~5 KB (fitted names and ids, 4 bytes a character): keep a
        // statement of them within even a small `max_allowed_packet`.
        let trace_chunk = TRACE_CHUNK.min(self.max_packet / 8192).max(1);
        for chunk in traces.chunks(trace_chunk) {
            let mut args = MySqlArguments::default();
            for t in chunk {
                bind_trace(t, &mut args)?;
            }
            let sql = trace_upsert_sql(&self.tables.traces, chunk.len());
            sqlx::query_with(AssertSqlSafe(sql), args)
                .persistent(chunk.len() == trace_chunk)
                .execute(&mut *tx)
                .await
                .map_err(self.write_error("upsert traces"))?;
        }

        let target = CHUNK_BYTES.min(self.max_packet / 2);
        for range in byte_chunks(&spans, target) {
            let chunk = &spans[range];
            let mut args = MySqlArguments::default();
            args.reserve(chunk.len() * 12, chunk.iter().map(|s| s.bytes).sum());
            for s in chunk {
                s.bind(&mut args)?;
            }
            let sql = span_insert_sql(&self.tables.spans, chunk.len());
            sqlx::query_with(AssertSqlSafe(sql), args)
                .persistent(chunk.len() == SPAN_CHUNK)
                .execute(&mut *tx)
                .await
                .map_err(self.write_error("insert spans"))?;
        }
        tx.commit().await.map_err(self.write_error("commit a write"))
    }
}

impl Deleter for MySqlStore {
    fn tables(&self) -> Dialect<'_> {
        self.dialect()
    }

    async fn exec_tx(&self, stmts: Vec<Sql>) -> Result<Vec<u64>> {
        let mut tx = self.pool.begin().await.map_err(StoreError::query("begin a delete"))?;
        let mut out = Vec::with_capacity(stmts.len());
        for q in stmts {
            let r = sqlx::query_with(AssertSqlSafe(q.text), bind_all(q.args)?)
                .persistent(false)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("delete traces"))?;
            out.push(r.rows_affected());
        }
        tx.commit().await.map_err(StoreError::query("commit a delete"))?;
        Ok(out)
    }

    async fn strings(&self, q: Sql) -> Result<Vec<String>> {
        sqlx::query_scalar_with(AssertSqlSafe(q.text), bind_all(q.args)?)
            .persistent(false)
            .fetch_all(&self.pool)
            .await
            .map_err(StoreError::query("choose traces to delete"))
    }

    async fn used_bytes(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(data_length + index_length), 0) AS SIGNED) FROM information_schema.tables \
             WHERE table_schema = ? AND table_name IN (?, ?)",
        )
        .bind(&self.schema)
        .bind(&self.cfg.traces_table)
        .bind(&self.cfg.spans_table)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::query("measure the trace tables"))?;
        Ok(n.max(0) as u64)
    }

    async fn trace_count(&self) -> Result<u64> {
        crate::read::catalog::Source::total(self).await
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn fit_counts_characters() {
        assert_eq!(fit("abc", 2), "ab");
        assert_eq!(fit(&"é".repeat(300), 255).chars().count(), 255);
        assert_eq!(fit("short", 255), "short");
    }

    #[test]
    fn invalid_json_is_wrapped() {
        assert_eq!(valid_json(r#"{"a":1}"#), r#"{"a":1}"#);
        let w: Value = serde_json::from_str(&valid_json("{oops")).unwrap();
        assert_eq!(w[INVALID_ATTRIBUTES], "{oops");
    }

    #[test]
    fn shrinking_fits_the_budget_and_keeps_small_keys() {
        let raw = serde_json::json!({"big": "x\"y".repeat(100_000), "small": 1}).to_string();
        let out = shrink_attributes(&raw, 50_000);
        assert!(out.len() <= 50_000, "{}", out.len());
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["small"], 1);
        assert_eq!(v[TRUNCATED_ATTRIBUTES], raw.len() as u64);
        assert!(v["big"].as_str().unwrap().len() > 10_000);
    }
}
