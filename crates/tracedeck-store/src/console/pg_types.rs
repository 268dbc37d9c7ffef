//! PostgreSQL values to console cells. sqlx asks the server for every result column in
//! binary format, so this reads PostgreSQL's binary representations directly (numeric digit
//! groups, microsecond timestamps, array and record headers, …): exact, no float on the way,
//! and no dependency on sqlx's optional date / decimal features. Types it does not know are
//! shown as their text when the binary form is text, else as hex.

use std::net::{Ipv4Addr, Ipv6Addr};

use sqlx::postgres::{PgTypeInfo, PgTypeKind, PgValueFormat, PgValueRef};
use sqlx::{TypeInfo, ValueRef};

use super::cell::{self, Cell};

/// Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_US: i64 = 946_684_800_000_000;
const PG_EPOCH_DAYS: i64 = 10_957;

/// The type's name as PostgreSQL spells it: built-in names in lower case (`int8`, `int4[]`),
/// user-defined ones as created.
pub(crate) fn type_name(ti: &PgTypeInfo) -> String {
    let name = ti.name();
    match ti.oid() {
        Some(oid) if oid.0 < 16_384 => name.to_ascii_lowercase(),
        _ => name.to_owned(),
    }
}

pub(crate) fn decode(v: PgValueRef<'_>) -> Cell {
    if v.is_null() {
        return Cell::Null;
    }
    let ti = v.type_info().into_owned();
    let text = v.format() == PgValueFormat::Text;
    match v.as_bytes() {
        Ok(b) if text => Cell::Other(String::from_utf8_lossy(b).into_owned()),
        Ok(b) => decode_typed(&ti, b),
        Err(_) => Cell::Null,
    }
}

fn decode_typed(ti: &PgTypeInfo, b: &[u8]) -> Cell {
    match ti.kind() {
        PgTypeKind::Enum(_) => text(b),
        PgTypeKind::Domain(base) => decode_typed(base, b),
        PgTypeKind::Array(elem) => array(Some(elem), b),
        PgTypeKind::Range(elem) => range(Some(elem), b),
        PgTypeKind::Composite(_) => record(b),
        _ => decode_oid(ti.oid().map_or(0, |o| o.0), b),
    }
}

/// Big-endian readers that refuse short input instead of panicking.
fn be<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at + N)?.try_into().ok()
}
fn i16_at(b: &[u8], at: usize) -> Option<i16> {
    be(b, at).map(i16::from_be_bytes)
}
fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    be(b, at).map(u16::from_be_bytes)
}
fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    be(b, at).map(i32::from_be_bytes)
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    be(b, at).map(u32::from_be_bytes)
}
fn i64_at(b: &[u8], at: usize) -> Option<i64> {
    be(b, at).map(i64::from_be_bytes)
}
fn f64_at(b: &[u8], at: usize) -> Option<f64> {
    be(b, at).map(f64::from_be_bytes)
}

fn text(b: &[u8]) -> Cell {
    Cell::Text(String::from_utf8_lossy(b).into_owned())
}

/// Built-in array types, for arrays met inside records (top-level arrays come typed).
fn is_array_oid(oid: u32) -> bool {
    matches!(
        oid,
        199 | 1000
            | 1001
            | 1005
            | 1007
            | 1009
            | 1014
            | 1015
            | 1016
            | 1021
            | 1022
            | 1028
            | 1115
            | 1182
            | 1183
            | 1185
            | 1231
            | 2951
            | 3807
    )
}

