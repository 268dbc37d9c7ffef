//! Shared pieces of the console tests: a seeded database per backend (Agno tables with agent
//! traces, written through the store), a read-only store on it, admin connections for
//! checking from outside, and an exact dump of the trace tables and schema to prove that
//! nothing changed.

#![allow(dead_code)]

use std::time::Duration;

use sqlx::{AssertSqlSafe, Connection, MySqlConnection, PgConnection, Row};
use tracedeck_store::{Backend, ConsoleError, ConsoleOptions, OpenOptions, Query, Store};
use tracedeck_tests::backends::{TestDb, mysql_url, pg_url};
use tracedeck_tests::generate::Generator;

pub const T0: i64 = 1_790_000_000_000_000_000;

pub struct Seeded {
    pub db: TestDb,
    pub rw: Store,
    pub ro: Store,
}

impl Seeded {
    /// Agno tables with 20 agent traces (120 spans); `None` when the server is down locally.
    pub async fn new(backend: Backend) -> Option<Seeded> {
        let db = TestDb::new(backend).await?;
        let rw = Store::open(&db.cfg, OpenOptions::default()).await.expect("open");
        let rows = Generator::new(3).agent_traces(20, T0, 1_000_000_000);
        rw.write_batch(&rows).await.expect("seed");
        let ro = Store::open(&db.read_only(), OpenOptions::default()).await.expect("open read-only");
        Some(Seeded { db, rw, ro })
    }

    pub fn schema(&self) -> &str {
        &self.db.name
    }

    /// `schema.table` as the backend quotes it (SQLite: the bare table).
    pub fn table(&self, t: &str) -> String {
        match self.db.cfg.backend {
            Backend::Sqlite => t.to_owned(),
            Backend::Postgres => format!("\"{}\".{t}", self.db.name),
            Backend::MySql => format!("`{}`.{t}", self.db.name),
        }
    }

    pub async fn cleanup(self) {
        self.rw.close().await;
        self.ro.close().await;
        self.db.cleanup().await;
    }
}

pub fn opts(timeout: Duration) -> ConsoleOptions {
    ConsoleOptions { timeout, read_only: true }
}

/// Runs a statement to its end; the rows as JSON cells.
pub async fn run_all(store: &Store, sql: &str, timeout: Duration) -> Result<Vec<Vec<serde_json::Value>>, ConsoleError> {
    let mut q = store.console_query(sql, opts(timeout)).await?;
    drain(&mut q).await
}

pub async fn drain(q: &mut Query) -> Result<Vec<Vec<serde_json::Value>>, ConsoleError> {
    let mut rows = Vec::new();
    loop {
        let p = q.next_page(1000).await?;
        rows.extend(p.rows);
        if p.done {
            return Ok(rows);
        }
    }
}

pub async fn pg_admin() -> PgConnection {
    PgConnection::connect(&pg_url()).await.expect("pg admin")
}

pub async fn mysql_admin() -> MySqlConnection {
    MySqlConnection::connect(&mysql_url()).await.expect("mysql admin")
}

/// Every row of the trace tables (ordered), the table definitions and the list of objects,
/// read from outside the console; for SQLite also the bytes of the database and WAL files.
pub async fn dump(s: &Seeded) -> Vec<String> {
    let mut out = Vec::new();
    let tables = ["agno_traces", "agno_spans", "agno_schema_versions"];
    match s.db.cfg.backend {
        Backend::Sqlite => {
            let path = s.db.cfg.sqlite_path.clone().unwrap();
            for suffix in ["", "-wal"] {
                let p = format!("{}{suffix}", path.display());
                out.push(format!("{p}: {:?}", std::fs::read(&p).ok().map(|b| fnv(&b))));
            }
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display())).await.unwrap();
            for t in tables {
                for row in sqlx::raw_sql(AssertSqlSafe(format!("SELECT * FROM {t} ORDER BY 1")))
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
                {
                    out.push(text_row(&row));
                }
            }
            let schema =
                sqlx::raw_sql("SELECT type, name, sql FROM sqlite_schema ORDER BY 2").fetch_all(&mut c).await.unwrap();
            out.extend(schema.iter().map(text_row));
        }
        Backend::Postgres => {
            let mut c = pg_admin().await;
            for t in tables {
                let q = format!("SELECT x::text FROM \"{}\".{t} x ORDER BY 1", s.schema());
                out.extend(sqlx::query_scalar::<_, String>(AssertSqlSafe(q)).fetch_all(&mut c).await.unwrap());
            }
            let objects: Vec<String> = sqlx::query_scalar(
                "SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || coalesce(pg_get_indexdef(c.oid), '') \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' \
                   AND n.nspname NOT LIKE 'pg_toast_temp%' AND (n.nspname = $1 OR n.nspname NOT LIKE 'td\\_%') ORDER BY 1",
            )
            .bind(s.schema())
            .fetch_all(&mut c)
            .await
            .unwrap();
            out.extend(objects);
            let columns: Vec<String> = sqlx::query_scalar(
                "SELECT table_name || '.' || column_name || ':' || data_type FROM information_schema.columns \
                 WHERE table_schema = $1 ORDER BY 1",
            )
            .bind(s.schema())
            .fetch_all(&mut c)
            .await
            .unwrap();
            out.extend(columns);
            let globals: (i64, i64, i64) = sqlx::query_as(
                "SELECT (SELECT count(*) FROM pg_largeobject_metadata), (SELECT count(*) FROM pg_prepared_xacts), \
                        (SELECT count(*) FROM pg_roles)",
            )
            .fetch_one(&mut c)
            .await
            .unwrap();
            out.push(format!("{globals:?}"));
        }
        Backend::MySql => {
            let mut c = mysql_admin().await;
            for t in tables {
                let q = format!("SELECT * FROM `{}`.{t} ORDER BY 1", s.schema());
                out.extend(sqlx::raw_sql(AssertSqlSafe(q)).fetch_all(&mut c).await.unwrap().iter().map(text_row));
                let create = format!("SHOW CREATE TABLE `{}`.{t}", s.schema());
                out.extend(sqlx::raw_sql(AssertSqlSafe(create)).fetch_all(&mut c).await.unwrap().iter().map(text_row));
            }
            let objects = sqlx::raw_sql(AssertSqlSafe(format!(
                "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = '{}' ORDER BY 1",
                s.schema()
            )))
            .fetch_all(&mut c)
            .await
            .unwrap();
            out.extend(objects.iter().map(text_row));
            let users = sqlx::raw_sql("SELECT COUNT(*) FROM mysql.user").fetch_all(&mut c).await.unwrap();
            out.extend(users.iter().map(text_row));
        }
    }
    out
}

/// A text-protocol row as `a|b|NULL`.
fn text_row<R: Row>(row: &R) -> String
where
    for<'r> Option<String>: sqlx::Decode<'r, R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    (0..row.len())
        .map(|i| row.try_get_unchecked::<Option<String>, _>(i).ok().flatten().unwrap_or_else(|| "NULL".into()))
        .collect::<Vec<_>>()
        .join("|")
}

/// FNV-1a, enough to tell two files apart.
pub fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| (h ^ u64::from(x)).wrapping_mul(0x100_0000_01b3))
}
