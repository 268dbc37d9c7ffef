//! Cells as the console carries them from a backend's decoder to the caller: one exact value
//! per column ([`Cell`]), turned into the UI's JSON cell encoding (see
//! `tracedeck_model::console`) for pages, or written straight into CSV / JSON Lines by the
//! export. Backends only decide which variant a value is; formatting lives here so every
//! backend renders timestamps, big integers and bytes the same way.

use std::fmt::Write as _;

use serde_json::{Map, Number, Value, json};

/// Bytes of a binary value shown in a page; the export writes them all.
pub(crate) const BYTES_SHOWN: usize = 4096;

/// Integers a JavaScript number carries exactly: ±(2^53 − 1).
const JS_SAFE: i64 = (1 << 53) - 1;

/// One decoded value. Text-like variants hold the final rendering (ISO dates, decimal digits).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// A 4-byte float, kept as such so it renders with its own shortest digits (0.1, not
    /// 0.10000000149011612).
    Float32(f32),
    Decimal(String),
    Text(String),
    /// JSON text as the database returned it (valid JSON, possibly with whitespace).
    Json(String),
    Bytes(Vec<u8>),
    Ts(String),
    Date(String),
    Time(String),
    /// Anything else, as text (intervals, network addresses, arrays that are not plain JSON…).
    Other(String),
}

impl Cell {
    /// Rough heap size, to bound the rows buffered between the database and the caller.
    pub(crate) fn weight(&self) -> usize {
        16 + match self {
            Cell::Decimal(s)
            | Cell::Text(s)
            | Cell::Json(s)
            | Cell::Ts(s)
            | Cell::Date(s)
            | Cell::Time(s)
            | Cell::Other(s) => s.len(),
            Cell::Bytes(b) => b.len(),
            _ => 0,
        }
    }

    /// The UI cell encoding; binary values show at most `bytes_cap` bytes.
    pub(crate) fn to_value(&self, bytes_cap: usize) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Int(i) => int_value(*i),
            Cell::UInt(u) => match i64::try_from(*u) {
                Ok(i) => int_value(i),
                Err(_) => tagged("$int", u.to_string()),
            },
            Cell::Float(f) => float_value(*f, || f.to_string()),
            Cell::Float32(f) => float_value(f64::from(*f), || f.to_string()),
            Cell::Decimal(s) => tagged("$decimal", s.clone()),
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Json(s) => match serde_json::from_str::<Value>(s) {
                Ok(v) => one("$json", v),
                Err(_) => tagged("$other", s.clone()),
            },
            Cell::Bytes(b) => {
                let shown = &b[..b.len().min(bytes_cap)];
                json!({ "$bytes": hex(shown), "len": b.len() })
            }
            Cell::Ts(s) => tagged("$ts", s.clone()),
            Cell::Date(s) => tagged("$date", s.clone()),
            Cell::Time(s) => tagged("$time", s.clone()),
            Cell::Other(s) => tagged("$other", s.clone()),
        }
    }

    /// True when the cell is a plain JSON scalar in the UI encoding (no `$` object), so an
    /// array of such cells can be shown as a `$json` array.
    pub(crate) fn is_plain(&self) -> bool {
        match self {
            Cell::Null | Cell::Bool(_) | Cell::Text(_) => true,
            Cell::Int(i) => i.abs() <= JS_SAFE,
            Cell::UInt(u) => *u <= JS_SAFE as u64,
            Cell::Float(f) => f.is_finite(),
            Cell::Float32(f) => f.is_finite(),
            _ => false,
        }
    }

    /// Plain text of the value (CSV fields, PostgreSQL array / record literals); `None` for NULL.
    pub(crate) fn text(&self) -> Option<String> {
        Some(match self {
            Cell::Null => return None,
            Cell::Bool(b) => b.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::UInt(u) => u.to_string(),
            Cell::Float(f) => float_text(*f),
            Cell::Float32(f) => float32_text(*f),
            Cell::Json(s) => minify_json(s),
            Cell::Bytes(b) => format!("\\x{}", hex(b)),
            Cell::Decimal(s) | Cell::Text(s) | Cell::Ts(s) | Cell::Date(s) | Cell::Time(s) | Cell::Other(s) => {
                s.clone()
            }
        })
    }

    /// Appends the cell in the UI encoding (all bytes, compact JSON) to a JSON Lines row.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        let put = |out: &mut Vec<u8>, s: &str| {
            // Writing into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, s);
        };
        let tag = |out: &mut Vec<u8>, t: &str, s: &str| {
            out.extend_from_slice(b"{\"");
            out.extend_from_slice(t.as_bytes());
            out.extend_from_slice(b"\":");
            put(out, s);
            out.push(b'}');
        };
        match self {
            Cell::Json(s) => {
                out.extend_from_slice(b"{\"$json\":");
                out.extend_from_slice(minify_json(s).as_bytes());
                out.push(b'}');
            }
            Cell::Bytes(b) => {
                out.extend_from_slice(b"{\"$bytes\":\"");
                out.extend_from_slice(hex(b).as_bytes());
                out.extend_from_slice(format!("\",\"len\":{}}}", b.len()).as_bytes());
            }
            Cell::Text(s) => put(out, s),
            Cell::Decimal(s) => tag(out, "$decimal", s),
            Cell::Ts(s) => tag(out, "$ts", s),
            Cell::Date(s) => tag(out, "$date", s),
            Cell::Time(s) => tag(out, "$time", s),
            Cell::Other(s) => tag(out, "$other", s),
            _ => {
                let _ = serde_json::to_writer(&mut *out, &self.to_value(0));
            }
        }
    }
}

