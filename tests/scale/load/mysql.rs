//! MySQL/MariaDB bulk load into the database Agno made: prepared multi-row INSERTs sized
//! under `max_allowed_packet` and the 65,535-placeholder limit, with unique and foreign-key
//! checks off in the loading session. The secondary indexes are dropped during the load and
//! re-added afterwards (one sorted build per table) in the order `SHOW CREATE TABLE` listed
//! them, and the DDL is compared with Agno's afterwards, so the final tables are Agno's.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use anyhow::{Context, ensure};
use sqlx::mysql::{MySqlArguments, MySqlConnectOptions, MySqlConnection};
use sqlx::{Arguments, AssertSqlSafe, Connection, Executor};
use tracedeck_tests::scale::iso;
use tracedeck_tests::scale::shape::{Batch, Generator, SPAN_KIND};

use super::{
    Counts, Item, Loaded, Producer, Progress, SPAN_COLUMNS, SPANS, TRACE_COLUMNS, TRACES, Target, multi_insert, phase,
};

/// Rows per statement: 4,000 spans are about 5.6 MB (the packet limit here is 16 MB) and
/// 48,000 placeholders (the protocol allows 65,535).
const SPAN_ROWS: usize = 4000;
const TRACE_ROWS: usize = 5000;
const BATCH_SPANS: usize = 60_000;
const WRITERS: usize = 2;
const TRACE_ROW: &str = "(?,?,?,?,?,?,?,?,?,?,?,NULL,?)";
const SPAN_ROW: &str = "(?,?,?,?,?,?,?,?,?,?,?,?)";

fn quote(ident: &str) -> String {
    format!("`{}`", ident.replace('`', "``"))
}

async fn connect(t: &Target, database: bool) -> anyhow::Result<MySqlConnection> {
    let mut opts = MySqlConnectOptions::from_str(t.cfg.driver_url())?;
    if database {
        opts = opts.database(t.schema());
    }
    MySqlConnection::connect_with(&opts).await.context("connect to MySQL")
}

pub async fn reset(t: &Target) -> anyhow::Result<()> {
    let mut c = connect(t, false).await?;
    c.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {}", quote(t.schema())))).await?;
    Ok(())
}

enum Stmt {
    Traces(usize, MySqlArguments),
    Spans(usize, MySqlArguments),
}

fn add<'q, T: sqlx::Encode<'q, sqlx::MySql> + sqlx::Type<sqlx::MySql>>(
    args: &mut MySqlArguments,
    v: T,
) -> anyhow::Result<()> {
    args.add(v).map_err(|e| anyhow::anyhow!("bind: {e}"))
}

fn encode(batch: Batch) -> anyhow::Result<Vec<Stmt>> {
    let mut out = Vec::new();
    let mut traces = batch.traces.into_iter().peekable();
    while traces.peek().is_some() {
        let mut args = MySqlArguments::default();
        let mut n = 0;
        for t in traces.by_ref().take(TRACE_ROWS) {
            let duration = t.duration_ms_rounded();
            add(&mut args, t.trace_id)?;
            add(&mut args, t.name)?;
            add(&mut args, t.status)?;
            add(&mut args, iso(t.start_us))?;
            add(&mut args, iso(t.end_us))?;
            add(&mut args, duration)?;
            add(&mut args, t.run_id)?;
            add(&mut args, t.session_id)?;
            add(&mut args, t.user_id)?;
            add(&mut args, t.agent_id)?;
            add(&mut args, t.team_id)?;
            add(&mut args, iso(t.created_us))?;
            n += 1;
        }
        out.push(Stmt::Traces(n, args));
    }
    let mut spans = batch.spans.into_iter().peekable();
    while spans.peek().is_some() {
        let mut args = MySqlArguments::default();
        let mut n = 0;
        for s in spans.by_ref().take(SPAN_ROWS) {
            add(&mut args, s.span_id)?;
            add(&mut args, s.trace_id)?;
            add(&mut args, s.parent_span_id)?;
            add(&mut args, s.name)?;
            add(&mut args, SPAN_KIND)?;
            add(&mut args, s.status_code)?;
            add(&mut args, s.status_message)?;
            add(&mut args, iso(s.start_us))?;
            add(&mut args, iso(s.end_us))?;
            add(&mut args, s.duration_ms)?;
            add(&mut args, s.attributes)?;
            add(&mut args, iso(s.created_us))?;
            n += 1;
        }
        out.push(Stmt::Spans(n, args));
    }
    Ok(out)
}

async fn show_create(conn: &mut MySqlConnection, table: &str) -> anyhow::Result<String> {
    let (_, ddl): (String, String) =
        sqlx::query_as(AssertSqlSafe(format!("SHOW CREATE TABLE {}", quote(table)))).fetch_one(conn).await?;
    Ok(ddl)
}

/// The `KEY ...` lines of a `SHOW CREATE TABLE`, in order: (index name, definition).
fn secondary_keys(ddl: &str) -> Vec<(String, String)> {
    ddl.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("KEY `"))
        .map(|l| {
            let def = l.trim_end_matches(',').to_owned();
            let name = def["KEY `".len()..].split('`').next().unwrap_or_default().to_owned();
            (name, def)
        })
        .collect()
}

