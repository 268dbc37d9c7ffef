//! Production-sized Agno trace databases for the scale benchmarks: the deterministic row
//! generator (`shape`, the same data shape as `shared/bench/agno/build_read_db.py`) and the
//! meta file that describes a built database (`meta`). Loading rows into SQLite, PostgreSQL
//! and MySQL, and running Agno to make the schema, belong to the `tracedeck-scale` binary
//! (`scale/main.rs`); benchmarks only read the meta file and the env vars the script sets.

pub mod meta;
pub mod shape;

/// Bump when the generated data or the load changes, so cached databases are rebuilt.
pub const GENERATOR_VERSION: u32 = 1;

/// `datetime.isoformat()` of an aware UTC datetime, as Agno stores every time: microseconds,
/// `+00:00`, and, like Python, no fraction at all when the microseconds are zero.
pub fn iso(unix_us: i64) -> String {
    let mut s = String::with_capacity(32);
    push_iso(&mut s, unix_us);
    s
}

/// [`iso`] appended to `out` (the loaders format millions of times into reused buffers).
pub fn push_iso(out: &mut String, unix_us: i64) {
    use std::fmt::Write;
    let secs = unix_us.div_euclid(1_000_000);
    let micros = unix_us.rem_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    let (hh, mm, ss) = (sod / 3600, sod / 60 % 60, sod % 60);
    let _ = write!(out, "{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}");
    if micros != 0 {
        let _ = write!(out, ".{micros:06}");
    }
    out.push_str("+00:00");
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::iso;

    #[test]
    fn iso_matches_python_isoformat() {
        // datetime.fromtimestamp(1795623561.224222, timezone.utc).isoformat()
        assert_eq!(iso(1_795_623_561_224_222), "2026-11-25T16:19:21.224222+00:00");
        assert_eq!(iso(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso(951_782_400_000_001), "2000-02-29T00:00:00.000001+00:00");
        assert_eq!(iso(-1), "1969-12-31T23:59:59.999999+00:00");
    }
}
