//! MySQL / MariaDB values to console cells. Console statements run as prepared statements,
//! so values arrive in the binary protocol: little-endian integers of the column's width
//! (signed or UNSIGNED), IEEE floats, DECIMAL as digits, and dates / times as packed fields.
//! Strings are text unless their collation is `binary` (BINARY, VARBINARY, BLOB). MariaDB's
//! JSON is LONGTEXT with a `json_valid` check, so the caller says which columns are JSON.

use sqlx::mysql::{MySql, MySqlTypeInfo, MySqlValueRef};
use sqlx::{Decode, Type, TypeInfo, ValueRef};

use super::cell::{self, Cell};

pub(crate) fn decode(v: MySqlValueRef<'_>, json: bool) -> Cell {
    if v.is_null() {
        return Cell::Null;
    }
    let ti: MySqlTypeInfo = v.type_info().into_owned();
    let Ok(b) = <&[u8] as Decode<'_, MySql>>::decode(v) else { return Cell::Null };
    let name = ti.name();
    let unsigned = name.ends_with("UNSIGNED");
    let parsed = match name.trim_end_matches(" UNSIGNED") {
        "BOOLEAN" | "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => int(b, unsigned),
        "FLOAT" => b.try_into().ok().map(|x| Cell::Float32(f32::from_le_bytes(x))),
        "DOUBLE" => b.try_into().ok().map(|x| Cell::Float(f64::from_le_bytes(x))),
        "DECIMAL" => Some(Cell::Decimal(String::from_utf8_lossy(b).into_owned())),
        "DATE" => datetime(b).map(|(date, _)| Cell::Date(date)),
        "DATETIME" => datetime(b).map(|(date, time)| Cell::Ts(format!("{date}T{time}"))),
        // The console session's time zone is UTC (sqlx sets `time_zone='+00:00'`).
        "TIMESTAMP" => datetime(b).map(|(date, time)| Cell::Ts(format!("{date}T{time}+00:00"))),
        "TIME" => time(b).map(Cell::Time),
        "JSON" => Some(Cell::Json(String::from_utf8_lossy(b).into_owned())),
        "BIT" if b.len() <= 8 => Some(Cell::UInt(b.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x)))),
        "GEOMETRY" => Some(Cell::Bytes(b.to_vec())),
        _ if json => Some(Cell::Json(String::from_utf8_lossy(b).into_owned())),
        _ if <str as Type<MySql>>::compatible(&ti) => Some(Cell::Text(String::from_utf8_lossy(b).into_owned())),
        _ => Some(Cell::Bytes(b.to_vec())),
    };
    parsed.unwrap_or_else(|| Cell::Bytes(b.to_vec()))
}

/// An integer of 1, 2, 4 or 8 little-endian bytes, sign-extended unless UNSIGNED.
fn int(b: &[u8], unsigned: bool) -> Option<Cell> {
    if b.is_empty() || b.len() > 8 {
        return None;
    }
    let mut raw = [0u8; 8];
    raw[..b.len()].copy_from_slice(b);
    let negative = !unsigned && b[b.len() - 1] & 0x80 != 0;
    if negative {
        raw[b.len()..].fill(0xff);
    }
    let u = u64::from_le_bytes(raw);
    Some(if unsigned { Cell::UInt(u) } else { Cell::Int(u as i64) })
}

/// DATE / DATETIME / TIMESTAMP: a length byte (0, 4, 7 or 11), then year (2 bytes), month,
/// day, [hour, minute, second, [microseconds (4 bytes)]]. Zero dates stay zero.
fn datetime(b: &[u8]) -> Option<(String, String)> {
    let len = usize::from(*b.first()?);
    let f = b.get(1..1 + len)?;
    let g = |i: usize| f.get(i).copied().unwrap_or(0);
    let year = u16::from_le_bytes([g(0), g(1)]);
    let micros = if len >= 11 { u32::from_le_bytes([g(7), g(8), g(9), g(10)]) } else { 0 };
    let date = format!("{year:04}-{:02}-{:02}", g(2), g(3));
    let time = cell::format_time(u64::from(g(4)), u32::from(g(5)), u32::from(g(6)), micros);
    Some((date, time))
}

/// TIME: a length byte (0, 8 or 12), sign, days (4 bytes), hour, minute, second,
/// [microseconds]. Values span ±838 hours, so days fold into the hours.
fn time(b: &[u8]) -> Option<String> {
    let len = usize::from(*b.first()?);
    let f = b.get(1..1 + len)?;
    if len == 0 {
        return Some("00:00:00".into());
    }
    let negative = *f.first()? != 0;
    let days = u32::from_le_bytes(f.get(1..5)?.try_into().ok()?);
    let (h, m, s) = (*f.get(5)?, *f.get(6)?, *f.get(7)?);
    let micros = f.get(8..12).and_then(|x| x.try_into().ok()).map(u32::from_le_bytes).unwrap_or(0);
    let hours = u64::from(days) * 24 + u64::from(h);
    let t = cell::format_time(hours, u32::from(m), u32::from(s), micros);
    Some(if negative { format!("-{t}") } else { t })
}