fn one(key: &str, v: Value) -> Value {
    let mut m = Map::with_capacity(1);
    m.insert(key.to_owned(), v);
    Value::Object(m)
}

fn tagged(key: &str, s: String) -> Value {
    one(key, Value::String(s))
}

fn int_value(i: i64) -> Value {
    if i.abs() <= JS_SAFE { Value::Number(i.into()) } else { tagged("$int", i.to_string()) }
}

fn float_value(f: f64, text: impl FnOnce() -> String) -> Value {
    if !f.is_finite() {
        return tagged("$float", float_text(f));
    }
    // Shortest digits of the original width, re-read as f64 for the JSON number.
    let n = text().parse::<f64>().ok().and_then(Number::from_f64);
    n.map(Value::Number).unwrap_or_else(|| tagged("$float", float_text(f)))
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else {
        // serde_json prints the shortest round-tripping form, with an exponent when long.
        Number::from_f64(f).map(|n| n.to_string()).unwrap_or_else(|| f.to_string())
    }
}

fn float32_text(f: f32) -> String {
    if f.is_finite() { f.to_string() } else { float_text(f64::from(f)) }
}

pub(crate) fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for byte in b {
        let _ = write!(s, "{byte:02x}");
    }
    s
}

/// Drops insignificant whitespace from valid JSON text without re-parsing it, so numbers keep
/// every digit and a JSON Lines row stays on one line.
pub(crate) fn minify_json(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let (mut in_str, mut escaped) = (false, false);
    for c in s.chars() {
        if in_str {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            in_str = c == '"';
            out.push(c);
        }
    }
    out
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `YYYY-MM-DD` (years outside 0..=9999 keep their sign and digits).
pub(crate) fn format_date(y: i64, m: u32, d: u32) -> String {
    if (0..=9999).contains(&y) { format!("{y:04}-{m:02}-{d:02}") } else { format!("{y:+05}-{m:02}-{d:02}") }
}

/// `HH:MM:SS[.ffffff]` with trailing fractional zeros dropped, as PostgreSQL prints times.
pub(crate) fn format_time(h: u64, m: u32, s: u32, micros: u32) -> String {
    let mut out = format!("{h:02}:{m:02}:{s:02}");
    if micros > 0 {
        let frac = format!("{micros:06}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out
}

/// Microseconds since the Unix epoch to `YYYY-MM-DDTHH:MM:SS[.f]`, plus `zone` when given.
pub(crate) fn format_ts_micros(us: i64, zone: Option<&str>) -> String {
    let days = us.div_euclid(86_400_000_000);
    let rem = us.rem_euclid(86_400_000_000);
    let (y, mo, d) = civil_from_days(days);
    let secs = rem / 1_000_000;
    let time =
        format_time((secs / 3600) as u64, ((secs / 60) % 60) as u32, (secs % 60) as u32, (rem % 1_000_000) as u32);
    format!("{}T{time}{}", format_date(y, mo, d), zone.unwrap_or(""))
}

/// A UTC offset in seconds east as `+HH:MM` (or `+HH:MM:SS` when it has seconds).
pub(crate) fn format_offset(east: i32) -> String {
    let sign = if east < 0 { '-' } else { '+' };
    let a = east.unsigned_abs();
    let (h, m, s) = (a / 3600, (a / 60) % 60, a % 60);
    if s == 0 { format!("{sign}{h:02}:{m:02}") } else { format!("{sign}{h:02}:{m:02}:{s:02}") }
}

/// Fields needing quotes in CSV: separators, quotes, line breaks, and the empty string (an
/// unquoted empty field is NULL).
pub(crate) fn write_csv_field(out: &mut Vec<u8>, field: Option<&str>) {
    let Some(s) = field else { return };
    if s.is_empty() || s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}
