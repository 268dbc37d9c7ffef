//! Reading the real database Agno 3.1.10 wrote (`../shared/fixtures/agno/agno_traces.db`,
//! copied to a temp dir: the fixtures are read-only), with its quirks: float `duration_ms`,
//! a stale trace status, WAL mode, team member runs nested under the team span. Opening it
//! read-write must not alter it.

use tracedeck_model::{PageRequest, SemanticKind, StatusCode, TraceFilter, TraceStatus};
use tracedeck_store::prune::Policy;
use tracedeck_store::{Col, OpenOptions, Origin, Store, StoreConfig};
use tracedeck_tests::copy_fixture;

async fn table_names(path: &std::path::Path) -> Vec<String> {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display())).await.unwrap();
    sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type IN ('table','index') ORDER BY name")
        .fetch_all(&mut c)
        .await
        .unwrap()
}

#[tokio::test]
async fn reads_the_agno_fixture_with_its_quirks() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_fixture("agno_traces.db", dir.path());
    let before = table_names(&path).await;

    for read_only in [false, true] {
        let cfg = StoreConfig::sqlite(&path).with_read_only(read_only);
        let store = Store::open(&cfg, OpenOptions { create: true }).await.expect("open Agno db");
        assert_eq!(store.info().origin, Origin::Foreign);
        let page = store.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap();
        assert_eq!(page.traces.len(), 7);
        assert!(page.next_cursor.is_none());
        assert_eq!(page.traces.iter().map(|t| t.span_count).sum::<u32>(), 38);

        let calc = page.traces.iter().find(|t| t.name == "Calculator_Agent.run").unwrap();
        assert_eq!(calc.stored_status, "OK", "Agno left the status stale");
        assert_eq!(calc.status, TraceStatus::Error, "derived from the failed tool span");
        assert_eq!(calc.error_count, 1);
        assert_eq!(calc.user_id.as_deref(), Some("carol"));
        assert!((calc.duration_ms - 159.358).abs() < 0.01, "{}", calc.duration_ms);
        assert!(calc.input_preview.as_deref().unwrap().starts_with("What is 1 divided by 0?"));

        let weather = page.traces.iter().find(|t| t.trace_id == "01362384209deb26597b9001c16ec430").unwrap();
        assert_eq!(weather.total_tokens, 47 + 4 + 116 + 18, "prompt+completion of both LLM calls");

        let errors = store
            .list_traces(
                &TraceFilter { status: Some(TraceStatus::Error), ..Default::default() },
                &PageRequest::default(),
            )
            .await
            .unwrap();
        let mut names: Vec<_> = errors.traces.iter().map(|t| t.name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["Broken_Agent.run", "Calculator_Agent.run"]);

        let team = store.get_trace("f2b4f0cb7df6667c0a42d4639a6b1422").await.unwrap().unwrap();
        assert_eq!(team.spans.len(), 13);
        assert!(team.tree.issues.is_clean());
        let root = &team.tree.nodes[team.tree.roots[0] as usize];
        let child_names: Vec<_> = root
            .children
            .iter()
            .map(|&c| team.spans[team.tree.nodes[c as usize].span.unwrap() as usize].name.as_str())
            .collect();
        assert_eq!(
            child_names,
            [
                "OpenAIChat.invoke",
                "delegate_task_to_member",
                "Researcher_Agent.run",
                "delegate_task_to_member",
                "Writer_Agent.run",
                "OpenAIChat.invoke"
            ]
        );
        let member = team.spans.iter().find(|s| s.name == "Researcher_Agent.run").unwrap();
        assert_eq!(member.kind, SemanticKind::Agent);
        assert_eq!(team.trace.team_id.as_deref(), Some("travel-team"));

        let tool = store.get_span("a62cb4cb04ec2bcc").await.unwrap().unwrap();
        assert_eq!(tool.status_code, StatusCode::Error);
        assert_eq!(tool.status_message.as_deref(), Some("float division by zero"));
        assert_eq!(tool.attributes.get("tool.name"), Some(serde_json::json!("divide")));
        assert_eq!(tool.kind, SemanticKind::Tool);

        let wf = page.traces.iter().find(|t| t.name == "Research_Workflow.run").unwrap();
        assert_eq!(wf.workflow_id.as_deref(), Some("research-workflow"));

        // Suggestions come from the traces table's indexes.
        let users = store.suggest(Col::User, "").await.unwrap();
        assert!(users.iter().any(|s| s.value == "carol" && s.recent_runs > 0), "{users:?}");
        assert!(store.suggest(Col::User, "car").await.unwrap().iter().all(|s| s.value.starts_with("car")));
        // Metrics over everything Agno wrote.
        let (m, _) = store.metrics(&TraceFilter::default(), i64::MAX / 2, None).await.unwrap();
        assert!(m.complete);
        assert_eq!(m.series.iter().map(|b| b.runs).sum::<u64>(), 7);
        assert_eq!(m.series.iter().map(|b| b.errors).sum::<u64>(), 2, "derived errors, as the run list counts them");
        assert!(m.tools.iter().any(|t| t.tool == "divide" && t.errors == 1), "{:?}", m.tools);
        assert!(m.by_model.iter().any(|x| x.model.starts_with("gpt-4o") && x.prompt_tokens > 0), "{:?}", m.by_model);

        // Retention never runs on a database Tracedeck did not create.
        let refused = store.apply_retention(Policy { keep_days: Some(0), max_bytes: Some(0) }, i64::MAX / 2).await;
        assert!(refused.is_err(), "retention on a foreign database");
        assert_eq!(store.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap().traces.len(), 7);
        store.close().await;
    }
    assert_eq!(table_names(&path).await, before, "opening an Agno database must not alter it");
}

