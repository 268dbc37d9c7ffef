//! Export of 1M generated rows per backend with flat memory: the peak resident set size
//! while exporting (Linux `VmHWM`, reset through `/proc/self/clear_refs` before each export)
//! must stay far below the size of what was written. One test, backends in turn, so no other
//! test in this binary disturbs the measurement.

mod console_support;

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use console_support::{Seeded, opts};
use tokio::io::AsyncWrite;
use tracedeck_store::{Backend, ExportFormat, export};

const ROWS: u64 = 1_000_000;

/// Counts bytes and throws them away.
#[derive(Default)]
struct Sink {
    bytes: u64,
}

impl AsyncWrite for Sink {
    fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.bytes += buf.len() as u64;
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} missing"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn generated(backend: Backend) -> String {
    match backend {
        Backend::Postgres => format!(
            "SELECT g AS id, 'span-' || g AS name, g * 1.5 AS score, \
               timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second' AS at, \
               jsonb_build_object('k', g, 'kind', 'LLM') AS attrs, NULL::text AS missing \
             FROM generate_series(1, {ROWS}) g"
        ),
        Backend::MySql => format!(
            "SELECT seq AS id, CONCAT('span-', seq) AS name, seq * 1.5 AS score, \
               TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq SECOND AS at, \
               JSON_OBJECT('k', seq, 'kind', 'LLM') AS attrs, NULL AS missing \
             FROM seq_1_to_{ROWS}"
        ),
        Backend::Sqlite => format!(
            "WITH RECURSIVE c(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM c WHERE g < {ROWS}) \
             SELECT g AS id, 'span-' || g AS name, g * 1.5 AS score, \
               strftime('%Y-%m-%dT%H:%M:%SZ', 1767225600 + g, 'unixepoch') AS at, \
               json_object('k', g, 'kind', 'LLM') AS attrs, NULL AS missing FROM c"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_a_million_rows_with_flat_memory() {
    if !cfg!(target_os = "linux") {
        eprintln!("SKIP: peak RSS is read from /proc");
        return;
    }
    // The measurement itself: a touched 32 MB buffer must show up in the peak.
    std::fs::write("/proc/self/clear_refs", "5").expect("reset peak RSS");
    let base = status_kb("VmRSS:");
    let probe = vec![1u8; 32 << 20];
    let seen = status_kb("VmHWM:").saturating_sub(base) * 1024;
    assert!(seen >= 30 << 20, "peak RSS does not see a 32 MB allocation ({seen} bytes)");
    drop(std::hint::black_box(probe));

    for (backend, format) in [
        (Backend::Sqlite, ExportFormat::Csv),
        (Backend::Postgres, ExportFormat::Csv),
        (Backend::Postgres, ExportFormat::Json),
        (Backend::MySql, ExportFormat::Csv),
    ] {
        let Some(s) = Seeded::new(backend).await else { continue };
        let q = s.ro.console_query(&generated(backend), opts(Duration::from_secs(600))).await.unwrap();
        std::fs::write("/proc/self/clear_refs", "5").expect("reset peak RSS");
        let base = status_kb("VmRSS:");
        let mut sink = Sink::default();
        let t = Instant::now();
        let rows = export(q, format, &mut sink).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        let peak = status_kb("VmHWM:").saturating_sub(base) * 1024;
        println!(
            "{backend} {format:?}: {rows} rows, {:.1} MB written, peak RSS +{:.1} MB, {:.0} rows/s",
            sink.bytes as f64 / 1e6,
            peak as f64 / 1e6,
            rows as f64 / secs
        );
        assert_eq!(rows, ROWS, "{backend}");
        assert!(sink.bytes > 50_000_000, "{backend}: only {} bytes", sink.bytes);
        assert!(peak < 48 << 20, "{backend}: peak RSS grew by {peak} bytes");
        assert!(peak * 4 < sink.bytes, "{backend}: peak {peak} not far below output {}", sink.bytes);
        s.cleanup().await;
    }
}
