//! The single writer task of a store. Everything that records spans (the OTel exporter, the
//! OTLP receiver, imports) submits batches here; the task coalesces queued batches into
//! larger transactions, and:
//!
//! - bounds memory: at most `queue_spans` spans wait in memory; beyond that new batches go
//!   straight to the spool;
//! - survives an unreachable database: failed batches go to the on-disk [`Spool`] and are
//!   retried with exponential backoff, oldest first, until the database is back;
//! - isolates bad data: a batch the database rejects is split until the offending spans are
//!   found; only those are rejected (counted, with the error), the rest is written;
//! - never drops silently: spans are dropped only when the spool is full (or absent) and the
//!   database is unreachable, and every drop is counted in [`WriterStats`] and logged.
//!
//! After each commit it broadcasts the trace ids written, for live views.

use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot};
use tracedeck_model::SpanRow;

use crate::spool::{Append, Spool};
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Spans allowed to wait in memory (50k by default: ~150 MB of agent-shaped spans; more
    /// waits in the spool on disk).
    pub queue_spans: usize,
    /// Spans per transaction when coalescing queued batches.
    pub max_batch_spans: usize,
    /// On-disk spool for undeliverable batches, and its size limit in bytes.
    pub spool: Option<(PathBuf, u64)>,
    pub retry_initial: Duration,
    pub retry_max: Duration,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            queue_spans: 50_000,
            max_batch_spans: 6_000,
            spool: None,
            retry_initial: Duration::from_millis(100),
            retry_max: Duration::from_secs(10),
        }
    }
}

/// Counters of the writer; a snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WriterStats {
    pub written_spans: u64,
    pub queued_spans: u64,
    /// Spans waiting in the spool (or in memory when there is no spool) for the database.
    pub pending_spans: u64,
    /// Lost because the spool was full: always reported.
    pub dropped_spans: u64,
    /// Refused by the database as invalid (after isolating them from their batch).
    pub rejected_spans: u64,
    pub database_reachable: bool,
    pub last_error: Option<String>,
    /// Why spans were last dropped (kept apart from `last_error`, which later errors replace).
    pub last_drop: Option<String>,
}

/// What became of a submitted batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    Queued,
    Spooled,
    Dropped(usize),
}

/// Sent after each commit.
#[derive(Debug, Clone)]
pub struct CommitNotice {
    pub trace_ids: Vec<String>,
    pub spans: usize,
}

enum Msg {
    Batch(Vec<SpanRow>),
    Flush(oneshot::Sender<std::result::Result<(), String>>),
}

#[derive(Default)]
struct Shared {
    queued: AtomicU64,
    written: AtomicU64,
    pending: AtomicU64,
    dropped: AtomicU64,
    rejected: AtomicU64,
    unreachable: AtomicBool,
    last_error: Mutex<Option<String>>,
    last_drop: Mutex<Option<String>>,
}

impl Shared {
    fn error(&self, e: impl ToString) {
        let msg = e.to_string();
        tracing::warn!(target: "tracedeck_store::writer", error = %msg, "trace store write failed");
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(msg);
    }

    fn drop_spans(&self, n: usize, why: &str) {
        let total = self.dropped.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        tracing::error!(target: "tracedeck_store::writer", dropped = n, total_dropped = total, "{why}");
        let msg = format!("{n} span(s) dropped: {why}");
        *self.last_drop.lock().unwrap_or_else(|p| p.into_inner()) = Some(msg.clone());
        self.error(msg);
    }
}

/// Handle to a store's writer task. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::UnboundedSender<Msg>,
    shared: Arc<Shared>,
    spool: Option<Spool>,
    queue_spans: u64,
    notices: broadcast::Sender<Arc<CommitNotice>>,
    task: Arc<tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("stats", &self.stats()).finish()
    }
}

