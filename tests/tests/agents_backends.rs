//! One agent run and one team run recorded through the real pipeline into PostgreSQL and
//! MariaDB/MySQL (each test in its own schema/database), read back with the same tree and
//! ids as on SQLite. Skipped locally when a server is down; a failure under `CI=true`.

mod agents_support;

use agents_support::{DEMO_TEAM_SHAPE, Recorder, attr, one, request, runtime, shape};
use serde_json::json;
use tracedeck_agents::{RunStatus, RuntimeOptions};
use tracedeck_model::TraceStatus;
use tracedeck_store::Backend;
use tracedeck_tests::backends::TestDb;

async fn runs_on(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else { return };
    let rec = Recorder::open(&db.cfg).await;
    let (_dir, rt) = runtime("", RuntimeOptions::default());

    let o = rec.run(&rt, request("travel", "Plan a trip to Rome", "dave", "sess-dave-1")).await;
    assert_eq!(o.status, RunStatus::Ok, "{o:?}");
    let d = rec.trace(&o.trace_id).await;
    assert_eq!(shape(&d), DEMO_TEAM_SHAPE, "{backend}");
    let t = &d.trace;
    assert_eq!((t.team_id.as_deref(), t.agent_id.as_deref()), (Some("travel"), None));
    assert_eq!(
        (t.user_id.as_deref(), t.session_id.as_deref(), t.run_id.as_deref()),
        (Some("dave"), Some("sess-dave-1"), Some(o.run_id.as_str()))
    );
    assert_eq!(t.total_tokens as u64, o.usage.total_tokens);
    assert!(d.tree.issues.is_clean(), "{:?}", d.tree.issues);
    let root = one(&d, "Travel_Team.run");
    assert_eq!(attr(root, "agno.tools"), json!(["delegate_task_to_member"]));
    assert_eq!(attr(root, "tracedeck.run.total_tokens"), o.usage.total_tokens);
    assert_eq!(attr(one(&d, "demo.search"), "tracedeck.retrieval.k"), 3);

    let o = rec.run(&rt, request("calculator", "What is 1/0?", "carol", "sess-carol-1")).await;
    let d = rec.trace(&o.trace_id).await;
    assert_eq!((d.trace.status, d.trace.error_count, d.spans.len()), (TraceStatus::Error, 1, 4), "{backend}");
    assert_eq!(one(&d, "calculator").status_message.as_deref(), Some("division by zero"));
    assert_eq!(d.trace.agent_id.as_deref(), Some("calculator"));

    rec.close().await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_and_team_runs_on_postgres() {
    runs_on(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_and_team_runs_on_mariadb() {
    runs_on(Backend::MySql).await;
}
