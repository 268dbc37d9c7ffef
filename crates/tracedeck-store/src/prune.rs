//! Deleting traces: chosen traces (the run list's selection, `tracedeck traces delete`) and
//! retention (keep N days and/or at most N bytes) on databases Tracedeck created. Deletes go
//! in small batches, each its own short transaction on the writer's connection, so readers
//! (WAL / MVCC) never wait and the writer waits at most one batch. A trace's spans go with
//! it; nothing is ever deleted on a read-only connection, and retention never touches a
//! database Tracedeck did not create.
//!
//! The statements are written once here (through the read path's [`Dialect`]); backends run
//! them ([`Deleter`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::read::{Arg, Dialect, Flavor, Sql};
use crate::{Origin, Result, Store, StoreError};

/// Traces per delete transaction.
pub const BATCH: usize = 500;
/// Pause between two batches of a retention run (lets the writer and readers in).
const PAUSE: Duration = Duration::from_millis(20);

/// How much a database keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Delete traces that started more than this many days ago.
    pub keep_days: Option<u32>,
    /// Delete the oldest traces while the trace tables take more than this.
    pub max_bytes: Option<u64>,
}

impl Policy {
    pub fn is_off(&self) -> bool {
        self.keep_days.is_none() && self.max_bytes.is_none()
    }
}

/// What a delete removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    pub traces: u64,
    pub spans: u64,
}

impl Deleted {
    fn add(&mut self, o: Deleted) {
        self.traces += o.traces;
        self.spans += o.spans;
    }
}

/// What a backend does for deletes.
pub(crate) trait Deleter {
    fn tables(&self) -> Dialect<'_>;
    /// Runs `stmts` in one transaction on the writer's connection; rows affected by each.
    async fn exec_tx(&self, stmts: Vec<Sql>) -> Result<Vec<u64>>;
    /// The first column of `q`'s rows, on the writer's connection.
    async fn strings(&self, q: Sql) -> Result<Vec<String>>;
    /// Bytes the trace tables take (data and indexes), live data only where the backend can
    /// tell.
    async fn used_bytes(&self) -> Result<u64>;
    /// Traces in the table (an estimate is fine).
    async fn trace_count(&self) -> Result<u64>;
}

fn in_list(q: &mut Sql, ids: &[String]) -> String {
    ids.iter().map(|id| q.bind(Arg::Text(id.clone()))).collect::<Vec<_>>().join(", ")
}

/// Deletes `ids` and their spans, in batches.
pub(crate) async fn delete_ids(d: &impl Deleter, ids: &[String]) -> Result<Deleted> {
    let mut total = Deleted::default();
    for chunk in ids.chunks(BATCH) {
        let dialect = d.tables();
        let mut spans = Sql::new(dialect.flavor);
        let l = in_list(&mut spans, chunk);
        spans.text = format!("DELETE FROM {} WHERE trace_id IN ({l})", dialect.spans);
        let mut traces = Sql::new(dialect.flavor);
        let l = in_list(&mut traces, chunk);
        traces.text = format!("DELETE FROM {} WHERE trace_id IN ({l})", dialect.traces);
        let n = d.exec_tx(vec![spans, traces]).await?;
        total.add(Deleted { spans: n[0], traces: n[1] });
    }
    Ok(total)
}

/// The `limit` oldest traces, only those that started before `before_us` when given.
async fn oldest(d: &impl Deleter, before_us: Option<i64>, limit: usize) -> Result<Vec<String>> {
    let dialect = d.tables();
    let mut q = Sql::new(dialect.flavor);
    let cond = match before_us {
        Some(us) => format!("WHERE t.start_time < {}", q.text(crate::common::time_bound(us))),
        None => String::new(),
    };
    let lim = q.bind(Arg::Int(limit as i64));
    let hint = match (dialect.flavor, dialect.indexes.walk.as_deref()) {
        (Flavor::Sqlite, Some(i)) => format!(" INDEXED BY {i}"),
        (Flavor::MySql, Some(i)) => format!(" FORCE INDEX ({i})"),
        _ => String::new(),
    };
    let id = if dialect.flavor == Flavor::Postgres { "t.trace_id::text" } else { "t.trace_id" };
    q.text = format!("SELECT {id} FROM {} t{hint} {cond} ORDER BY t.start_time LIMIT {lim}", dialect.traces);
    d.strings(q).await
}

/// One retention pass with `policy` at `now_us`: age first, then size (the number of oldest
/// traces to delete is estimated from the average size of a trace, since freed space shows
/// up in some backends' sizes only after their vacuum).
pub(crate) async fn apply(d: &impl Deleter, policy: Policy, now_us: i64) -> Result<Deleted> {
    let mut total = Deleted::default();
    if let Some(days) = policy.keep_days {
        let before = now_us - i64::from(days) * 86_400_000_000;
        loop {
            let ids = oldest(d, Some(before), BATCH).await?;
            if ids.is_empty() {
                break;
            }
            total.add(delete_ids(d, &ids).await?);
            tokio::time::sleep(PAUSE).await;
        }
    }
    if let Some(max) = policy.max_bytes {
        let (used, count) = (d.used_bytes().await?, d.trace_count().await?);
        if used > max && count > 0 {
            let per_trace = used as f64 / count as f64;
            let mut left = (((used - max) as f64 / per_trace).ceil() as u64).min(count) as usize;
            while left > 0 {
                let ids = oldest(d, None, left.min(BATCH)).await?;
                if ids.is_empty() {
                    break;
                }
                left = left.saturating_sub(ids.len());
                total.add(delete_ids(d, &ids).await?);
                tokio::time::sleep(PAUSE).await;
            }
        }
    }
    Ok(total)
}

/// Why a store cannot have a retention policy, if it cannot.
pub fn retention_refusal(store: &Store) -> Option<String> {
    if store.is_read_only() {
        return Some(format!("{} is read-only: nothing is ever deleted from it", store.config().describe()));
    }
    if store.info().origin == Origin::Foreign {
        return Some(format!(
            "{} was not created by Tracedeck: retention only runs on databases Tracedeck created",
            store.config().describe()
        ));
    }
    None
}

pub(crate) fn refuse_read_only(store: &Store, what: &str) -> Result<()> {
    if store.is_read_only() {
        return Err(StoreError::ReadOnly(format!("refusing to {what} in {}", store.config().describe())));
    }
    Ok(())
}