impl Writer {
    /// Starts the writer task for `store` (on the current tokio runtime).
    pub async fn spawn(store: Store, cfg: WriterConfig) -> Result<Writer> {
        if store.is_read_only() {
            return Err(StoreError::ReadOnly(format!("cannot record traces into {}", store.config().describe())));
        }
        let spool = match &cfg.spool {
            Some((path, max)) => Some(Spool::open(path, *max).await?),
            None => None,
        };
        let shared = Arc::new(Shared::default());
        if let Some(s) = &spool {
            let (_, spans, _) = s.usage().await?;
            shared.pending.store(spans as u64, Ordering::Relaxed);
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let (notices, _) = broadcast::channel(1024);
        let task = Task {
            store,
            shared: shared.clone(),
            spool: spool.clone(),
            memory: VecDeque::new(),
            max_batch: cfg.max_batch_spans.max(1),
            queue_spans: cfg.queue_spans as u64,
            retry_initial: cfg.retry_initial,
            retry_max: cfg.retry_max,
            backoff: cfg.retry_initial,
            notices: notices.clone(),
        };
        let handle = tokio::spawn(task.run(rx));
        Ok(Writer {
            tx,
            shared,
            spool,
            queue_spans: cfg.queue_spans as u64,
            notices,
            task: Arc::new(tokio::sync::Mutex::new(Some(handle))),
        })
    }

    /// Queues a batch. Never blocks on the database.
    pub async fn submit(&self, rows: Vec<SpanRow>) -> Submitted {
        if rows.is_empty() {
            return Submitted::Queued;
        }
        let n = rows.len() as u64;
        let queued = self.shared.queued.load(Ordering::Relaxed);
        if queued + n <= self.queue_spans || queued == 0 {
            self.shared.queued.fetch_add(n, Ordering::Relaxed);
            match self.tx.send(Msg::Batch(rows)) {
                Ok(()) => return Submitted::Queued,
                Err(mpsc::error::SendError(Msg::Batch(rows))) => {
                    self.shared.queued.fetch_sub(n, Ordering::Relaxed);
                    self.shared.drop_spans(rows.len(), "the trace writer has shut down");
                    return Submitted::Dropped(rows.len());
                }
                Err(_) => unreachable!("only batches are sent here"),
            }
        }
        // Memory queue is full: keep the batch on disk instead.
        match &self.spool {
            Some(spool) => match spool.append(&rows).await {
                Ok(Append::Stored) => {
                    self.shared.pending.fetch_add(n, Ordering::Relaxed);
                    Submitted::Spooled
                }
                Ok(Append::Full) => {
                    self.shared.drop_spans(rows.len(), "the write queue and the spool are full");
                    Submitted::Dropped(rows.len())
                }
                Err(e) => {
                    self.shared.drop_spans(rows.len(), &format!("the spool failed: {e}"));
                    Submitted::Dropped(rows.len())
                }
            },
            None => {
                self.shared.drop_spans(rows.len(), "the write queue is full and no spool is configured");
                Submitted::Dropped(rows.len())
            }
        }
    }

    /// Waits until everything submitted before this call is written. Fails (after `timeout`
    /// or at once when the database is unreachable) with what is still pending.
    pub async fn flush(&self, timeout: Duration) -> std::result::Result<(), String> {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).is_err() {
            return Err("the trace writer has shut down".into());
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err("the trace writer stopped".into()),
            Err(_) => {
                Err(format!("flush timed out after {timeout:?}; {} span(s) still queued", self.stats().queued_spans))
            }
        }
    }

    pub fn stats(&self) -> WriterStats {
        let s = &self.shared;
        WriterStats {
            written_spans: s.written.load(Ordering::Relaxed),
            queued_spans: s.queued.load(Ordering::Relaxed),
            pending_spans: s.pending.load(Ordering::Relaxed),
            dropped_spans: s.dropped.load(Ordering::Relaxed),
            rejected_spans: s.rejected.load(Ordering::Relaxed),
            database_reachable: !s.unreachable.load(Ordering::Relaxed),
            last_error: s.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            last_drop: s.last_drop.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        }
    }