fn decode_oid(oid: u32, b: &[u8]) -> Cell {
    let parsed = match oid {
        16 => b.first().map(|&x| Cell::Bool(x != 0)),
        17 => Some(Cell::Bytes(b.to_vec())),
        18 | 19 | 25 | 705 | 1042 | 1043 | 142 => Some(text(b)),
        20 => i64_at(b, 0).map(Cell::Int),
        21 => i16_at(b, 0).map(|v| Cell::Int(v.into())),
        23 => i32_at(b, 0).map(|v| Cell::Int(v.into())),
        // oid, xid, cid and the reg* aliases: unsigned 32-bit identifiers.
        24 | 26 | 28 | 29 | 2202 | 2203 | 2204 | 2205 | 2206 | 3734 | 3769 | 4089 | 4096 | 4191 => {
            u32_at(b, 0).map(|v| Cell::UInt(v.into()))
        }
        5069 => be(b, 0).map(|x| Cell::UInt(u64::from_be_bytes(x))),
        700 => be(b, 0).map(|x| Cell::Float32(f32::from_be_bytes(x))),
        701 => f64_at(b, 0).map(Cell::Float),
        1700 => numeric(b).map(Cell::Decimal),
        790 => i64_at(b, 0).map(|c| Cell::Decimal(money(c))),
        114 => Some(Cell::Json(String::from_utf8_lossy(b).into_owned())),
        // jsonb and jsonpath start with a format version byte.
        3802 => b.get(1..).map(|t| Cell::Json(String::from_utf8_lossy(t).into_owned())),
        4072 => b.get(1..).map(|t| Cell::Other(String::from_utf8_lossy(t).into_owned())),
        1082 => i32_at(b, 0).map(date),
        1083 => i64_at(b, 0).map(|us| Cell::Time(time_of_day(us))),
        1266 => {
            let (us, west) = (i64_at(b, 0), i32_at(b, 8));
            us.zip(west).map(|(us, w)| Cell::Time(format!("{}{}", time_of_day(us), cell::format_offset(-w))))
        }
        1114 => i64_at(b, 0).map(|us| timestamp(us, None)),
        1184 => i64_at(b, 0).map(|us| timestamp(us, Some("+00:00"))),
        1186 => interval(b).map(Cell::Other),
        2950 => uuid(b).map(Cell::Text),
        650 | 869 => inet(b).map(Cell::Other),
        774 | 829 => Some(Cell::Other(b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(":"))),
        1560 | 1562 => bits(b).map(Cell::Other),
        600 | 601 | 602 | 603 | 604 | 628 | 718 => geometry(oid, b).map(Cell::Other),
        2249 => Some(record(b)),
        3614 => tsvector(b).map(Cell::Other),
        _ if is_array_oid(oid) => Some(array(None, b)),
        _ => None,
    };
    parsed.unwrap_or_else(|| fallback(b))
}

/// Unknown types: their text when the binary form is readable text, else hex.
fn fallback(b: &[u8]) -> Cell {
    match std::str::from_utf8(b) {
        Ok(s) if !s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) => Cell::Other(s.to_owned()),
        _ => Cell::Other(format!("\\x{}", cell::hex(b))),
    }
}

fn numeric(b: &[u8]) -> Option<String> {
    let (ndigits, weight, sign, dscale) = (u16_at(b, 0)?, i16_at(b, 2)?, u16_at(b, 4)?, u16_at(b, 6)?);
    match sign {
        0xC000 => return Some("NaN".into()),
        0xD000 => return Some("Infinity".into()),
        0xF000 => return Some("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<i16> = (0..usize::from(ndigits)).map(|i| i16_at(b, 8 + 2 * i)).collect::<Option<_>>()?;
    let group = |k: i32| if k < 0 { 0 } else { digits.get(k as usize).copied().unwrap_or(0) };
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for k in 0..=i32::from(weight) {
            let d = group(k);
            out.push_str(&if k == 0 { d.to_string() } else { format!("{d:04}") });
        }
    }
    if dscale > 0 {
        let mut frac = String::new();
        let mut k = i32::from(weight) + 1;
        while frac.len() < usize::from(dscale) {
            frac.push_str(&format!("{:04}", group(k)));
            k += 1;
        }
        frac.truncate(usize::from(dscale));
        out.push('.');
        out.push_str(&frac);
    }
    Some(out)
}

/// `money` is an integer count of the smallest unit; two fraction digits (most locales).
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

fn date(days: i32) -> Cell {
    match days {
        i32::MAX => Cell::Date("infinity".into()),
        i32::MIN => Cell::Date("-infinity".into()),
        d => {
            let (y, m, d) = cell::civil_from_days(i64::from(d) + PG_EPOCH_DAYS);
            Cell::Date(cell::format_date(y, m, d))
        }
    }
}

fn time_of_day(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    cell::format_time(
        (secs / 3600) as u64,
        ((secs / 60) % 60) as u32,
        (secs % 60) as u32,
        us.rem_euclid(1_000_000) as u32,
    )
}

fn timestamp(us: i64, zone: Option<&str>) -> Cell {
    match us {
        i64::MAX => Cell::Ts("infinity".into()),
        i64::MIN => Cell::Ts("-infinity".into()),
        us => Cell::Ts(cell::format_ts_micros(us.saturating_add(PG_EPOCH_US), zone)),
    }
}

/// PostgreSQL's default interval style: `1 year 2 mons 3 days 04:05:06.5`.
fn interval(b: &[u8]) -> Option<String> {
    let (us, days, months) = (i64_at(b, 0)?, i32_at(b, 8)?, i32_at(b, 12)?);
    let mut parts = Vec::new();
    let unit = |n: i32, one: &str, many: &str| format!("{n} {}", if n.abs() == 1 { one } else { many });
    if months / 12 != 0 {
        parts.push(unit(months / 12, "year", "years"));
    }
    if months % 12 != 0 {
        parts.push(unit(months % 12, "mon", "mons"));
    }
    if days != 0 {
        parts.push(unit(days, "day", "days"));
    }
    if us != 0 || parts.is_empty() {
        let t = time_of_day(us.unsigned_abs().min(i64::MAX as u64) as i64);
        parts.push(if us < 0 { format!("-{t}") } else { t });
    }
    Some(parts.join(" "))
}

fn uuid(b: &[u8]) -> Option<String> {
    let h = cell::hex(b.get(..16)?);
    Some(format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]))
}

