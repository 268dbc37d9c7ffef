//! Web mode over real HTTP on loopback: JSON routes, errors as typed JSON, the OTLP receiver
//! (protobuf and JSON, partial success, garbage refused), security headers, the DNS-rebinding
//! host check and token authentication.

use std::net::SocketAddr;

use prost::Message;
use serde_json::Value;
use tracedeck_api::app::{App, AppConfig};
use tracedeck_api::web::{ServeOptions, router};

async fn start(dir: &std::path::Path, token: Option<&str>) -> (SocketAddr, App) {
    // reqwest is built without a default TLS provider (plain HTTP here, but it insists).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = App::start(AppConfig {
        db: None,
        read_only: false,
        data_dir: dir.join("data"),
        config_dir: dir.join("config"),
        log_dir: None,
        otlp_endpoint: None,
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let r = router(app.clone(), &ServeOptions { bind: addr, token: token.map(Into::into) });
    tokio::spawn(async move { axum::serve(listener, r).await.unwrap() });
    (addr, app)
}

fn otlp_request() -> Vec<u8> {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    let kv = |k: &str, v: &str| KeyValue {
        key: k.into(),
        value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.into())) }),
        ..Default::default()
    };
    let span = |id: u8, parent: Option<u8>, name: &str| Span {
        trace_id: vec![0x42; 16],
        span_id: vec![id; 8],
        parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
        name: name.into(),
        start_time_unix_nano: 1_790_000_000_000_000_000 + id as u64 * 1_000_000,
        end_time_unix_nano: 1_790_000_000_100_000_000,
        attributes: vec![
            kv("openinference.span.kind", if parent.is_none() { "AGENT" } else { "LLM" }),
            kv("user.id", "py"),
        ],
        ..Default::default()
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![span(1, None, "py_agent.run"), span(2, Some(1), "llm")],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_otlp_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, app) = start(dir.path(), None).await;
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();

    let status: Value = http.get(format!("{base}/api/status")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["database"]["backend"], "sqlite");
    assert_eq!(status["database"]["read_only"], false);

    // OTLP protobuf in, trace out.
    let r = http
        .post(format!("{base}/v1/traces"))
        .header("content-type", "application/x-protobuf")
        .body(otlp_request())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/x-protobuf");
    app.telemetry().unwrap().writer().flush(std::time::Duration::from_secs(10)).await.unwrap();
    let page: Value = http.get(format!("{base}/api/traces?user=py")).send().await.unwrap().json().await.unwrap();
    assert_eq!(page["traces"][0]["name"], "py_agent.run");
    let id = page["traces"][0]["trace_id"].as_str().unwrap().to_owned();
    let detail: Value = http.get(format!("{base}/api/traces/{id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["spans"].as_array().unwrap().len(), 2);
    assert_eq!(detail["tree"]["roots"].as_array().unwrap().len(), 1);
    let lean: Value =
        http.get(format!("{base}/api/traces/{id}?tree=false")).send().await.unwrap().json().await.unwrap();
    assert!(lean["tree"]["nodes"].as_array().unwrap().is_empty());

    // Errors are typed JSON with the right status.
    let r = http.get(format!("{base}/api/traces/{}", "0".repeat(32))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "NotFound");
    let r = http.get(format!("{base}/api/traces?status=maybe")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = http.get(format!("{base}/api/no-such-route")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["type"], "NotFound");
    let r = http
        .post(format!("{base}/v1/traces"))
        .header("content-type", "application/x-protobuf")
        .body("garbage!")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("invalid OTLP protobuf body"));
    let partial = serde_json::json!({"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "00", "spanId": "01", "name": "bad"}]}]}]});
    let r: Value = http.post(format!("{base}/v1/traces")).json(&partial).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["partialSuccess"]["rejectedSpans"], 1);

    // The UI shell, with a strict CSP; client-side routes fall back to it.
    let r = http.get(format!("{base}/traces/abc")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");

    // DNS rebinding: a foreign Host is refused on loopback.
    let r = http.get(format!("{base}/api/status")).header("host", "attacker.example").send().await.unwrap();
    assert_eq!(r.status(), 403);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_is_required_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let token = "a-long-enough-access-token";
    let (addr, app) = start(dir.path(), Some(token)).await;
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{base}/api/status")).send().await.unwrap().status(), 401);
    assert_eq!(
        http.get(format!("{base}/api/status")).bearer_auth("wrong-token-wrong-token").send().await.unwrap().status(),
        401
    );
    assert_eq!(http.get(format!("{base}/api/status")).bearer_auth(token).send().await.unwrap().status(), 200);
    // Opening the UI with ?token= sets an HttpOnly cookie for the rest of the session.
    let r = http.get(format!("{base}/?token={token}")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();
    assert_eq!(http.get(format!("{base}/api/status")).header("cookie", pair).send().await.unwrap().status(), 200);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_a_demo_agent_over_http_and_watch_it() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, app) = start(dir.path(), None).await;
    // The runtime's spans must reach the app's recorder: install its layer for this test.
    let subscriber = {
        use tracing_subscriber::layer::SubscriberExt;
        tracing_subscriber::registry().with(app.telemetry().unwrap().layer())
    };
    let _guard = tracing::subscriber::set_global_default(subscriber);
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let agents: Value = http.get(format!("{base}/api/agents")).send().await.unwrap().json().await.unwrap();
    assert!(agents.as_array().unwrap().iter().any(|a| a["id"] == "weather" && a["kind"] == "agent"));
    let r = http
        .post(format!("{base}/api/runs"))
        .json(&serde_json::json!({"target": "nope", "input": "hi", "user_id": null, "session_id": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let started: Value = http
        .post(format!("{base}/api/runs"))
        .json(&serde_json::json!({"target": "weather", "input": "What's the weather in Paris?", "user_id": "web", "session_id": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = started["run_key"].as_str().unwrap();
    // Subscribing after the start replays everything; the stream ends after Finished.
    let body = http.get(format!("{base}/api/runs/{key}/events")).send().await.unwrap().text().await.unwrap();
    let updates: Vec<Value> =
        body.lines().filter_map(|l| l.strip_prefix("data: ")).map(|d| serde_json::from_str(d).unwrap()).collect();
    let kinds: Vec<&str> = updates.iter().map(|u| u["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"Started"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"Finished"), "{kinds:?}");
    assert!(kinds.contains(&"ToolStarted") && kinds.contains(&"Delta"), "{kinds:?}");
    let finished = updates.last().unwrap();
    assert_eq!(finished["data"]["status"], "OK");
    let trace_id = finished["data"]["trace_id"].as_str().unwrap();
    // Finished comes after the spans are stored.
    let detail: Value = http.get(format!("{base}/api/traces/{trace_id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["trace"]["user_id"], "web");
    assert_eq!(detail["spans"].as_array().unwrap().len(), 4);
    assert_eq!(http.delete(format!("{base}/api/runs/{key}")).send().await.unwrap().status(), 204);
    app.shutdown().await;
}
