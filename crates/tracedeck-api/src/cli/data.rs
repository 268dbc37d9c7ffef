//! Subcommands that read across many traces or delete them: `tracedeck metrics` (progressive
//! chunks, merged, with the range covered so far on stderr), `tracedeck traces delete` and
//! `tracedeck retention` (show / set / run, on databases Tracedeck created).

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::Subcommand;
use tracedeck_model::TraceFilter;
use tracedeck_model::metrics::Metrics;
use tracedeck_store::Store;
use tracedeck_store::prune::retention_refusal;

use super::print_json;
use crate::render;
use crate::retention::{Retention, RetentionSettings};

#[derive(Debug, Subcommand)]
pub enum RetentionCmd {
    /// The database's retention settings, its size and why retention cannot run (if so).
    Show,
    /// Sets how much the database keeps (databases Tracedeck created only).
    Set {
        /// Keep traces that started within this many days.
        #[arg(long, conflicts_with = "no_age_limit")]
        keep_days: Option<u32>,
        #[arg(long)]
        no_age_limit: bool,
        /// Keep the trace tables under this many GB.
        #[arg(long, conflicts_with = "no_size_limit")]
        max_gb: Option<f64>,
        #[arg(long)]
        no_size_limit: bool,
    },
    /// Applies the saved settings now.
    Run,
}

/// Reads metrics chunk after chunk until the range is covered, reporting progress.
pub async fn metrics(store: &Store, filter: TraceFilter, json: bool) -> Result<()> {
    let now_us = tracedeck_model::time::now_ns() / 1000;
    let until = filter.until_us.unwrap_or(now_us + 1);
    let mut f = TraceFilter { until_us: Some(until), ..filter };
    let started = Instant::now();
    let progress = std::io::stderr().is_terminal();
    let prices = crate::prices::load(&crate::paths::config_dir()?).unwrap_or_default();
    let mut merged = Metrics::default();
    loop {
        let bucket = (merged.bucket_us > 0).then_some(merged.bucket_us);
        let (mut chunk, spend) = store.metrics(&f, now_us, bucket).await?;
        prices.price_metrics(&mut chunk, &spend);
        let next = chunk.next_until_us;
        merged.merge(chunk);
        match next {
            Some(u) if !merged.complete => {
                if progress {
                    eprint!(
                        "\rscanning… covered back to {} ",
                        render::time_of(&tracedeck_store::read::metrics::describe(u))
                    );
                }
                f.until_us = Some(u);
            }
            _ => break,
        }
    }
    if progress {
        eprintln!("\rscanned in {:.1} s{}", started.elapsed().as_secs_f64(), " ".repeat(40));
    }
    if json {
        return print_json(&merged);
    }
    print!("{}", render::metrics(&merged));
    Ok(())
}

pub async fn delete(store: &Store, ids: &[String], yes: bool, json: bool) -> Result<()> {
    if ids.is_empty() {
        bail!("name the traces to delete");
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("deleting {} trace(s) from {}: add --yes to confirm", ids.len(), store.config().describe());
        }
        eprint!("Delete {} trace(s) and their spans from {}? [y/N] ", ids.len(), store.config().describe());
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            bail!("nothing deleted");
        }
    }
    let d = store.delete_traces(ids).await?;
    if json {
        print_json(&d)
    } else {
        println!("deleted {} trace(s), {} span(s)", d.traces, d.spans);
        Ok(())
    }
}

pub async fn retention(store: &Store, cmd: RetentionCmd, json: bool) -> Result<()> {
    let mgr = super::connections_manager().await?;
    let settings = mgr.settings();
    let r = Retention::default();
    match cmd {
        RetentionCmd::Show => {}
        RetentionCmd::Set { keep_days, no_age_limit, max_gb, no_size_limit } => {
            let mut s = r.settings(settings, store).await?;
            if keep_days.is_some() || no_age_limit {
                s.keep_days = keep_days;
            }
            if max_gb.is_some() || no_size_limit {
                s.max_gb = max_gb;
            }
            r.set(settings, store, RetentionSettings { ..s }).await?;
        }
        RetentionCmd::Run => {
            if let Some(why) = retention_refusal(store) {
                bail!(why);
            }
            let d = r.run(settings, store).await?;
            if !json {
                println!("deleted {} trace(s), {} span(s)", d.traces, d.spans);
            }
        }
    }
    let status = r.status(settings, store).await?;
    mgr.close().await;
    if json {
        return print_json(&status);
    }
    let limit = |v: Option<String>| v.unwrap_or_else(|| "none".into());
    println!("database   {}", status.database);
    println!("keep       {}", limit(status.settings.keep_days.map(|d| format!("{d} day(s)"))));
    println!("max size   {}", limit(status.settings.max_gb.map(|g| format!("{g} GB"))));
    if let Some(b) = status.used_bytes {
        println!("size now   {:.3} GB", b as f64 / 1e9);
    }
    if let Some(why) = &status.refusal {
        println!("note       {why}");
    }
    Ok(())
}
