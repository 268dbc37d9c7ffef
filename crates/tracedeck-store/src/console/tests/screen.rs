//! The lexer and the read-only screen.

use super::super::ConsoleError;
use super::super::guard::{Flavor, Tok, mysql_near_position, screen, split, sqlite_near_position};

const MY: Flavor = Flavor::MySql { backslash_escapes: true };

fn count(sql: &str, f: Flavor) -> usize {
    split(sql, f).len()
}

fn read_only_ok(sql: &str, f: Flavor) -> bool {
    screen(sql, f, true).is_ok()
}

#[test]
fn splits_only_at_top_level_semicolons() {
    for f in [Flavor::Sqlite, Flavor::Postgres, MY] {
        assert_eq!(count("SELECT 1", f), 1);
        assert_eq!(count("SELECT 1;", f), 1);
        assert_eq!(count(" ; SELECT 1 ;; ", f), 1);
        assert_eq!(count("SELECT 1; SELECT 2", f), 2);
        assert_eq!(count("SELECT 'a;b'", f), 1);
        assert_eq!(count("SELECT 'it''s;' ; DELETE FROM t", f), 2);
        assert_eq!(count("SELECT 1 -- ; DELETE\n", f), 1);
        assert_eq!(count("SELECT /* ; */ 1", f), 1);
        assert_eq!(count("", f), 0);
        assert_eq!(count("-- only a comment", f), 0);
    }
    // Dollar quotes and nested comments in PostgreSQL.
    assert_eq!(count("DO $$ BEGIN PERFORM 1; END $$", Flavor::Postgres), 1);
    assert_eq!(count("SELECT $tag$ ; $$ ; $tag$", Flavor::Postgres), 1);
    assert_eq!(count("SELECT $1; SELECT 2", Flavor::Postgres), 2);
    assert_eq!(count("SELECT /* a /* b */ ; */ 1", Flavor::Postgres), 1);
    assert_eq!(count("SELECT E'\\'; DELETE'", Flavor::Postgres), 1);
    assert_eq!(count("SELECT '\\'; DELETE FROM t", Flavor::Postgres), 2);
    // MySQL: backslash escapes, # comments, `--` needs a space, executable comments are code.
    assert_eq!(count("SELECT '\\'; DELETE'", MY), 1);
    assert_eq!(count("SELECT '\\'; DELETE FROM t", Flavor::MySql { backslash_escapes: false }), 2);
    assert_eq!(count("SELECT 1 # ; DELETE\n", MY), 1);
    assert_eq!(count("SELECT 1--1; DELETE FROM t", MY), 2);
    assert_eq!(count("SELECT 1 /*!50000 ; DELETE FROM t */", MY), 2);
    // SQLite: quoted identifiers and trigger bodies.
    assert_eq!(count("SELECT [a;b], `c;d`, \"e;f\"", Flavor::Sqlite), 1);
    assert_eq!(count("CREATE TRIGGER x AFTER INSERT ON t BEGIN DELETE FROM u; END; SELECT 1", Flavor::Sqlite), 2);
}

#[test]
fn executable_comments_are_code() {
    let toks = &split("SELECT 1 /*!50000 INTO OUTFILE '/tmp/x' */", MY)[0].toks;
    assert!(toks.contains(&Tok::Word("OUTFILE".into())), "{toks:?}");
    assert!(!read_only_ok("SELECT 1 /*!50000 INTO OUTFILE '/tmp/x' */", MY));
    assert!(!read_only_ok("/*!DELETE FROM t*/", MY));
    assert!(read_only_ok("/* DELETE FROM t */ SELECT 1", MY));
}

#[test]
fn read_only_screen_by_statement_kind() {
    for sql in ["SELECT 1", "  (SELECT 1)", "WITH a AS (SELECT 1) SELECT * FROM a", "VALUES (1)", "EXPLAIN SELECT 1"] {
        for f in [Flavor::Sqlite, Flavor::Postgres, MY] {
            assert!(read_only_ok(sql, f), "{sql} {f:?}");
        }
    }
    assert!(read_only_ok("SHOW search_path", Flavor::Postgres));
    assert!(read_only_ok("TABLE agno_traces", Flavor::Postgres));
    assert!(read_only_ok("DESCRIBE agno_traces", MY));
    for sql in [
        "INSERT INTO t VALUES (1)",
        "update t set a = 1",
        "DELETE FROM t",
        "CREATE TABLE t (a int)",
        "DROP TABLE t",
        "COPY (SELECT 1) TO PROGRAM 'id'",
        "DO $$ BEGIN RESET ROLE; END $$",
        "SET TRANSACTION READ WRITE",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        "COMMIT",
        "LOCK TABLE t",
        "LISTEN x",
        "NOTIFY x",
        "PREPARE TRANSACTION 'x'",
        "VACUUM",
        "CALL p()",
        "LOAD 'plpgsql'",
    ] {
        let e = screen(sql, Flavor::Postgres, true).unwrap_err();
        assert!(matches!(e, ConsoleError::ReadOnly(_)), "{sql}: {e}");
        // Writable connections leave the decision to the database.
        assert!(screen(sql, Flavor::Postgres, false).is_ok(), "{sql}");
    }
    for sql in [
        "HANDLER t OPEN",
        "DO SLEEP(1)",
        "SET GLOBAL x = 1",
        "FLUSH TABLES",
        "KILL 1",
        "SHUTDOWN",
        "LOAD DATA INFILE 'x' INTO TABLE t",
    ] {
        assert!(!read_only_ok(sql, MY), "{sql}");
    }
    for sql in ["ATTACH 'x.db' AS x", "VACUUM INTO '/tmp/x.db'", "REINDEX", "ANALYZE", "DETACH x"] {
        assert!(!read_only_ok(sql, Flavor::Sqlite), "{sql}");
    }
}

