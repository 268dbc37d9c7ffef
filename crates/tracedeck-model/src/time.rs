//! Timestamps. Internally every time is `i64` nanoseconds since the Unix epoch (UTC). The
//! Agno tables store ISO-8601 text as Python's `datetime.isoformat()` writes it:
//! `2026-11-25T16:23:21.224222+00:00` (microseconds, `+00:00`). We write exactly that, and
//! read anything reasonable: `Z` or any offset, 0–9 fraction digits, `T` or space.
//!
//! Formatting and parsing are hand-written (no allocation beyond the output string) because
//! they run for every span on the ingest and read paths.

const NANOS_PER_SEC: i64 = 1_000_000_000;

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn push_num(out: &mut String, v: i64, width: usize) {
    let s = v.to_string();
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(&s);
}

/// Formats as Agno does: `YYYY-MM-DDTHH:MM:SS.ffffff+00:00` (always six fraction digits, so
/// that text order equals time order).
pub fn format_iso(ns: i64) -> String {
    let secs = ns.div_euclid(NANOS_PER_SEC);
    let micros = ns.rem_euclid(NANOS_PER_SEC) / 1000;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut out = String::with_capacity(32);
    push_num(&mut out, y, 4);
    out.push('-');
    push_num(&mut out, m as i64, 2);
    out.push('-');
    push_num(&mut out, d as i64, 2);
    out.push('T');
    push_num(&mut out, sod / 3600, 2);
    out.push(':');
    push_num(&mut out, (sod % 3600) / 60, 2);
    out.push(':');
    push_num(&mut out, sod % 60, 2);
    out.push('.');
    push_num(&mut out, micros, 6);
    out.push_str("+00:00");
    out
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let s = b.get(at..at + n)?;
    let mut v = 0i64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

/// Parses an ISO-8601 / RFC 3339 timestamp to nanoseconds since the epoch. A missing offset
/// means UTC (Agno never writes one without, other tools sometimes do). Returns `None` for
/// anything that is not a valid timestamp.
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let y = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let mo = digits(b, 5, 2)? as u32;
    let d = digits(b, 8, 2)? as u32;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut i = 10;
    let (mut h, mut mi, mut sec, mut frac) = (0, 0, 0, 0i64);
    if i < b.len() && (b[i] == b'T' || b[i] == b't' || b[i] == b' ') {
        h = digits(b, i + 1, 2)?;
        if b.get(i + 3) != Some(&b':') {
            return None;
        }
        mi = digits(b, i + 4, 2)?;
        i += 6;
        if b.get(i) == Some(&b':') {
            sec = digits(b, i + 1, 2)?;
            i += 3;
        }
        if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                if i - start < 9 {
                    frac = frac * 10 + (b[i] - b'0') as i64;
                }
                i += 1;
            }
            let n = (i - start).min(9);
            if n == 0 {
                return None;
            }
            frac *= 10i64.pow(9 - n as u32);
        }
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut offset_secs = 0i64;
    match b.get(i) {
        None => {}
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => {}
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)?;
            let om = match b.get(i + 3) {
                Some(b':') => digits(b, i + 4, 2)?,
                Some(_) => digits(b, i + 3, 2)?,
                None => 0,
            };
            let end = match b.get(i + 3) {
                Some(b':') => i + 6,
                Some(_) => i + 5,
                None => i + 3,
            };
            if end != b.len() {
                return None;
            }
            offset_secs = (oh * 3600 + om * 60) * if sign == b'-' { -1 } else { 1 };
        }
        _ => return None,
    }
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_secs;
    secs.checked_mul(NANOS_PER_SEC)?.checked_add(frac)
}

/// Nanoseconds to milliseconds as a float with microsecond resolution, for display.
pub fn ns_to_ms(ns: i64) -> f64 {
    (ns / 1000) as f64 / 1000.0
}

/// Current wall-clock time in nanoseconds since the epoch.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_python_isoformat() {
        let ns = parse_iso("2026-11-25T16:23:21.224222+00:00").unwrap();
        assert_eq!(format_iso(ns), "2026-11-25T16:23:21.224222+00:00");
        assert_eq!(format_iso(0), "1970-01-01T00:00:00.000000+00:00");
        assert_eq!(format_iso(-1_000), "1969-12-31T23:59:59.999999+00:00");
    }

    #[test]
    fn parses_variants() {
        let base = parse_iso("2026-11-25T16:23:21+00:00").unwrap();
        assert_eq!(parse_iso("2026-11-25T16:23:21Z"), Some(base));
        assert_eq!(parse_iso("2026-11-25 16:23:21"), Some(base));
        assert_eq!(parse_iso("2026-11-25T17:23:21+01:00"), Some(base));
        assert_eq!(parse_iso("2026-11-25T15:23:21-0100"), Some(base));
        assert_eq!(parse_iso("2026-11-25T16:23:21.5Z"), Some(base + 500_000_000));
        assert_eq!(parse_iso("2026-11-25T16:23:21.123456789Z"), Some(base + 123_456_789));
        assert_eq!(parse_iso("2026-11-25"), Some(base - (16 * 3600 + 23 * 60 + 21) * NANOS_PER_SEC));
        for bad in ["", "garbage", "2026-13-01T00:00:00Z", "2026-11-25T16:23:21+00:00x", "2026-11-25T16:23:21."] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_many_values() {
        let mut ns = 1_700_000_000_123_456_000i64;
        for _ in 0..1000 {
            assert_eq!(parse_iso(&format_iso(ns)), Some(ns));
            ns += 86_399_999_999_000 + 7_000;
        }
    }

    #[test]
    fn text_order_is_time_order() {
        let a = format_iso(1_700_000_000_000_000_000);
        let b = format_iso(1_700_000_000_000_001_000);
        assert!(a < b);
    }
}
