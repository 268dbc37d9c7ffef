//! Escape tests on a read-only connection, through the public console API, on real SQLite,
//! PostgreSQL and MariaDB with the worst-case logins (`postgres` superuser, `root`): every
//! statement that would write, act outside its transaction or hold locks must fail, and the
//! trace tables, the schema (and for SQLite the file bytes) must be unchanged afterwards.
//! What each database refuses without the statement screen is pinned separately in
//! `tracedeck-store`'s `console::tests::db_layer`.

mod console_support;

use std::time::Duration;

use console_support::{Seeded, dump, mysql_admin, opts, pg_admin, run_all};
use sqlx::Executor;
use tracedeck_store::{Backend, ConsoleError};

/// Runs each statement; returns the ones that did not fail.
async fn must_fail(s: &Seeded, statements: &[String]) -> Vec<String> {
    let mut escaped = Vec::new();
    for sql in statements {
        match run_all(&s.ro, sql, Duration::from_secs(10)).await {
            Ok(rows) => escaped.push(format!("{sql} -> {rows:?}")),
            Err(ConsoleError::Store(e)) => escaped.push(format!("{sql} -> not refused but broke: {e}")),
            Err(_) => {}
        }
    }
    escaped
}

fn common(s: &Seeded) -> Vec<String> {
    let (t, sp) = (s.table("agno_traces"), s.table("agno_spans"));
    vec![
        format!(
            "INSERT INTO {t} (trace_id, name, status, start_time, end_time, duration_ms, created_at) VALUES ('x','x','OK','a','b',1,'c')"
        ),
        format!("UPDATE {t} SET name = 'hacked'"),
        format!("DELETE FROM {sp}"),
        format!("DROP TABLE {sp}"),
        format!("ALTER TABLE {t} ADD COLUMN hacked INT"),
        format!("CREATE TABLE {} (a INT)", s.table("hacked")),
        format!("CREATE INDEX hacked ON {t} (name)"),
        format!("SELECT 1; DELETE FROM {sp}"),
        format!("COMMIT; DELETE FROM {sp}"),
        format!("SELECT * FROM {t}; UPDATE {t} SET name = 'x'"),
        "COMMIT".into(),
        "BEGIN".into(),
        "SET TRANSACTION READ WRITE".into(),
        format!("WITH d AS (DELETE FROM {sp} RETURNING 1) SELECT count(*) FROM d"),
        format!("SELECT * FROM {t} FOR UPDATE"),
    ]
}

#[tokio::test]
async fn sqlite_read_only_escapes() {
    let Some(s) = Seeded::new(Backend::Sqlite).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.db");
    let copy = dir.path().join("copy.db");
    let mut statements = common(&s);
    statements.extend([
        format!("ATTACH '{}' AS x", other.display()),
        format!("ATTACH '{}' AS x; INSERT INTO x.t VALUES (1)", other.display()),
        "ATTACH ':memory:' AS m; CREATE TABLE m.t (a)".into(),
        "CREATE TEMP TABLE t (a)".into(),
        "PRAGMA query_only = OFF".into(),
        "PRAGMA writable_schema = ON".into(),
        "PRAGMA user_version = 42".into(),
        "PRAGMA journal_mode = DELETE".into(),
        "PRAGMA wal_checkpoint(TRUNCATE)".into(),
        "VACUUM".into(),
        format!("VACUUM INTO '{}'", copy.display()),
        "REINDEX".into(),
        "ANALYZE".into(),
        "SELECT load_extension('/nonexistent/lib')".into(),
        "CREATE TRIGGER t AFTER INSERT ON agno_traces BEGIN DELETE FROM agno_spans; END".into(),
        "REPLACE INTO agno_traces SELECT * FROM agno_traces".into(),
    ]);
    let before = dump(&s).await;
    let escaped = must_fail(&s, &statements).await;
    assert!(escaped.is_empty(), "escaped on SQLite:\n{}", escaped.join("\n"));
    assert_eq!(dump(&s).await, before, "SQLite file or data changed");
    assert!(!other.exists() && !copy.exists(), "a file was created");
    s.cleanup().await;
}