/// inet / cidr: family, prefix bits, is-cidr flag, address length, address.
fn inet(b: &[u8]) -> Option<String> {
    let (family, bits, is_cidr, len) = (*b.first()?, *b.get(1)?, *b.get(2)? != 0, *b.get(3)?);
    let addr = b.get(4..4 + usize::from(len))?;
    let (text, full) = match family {
        2 => (Ipv4Addr::from(<[u8; 4]>::try_from(addr).ok()?).to_string(), 32),
        _ => (Ipv6Addr::from(<[u8; 16]>::try_from(addr).ok()?).to_string(), 128),
    };
    Some(if is_cidr || bits != full { format!("{text}/{bits}") } else { text })
}

fn bits(b: &[u8]) -> Option<String> {
    let n = usize::try_from(i32_at(b, 0)?).ok()?;
    let data = b.get(4..)?;
    (0..n).map(|i| data.get(i / 8).map(|byte| if byte & (0x80 >> (i % 8)) != 0 { '1' } else { '0' })).collect()
}

fn geometry(oid: u32, b: &[u8]) -> Option<String> {
    let f = |at: usize| f64_at(b, at).map(pg_float);
    let point = |at: usize| Some(format!("({},{})", f(at)?, f(at + 8)?));
    let points = |from: usize, n: usize| (0..n).map(|i| point(from + 16 * i)).collect::<Option<Vec<_>>>();
    Some(match oid {
        600 => point(0)?,
        601 => format!("[{},{}]", point(0)?, point(16)?),
        603 => format!("{},{}", point(0)?, point(16)?),
        628 => format!("{{{},{},{}}}", f(0)?, f(8)?, f(16)?),
        718 => format!("<{},{}>", point(0)?, f(16)?),
        602 => {
            let closed = *b.first()? != 0;
            let pts = points(5, usize::try_from(i32_at(b, 1)?).ok()?)?.join(",");
            if closed { format!("({pts})") } else { format!("[{pts}]") }
        }
        _ => format!("({})", points(4, usize::try_from(i32_at(b, 0)?).ok()?)?.join(",")),
    })
}

/// A float as PostgreSQL prints it in geometric types: `1`, `0.5`, `1e+300`.
fn pg_float(v: f64) -> String {
    let plain = v.to_string();
    if plain.len() <= 17 { plain } else { Cell::Float(v).text().unwrap_or(plain) }
}

/// tsvector: lexemes with their positions and weights, as `'cat':1A,3 'dog':2`.
fn tsvector(b: &[u8]) -> Option<String> {
    let n = usize::try_from(i32_at(b, 0)?).ok()?;
    let mut at = 4;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let end = at + b.get(at..)?.iter().position(|&c| c == 0)?;
        let lexeme = String::from_utf8_lossy(&b[at..end]).replace('\'', "''");
        at = end + 1;
        let npos = usize::from(u16_at(b, at)?);
        at += 2;
        let mut word = format!("'{lexeme}'");
        for i in 0..npos {
            let p = u16_at(b, at + 2 * i)?;
            word.push(if i == 0 { ':' } else { ',' });
            word.push_str(&(p & 0x3fff).to_string());
            if let Some(w) = ["", "C", "B", "A"].get(usize::from(p >> 14)) {
                word.push_str(w);
            }
        }
        at += 2 * npos;
        out.push(word);
    }
    Some(out.join(" "))
}

