//! The real `agno` package (a venv from PyPI made by `scripts/agno-venv.sh`) for the
//! compatibility tests: find its Python, and run `compat/agno_read.py` with it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The venv's Python (`TRACEDECK_AGNO_PYTHON`, else `target/agno-venv`); `None` (skip) when
/// it is missing, a panic under `CI=true`.
pub fn python() -> Option<PathBuf> {
    let p = std::env::var_os("TRACEDECK_AGNO_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/agno-venv/bin/python"));
    if p.exists() {
        return Some(p);
    }
    if crate::in_ci() {
        panic!("Agno venv missing at {} under CI=true (run scripts/agno-venv.sh)", p.display());
    }
    eprintln!("SKIP: no Agno venv at {} (run scripts/agno-venv.sh)", p.display());
    None
}

/// Runs `compat/agno_read.py` (Agno's own readers) and returns what it printed.
pub fn read(py: &Path, args: &[&str]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat/agno_read.py");
    let out = Command::new(py).arg(script).args(args).env("PYTHONDONTWRITEBYTECODE", "1").output().expect("run python");
    assert!(out.status.success(), "agno_read.py failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("agno_read.py JSON")
}
