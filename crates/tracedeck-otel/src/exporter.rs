//! The `SpanExporter` that records spans into the trace store. It only transforms and
//! submits: batching into transactions, retries, the spool and drop accounting belong to the
//! store's writer. The batch processor calls `export` on its own thread, so submission is
//! spawned onto the tokio runtime the exporter was created on.

use std::fmt;

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use tracedeck_model::time::now_ns;
use tracedeck_store::Writer;
use tracedeck_store::writer::Submitted;

use crate::transform::span_to_row;

pub struct StoreExporter {
    writer: Writer,
    runtime: tokio::runtime::Handle,
}

impl fmt::Debug for StoreExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreExporter").field("writer", &self.writer).finish()
    }
}

impl StoreExporter {
    /// Must be called inside a tokio runtime; submissions run on it.
    pub fn new(writer: Writer) -> StoreExporter {
        StoreExporter { writer, runtime: tokio::runtime::Handle::current() }
    }
}

impl SpanExporter for StoreExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let created = now_ns();
        let rows: Vec<_> = batch.iter().map(|s| span_to_row(s, created)).collect();
        let writer = self.writer.clone();
        let task = self.runtime.spawn(async move { writer.submit(rows).await });
        async move {
            match task.await {
                Ok(Submitted::Queued | Submitted::Spooled) => Ok(()),
                Ok(Submitted::Dropped(n)) => {
                    Err(OTelSdkError::InternalFailure(format!("{n} span(s) dropped: trace store queue and spool full")))
                }
                Err(e) => Err(OTelSdkError::InternalFailure(format!("trace store submission failed: {e}"))),
            }
        }
    }
}
