//! The cell encoding and date arithmetic.

use serde_json::json;

use super::super::cell::{Cell, civil_from_days, format_offset, format_ts_micros, minify_json};

#[test]
fn numbers_stay_exact() {
    assert_eq!(Cell::Int(9_007_199_254_740_991).to_value(10), json!(9_007_199_254_740_991i64));
    assert_eq!(Cell::Int(9_007_199_254_740_993).to_value(10), json!({"$int": "9007199254740993"}));
    assert_eq!(Cell::Int(-9_007_199_254_740_993).to_value(10), json!({"$int": "-9007199254740993"}));
    assert_eq!(Cell::UInt(u64::MAX).to_value(10), json!({"$int": "18446744073709551615"}));
    assert_eq!(Cell::Float32(0.1).to_value(10), json!(0.1));
    assert_eq!(Cell::Float(f64::NAN).to_value(10), json!({"$float": "NaN"}));
    assert_eq!(Cell::Float(f64::NEG_INFINITY).to_value(10), json!({"$float": "-Infinity"}));
    assert_eq!(Cell::Decimal("12.50".into()).to_value(10), json!({"$decimal": "12.50"}));
    assert_eq!(Cell::Float(1e300).text().as_deref(), Some("1e+300"));
}

#[test]
fn json_null_text_and_bytes_are_distinct() {
    assert_eq!(Cell::Null.to_value(10), json!(null));
    assert_eq!(Cell::Json("null".into()).to_value(10), json!({"$json": null}));
    assert_eq!(Cell::Text("null".into()).to_value(10), json!("null"));
    assert_eq!(Cell::Bytes(vec![0, 255, 16]).to_value(2), json!({"$bytes": "00ff", "len": 3}));
    let mut out = Vec::new();
    Cell::Bytes(vec![0, 255, 16]).write_json(&mut out);
    assert_eq!(String::from_utf8(out).unwrap(), r#"{"$bytes":"00ff10","len":3}"#);
    let mut out = Vec::new();
    Cell::Json("{\n \"a\": [1, 123456789012345678901234567890]\n}".into()).write_json(&mut out);
    assert_eq!(String::from_utf8(out).unwrap(), r#"{"$json":{"a":[1,123456789012345678901234567890]}}"#);
}

#[test]
fn minify_keeps_strings() {
    assert_eq!(minify_json("{ \"a b\" : \"x \\\" y\" ,\n\"c\":[ 1 , 2 ] }"), "{\"a b\":\"x \\\" y\",\"c\":[1,2]}");
}

#[test]
fn calendar() {
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(10_957), (2000, 1, 1));
    assert_eq!(civil_from_days(-719_468), (0, 3, 1));
    assert_eq!(format_ts_micros(1_795_000_000_224_222, Some("+00:00")), "2026-11-18T11:06:40.224222+00:00");
    assert_eq!(format_ts_micros(-1, None), "1969-12-31T23:59:59.999999");
    assert_eq!(format_offset(-(5 * 3600 + 30 * 60)), "-05:30");
    assert_eq!(format_offset(3600 + 61), "+01:01:01");
}

#[test]
fn messages_name_servers_without_connection_strings() {
    use super::super::{ConsoleError, target};
    let cfg = crate::StoreConfig::parse("postgres://u:secret@db.example:6543/x?sslmode=require").unwrap();
    assert_eq!(target(&cfg), "the PostgreSQL server at db.example:6543");
    let cfg = crate::StoreConfig::parse("mysql://root:pw@10.0.0.5/ai").unwrap();
    assert_eq!(target(&cfg), "the MySQL server at 10.0.0.5:3306");
    let e = ConsoleError::Timeout(std::time::Duration::from_secs(30));
    assert_eq!(e.to_string(), "the query ran longer than its 30 s limit and was stopped on the server");
    let e = ConsoleError::Sql(tracedeck_model::console::SqlError {
        message: "syntax error at or near \"FROMM\"".into(),
        position: Some(10),
        code: Some("42601".into()),
    });
    assert_eq!(e.to_string(), "syntax error at or near \"FROMM\" (at character 10)");
}

/// The API layer keeps running queries in shared state and cancels from other tasks.
#[test]
fn handles_cross_tasks() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<super::super::Query>();
    shareable::<super::super::Canceller>();
    shareable::<super::super::ConsoleError>();
}
