//! SpanData -> Agno row, with no IO. Attribute values keep their JSON types (bool, integer,
//! float, string, arrays); non-finite floats become strings (JSON has no NaN). Span events
//! (exceptions with `exception.stacktrace`, logs) and links go under the reserved keys
//! `tracedeck.events` / `tracedeck.links` so every key Agno reads is untouched.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use serde_json::{Map, Value as Json};
use tracedeck_model::time::format_iso;
use tracedeck_model::{SpanRow, StatusCode, TraceContext, attrs};

/// Reserved key for span links.
pub const LINKS: &str = "tracedeck.links";
/// Reserved key recording how many attributes the SDK dropped (span limits).
pub const DROPPED_ATTRIBUTES: &str = "tracedeck.dropped_attributes_count";

pub fn system_time_ns(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_nanos().min(i64::MAX as u128) as i64),
    }
}

fn float(f: f64) -> Json {
    serde_json::Number::from_f64(f).map(Json::Number).unwrap_or_else(|| Json::String(f.to_string()))
}

/// One OTel attribute value as JSON.
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Bool(b) => Json::Bool(*b),
        Value::I64(i) => Json::from(*i),
        Value::F64(f) => float(*f),
        Value::String(s) => Json::String(s.as_str().to_owned()),
        Value::Array(a) => match a {
            Array::Bool(v) => Json::Array(v.iter().map(|b| Json::Bool(*b)).collect()),
            Array::I64(v) => Json::Array(v.iter().map(|i| Json::from(*i)).collect()),
            Array::F64(v) => Json::Array(v.iter().map(|f| float(*f)).collect()),
            Array::String(v) => Json::Array(v.iter().map(|s| Json::String(s.as_str().to_owned())).collect()),
            other => Json::String(other.to_string()),
        },
        other => Json::String(other.to_string()),
    }
}

pub fn attributes_to_map<'a>(kvs: impl IntoIterator<Item = &'a KeyValue>) -> Map<String, Json> {
    kvs.into_iter().map(|kv| (kv.key.as_str().to_owned(), value_to_json(&kv.value))).collect()
}

pub fn span_kind_str(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Client => "CLIENT",
        SpanKind::Server => "SERVER",
        SpanKind::Producer => "PRODUCER",
        SpanKind::Consumer => "CONSUMER",
        SpanKind::Internal => "INTERNAL",
    }
}

/// Builds the row from its parts; shared by the SDK path and the OTLP receiver.
#[allow(clippy::too_many_arguments)]
pub fn row_from_parts(
    trace_id: String,
    span_id: String,
    parent_span_id: Option<String>,
    name: String,
    span_kind: &str,
    status: StatusCode,
    status_message: Option<String>,
    start_ns: i64,
    end_ns: i64,
    attributes: Map<String, Json>,
    created_ns: i64,
) -> SpanRow {
    let context = TraceContext::from_attributes(&attributes);
    let attributes = serde_json::to_string(&attributes).unwrap_or_else(|_| "{}".into());
    SpanRow {
        trace_id,
        span_id,
        parent_span_id,
        name,
        span_kind: span_kind.to_owned(),
        status_code: status,
        status_message: status_message.filter(|m| !m.is_empty()),
        start_ns,
        end_ns: end_ns.max(start_ns),
        attributes,
        context,
        created_ns,
    }
}

