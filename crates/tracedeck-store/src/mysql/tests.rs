//! Integration tests against a real MySQL/MariaDB server (`TRACEDECK_TEST_MYSQL_URL`, default
//! `mysql://root@127.0.0.1:3306`). Each test works in its own freshly named database, dropped
//! at the end even when the test fails. Without a reachable server the tests print a skip
//! message, except under `CI=true`, where a missing server is a failure.

use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};
use sqlx::mysql::MySqlConnection;
use sqlx::{AssertSqlSafe, Connection, Executor};
use tracedeck_model::ids::{span_id_hex, trace_id_hex};
use tracedeck_model::time::parse_iso;
use tracedeck_model::{SpanRow, StatusCode, TraceContext};

use super::MySqlStore;
use crate::{OpenOptions, StoreConfig};

mod measure;
mod read;
mod schema;
mod write;

fn server_url() -> String {
    std::env::var("TRACEDECK_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

/// A fresh database name on the test server, dropped when this guard goes out of scope.
pub(super) struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// `None` (after printing why) when no server is reachable outside CI.
    pub async fn new(test: &str) -> Option<TestDb> {
        static N: AtomicU32 = AtomicU32::new(0);
        let url = server_url();
        if let Err(e) = MySqlConnection::connect(&url).await {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("MySQL test server {} unreachable under CI: {e}", crate::config::redact_url(&url));
            }
            eprintln!("skipping mysql::{test}: no MySQL server at {} ({e})", crate::config::redact_url(&url));
            return None;
        }
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("td_{}_{}_{:x}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos);
        Some(TestDb { name, url })
    }

    pub fn config(&self) -> StoreConfig {
        StoreConfig::parse(&format!("{}?schema={}", self.url, self.name)).unwrap()
    }

    pub async fn open(&self) -> MySqlStore {
        MySqlStore::open(&self.config(), OpenOptions::default()).await.expect("open store")
    }

    pub async fn open_ro(&self) -> MySqlStore {
        MySqlStore::open(&self.config().with_read_only(true), OpenOptions::default()).await.expect("open read-only")
    }

    /// Runs statements on a plain connection (as another client would).
    pub async fn exec(&self, sql: &str) {
        let mut c = MySqlConnection::connect(&self.url).await.unwrap();
        c.execute(AssertSqlSafe(sql.to_owned())).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        c.close().await.unwrap();
    }

    pub async fn strings(&self, sql: &str) -> Vec<String> {
        let mut c = MySqlConnection::connect(&self.url).await.unwrap();
        let v = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql.to_owned())).fetch_all(&mut c).await.unwrap();
        c.close().await.unwrap();
        v
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        // Async cleanup from Drop: a private runtime on its own thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut c) = MySqlConnection::connect(&url).await {
                    let _ = c.execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS `{name}`"))).await;
                }
            });
        })
        .join();
    }
}

pub(super) fn user(n: u128) -> &'static str {
    if n % 2 == 1 { "alice" } else { "bob" }
}

/// 2026-11-25T16:00:00Z plus `ms`, in ns.
pub(super) fn at(ms: i64) -> i64 {
    parse_iso("2026-11-25T16:00:00+00:00").unwrap() + ms * 1_000_000
}

pub(super) fn tid(n: u128) -> String {
    trace_id_hex(0xabc0_0000_0000_0000_0000_0000_0000_0000 + n)
}

pub(super) fn sid(n: u64) -> String {
    span_id_hex(0x5000_0000_0000_0000 + n)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn span(
    trace: &str,
    id: &str,
    parent: Option<&str>,
    name: &str,
    start_ms: i64,
    end_ms: i64,
    err: bool,
    attrs: Value,
) -> SpanRow {
    let context = match (parent, attrs.as_object()) {
        (None, Some(a)) => TraceContext::from_attributes(a),
        _ => TraceContext::default(),
    };
    SpanRow {
        trace_id: trace.into(),
        span_id: id.into(),
        parent_span_id: parent.map(Into::into),
        name: name.into(),
        span_kind: "INTERNAL".into(),
        status_code: if err { StatusCode::Error } else { StatusCode::Ok },
        status_message: err.then(|| "boom".to_owned()),
        start_ns: at(start_ms),
        end_ns: at(end_ms),
        attributes: attrs.to_string(),
        context,
        created_ns: at(end_ms),
    }
}

/// An agent run as Agno records it: the AGENT root, two LLM calls and a tool call between
/// them (`tool_err` makes the tool fail), plus padding to `pad` bytes of attributes per span.
pub(super) fn agent_trace(n: u128, start_ms: i64, user: &str, tool_err: bool, pad: usize) -> Vec<SpanRow> {
    let t = tid(n);
    let base = (n as u64) * 16;
    let filler = "x".repeat(pad);
    let root = sid(base);
    vec![
        span(
            &t,
            &root,
            None,
            "Calculator_Agent.run",
            start_ms,
            start_ms + 900,
            false,
            json!({
                "openinference.span.kind": "AGENT", "input.value": format!("question {n}"),
                "agno.agent.id": "calculator-agent", "session.id": format!("sess-{user}"), "user.id": user,
                "agno.run.id": format!("run-{n}"), "output.value": "answer", "pad": filler,
            }),
        ),
        span(
            &t,
            &sid(base + 1),
            Some(&root),
            "OpenAIChat.invoke",
            start_ms + 10,
            start_ms + 300,
            false,
            json!({
                "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini",
                "llm.token_count.prompt": 47, "llm.token_count.completion": 4, "pad": filler,
            }),
        ),
        span(
            &t,
            &sid(base + 2),
            Some(&root),
            "divide",
            start_ms + 310,
            start_ms + 320,
            tool_err,
            json!({
                "openinference.span.kind": "TOOL", "tool.name": "divide", "input.value": "{\"a\": 1}", "pad": filler,
            }),
        ),
        span(
            &t,
            &sid(base + 3),
            Some(&root),
            "OpenAIChat.invoke",
            start_ms + 330,
            start_ms + 880,
            false,
            json!({
                "openinference.span.kind": "LLM", "llm.model_name": "gpt-4o-mini", "llm.token_count.total": 60,
                "pad": filler,
            }),
        ),
    ]
}