    /// Trace ids written, after each commit.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CommitNotice>> {
        self.notices.subscribe()
    }

    /// Flushes (up to `timeout`) and stops the task. Spans not yet written stay in the spool
    /// for the next start.
    pub async fn shutdown(&self, timeout: Duration) -> WriterStats {
        let flushed = self.flush(timeout).await;
        if let Err(e) = &flushed {
            tracing::warn!(target: "tracedeck_store::writer", "shutting down with unwritten spans: {e}");
        }
        if let Some(handle) = self.task.lock().await.take() {
            handle.abort();
            let _ = handle.await;
        }
        if let Some(s) = &self.spool {
            s.close().await;
        }
        self.stats()
    }
}

struct Task {
    store: Store,
    shared: Arc<Shared>,
    spool: Option<Spool>,
    /// Pending batches when there is no spool.
    memory: VecDeque<Vec<SpanRow>>,
    max_batch: usize,
    queue_spans: u64,
    retry_initial: Duration,
    retry_max: Duration,
    backoff: Duration,
    notices: broadcast::Sender<Arc<CommitNotice>>,
}

enum Outcome {
    Done,
    /// The database is unreachable; these rows were not written.
    Unreachable(Vec<SpanRow>),
}

impl Task {
    fn has_pending(&self) -> bool {
        self.shared.pending.load(Ordering::Relaxed) > 0
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        let mut waiters: Vec<oneshot::Sender<std::result::Result<(), String>>> = Vec::new();
        loop {
            let msg = if self.has_pending() {
                match tokio::time::timeout(self.backoff, rx.recv()).await {
                    Ok(m) => m,
                    Err(_) => {
                        self.drain().await;
                        continue;
                    }
                }
            } else {
                rx.recv().await
            };
            let Some(msg) = msg else { break };
            let mut batch: Vec<SpanRow> = Vec::new();
            let take = |m: Msg, batch: &mut Vec<SpanRow>, waiters: &mut Vec<_>| match m {
                Msg::Batch(rows) => batch.extend(rows),
                Msg::Flush(w) => waiters.push(w),
            };
            take(msg, &mut batch, &mut waiters);
            while batch.len() < self.max_batch && waiters.is_empty() {
                match rx.try_recv() {
                    Ok(m) => take(m, &mut batch, &mut waiters),
                    Err(_) => break,
                }
            }
            let n = batch.len() as u64;
            if !batch.is_empty() {
                if self.has_pending() {
                    // Keep order behind what is already waiting; try to deliver it all.
                    self.park(batch).await;
                    self.drain().await;
                } else if let Outcome::Unreachable(rest) = self.write(batch).await {
                    self.park(rest).await;
                }
                self.shared.queued.fetch_sub(n.min(self.shared.queued.load(Ordering::Relaxed)), Ordering::Relaxed);
            }
            if !waiters.is_empty() {
                if self.has_pending() {
                    self.drain().await;
                }
                let result = if self.has_pending() {
                    Err(format!(
                        "the database is unreachable; {} span(s) are kept in the spool and will be written when it is back{}",
                        self.shared.pending.load(Ordering::Relaxed),
                        self.shared
                            .last_error
                            .lock()
                            .map(|e| e.clone().map(|e| format!(" (last error: {e})")).unwrap_or_default())
                            .unwrap_or_default()
                    ))
                } else {
                    Ok(())
                };
                for w in waiters.drain(..) {
                    let _ = w.send(result.clone());
                }
            }
        }
    }

