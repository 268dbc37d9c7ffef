//! Reading back: the run list (pages, filters, derived status, aggregates), trace detail,
//! single spans and statistics.

use tracedeck_model::{PageRequest, SemanticKind, StatsGroupBy, TraceFilter, TraceStatus};

use super::{MySqlStore, TestDb, agent_trace, at, sid, tid, user};

/// 30 agent runs one second apart; every fifth one has a failing tool.
async fn thirty(s: &MySqlStore) {
    let rows: Vec<_> = (0..30).flat_map(|n| agent_trace(n, n as i64 * 1000, user(n), n % 5 == 0, 100)).collect();
    s.write_batch(&rows).await.unwrap();
}

async fn ids(s: &MySqlStore, f: TraceFilter) -> Vec<String> {
    let page = s.list_traces(&f, &PageRequest { limit: 1000, cursor: None }).await.unwrap();
    page.traces.into_iter().map(|t| t.trace_id).collect()
}

#[tokio::test]
async fn lists_pages_filters_and_details() {
    let Some(db) = TestDb::new("lists_pages_filters").await else {
        return;
    };
    let s = db.open().await;
    thirty(&s).await;
    s.write_batch(&agent_trace(3, 3000, "alice", false, 100)).await.unwrap(); // a retried batch

    let page = s.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap();
    assert_eq!(page.traces.len(), 30);
    assert!(page.next_cursor.is_none());
    let first = &page.traces[0];
    assert_eq!(first.trace_id, tid(29));
    assert_eq!((first.span_count, first.error_count, first.total_tokens), (4, 0, 47 + 4 + 60));
    assert_eq!(first.input_preview.as_deref(), Some("question 29"));
    assert_eq!((first.status, first.duration_ms), (TraceStatus::Ok, 900.0));
    assert_eq!((first.user_id.as_deref(), first.agent_id.as_deref()), (Some("alice"), Some("calculator-agent")));
    let failed = page.traces.iter().find(|t| t.trace_id == tid(25)).unwrap();
    assert_eq!((failed.status, failed.error_count, failed.stored_status.as_str()), (TraceStatus::Error, 1, "ERROR"));

    // Keyset pages, including ties on start_time (two traces share each second below).
    s.write_batch(&agent_trace(100, 7000, "carol", false, 0)).await.unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = s.list_traces(&TraceFilter::default(), &PageRequest { limit: 7, cursor }).await.unwrap();
        seen.extend(p.traces.iter().map(|t| (t.start_time.clone(), t.trace_id.clone())));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 31);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "strictly descending, no duplicates");
    let bad = PageRequest { limit: 5, cursor: Some("garbage".into()) };
    assert!(s.list_traces(&TraceFilter::default(), &bad).await.is_err());

    let f = |f: TraceFilter| ids(&s, f);
    assert_eq!(f(TraceFilter { user_id: Some("alice".into()), ..Default::default() }).await.len(), 15);
    assert_eq!(f(TraceFilter { status: Some(TraceStatus::Error), ..Default::default() }).await.len(), 6);
    assert_eq!(f(TraceFilter { status: Some(TraceStatus::Ok), ..Default::default() }).await.len(), 25);
    assert_eq!(f(TraceFilter { search: Some("QUESTION 17".into()), ..Default::default() }).await, [tid(17)]);
    assert_eq!(f(TraceFilter { search: Some("divide".into()), ..Default::default() }).await.len(), 31);
    assert_eq!(f(TraceFilter { search: Some("100%".into()), ..Default::default() }).await.len(), 0);
    assert_eq!(f(TraceFilter { search: Some(tid(4).to_uppercase()), ..Default::default() }).await, [tid(4)]);
    assert_eq!(f(TraceFilter { run_id: Some("run-8".into()), ..Default::default() }).await, [tid(8)]);
    let since =
        TraceFilter { since_us: Some(at(10_000) / 1000), until_us: Some(at(20_000) / 1000), ..Default::default() };
    assert_eq!(f(since).await.len(), 10);

    // Derived status: a stale stored OK with an errored span is ERROR, a stored ERROR stays.
    db.exec(&format!("UPDATE `{}`.agno_traces SET status = 'OK' WHERE trace_id = '{}'", db.name, tid(5))).await;
    db.exec(&format!("UPDATE `{}`.agno_traces SET status = 'ERROR' WHERE trace_id = '{}'", db.name, tid(6))).await;
    let errs = f(TraceFilter { status: Some(TraceStatus::Error), ..Default::default() }).await;
    assert!(errs.contains(&tid(5)) && errs.contains(&tid(6)) && errs.len() == 7, "{errs:?}");

    let d = s.get_trace(&tid(25).to_uppercase()).await.unwrap().unwrap();
    assert_eq!(d.spans.len(), 4);
    assert!(d.spans.windows(2).all(|w| w[0].start_us <= w[1].start_us));
    assert_eq!(d.tree.roots.len(), 1);
    assert_eq!((d.trace.total_tokens, d.trace.status), (111, TraceStatus::Error));
    assert!(s.get_trace(&tid(999)).await.unwrap().is_none());

    let sp = s.get_span(&sid(25 * 16 + 1)).await.unwrap().unwrap();
    assert_eq!((sp.kind, sp.name.as_str()), (SemanticKind::Llm, "OpenAIChat.invoke"));
    assert_eq!(sp.attributes.get("llm.token_count.prompt"), Some(47.into()));
    assert_eq!(sp.tokens, Some(51));
    assert_eq!(sp.duration_ms, 290.0);
    assert!(s.get_span("ffffffffffffffff").await.unwrap().is_none());
    s.close().await;
}

