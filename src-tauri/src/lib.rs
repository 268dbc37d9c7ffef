//! Tracedeck's desktop shell: starts the application service (the same one `tracedeck serve`
//! uses), registers the typed commands and events, opens the window, and listens for OTLP
//! from external agents on 127.0.0.1:4318. This is the only crate that knows Tauri.

pub mod bindings;
pub mod commands;
pub mod events;

use std::net::SocketAddr;

use anyhow::Context;
use tracedeck_api::app::{App, AppConfig};
use tracedeck_api::paths;
use tracedeck_api::web::{self, ServeOptions};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Where external agents send OTLP/HTTP (the OpenTelemetry default port).
pub const OTLP_ADDR: &str = "127.0.0.1:4318";

/// Without a display the webview cannot start (GTK panics); say what to do instead.
pub fn display_problem() -> Option<String> {
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        Some(
            "no display found (DISPLAY / WAYLAND_DISPLAY are not set), so the desktop window cannot open.\n\
             Use the web UI instead:  tracedeck serve   and open http://127.0.0.1:4318/"
                .into(),
        )
    } else {
        None
    }
}

pub fn run() -> anyhow::Result<()> {
    if let Some(problem) = display_problem() {
        anyhow::bail!(problem);
    }
    let data_dir = paths::data_dir()?;
    let logs = data_dir.join("logs");
    let cfg = AppConfig {
        db: std::env::var("TRACEDECK_DB").ok().filter(|s| !s.trim().is_empty()),
        read_only: false,
        data_dir,
        config_dir: paths::config_dir()?,
        log_dir: Some(logs.clone()),
        otlp_endpoint: Some(format!("http://{OTLP_ADDR}/v1/traces")),
    };
    let service = tauri::async_runtime::block_on(App::start(cfg)).context("starting Tracedeck")?;
    // Logs go to stderr and to a daily-rotated file in the data dir (a week is kept), so a
    // problem in the installed app can be looked at afterwards.
    // Created first: the appender prunes old files at start and complains about a missing dir.
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("tracedeck")
        .filename_suffix("log")
        .max_log_files(7)
        .build(&logs)
        .context("opening the log directory")?;
    let level =
        || EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tao=warn,wry=warn"));
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(EnvFilter::new("warn"));
    let to_file = tracing_subscriber::fmt::layer().with_ansi(false).with_writer(file).with_filter(level());
    tracing_subscriber::registry().with(stderr).with(to_file).with(service.telemetry().map(|t| t.layer())).init();
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "Tracedeck started");

    let builder = bindings::builder();
    let otlp_service = service.clone();
    let shutdown_service = service.clone();
    let window_service = service.clone();
    tauri::Builder::default()
        // Only the save dialog is used (choosing where an export goes); see capabilities/.
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(builder.invoke_handler())
        .manage(service.clone())
        // A closed window's requests have nobody waiting: stop their statements.
        .on_window_event(move |window, event| {
            if let tauri::WindowEvent::Destroyed = event {
                window_service.requests().cancel_owner(window.label());
            }
        })
        .setup(move |app| {
            builder.mount_events(app);
            events::forward_live(app.handle().clone(), &service);
            let addr: SocketAddr = OTLP_ADDR.parse().expect("valid address");
            tauri::async_runtime::spawn(async move {
                let opts = ServeOptions { bind: addr, token: None };
                if let Err(e) = web::serve(otlp_service, opts, std::future::pending()).await {
                    tracing::warn!("OTLP receiver not started ({e}); is another Tracedeck running?");
                }
            });
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("building the window")?
        .run(move |_, event| {
            if let tauri::RunEvent::Exit = event {
                tauri::async_runtime::block_on(shutdown_service.shutdown());
            }
        });
    Ok(())
}
