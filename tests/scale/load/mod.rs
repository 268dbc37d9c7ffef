//! The build target and the machinery the three loaders share: the URL (parsed with the
//! store's own `StoreConfig`, so `?schema=` means what it means everywhere else), emptying the
//! target, the producer thread that generates and encodes rows while the database writes, and
//! progress lines. The per-backend bulk loads live in `sqlite`, `postgres` and `mysql`; the
//! schema is always made by Agno (`agno`).

pub mod agno;
mod mysql;
mod postgres;
mod sqlite;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use tracedeck_store::{Backend, StoreConfig};
use tracedeck_tests::scale::shape::{Batch, Generator, Summary};
use tracedeck_tests::thousands;

pub const TRACES: &str = "agno_traces";
pub const SPANS: &str = "agno_spans";
pub const TRACE_COLUMNS: &str = "trace_id, name, status, start_time, end_time, duration_ms, run_id, session_id, user_id, agent_id, team_id, workflow_id, created_at";
pub const SPAN_COLUMNS: &str = "span_id, trace_id, parent_span_id, name, span_kind, status_code, status_message, start_time, end_time, duration_ms, attributes, created_at";

/// Where the database goes.
#[derive(Debug)]
pub struct Target {
    pub cfg: StoreConfig,
}

/// What a load did, besides the rows.
#[derive(Debug, Default)]
pub struct Loaded {
    pub summary: Summary,
    /// Seconds per phase after the schema: prepare, load, indexes, finish.
    pub phases: BTreeMap<String, f64>,
}

/// Row counts read back from a built database.
#[derive(Debug, PartialEq, Eq)]
pub struct Counts {
    pub traces: u64,
    pub spans: u64,
    pub error_traces: u64,
    pub big_trace_spans: u64,
}

impl Target {
    pub fn parse(url: &str) -> anyhow::Result<Target> {
        let cfg = StoreConfig::parse(url).map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
        if cfg.backend == Backend::Sqlite && !cfg.sqlite_path.as_ref().is_some_and(|p| p.is_absolute()) {
            bail!("use an absolute SQLite path (sqlite:///abs/file.db): the Agno script runs elsewhere");
        }
        Ok(Target { cfg })
    }

    pub fn backend(&self) -> Backend {
        self.cfg.backend
    }

    pub fn schema(&self) -> &str {
        self.cfg.schema.as_deref().unwrap_or(tracedeck_store::config::DEFAULT_SCHEMA)
    }

    pub fn sqlite_path(&self) -> &Path {
        self.cfg.sqlite_path.as_deref().expect("an SQLite target has a path")
    }

    /// The URL as given, without a password (for the meta file and logs).
    pub fn display_url(&self) -> String {
        match self.backend() {
            Backend::Sqlite => format!("sqlite://{}", self.sqlite_path().display()),
            _ => {
                let url = self.cfg.redacted();
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}schema={}", self.schema())
            }
        }
    }

    /// `<file>.meta.json` for SQLite; under the bench-data cache for the servers.
    pub fn default_meta(&self) -> PathBuf {
        match self.backend() {
            Backend::Sqlite => {
                let p = self.sqlite_path();
                p.with_file_name(format!("{}.meta.json", p.file_name().unwrap_or_default().to_string_lossy()))
            }
            Backend::Postgres => {
                cache_dir().join(format!("postgres-{}-{}.meta.json", self.pg_database(), self.schema()))
            }
            Backend::MySql => cache_dir().join(format!("mysql-{}.meta.json", self.schema())),
        }
    }

    fn server_url(&self) -> anyhow::Result<url::Url> {
        url::Url::parse(self.cfg.driver_url()).context("parse the server URL")
    }

    /// The PostgreSQL database named in the URL.
    fn pg_database(&self) -> String {
        self.server_url().ok().map(|u| u.path().trim_start_matches('/').to_owned()).unwrap_or_default()
    }

    /// The same server and database as a SQLAlchemy URL with the driver Agno's sync class uses.
    pub fn sqlalchemy_url(&self) -> anyhow::Result<String> {
        let u = self.server_url()?;
        let driver = match self.backend() {
            Backend::Postgres => "postgresql+psycopg",
            Backend::MySql => "mysql+pymysql",
            Backend::Sqlite => bail!("SQLite has no server URL"),
        };
        let auth = match u.password() {
            Some(p) => format!("{}:{p}@", u.username()),
            None if u.username().is_empty() => String::new(),
            None => format!("{}@", u.username()),
        };
        let host = u.host_str().unwrap_or("127.0.0.1");
        let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
        let path = if self.backend() == Backend::Postgres { u.path() } else { "/" };
        Ok(format!("{driver}://{auth}{host}{port}{path}"))
    }

    /// Removes whatever a previous build left: the SQLite file and its -wal/-shm, the
    /// PostgreSQL database (or schema), the MySQL database.
    pub async fn reset(&self) -> anyhow::Result<()> {
        match self.backend() {
            Backend::Sqlite => sqlite::reset(self.sqlite_path()),
            Backend::Postgres => postgres::reset(self).await,
            Backend::MySql => mysql::reset(self).await,
        }
    }

    /// Bulk-loads every row of `generator` into the tables Agno made.
    pub async fn load(&self, generator: Generator) -> anyhow::Result<Loaded> {
        match self.backend() {
            Backend::Sqlite => sqlite::load(self.sqlite_path(), generator).await,
            Backend::Postgres => postgres::load(self, generator).await,
            Backend::MySql => mysql::load(self, generator).await,
        }
    }

    /// Bytes per table or file.
    pub async fn sizes(&self) -> anyhow::Result<BTreeMap<String, u64>> {
        match self.backend() {
            Backend::Sqlite => sqlite::sizes(self.sqlite_path()),
            Backend::Postgres => postgres::sizes(self).await,
            Backend::MySql => mysql::sizes(self).await,
        }
    }

    pub async fn counts(&self, big_trace_id: Option<&str>) -> anyhow::Result<Counts> {
        let big = big_trace_id.unwrap_or("");
        match self.backend() {
            Backend::Sqlite => sqlite::counts(self.sqlite_path(), big).await,
            Backend::Postgres => postgres::counts(self, big).await,
            Backend::MySql => mysql::counts(self, big).await,
        }
    }
}

