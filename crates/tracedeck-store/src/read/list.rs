//! The run list, the same way on every backend: plan the page from index counts and read it
//! in one statement on the interactive lane; or, for a text search that no index can
//! answer, scan newest first on the heavy lane in growing time windows until the page is
//! full, the range is exhausted or the request's scan budget is spent, and say how far back
//! it looked ([`ScanProgress`]). A scan that stops early returns a cursor that resumes at the
//! time it reached, so "search further" continues where it stopped.

use std::time::{Duration, Instant};

use tracedeck_model::{Cursor, PageRequest, ScanProgress, TraceFilter, TracePage, TraceSummary};

use super::catalog::{Catalog, Source};
use super::plan::{self, ColSet, Count, Shape};
use super::{Dialect, Scope, SearchUse};
use crate::Result;
use crate::common::{self, time_bound};
use crate::lane::Lane;

/// Time a search request may spend scanning before it answers with what it found.
pub const SCAN_BUDGET: Duration = Duration::from_millis(900);
/// Traces the first window of a scan covers (at the table's average density); each further
/// window doubles.
const FIRST_WINDOW_TRACES: f64 = 2_000.0;

/// One candidate-page statement: the rows of `filter` after `cursor`, `limit + 1` of them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageQuery<'a> {
    pub shape: Shape,
    pub filter: &'a TraceFilter,
    pub cursor: Option<&'a Cursor>,
    pub limit: u32,
    /// Columns a walk tests through row-id sets (see [`plan::walk_members`]).
    pub members: ColSet,
    pub search: SearchUse,
}

impl PageQuery<'_> {
    pub(crate) fn scope(&self) -> Scope {
        Scope { shape: self.shape, members: self.members, search: self.search }
    }
}

