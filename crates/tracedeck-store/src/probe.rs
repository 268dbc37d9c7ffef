//! "Is this session really read-only?" — asked of the database itself, for the connection
//! test in the connections manager. Each backend reports its session setting and then tries
//! a write that must be refused (and would change nothing if it were not).

use serde::Serialize;
use sqlx::AssertSqlSafe;

use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadOnlyProbe {
    /// The database refused the probe write.
    pub refused: bool,
    /// What the database said, for people.
    pub detail: String,
}

fn outcome(setting: String, write: std::result::Result<(), sqlx::Error>) -> ReadOnlyProbe {
    match write {
        Err(e) => ReadOnlyProbe { refused: true, detail: format!("{setting}; a probe write was refused: {e}") },
        Ok(()) => ReadOnlyProbe {
            refused: false,
            detail: format!("{setting}; a probe write was ACCEPTED: this session can write"),
        },
    }
}

/// Appended when the login could leave a read-only session on its own (a superuser, or MySQL
/// privileges such as FILE or SUPER): the database's read-only mode is not a boundary for it.
const PRIVILEGED: &str = "; WARNING: this login is privileged (superuser, or FILE/SUPER/ALL PRIVILEGES) and could \
     step outside a read-only session: for production use a role that can only SELECT";

/// Whether one `SHOW GRANTS` line gives more than reading (global admin privileges).
fn mysql_grant_is_privileged(grant: &str) -> bool {
    let g = grant.to_ascii_uppercase();
    let Some(privs) = g.strip_prefix("GRANT ").and_then(|r| r.split(" ON ").next()) else {
        return false;
    };
    privs.split(',').map(str::trim).any(|p| {
        matches!(p, "ALL PRIVILEGES" | "ALL" | "SUPER" | "FILE" | "PROCESS" | "SHUTDOWN" | "RELOAD")
            || p.starts_with("SUPER")
    })
}

impl Store {
    pub async fn probe_read_only(&self) -> Result<ReadOnlyProbe> {
        match self {
            Store::Sqlite(s) => {
                let pool = s.read_pool();
                let q: i64 = sqlx::query_scalar("PRAGMA query_only")
                    .fetch_one(pool)
                    .await
                    .map_err(StoreError::query("read query_only"))?;
                let write = sqlx::query("CREATE TEMP TABLE tracedeck_probe (x)").execute(pool).await.map(|_| ());
                if write.is_ok() {
                    let _ = sqlx::query("DROP TABLE temp.tracedeck_probe").execute(pool).await;
                }
                Ok(outcome(format!("PRAGMA query_only = {q}"), write))
            }
            Store::Postgres(s) => {
                let pool = s.pool();
                let on: String = sqlx::query_scalar("SHOW transaction_read_only")
                    .fetch_one(pool)
                    .await
                    .map_err(StoreError::query("read transaction_read_only"))?;
                let mut tx = pool.begin().await.map_err(StoreError::query("begin a probe"))?;
                let write =
                    sqlx::query("CREATE TEMP TABLE tracedeck_probe (x int)").execute(&mut *tx).await.map(|_| ());
                let _ = tx.rollback().await;
                let mut probe = outcome(format!("transaction_read_only = {on}"), write);
                let superuser: Option<String> = sqlx::query_scalar("SELECT current_setting('is_superuser')")
                    .fetch_optional(pool)
                    .await
                    .unwrap_or(None);
                if superuser.as_deref() == Some("on") {
                    probe.detail.push_str(PRIVILEGED);
                }
                Ok(probe)
            }
            Store::MySql(s) => {
                let pool = s.pool();
                let mut conn = pool.acquire().await.map_err(StoreError::query("acquire a probe connection"))?;
                let flag = crate::mysql::session_read_only(&mut conn)
                    .await
                    .map_err(StoreError::query("read transaction_read_only"))?;
                drop(conn);
                let traces = s.traces_table_sql();
                // Inserts nothing even when allowed; a read-only session refuses it outright.
                let write =
                    sqlx::query(AssertSqlSafe(format!("INSERT INTO {traces} SELECT * FROM {traces} WHERE 1 = 0")))
                        .execute(pool)
                        .await
                        .map(|_| ());
                let mut probe = outcome(format!("transaction_read_only = {flag}"), write);
                let grants: Vec<String> =
                    sqlx::query_scalar("SHOW GRANTS FOR CURRENT_USER()").fetch_all(pool).await.unwrap_or_default();
                if grants.iter().any(|g| mysql_grant_is_privileged(g)) {
                    probe.detail.push_str(PRIVILEGED);
                }
                Ok(probe)
            }
        }
    }
}

/// Schemas (PostgreSQL) or databases (MySQL) that hold a table named like the configured
/// traces table — to suggest where the Agno tables are when the configured schema has none.
pub async fn find_agno_schemas(cfg: &crate::StoreConfig) -> Result<Vec<String>> {
    use sqlx::Connection;
    let target = || cfg.redacted();
    match cfg.backend {
        crate::Backend::Sqlite => Ok(Vec::new()),
        crate::Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(cfg.driver_url())
                .await
                .map_err(|source| StoreError::Connect { target: target(), source })?;
            sqlx::query_scalar(
                "SELECT table_schema::text FROM information_schema.tables WHERE table_name = $1 ORDER BY 1",
            )
            .bind(&cfg.traces_table)
            .fetch_all(&mut c)
            .await
            .map_err(StoreError::query("look for Agno tables"))
        }
        crate::Backend::MySql => {
            let mut c = sqlx::MySqlConnection::connect(cfg.driver_url())
                .await
                .map_err(|source| StoreError::Connect { target: target(), source })?;
            sqlx::query_scalar(
                "SELECT CAST(table_schema AS CHAR) FROM information_schema.tables WHERE table_name = ? ORDER BY 1",
            )
            .bind(&cfg.traces_table)
            .fetch_all(&mut c)
            .await
            .map_err(StoreError::query("look for Agno tables"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mysql_grant_is_privileged as privileged;

    #[test]
    fn mysql_grants() {
        assert!(privileged("GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"));
        assert!(privileged("GRANT SELECT, FILE ON *.* TO `u`@`%`"));
        assert!(!privileged("GRANT SELECT ON `ai`.* TO `tracedeck_ro`@`%`"));
        assert!(!privileged("GRANT USAGE ON *.* TO `tracedeck_ro`@`%` IDENTIFIED BY PASSWORD '*X'"));
        assert!(!privileged("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION"));
    }
}
