//! Real backends for tests: an SQLite file in a temp dir, a fresh schema on the PostgreSQL
//! server (127.0.0.1:5432, user postgres) and a fresh database on MariaDB/MySQL
//! (127.0.0.1:3306, root). Each test gets its own namespace and drops it afterwards. When a
//! server is unreachable the test is skipped locally but fails under `CI=true`.

use rand::Rng;
use sqlx::Connection;
use tracedeck_store::{Backend, StoreConfig};

pub fn pg_url() -> String {
    std::env::var("TRACEDECK_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn mysql_url() -> String {
    std::env::var("TRACEDECK_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/".into())
}

/// A database namespace owned by one test.
pub struct TestDb {
    pub cfg: StoreConfig,
    pub name: String,
    _dir: Option<tempfile::TempDir>,
    cleaned: bool,
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{:08x}", rand::rng().random::<u32>())
}

async fn reachable(backend: Backend) -> Result<(), String> {
    let r = match backend {
        Backend::Sqlite => return Ok(()),
        Backend::Postgres => sqlx::PgConnection::connect(&pg_url()).await.map(|_| ()),
        Backend::MySql => sqlx::MySqlConnection::connect(&mysql_url()).await.map(|_| ()),
    };
    r.map_err(|e| e.to_string())
}

impl TestDb {
    /// `None` when the server is down and we are not in CI (the caller returns early).
    pub async fn new(backend: Backend) -> Option<TestDb> {
        if let Err(e) = reachable(backend).await {
            if crate::in_ci() {
                panic!("{backend} test server unreachable under CI=true: {e}");
            }
            eprintln!("SKIP: {backend} server unreachable ({e}); set CI=true to make this a failure");
            return None;
        }
        Some(match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let path = dir.path().join("traces.db");
                TestDb {
                    cfg: StoreConfig::sqlite(&path),
                    name: path.display().to_string(),
                    _dir: Some(dir),
                    cleaned: false,
                }
            }
            Backend::Postgres => {
                let name = unique("td_test");
                let cfg = StoreConfig::parse(&format!("{}?schema={name}", pg_url())).expect("pg url");
                TestDb { cfg, name, _dir: None, cleaned: false }
            }
            Backend::MySql => {
                let name = unique("td_test");
                let sep = if mysql_url().contains('?') { '&' } else { '?' };
                let cfg = StoreConfig::parse(&format!("{}{sep}schema={name}", mysql_url())).expect("mysql url");
                TestDb { cfg, name, _dir: None, cleaned: false }
            }
        })
    }

    /// Same database, read-only.
    pub fn read_only(&self) -> StoreConfig {
        self.cfg.clone().with_read_only(true)
    }

    /// Drops the schema / database (the SQLite temp dir goes with `self`).
    pub async fn cleanup(mut self) {
        self.cleaned = true;
        drop_namespace(self.cfg.backend, &self.name).await;
    }
}

/// A test that panics before `cleanup` still leaves no schema behind.
impl Drop for TestDb {
    fn drop(&mut self) {
        if self.cleaned || self.cfg.backend == Backend::Sqlite {
            return;
        }
        let (backend, name) = (self.cfg.backend, self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                rt.block_on(drop_namespace(backend, &name));
            }
        })
        .join();
    }
}

async fn drop_namespace(backend: Backend, name: &str) {
    match backend {
        Backend::Sqlite => {}
        Backend::Postgres => {
            let Ok(mut c) = sqlx::PgConnection::connect(&pg_url()).await else { return };
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")))
                .execute(&mut c)
                .await
                .ok();
        }
        Backend::MySql => {
            let Ok(mut c) = sqlx::MySqlConnection::connect(&mysql_url()).await else { return };
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`"))).execute(&mut c).await.ok();
        }
    }
}
