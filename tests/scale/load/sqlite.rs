//! SQLite bulk load into the file Agno made: one connection with the journal and syncs off
//! and a large page cache while loading, prepared multi-row INSERTs in one transaction, then
//! back to WAL (Agno's files are WAL) with a checkpoint. The indexes Agno made stay in place
//! the whole time: dropping and re-creating them would reorder `sqlite_master`, and `.schema`
//! must stay exactly what Agno wrote.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use anyhow::Context;
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Arguments, AssertSqlSafe, Connection, Executor, SqliteConnection};
use tracedeck_tests::scale::iso;
use tracedeck_tests::scale::shape::{Batch, Generator, SPAN_KIND};

use super::{Counts, Loaded, Producer, Progress, SPAN_COLUMNS, SPANS, TRACE_COLUMNS, TRACES, multi_insert, phase};

/// Rows per INSERT: 1,000 x 14 parameters stays under SQLite's 32,766 variables.
const ROWS: usize = 1000;
/// Spans per producer batch.
const BATCH_SPANS: usize = 60_000;

pub fn reset(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", path.display());
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e).context(format!("remove {p}")),
            _ => {}
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    }
    Ok(())
}

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new().filename(path).create_if_missing(false)
}

/// One statement's worth of rows, bound on the producer thread.
enum Stmt {
    Traces(usize, SqliteArguments),
    Spans(usize, SqliteArguments),
}

fn encode(batch: Batch) -> anyhow::Result<Vec<Stmt>> {
    let mut out = Vec::new();
    let mut traces = batch.traces.into_iter().peekable();
    while traces.peek().is_some() {
        let mut args = SqliteArguments::default();
        let mut n = 0;
        for t in traces.by_ref().take(ROWS) {
            let (start, end) = (iso(t.start_us), iso(t.end_us));
            add(&mut args, t.trace_id)?;
            add(&mut args, t.name)?;
            add(&mut args, t.status)?;
            add(&mut args, start.clone())?;
            add(&mut args, end.clone())?;
            // duration_ms: bound twice more for Agno's julianday expression (see TRACE_ROW).
            add(&mut args, end)?;
            add(&mut args, start)?;
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
        let mut args = SqliteArguments::default();
        let mut n = 0;
        for s in spans.by_ref().take(ROWS) {
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

fn add<'q, T: sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>>(
    args: &mut SqliteArguments,
    v: T,
) -> anyhow::Result<()> {
    args.add(v).map_err(|e| anyhow::anyhow!("bind: {e}"))
}

/// Agno's upsert leaves `duration_ms` as `(julianday(max end) - julianday(min start)) * 86400000`,
/// a REAL with julianday's rounding; SQLite computes the very same expression here.
const TRACE_ROW: &str = "(?,?,?,?,?,(julianday(?) - julianday(?)) * 86400000,?,?,?,?,?,NULL,?)";
const SPAN_ROW: &str = "(?,?,?,?,?,?,?,?,?,?,?,?)";

pub async fn load(path: &Path, generator: Generator) -> anyhow::Result<Loaded> {
    let mut phases = BTreeMap::new();
    let total_traces = generator.params().traces;
    let opts = options(path)
        .journal_mode(SqliteJournalMode::Off)
        .synchronous(SqliteSynchronous::Off)
        // Rows are consistent by construction; checking each span's trace costs a lookup.
        .foreign_keys(false)
        // 4 GiB: the five span indexes (two on random ids) stay in memory for 6M rows.
        .pragma("cache_size", "-4194304")
        .pragma("temp_store", "MEMORY");
    let mut conn = SqliteConnection::connect_with(&opts).await.context("open the SQLite file")?;

    let mut producer = Producer::start(generator, BATCH_SPANS, encode);
    let mut progress = Progress::new("sqlite", total_traces);
    let mut sql_cache: BTreeMap<(bool, usize), String> = BTreeMap::new();
    // One transaction for the whole load: a commit writes every dirty page, and the three
    // indexes on random ids dirty most of their pages in any 60k-span batch, so committing
    // per batch rewrote them over and over (the load slowed down as they grew).
    conn.execute("BEGIN").await?;
    while let Some(item) = producer.rx.recv().await {
        for stmt in item.data? {
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
        progress.add(item.traces, item.spans);
    }
    conn.execute("COMMIT").await?;
    let summary = producer.finish()?;
    phases.insert("load".to_owned(), (progress.seconds() * 10.0).round() / 10.0);

    phase(&mut phases, "sqlite", "finish (WAL + checkpoint)", async {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode=WAL").fetch_one(&mut conn).await?;
        anyhow::ensure!(mode.eq_ignore_ascii_case("wal"), "journal_mode is {mode}, not wal");
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
        conn.close().await?;
        Ok(())
    })
    .await?;
    Ok(Loaded { summary, phases })
}

pub fn sizes(path: &Path) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for suffix in ["", "-wal"] {
        let p = format!("{}{suffix}", path.display());
        if let Ok(m) = std::fs::metadata(&p) {
            let name = Path::new(&p).file_name().unwrap_or_default().to_string_lossy().into_owned();
            out.insert(name, m.len());
        }
    }
    Ok(out)
}

pub async fn counts(path: &Path, big_trace_id: &str) -> anyhow::Result<Counts> {
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut conn = SqliteConnection::connect_with(&SqliteConnectOptions::from_str(&url)?).await?;
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
