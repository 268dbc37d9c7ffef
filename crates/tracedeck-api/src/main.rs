//! The `tracedeck` binary: parses the command line, installs logging (stderr, `RUST_LOG`,
//! default `warn`) and, for commands that record, the telemetry layer into the store.

use std::process::ExitCode;

use clap::Parser;
use tracedeck_api::app::{App, AppConfig};
use tracedeck_api::cli::{self, Cli, Command};
use tracedeck_api::paths;
use tracedeck_api::service::{self, Access};
use tracedeck_api::web::{self, ServeOptions};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

// mimalloc: reading a 10,000-span trace allocates and frees ~20,000 strings; glibc's
// allocator spent more time on that than SQLite spent reading the rows.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn log_layer<S>() -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    use tracing_subscriber::Layer;
    tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_filter(EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("warn")))
}

async fn main_async(cli: Cli) -> anyhow::Result<()> {
    if let Command::Demo { runs, user, session } = &cli.command {
        let data_dir = paths::data_dir()?;
        let db = cli::db_url(cli.db.as_deref(), cli.read_only, &data_dir);
        let store = service::open(db.as_deref(), Access::Create, &data_dir).await?;
        let telemetry = service::start_recording(&store, &data_dir).await?;
        tracing_subscriber::registry().with(log_layer()).with(telemetry.layer()).init();
        let r = cli::run_demo(&store, *runs, user, session, cli.json, &telemetry).await;
        store.close().await;
        return r;
    }
    if let Command::Run { target, input, user, session } = &cli.command {
        let app = start_app(&cli).await?;
        tracing_subscriber::registry().with(log_layer()).with(app.telemetry().map(|t| t.layer())).init();
        let r = run_agent(&app, target, input, user.clone(), session.clone(), cli.json).await;
        app.shutdown().await;
        return r;
    }
    if let Command::Agents = &cli.command {
        let app = start_app(&cli).await?;
        tracing_subscriber::registry().with(log_layer()).init();
        let agents = app.list_agents().map_err(anyhow::Error::msg);
        let status = app.status().await;
        app.shutdown().await;
        let agents = agents?;
        if cli.json {
            println!("{}", serde_json::to_string_pretty(&agents)?);
        } else {
            println!("from {}\n", status.agents_config);
            for a in agents {
                let members =
                    if a.members.is_empty() { String::new() } else { format!("  members: {}", a.members.join(", ")) };
                println!("{:<6} {:<14} {:<24} model {}{}", a.kind, a.id, a.name, a.model.unwrap_or_default(), members);
            }
        }
        return Ok(());
    }
    if let Command::Serve { bind, token } = &cli.command {
        let app = start_app(&cli).await?;
        tracing_subscriber::registry().with(log_layer()).with(app.telemetry().map(|t| t.layer())).init();
        let opts = ServeOptions { bind: *bind, token: token.clone() };
        opts.check().map_err(anyhow::Error::msg)?;
        let status = app.status().await;
        eprintln!("Tracedeck {} on {}", status.version, status.database.label);
        for note in &status.database.notes {
            eprintln!("note: {note}");
        }
        eprintln!("UI:   http://{bind}/");
        eprintln!("OTLP: http://{bind}/v1/traces (protobuf or JSON)");
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let r = web::serve(app.clone(), opts, shutdown).await;
        app.shutdown().await;
        return r;
    }
    tracing_subscriber::registry().with(log_layer()).init();
    cli::run(cli).await
}

async fn start_app(cli: &Cli) -> anyhow::Result<App> {
    let otlp_endpoint = match &cli.command {
        Command::Serve { bind, .. } => Some(format!("http://{bind}/v1/traces")),
        _ => None,
    };
    App::start(AppConfig {
        db: cli.db.clone(),
        read_only: cli.read_only,
        data_dir: paths::data_dir()?,
        config_dir: paths::config_dir()?,
        log_dir: None,
        otlp_endpoint,
    })
    .await
}

/// `tracedeck run`: stream the answer, then the trace id and tree. Ctrl-C cancels.
async fn run_agent(
    app: &App,
    target: &str,
    input: &str,
    user: Option<String>,
    session: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    use tracedeck_agents::{RunStatus, TerminalRenderer};
    let runtime = app.runtime().map_err(anyhow::Error::msg)?;
    let Some(telemetry) = app.telemetry() else {
        anyhow::bail!(
            "{} is open read-only: agent runs cannot be recorded into it",
            app.local_store().config().describe()
        );
    };
    let mut req = tracedeck_agents::RunRequest::new(target, input);
    req.user_id = user;
    req.session_id = session;
    let cancel = req.cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ncancelling...");
            cancel.cancel();
        }
    });
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let ui = (!json).then(|| tokio::spawn(TerminalRenderer::new(std::io::stdout()).drain(rx)));
    let outcome = runtime.run(req, if json { None } else { Some(tx) }).await?;
    if let Some(ui) = ui {
        let _ = ui.await;
    }
    telemetry.flush(std::time::Duration::from_secs(10)).await.map_err(anyhow::Error::msg)?;
    let detail = app.get_trace(&outcome.trace_id).await.map_err(anyhow::Error::msg)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "trace_id": outcome.trace_id, "run_id": outcome.run_id, "session_id": outcome.session_id,
                "status": outcome.status.as_str(), "output": outcome.output, "error": outcome.error, "trace": detail,
            }))?
        );
    } else {
        println!("\n{}\n", tracedeck_agents::render::summary_line(&outcome));
        print!("{}", tracedeck_api::render::tree(&detail));
    }
    match outcome.status {
        RunStatus::Ok => Ok(()),
        _ => Err(anyhow::anyhow!(
            "run {}: {}",
            outcome.status.as_str().to_lowercase(),
            outcome.error.unwrap_or_default()
        )),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(main_async(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
