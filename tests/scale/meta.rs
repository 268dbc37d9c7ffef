//! The `*.meta.json` file written next to a built scale database: what was generated (counts,
//! time range, ids worth querying), how big the result is and how long it took, and the
//! generator version the cache logic compares. `tracedeck-scale` writes it; benchmarks read it.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// Values a benchmark can filter by, each with the number of traces that match it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Samples {
    pub user_id: String,
    pub user_traces: u64,
    pub session_id: String,
    pub session_traces: u64,
    pub agent_id: String,
    pub agent_traces: u64,
    pub team_id: String,
    pub team_traces: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Meta {
    pub generator_version: u32,
    /// `sqlite`, `postgres` or `mysql`.
    pub backend: String,
    /// The target URL without a password.
    pub url: String,
    pub seed: u64,
    pub traces: u64,
    pub spans: u64,
    /// Trace status `ERROR` (root span and second tool span failed).
    pub error_traces: u64,
    /// A failed tool span under an `OK` root and trace status, as Agno's upsert leaves them.
    pub stale_error_traces: u64,
    pub first_start_time: String,
    pub last_start_time: String,
    /// End of the 30-day range the traces are spread over.
    pub range_end_time: String,
    pub big_trace_id: Option<String>,
    pub big_trace_spans: u32,
    pub samples: Samples,
    /// Mean `attributes` JSON length per `openinference.span.kind`.
    pub avg_attributes_json_bytes: BTreeMap<String, f64>,
    /// Bytes per table (servers) or per file (SQLite: the .db file).
    pub size_bytes: BTreeMap<String, u64>,
    pub total_bytes: u64,
    pub build_seconds: f64,
    /// Seconds per build phase (schema, load, indexes, finish).
    pub phase_seconds: BTreeMap<String, f64>,
    /// The Agno version that made the schema.
    pub agno_version: String,
    pub built_at: String,
}

impl Meta {
    pub fn read(path: &Path) -> anyhow::Result<Meta> {
        let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parse {}", path.display()))
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(self)?;
        // Written whole or not at all: the cache treats a readable meta file as a finished build.
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text + "\n").with_context(|| format!("write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("rename to {}", path.display()))
    }
}