#[tokio::test]
async fn malformed_attribute_json_in_an_existing_row_is_kept_not_fatal() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let path = copy_fixture("agno_traces.db", dir.path());
    {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        sqlx::query(
            "UPDATE agno_spans SET attributes = '{\"input.value\": brokenQX7' WHERE span_id = '9ccfd7b92d6d10e5'",
        )
        .execute(&mut c)
        .await
        .unwrap();
        sqlx::query("UPDATE agno_spans SET attributes = NULL WHERE span_id = '2fd59136f487fe58'")
            .execute(&mut c)
            .await
            .unwrap();
    }
    let store = Store::open(&StoreConfig::sqlite(&path).with_read_only(true), OpenOptions::default()).await.unwrap();
    let page =
        store.list_traces(&TraceFilter::default(), &PageRequest::default()).await.expect("list survives bad JSON");
    let calc = page.traces.iter().find(|t| t.name == "Calculator_Agent.run").unwrap();
    assert_eq!(calc.span_count, 4);
    assert_eq!(calc.input_preview, None);
    let d = store.get_trace(&calc.trace_id).await.unwrap().unwrap();
    let root = d.spans.iter().find(|s| s.span_id == "9ccfd7b92d6d10e5").unwrap();
    assert_eq!(
        root.attributes.get(tracedeck_model::attrs::INVALID_ATTRIBUTES),
        Some(serde_json::json!("{\"input.value\": brokenQX7"))
    );
    let nulled = d.spans.iter().find(|s| s.span_id == "2fd59136f487fe58").unwrap();
    assert_eq!(nulled.attributes.as_str(), "{}");
    let search = TraceFilter { search: Some("brokenqx7".into()), ..Default::default() };
    assert_eq!(store.list_traces(&search, &PageRequest::default()).await.unwrap().traces.len(), 1);
    for by in [
        tracedeck_model::StatsGroupBy::Model,
        tracedeck_model::StatsGroupBy::User,
        tracedeck_model::StatsGroupBy::SpanName,
    ] {
        store.trace_stats(by, &TraceFilter::default()).await.expect("stats survive bad JSON");
    }
}
