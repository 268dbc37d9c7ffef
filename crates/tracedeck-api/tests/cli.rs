//! The `tracedeck` binary as a user runs it: real processes, real SQLite files, exit codes,
//! stdout/stderr. Backends other than SQLite are covered by the store's story tests.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn tracedeck(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracedeck"))
        .args(args)
        .env("TRACEDECK_DATA_DIR", data)
        .env_remove("TRACEDECK_DB")
        .env_remove("RUST_LOG")
        .output()
        .expect("run tracedeck")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn err(o: &Output) -> String {
    assert!(!o.status.success(), "unexpected success: {}", String::from_utf8_lossy(&o.stdout));
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn demo_then_list_and_show_on_the_default_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&tracedeck(dir.path(), &["demo", "--runs", "2", "--user", "ana"]));
    assert!(out.contains("Demo_Agent.run") && out.contains("[LLM]") && out.contains("[TOOL]"), "{out}");
    assert!(out.contains("error: float division by zero"), "{out}");
    assert!(dir.path().join("traces.db").exists(), "default database created in the data dir");

    let list: Value = serde_json::from_str(&ok(&tracedeck(dir.path(), &["traces", "list", "--json"]))).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    for key in [
        "trace_id",
        "name",
        "status",
        "start_time",
        "duration_ms",
        "span_count",
        "error_count",
        "user_id",
        "session_id",
        "agent_id",
    ] {
        assert!(list[0].get(key).is_some(), "missing {key}");
    }
    assert_eq!(list[0]["span_count"], 6);
    assert_eq!(list[0]["status"], "ERROR");
    assert_eq!(list[0]["user_id"], "ana");
    let id = list[0]["trace_id"].as_str().unwrap();

    let filtered: Value =
        serde_json::from_str(&ok(&tracedeck(dir.path(), &["traces", "list", "--json", "--user", "nobody"]))).unwrap();
    assert_eq!(filtered.as_array().unwrap().len(), 0);
    let limited = ok(&tracedeck(dir.path(), &["traces", "list", "--limit", "1", "--status", "error", "--since", "1h"]));
    assert!(limited.contains("more: --cursor"), "{limited}");

    let tree = ok(&tracedeck(dir.path(), &["trace", "show", id]));
    assert!(tree.lines().nth(2).unwrap().starts_with("Demo_Agent.run  [AGENT]"), "{tree}");
    assert!(tree.contains("├─ ScriptedModel.invoke  [LLM]") && tree.contains("└─ "), "{tree}");
    let detail: Value = serde_json::from_str(&ok(&tracedeck(dir.path(), &["trace", "show", id, "--json"]))).unwrap();
    let spans = detail["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 6);
    for key in ["span_id", "parent_span_id", "name", "kind", "status_code", "attributes"] {
        assert!(spans[1].get(key).is_some(), "missing {key}");
    }

    let stats = ok(&tracedeck(dir.path(), &["traces", "stats", "--by", "model"]));
    assert!(stats.contains("scripted-demo"), "{stats}");
}

#[test]
fn db_init_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/nested/dir/t.db", dir.path().display());
    let report: Value = serde_json::from_str(&ok(&tracedeck(dir.path(), &["db", "init", &db, "--json"]))).unwrap();
    assert_eq!(report["origin"], "created");
    assert_eq!(report["trace_count"], 0);
    let check = ok(&tracedeck(dir.path(), &["db", "check", &db]));
    assert!(check.contains("origin        created by Tracedeck") && check.contains("agno_traces 3.0.0"), "{check}");
}

#[test]
fn errors_are_clear_and_never_leak_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let e = err(&tracedeck(dir.path(), &["--db", "redis://x", "traces", "list"]));
    assert!(e.starts_with("error: ") && e.contains("unsupported database URL scheme"), "{e}");

    let missing = format!("sqlite://{}/nope.db", dir.path().display());
    let e = err(&tracedeck(dir.path(), &["--db", &missing, "traces", "list"]));
    assert!(e.contains("does not exist") && e.contains("tracedeck db init"), "{e}");
    assert!(!dir.path().join("nope.db").exists(), "reading must not create a database");

    let e = err(&tracedeck(dir.path(), &["--db", "postgres://alice:s3cr3t-pw@127.0.0.1:1/db", "traces", "list"]));
    assert!(e.contains("cannot connect") && e.contains("127.0.0.1:1"), "{e}");
    assert!(!e.contains("s3cr3t-pw"), "password leaked: {e}");

    ok(&tracedeck(dir.path(), &["db", "init"]));
    let e = err(&tracedeck(dir.path(), &["trace", "show", "0123456789abcdef0123456789abcdef"]));
    assert!(e.contains("no trace"), "{e}");
    let e = err(&tracedeck(dir.path(), &["--read-only", "demo"]));
    assert!(e.contains("read-only"), "{e}");
}

