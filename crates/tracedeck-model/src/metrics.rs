//! What the Metrics page and `tracedeck traces stats` show: runs over time, error rate,
//! latency percentiles, tokens and cost by model and agent, the slowest and most failing
//! tools, for the run list's filters and a time range.
//!
//! An answer may cover only part of the asked range ([`Metrics::complete`] false): on a
//! database Tracedeck did not create there are no rollups, so the server scans newest first
//! in chunks that fit its time budget and the client asks again from
//! [`Metrics::next_until_us`], merging answers as they come (every figure here adds up:
//! counts, sums and latency [`Histogram`]s, whose percentiles are read after merging).

use serde::{Deserialize, Serialize};

/// Latency histogram over fixed logarithmic buckets: bucket `i` holds durations below
/// [`Histogram::bound_ms`]`(i)` and at or above the bound before it; the last bucket is
/// open-ended. Bounds grow by 25%, so a percentile read from it is within ~12% of the
/// exact value. Trailing empty buckets are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Histogram {
    pub counts: Vec<u32>,
}

impl Histogram {
    /// Number of buckets: the last bound is about 1.25^70 ms ≈ 2.3 h.
    pub const BUCKETS: usize = 72;
    const FIRST_MS: f64 = 0.1;
    const GROWTH: f64 = 1.25;

    /// Upper bound (exclusive) of bucket `i` in milliseconds; infinite for the last.
    pub fn bound_ms(i: usize) -> f64 {
        if i + 1 >= Self::BUCKETS { f64::INFINITY } else { Self::FIRST_MS * Self::GROWTH.powi(i as i32) }
    }

    /// Every bucket's upper bound, for clients (the last is sent as `null` by JSON).
    pub fn bounds_ms() -> Vec<f64> {
        (0..Self::BUCKETS - 1).map(Self::bound_ms).collect()
    }

    pub fn bucket(ms: f64) -> usize {
        if !ms.is_finite() || ms < Self::FIRST_MS {
            return if ms.is_nan() || ms < Self::FIRST_MS { 0 } else { Self::BUCKETS - 1 };
        }
        let i = ((ms / Self::FIRST_MS).ln() / Self::GROWTH.ln()).floor() as usize + 1;
        // Floating error at a bound: settle on the bucket whose range holds `ms`.
        let mut i = i.min(Self::BUCKETS - 1);
        while i > 0 && ms < Self::bound_ms(i - 1) {
            i -= 1;
        }
        while i + 1 < Self::BUCKETS && ms >= Self::bound_ms(i) {
            i += 1;
        }
        i
    }

    pub fn add(&mut self, ms: f64, n: u32) {
        let i = Self::bucket(ms);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] = self.counts[i].saturating_add(n);
    }

    pub fn merge(&mut self, other: &Histogram) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = a.saturating_add(*b);
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().map(|&c| c as u64).sum()
    }

    /// The `q` quantile (0..=1) in ms, interpolated geometrically inside its bucket; `None`
    /// when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * total as f64).max(1.0);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            if (seen + c as u64) as f64 >= rank {
                let lo = if i == 0 { 0.0 } else { Self::bound_ms(i - 1) };
                let hi = Self::bound_ms(i);
                if !hi.is_finite() {
                    return Some(lo);
                }
                let within = (rank - seen as f64) / c as f64;
                return Some(if lo <= 0.0 { hi * within } else { lo * (hi / lo).powf(within) });
            }
            seen += c as u64;
        }
        None
    }
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum MetricsSource {
    /// Hourly rollups kept by Tracedeck's writer (databases Tracedeck created).
    Rollup,
    /// Read from the trace tables (a foreign database, or filters the rollups do not cover).
    Scan,
}