#[tokio::test]
async fn statistics() {
    let Some(db) = TestDb::new("statistics").await else {
        return;
    };
    let s = db.open().await;
    thirty(&s).await;
    let all = TraceFilter::default();
    let users = s.trace_stats(StatsGroupBy::User, &all).await.unwrap();
    assert_eq!(users.len(), 2);
    let alice = users.iter().find(|r| r.key.as_deref() == Some("alice")).unwrap();
    assert_eq!((alice.count, alice.error_count, alice.total_tokens), (15, 3, 15 * 111));
    assert_eq!((alice.avg_duration_ms, alice.max_duration_ms), (900.0, 900.0));
    assert_eq!(alice.last_seen.as_deref(), Some("2026-11-25T16:00:29.000000+00:00"));
    let agents = s.trace_stats(StatsGroupBy::Agent, &all).await.unwrap();
    assert_eq!((agents[0].key.as_deref(), agents[0].count), (Some("calculator-agent"), 30));
    let sessions = s.trace_stats(StatsGroupBy::Session, &all).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let models = s.trace_stats(StatsGroupBy::Model, &all).await.unwrap();
    assert_eq!(models.len(), 1);
    assert_eq!(
        (models[0].key.as_deref(), models[0].count, models[0].total_tokens),
        (Some("gpt-4o-mini"), 60, 30 * 111)
    );
    assert_eq!(models[0].max_duration_ms, 550.0);
    let alice_only = TraceFilter { user_id: Some("alice".into()), ..Default::default() };
    let alice_models = s.trace_stats(StatsGroupBy::Model, &alice_only).await.unwrap();
    assert_eq!((alice_models[0].count, alice_models[0].total_tokens), (30, 15 * 111));
    let names = s.trace_stats(StatsGroupBy::SpanName, &all).await.unwrap();
    let divide = names.iter().find(|r| r.key.as_deref() == Some("divide")).unwrap();
    assert_eq!((divide.count, divide.error_count, divide.avg_duration_ms), (30, 6, 10.0));
    let only_errors =
        TraceFilter { status: Some(TraceStatus::Error), user_id: Some("bob".into()), ..Default::default() };
    let bob = s.trace_stats(StatsGroupBy::User, &only_errors).await.unwrap();
    assert_eq!((bob.len(), bob[0].count, bob[0].error_count), (1, 3, 3));
    s.close().await;
}
