//! Two measurements, ignored by default: the ingest rate of agent-shaped spans and the read
//! path on 100k traces / 600k spans. Run them in release mode with `--ignored --nocapture`.

use std::time::Instant;

use tracedeck_model::{PageRequest, StatsGroupBy, TraceFilter, TraceStatus};

use super::{TestDb, agent_trace, at, sid, tid, user};

/// Agent-shaped spans with ~1 KB of attributes each.
fn ingest_rows(traces: u128, pad: usize) -> Vec<tracedeck_model::SpanRow> {
    (0..traces).flat_map(|n| agent_trace(n, n as i64 * 10, user(n % 50), n % 100 == 0, pad)).collect()
}

/// CPU seconds used so far by a local `mariadbd`/`mysqld` and by this process (Linux), to
/// report costs that do not depend on what else the machine is running.
fn cpu_secs() -> (f64, f64) {
    let ticks = |stat: &str| -> f64 {
        let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
        let f: Vec<&str> = after.split_whitespace().collect();
        let n = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        (n(11) + n(12)) / 100.0
    };
    let mut server = 0.0;
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        if matches!(comm.trim(), "mariadbd" | "mysqld") {
            server += ticks(&std::fs::read_to_string(e.path().join("stat")).unwrap_or_default());
        }
    }
    (server, ticks(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default()))
}

/// `cargo test --release -p tracedeck-store mysql::tests::measure::ingest_rate -- --ignored --nocapture`
#[tokio::test]
#[ignore = "measurement"]
async fn ingest_rate() {
    let Some(db) = TestDb::new("ingest_rate").await else {
        return;
    };
    let s = db.open().await;
    let rows = ingest_rows(15_000, 850);
    let avg = rows.iter().map(|r| r.attributes.len()).sum::<usize>() / rows.len();
    let (cpu0, start) = (cpu_secs(), Instant::now());
    for batch in rows.chunks(5000) {
        s.write_batch(batch).await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu1 = cpu_secs();
    println!(
        "mysql ingest: {} spans (avg {avg} B attributes) in {secs:.2}s = {:.0} spans/s; CPU: server {:.2}s, client {:.2}s",
        rows.len(),
        rows.len() as f64 / secs,
        cpu1.0 - cpu0.0,
        cpu1.1 - cpu0.1
    );
    assert_eq!(s.check().await.unwrap().span_count, 60_000);
    s.close().await;
}

/// `cargo test --release -p tracedeck-store mysql::tests::measure::reads_at_scale -- --ignored --nocapture`
#[tokio::test]
#[ignore = "measurement"]
async fn reads_at_scale() {
    let Some(db) = TestDb::new("reads_at_scale").await else {
        return;
    };
    let s = db.open().await;
    let start = Instant::now();
    for chunk in (0..100_000u128).collect::<Vec<_>>().chunks(2500) {
        let rows: Vec<_> = chunk
            .iter()
            .flat_map(|&n| {
                let mut r = agent_trace(n, n as i64 * 10, user(n % 50), n % 100 == 0, 150);
                let extra = r[2].clone();
                r.extend((4..6).map(|k| {
                    let mut x = extra.clone();
                    x.span_id = sid(n as u64 * 16 + k);
                    x.status_code = tracedeck_model::StatusCode::Ok;
                    x
                }));
                r
            })
            .collect();
        s.write_batch(&rows).await.unwrap();
    }
    println!("wrote 100k traces / 600k spans in {:.1}s", start.elapsed().as_secs_f64());
    let time = |label: &str, t: Instant| println!("{label:>28}: {:>8.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    let page = |f: TraceFilter, cursor: Option<String>| {
        let s = &s;
        async move { s.list_traces(&f, &PageRequest { limit: 50, cursor }).await.unwrap() }
    };
    let t = Instant::now();
    let mut p = page(TraceFilter::default(), None).await;
    time("first page", t);
    assert_eq!(p.traces.len(), 50);
    let t = Instant::now();
    for _ in 0..20 {
        p = page(TraceFilter::default(), p.next_cursor.clone()).await;
    }
    println!("{:>28}: {:>8.1} ms", "next page (mean of 20)", t.elapsed().as_secs_f64() * 1000.0 / 20.0);
    let mid = tracedeck_model::Cursor { start_time: tracedeck_model::time::format_iso(at(500_000)), trace_id: tid(0) };
    let t = Instant::now();
    let deep = page(TraceFilter::default(), Some(mid.encode())).await;
    time("page from the middle", t);
    assert_eq!(deep.traces.len(), 50);
    for (label, f) in [
        ("user filter", TraceFilter { user_id: Some("alice".into()), ..Default::default() }),
        ("status ERROR (1%)", TraceFilter { status: Some(TraceStatus::Error), ..Default::default() }),
        ("status OK", TraceFilter { status: Some(TraceStatus::Ok), ..Default::default() }),
        ("search 'question 99999'", TraceFilter { search: Some("question 99999".into()), ..Default::default() }),
        ("search 'question 50000'", TraceFilter { search: Some("question 50000".into()), ..Default::default() }),
    ] {
        let t = Instant::now();
        let p = page(f, None).await;
        time(label, t);
        assert!(!p.traces.is_empty());
    }
    let t = Instant::now();
    let d = s.get_trace(&tid(77_777)).await.unwrap().unwrap();
    time("get_trace", t);
    assert_eq!(d.spans.len(), 6);
    for by in [StatsGroupBy::User, StatsGroupBy::Model] {
        let t = Instant::now();
        let r = s.trace_stats(by, &TraceFilter::default()).await.unwrap();
        time(&format!("stats {by:?}"), t);
        assert!(!r.is_empty());
    }
    s.close().await;
}