/// `${CARGO_TARGET_DIR:-<workspace>/target}/bench-data`.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("target"))
        .join("bench-data")
}

/// The workspace root (the tests crate's parent), without `..` in printed paths.
pub fn workspace_dir() -> PathBuf {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    tests.parent().unwrap_or(tests).to_path_buf()
}

/// One encoded batch and the rows in it.
pub struct Item<T> {
    pub data: T,
    pub traces: usize,
    pub spans: usize,
}

/// Generates and encodes on its own thread (one core) while the database writes on the
/// other; the bounded channel keeps memory flat.
pub struct Producer<T> {
    pub rx: tokio::sync::mpsc::Receiver<Item<T>>,
    thread: std::thread::JoinHandle<Summary>,
}

impl<T: Send + 'static> Producer<T> {
    pub fn start(
        mut generator: Generator,
        min_spans: usize,
        mut encode: impl FnMut(Batch) -> T + Send + 'static,
    ) -> Producer<T> {
        let (tx, rx) = tokio::sync::mpsc::channel(3);
        let thread = std::thread::spawn(move || {
            while let Some(batch) = generator.next_batch(min_spans) {
                let (traces, spans) = (batch.traces.len(), batch.spans.len());
                if tx.blocking_send(Item { data: encode(batch), traces, spans }).is_err() {
                    break;
                }
            }
            generator.into_summary()
        });
        Producer { rx, thread }
    }

    /// The generator's summary once every batch was taken.
    pub fn finish(self) -> anyhow::Result<Summary> {
        drop(self.rx);
        self.thread.join().map_err(|_| anyhow::anyhow!("the row generator panicked"))
    }
}

/// Prints a line at every 10% of the traces written.
pub struct Progress {
    label: &'static str,
    total: u64,
    traces: u64,
    spans: u64,
    next_tenth: u64,
    started: Instant,
}

impl Progress {
    pub fn new(label: &'static str, total_traces: u64) -> Progress {
        Progress { label, total: total_traces.max(1), traces: 0, spans: 0, next_tenth: 1, started: Instant::now() }
    }

    pub fn add(&mut self, traces: usize, spans: usize) {
        self.traces += traces as u64;
        self.spans += spans as u64;
        let crossed = self.next_tenth;
        while self.next_tenth <= 10 && self.traces * 10 >= self.total * self.next_tenth {
            self.next_tenth += 1;
        }
        if self.next_tenth > crossed {
            let s = self.started.elapsed().as_secs_f64();
            println!(
                "{}: {:>3}%  {} traces, {} spans, {:.1} s ({} spans/s)",
                self.label,
                (self.next_tenth - 1) * 10,
                thousands(self.traces as f64),
                thousands(self.spans as f64),
                s,
                thousands(self.spans as f64 / s.max(1e-9))
            );
        }
    }

    pub fn seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// Runs `f`, prints how long it took and records it under `name`.
pub async fn phase<T>(
    phases: &mut BTreeMap<String, f64>,
    label: &str,
    name: &str,
    f: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let t = Instant::now();
    let out = f.await.with_context(|| format!("{label}: {name}"))?;
    let s = t.elapsed().as_secs_f64();
    println!("{label}: {name} {s:.1} s");
    phases.insert(name.to_owned(), (s * 10.0).round() / 10.0);
    Ok(out)
}

/// `INSERT INTO <table> (<cols>) VALUES <row>, <row>, ...` for `rows` rows.
pub fn multi_insert(table: &str, columns: &str, row: &str, rows: usize) -> String {
    let mut sql = String::with_capacity(64 + columns.len() + rows * (row.len() + 1));
    sql.push_str("INSERT INTO ");
    sql.push_str(table);
    sql.push_str(" (");
    sql.push_str(columns);
    sql.push_str(") VALUES ");
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(row);
    }
    sql
}