/// Quotes an element of an array or record literal when PostgreSQL would.
fn literal_item(cell: &Cell, specials: &str) -> String {
    let Some(t) = cell.text() else { return "NULL".into() };
    let needs =
        t.is_empty() || t.eq_ignore_ascii_case("null") || t.chars().any(|c| c.is_whitespace() || specials.contains(c));
    if needs { format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")) } else { t }
}

/// Arrays: plain scalars become a `$json` array (nested per dimension); anything else, or
/// bounds other than 1, the PostgreSQL array literal as text.
fn array(elem: Option<&PgTypeInfo>, b: &[u8]) -> Cell {
    let parsed = (|| {
        let ndim = usize::try_from(i32_at(b, 0)?).ok()?;
        let elem_oid = u32_at(b, 8)?;
        let mut dims = Vec::with_capacity(ndim);
        for d in 0..ndim {
            dims.push((usize::try_from(i32_at(b, 12 + 8 * d)?).ok()?, i32_at(b, 16 + 8 * d)?));
        }
        let mut at = 12 + 8 * ndim;
        let count: usize = dims.iter().map(|d| d.0).product();
        let mut items = Vec::with_capacity(count.min(1 << 16));
        for _ in 0..if ndim == 0 { 0 } else { count } {
            let len = i32_at(b, at)?;
            at += 4;
            if len < 0 {
                items.push(Cell::Null);
                continue;
            }
            let data = b.get(at..at + len as usize)?;
            at += len as usize;
            items.push(match elem {
                Some(ti) => decode_typed(ti, data),
                None => decode_oid(elem_oid, data),
            });
        }
        Some((dims, items))
    })();
    let Some((dims, items)) = parsed else { return fallback(b) };
    let plain = items.iter().all(Cell::is_plain) && dims.iter().all(|d| d.1 == 1);
    let mut at = 0;
    let nested = nest(&dims, &items, &mut at, plain);
    if plain {
        return Cell::Json(nested);
    }
    let bounds: String = if dims.iter().any(|d| d.1 != 1) {
        dims.iter().map(|(len, lo)| format!("[{lo}:{}]", lo + *len as i32 - 1)).collect::<String>() + "="
    } else {
        String::new()
    };
    Cell::Other(format!("{bounds}{nested}"))
}

/// One dimension level of an array, as JSON (`[…]`) or as a PostgreSQL literal (`{…}`).
fn nest(dims: &[(usize, i32)], items: &[Cell], at: &mut usize, json: bool) -> String {
    let (open, close) = if json { ('[', ']') } else { ('{', '}') };
    let Some(((len, _), inner)) = dims.split_first() else { return format!("{open}{close}") };
    let parts: Vec<String> = (0..*len)
        .map(|_| {
            if inner.is_empty() {
                let c = &items[*at];
                *at += 1;
                if json { c.to_value(0).to_string() } else { literal_item(c, "{},\"\\") }
            } else {
                nest(inner, items, at, json)
            }
        })
        .collect();
    format!("{open}{}{close}", parts.join(","))
}

/// Records carry each field's type oid, so anonymous `ROW(…)` values decode too.
fn record(b: &[u8]) -> Cell {
    let parsed = (|| {
        let n = usize::try_from(i32_at(b, 0)?).ok()?;
        let mut at = 4;
        let mut fields = Vec::with_capacity(n);
        for _ in 0..n {
            let (oid, len) = (u32_at(b, at)?, i32_at(b, at + 4)?);
            at += 8;
            if len < 0 {
                fields.push(String::new());
                continue;
            }
            let data = b.get(at..at + len as usize)?;
            at += len as usize;
            fields.push(literal_item(&decode_oid(oid, data), "(),\"\\"));
        }
        Some(format!("({})", fields.join(",")))
    })();
    parsed.map(Cell::Other).unwrap_or_else(|| fallback(b))
}

/// Ranges: `empty`, or bounds with `[` / `(` and an empty side when unbounded.
fn range(elem: Option<&PgTypeInfo>, b: &[u8]) -> Cell {
    let parsed = (|| {
        let flags = *b.first()?;
        if flags & 0x01 != 0 {
            return Some("empty".to_owned());
        }
        let mut at = 1;
        let mut bound = |present: bool| -> Option<String> {
            if !present {
                return Some(String::new());
            }
            let len = usize::try_from(i32_at(b, at)?).ok()?;
            let data = b.get(at + 4..at + 4 + len)?;
            at += 4 + len;
            let c = elem.map(|ti| decode_typed(ti, data)).unwrap_or_else(|| fallback(data));
            Some(literal_item(&c, "()[],\"\\"))
        };
        let lower = bound(flags & 0x08 == 0)?;
        let upper = bound(flags & 0x10 == 0)?;
        let (lo, hi) = (if flags & 0x02 != 0 { '[' } else { '(' }, if flags & 0x04 != 0 { ']' } else { ')' });
        Some(format!("{lo}{lower},{upper}{hi}"))
    })();
    parsed.map(Cell::Other).unwrap_or_else(|| fallback(b))
}
