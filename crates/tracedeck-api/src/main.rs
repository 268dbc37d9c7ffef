//! The `tracedeck` binary: parses the command line, installs logging (stderr, `RUST_LOG`,
//! default `warn`) and, for commands that record, the telemetry layer into the store.

use std::process::ExitCode;

use clap::Parser;
use tracedeck_api::app::{App, AppConfig};
use tracedeck_api::cli::{self, Cli, Command};
use tracedeck_api::web::{self, ServeOptions};
use tracedeck_api::paths;
use tracedeck_api::service::{self, Access};
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
    if let Command::Serve { bind, token } = &cli.command {
        let app = App::start(AppConfig {
            db: cli.db.clone(),
            read_only: cli.read_only,
            data_dir: paths::data_dir()?,
            config_dir: paths::config_dir()?,
        })
        .await?;
        tracing_subscriber::registry().with(log_layer()).with(app.telemetry().map(|t| t.layer())).init();
        let opts = ServeOptions { bind: *bind, token: token.clone() };
        opts.check().map_err(anyhow::Error::msg)?;
        let status = app.status();
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
