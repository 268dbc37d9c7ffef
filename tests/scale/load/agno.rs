//! Runs `compat/agno_schema.py` with the venv's Python, so the trace tables, their indexes
//! and the `agno_schema_versions` rows are made by Agno itself before any row is loaded.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use tracedeck_store::Backend;

use super::Target;

/// `--python`, else `TRACEDECK_AGNO_PYTHON` (clap reads it), else the venv under `target/`.
pub fn python(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| super::workspace_dir().join("target/agno-venv/bin/python"))
}

/// Makes the schema and returns the Agno version that made it.
pub fn make_schema(python: &Path, t: &Target) -> anyhow::Result<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat/agno_schema.py");
    let mut cmd = Command::new(python);
    cmd.arg(&script);
    match t.backend() {
        Backend::Sqlite => cmd.arg("--sqlite").arg(t.sqlite_path()),
        Backend::Postgres => cmd.arg("--pg").arg(t.sqlalchemy_url()?).arg("--schema").arg(t.schema()),
        Backend::MySql => cmd.arg("--mysql").arg(t.sqlalchemy_url()?).arg("--schema").arg(t.schema()),
    };
    // A fixed hash seed: Agno creates indexes by iterating a set, and a fixed order keeps
    // `.schema` the same from one build to the next.
    cmd.env("AGNO_TELEMETRY", "false").env("PYTHONHASHSEED", "0").env("PYTHONDONTWRITEBYTECODE", "1");
    let out = cmd.output().with_context(|| format!("run {} (make it with scripts/agno-venv.sh)", python.display()))?;
    if !out.status.success() {
        bail!("agno_schema.py failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).context("agno_schema.py printed no JSON")?;
    let v: serde_json::Value = serde_json::from_str(line).context("agno_schema.py JSON")?;
    Ok(v["agno_version"].as_str().unwrap_or("unknown").to_owned())
}
