//! PostgreSQL bulk load into the schema Agno made: `COPY ... FROM STDIN (FREEZE)` in one
//! transaction that first truncates the tables (FREEZE needs that, and it spares the first
//! benchmark query from setting hint bits on 10 GB of pages), with the secondary indexes
//! dropped during the load and re-created afterwards from their exact `pg_indexes.indexdef`.
//! Autovacuum is switched off on both tables before any row arrives and nothing runs ANALYZE;
//! since CREATE INDEX records row counts in `pg_class`, those are put back to what Agno's empty
//! tables had, so the planner sees a database that was never analyzed.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection, Executor};
use tracedeck_tests::scale::push_iso;
use tracedeck_tests::scale::shape::{Batch, Generator, SPAN_KIND};

use super::{Counts, Loaded, Producer, Progress, SPAN_COLUMNS, SPANS, TRACE_COLUMNS, TRACES, Target, phase};

const BATCH_SPANS: usize = 120_000;

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn table(t: &Target, name: &str) -> String {
    format!("{}.{}", quote(t.schema()), quote(name))
}

async fn connect(url: &str) -> anyhow::Result<PgConnection> {
    let opts = PgConnectOptions::from_str(url)?;
    PgConnection::connect_with(&opts).await.context("connect to PostgreSQL")
}

/// Drops and re-creates the database (or, for the maintenance database `postgres`, the schema).
pub async fn reset(t: &Target) -> anyhow::Result<()> {
    let mut server = t.server_url()?;
    let db = t.pg_database();
    if db.is_empty() || db == "postgres" {
        let mut c = connect(server.as_str()).await?;
        c.execute(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {} CASCADE", quote(t.schema())))).await?;
        return Ok(());
    }
    server.set_path("/postgres");
    let mut c = connect(server.as_str()).await?;
    c.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote(&db)))).await?;
    c.execute(AssertSqlSafe(format!("CREATE DATABASE {}", quote(&db)))).await?;
    Ok(())
}

/// Appends `s` as a COPY text field.
fn field(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => field(out, s),
        None => out.push_str("\\N"),
    }
}

/// COPY text for both tables, made on the producer thread.
fn encode(batch: Batch) -> (String, String) {
    use std::fmt::Write;
    let mut traces = String::with_capacity(batch.traces.len() * 320);
    for r in &batch.traces {
        for s in [&r.trace_id, &r.name, r.status] {
            field(&mut traces, s);
            traces.push('\t');
        }
        push_iso(&mut traces, r.start_us);
        traces.push('\t');
        push_iso(&mut traces, r.end_us);
        let _ = write!(traces, "\t{}\t", r.duration_ms_rounded());
        for s in [&r.run_id, &r.session_id, &r.user_id] {
            field(&mut traces, s);
            traces.push('\t');
        }
        opt(&mut traces, r.agent_id.as_deref());
        traces.push('\t');
        opt(&mut traces, r.team_id.as_deref());
        traces.push_str("\t\\N\t");
        push_iso(&mut traces, r.created_us);
        traces.push('\n');
    }
    let mut spans = String::with_capacity(batch.spans.len() * 1400);
    for r in &batch.spans {
        for s in [&r.span_id, &r.trace_id] {
            field(&mut spans, s);
            spans.push('\t');
        }
        opt(&mut spans, r.parent_span_id.as_deref());
        spans.push('\t');
        field(&mut spans, &r.name);
        let _ = write!(spans, "\t{SPAN_KIND}\t{}\t", r.status_code);
        opt(&mut spans, r.status_message);
        spans.push('\t');
        push_iso(&mut spans, r.start_us);
        spans.push('\t');
        push_iso(&mut spans, r.end_us);
        let _ = write!(spans, "\t{}\t", r.duration_ms);
        field(&mut spans, &r.attributes);
        spans.push('\t');
        push_iso(&mut spans, r.created_us);
        spans.push('\n');
    }
    (traces, spans)
}

async fn copy(conn: &mut PgConnection, table: &str, columns: &str, data: &str) -> anyhow::Result<()> {
    let mut copy = conn.copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN WITH (FREEZE)")).await?;
    if let Err(e) = copy.send(data.as_bytes()).await {
        let _ = copy.abort("send failed").await;
        return Err(e.into());
    }
    copy.finish().await?;
    Ok(())
}

/// `pg_class` planner figures of the two tables and their indexes, by qualified name.
async fn planner_figures(conn: &mut PgConnection, t: &Target) -> anyhow::Result<Vec<(String, i32, f32, i32)>> {
    let sql = "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relpages, c.reltuples, c.relallvisible \
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
               WHERE n.nspname = $1 AND (c.relname = ANY($2) OR c.oid IN \
                 (SELECT indexrelid FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid \
                  WHERE r.relnamespace = n.oid AND r.relname = ANY($2)))";
    let tables = vec![TRACES.to_owned(), SPANS.to_owned()];
    Ok(sqlx::query_as(sql).bind(t.schema()).bind(&tables).fetch_all(conn).await?)
}