#[tokio::test]
async fn postgres_read_only_escapes() {
    let Some(s) = Seeded::new(Backend::Postgres).await else { return };
    let mut admin = pg_admin().await;
    let schema = s.schema().to_owned();
    admin.execute(sqlx::AssertSqlSafe(format!("CREATE SEQUENCE \"{schema}\".seq"))).await.unwrap();
    let dblink = admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE EXTENSION IF NOT EXISTS dblink SCHEMA \"{schema}\"")))
        .await
        .is_ok();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let marker = dir.path().join("pwned");
    let m = marker.display();
    let victim_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut admin).await.unwrap();
    let t = s.table("agno_traces");
    let mut statements = common(&s);
    statements.extend([
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE".into(),
        "SELECT set_config('transaction_read_only', 'off', true)".into(),
        "SELECT set_config('default_transaction_read_only', 'off', false)".into(),
        format!("COPY (SELECT 1) TO PROGRAM 'touch {m}'"),
        format!("COPY {t} TO '{m}'"),
        format!("SELECT * INTO \"{schema}\".stolen FROM {t}"),
        format!("SELECT nextval('\"{schema}\".seq')"),
        format!("SELECT setval('\"{schema}\".seq', 100)"),
        format!("SELECT pg_terminate_backend({victim_pid})"),
        format!("SELECT pg_cancel_backend({victim_pid})"),
        format!("SELECT lo_export(lo_from_bytea(0, 'x'), '{m}')"),
        "SELECT lo_import('/etc/hostname')".into(),
        "SELECT lo_create(0)".into(),
        "SELECT pg_read_file('/etc/hostname')".into(),
        "SELECT pg_reload_conf()".into(),
        "SELECT pg_stat_reset()".into(),
        "SELECT pg_logical_emit_message(false, 'x', 'y')".into(),
        "DO $$ BEGIN SET TRANSACTION READ WRITE; END $$".into(),
        format!("DO $$ BEGIN RESET ROLE; DELETE FROM {t}; END $$"),
        format!("DO $$ BEGIN SET SESSION AUTHORIZATION DEFAULT; EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {m}'''; END $$"),
        "SELECT query_to_xml('SELECT pg_reload_conf()', false, false, '') FROM (SELECT set_config('session_authorization', 'postgres', true)) s".into(),
        format!("SELECT ts_stat('SELECT lo_export(lo_from_bytea(0, ''x''), ''{m}'')::text::tsvector')"),
        "SET ROLE postgres".into(),
        "RESET ROLE".into(),
        "CREATE TEMP TABLE tmp (a int)".into(),
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'".into(),
        "VACUUM".into(),
        format!("ANALYZE {t}"),
        format!("LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE"),
        format!("SELECT * FROM {t} FOR SHARE"),
        "LISTEN tracedeck".into(),
        "NOTIFY tracedeck".into(),
        "PREPARE TRANSACTION 'tracedeck'".into(),
        "LOAD 'plpgsql'".into(),
        "CHECKPOINT".into(),
        "CALL nothing()".into(),
        "EXPLAIN ANALYZE DELETE FROM agno_spans".into(),
        format!("TRUNCATE {t}"),
    ]);
    if dblink {
        statements.push(format!(
            "SELECT \"{schema}\".dblink_exec('dbname=postgres user=postgres host=127.0.0.1', 'DELETE FROM \"{schema}\".agno_spans')"
        ));
    }
    let before = dump(&s).await;
    let escaped = must_fail(&s, &statements).await;
    assert!(escaped.is_empty(), "escaped on PostgreSQL:\n{}", escaped.join("\n"));
    assert_eq!(dump(&s).await, before, "PostgreSQL data or schema changed");
    assert!(!marker.exists(), "the server wrote a file");
    admin.execute("SELECT 1").await.expect("the admin session was terminated");

    // Harmless by design: pg_notify is transactional and the console's transaction is always
    // rolled back, so nobody hears it.
    let mut listener = sqlx::postgres::PgListener::connect(&tracedeck_tests::backends::pg_url()).await.unwrap();
    listener.listen("tracedeck").await.unwrap();
    assert!(run_all(&s.ro, "SELECT pg_notify('tracedeck', 'x')", Duration::from_secs(5)).await.is_ok());
    let heard = tokio::time::timeout(Duration::from_millis(500), listener.recv()).await;
    assert!(heard.is_err(), "a notification escaped the rolled-back transaction: {heard:?}");
    admin.execute("SELECT pg_notify('tracedeck', 'committed')").await.unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(5), listener.recv()).await.expect("listener works");
    assert_eq!(heard.unwrap().payload(), "committed");
    assert_eq!(dump(&s).await, before);
    s.cleanup().await;
}