#[test]
fn read_only_screen_refuses_side_effecting_functions_and_clauses() {
    for sql in [
        "SELECT set_config('role', 'none', true)",
        "SELECT pg_catalog.set_config('role', 'none', true)",
        "SELECT \"set_config\"('role', 'none', true)",
        "SELECT lo_export(1, '/tmp/x')",
        "SELECT pg_terminate_backend(1)",
        "SELECT query_to_xml('select 1', true, true, '')",
        "SELECT dblink_exec('dbname=x', 'DELETE FROM t')",
        "SELECT pg_stat_reset_shared('bgwriter')",
    ] {
        assert!(!read_only_ok(sql, Flavor::Postgres), "{sql}");
    }
    // A name in a string or a column named like a function is not a call.
    assert!(read_only_ok("SELECT 'set_config(x)' AS set_config", Flavor::Postgres));
    for sql in [
        "SELECT 1 INTO OUTFILE '/tmp/x'",
        "select * from t into dumpfile '/tmp/x'",
        "SELECT * FROM t FOR UPDATE",
        "SELECT * FROM t LOCK IN SHARE MODE",
        "SELECT * FROM t FOR SHARE",
        "SELECT LOAD_FILE('/etc/passwd')",
    ] {
        assert!(!read_only_ok(sql, MY), "{sql}");
    }
    assert!(read_only_ok("SELECT 1 INTO @x", MY));
    assert!(!read_only_ok("SELECT load_extension('x')", Flavor::Sqlite));
}

#[test]
fn sqlite_pragmas_read_only_forms() {
    for sql in
        ["PRAGMA table_info(agno_spans)", "PRAGMA main.table_info('t')", "PRAGMA user_version", "PRAGMA journal_mode"]
    {
        assert!(read_only_ok(sql, Flavor::Sqlite), "{sql}");
    }
    for sql in [
        "PRAGMA query_only = 0",
        "PRAGMA writable_schema = ON",
        "PRAGMA user_version = 5",
        "PRAGMA journal_mode(DELETE)",
        "PRAGMA wal_checkpoint(TRUNCATE)",
        "PRAGMA optimize",
    ] {
        assert!(!read_only_ok(sql, Flavor::Sqlite), "{sql}");
    }
}

#[test]
fn one_statement_errors_point_at_the_second() {
    let ConsoleError::Sql(e) = screen("SELECT 1; ATTACH 'x' AS y", Flavor::Sqlite, false).unwrap_err() else {
        panic!("sql error expected")
    };
    assert_eq!(e.position, Some(11));
    // Read-only connections refuse several statements on every backend.
    assert!(screen("SELECT 1; SELECT 2", Flavor::Postgres, true).is_err());
    assert!(screen("SELECT 1; SELECT 2", Flavor::Postgres, false).is_ok());
    assert!(screen("  ", Flavor::Postgres, false).is_err());
}

#[test]
fn positions_from_near_texts() {
    let sql = "SELECT *\nFROMM t WHERE x = 1";
    let msg = "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server \
               version for the right syntax to use near 'FROMM t WHERE x = 1' at line 2";
    assert_eq!(mysql_near_position(sql, msg), Some(10));
    assert_eq!(mysql_near_position("SELECT 1 +", "... near '' at line 1"), Some(11));
    assert_eq!(sqlite_near_position("SELECT * FROMM t", "near \"FROMM\": syntax error"), Some(10));
    // Ambiguous tokens get no position rather than a wrong one.
    assert_eq!(sqlite_near_position("SELECT t FROM t t", "near \"t\": syntax error"), None);
    // Characters, not bytes.
    assert_eq!(sqlite_near_position("SELECT 'é' FROMM t", "near \"FROMM\": syntax error"), Some(12));
}