pub async fn load(t: &Target, generator: Generator) -> anyhow::Result<Loaded> {
    let mut phases = BTreeMap::new();
    let total_traces = generator.params().traces;
    let mut conn = connect(t, true).await?;
    conn.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0").await?;

    let (agno_ddl, keys) = phase(&mut phases, "mysql", "prepare", async {
        let mut ddl = Vec::new();
        let mut keys = Vec::new();
        for table in [TRACES, SPANS] {
            let d = show_create(&mut conn, table).await?;
            let k = secondary_keys(&d);
            if !k.is_empty() {
                let drops = k.iter().map(|(name, _)| format!("DROP INDEX {}", quote(name))).collect::<Vec<_>>();
                conn.execute(AssertSqlSafe(format!("ALTER TABLE {} {}", quote(table), drops.join(", ")))).await?;
            }
            ddl.push((table, d));
            keys.push((table, k));
        }
        Ok((ddl, keys))
    })
    .await?;

    let mut producer = Producer::start(generator, BATCH_SPANS, encode);
    let progress = Arc::new(Mutex::new(Progress::new("mysql", total_traces)));
    // One mysqld thread per connection is CPU-bound here, so two connections write batches
    // side by side. InnoDB keeps rows in primary-key order whatever the insert order, and the
    // foreign-key checks are off, so which batch lands first changes nothing in the result.
    let mut workers = Vec::new();
    for _ in 0..WRITERS {
        let mut c = connect(t, true).await?;
        c.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0").await?;
        let (tx, rx) = tokio::sync::mpsc::channel::<Item<Vec<Stmt>>>(1);
        workers.push((tx, tokio::spawn(write_batches(c, rx, progress.clone()))));
    }
    let mut next = 0;
    while let Some(item) = producer.rx.recv().await {
        let (tx, _) = &workers[next % WRITERS];
        next += 1;
        let item = Item { data: item.data?, traces: item.traces, spans: item.spans };
        if tx.send(item).await.is_err() {
            break; // that writer failed: its error is reported below
        }
    }
    for (tx, writer) in workers {
        drop(tx);
        writer.await.context("writer task")??;
    }
    let summary = producer.finish()?;
    let load_seconds = progress.lock().expect("progress lock").seconds();
    phases.insert("load".to_owned(), (load_seconds * 10.0).round() / 10.0);

    phase(&mut phases, "mysql", "indexes", async {
        for (table, k) in &keys {
            if !k.is_empty() {
                let adds = k.iter().map(|(_, def)| format!("ADD {def}")).collect::<Vec<_>>();
                conn.execute(AssertSqlSafe(format!("ALTER TABLE {} {}", quote(table), adds.join(", ")))).await?;
            }
        }
        for (table, before) in &agno_ddl {
            let after = show_create(&mut conn, table).await?;
            ensure!(&after == before, "{table} DDL differs from Agno's after the load:\n{before}\n---\n{after}");
        }
        Ok(())
    })
    .await?;
    conn.close().await?;
    Ok(Loaded { summary, phases })
}

/// One writer connection: each batch in its own transaction.
async fn write_batches(
    mut conn: MySqlConnection,
    mut rx: tokio::sync::mpsc::Receiver<Item<Vec<Stmt>>>,
    progress: Arc<Mutex<Progress>>,
) -> anyhow::Result<()> {
    let mut sql_cache: BTreeMap<(bool, usize), String> = BTreeMap::new();
    while let Some(item) = rx.recv().await {
        conn.execute("START TRANSACTION").await?;
        for stmt in item.data {
            let (is_trace, rows, args) = match stmt {
                Stmt::Traces(n, a) => (true, n, a),
                Stmt::Spans(n, a) => (false, n, a),
            };
            let sql = sql_cache.entry((is_trace, rows)).or_insert_with(|| {
                if is_trace {
                    multi_insert(TRACES, TRACE_COLUMNS, TRACE_ROW, rows)
                } else {
                    multi_insert(SPANS, SPAN_COLUMNS, SPAN_ROW, rows)
                }
            });
            sqlx::query_with(AssertSqlSafe(sql.clone()), args).execute(&mut conn).await?;
        }
        conn.execute("COMMIT").await?;
        progress.lock().expect("progress lock").add(item.traces, item.spans);
    }
    conn.close().await?;
    Ok(())
}

pub async fn sizes(t: &Target) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut conn = connect(t, false).await?;
    let rows: Vec<(String, u64)> = sqlx::query_as(
        "SELECT CAST(table_name AS CHAR), CAST(data_length + index_length AS UNSIGNED) FROM information_schema.tables \
         WHERE table_schema = ? AND table_name IN (?, ?)",
    )
    .bind(t.schema())
    .bind(TRACES)
    .bind(SPANS)
    .fetch_all(&mut conn)
    .await?;
    conn.close().await?;
    Ok(rows.into_iter().collect())
}

pub async fn counts(t: &Target, big_trace_id: &str) -> anyhow::Result<Counts> {
    let mut conn = connect(t, true).await?;
    let n = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    let counts = Counts {
        traces: n("SELECT COUNT(*) FROM agno_traces").fetch_one(&mut conn).await? as u64,
        spans: n("SELECT COUNT(*) FROM agno_spans").fetch_one(&mut conn).await? as u64,
        error_traces: n("SELECT COUNT(*) FROM agno_traces WHERE status = 'ERROR'").fetch_one(&mut conn).await? as u64,
        big_trace_spans: n("SELECT COUNT(*) FROM agno_spans WHERE trace_id = ?")
            .bind(big_trace_id)
            .fetch_one(&mut conn)
            .await? as u64,
    };
    conn.close().await?;
    Ok(counts)
}
