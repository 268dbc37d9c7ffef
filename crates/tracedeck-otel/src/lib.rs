//! OpenTelemetry plumbing between instrumented code and the trace store:
//!
//! - [`transform`]: the pure mapping from an OTel span (`SpanData`) to an Agno row
//!   ([`tracedeck_model::SpanRow`]), events kept under one reserved attribute key;
//! - [`exporter`]: a `SpanExporter` that hands rows to the store's [`tracedeck_store::Writer`]
//!   (which batches, retries and spools);
//! - [`setup`]: the tracer provider with a batch processor, the `tracing-opentelemetry` layer
//!   with a filter so the store's own spans (sqlx, the writer) are never recorded into the
//!   store, and flush/shutdown on exit.
//!
//! Receiving OTLP from external processes is added next to these by the api crate.

pub mod exporter;
pub mod otlp;
pub mod setup;
pub mod transform;

pub use exporter::StoreExporter;
pub use setup::{Telemetry, TelemetryConfig, is_recorded_target};