/// Runs starting in one time bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MetricsBucket {
    pub start_us: i64,
    pub runs: u64,
    pub errors: u64,
    pub tokens: i64,
    pub latency: Histogram,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ModelMetrics {
    pub model: String,
    pub calls: u64,
    pub errors: u64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    /// From the price table; `None` when the model has no price.
    pub cost_usd: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgentMetrics {
    /// The agent, team or workflow id (`None` for runs that carry none).
    pub agent: Option<String>,
    pub runs: u64,
    pub errors: u64,
    pub tokens: i64,
    pub cost_usd: Option<f64>,
    pub latency: Histogram,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ToolMetrics {
    pub tool: String,
    pub calls: u64,
    pub errors: u64,
    pub latency: Histogram,
}

/// One answer of the metrics endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Metrics {
    /// The time range this answer covers (µs): `[from_us, to_us)`.
    pub from_us: i64,
    pub to_us: i64,
    /// The whole asked range is covered.
    pub complete: bool,
    /// Ask again with `until_us` = this to continue (older data), when not complete.
    pub next_until_us: Option<i64>,
    pub source: Option<MetricsSource>,
    /// Width of the time buckets of `series` (µs).
    pub bucket_us: i64,
    pub series: Vec<MetricsBucket>,
    pub latency: Histogram,
    pub by_model: Vec<ModelMetrics>,
    pub by_agent: Vec<AgentMetrics>,
    pub tools: Vec<ToolMetrics>,
    /// Upper bounds of the histogram buckets (ms), the last bucket being open-ended.
    pub bounds_ms: Vec<f64>,
    /// Start of the oldest trace in the database (µs), to tell how much of "all time" a
    /// progressive answer covered.
    pub oldest_us: Option<i64>,
}

impl Metrics {
    /// Adds `other` (a neighbouring chunk with the same buckets) into `self`.
    pub fn merge(&mut self, other: Metrics) {
        if self.bucket_us == 0 {
            *self = other;
            return;
        }
        self.from_us = self.from_us.min(other.from_us);
        self.to_us = self.to_us.max(other.to_us);
        self.complete = other.complete;
        self.next_until_us = other.next_until_us;
        self.oldest_us = other.oldest_us.or(self.oldest_us);
        for b in other.series {
            match self.series.iter_mut().find(|s| s.start_us == b.start_us) {
                Some(s) => {
                    s.runs += b.runs;
                    s.errors += b.errors;
                    s.tokens += b.tokens;
                    s.latency.merge(&b.latency);
                }
                None => self.series.push(b),
            }
        }
        self.series.sort_by_key(|b| b.start_us);
        self.latency.merge(&other.latency);
        for m in other.by_model {
            match self.by_model.iter_mut().find(|x| x.model == m.model) {
                Some(x) => {
                    x.calls += m.calls;
                    x.errors += m.errors;
                    x.prompt_tokens += m.prompt_tokens;
                    x.completion_tokens += m.completion_tokens;
                    x.cost_usd = add_cost(x.cost_usd, m.cost_usd);
                }
                None => self.by_model.push(m),
            }
        }
        for a in other.by_agent {
            match self.by_agent.iter_mut().find(|x| x.agent == a.agent) {
                Some(x) => {
                    x.runs += a.runs;
                    x.errors += a.errors;
                    x.tokens += a.tokens;
                    x.cost_usd = add_cost(x.cost_usd, a.cost_usd);
                    x.latency.merge(&a.latency);
                }
                None => self.by_agent.push(a),
            }
        }
        for t in other.tools {
            match self.tools.iter_mut().find(|x| x.tool == t.tool) {
                Some(x) => {
                    x.calls += t.calls;
                    x.errors += t.errors;
                    x.latency.merge(&t.latency);
                }
                None => self.tools.push(t),
            }
        }
    }
}

fn add_cost(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_their_values() {
        for ms in [0.0, 0.05, 0.1, 0.125, 1.0, 3.7, 250.0, 999.9, 60_000.0, 1e9, f64::INFINITY] {
            let i = Histogram::bucket(ms);
            let lo = if i == 0 { f64::NEG_INFINITY } else { Histogram::bound_ms(i - 1) };
            assert!(ms >= lo && ms < Histogram::bound_ms(i) || i == Histogram::BUCKETS - 1, "{ms} in {i}");
        }
        assert_eq!(Histogram::bucket(f64::NAN), 0);
        assert_eq!(Histogram::bounds_ms().len(), Histogram::BUCKETS - 1);
    }

    #[test]
    fn quantiles_are_close_to_exact() {
        let mut h = Histogram::default();
        let values: Vec<f64> = (1..=1000).map(|i| i as f64 * 3.0).collect();
        for v in &values {
            h.add(*v, 1);
        }
        let p50 = h.quantile(0.5).unwrap();
        let p95 = h.quantile(0.95).unwrap();
        assert!((p50 / 1500.0 - 1.0).abs() < 0.13, "{p50}");
        assert!((p95 / 2850.0 - 1.0).abs() < 0.13, "{p95}");
        assert_eq!(Histogram::default().quantile(0.5), None);
    }

    #[test]
    fn merging_adds_everything() {
        let mut a = Metrics { bucket_us: 10, from_us: 100, to_us: 200, ..Default::default() };
        a.series.push(MetricsBucket { start_us: 100, runs: 2, errors: 1, ..Default::default() });
        a.by_model.push(ModelMetrics { model: "m".into(), calls: 1, cost_usd: Some(0.5), ..Default::default() });
        let mut b = Metrics { bucket_us: 10, from_us: 50, to_us: 100, complete: true, ..Default::default() };
        b.series.push(MetricsBucket { start_us: 50, runs: 1, ..Default::default() });
        b.series.push(MetricsBucket { start_us: 100, runs: 1, ..Default::default() });
        b.by_model.push(ModelMetrics { model: "m".into(), calls: 2, cost_usd: None, ..Default::default() });
        a.merge(b);
        assert_eq!((a.from_us, a.to_us, a.complete), (50, 200, true));
        assert_eq!(a.series.iter().map(|s| (s.start_us, s.runs)).collect::<Vec<_>>(), [(50, 1), (100, 3)]);
        assert_eq!((a.by_model[0].calls, a.by_model[0].cost_usd), (3, Some(0.5)));
    }
}