/// A user's Agno database in a directory they cannot write (WAL mode: SQLite cannot create
/// its -shm index there). Run as `nobody` because root ignores directory permissions.
#[test]
fn agno_wal_database_in_a_read_only_directory() {
    if Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("SKIP: setpriv not available");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/agno/agno_traces.db");
    std::fs::copy(&fixture, ro.join("agno.db")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(ro.join("agno.db"), std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = |args: &[&str]| {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_tracedeck"))
            .args(args)
            .env("TRACEDECK_DATA_DIR", &data)
            .env_remove("RUST_LOG")
            .output()
            .expect("setpriv")
    };
    let db = format!("sqlite://{}/agno.db", ro.display());
    let out = run(&["--db", &db, "--read-only", "traces", "list", "--json"]);
    let stdout = ok(&out);
    let list: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 7);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("note: ") && stderr.contains("immutable"), "the user is told how it was opened: {stderr}");
    let check = ok(&run(&["--db", &db, "--read-only", "db", "check"]));
    assert!(check.contains("read-only") && check.contains("traces        7"), "{check}");
    assert!(!ro.join("agno.db-shm").exists());
}

fn tracedeck_with_config(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tracedeck"));
    c.args(args)
        .env("TRACEDECK_DATA_DIR", data.join("data"))
        .env("TRACEDECK_CONFIG_DIR", data.join("config"))
        .env_remove("TRACEDECK_DB")
        .env_remove("RUST_LOG");
    c
}

#[test]
fn run_a_demo_team_streams_then_prints_its_tree() {
    let dir = tempfile::tempdir().unwrap();
    let agents = ok(&tracedeck_with_config(dir.path(), &["agents"]).output().unwrap());
    assert!(agents.contains("travel") && agents.contains("members: weather, researcher"), "{agents}");
    assert!(dir.path().join("config/agents.toml").exists(), "example config written on first run");
    let out = ok(&tracedeck_with_config(dir.path(), &["run", "travel", "Plan a trip to Rome", "--user", "ana"])
        .output()
        .unwrap());
    assert!(out.contains("[tool]") && out.contains("status OK"), "{out}");
    assert!(out.contains("Travel_Team.run  [AGENT]"), "{out}");
    assert!(out.contains("delegate_task_to_member  [TOOL]") && out.contains("Weather_Agent.run  [AGENT]"), "{out}");
    assert!(out.contains("[RETRIEVER]") && out.contains("[GUARDRAIL]"), "{out}");
    // The run is in the default database, with the user id from the command line.
    let list = ok(&tracedeck_with_config(dir.path(), &["traces", "list", "--json", "--user", "ana"]).output().unwrap());
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list[0]["name"], "Travel_Team.run");
    assert_eq!(list[0]["team_id"], "travel");
}

#[test]
fn ctrl_c_cancels_a_run_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let child = tracedeck_with_config(dir.path(), &["run", "researcher", "Explain BM25 retrieval"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(600));
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a cancelled run exits non-zero: {stdout}");
    assert!(stderr.contains("cancel"), "{stderr}");
    let list = ok(&tracedeck_with_config(dir.path(), &["traces", "list", "--json"]).output().unwrap());
    let list: Value = serde_json::from_str(&list).unwrap();
    let id = list[0]["trace_id"].as_str().expect("the cancelled run was recorded");
    let detail = ok(&tracedeck_with_config(dir.path(), &["trace", "show", id, "--json"]).output().unwrap());
    let detail: Value = serde_json::from_str(&detail).unwrap();
    let root = detail["spans"].as_array().unwrap().iter().find(|s| s["parent_span_id"].is_null()).unwrap().clone();
    assert_eq!(root["status_code"], "ERROR");
    assert_eq!(root["status_message"], "cancelled");
}

/// `connections test` on a read-only PostgreSQL connection: the database itself refuses the
/// probe write, and a superuser login (as on these test machines) is called out.
#[test]
fn connection_test_verifies_read_only_and_flags_a_superuser() {
    if std::net::TcpStream::connect("127.0.0.1:5432").is_err() {
        assert!(std::env::var("CI").is_err(), "PostgreSQL on 127.0.0.1:5432 is required under CI");
        eprintln!("skipped: PostgreSQL is not running on 127.0.0.1:5432");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let schema = format!("td_test_cli_{}", std::process::id());
    let url = format!("postgres://postgres@127.0.0.1:5432/postgres?schema={schema}");
    let data = dir.path().join("data");
    let tracedeck = |args: &[&str]| tracedeck(&data, args);
    ok(&tracedeck(&["db", "init", &url]));
    ok(&tracedeck(&["connections", "add", "pg", &url, "--read-only", "--env", "production"]));
    let out = ok(&tracedeck(&["connections", "test", "pg"]));
    assert!(out.starts_with("OK"), "{out}");
    assert!(out.contains("read-only     verified"), "{out}");
    assert!(out.contains("a probe write was refused"), "{out}");
    assert!(out.contains("WARNING: this login is privileged"), "{out}");
    // Tracedeck created the schema, so its console may drop it (the test cleans up after itself).
    ok(&tracedeck(&["--db", &url, "sql", &format!("DROP SCHEMA {schema} CASCADE")]));
}
