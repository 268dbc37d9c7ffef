//! `tracedeck-scale`: builds a production-sized trace database in Agno's exact schema on
//! SQLite, PostgreSQL or MySQL/MariaDB for the scale benchmarks, and checks a built one
//! against its meta file (the cache test of `scripts/bench-scale.sh`).
//!
//! ```text
//! tracedeck-scale build --url sqlite:///abs/scale.db --traces 1000000 --seed 1 [--python PATH]
//! tracedeck-scale check --url postgres://postgres@127.0.0.1:5432/tracedeck_scale?schema=ai
//! ```
//! The schema comes from Agno (`compat/agno_schema.py`), the rows from the deterministic
//! generator in `scale/shape.rs`, the bulk loads from `load/`.

mod load;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, ensure};
use clap::{Args, Parser, Subcommand};
use load::{Target, phase};
use tracedeck_tests::scale::meta::{Meta, Samples};
use tracedeck_tests::scale::shape::{DEFAULT_BIG_SPANS, Generator, Params};
use tracedeck_tests::scale::{GENERATOR_VERSION, iso};
use tracedeck_tests::thousands;

#[derive(Parser)]
#[command(about = "Build and check production-sized Agno trace databases")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Empty the target, let Agno make the schema, bulk-load the rows, write the meta file.
    Build(BuildArgs),
    /// Count the rows and compare them (and the generator version) with the meta file.
    Check(CheckArgs),
}

#[derive(Args)]
struct BuildArgs {
    /// sqlite:///abs/file.db | postgres://user@host:port/db?schema=ai | mysql://user@host:port/?schema=name
    #[arg(long)]
    url: String,
    /// All traces, the big one included.
    #[arg(long, default_value_t = 1_000_000)]
    traces: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Spans of the one big trace (0: none).
    #[arg(long, default_value_t = DEFAULT_BIG_SPANS)]
    big_spans: u32,
    /// Python of the Agno venv (scripts/agno-venv.sh prints it).
    #[arg(long, env = "TRACEDECK_AGNO_PYTHON")]
    python: Option<PathBuf>,
    /// Meta file (default: <file>.meta.json for SQLite, target/bench-data/ for servers).
    #[arg(long)]
    meta: Option<PathBuf>,
    /// End of the 30-day range in unix seconds (default: now, rounded down to the minute).
    #[arg(long)]
    end_unix: Option<i64>,
}

#[derive(Args)]
struct CheckArgs {
    #[arg(long)]
    url: String,
    #[arg(long)]
    meta: Option<PathBuf>,
    /// Also require this many traces in the meta file.
    #[arg(long)]
    traces: Option<u64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Build(a) => build(a).await,
        Cmd::Check(a) => check(a).await,
    }
}

async fn build(a: BuildArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let t = Target::parse(&a.url)?;
    let label = t.backend().as_str();
    let meta_path = a.meta.unwrap_or_else(|| t.default_meta());
    // A meta file vouches for a finished database: remove it before touching the data.
    match std::fs::remove_file(&meta_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e).context("remove the old meta file"),
        _ => {}
    }
    let end_us = match a.end_unix {
        Some(s) => s * 1_000_000,
        None => (SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() / 60 * 60) as i64 * 1_000_000,
    };
    let params = Params { traces: a.traces, big_spans: a.big_spans, seed: a.seed, end_us };
    let python = load::agno::python(a.python);
    println!(
        "{label}: building {} — {} traces, {} spans, seed {}",
        t.display_url(),
        thousands(params.traces as f64),
        thousands(params.total_spans() as f64),
        params.seed
    );

    let mut phases = BTreeMap::new();
    phase(&mut phases, label, "reset", t.reset()).await?;
    let agno_version =
        phase(&mut phases, label, "schema (Agno)", async { load::agno::make_schema(&python, &t) }).await?;
    let loaded = t.load(Generator::new(params.clone())).await?;
    phases.extend(loaded.phases);
    let s = loaded.summary;
    ensure!(
        s.traces == params.traces && s.spans == params.total_spans(),
        "generated {} traces / {} spans, expected {} / {}",
        s.traces,
        s.spans,
        params.traces,
        params.total_spans()
    );

    let size_bytes = t.sizes().await?;
    let (user_id, user_traces) = s.common_user();
    let (session_id, session_traces) = s.common_session();
    let (agent_id, agent_traces) = s.common_agent();
    let (team_id, team_traces) = s.common_team();
    let meta = Meta {
        generator_version: GENERATOR_VERSION,
        backend: label.to_owned(),
        url: t.display_url(),
        seed: params.seed,
        traces: s.traces,
        spans: s.spans,
        error_traces: s.error_traces,
        stale_error_traces: s.stale_error_traces,
        first_start_time: s.first_start_us.map(iso).unwrap_or_default(),
        last_start_time: s.last_start_us.map(iso).unwrap_or_default(),
        range_end_time: iso(params.end_us),
        big_trace_id: s.big_trace_id.clone(),
        big_trace_spans: s.big_trace_spans,
        samples: Samples {
            user_id,
            user_traces,
            session_id,
            session_traces,
            agent_id,
            agent_traces,
            team_id,
            team_traces,
        },
        avg_attributes_json_bytes: s.mean_attribute_bytes().iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        total_bytes: size_bytes.iter().filter(|(k, _)| k.as_str() != "database").map(|(_, v)| v).sum(),
        size_bytes,
        build_seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        phase_seconds: phases,
        agno_version,
        built_at: iso(SystemTime::now().duration_since(UNIX_EPOCH)?.as_micros() as i64),
    };
    verify(&t, &meta).await?;
    meta.write(&meta_path)?;
    println!(
        "{label}: built in {:.1} s, {:.2} GB; meta {}",
        meta.build_seconds,
        meta.total_bytes as f64 / 1e9,
        meta_path.display()
    );
    Ok(())
}

async fn check(a: CheckArgs) -> anyhow::Result<()> {
    let t = Target::parse(&a.url)?;
    let meta_path = a.meta.unwrap_or_else(|| t.default_meta());
    let meta = Meta::read(&meta_path)?;
    ensure!(
        meta.generator_version == GENERATOR_VERSION,
        "{} was made by generator version {}, this is version {GENERATOR_VERSION}",
        meta_path.display(),
        meta.generator_version
    );
    ensure!(meta.url == t.display_url(), "{} describes {}, not {}", meta_path.display(), meta.url, t.display_url());
    if let Some(n) = a.traces {
        ensure!(meta.traces == n, "{} has {} traces, {n} wanted", meta_path.display(), meta.traces);
    }
    verify(&t, &meta).await
}

/// Counts the rows and compares them with the meta file.
async fn verify(t: &Target, meta: &Meta) -> anyhow::Result<()> {
    let started = Instant::now();
    let c = t.counts(meta.big_trace_id.as_deref()).await?;
    println!(
        "{}: {} traces ({} ERROR), {} spans, big trace {} spans; counted in {:.1} s",
        meta.backend,
        thousands(c.traces as f64),
        thousands(c.error_traces as f64),
        thousands(c.spans as f64),
        thousands(c.big_trace_spans as f64),
        started.elapsed().as_secs_f64()
    );
    let want = load::Counts {
        traces: meta.traces,
        spans: meta.spans,
        error_traces: meta.error_traces,
        big_trace_spans: u64::from(meta.big_trace_spans),
    };
    ensure!(c == want, "the database does not match its meta file: found {c:?}, meta says {want:?}");
    Ok(())
}
