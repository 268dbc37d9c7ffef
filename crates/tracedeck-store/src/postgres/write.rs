//! PostgreSQL write path: per batch, one transaction with one trace upsert and one span insert
//! per chunk, each column bound as one array and expanded by `unnest` (a statement per 5,000
//! rows instead of a parameter per value). Trace rows are merged with Agno's rules (see
//! [`crate::batch`]).
//!
//! Spans already stored are skipped, so a retried batch is harmless. Checking every span id
//! up front (`ON CONFLICT DO NOTHING`) costs an eighth of the server's insert work, and
//! duplicates only come from retries, so spans are first inserted plainly; a unique
//! violation rolls the batch back and it is written again skipping stored spans.
//!
//! PostgreSQL refuses two things other backends store: NUL characters in text and the
//! `\u0000` escape in `jsonb` (as are lone UTF-16 surrogate escapes). Rather than lose such
//! spans, NULs and those escapes become U+FFFD before binding. If the server still rejects
//! the data (e.g. attributes that are not JSON), the batch is retried once with every
//! attribute value validated, and invalid ones are kept as text under
//! [`attrs::INVALID_ATTRIBUTES`], as the SQLite read path presents them.

use std::borrow::Cow;

use sqlx::{AssertSqlSafe, Postgres, Transaction};
use tracedeck_model::time::format_iso;
use tracedeck_model::{SpanRow, attrs};

use super::PgStore;
use super::read::bind_all;
use crate::batch::{TraceUpsert, trace_upserts};
use crate::prune::Deleter;
use crate::read::{Dialect, Sql};
use crate::{Result, StoreError};

const CHUNK_ROWS: usize = 5000;
/// Attribute bytes per statement: keeps each bound array far below PostgreSQL's 1 GB limit.
const CHUNK_BYTES: usize = 32 << 20;

/// Agno's component level of a trace row, in SQL.
fn level(t: &str) -> String {
    format!(
        "(CASE WHEN strpos({t}.name, '.run') > 0 OR strpos({t}.name, '.arun') > 0 THEN \
           CASE WHEN {t}.workflow_id IS NOT NULL THEN 3 WHEN {t}.team_id IS NOT NULL THEN 2 \
                WHEN {t}.agent_id IS NOT NULL THEN 1 ELSE 0 END ELSE 0 END)"
    )
}

/// Array types of the bound trace columns, in insert order (`duration_ms` is the int8).
const TRACE_TYPES: [&str; 13] =
    ["text", "text", "text", "text", "text", "int8", "text", "text", "text", "text", "text", "text", "text"];
/// Array types of the bound span columns, in insert order; `attributes` (index 10) is cast
/// to the column's type.
const SPAN_TYPES: [&str; 12] =
    ["text", "text", "text", "text", "text", "text", "text", "text", "text", "int8", "text", "text"];

/// `unnest($1::text[]), …` for bound column arrays, one cast column optional. Set-returning
/// functions in the select list run in lockstep without materialising their rows (the
/// `FROM UNNEST(…)` form stores each chunk in a tuplestore first, spilling to a temporary
/// file beyond `work_mem`).
fn unnest_cols(types: &[&str], cast: Option<(usize, &str)>) -> String {
    let col = |(i, t): (usize, &&str)| match cast {
        Some((c, to)) if c == i => format!("unnest(${}::{t}[])::{to}", i + 1),
        _ => format!("unnest(${}::{t}[])", i + 1),
    };
    types.iter().enumerate().map(col).collect::<Vec<_>>().join(", ")
}

/// Text without NUL characters, which PostgreSQL text cannot hold.
fn text(s: &str) -> Cow<'_, str> {
    if s.contains('\0') { Cow::Owned(s.replace('\0', "\u{FFFD}")) } else { Cow::Borrowed(s) }
}

fn opt_text(s: &Option<String>) -> Option<Cow<'_, str>> {
    s.as_deref().map(text)
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let h = b.get(at..at + 4)?;
    h.iter().try_fold(0, |acc, &c| Some(acc * 16 + (c as char).to_digit(16)?))
}

