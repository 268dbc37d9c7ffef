//! Wiring: a tracer provider whose batch processor feeds the [`StoreExporter`], and the
//! `tracing-opentelemetry` layer that turns `tracing` spans into OTel spans.
//!
//! The layer has a per-layer filter: spans and events from the store and the database
//! drivers (targets `sqlx`, `tracedeck_store`, `tracedeck_otel`, `opentelemetry*`, HTTP
//! plumbing) are never recorded, otherwise writing a span would create spans to write,
//! forever. Everything else (agents, user code) is recorded.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracer, SdkTracerProvider};
use tracedeck_store::{Writer, WriterStats};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::registry::LookupSpan;

use crate::StoreExporter;

/// Targets whose spans never reach the store.
const EXCLUDED_TARGETS: &[&str] = &[
    "sqlx",
    "tracedeck_store",
    "tracedeck_otel",
    "opentelemetry",
    "opentelemetry_sdk",
    "tracing_opentelemetry",
    "hyper",
    "hyper_util",
    "h2",
    "tower",
    "tower_http",
    "axum",
    "reqwest",
    "rustls",
    "tokio",
    "runtime",
    "mio",
    "want",
];

/// Whether spans/events of a `tracing` target are recorded into the store.
pub fn is_recorded_target(target: &str) -> bool {
    !EXCLUDED_TARGETS.iter().any(|t| target == *t || (target.starts_with(t) && target[t.len()..].starts_with("::")))
}

#[derive(Debug, Clone)]
pub struct TelemetryConfig {
    pub service_name: String,
    /// Spans waiting in the batch processor.
    pub max_queue: usize,
    pub max_batch: usize,
    /// How long a finished span may wait before export (live views see it after this).
    pub delay: Duration,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            service_name: "tracedeck".into(),
            max_queue: 65_536,
            max_batch: 2_048,
            delay: Duration::from_millis(100),
        }
    }
}

/// The provider and the writer behind it. Flush or shut down before exit.
#[derive(Debug, Clone)]
pub struct Telemetry {
    provider: SdkTracerProvider,
    writer: Writer,
}

impl Telemetry {
    /// Must be called inside a tokio runtime.
    pub fn new(writer: Writer, cfg: TelemetryConfig) -> Telemetry {
        let processor = BatchSpanProcessor::builder(StoreExporter::new(writer.clone()))
            .with_batch_config(
                BatchConfigBuilder::default()
                    .with_max_queue_size(cfg.max_queue)
                    .with_max_export_batch_size(cfg.max_batch)
                    .with_scheduled_delay(cfg.delay)
                    .build(),
            )
            .build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_max_attributes_per_span(4096)
            .with_max_events_per_span(1024)
            .with_resource(Resource::builder().with_service_name(cfg.service_name).build())
            .build();
        Telemetry { provider, writer }
    }

    pub fn tracer(&self, scope: &'static str) -> SdkTracer {
        self.provider.tracer(scope)
    }

    pub fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// The `tracing` layer recording spans into the store (infrastructure targets excluded).
    pub fn layer<S>(&self) -> impl Layer<S> + Send + Sync + 'static
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
    {
        tracing_opentelemetry::layer()
            .with_tracer(self.tracer("tracedeck"))
            .with_filter(filter_fn(|meta| is_recorded_target(meta.target())))
    }

    /// Exports everything finished so far and waits until it is in the database.
    pub async fn flush(&self, timeout: Duration) -> Result<(), String> {
        let provider = self.provider.clone();
        tokio::task::spawn_blocking(move || provider.force_flush())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("span export failed: {e}"))?;
        self.writer.flush(timeout).await
    }

    /// Flushes and stops: the batch processor, then the writer. Returns the writer's final
    /// counters (dropped spans included, never silent).
    pub async fn shutdown(&self, timeout: Duration) -> WriterStats {
        let provider = self.provider.clone();
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(timeout)).await {
            tracing::warn!(target: "tracedeck_otel", "telemetry shutdown: {e}");
        }
        let stats = self.writer.shutdown(timeout).await;
        if stats.dropped_spans > 0 || stats.pending_spans > 0 {
            tracing::warn!(
                target: "tracedeck_otel",
                dropped = stats.dropped_spans,
                pending = stats.pending_spans,
                "trace store: spans dropped or still pending in the spool at shutdown"
            );
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infrastructure_targets_are_not_recorded() {
        for t in ["sqlx", "sqlx::query", "tracedeck_store::writer", "tracedeck_otel", "hyper::proto", "h2"] {
            assert!(!is_recorded_target(t), "{t}");
        }
        for t in ["tracedeck_agents::run", "my_app", "sqlxish", "hyperdrive"] {
            assert!(is_recorded_target(t), "{t}");
        }
    }
}