pub async fn load(t: &Target, generator: Generator) -> anyhow::Result<Loaded> {
    let mut phases = BTreeMap::new();
    let total_traces = generator.params().traces;
    let mut conn = connect(t.cfg.driver_url()).await?;
    let (traces, spans) = (table(t, TRACES), table(t, SPANS));

    let (figures, indexes) = phase(&mut phases, "postgres", "prepare", async {
        for tbl in [&traces, &spans] {
            conn.execute(AssertSqlSafe(format!("ALTER TABLE {tbl} SET (autovacuum_enabled = false)"))).await?;
        }
        let figures = planner_figures(&mut conn, t).await?;
        // Secondary indexes only: the primary keys stay (the foreign key needs agno_traces').
        let indexes: Vec<(String, String)> = sqlx::query_as(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(indexname), indexdef FROM pg_indexes x \
             WHERE schemaname = $1 AND tablename = ANY($2) AND NOT EXISTS \
               (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(x.schemaname) || '.' || quote_ident(x.indexname))::regclass) \
             ORDER BY tablename, indexname",
        )
        .bind(t.schema())
        .bind(vec![TRACES.to_owned(), SPANS.to_owned()])
        .fetch_all(&mut conn)
        .await?;
        for (name, _) in &indexes {
            conn.execute(AssertSqlSafe(format!("DROP INDEX {name}"))).await?;
        }
        Ok((figures, indexes))
    })
    .await?;

    conn.execute("BEGIN").await?;
    conn.execute(AssertSqlSafe(format!("TRUNCATE {spans}, {traces}"))).await?;
    // Rows are consistent by construction; the foreign key's per-row trigger would also lock
    // (and so dirty) every referenced trace row.
    conn.execute("SET LOCAL session_replication_role = replica").await?;
    let mut producer = Producer::start(generator, BATCH_SPANS, encode);
    let mut progress = Progress::new("postgres", total_traces);
    while let Some(item) = producer.rx.recv().await {
        let (trace_rows, span_rows) = &item.data;
        copy(&mut conn, &traces, TRACE_COLUMNS, trace_rows).await?;
        copy(&mut conn, &spans, SPAN_COLUMNS, span_rows).await?;
        progress.add(item.traces, item.spans);
    }
    let summary = producer.finish()?;
    conn.execute("COMMIT").await?;
    phases.insert("load".to_owned(), (progress.seconds() * 10.0).round() / 10.0);

    phase(&mut phases, "postgres", "indexes", async {
        conn.execute("SET maintenance_work_mem = '1GB'").await?;
        for (_, def) in &indexes {
            conn.execute(AssertSqlSafe(def.clone())).await?;
        }
        Ok(())
    })
    .await?;

    phase(&mut phases, "postgres", "finish (planner figures + checkpoint)", async {
        for (name, pages, tuples, visible) in &figures {
            sqlx::query(
                "UPDATE pg_class SET relpages = $1, reltuples = $2, relallvisible = $3 WHERE oid = $4::regclass",
            )
            .bind(pages)
            .bind(tuples)
            .bind(visible)
            .bind(name)
            .execute(&mut conn)
            .await
            .context("reset pg_class figures (needs a superuser)")?;
        }
        // Flushed now rather than in the middle of a benchmark.
        conn.execute("CHECKPOINT").await?;
        Ok(())
    })
    .await?;
    conn.close().await?;
    Ok(Loaded { summary, phases })
}

pub async fn sizes(t: &Target) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut conn = connect(t.cfg.driver_url()).await?;
    let mut out = BTreeMap::new();
    for name in [TRACES, SPANS] {
        let n: i64 = sqlx::query_scalar("SELECT pg_total_relation_size($1::regclass)")
            .bind(table(t, name))
            .fetch_one(&mut conn)
            .await?;
        out.insert(name.to_owned(), n as u64);
    }
    let db: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(&mut conn).await?;
    out.insert("database".to_owned(), db as u64);
    conn.close().await?;
    Ok(out)
}

pub async fn counts(t: &Target, big_trace_id: &str) -> anyhow::Result<Counts> {
    let mut conn = connect(t.cfg.driver_url()).await?;
    let (traces, spans) = (table(t, TRACES), table(t, SPANS));
    let mut n = async |sql: String, bind: Option<&str>| -> anyhow::Result<u64> {
        let q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
        let q = match bind {
            Some(b) => q.bind(b.to_owned()),
            None => q,
        };
        Ok(q.fetch_one(&mut conn).await? as u64)
    };
    let counts = Counts {
        traces: n(format!("SELECT COUNT(*) FROM {traces}"), None).await?,
        spans: n(format!("SELECT COUNT(*) FROM {spans}"), None).await?,
        error_traces: n(format!("SELECT COUNT(*) FROM {traces} WHERE status = 'ERROR'"), None).await?,
        big_trace_spans: n(format!("SELECT COUNT(*) FROM {spans} WHERE trace_id = $1"), Some(big_trace_id)).await?,
    };
    conn.close().await?;
    Ok(counts)
}