/// Replaces what `jsonb` refuses in otherwise valid JSON: raw NULs, `\u0000` and lone
/// surrogate escapes become U+FFFD. Escaped backslashes are skipped, so the text `\\u0000`
/// stays as it is.
pub(super) fn jsonb_safe(s: &str) -> Cow<'_, str> {
    if !s.contains("\\u") && !s.contains('\0') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out: Option<String> = None;
    let (mut i, mut last) = (0, 0);
    // Indexes where b[i] is ASCII are char boundaries, so the slices below are valid.
    let replace = |out: &mut Option<String>, from: usize, to: usize, with: &str| {
        let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
        o.push_str(&s[from..to]);
        o.push_str(with);
    };
    while i < b.len() {
        match b[i] {
            0 => {
                replace(&mut out, last, i, "\u{FFFD}");
                i += 1;
                last = i;
            }
            b'\\' if b.get(i + 1) == Some(&b'u') => match hex4(b, i + 2) {
                Some(0xD800..=0xDBFF)
                    if b.get(i + 6) == Some(&b'\\')
                        && b.get(i + 7) == Some(&b'u')
                        && matches!(hex4(b, i + 8), Some(0xDC00..=0xDFFF)) =>
                {
                    i += 12
                }
                Some(0 | 0xD800..=0xDFFF) => {
                    replace(&mut out, last, i, "\\ufffd");
                    i += 6;
                    last = i;
                }
                _ => i += 2,
            },
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut o) => {
            o.push_str(&s[last..]);
            Cow::Owned(o)
        }
    }
}

/// Attributes as bound: made `jsonb`-safe and, when `validate`, wrapped under
/// [`attrs::INVALID_ATTRIBUTES`] if they are not JSON at all.
fn attributes(s: &str, validate: bool) -> Cow<'_, str> {
    let safe = jsonb_safe(s);
    if validate && serde_json::from_str::<serde::de::IgnoredAny>(&safe).is_err() {
        let mut m = serde_json::Map::new();
        m.insert(attrs::INVALID_ATTRIBUTES.into(), serde_json::Value::String(safe.into_owned()));
        let wrapped = serde_json::Value::Object(m).to_string();
        return Cow::Owned(jsonb_safe(&wrapped).into_owned());
    }
    safe
}

/// SQLSTATE class 22 (data exception): the rows, not the connection, are at fault.
fn is_data_error(e: &StoreError) -> bool {
    sqlstate(e).is_some_and(|c| c.starts_with("22"))
}

fn sqlstate(e: &StoreError) -> Option<String> {
    match e {
        StoreError::Query { source: sqlx::Error::Database(db), .. } => db.code().map(Cow::into_owned),
        _ => None,
    }
}

/// A connection handshake cut short (the server or a proxy going away during sqlx's TLS
/// probe) surfaces as a protocol error, which would read as bad data and get spans rejected;
/// it means the database is unreachable, so it is reported as I/O and the writer retries.
fn handshake_as_io(e: sqlx::Error) -> sqlx::Error {
    match e {
        sqlx::Error::Protocol(msg) => sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, msg)),
        e => e,
    }
}

/// How a batch is written; each flag is set after the attempt without it failed.
#[derive(Debug, Clone, Copy, Default)]
struct Mode {
    /// Skip spans already stored (after a unique violation).
    skip_existing: bool,
    /// Validate attribute JSON (after a data error).
    validate: bool,
}

