//! Writing: Agno's merge rules across batches, retries, and values too long or too large
//! for the columns or for `max_allowed_packet`, and malformed attribute JSON.

use serde_json::json;
use sqlx::Row;
use tracedeck_model::{PageRequest, TraceFilter, attrs};

use super::{TestDb, sid, span, tid};
use crate::mysql::write::TRUNCATED_ATTRIBUTES;

/// The stored trace row, as text.
async fn trace_row(db: &TestDb, trace: &str) -> Vec<Option<String>> {
    let mut c = <sqlx::mysql::MySqlConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT name, status, start_time, end_time, CAST(duration_ms AS CHAR), run_id, session_id, agent_id, team_id, \
         workflow_id FROM `{}`.agno_traces WHERE trace_id = ?",
        db.name
    )))
    .bind(trace)
    .fetch_one(&mut c)
    .await
    .unwrap();
    (0..10).map(|i| r.get::<Option<String>, _>(i)).collect()
}

#[tokio::test]
async fn merges_trace_rows_across_batches() {
    let Some(db) = TestDb::new("merges_trace_rows").await else {
        return;
    };
    let s = db.open().await;
    let t = tid(1);
    let s_ = |v: &str| Some(v.to_owned());
    // 1. A child span arrives first and fails: child name, no ids, ERROR.
    let child = span(&t, &sid(2), Some(&sid(1)), "OpenAIChat.invoke", 100, 200, true, json!({"x": 1}));
    s.write_batch(std::slice::from_ref(&child)).await.unwrap();
    let row = trace_row(&db, &t).await;
    assert_eq!(row[..2], [s_("OpenAIChat.invoke"), s_("ERROR")]);
    assert_eq!(row[5..], [None, None, None, None, None]);
    // 2. The team root: higher level, so its name and ids win; ERROR is sticky; times widen.
    let team = span(
        &t,
        &sid(1),
        None,
        "Travel_Team.run",
        0,
        1000,
        false,
        json!({
        "agno.team.id": "team-1", "session.id": "s1", "agno.run.id": "r1"}),
    );
    s.write_batch(&[team]).await.unwrap();
    let row = trace_row(&db, &t).await;
    assert_eq!(
        row[..5],
        [
            s_("Travel_Team.run"),
            s_("ERROR"),
            s_("2026-11-25T16:00:00.000000+00:00"),
            s_("2026-11-25T16:00:01.000000+00:00"),
            s_("1000")
        ]
    );
    assert_eq!(row[5..], [s_("r1"), s_("s1"), None, s_("team-1"), None]);
    // 3. A member agent root (lower level) with another session: name and session stay, the
    //    missing agent id is filled in, end time extends.
    let member = span(
        &t,
        &sid(3),
        None,
        "Member.run",
        50,
        1500,
        false,
        json!({
        "agno.agent.id": "agent-1", "session.id": "other", "agno.run.id": "r2"}),
    );
    s.write_batch(&[member]).await.unwrap();
    let row = trace_row(&db, &t).await;
    assert_eq!(
        row[..5],
        [
            s_("Travel_Team.run"),
            s_("ERROR"),
            s_("2026-11-25T16:00:00.000000+00:00"),
            s_("2026-11-25T16:00:01.500000+00:00"),
            s_("1500")
        ]
    );
    assert_eq!(row[5..], [s_("r1"), s_("s1"), s_("agent-1"), s_("team-1"), None]);
    // 4. A workflow root starting earlier: highest level, start moves back.
    let flow = span(&t, &sid(4), None, "Flow.arun", -250, 10, false, json!({"agno.workflow.id": "wf"}));
    s.write_batch(&[flow]).await.unwrap();
    let row = trace_row(&db, &t).await;
    assert_eq!(
        row[..5],
        [
            s_("Flow.arun"),
            s_("ERROR"),
            s_("2026-11-25T15:59:59.750000+00:00"),
            s_("2026-11-25T16:00:01.500000+00:00"),
            s_("1750")
        ]
    );
    assert_eq!(row[9], s_("wf"));
    // A retried batch changes nothing and duplicates nothing.
    s.write_batch(&[child]).await.unwrap();
    assert_eq!(trace_row(&db, &t).await, row);
    assert_eq!(s.get_trace(&t).await.unwrap().unwrap().spans.len(), 4);

    // Without errors the last batch's status stands (Agno), and a name is not replaced by
    // an equal level.
    let t2 = tid(2);
    let a = span(&t2, &sid(20), None, "A.run", 0, 10, false, json!({"agno.agent.id": "a"}));
    let b = span(&t2, &sid(21), None, "B.run", 0, 10, false, json!({"agno.agent.id": "b"}));
    s.write_batch(&[a]).await.unwrap();
    s.write_batch(&[b]).await.unwrap();
    let row = trace_row(&db, &t2).await;
    assert_eq!((row[0].as_deref(), row[1].as_deref(), row[7].as_deref()), (Some("A.run"), Some("OK"), Some("a")));
    s.close().await;
}

#[tokio::test]
async fn oversized_and_malformed_values() {
    let Some(db) = TestDb::new("oversized_values").await else {
        return;
    };
    let s = db.open().await;
    let t = "f".repeat(200);
    let long_name = "é".repeat(300);
    let big = format!("\"quoted\" ü {}", "y".repeat(10 << 20));
    let mut rows = vec![
        span(&t, &sid(1), None, &long_name, 0, 10, true, json!({"input.value": big, "user.id": "u".repeat(300)})),
        span(&t, &sid(2), Some(&sid(1)), "child", 1, 2, false, json!({})),
    ];
    rows[0].span_kind = "K".repeat(60);
    rows[0].status_message = Some("m".repeat(70_000));
    rows[1].attributes = "{oops".into();
    let huge = "z".repeat(s.max_packet + (1 << 20));
    rows.push(span(&t, &sid(3), Some(&sid(1)), "huge", 3, 4, false, json!({"output.value": huge, "keep": 7})));
    s.write_batch(&rows).await.unwrap();

    let d = s.get_trace(&t[..128]).await.unwrap().expect("trace ids are cut to 128 characters consistently");
    assert_eq!(d.trace.name.chars().count(), 255);
    assert_eq!(d.trace.user_id.as_deref().map(str::len), Some(128));
    assert_eq!(d.spans.len(), 3);
    let root = &d.spans[0];
    assert_eq!(
        root.attributes.get("input.value").as_ref().and_then(|v| v.as_str()),
        Some(big.as_str()),
        "a 10 MB value is stored whole"
    );
    assert_eq!((root.span_kind.len(), root.status_message.as_ref().map(String::len)), (50, Some(65_535)));
    assert_eq!(d.spans[1].attributes.get(attrs::INVALID_ATTRIBUTES), Some(json!("{oops")));
    let cut = d.spans[2].attributes.to_map();
    assert_eq!(cut["keep"], 7);
    assert!(cut[TRUNCATED_ATTRIBUTES].as_u64().unwrap() > s.max_packet as u64);
    assert!(cut["output.value"].as_str().unwrap().len() > s.max_packet / 2);
    let page = s.list_traces(&TraceFilter::default(), &PageRequest::default()).await.unwrap();
    assert!(page.traces[0].input_preview.as_deref().unwrap().starts_with("\"quoted\" ü yyy"));
    s.close().await;
}
