//! SQLite write path: per batch, one transaction with multi-row trace upserts (Agno's merge
//! rules, status ERROR if any span errored) followed by multi-row span inserts that skip span
//! ids already stored (so a retried batch is harmless).

use sqlx::AssertSqlSafe;
use tracedeck_model::SpanRow;
use tracedeck_model::time::format_iso;

use super::SqliteStore;
use super::read::bind_all;
use crate::batch::trace_upserts;
use crate::prune::Deleter;
use crate::read::{Dialect, Sql};
use crate::{Result, StoreError};

/// Rows per statement; SQLite allows 32,766 bound parameters.
const TRACE_CHUNK: usize = 256;
const SPAN_CHUNK: usize = 512;

fn values(cols: usize, rows: usize) -> String {
    let one = format!("({})", vec!["?"; cols].join(","));
    vec![one; rows].join(",")
}

/// Agno's component level of a trace row, in SQL.
fn level(t: &str) -> String {
    format!(
        "(CASE WHEN instr({t}.name, '.run') > 0 OR instr({t}.name, '.arun') > 0 THEN \
           CASE WHEN {t}.workflow_id IS NOT NULL THEN 3 WHEN {t}.team_id IS NOT NULL THEN 2 \
                WHEN {t}.agent_id IS NOT NULL THEN 1 ELSE 0 END ELSE 0 END)"
    )
}

impl SqliteStore {
    fn trace_upsert_sql(&self, rows: usize) -> String {
        let t = &self.tables.traces;
        format!(
            "INSERT INTO {t} AS cur (trace_id, name, status, start_time, end_time, duration_ms, run_id, session_id, \
             user_id, agent_id, team_id, workflow_id, created_at) VALUES {v} \
             ON CONFLICT(trace_id) DO UPDATE SET \
               start_time = min(cur.start_time, excluded.start_time), \
               end_time = max(cur.end_time, excluded.end_time), \
               duration_ms = CAST(round((julianday(max(cur.end_time, excluded.end_time)) \
                                       - julianday(min(cur.start_time, excluded.start_time))) * 86400000.0) AS INTEGER), \
               status = CASE WHEN cur.status = 'ERROR' OR excluded.status = 'ERROR' THEN 'ERROR' ELSE excluded.status END, \
               name = CASE WHEN {new_level} > {cur_level} THEN excluded.name ELSE cur.name END, \
               run_id = COALESCE(cur.run_id, excluded.run_id), \
               session_id = COALESCE(cur.session_id, excluded.session_id), \
               user_id = COALESCE(cur.user_id, excluded.user_id), \
               agent_id = COALESCE(cur.agent_id, excluded.agent_id), \
               team_id = COALESCE(cur.team_id, excluded.team_id), \
               workflow_id = COALESCE(cur.workflow_id, excluded.workflow_id)",
            v = values(13, rows),
            new_level = level("excluded"),
            cur_level = level("cur"),
        )
    }

    fn span_insert_sql(&self, rows: usize) -> String {
        format!(
            "INSERT INTO {} (span_id, trace_id, parent_span_id, name, span_kind, status_code, status_message, \
             start_time, end_time, duration_ms, attributes, created_at) VALUES {} ON CONFLICT(span_id) DO NOTHING",
            self.tables.spans,
            values(12, rows)
        )
    }

    pub async fn write_batch(&self, rows: &[SpanRow]) -> Result<()> {
        let pool = self.writer.as_ref().ok_or_else(|| StoreError::ReadOnly("SQLite store opened read-only".into()))?;
        let traces = trace_upserts(rows);
        let mut tx = pool.begin().await.map_err(StoreError::query("begin a write"))?;

        for chunk in traces.chunks(TRACE_CHUNK) {
            let times: Vec<[String; 3]> = chunk
                .iter()
                .map(|t| [format_iso(t.start_ns), format_iso(t.end_ns), format_iso(t.created_ns)])
                .collect();
            let sql = self.trace_upsert_sql(chunk.len());
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (t, [start, end, created]) in chunk.iter().zip(&times) {
                let c = &t.context;
                q = q
                    .bind(&t.trace_id)
                    .bind(&t.name)
                    .bind(t.status())
                    .bind(start)
                    .bind(end)
                    .bind(t.duration_ms())
                    .bind(&c.run_id)
                    .bind(&c.session_id)
                    .bind(&c.user_id)
                    .bind(&c.agent_id)
                    .bind(&c.team_id)
                    .bind(&c.workflow_id)
                    .bind(created);
            }
            q.execute(&mut *tx).await.map_err(StoreError::query("upsert traces"))?;
        }

        let full_sql = self.span_insert_sql(SPAN_CHUNK);
        for chunk in rows.chunks(SPAN_CHUNK) {
            let times: Vec<[String; 3]> = chunk
                .iter()
                .map(|s| [format_iso(s.start_ns), format_iso(s.end_ns), format_iso(s.created_ns)])
                .collect();
            let sql = if chunk.len() == SPAN_CHUNK { full_sql.clone() } else { self.span_insert_sql(chunk.len()) };
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (s, [start, end, created]) in chunk.iter().zip(&times) {
                q = q
                    .bind(&s.span_id)
                    .bind(&s.trace_id)
                    .bind(&s.parent_span_id)
                    .bind(&s.name)
                    .bind(&s.span_kind)
                    .bind(s.status_code.as_str())
                    .bind(&s.status_message)
                    .bind(start)
                    .bind(end)
                    .bind(s.duration_ms())
                    .bind(&s.attributes)
                    .bind(created);
            }
            q.execute(&mut *tx).await.map_err(StoreError::query("insert spans"))?;
        }
        tx.commit().await.map_err(StoreError::query("commit a write"))
    }
}

impl Deleter for SqliteStore {
    fn tables(&self) -> Dialect<'_> {
        self.dialect()
    }

    async fn exec_tx(&self, stmts: Vec<Sql>) -> Result<Vec<u64>> {
        let pool = self.writer.as_ref().ok_or_else(|| StoreError::ReadOnly("SQLite store opened read-only".into()))?;
        let mut tx = pool.begin().await.map_err(StoreError::query("begin a delete"))?;
        let mut out = Vec::with_capacity(stmts.len());
        for q in stmts {
            let r = sqlx::query_with(AssertSqlSafe(q.text), bind_all(q.args)?)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::query("delete traces"))?;
            out.push(r.rows_affected());
        }
        tx.commit().await.map_err(StoreError::query("commit a delete"))?;
        Ok(out)
    }

    async fn strings(&self, q: Sql) -> Result<Vec<String>> {
        let pool = self.writer.as_ref().ok_or_else(|| StoreError::ReadOnly("SQLite store opened read-only".into()))?;
        sqlx::query_scalar_with(AssertSqlSafe(q.text), bind_all(q.args)?)
            .fetch_all(pool)
            .await
            .map_err(StoreError::query("choose traces to delete"))
    }

    async fn used_bytes(&self) -> Result<u64> {
        let pool = self.writer.as_ref().unwrap_or(&self.reader);
        // Pages in use: deleted rows free pages that later writes reuse (the file itself only
        // shrinks with VACUUM).
        let n: i64 = sqlx::query_scalar(
            "SELECT (p.page_count - f.freelist_count) * s.page_size \
             FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s",
        )
        .fetch_one(pool)
        .await
        .map_err(StoreError::query("measure the database"))?;
        Ok(n.max(0) as u64)
    }

    async fn trace_count(&self) -> Result<u64> {
        crate::read::catalog::Source::total(self).await
    }
}