#[tokio::test]
async fn mariadb_read_only_escapes() {
    let Some(s) = Seeded::new(Backend::MySql).await else { return };
    let mut admin = mysql_admin().await;
    let db = s.schema().to_owned();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "CREATE TABLE `{db}`.tm (id INT PRIMARY KEY) ENGINE=MyISAM; INSERT INTO `{db}`.tm VALUES (1); \
             CREATE SEQUENCE `{db}`.seq; CREATE PROCEDURE `{db}`.p() INSERT INTO `{db}`.tm VALUES (2)"
        )))
        .await
        .unwrap();
    let victim: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()").fetch_one(&mut admin).await.unwrap();
    let outfile = format!("/tmp/td_console_escape_{db}");
    let (t, tm) = (s.table("agno_traces"), format!("`{db}`.tm"));
    let mut statements = common(&s);
    statements.extend([
        format!("INSERT INTO {tm} VALUES (5)"),
        "SET SESSION TRANSACTION READ WRITE".into(),
        format!("SELECT * FROM {t} INTO OUTFILE '{outfile}'"),
        format!("SELECT 1 INTO DUMPFILE '{outfile}'"),
        format!("SELECT 1 /*!50000 INTO OUTFILE '{outfile}' */"),
        "SELECT LOAD_FILE('/etc/hostname')".into(),
        format!("LOAD DATA INFILE '/etc/hostname' INTO TABLE {tm}"),
        format!("CALL `{db}`.p()"),
        format!("SELECT NEXTVAL(`{db}`.seq)"),
        "DO SLEEP(0)".into(),
        format!("HANDLER {tm} OPEN"),
        format!("LOCK TABLES {tm} WRITE"),
        format!("LOCK TABLES {tm} READ"),
        format!("SELECT * FROM {t} LOCK IN SHARE MODE"),
        "SET GLOBAL max_connect_errors = @@global.max_connect_errors".into(),
        "SET @@global.max_connect_errors = @@global.max_connect_errors".into(),
        "FLUSH STATUS".into(),
        "FLUSH TABLES WITH READ LOCK".into(),
        format!("KILL QUERY {victim}"),
        format!("KILL {victim}"),
        "SHUTDOWN".into(),
        "PURGE BINARY LOGS BEFORE '2000-01-01'".into(),
        "RESET MASTER".into(),
        format!("ANALYZE TABLE {t}"),
        format!("OPTIMIZE TABLE {tm}"),
        format!("CREATE TEMPORARY TABLE `{db}`.tt (a INT)"),
        "CREATE USER 'td_console_escape'@'localhost'".into(),
        "INSTALL SONAME 'ha_blackhole'".into(),
        "XA START 'x'".into(),
        format!("TRUNCATE {tm}"),
        format!("REPLACE INTO {tm} VALUES (1)"),
    ]);
    let before = dump(&s).await;
    let escaped = must_fail(&s, &statements).await;
    assert!(escaped.is_empty(), "escaped on MariaDB:\n{}", escaped.join("\n"));
    assert_eq!(dump(&s).await, before, "MariaDB data or schema changed");
    assert!(!std::path::Path::new(&outfile).exists(), "the server wrote a file");
    admin.execute("SELECT 1").await.expect("the admin session was killed");

    // Harmless by design: user variables and named locks live in the console's own session,
    // which ends with the statement; SLEEP is stopped by the time limit.
    assert!(run_all(&s.ro, "SELECT @x := 1", Duration::from_secs(5)).await.is_ok());
    assert!(run_all(&s.ro, "SELECT GET_LOCK('td_console_lock', 0)", Duration::from_secs(5)).await.is_ok());
    let free: i64 = sqlx::query_scalar("SELECT IS_FREE_LOCK('td_console_lock')").fetch_one(&mut admin).await.unwrap();
    assert_eq!(free, 1, "the console's named lock outlived its statement");
    let e = run_all(&s.ro, "SELECT SLEEP(30)", Duration::from_millis(500)).await.unwrap_err();
    assert!(matches!(e, ConsoleError::Timeout(_)), "{e}");
    assert_eq!(dump(&s).await, before);
    s.cleanup().await;
}

/// Writable console connections are the database's business, but still one statement at a
/// time and never on a read-only store.
#[tokio::test]
async fn read_only_store_ignores_writable_options() {
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        let Some(s) = Seeded::new(backend).await else { continue };
        let before = dump(&s).await;
        let mut o = opts(Duration::from_secs(5));
        o.read_only = false;
        let sql = format!("DELETE FROM {}", s.table("agno_spans"));
        let r = match s.ro.console_query(&sql, o).await {
            Ok(mut q) => q.next_page(10).await.map(|_| ()),
            Err(e) => Err(e),
        };
        assert!(matches!(r, Err(ConsoleError::ReadOnly(_))), "{backend}: {r:?}");
        assert_eq!(dump(&s).await, before, "{backend}");
        s.cleanup().await;
    }
}
