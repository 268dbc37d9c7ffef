//! What the read path knows about a store's data without scanning it, cached per store:
//! the counts the [`plan`](super::plan) needs (table size, rows per filtered value, share of
//! errors, time span) and filter suggestions. Everything here is read off the traces table's
//! own indexes with bounded statements (counts stop at a cap, distinct values are found by
//! seeking the index value to value), never from spans, and is kept for a short while so a
//! retyped filter or a reloaded page costs nothing.
//!
//! The backends answer the questions ([`Source`]); this module decides what to ask, caches
//! the answers and assembles them for the planner.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracedeck_model::{Suggestion, TraceFilter};

use super::plan::{Col, Count, Known, count_cap};
use crate::Result;
use crate::common::TraceRowData;

/// How long a count or suggestion list is reused.
const FRESH: Duration = Duration::from_secs(30);
/// Cached value counts kept per store (a bounded map: oldest dropped first).
const MAX_COUNTS: usize = 2048;
/// Recent traces looked at to rank suggestions (the values people are working with now).
pub(crate) const RECENT_SAMPLE: u32 = 2000;
/// Suggestions returned per field at most.
pub const MAX_SUGGESTIONS: u32 = 200;

/// The questions a backend answers from the traces table's indexes.
pub(crate) trait Source {
    /// Traces in the table; an estimate is fine.
    async fn total(&self) -> Result<u64>;
    /// Rows with `col = value`, counted through the column's index up to `cap`.
    async fn count_value(&self, col: Col, value: &str, cap: u64) -> Result<Count>;
    /// Rows whose stored status is ERROR, up to `cap`.
    async fn count_stored_errors(&self, cap: u64) -> Result<Count>;
    /// First and last `start_time` (µs), through the start_time index.
    async fn time_span(&self) -> Result<Option<(i64, i64)>>;
    /// Distinct values of `col` from `prefix` on, in index order, at most `limit`.
    async fn distinct(&self, col: Col, prefix: &str, limit: u32) -> Result<Vec<String>>;
    /// The newest `n` trace rows (through the start_time index).
    async fn recent(&self, n: u32) -> Result<Vec<TraceRowData>>;
    /// The backend's walks test rare values through row-id sets (see `plan::walk_members`).
    fn member_walk(&self) -> bool {
        false
    }
}

#[derive(Debug)]
struct Entry<T> {
    at: Instant,
    value: T,
}

impl<T: Clone> Entry<T> {
    fn fresh(&self) -> Option<T> {
        (self.at.elapsed() < FRESH).then(|| self.value.clone())
    }
}

#[derive(Debug, Default)]
struct State {
    total: Option<Entry<u64>>,
    errors: Option<Entry<Count>>,
    span: Option<Entry<Option<(i64, i64)>>>,
    counts: HashMap<(Col, String), Entry<Count>>,
    recent: Option<Entry<Vec<TraceRowData>>>,
    suggestions: HashMap<(Col, String), Entry<Vec<Suggestion>>>,
}

/// The per-store cache. Cheap to share; the lock is never held across a database call.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    state: Mutex<State>,
}

impl Catalog {
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Forgets everything (after writes that change counts a lot, e.g. deletes).
    pub(crate) fn clear(&self) {
        self.with(|s| *s = State::default());
    }

    async fn total(&self, src: &impl Source) -> Result<u64> {
        if let Some(v) = self.with(|s| s.total.as_ref().and_then(Entry::fresh)) {
            return Ok(v);
        }
        let v = src.total().await?;
        self.with(|s| s.total = Some(Entry { at: Instant::now(), value: v }));
        Ok(v)
    }

    async fn count(&self, src: &impl Source, col: Col, value: &str, cap: u64) -> Result<Count> {
        let key = (col, value.to_owned());
        if let Some(c) = self.with(|s| s.counts.get(&key).and_then(Entry::fresh)) {
            // A count capped lower than asked now says too little.
            if !c.capped || c.rows >= cap {
                return Ok(c);
            }
        }
        let c = src.count_value(col, value, cap).await?;
        self.with(|s| {
            if s.counts.len() >= MAX_COUNTS {
                let oldest = s.counts.iter().min_by_key(|(_, e)| e.at).map(|(k, _)| k.clone());
                if let Some(k) = oldest {
                    s.counts.remove(&k);
                }
            }
            s.counts.insert(key, Entry { at: Instant::now(), value: c });
        });
        Ok(c)
    }

    async fn stored_errors(&self, src: &impl Source, cap: u64) -> Result<Count> {
        if let Some(c) = self.with(|s| s.errors.as_ref().and_then(Entry::fresh)) {
            return Ok(c);
        }
        let c = src.count_stored_errors(cap).await?;
        self.with(|s| s.errors = Some(Entry { at: Instant::now(), value: c }));
        Ok(c)
    }

