//! Time arguments of the CLI: an ISO-8601 timestamp (`2026-11-25T10:00:00Z`, a date
//! `2026-11-25`) or a duration before now (`90s`, `15m`, `24h`, `7d`, `2w`).

use tracedeck_model::time::{now_ns, parse_iso};

/// Microseconds since the epoch.
pub fn parse_time(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Some(ns) = parse_iso(s) {
        return Ok(ns / 1000);
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 =
        num.parse().map_err(|_| format!("invalid time {s:?}: use an ISO timestamp or a duration like 15m, 24h, 7d"))?;
    let secs = match unit {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("invalid time unit in {s:?}: use s, m, h, d or w")),
    };
    Ok(now_ns() / 1000 - n * secs * 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_timestamps() {
        let now = now_ns() / 1000;
        let h = parse_time("1h").unwrap();
        assert!((now - h - 3_600_000_000).abs() < 5_000_000);
        assert_eq!(parse_time("1970-01-01T00:00:01Z").unwrap(), 1_000_000);
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("5y").is_err());
    }
}