/// A backend reads pages with their per-row aggregates.
pub(crate) trait Pages {
    /// The whole page statement (candidates and per-row aggregates).
    fn page_sql(&self, q: PageQuery<'_>) -> super::Sql;
    /// The database's plan of `q`, one line per step.
    async fn explain(&self, q: super::Sql) -> Result<Vec<String>>;
    async fn page_rows(&self, q: PageQuery<'_>, lane: Lane) -> Result<Vec<TraceSummary>>;
    /// Spans the full-text index matches for `search`, counted up to `cap`; `None` when the
    /// database has no such index.
    async fn count_search(&self, search: &str, cap: u64) -> Result<Option<Count>> {
        let _ = (search, cap);
        Ok(None)
    }
    /// The index can hand out its newest matches first (SQLite: rowid order).
    fn newest_matches(&self) -> bool {
        false
    }
}

/// Matching spans up to which a search drives from all its matches (one bounded set,
/// sorted); beyond, PostgreSQL walks newest first probing the index per trace, and SQLite
/// reads the newest matches (see [`NEWEST_FIRST`]).
pub const SEARCH_SET_CAP: u64 = 5_000;
/// The newest matching spans a SQLite search reads first; eight times more each time the
/// page is not full, within the scan budget.
pub const NEWEST_FIRST: u64 = 2_048;
const NEWEST_MAX: u64 = 1 << 21;

/// How a page with `f` tests its text search: through the full-text index when there is one
/// (driving from a rare term's matches, the newest matches or probes for a common one), else
/// by reading spans.
async fn search_use<S: Pages>(src: &S, f: &TraceFilter) -> Result<SearchUse> {
    let Some(search) = f.search.as_deref().filter(|s| super::fts_query(s).is_some()) else {
        return Ok(SearchUse::Scan);
    };
    // Reading the newest matches first, only "all of them fit the first read" matters.
    let cap = if src.newest_matches() { NEWEST_FIRST + 1 } else { SEARCH_SET_CAP };
    Ok(match src.count_search(search, cap).await? {
        None => SearchUse::Scan,
        Some(c) if !c.capped => SearchUse::Set,
        Some(_) if src.newest_matches() => SearchUse::Newest(NEWEST_FIRST as u32),
        Some(_) => SearchUse::Probe,
    })
}

/// A SQLite search through the index's newest matches: the newest [`NEWEST_FIRST`] matching
/// spans, then eight times more until the page is full, the read held every match (the
/// page is then exact and complete), or the scan budget is spent (the page then says it is
/// partial).
async fn newest<S: Pages>(src: &S, q: PageQuery<'_>, search: &str, limit: u32) -> Result<TracePage> {
    let started = Instant::now();
    let mut n = NEWEST_FIRST;
    loop {
        let lane = if n <= 16 * NEWEST_FIRST { Lane::Interactive } else { Lane::Heavy };
        let rows = src.page_rows(PageQuery { search: SearchUse::Newest(n as u32), ..q }, lane).await?;
        let full = rows.len() > limit as usize;
        // Not full: whether the `n` newest were all there are.
        let all = !full && src.count_search(search, n + 1).await?.is_none_or(|c| !c.capped);
        if full || all || n >= NEWEST_MAX || started.elapsed() >= SCAN_BUDGET {
            let mut p = common::finish_page(rows, limit);
            let back_to = p.traces.last().map(|t| t.start_us);
            p.scan = Some(match back_to {
                _ if all => done(q.filter.since_us.unwrap_or(0)),
                Some(t) => ScanProgress { searched_back_to_us: t, complete: false },
                None => ScanProgress { searched_back_to_us: q.filter.until_us.unwrap_or(i64::MAX), complete: false },
            });
            if !full && !all {
                // Partial: "search further" continues after the last run found.
                p.next_cursor = p
                    .traces
                    .last()
                    .map(|t| Cursor { start_time: t.start_time.clone(), trace_id: t.trace_id.clone() }.encode());
            }
            return Ok(p);
        }
        n *= 8;
    }
}

/// How a page would be read: the chosen shape and the database's own plan of the statement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PagePlan {
    pub shape: String,
    pub plan: Vec<String>,
}

pub(crate) async fn explain<S: Source + Pages>(
    src: &S,
    catalog: &Catalog,
    d: Dialect<'_>,
    f: &TraceFilter,
    page: &PageRequest,
) -> Result<PagePlan> {
    let limit = page.clamped_limit();
    let cursor = common::decode_cursor(page)?;
    let known = catalog.known(src, f, |c| d.indexes.cols.contains_key(&c), limit).await?;
    let shape = plan::choose(f, &known, limit).shape;
    let members = plan::walk_members(&known, shape);
    let search = search_use(src, f).await?;
    let sql = src.page_sql(PageQuery { shape, filter: f, cursor: cursor.as_ref(), limit, members, search });
    let mut shape = match shape {
        _ if search == SearchUse::Set => "drive from the full-text index's matches".to_owned(),
        _ if search.drives() => "drive from the full-text index's newest matches".to_owned(),
        Shape::Walk => "walk the start_time index".to_owned(),
        Shape::Drive(c) => format!("drive from the {} index", c.column()),
    };
    if search == SearchUse::Probe {
        shape.push_str(", probing the full-text index per trace");
    }
    Ok(PagePlan { shape, plan: src.explain(sql).await? })
}

fn has_search(f: &TraceFilter) -> bool {
    f.search.as_deref().is_some_and(|s| !s.trim().is_empty())
}

pub(crate) async fn list<S: Source + Pages>(
    src: &S,
    catalog: &Catalog,
    d: Dialect<'_>,
    f: &TraceFilter,
    page: &PageRequest,
) -> Result<TracePage> {
    let limit = page.clamped_limit();
    let cursor = common::decode_cursor(page)?;
    let known = catalog.known(src, f, |c| d.indexes.cols.contains_key(&c), limit).await?;
    let shape = plan::choose(f, &known, limit).shape;
    let members = plan::walk_members(&known, shape);
    let search = if has_search(f) { search_use(src, f).await? } else { SearchUse::Scan };
    let q = PageQuery { shape, filter: f, cursor: cursor.as_ref(), limit, members, search };
    if !has_search(f) {
        return Ok(common::finish_page(src.page_rows(q, Lane::Interactive).await?, limit));
    }
    if let (SearchUse::Newest(_), Some(text)) = (search, f.search.as_deref()) {
        return newest(src, q, text, limit).await;
    }
    if search == SearchUse::Set {
        // A rare term: its matches bound the work, read from the index at once.
        let mut p = common::finish_page(src.page_rows(q, Lane::Interactive).await?, limit);
        p.scan = Some(match (&p.next_cursor, p.traces.last()) {
            (Some(_), Some(t)) => ScanProgress { searched_back_to_us: t.start_us, complete: false },
            _ => done(f.since_us.unwrap_or(0)),
        });
        return Ok(p);
    }
    if let Shape::Drive(_) = shape {
        // A rare value bounds the work: one statement reads it all.
        let mut p = common::finish_page(src.page_rows(q, Lane::Heavy).await?, limit);
        p.scan = Some(match (&p.next_cursor, p.traces.last()) {
            (Some(_), Some(t)) => ScanProgress { searched_back_to_us: t.start_us, complete: false },
            _ => done(f.since_us.unwrap_or(0)),
        });
        return Ok(p);
    }
    let scope = ScanScope { limit, total: known.total, members, search, budget: SCAN_BUDGET };
    scan(src, catalog, f, cursor, scope).await
}

/// What bounds a search scan: the page size, the table's size (for the first window's width),
/// the filter columns tested through row-id sets, and the time budget.
struct ScanScope {
    limit: u32,
    total: u64,
    members: ColSet,
    search: SearchUse,
    budget: Duration,
}

/// The budgeted newest-first scan of a search (see the module docs).
async fn scan<S: Source + Pages>(
    src: &S,
    catalog: &Catalog,
    f: &TraceFilter,
    cursor: Option<Cursor>,
    scope: ScanScope,
) -> Result<TracePage> {
    let ScanScope { limit, total, members, search, budget } = scope;
    let started = Instant::now();
    let Some((first, last)) = catalog.time_span(src).await? else {
        return Ok(TracePage { traces: Vec::new(), next_cursor: None, scan: Some(done(i64::MIN)) });
    };
    let floor = f.since_us.unwrap_or(first).max(first);
    // Where the scan starts: the cursor's time, else the filter's end, else the newest trace.
    let mut upper = cursor
        .as_ref()
        .and_then(|c| tracedeck_model::time::parse_iso(&c.start_time))
        .map(|ns| ns / 1000 + 1)
        .or(f.until_us)
        .unwrap_or(last + 1);
    let density = total as f64 / (last - first).max(1) as f64;
    let mut width = ((FIRST_WINDOW_TRACES / density.max(1e-12)) as i64).max(1_000_000);
    let mut found: Vec<TraceSummary> = Vec::new();
    let mut first_window = true;
    loop {
        let from = upper.saturating_sub(width).max(floor);
        // Past either end of the table, the caller's own bounds (or none) apply: stored times
        // without a fraction compare below the same instant written with one.
        let window = TraceFilter {
            since_us: if from <= first { f.since_us } else { Some(from) },
            until_us: if upper > last { f.until_us } else { Some(upper) },
            ..f.clone()
        };
        // The first window continues after the caller's cursor (ties on start time need it).
        let c = if first_window { cursor.as_ref() } else { None };
        let want = limit + 1 - found.len() as u32;
        let q = PageQuery {
            shape: Shape::Walk,
            filter: &window,
            cursor: c,
            limit: want.saturating_sub(1),
            members,
            search,
        };
        found.extend(src.page_rows(q, Lane::Heavy).await?);
        first_window = false;
        if found.len() > limit as usize {
            let mut p = common::finish_page(found, limit);
            let back_to = p.traces.last().map(|t| t.start_us).unwrap_or(from);
            p.scan = Some(ScanProgress { searched_back_to_us: back_to, complete: false });
            return Ok(p);
        }
        if from <= floor {
            return Ok(TracePage { traces: found, next_cursor: None, scan: Some(done(floor)) });
        }
        upper = from;
        width = width.saturating_mul(2);
        if started.elapsed() >= budget {
            // Resume strictly before the time reached (an empty id keeps no tie).
            let next = Cursor { start_time: time_bound(upper), trace_id: String::new() };
            return Ok(TracePage {
                traces: found,
                next_cursor: Some(next.encode()),
                scan: Some(ScanProgress { searched_back_to_us: upper, complete: false }),
            });
        }
    }
}

fn done(back_to: i64) -> ScanProgress {
    ScanProgress { searched_back_to_us: back_to, complete: true }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::TraceRowData;
    use crate::read::plan::{Col, Count};

    /// An in-memory table: trace `i` starts at `i` seconds; every `every`-th mentions "needle".
    struct Fake {
        n: i64,
        every: i64,
        statements: std::sync::atomic::AtomicU32,
    }

    const S: i64 = 1_000_000;

    fn summary(i: i64) -> TraceSummary {
        let row = TraceRowData {
            trace_id: format!("{i:032x}"),
            name: "run".into(),
            status: "OK".into(),
            start_time: time_bound(i * S),
            end_time: time_bound(i * S + 1),
            created_at: time_bound(i * S),
            ..Default::default()
        };
        common::summary(row, Default::default())
    }

    impl Source for Fake {
        async fn total(&self) -> Result<u64> {
            Ok(self.n as u64)
        }
        async fn count_value(&self, _: Col, _: &str, cap: u64) -> Result<Count> {
            Ok(Count { rows: cap, capped: true })
        }
        async fn count_stored_errors(&self, _: u64) -> Result<Count> {
            Ok(Count { rows: 0, capped: false })
        }
        async fn time_span(&self) -> Result<Option<(i64, i64)>> {
            Ok(Some((0, (self.n - 1) * S)))
        }
        async fn distinct(&self, _: Col, _: &str, _: u32) -> Result<Vec<String>> {
            Ok(Vec::new())
        }
        async fn recent(&self, _: u32) -> Result<Vec<TraceRowData>> {
            Ok(Vec::new())
        }
    }

    impl Pages for Fake {
        fn page_sql(&self, _: PageQuery<'_>) -> crate::read::Sql {
            crate::read::Sql::new(crate::read::Flavor::Sqlite)
        }

        async fn explain(&self, _: crate::read::Sql) -> Result<Vec<String>> {
            Ok(Vec::new())
        }

        async fn page_rows(&self, q: PageQuery<'_>, lane: Lane) -> Result<Vec<TraceSummary>> {
            assert_eq!(lane, Lane::Heavy, "searches scan on the heavy lane");
            self.statements.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let f = q.filter;
            let mut rows: Vec<TraceSummary> = (0..self.n)
                .rev()
                .filter(|i| i % self.every == 0)
                .filter(|i| f.since_us.is_none_or(|s| i * S >= s) && f.until_us.is_none_or(|u| i * S < u))
                .map(summary)
                .filter(|t| {
                    q.cursor.is_none_or(|c| {
                        t.start_time < c.start_time || (t.start_time == c.start_time && t.trace_id < c.trace_id)
                    })
                })
                .collect();
            rows.truncate(q.limit as usize + 1);
            Ok(rows)
        }
    }

    fn search() -> TraceFilter {
        TraceFilter { search: Some("needle".into()), ..Default::default() }
    }

    async fn run(fake: &Fake, cursor: Option<String>, budget: Duration) -> TracePage {
        let c = Catalog::default();
        let cursor = cursor.as_deref().and_then(Cursor::decode);
        let scope =
            ScanScope { limit: 10, total: fake.n as u64, members: ColSet::default(), search: SearchUse::Scan, budget };
        scan(fake, &c, &search(), cursor, scope).await.unwrap()
    }

    #[tokio::test]
    async fn a_full_page_stops_the_scan_and_pages_on() {
        let fake = Fake { n: 100_000, every: 7, statements: Default::default() };
        let p = run(&fake, None, Duration::from_secs(60)).await;
        assert_eq!(p.traces.len(), 10);
        let scan = p.scan.unwrap();
        assert!(!scan.complete);
        assert_eq!(scan.searched_back_to_us, p.traces[9].start_us);
        // The next page continues right after, with no gap and no repeat.
        let q = run(&fake, p.next_cursor, Duration::from_secs(60)).await;
        assert_eq!(q.traces[0].start_us, p.traces[9].start_us - 7 * S);
    }

    #[tokio::test]
    async fn a_spent_budget_answers_with_what_it_found_and_resumes_there() {
        // Rare matches: the first window holds none.
        let fake = Fake { n: 100_000, every: 40_000, statements: Default::default() };
        let p = run(&fake, None, Duration::ZERO).await;
        let scan = p.scan.unwrap();
        assert!(!scan.complete && p.traces.len() < 10);
        assert_eq!(fake.statements.load(std::sync::atomic::Ordering::Relaxed), 1);
        // Search further, again and again, until the whole table is covered: every match
        // is found exactly once, newest first.
        let mut all: Vec<i64> = p.traces.iter().map(|t| t.start_us / S).collect();
        let mut next = p.next_cursor;
        let mut rounds = 0;
        while let Some(c) = next {
            let p = run(&fake, Some(c), Duration::ZERO).await;
            all.extend(p.traces.iter().map(|t| t.start_us / S));
            next = p.next_cursor;
            rounds += 1;
            if p.scan.unwrap().complete {
                assert!(next.is_none());
            }
        }
        assert_eq!(all, [80_000, 40_000, 0]);
        assert!(rounds > 3, "windows grow but the budget cut the scan into several answers");
    }

    #[tokio::test]
    async fn the_whole_table_ends_complete() {
        let fake = Fake { n: 1000, every: 500, statements: Default::default() };
        let p = run(&fake, None, Duration::from_secs(60)).await;
        assert_eq!(p.traces.iter().map(|t| t.start_us / S).collect::<Vec<_>>(), [500, 0]);
        assert_eq!(p.scan, Some(ScanProgress { searched_back_to_us: 0, complete: true }));
        assert!(p.next_cursor.is_none());
    }
}