/// The Agno row for one finished OTel span.
pub fn span_to_row(span: &SpanData, created_ns: i64) -> SpanRow {
    let ctx = &span.span_context;
    let parent =
        (span.parent_span_id != opentelemetry::trace::SpanId::INVALID).then(|| format!("{:016x}", span.parent_span_id));
    let mut map = attributes_to_map(&span.attributes);
    if span.dropped_attributes_count > 0 {
        map.insert(DROPPED_ATTRIBUTES.into(), Json::from(span.dropped_attributes_count));
    }
    if !span.events.is_empty() {
        let events = span
            .events
            .iter()
            .map(|e| {
                let mut ev = Map::new();
                ev.insert("name".into(), Json::String(e.name.to_string()));
                ev.insert("time".into(), Json::String(format_iso(system_time_ns(e.timestamp))));
                if !e.attributes.is_empty() {
                    ev.insert("attributes".into(), Json::Object(attributes_to_map(&e.attributes)));
                }
                Json::Object(ev)
            })
            .collect();
        map.insert(attrs::EVENTS.into(), Json::Array(events));
    }
    if !span.links.is_empty() {
        let links = span
            .links
            .iter()
            .map(|l| {
                serde_json::json!({
                    "trace_id": format!("{:032x}", l.span_context.trace_id()),
                    "span_id": format!("{:016x}", l.span_context.span_id()),
                    "attributes": Json::Object(attributes_to_map(&l.attributes)),
                })
            })
            .collect();
        map.insert(LINKS.into(), Json::Array(links));
    }
    let (status, message) = match &span.status {
        Status::Unset => (StatusCode::Unset, None),
        Status::Ok => (StatusCode::Ok, None),
        Status::Error { description } => (StatusCode::Error, Some(description.to_string())),
    };
    row_from_parts(
        format!("{:032x}", ctx.trace_id()),
        format!("{:016x}", ctx.span_id()),
        parent,
        span.name.to_string(),
        span_kind_str(&span.span_kind),
        status,
        message,
        system_time_ns(span.start_time),
        system_time_ns(span.end_time),
        map,
        created_ns,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::InstrumentationScope;
    use opentelemetry::trace::{Event, SpanContext, SpanId, TraceFlags, TraceId, TraceState};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use std::time::Duration;

    fn span(parent: SpanId, status: Status, attributes: Vec<KeyValue>, events: Vec<Event>) -> SpanData {
        let start = UNIX_EPOCH + Duration::from_nanos(1_790_000_000_123_456_789);
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(0xB97C7A002346F10EB1AA407560873ED1u128),
                SpanId::from(0x9CCFD7B92D6D10E5u64),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: parent,
            parent_span_is_remote: false,
            span_kind: SpanKind::Client,
            name: "Weather_Agent.run".into(),
            start_time: start,
            end_time: start + Duration::from_millis(1500),
            attributes,
            dropped_attributes_count: 0,
            events: {
                let mut e = SpanEvents::default();
                e.events = events;
                e
            },
            links: SpanLinks::default(),
            status,
            instrumentation_scope: InstrumentationScope::builder("test").build(),
        }
    }

    #[test]
    fn maps_ids_times_kind_and_status() {
        let row = span_to_row(&span(SpanId::INVALID, Status::Ok, vec![], vec![]), 5);
        assert_eq!(row.trace_id, "b97c7a002346f10eb1aa407560873ed1");
        assert_eq!(row.span_id, "9ccfd7b92d6d10e5");
        assert_eq!(row.parent_span_id, None);
        assert_eq!(row.span_kind, "CLIENT");
        assert_eq!(row.status_code, StatusCode::Ok);
        assert_eq!(row.start_ns, 1_790_000_000_123_456_789);
        assert_eq!(row.duration_ms(), 1500);
        assert_eq!(row.attributes, "{}");
        assert_eq!(row.created_ns, 5);

        let child = span_to_row(&span(SpanId::from(0xABu64), Status::error("boom"), vec![], vec![]), 0);
        assert_eq!(child.parent_span_id.as_deref(), Some("00000000000000ab"));
        assert_eq!((child.status_code, child.status_message.as_deref()), (StatusCode::Error, Some("boom")));
    }

    #[test]
    fn attributes_keep_types_and_context() {
        let row = span_to_row(
            &span(
                SpanId::INVALID,
                Status::Unset,
                vec![
                    KeyValue::new("openinference.span.kind", "AGENT"),
                    KeyValue::new("agno.agent.id", "weather-agent"),
                    KeyValue::new("session.id", "s1"),
                    KeyValue::new("llm.token_count.prompt", 47i64),
                    KeyValue::new("ratio", f64::NAN),
                    KeyValue::new("ok", true),
                    KeyValue::new("agno.tools", Value::Array(Array::String(vec!["divide".into()]))),
                ],
                vec![],
            ),
            0,
        );
        let v: Json = serde_json::from_str(&row.attributes).unwrap();
        assert_eq!(v["llm.token_count.prompt"], 47);
        assert_eq!(v["ratio"], "NaN");
        assert_eq!(v["ok"], true);
        assert_eq!(v["agno.tools"], serde_json::json!(["divide"]));
        assert_eq!(row.context.agent_id.as_deref(), Some("weather-agent"));
        assert_eq!(row.context.session_id.as_deref(), Some("s1"));
    }

    #[test]
    fn events_go_under_one_reserved_key() {
        let ev = Event::new(
            "exception",
            UNIX_EPOCH + Duration::from_secs(1_790_000_000),
            vec![
                KeyValue::new("exception.type", "ZeroDivisionError"),
                KeyValue::new("exception.stacktrace", "Traceback (most recent call last): ..."),
            ],
            0,
        );
        let row = span_to_row(
            &span(
                SpanId::INVALID,
                Status::error("float division by zero"),
                vec![KeyValue::new("tool.name", "divide")],
                vec![ev],
            ),
            0,
        );
        let v: Json = serde_json::from_str(&row.attributes).unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 2, "tool.name plus the one reserved key: {obj:?}");
        assert_eq!(v["tracedeck.events"][0]["name"], "exception");
        assert_eq!(v["tracedeck.events"][0]["attributes"]["exception.type"], "ZeroDivisionError");
        assert!(v["tracedeck.events"][0]["time"].as_str().unwrap().ends_with("+00:00"));
    }

    #[test]
    fn huge_attribute_values_survive() {
        let big = "x".repeat(10 * 1024 * 1024);
        let row = span_to_row(
            &span(SpanId::INVALID, Status::Ok, vec![KeyValue::new("output.value", big.clone())], vec![]),
            0,
        );
        let v: Json = serde_json::from_str(&row.attributes).unwrap();
        assert_eq!(v["output.value"].as_str().unwrap().len(), big.len());
    }
}