/// Splits spans into statements of at most `CHUNK_ROWS` rows and about `CHUNK_BYTES`.
fn span_chunks(rows: &[SpanRow]) -> Vec<&[SpanRow]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, r) in rows.iter().enumerate() {
        if i > start && (i - start == CHUNK_ROWS || bytes + r.attributes.len() > CHUNK_BYTES) {
            out.push(&rows[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += r.attributes.len();
    }
    if start < rows.len() {
        out.push(&rows[start..]);
    }
    out
}

impl PgStore {
    fn trace_upsert_sql(&self) -> String {
        let t = &self.tables.traces;
        let (least, greatest) = (
            "LEAST(cur.start_time COLLATE \"C\", excluded.start_time COLLATE \"C\")",
            "GREATEST(cur.end_time COLLATE \"C\", excluded.end_time COLLATE \"C\")",
        );
        let iso = super::read::ISO_PATTERN;
        format!(
            "INSERT INTO {t} AS cur (trace_id, name, status, start_time, end_time, duration_ms, run_id, session_id, \
               user_id, agent_id, team_id, workflow_id, created_at) \
             SELECT {cols} \
             ON CONFLICT (trace_id) DO UPDATE SET \
               start_time = {least}, \
               end_time = {greatest}, \
               duration_ms = CASE WHEN cur.start_time ~ {iso} AND cur.end_time ~ {iso} \
                 THEN round(extract(epoch FROM ({greatest}::timestamptz - {least}::timestamptz)) * 1000)::int8 \
                 ELSE GREATEST(cur.duration_ms, excluded.duration_ms) END, \
               status = CASE WHEN cur.status = 'ERROR' OR excluded.status = 'ERROR' THEN 'ERROR' ELSE excluded.status END, \
               name = CASE WHEN {new_level} > {cur_level} THEN excluded.name ELSE cur.name END, \
               run_id = COALESCE(cur.run_id, excluded.run_id), \
               session_id = COALESCE(cur.session_id, excluded.session_id), \
               user_id = COALESCE(cur.user_id, excluded.user_id), \
               agent_id = COALESCE(cur.agent_id, excluded.agent_id), \
               team_id = COALESCE(cur.team_id, excluded.team_id), \
               workflow_id = COALESCE(cur.workflow_id, excluded.workflow_id)",
            cols = unnest_cols(&TRACE_TYPES, None),
            new_level = level("excluded"),
            cur_level = level("cur"),
        )
    }

    fn span_insert_sql(&self, skip_existing: bool) -> String {
        format!(
            "INSERT INTO {} (span_id, trace_id, parent_span_id, name, span_kind, status_code, status_message, \
               start_time, end_time, duration_ms, attributes, created_at) \
             SELECT {cols} {skip}",
            self.tables.spans,
            skip = if skip_existing { "ON CONFLICT (span_id) DO NOTHING" } else { "" },
            cols = unnest_cols(&SPAN_TYPES, Some((10, self.tables.attr_type.sql()))),
        )
    }

    /// Does not check `read_only` (the [`crate::Store`] does): a read-only session is refused
    /// by the server itself.
    pub async fn write_batch(&self, rows: &[SpanRow]) -> Result<()> {
        let mut mode = Mode::default();
        loop {
            match self.write_once(rows, mode).await {
                Err(e) if !mode.skip_existing && sqlstate(&e).as_deref() == Some("23505") => {
                    tracing::debug!(error = %e, "batch holds stored spans; writing it again without them");
                    mode.skip_existing = true;
                }
                Err(e) if !mode.validate && is_data_error(&e) => {
                    tracing::debug!(error = %e, "batch refused as data; writing it again with validated attributes");
                    mode.validate = true;
                }
                r => return r,
            }
        }
    }

    async fn write_once(&self, rows: &[SpanRow], mode: Mode) -> Result<()> {
        let mut traces = trace_upserts(rows);
        // A fixed lock order, so concurrent writers of the same traces cannot deadlock.
        traces.sort_unstable_by(|a, b| a.trace_id.cmp(&b.trace_id));
        let mut tx = self.pool.begin().await.map_err(handshake_as_io).map_err(StoreError::query("begin a write"))?;
        let sql = self.trace_upsert_sql();
        for chunk in traces.chunks(CHUNK_ROWS) {
            upsert_traces(&mut tx, &sql, chunk).await?;
        }
        let sql = self.span_insert_sql(mode.skip_existing);
        for chunk in span_chunks(rows) {
            insert_spans(&mut tx, &sql, chunk, mode.validate).await?;
        }
        tx.commit().await.map_err(StoreError::query("commit a write"))
    }
}

async fn upsert_traces(tx: &mut Transaction<'_, Postgres>, sql: &str, chunk: &[TraceUpsert]) -> Result<()> {
    let n = chunk.len();
    let (mut id, mut name, mut status, mut start, mut end, mut dur) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let mut ids: [Vec<Option<Cow<str>>>; 6] = std::array::from_fn(|_| Vec::with_capacity(n));
    let mut created = Vec::with_capacity(n);
    for t in chunk {
        let c = &t.context;
        id.push(text(&t.trace_id));
        name.push(text(&t.name));
        status.push(t.status());
        start.push(format_iso(t.start_ns));
        end.push(format_iso(t.end_ns));
        dur.push(t.duration_ms());
        for (col, v) in
            ids.iter_mut().zip([&c.run_id, &c.session_id, &c.user_id, &c.agent_id, &c.team_id, &c.workflow_id])
        {
            col.push(opt_text(v));
        }
        created.push(format_iso(t.created_ns));
    }
    let [run, session, user, agent, team, workflow] = ids;
    sqlx::query(AssertSqlSafe(sql.to_owned()))
        .bind(id)
        .bind(name)
        .bind(status)
        .bind(start)
        .bind(end)
        .bind(dur)
        .bind(run)
        .bind(session)
        .bind(user)
        .bind(agent)
        .bind(team)
        .bind(workflow)
        .bind(created)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::query("upsert traces"))?;
    Ok(())
}

async fn insert_spans(tx: &mut Transaction<'_, Postgres>, sql: &str, chunk: &[SpanRow], validate: bool) -> Result<()> {
    let n = chunk.len();
    let mut cols: [Vec<Cow<str>>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
    let (mut parent, mut code, mut msg, mut dur) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut times: [Vec<String>; 3] = std::array::from_fn(|_| Vec::with_capacity(n));
    let mut attrs = Vec::with_capacity(n);
    for s in chunk {
        for (col, v) in cols.iter_mut().zip([&s.span_id, &s.trace_id, &s.name, &s.span_kind]) {
            col.push(text(v));
        }
        parent.push(opt_text(&s.parent_span_id));
        code.push(s.status_code.as_str());
        msg.push(opt_text(&s.status_message));
        for (col, ns) in times.iter_mut().zip([s.start_ns, s.end_ns, s.created_ns]) {
            col.push(format_iso(ns));
        }
        dur.push(s.duration_ms());
        attrs.push(attributes(&s.attributes, validate));
    }
    let [span_id, trace_id, name, kind] = cols;
    let [start, end, created] = times;
    sqlx::query(AssertSqlSafe(sql.to_owned()))
        .bind(span_id)
        .bind(trace_id)
        .bind(parent)
        .bind(name)
        .bind(kind)
        .bind(code)
        .bind(msg)
        .bind(start)
        .bind(end)
        .bind(dur)
        .bind(attrs)
        .bind(created)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::query("insert spans"))?;
    Ok(())
}

impl Deleter for PgStore {
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
            "SELECT (COALESCE(pg_total_relation_size(to_regclass($1)), 0) \
                   + COALESCE(pg_total_relation_size(to_regclass($2)), 0))::int8",
        )
        .bind(&self.tables.traces)
        .bind(&self.tables.spans)
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
    fn jsonb_safe_replaces_only_what_jsonb_refuses() {
        assert!(matches!(jsonb_safe(r#"{"a":"plain é"}"#), Cow::Borrowed(_)));
        assert_eq!(jsonb_safe(r#"{"a":"x\u0000y"}"#), r#"{"a":"x\ufffdy"}"#);
        assert_eq!(jsonb_safe(r#"{"a":"x\\u0000y"}"#), r#"{"a":"x\\u0000y"}"#);
        assert_eq!(jsonb_safe(r#"{"a":"\ud83d\ude00 \ud800 \udc00"}"#), r#"{"a":"\ud83d\ude00 \ufffd \ufffd"}"#);
        assert_eq!(jsonb_safe("{\"a\":\"\0\"}"), "{\"a\":\"\u{FFFD}\"}");
        assert_eq!(jsonb_safe(r#"{"a":"\u00e9\u000A"}"#), r#"{"a":"\u00e9\u000A"}"#);
        assert_eq!(jsonb_safe("\\"), "\\");
    }

    #[test]
    fn unnest_columns() {
        assert_eq!(unnest_cols(&["text", "int8"], Some((1, "jsonb"))), "unnest($1::text[]), unnest($2::int8[])::jsonb");
    }

    #[test]
    fn invalid_attributes_are_wrapped_when_validating() {
        assert_eq!(attributes("{not json", false), "{not json");
        let v: serde_json::Value = serde_json::from_str(&attributes("{not \0json", true)).unwrap();
        assert_eq!(v[attrs::INVALID_ATTRIBUTES], "{not \u{FFFD}json");
        assert_eq!(attributes(r#"{"a":1}"#, true), r#"{"a":1}"#);
    }

    #[test]
    fn chunks_by_rows_and_bytes() {
        let row = |len: usize| SpanRow {
            trace_id: "t".into(),
            span_id: "s".into(),
            parent_span_id: None,
            name: "n".into(),
            span_kind: "INTERNAL".into(),
            status_code: Default::default(),
            status_message: None,
            start_ns: 0,
            end_ns: 0,
            attributes: "x".repeat(len),
            context: Default::default(),
            created_ns: 0,
        };
        let rows: Vec<SpanRow> = (0..CHUNK_ROWS + 1).map(|_| row(1)).collect();
        assert_eq!(span_chunks(&rows).iter().map(|c| c.len()).collect::<Vec<_>>(), [CHUNK_ROWS, 1]);
        let big = [row(10), row(10), row(CHUNK_BYTES), row(1)];
        assert_eq!(span_chunks(&big).iter().map(|c| c.len()).collect::<Vec<_>>(), [2, 1, 1]);
        assert!(span_chunks(&[]).is_empty());
    }
}