    /// Writes, splitting on data errors to isolate bad spans.
    async fn write(&mut self, rows: Vec<SpanRow>) -> Outcome {
        let mut stack = vec![rows];
        while let Some(chunk) = stack.pop() {
            match self.store.write_batch(&chunk).await {
                Ok(()) => {
                    self.shared.unreachable.store(false, Ordering::Relaxed);
                    self.backoff = self.retry_initial;
                    self.shared.written.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    if self.notices.receiver_count() > 0 {
                        let ids: BTreeSet<&str> = chunk.iter().map(|r| r.trace_id.as_str()).collect();
                        let _ = self.notices.send(Arc::new(CommitNotice {
                            trace_ids: ids.into_iter().map(str::to_owned).collect(),
                            spans: chunk.len(),
                        }));
                    }
                }
                Err(e) if e.is_transient() => {
                    self.shared.unreachable.store(true, Ordering::Relaxed);
                    self.shared.error(&e);
                    let mut rest = chunk;
                    for c in stack {
                        rest.extend(c);
                    }
                    return Outcome::Unreachable(rest);
                }
                Err(e) if chunk.len() == 1 => {
                    self.shared.rejected.fetch_add(1, Ordering::Relaxed);
                    self.shared
                        .error(format!("span {} of trace {} rejected: {e}", chunk[0].span_id, chunk[0].trace_id));
                }
                Err(_) => {
                    let mut a = chunk;
                    let b = a.split_off(a.len() / 2);
                    stack.push(b);
                    stack.push(a);
                }
            }
        }
        Outcome::Done
    }

    /// Keeps rows that could not be written: on disk when there is a spool.
    async fn park(&mut self, rows: Vec<SpanRow>) {
        let n = rows.len();
        match &self.spool {
            Some(spool) => match spool.append(&rows).await {
                Ok(Append::Stored) => {
                    self.shared.pending.fetch_add(n as u64, Ordering::Relaxed);
                }
                Ok(Append::Full) => self.shared.drop_spans(n, "the database is unreachable and the spool is full"),
                Err(e) => self.shared.drop_spans(n, &format!("the database is unreachable and the spool failed: {e}")),
            },
            None => {
                let held: u64 = self.shared.pending.load(Ordering::Relaxed);
                if held + n as u64 > self.queue_spans {
                    self.shared.drop_spans(
                        n,
                        "the database is unreachable and the in-memory retry buffer is full (no spool configured)",
                    );
                } else {
                    self.memory.push_back(rows);
                    self.shared.pending.fetch_add(n as u64, Ordering::Relaxed);
                }
            }
        }
    }

    /// Delivers pending batches, oldest first, until done or the database fails again.
    async fn drain(&mut self) {
        loop {
            let (id, rows) = match &self.spool {
                Some(spool) => match spool.oldest().await {
                    Ok(Some(b)) => (Some(b.id), b.rows),
                    Ok(None) => {
                        self.shared.pending.store(0, Ordering::Relaxed);
                        return;
                    }
                    Err(e) => {
                        self.shared.error(&e);
                        if matches!(e, StoreError::Invalid(_)) {
                            continue;
                        }
                        return;
                    }
                },
                None => match self.memory.pop_front() {
                    Some(rows) => (None, rows),
                    None => {
                        self.shared.pending.store(0, Ordering::Relaxed);
                        return;
                    }
                },
            };
            let n = rows.len() as u64;
            match self.write(rows).await {
                Outcome::Done => {
                    if let (Some(spool), Some(id)) = (&self.spool, id)
                        && let Err(e) = spool.remove(id).await
                    {
                        self.shared.error(&e);
                        return;
                    }
                    let p = self.shared.pending.load(Ordering::Relaxed);
                    self.shared.pending.store(p.saturating_sub(n), Ordering::Relaxed);
                }
                Outcome::Unreachable(rest) => {
                    if id.is_none() {
                        self.memory.push_front(rest);
                    }
                    // A spooled batch stays in the spool as it was (writes are idempotent).
                    self.backoff = (self.backoff * 2).min(self.retry_max);
                    return;
                }
            }
        }
    }
}
