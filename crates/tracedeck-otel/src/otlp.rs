//! OTLP/HTTP trace decoding for external agents (any OpenTelemetry SDK, e.g. Python):
//! `ExportTraceServiceRequest` as protobuf or JSON -> Agno rows. Pure: the HTTP endpoint
//! lives in the api crate and hands the rows to the store's writer.
//!
//! Bad input gets a clear error and loses nothing else: a body that does not decode is
//! refused as a whole (HTTP 400); individual spans with invalid ids are skipped, counted and
//! described (OTLP "partial success"), the others are kept. Resource attributes are kept under
//! `tracedeck.resource` (and `service.name` is copied to the span when it has none), the
//! instrumentation scope under `tracedeck.scope`.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{Span, span, status};
use prost::Message;
use serde_json::{Map, Value as Json};
use tracedeck_model::{SpanRow, StatusCode, attrs};

use crate::transform::{LINKS, row_from_parts};

/// Reserved keys for what OTLP carries beside the span.
pub const RESOURCE: &str = "tracedeck.resource";
pub const SCOPE: &str = "tracedeck.scope";

#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    #[error("invalid OTLP protobuf body: {0}")]
    Protobuf(#[from] prost::DecodeError),
    #[error("invalid OTLP JSON body: {0}")]
    Json(#[from] serde_json::Error),
}

/// Spans decoded from one request, and what was refused.
#[derive(Debug, Default)]
pub struct Decoded {
    pub rows: Vec<SpanRow>,
    pub rejected: usize,
    /// First few reasons, for the partial-success message.
    pub problems: Vec<String>,
}

pub fn decode_protobuf(body: &[u8], created_ns: i64) -> Result<Decoded, OtlpError> {
    Ok(convert(ExportTraceServiceRequest::decode(body)?, created_ns))
}

pub fn decode_json(body: &[u8], created_ns: i64) -> Result<Decoded, OtlpError> {
    Ok(convert(serde_json::from_slice(body)?, created_ns))
}

fn any_to_json(v: &AnyValue) -> Json {
    match &v.value {
        None => Json::Null,
        Some(any_value::Value::StringValue(s)) => Json::String(s.clone()),
        Some(any_value::Value::BoolValue(b)) => Json::Bool(*b),
        Some(any_value::Value::IntValue(i)) => Json::from(*i),
        Some(any_value::Value::DoubleValue(f)) => {
            serde_json::Number::from_f64(*f).map(Json::Number).unwrap_or_else(|| Json::String(f.to_string()))
        }
        Some(any_value::Value::ArrayValue(a)) => Json::Array(a.values.iter().map(any_to_json).collect()),
        Some(any_value::Value::KvlistValue(kv)) => Json::Object(kv_to_map(&kv.values)),
        Some(any_value::Value::BytesValue(b)) => Json::String(b.iter().map(|x| format!("{x:02x}")).collect()),
        #[allow(unreachable_patterns)]
        Some(_) => Json::Null,
    }
}

fn kv_to_map(kvs: &[KeyValue]) -> Map<String, Json> {
    kvs.iter().map(|kv| (kv.key.clone(), kv.value.as_ref().map(any_to_json).unwrap_or(Json::Null))).collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn kind_str(k: i32) -> &'static str {
    match span::SpanKind::try_from(k).unwrap_or(span::SpanKind::Unspecified) {
        span::SpanKind::Server => "SERVER",
        span::SpanKind::Client => "CLIENT",
        span::SpanKind::Producer => "PRODUCER",
        span::SpanKind::Consumer => "CONSUMER",
        _ => "INTERNAL",
    }
}

fn nanos(t: u64) -> i64 {
    t.min(i64::MAX as u64) as i64
}

fn check_span(s: &Span) -> Result<(), String> {
    if s.trace_id.len() != 16 || s.trace_id.iter().all(|b| *b == 0) {
        return Err(format!("span {:?}: trace_id must be 16 non-zero bytes", s.name));
    }
    if s.span_id.len() != 8 || s.span_id.iter().all(|b| *b == 0) {
        return Err(format!("span {:?}: span_id must be 8 non-zero bytes", s.name));
    }
    if !s.parent_span_id.is_empty() && s.parent_span_id.len() != 8 {
        return Err(format!("span {:?}: parent_span_id must be empty or 8 bytes", s.name));
    }
    Ok(())
}

fn convert(req: ExportTraceServiceRequest, created_ns: i64) -> Decoded {
    let mut out = Decoded::default();
    for rs in &req.resource_spans {
        let resource = rs.resource.as_ref().map(|r| kv_to_map(&r.attributes)).unwrap_or_default();
        for ss in &rs.scope_spans {
            let scope = ss.scope.as_ref().map(|s| {
                let mut m = Map::new();
                m.insert("name".into(), Json::String(s.name.clone()));
                if !s.version.is_empty() {
                    m.insert("version".into(), Json::String(s.version.clone()));
                }
                m
            });
            for s in &ss.spans {
                if let Err(problem) = check_span(s) {
                    out.rejected += 1;
                    if out.problems.len() < 5 {
                        out.problems.push(problem);
                    }
                    continue;
                }
                out.rows.push(to_row(s, &resource, scope.as_ref(), created_ns));
            }
        }
    }
    out
}

fn to_row(s: &Span, resource: &Map<String, Json>, scope: Option<&Map<String, Json>>, created_ns: i64) -> SpanRow {
    let mut map = kv_to_map(&s.attributes);
    if !resource.is_empty() {
        if let Some(svc) = resource.get("service.name") {
            map.entry("service.name").or_insert_with(|| svc.clone());
        }
        map.insert(RESOURCE.into(), Json::Object(resource.clone()));
    }
    if let Some(scope) = scope.filter(|m| m.get("name").and_then(Json::as_str).is_some_and(|n| !n.is_empty())) {
        map.insert(SCOPE.into(), Json::Object(scope.clone()));
    }
    if !s.events.is_empty() {
        let events = s
            .events
            .iter()
            .map(|e| {
                let mut ev = Map::new();
                ev.insert("name".into(), Json::String(e.name.clone()));
                ev.insert("time".into(), Json::String(tracedeck_model::time::format_iso(nanos(e.time_unix_nano))));
                if !e.attributes.is_empty() {
                    ev.insert("attributes".into(), Json::Object(kv_to_map(&e.attributes)));
                }
                Json::Object(ev)
            })
            .collect();
        map.insert(attrs::EVENTS.into(), Json::Array(events));
    }
    if !s.links.is_empty() {
        let links = s
            .links
            .iter()
            .map(|l| {
                serde_json::json!({"trace_id": hex(&l.trace_id), "span_id": hex(&l.span_id),
                    "attributes": Json::Object(kv_to_map(&l.attributes))})
            })
            .collect();
        map.insert(LINKS.into(), Json::Array(links));
    }
    let (status, message) = match &s.status {
        Some(st) => match status::StatusCode::try_from(st.code).unwrap_or(status::StatusCode::Unset) {
            status::StatusCode::Error => (StatusCode::Error, Some(st.message.clone())),
            status::StatusCode::Ok => (StatusCode::Ok, None),
            status::StatusCode::Unset => (StatusCode::Unset, None),
        },
        None => (StatusCode::Unset, None),
    };
    let start = nanos(s.start_time_unix_nano);
    let end = if s.end_time_unix_nano == 0 { start } else { nanos(s.end_time_unix_nano) };
    row_from_parts(
        hex(&s.trace_id),
        hex(&s.span_id),
        (!s.parent_span_id.is_empty()).then(|| hex(&s.parent_span_id)),
        if s.name.is_empty() { "(unnamed)".into() } else { s.name.clone() },
        kind_str(s.kind),
        status,
        message,
        start,
        end,
        map,
        created_ns,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Status};

    fn kv(k: &str, v: &str) -> KeyValue {
        KeyValue {
            key: k.into(),
            value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.into())) }),
            ..Default::default()
        }
    }

    fn request(spans: Vec<Span>) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(Resource { attributes: vec![kv("service.name", "py-agent")], ..Default::default() }),
                scope_spans: vec![ScopeSpans { spans, ..Default::default() }],
                ..Default::default()
            }],
        }
    }

    fn good(name: &str) -> Span {
        Span {
            trace_id: vec![0xab; 16],
            span_id: vec![0x01; 8],
            name: name.into(),
            kind: span::SpanKind::Client as i32,
            start_time_unix_nano: 1_790_000_000_000_000_000,
            end_time_unix_nano: 1_790_000_000_500_000_000,
            attributes: vec![kv("openinference.span.kind", "LLM"), kv("session.id", "s1")],
            status: Some(Status { code: status::StatusCode::Error as i32, message: "rate limited".into() }),
            ..Default::default()
        }
    }

    #[test]
    fn protobuf_round_trip() {
        let body = request(vec![good("ChatOpenAI.invoke")]).encode_to_vec();
        let d = decode_protobuf(&body, 7).unwrap();
        assert_eq!(d.rows.len(), 1);
        let r = &d.rows[0];
        assert_eq!(r.trace_id, "ab".repeat(16));
        assert_eq!(r.span_kind, "CLIENT");
        assert_eq!((r.status_code, r.status_message.as_deref()), (StatusCode::Error, Some("rate limited")));
        assert_eq!(r.duration_ms(), 500);
        assert_eq!(r.context.session_id.as_deref(), Some("s1"));
        let a: Json = serde_json::from_str(&r.attributes).unwrap();
        assert_eq!(a["service.name"], "py-agent");
        assert_eq!(a[RESOURCE]["service.name"], "py-agent");
    }

    #[test]
    fn invalid_spans_are_skipped_and_described() {
        let mut bad = good("bad");
        bad.span_id = vec![1, 2, 3];
        let d = decode_protobuf(&request(vec![good("ok"), bad]).encode_to_vec(), 0).unwrap();
        assert_eq!((d.rows.len(), d.rejected), (1, 1));
        assert!(d.problems[0].contains("span_id"), "{:?}", d.problems);
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let e = decode_protobuf(b"\xff\xff\xff not protobuf", 0).unwrap_err();
        assert!(e.to_string().starts_with("invalid OTLP protobuf body"), "{e}");
        let e = decode_json(b"{\"resourceSpans\": 3}", 0).unwrap_err();
        assert!(e.to_string().starts_with("invalid OTLP JSON body"), "{e}");
    }

    #[test]
    fn json_uses_hex_ids() {
        let body = serde_json::json!({"resourceSpans": [{"scopeSpans": [{"scope": {"name": "openinference"}, "spans": [{
            "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "parentSpanId": "eee19b7ec3c1b173",
            "name": "get_weather", "kind": 1, "startTimeUnixNano": "1790000000000000000", "endTimeUnixNano": "1790000000001000000",
            "attributes": [{"key": "tool.name", "value": {"stringValue": "get_weather"}}, {"key": "n", "value": {"intValue": "3"}}],
            "events": [{"name": "exception", "timeUnixNano": "1790000000000500000", "attributes": [{"key": "exception.message", "value": {"stringValue": "boom"}}]}]
        }]}]}]});
        let d = decode_json(body.to_string().as_bytes(), 0).unwrap();
        let r = &d.rows[0];
        assert_eq!(r.trace_id, "5b8efff798038103d269b633813fc60c");
        assert_eq!(r.parent_span_id.as_deref(), Some("eee19b7ec3c1b173"));
        let a: Json = serde_json::from_str(&r.attributes).unwrap();
        assert_eq!(a["n"], 3);
        assert_eq!(a[attrs::EVENTS][0]["attributes"]["exception.message"], "boom");
        assert_eq!(a[SCOPE]["name"], "openinference");
    }
}
