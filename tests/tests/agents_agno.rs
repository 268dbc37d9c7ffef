//! Agno's own Python readers (`get_traces`, `get_trace`, `get_spans`, AgentOS `GET /traces`)
//! read runs the Tracedeck agent runtime recorded, a team run included: same traces, span
//! counts, parent links, semantic kinds and ids. Uses the compatibility harness
//! (`tests/compat/agno_read.py`, the venv from `scripts/agno-venv.sh`); skipped locally
//! without the venv, a failure under `CI=true`.

mod agents_support;

use agents_support::{Recorder, request, runtime};
use serde_json::Value;
use tracedeck_agents::{RunOutcome, RuntimeOptions};
use tracedeck_store::{Backend, Store, StoreConfig};
use tracedeck_tests::backends::{TestDb, pg_url};

use tracedeck_tests::agno::{python as agno_python, read as agno_read};

/// A team run, an agent run with a failing tool and a plain agent run.
async fn record(cfg: &StoreConfig) -> (Store, Vec<RunOutcome>) {
    let rec = Recorder::open(cfg).await;
    let (_dir, rt) = runtime("", RuntimeOptions::default());
    let mut outs = Vec::new();
    for (target, input, user) in [
        ("travel", "Plan a trip to Rome", "dave"),
        ("calculator", "What is 1/0?", "carol"),
        ("weather", "What's the weather in Paris?", "alice"),
    ] {
        outs.push(rec.run(&rt, request(target, input, user, &format!("sess-{user}-1"))).await);
    }
    // Everything is in the database before Python reads it; the store stays open for us.
    let stats = rec.telemetry.shutdown(std::time::Duration::from_secs(30)).await;
    assert_eq!((stats.dropped_spans, stats.pending_spans), (0, 0), "{stats:?}");
    (rec.store.clone(), outs)
}

async fn assert_agno_reads(store: &Store, outs: &[RunOutcome], agno: &Value) {
    assert_eq!(agno["total"], outs.len(), "{agno}");
    for o in outs {
        let ours = store.get_trace(&o.trace_id).await.unwrap().unwrap();
        let t = agno["traces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["trace_id"] == o.trace_id.as_str())
            .expect("Agno lists the run");
        assert_eq!(t["name"], ours.trace.name.as_str());
        assert_eq!(t["total_spans"], ours.spans.len());
        assert_eq!(t["error_count"], ours.trace.error_count);
        assert_eq!(t["run_id"], o.run_id.as_str());
        assert_eq!(t["session_id"], o.session_id.as_str());
        assert_eq!(t["user_id"].as_str(), ours.trace.user_id.as_deref());
        assert_eq!(t["agent_id"].as_str(), ours.trace.agent_id.as_deref());
        assert_eq!(t["team_id"].as_str(), ours.trace.team_id.as_deref());
        let detail = &agno["details"][o.trace_id.as_str()];
        assert_eq!(detail["name"], ours.trace.name.as_str(), "get_trace()");
        let spans = detail["spans"].as_array().unwrap();
        assert_eq!(spans.len(), ours.spans.len());
        for s in &ours.spans {
            let a = spans.iter().find(|x| x["span_id"] == s.span_id.as_str()).expect("same spans");
            assert_eq!(a["parent_span_id"].as_str(), s.parent_span_id.as_deref());
            assert_eq!(a["name"], s.name.as_str());
            assert_eq!(a["status_code"], s.status_code.as_str());
            assert_eq!(a["kind"], s.kind.as_str());
        }
    }
    let team = &outs[0];
    let t = agno["traces"].as_array().unwrap().iter().find(|t| t["trace_id"] == team.trace_id.as_str()).unwrap();
    assert_eq!(
        (t["name"].as_str(), t["team_id"].as_str(), t["total_spans"].as_u64()),
        (Some("Travel_Team.run"), Some("travel"), Some(17))
    );
    let spans = agno["details"][team.trace_id.as_str()]["spans"].as_array().unwrap();
    let mut kinds: Vec<&str> = spans.iter().filter_map(|s| s["kind"].as_str()).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds, ["AGENT", "GUARDRAIL", "LLM", "RETRIEVER", "TOOL"]);
    let root = spans.iter().find(|s| s["name"] == "Travel_Team.run").unwrap();
    for k in ["agno.team.id", "agno.run.id", "session.id", "user.id", "input.value", "output.value"] {
        assert!(root["attribute_keys"].as_array().unwrap().iter().any(|x| x == k), "{k}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agno_reads_a_tracedeck_team_run_sqlite() {
    let Some(py) = agno_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let (store, outs) = record(&StoreConfig::sqlite(&path)).await;
    let agno = agno_read(&py, &["--sqlite", path.to_str().unwrap(), "--routes"]);
    assert_agno_reads(&store, &outs, &agno).await;
    assert_eq!(agno["routes"]["list_status"], 200, "{}", agno["routes"]["list"]);
    let team = &agno["routes"][outs[0].trace_id.as_str()];
    assert_eq!(team["status"], 200, "AgentOS GET /traces/{{id}}: {}", team["body"]);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agno_reads_a_tracedeck_team_run_postgres() {
    let Some(py) = agno_python() else { return };
    let Some(db) = TestDb::new(Backend::Postgres).await else { return };
    let (store, outs) = record(&db.cfg).await;
    let url = pg_url().replacen("postgres://", "postgresql+psycopg://", 1);
    let agno = agno_read(&py, &["--pg", &url, "--schema", &db.name]);
    assert_agno_reads(&store, &outs, &agno).await;
    store.close().await;
    db.cleanup().await;
}
