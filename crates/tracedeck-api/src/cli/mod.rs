//! The `tracedeck` command line. Conventions every command follows: a global `--db <URL>`
//! (also `TRACEDECK_DB`; default: the SQLite file in the data dir), `--json` for
//! machine-readable output on stdout, errors on stderr with a non-zero exit code.

use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand, ValueEnum};
use tracedeck_model::{PageRequest, StatsGroupBy, TraceFilter, TraceStatus};

use crate::service::{self, Access};
use crate::{demo, render, timespec};

mod data;
pub use data::RetentionCmd;

#[derive(Debug, Parser)]
#[command(name = "tracedeck", version, about = "Local-first traces for AI agents (Agno-compatible trace store)")]
pub struct Cli {
    /// Trace database: sqlite://path.db, postgres://user@host/db, mysql://user@host/ (add
    /// ?schema=NAME, ?traces_table=, ?spans_table=, ?read_only=true as needed).
    /// Default: traces.db in Tracedeck's data directory.
    #[arg(long, global = true, env = "TRACEDECK_DB", value_name = "URL", hide_env_values = true)]
    pub db: Option<String>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Open the database read-only (enforced by the database).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Use a saved connection (see `tracedeck connections`) instead of --db.
    #[arg(long, global = true, env = "TRACEDECK_CONNECTION", value_name = "NAME", conflicts_with = "db")]
    pub connection: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Browse traces (runs).
    #[command(subcommand)]
    Traces(TracesCmd),
    /// One trace.
    #[command(subcommand)]
    Trace(TraceCmd),
    /// Create or inspect the Agno trace tables.
    #[command(subcommand)]
    Db(DbCmd),
    /// Saved connections to trace databases (passwords in the OS keyring).
    #[command(subcommand)]
    Connections(ConnectionsCmd),
    /// Serve the UI and the API over HTTP (web mode), and receive OTLP/HTTP traces from
    /// external agents at /v1/traces (the OpenTelemetry default endpoint, port 4318).
    Serve {
        /// Address to listen on. Anything but loopback requires --token.
        #[arg(long, default_value = "127.0.0.1:4318")]
        bind: std::net::SocketAddr,
        /// Access token required on every request (at least 16 characters).
        #[arg(long, env = "TRACEDECK_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    /// Run a local agent or team (from agents.toml): streams the answer, then prints the
    /// trace id and its tree. Ctrl-C cancels the run cleanly.
    Run {
        /// Agent or team id (see `tracedeck agents`).
        target: String,
        input: String,
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        session: Option<String>,
    },
    /// List the agents and teams defined in agents.toml.
    Agents,
    /// Run one SQL statement (read-only unless Tracedeck created the database; --read-only
    /// forces it). Placeholders such as {{spans}} work as in saved queries.
    Sql {
        query: String,
        /// Rows to print at most.
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        /// Statement time limit in seconds.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
        /// Stream every row to stdout as csv or json (JSON Lines) instead of a table.
        #[arg(long, value_name = "FORMAT")]
        export: Option<String>,
    },
    /// Saved queries (the built-in library and yours).
    #[command(subcommand)]
    Queries(QueriesCmd),
    /// Runs over time, errors, latency, tokens and cost by model and agent, tools: read chunk
    /// by chunk, newest first (the range covered so far is shown on stderr).
    Metrics {
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// How much a database Tracedeck created keeps (days and/or size).
    #[command(subcommand)]
    Retention(RetentionCmd),
    /// Write synthetic traces (for trying the UI, tests and benchmarks).
    #[command(hide = true)]
    Seed {
        #[arg(long, default_value_t = 100)]
        traces: usize,
        /// Also write one trace with this many spans.
        #[arg(long)]
        big_trace: Option<usize>,
        /// Also write traces whose names and values carry HTML/script payloads.
        #[arg(long)]
        xss: bool,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Record a scripted demo run (no model called) and print its tree.
    Demo {
        #[arg(long, default_value_t = 1)]
        runs: usize,
        #[arg(long, default_value = "demo-user")]
        user: String,
        #[arg(long, default_value = "demo-session")]
        session: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TracesCmd {
    /// List traces, newest first.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Continue after a previous page (printed at the end of a page).
        #[arg(long)]
        cursor: Option<String>,
        /// Print how the page would be read (the shape chosen from the index counts and the
        /// database's plan) instead of the page.
        #[arg(long)]
        explain: bool,
    },
    /// Deletes traces (with their spans) from the database; refused when read-only.
    Delete {
        trace_ids: Vec<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Totals grouped by user, session, agent, model or span name.
    Stats {
        #[arg(long, value_enum, default_value_t = GroupBy::Agent)]
        by: GroupBy,
        #[command(flatten)]
        filter: FilterArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GroupBy {
    User,
    Session,
    Agent,
    Model,
    SpanName,
}

#[derive(Debug, Subcommand)]
pub enum TraceCmd {
    /// Print a trace as a tree with kind, status and durations.
    Show { trace_id: String },
}

#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Create the Agno trace tables when absent (never alters existing ones).
    Init { url: Option<String> },
    /// Report schema, tables, versions and counts.
    Check { url: Option<String> },
}

#[derive(Debug, Subcommand)]
pub enum ConnectionsCmd {
    /// List saved connections (the active one is marked).
    List,
    /// Save a connection. Read-only unless Tracedeck created the database (or --read-write).
    Add {
        name: String,
        /// sqlite path, postgres://user[:password]@host/db or mysql://user[:password]@host/
        url: String,
        #[arg(long, value_enum, default_value_t = EnvArg::Dev)]
        env: EnvArg,
        #[arg(long)]
        schema: Option<String>,
        #[arg(long)]
        traces_table: Option<String>,
        #[arg(long)]
        spans_table: Option<String>,
        /// Allow writes (refused by default for databases Tracedeck did not create; the
        /// global --read-only saves it read-only even when Tracedeck created it).
        #[arg(long, conflicts_with = "read_only")]
        read_write: bool,
        /// Read the password from standard input (kept in the OS keyring).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Connect and report server version, tables, trace count and whether the session is
    /// really read-only.
    Test {
        name: String,
    },
    /// Make a connection the one the app opens on.
    Use {
        name: String,
    },
    Remove {
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum QueriesCmd {
    List,
    /// Run a saved query by name (or id).
    Run {
        name: String,
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
    },
    /// Write a saved query (or, without a name, all yours) as a .sql file to stdout.
    Export {
        name: Option<String>,
    },
    /// Import a .sql file written by `export` (or any SQL file: one query).
    Import {
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EnvArg {
    Dev,
    Staging,
    Production,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Ok,
    Error,
}

#[derive(Debug, Args, Default)]
pub struct FilterArgs {
    #[arg(long)]
    pub user: Option<String>,
    #[arg(long)]
    pub session: Option<String>,
    #[arg(long)]
    pub agent: Option<String>,
    #[arg(long)]
    pub team: Option<String>,
    #[arg(long)]
    pub workflow: Option<String>,
    #[arg(long)]
    pub run: Option<String>,
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    /// Start time at or after: ISO timestamp or a duration ago (15m, 24h, 7d).
    #[arg(long, value_parser = timespec::parse_time)]
    pub since: Option<i64>,
    /// Start time before: ISO timestamp or a duration ago.
    #[arg(long, value_parser = timespec::parse_time)]
    pub until: Option<i64>,
    /// Text in the trace name, a span name, or span inputs/outputs (case-insensitive).
    #[arg(long)]
    pub search: Option<String>,
}

impl FilterArgs {
    fn into_filter(self) -> TraceFilter {
        TraceFilter {
            user_id: self.user,
            session_id: self.session,
            agent_id: self.agent,
            team_id: self.team,
            workflow_id: self.workflow,
            run_id: self.run,
            status: self.status.map(|s| match s {
                StatusArg::Ok => TraceStatus::Ok,
                StatusArg::Error => TraceStatus::Error,
            }),
            search: self.search,
            since_us: self.since,
            until_us: self.until,
        }
    }
}

/// The connections manager over the settings database and the default local database.
pub async fn connections_manager() -> Result<crate::connections::Connections> {
    let data_dir = crate::paths::data_dir()?;
    let settings = tracedeck_store::settings::SettingsDb::open(&data_dir.join(crate::app::SETTINGS_FILE)).await?;
    let local = service::open(None, Access::Read, &data_dir).await?;
    Ok(crate::connections::Connections::new(settings, local).await)
}

/// The database a command works on: a saved connection, `--db`, or the default.
async fn open_target(cli_connection: Option<&str>, db: Option<&str>, access: Access) -> Result<tracedeck_store::Store> {
    match cli_connection {
        Some(name) => {
            let mgr = connections_manager().await?;
            let info = mgr.get(name).await?;
            if info.secret == crate::secrets::SecretStorage::Missing {
                // No keyring (or no entry): ask for it, for this session only.
                use std::io::IsTerminal;
                if !std::io::stdin().is_terminal() {
                    anyhow::bail!(
                        "the password of {:?} is not in a keyring; run this in a terminal to be asked for it",
                        info.name
                    );
                }
                let pw = rpassword::prompt_password(format!("Password for {} ({}): ", info.name, info.location))?;
                mgr.set_secret(&info.id, &pw, false).await?;
            }
            Ok(mgr.store(Some(&info.id)).await?)
        }
        None => open(db, access).await,
    }
}

/// Opens the database and tells the user (on stderr) anything they should know about how.
async fn open(db: Option<&str>, access: Access) -> Result<tracedeck_store::Store> {
    let store = service::open(db, access, &crate::paths::data_dir()?).await?;
    for note in &store.info().notes {
        eprintln!("note: {note}");
    }
    Ok(store)
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// `--db` with `--read-only` folded in (the default database when no URL is given).
pub fn db_url(cli_db: Option<&str>, read_only: bool, data_dir: &std::path::Path) -> Option<String> {
    match (cli_db, read_only) {
        (Some(u), true) => Some(format!("{u}{}read_only=true", if u.contains('?') { '&' } else { '?' })),
        (Some(u), false) => Some(u.to_owned()),
        (None, true) => Some(format!("sqlite://{}?mode=ro", crate::paths::default_db_in(data_dir).display())),
        (None, false) => None,
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    let json = cli.json;
    let db = db_url(cli.db.as_deref(), cli.read_only, &crate::paths::data_dir()?);
    let conn = cli.connection.as_deref();
    match cli.command {
        Command::Traces(TracesCmd::List { filter, limit, cursor, explain: true }) => {
            let store = open_target(conn, db.as_deref(), Access::Read).await?;
            let plan = store.explain_page(&filter.into_filter(), &PageRequest { limit, cursor }).await?;
            if json {
                print_json(&plan)?;
            } else {
                println!("shape: {}", plan.shape);
                for line in &plan.plan {
                    println!("  {line}");
                }
            }
            store.close().await;
        }
        Command::Traces(TracesCmd::List { filter, limit, cursor, explain: false }) => {
            let store = open_target(conn, db.as_deref(), Access::Read).await?;
            let page = store.list_traces(&filter.into_filter(), &PageRequest { limit, cursor }).await?;
            if json {
                print_json(&page.traces)?;
                if let Some(c) = &page.next_cursor {
                    eprintln!("next page: --cursor '{c}'");
                }
            } else {
                print!("{}", render::trace_list(&page.traces, page.next_cursor.as_deref()));
            }
            store.close().await;
        }
        Command::Traces(TracesCmd::Stats { by, filter }) => {
            let store = open_target(conn, db.as_deref(), Access::Read).await?;
            let by = match by {
                GroupBy::User => StatsGroupBy::User,
                GroupBy::Session => StatsGroupBy::Session,
                GroupBy::Agent => StatsGroupBy::Agent,
                GroupBy::Model => StatsGroupBy::Model,
                GroupBy::SpanName => StatsGroupBy::SpanName,
            };
            let rows = store.trace_stats(by, &filter.into_filter()).await?;
            if json {
                print_json(&rows)?
            } else {
                print!("{}", render::stats(&rows))
            }
            store.close().await;
        }
        Command::Trace(TraceCmd::Show { trace_id }) => {
            let store = open_target(conn, db.as_deref(), Access::Read).await?;
            let detail = store
                .get_trace(&trace_id)
                .await?
                .ok_or_else(|| anyhow!("no trace {trace_id:?} in {}", store.config().describe()))?;
            if json {
                print_json(&detail)?
            } else {
                print!("{}", render::tree(&detail))
            }
            store.close().await;
        }
        Command::Db(DbCmd::Init { url }) => {
            let url = url.or(db);
            let store = open(url.as_deref(), Access::Create).await?;
            let report = store.check().await?;
            if json {
                print_json(&report)?
            } else {
                print!("{}", render::report(&report))
            }
            store.close().await;
        }
        Command::Db(DbCmd::Check { url }) => {
            let url = url.or(db);
            let store = open(url.as_deref(), Access::Read).await?;
            let report = store.check().await?;
            if json {
                print_json(&report)?
            } else {
                print!("{}", render::report(&report))
            }
            store.close().await;
        }
        Command::Traces(TracesCmd::Delete { trace_ids, yes }) => {
            let store = open_target(conn, db.as_deref(), Access::Read).await?;
            data::delete(&store, &trace_ids, yes, json).await?;
            store.close().await;
        }
        Command::Metrics { filter } => {
            let store = open_target(conn, db.as_deref(), Access::Read).await?;
            let mut f = filter.into_filter();
            // Without a range: the last 24 hours, as the Metrics page opens.
            if f.since_us.is_none() && f.until_us.is_none() {
                f.since_us = Some(tracedeck_model::time::now_ns() / 1000 - 86_400_000_000);
            }
            data::metrics(&store, f, json).await?;
            store.close().await;
        }
        Command::Retention(cmd) => {
            let store = open_target(conn, db.as_deref(), Access::Read).await?;
            data::retention(&store, cmd, json).await?;
            store.close().await;
        }
        Command::Connections(cmd) => connections_cmd(cmd, cli.read_only, json).await?,
        Command::Sql { query, limit, timeout, export } => {
            let (store, read_only) = console_store(conn, db.as_deref(), cli.read_only).await?;
            sql_cmd(&store, &query, read_only, limit, timeout, export.as_deref(), json).await?;
            store.close().await;
        }
        Command::Queries(cmd) => queries_cmd(cmd, conn, db.as_deref(), cli.read_only, json).await?,
        Command::Seed { traces, big_trace, xss, seed } => {
            let store = open(db.as_deref(), Access::Create).await?;
            let done = crate::seed::seed(&store, traces, big_trace, xss, seed).await?;
            if json {
                print_json(&done)?;
            } else {
                println!(
                    "wrote {} spans: {} traces{}{}",
                    done.spans,
                    done.traces.len(),
                    done.big_trace.as_ref().map(|b| format!(", big trace {b}")).unwrap_or_default(),
                    if done.xss_traces.is_empty() {
                        String::new()
                    } else {
                        format!(", {} XSS traces", done.xss_traces.len())
                    }
                );
            }
            store.close().await;
        }
        Command::Demo { .. } | Command::Serve { .. } | Command::Run { .. } | Command::Agents => {
            unreachable!("handled in main, which installs the recording layer")
        }
    }
    Ok(())
}

/// `tracedeck demo`: needs the telemetry layer installed by the caller.
pub async fn run_demo(
    store: &tracedeck_store::Store,
    runs: usize,
    user: &str,
    session: &str,
    json: bool,
    telemetry: &tracedeck_otel::Telemetry,
) -> Result<()> {
    let mut last = String::new();
    for _ in 0..runs.max(1) {
        last = demo::record_demo_run(user, session).await;
    }
    service::stop_recording(telemetry).await.context("recording the demo run")?;
    let detail = store.get_trace(&last).await?.ok_or_else(|| anyhow!("demo trace {last} was not stored"))?;
    if json {
        print_json(&detail)?;
    } else {
        println!("recorded {} demo run(s) into {}\n", runs.max(1), store.config().describe());
        print!("{}", render::tree(&detail));
    }
    Ok(())
}

/// `read_only` (the global `--read-only`) makes `connections add` save a read-only connection
/// even for a database Tracedeck created.
async fn connections_cmd(cmd: ConnectionsCmd, read_only: bool, json: bool) -> Result<()> {
    use crate::connections::ConnectionDraft;
    let mgr = connections_manager().await?;
    let out = match cmd {
        ConnectionsCmd::List => {
            let list = mgr.list().await?;
            if json {
                print_json(&list)?;
            } else {
                for c in list {
                    println!(
                        "{} {:<16} {:<10} {:<4} {:<11} {}",
                        if c.active { "*" } else { " " },
                        render::safe(&c.name, 16),
                        c.env,
                        if c.read_only { "RO" } else { "RW" },
                        format!("{:?}", c.secret).to_lowercase(),
                        c.location
                    );
                }
            }
            Ok(())
        }
        ConnectionsCmd::Add { name, url, env, schema, traces_table, spans_table, read_write, password_stdin } => {
            let password = if password_stdin {
                let mut p = String::new();
                std::io::stdin().read_line(&mut p).context("reading the password from stdin")?;
                Some(p.trim_end_matches(['\n', '\r']).to_owned())
            } else {
                None
            };
            let draft = ConnectionDraft {
                name,
                url,
                schema,
                traces_table,
                spans_table,
                env: format!("{env:?}").to_lowercase(),
                read_only: if read_only { Some(true) } else { read_write.then_some(false) },
                password,
            };
            let info = mgr.save(None, &draft).await?;
            if json {
                print_json(&info)?;
            } else {
                println!(
                    "saved {:?} ({}, {}, password: {})",
                    info.name,
                    info.location,
                    if info.read_only { "read-only" } else { "read-write" },
                    format!("{:?}", info.secret).to_lowercase()
                );
            }
            Ok(())
        }
        ConnectionsCmd::Test { name } => {
            let id = mgr.get(&name).await?.id;
            let r = mgr.test_saved(&id).await?;
            if json {
                print_json(&r)?;
            } else {
                println!("{}", if r.ok { "OK" } else { "FAILED" });
                println!("message       {}", r.message);
                if let Some(v) = &r.server_version {
                    println!("server        {v}");
                }
                println!("tables        {}", r.tables_found.join(", "));
                if let Some(n) = r.trace_count {
                    println!("traces        {n}");
                }
                println!(
                    "read-only     {} ({})",
                    if r.read_only_verified { "verified" } else { "NO" },
                    r.read_only_detail
                );
                if let Some(s) = &r.detected_schema {
                    println!("hint          Agno tables found in schema {s:?}");
                }
            }
            if r.ok { Ok(()) } else { Err(anyhow!("connection test failed")) }
        }
        ConnectionsCmd::Use { name } => {
            let id = mgr.get(&name).await?.id;
            let info = mgr.activate(&id).await?;
            println!("active connection: {} ({})", info.name, info.location);
            Ok(())
        }
        ConnectionsCmd::Remove { name } => {
            let id = mgr.get(&name).await?.id;
            mgr.delete(&id).await?;
            println!("removed {name:?}");
            Ok(())
        }
    };
    mgr.close().await;
    out
}

/// The store a console statement runs on, and whether it must be read-only: always for a
/// read-only connection or `--read-only`, and for any database Tracedeck did not create.
async fn console_store(conn: Option<&str>, db: Option<&str>, force_ro: bool) -> Result<(tracedeck_store::Store, bool)> {
    match conn {
        Some(name) => {
            let mgr = connections_manager().await?;
            let info = mgr.get(name).await?;
            let store = open_target(Some(name), None, Access::Read).await?;
            Ok((store.clone(), force_ro || info.read_only || store.is_read_only()))
        }
        None => {
            let store = open(db, Access::Read).await?;
            let ro = force_ro || store.is_read_only() || store.info().origin == tracedeck_store::Origin::Foreign;
            Ok((store, ro))
        }
    }
}

fn cell_text(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "NULL".into(),
        Value::String(s) => s.clone(),
        Value::Object(m) if m.len() <= 2 => match m.iter().next() {
            Some((k, Value::String(s))) if k.starts_with('$') => s.clone(),
            Some((k, other)) if k == "$json" => other.to_string(),
            _ => v.to_string(),
        },
        other => other.to_string(),
    }
}

async fn sql_cmd(
    store: &tracedeck_store::Store,
    sql: &str,
    read_only: bool,
    limit: u32,
    timeout: f64,
    export: Option<&str>,
    json: bool,
) -> Result<()> {
    let timeout = std::time::Duration::from_secs_f64(timeout.max(0.001));
    if let Some(format) = export {
        let format = crate::console::export_format(format)?;
        let (q, _) = crate::console::start(store, sql, read_only, timeout).await?;
        let rows = tracedeck_store::console::export(q, format, tokio::io::stdout())
            .await
            .map_err(crate::error::ApiError::from)?;
        eprintln!("{rows} row(s) exported");
        return Ok(());
    }
    let (mut query, map) = crate::console::start(store, sql, read_only, timeout).await?;
    let first = query.next_page(limit.max(1) as usize).await;
    query.close().await;
    let mut page = first.map_err(|e| crate::console::remap(e.into(), &map))?;
    let truncated = !page.done;
    page.query_id = None;
    if json {
        print_json(&serde_json::json!({
            "columns": page.columns, "rows": page.rows, "row_count": page.row_count,
            "truncated": truncated, "rows_affected": page.rows_affected, "elapsed_ms": page.elapsed_ms,
        }))?;
        return Ok(());
    }
    let cells: Vec<Vec<String>> =
        page.rows.iter().map(|r| r.iter().map(|c| render::safe(&cell_text(c), 60)).collect()).collect();
    let widths: Vec<usize> = page
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| cells.iter().map(|r| r[i].chars().count()).chain([c.name.chars().count()]).max().unwrap_or(0))
        .collect();
    let line = |vals: Vec<String>| {
        vals.iter().zip(&widths).map(|(v, w)| format!("{v:<w$}")).collect::<Vec<_>>().join("  ").trim_end().to_owned()
    };
    println!("{}", line(page.columns.iter().map(|c| render::safe(&c.name, 60)).collect()));
    println!("{}", line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    for r in cells {
        println!("{}", line(r));
    }
    let more = if truncated { " (more rows: raise --limit, or --export csv)".to_owned() } else { String::new() };
    let affected = page.rows_affected.map(|n| format!(", {n} row(s) affected")).unwrap_or_default();
    eprintln!("{} row(s){affected} in {:.1} ms{more}", page.row_count, page.elapsed_ms);
    Ok(())
}

async fn queries_cmd(cmd: QueriesCmd, conn: Option<&str>, db: Option<&str>, force_ro: bool, json: bool) -> Result<()> {
    let data_dir = crate::paths::data_dir()?;
    let settings = tracedeck_store::settings::SettingsDb::open(&data_dir.join(crate::app::SETTINGS_FILE)).await?;
    let find = |all: &[crate::library::SavedQuery], name: &str| {
        all.iter()
            .find(|q| q.id == name || q.name.eq_ignore_ascii_case(name))
            .cloned()
            .ok_or_else(|| anyhow!("no saved query named {name:?} (see `tracedeck queries list`)"))
    };
    match cmd {
        QueriesCmd::List => {
            let all = crate::console::queries(&settings).await?;
            if json {
                print_json(&all)?;
            } else {
                for q in all {
                    println!(
                        "{:<12} {:<36} {}",
                        render::safe(&q.folder, 12),
                        render::safe(&q.name, 36),
                        render::safe(&q.description, 80)
                    );
                }
            }
        }
        QueriesCmd::Run { name, limit, timeout } => {
            let q = find(&crate::console::queries(&settings).await?, &name)?;
            let (store, read_only) = console_store(conn, db, force_ro).await?;
            sql_cmd(&store, &q.sql, read_only, limit, timeout, None, json).await?;
            store.close().await;
        }
        QueriesCmd::Export { name } => {
            let id = match name {
                Some(n) => Some(find(&crate::console::queries(&settings).await?, &n)?.id),
                None => None,
            };
            print!("{}", crate::console::export_queries(&settings, id.as_deref()).await?);
        }
        QueriesCmd::Import { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
            let done = crate::console::import_queries(&settings, &text, stem.as_deref()).await?;
            println!("imported {} quer{}", done.len(), if done.len() == 1 { "y" } else { "ies" });
        }
    }
    settings.close().await;
    Ok(())
}