    pub(crate) async fn time_span(&self, src: &impl Source) -> Result<Option<(i64, i64)>> {
        if let Some(v) = self.with(|s| s.span.as_ref().and_then(Entry::fresh)) {
            return Ok(v);
        }
        let v = src.time_span().await?;
        self.with(|s| s.span = Some(Entry { at: Instant::now(), value: v }));
        Ok(v)
    }

    /// What the planner needs for filter `f` (only the columns `indexed` can drive).
    pub(crate) async fn known(
        &self,
        src: &impl Source,
        f: &TraceFilter,
        indexed: impl Fn(Col) -> bool,
        limit: u32,
    ) -> Result<Known> {
        let total = self.total(src).await?;
        let cap = count_cap(total, limit);
        let mut counts = Vec::new();
        for col in Col::ALL {
            if let Some(v) = col.value(f).filter(|_| indexed(col)) {
                counts.push((col, self.count(src, col, v, cap).await?));
            }
        }
        let (mut error_share, mut stored_error_share) = (0.0, 0.0);
        if f.status.is_some() {
            let errors = self.stored_errors(src, total.max(1)).await?;
            stored_error_share = errors.rows as f64 / total.max(1) as f64;
            // Agno's stored status can say OK for a run whose tool failed: a little more
            // than the stored share really errored.
            error_share = (stored_error_share * 1.2 + 0.002).min(1.0);
        }
        let range_rows = if f.since_us.is_some() || f.until_us.is_some() {
            self.time_span(src).await?.map(|(first, last)| {
                let lo = f.since_us.unwrap_or(first).max(first);
                let hi = f.until_us.unwrap_or(last + 1).min(last + 1);
                let share = if hi <= lo { 0.0 } else { (hi - lo) as f64 / (last + 1 - first).max(1) as f64 };
                (share * total as f64).ceil() as u64
            })
        } else {
            None
        };
        Ok(Known { total, counts, range_rows, error_share, stored_error_share, member_walk: src.member_walk() })
    }

    /// Suggestions for `col` starting with `prefix`: values of the most recent runs first
    /// (by how many of them carry it), then other values from the column's index in order.
    pub(crate) async fn suggest(&self, src: &impl Source, col: Col, prefix: &str) -> Result<Vec<Suggestion>> {
        let key = (col, prefix.to_owned());
        if let Some(v) = self.with(|s| s.suggestions.get(&key).and_then(Entry::fresh)) {
            return Ok(v);
        }
        let recent = match self.with(|s| s.recent.as_ref().and_then(Entry::fresh)) {
            Some(r) => r,
            None => {
                let r = src.recent(RECENT_SAMPLE).await?;
                self.with(|s| s.recent = Some(Entry { at: Instant::now(), value: r.clone() }));
                r
            }
        };
        let mut freq: HashMap<&str, u32> = HashMap::new();
        for row in &recent {
            if let Some(v) = value_of(row, col).filter(|v| v.starts_with(prefix)) {
                *freq.entry(v).or_default() += 1;
            }
        }
        let mut out: Vec<Suggestion> =
            freq.into_iter().map(|(v, n)| Suggestion { value: v.to_owned(), recent_runs: n }).collect();
        out.sort_by(|a, b| b.recent_runs.cmp(&a.recent_runs).then_with(|| a.value.cmp(&b.value)));
        out.truncate(MAX_SUGGESTIONS as usize);
        if out.len() < MAX_SUGGESTIONS as usize {
            let more = src.distinct(col, prefix, MAX_SUGGESTIONS).await?;
            for v in more.into_iter().filter(|v| v.starts_with(prefix)) {
                if out.len() >= MAX_SUGGESTIONS as usize {
                    break;
                }
                if !out.iter().any(|s| s.value == v) {
                    out.push(Suggestion { value: v, recent_runs: 0 });
                }
            }
        }
        self.with(|s| {
            if s.suggestions.len() >= MAX_COUNTS {
                s.suggestions.clear();
            }
            s.suggestions.insert(key, Entry { at: Instant::now(), value: out.clone() });
        });
        Ok(out)
    }
}

fn value_of(row: &TraceRowData, col: Col) -> Option<&str> {
    match col {
        Col::User => row.user_id.as_deref(),
        Col::Session => row.session_id.as_deref(),
        Col::Agent => row.agent_id.as_deref(),
        Col::Team => row.team_id.as_deref(),
        Col::Workflow => row.workflow_id.as_deref(),
        Col::Run => row.run_id.as_deref(),
    }
}

/// The first string after every string starting with `prefix` (for an index range), or
/// `None` when there is no such bound (empty prefix, or only U+10FFFF characters).
pub(crate) fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1).or_else(|| char::from_u32(last as u32 + 0x801)) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_bounds() {
        assert_eq!(prefix_end("user-0").as_deref(), Some("user-1"));
        assert_eq!(prefix_end("").as_deref(), None);
        assert_eq!(prefix_end("az").as_deref(), Some("a{"));
    }
}
