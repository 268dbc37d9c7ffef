//! Shared support for the workspace tests and benchmarks: backend selection (real SQLite
//! files, PostgreSQL and MariaDB servers, each test in its own database/schema), agent-shaped
//! span generators, and helpers to copy the read-only Agno fixtures.

pub mod agno;
pub mod backends;
pub mod bench;
pub mod generate;
/// The scale-database generator and meta file (`scale/`), shared with the `tracedeck-scale` binary.
#[path = "../scale/mod.rs"]
pub mod scale;

use std::path::{Path, PathBuf};

/// `../shared/fixtures/agno` relative to the workspace root.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/agno")
}

/// Copies a fixture file into `dir` (fixtures are read-only in CI) and returns the copy.
pub fn copy_fixture(name: &str, dir: &Path) -> PathBuf {
    let src = fixtures_dir().join(name);
    let dst = dir.join(name);
    std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
    let mut perm = std::fs::metadata(&dst).expect("stat copy").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&dst, perm).expect("chmod copy");
    dst
}

/// True when running under CI, where an unreachable backend is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false)
}

/// Median of timings in milliseconds.
pub fn median_ms(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

/// Thousands separators for figures.
pub fn thousands(n: f64) -> String {
    let s = format!("{:.0}", n);
    let (sign, digits) = s.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", &s));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}
