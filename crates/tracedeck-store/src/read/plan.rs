//! Choosing the run list's plan by selectivity, the same way on every backend, from counts
//! read off the traces table's own indexes (never from planner statistics, which a
//! read-only connection cannot refresh and a just-loaded database does not have).
//!
//! Two shapes answer any combination of filters:
//! - [`Shape::Walk`]: walk the `start_time` index newest first and check each row. Costs
//!   about `limit / selectivity` rows, bounded by the rows of the time range: best when the
//!   filtered values are common.
//! - [`Shape::Drive`]: read every row of the rarest filtered value through its own index,
//!   then sort those. Costs the value's row count: best when it is rare.
//!
//! The cheaper estimate wins; the backends then pin that shape (`INDEXED BY`, `FORCE INDEX`,
//! unindexable forms of the other conditions) so their own planners cannot pick another.
//! A large filtered set is never sorted: `Drive` is only chosen when its rows are fewer than
//! the walk would read.

use tracedeck_model::{TraceFilter, TraceStatus};

/// A filter column of `agno_traces` that Agno indexes on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Col {
    User,
    Session,
    Agent,
    Team,
    Workflow,
    Run,
}

impl Col {
    pub const ALL: [Col; 6] = [Col::User, Col::Session, Col::Agent, Col::Team, Col::Workflow, Col::Run];

    /// The column name in Agno's table.
    pub const fn column(self) -> &'static str {
        match self {
            Col::User => "user_id",
            Col::Session => "session_id",
            Col::Agent => "agent_id",
            Col::Team => "team_id",
            Col::Workflow => "workflow_id",
            Col::Run => "run_id",
        }
    }

    pub fn value(self, f: &TraceFilter) -> Option<&str> {
        let v = match self {
            Col::User => &f.user_id,
            Col::Session => &f.session_id,
            Col::Agent => &f.agent_id,
            Col::Team => &f.team_id,
            Col::Workflow => &f.workflow_id,
            Col::Run => &f.run_id,
        };
        v.as_deref()
    }

    pub fn parse(s: &str) -> Option<Col> {
        Some(match s.trim().to_ascii_lowercase().trim_end_matches("_id") {
            "user" => Col::User,
            "session" => Col::Session,
            "agent" => Col::Agent,
            "team" => Col::Team,
            "workflow" => Col::Workflow,
            "run" => Col::Run,
            _ => return None,
        })
    }
}

/// A set of [`Col`]s (tiny and `Copy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColSet(u8);

impl ColSet {
    pub fn insert(&mut self, c: Col) {
        self.0 |= 1 << c as u8;
    }

    pub fn contains(self, c: Col) -> bool {
        self.0 & (1 << c as u8) != 0
    }
}

/// Columns whose matching rows a walk should recognise from the index it walks, without
/// reading the table row: values that are rare enough (counted under the cap) that the set of
/// their row ids is cheap to build. Used by backends that can test a row id against such a
/// set during an index walk (SQLite).
pub fn walk_members(known: &Known, shape: Shape) -> ColSet {
    let mut set = ColSet::default();
    if shape == Shape::Walk {
        for (col, c) in &known.counts {
            if !c.capped {
                set.insert(*col);
            }
        }
    }
    set
}

/// How a page is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Walk,
    Drive(Col),
}

/// Rows matching one filtered value, counted through its index up to a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub rows: u64,
    /// The count stopped at its cap: there are at least `rows`.
    pub capped: bool,
}

/// What the planner knows about the table and the filter's values.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Traces in the table (an estimate is fine).
    pub total: u64,
    /// Counts of the filter's indexed values (only columns that have an index).
    pub counts: Vec<(Col, Count)>,
    /// Estimated rows inside the filter's time range, when it has one.
    pub range_rows: Option<u64>,
    /// Share of traces whose derived status is ERROR.
    pub error_share: f64,
    /// Share of traces whose stored status says ERROR (no span lookup needed to know).
    pub stored_error_share: f64,
    /// The backend tests a walk's rows against row-id sets of rare values inside the index
    /// it walks (see [`walk_members`]): such rows cost a fraction of a table read.
    pub member_walk: bool,
}

/// Cost of a walked index entry tested against a row-id set, relative to a table read.
const MEMBER_TEST: f64 = 0.1;
/// Cost of building a row-id set, per entry, relative to a table read.
const MEMBER_BUILD: f64 = 0.05;

/// A status check that cannot be answered from the trace row looks up the trace's spans
/// through their `trace_id` index: about this many row reads.
const PROBE_ROWS: f64 = 6.0;

/// The cap for a value count: beyond it, driving from that value's index cannot beat the
/// walk for any page size up to `limit` (the walk reads `limit / share` rows, and a value
/// with `cap` rows has a share of at least `cap / total`).
pub fn count_cap(total: u64, limit: u32) -> u64 {
    let walk_at_crossover = ((limit as f64 + 1.0) * total.max(1) as f64).sqrt();
    (4.0 * walk_at_crossover).clamp(1000.0, 50_000.0) as u64
}

/// Estimated rows read by each shape, for the figures and the tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub shape: Shape,
    pub walk_rows: f64,
    pub drive_rows: Option<f64>,
}

/// Chooses the shape for one page of `limit` rows.
///
/// Cost is rows read, plus [`PROBE_ROWS`] for every row whose status must be checked in its
/// spans (rows passing the other conditions whose stored status is not ERROR).
pub fn choose(f: &TraceFilter, known: &Known, limit: u32) -> Estimate {
    let total = known.total.max(1) as f64;
    let share_of = |c: &Count| (c.rows as f64 / total).min(1.0);
    let eq_share: f64 = known.counts.iter().map(|(_, c)| share_of(c)).product();
    let (status_share, probed) = match f.status {
        Some(TraceStatus::Error) => (known.error_share, 1.0 - known.stored_error_share),
        Some(TraceStatus::Ok) => (1.0 - known.error_share, 1.0 - known.stored_error_share),
        None => (1.0, 0.0),
    };
    let share = eq_share * status_share.clamp(0.0005, 1.0);
    let span = known.range_rows.map(|r| r as f64).unwrap_or(total);
    let walk = ((limit as f64 + 1.0) / share).min(span);
    let mut walk_cost = walk * (1.0 + PROBE_ROWS * probed * eq_share);
    if known.member_walk {
        // Rows outside the rare values' sets are skipped in the index; only the others are
        // read (and probed).
        let members: Vec<&Count> = known.counts.iter().map(|(_, c)| c).filter(|c| !c.capped).collect();
        if !members.is_empty() {
            let member_share: f64 = members.iter().map(|c| share_of(c)).product();
            let build: f64 = members.iter().map(|c| c.rows as f64 * MEMBER_BUILD).sum();
            walk_cost = walk * (MEMBER_TEST + member_share + PROBE_ROWS * probed * eq_share) + build;
        }
    }
    // The cheapest driving value; an uncapped count of 0 means the page is empty.
    let drive = known
        .counts
        .iter()
        .filter(|(_, c)| !c.capped)
        .map(|(col, c)| {
            let others: f64 = known.counts.iter().filter(|(o, _)| o != col).map(|(_, oc)| share_of(oc)).product();
            let rows = c.rows as f64;
            (*col, rows, rows * (1.0 + PROBE_ROWS * probed * others))
        })
        .min_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
    match drive {
        Some((col, rows, cost)) if cost < walk_cost => {
            Estimate { shape: Shape::Drive(col), walk_rows: walk, drive_rows: Some(rows) }
        }
        other => Estimate { shape: Shape::Walk, walk_rows: walk, drive_rows: other.map(|d| d.1) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: u64 = 1_000_000;

    fn known(counts: &[(Col, u64, bool)]) -> Known {
        Known {
            total: N,
            counts: counts.iter().map(|&(c, rows, capped)| (c, Count { rows, capped })).collect(),
            range_rows: None,
            error_share: 0.06,
            stored_error_share: 0.05,
            member_walk: false,
        }
    }

    fn filter(user: bool, session: bool, status: Option<TraceStatus>) -> TraceFilter {
        TraceFilter {
            user_id: user.then(|| "user-01".into()),
            session_id: session.then(|| "sess-001".into()),
            status,
            ..Default::default()
        }
    }

    #[test]
    fn common_values_walk_rare_values_drive() {
        let cap = count_cap(N, 50);
        // 50 users: 20k traces each, past the cap.
        let e = choose(&filter(true, false, None), &known(&[(Col::User, cap, true)]), 50);
        assert_eq!(e.shape, Shape::Walk);
        // 500 sessions: 2k traces each; the walk would read 25k.
        let e = choose(&filter(false, true, None), &known(&[(Col::Session, 2000, false)]), 50);
        assert_eq!(e.shape, Shape::Drive(Col::Session));
        assert!(e.walk_rows > 20_000.0);
        // A value that does not exist: driving finds nothing at once.
        let e = choose(&filter(false, true, None), &known(&[(Col::Session, 0, false)]), 50);
        assert_eq!(e.shape, Shape::Drive(Col::Session));
    }

    #[test]
    fn combinations_multiply_selectivity() {
        // user (2%) + session of that user (0.2%): the session drives.
        let e =
            choose(&filter(true, true, None), &known(&[(Col::User, 20_000, false), (Col::Session, 2_000, false)]), 50);
        assert_eq!(e.shape, Shape::Drive(Col::Session));
        // user + status=error: 0.1% of rows. Driving from the user would read 20k rows and
        // check the spans of 19k of them; the 42k-row walk checks only the user's 800.
        let e = choose(&filter(true, false, Some(TraceStatus::Error)), &known(&[(Col::User, 20_000, false)]), 50);
        assert_eq!(e.shape, Shape::Walk);
        // session + status=error: 2k rows driven beat a 400k-row walk.
        let e = choose(&filter(false, true, Some(TraceStatus::Error)), &known(&[(Col::Session, 2_000, false)]), 50);
        assert_eq!(e.shape, Shape::Drive(Col::Session));
    }

    #[test]
    fn row_id_sets_make_walks_cheap_for_two_common_values() {
        let cap = count_cap(N, 50);
        // user (2%) + agent (18%, past the cap): with row-id sets the walk skips other users'
        // rows inside the index, which beats reading the user's 20k rows and sorting them.
        let f = TraceFilter { user_id: Some("u".into()), agent_id: Some("a".into()), ..Default::default() };
        let mut k = known(&[(Col::User, 20_000, false), (Col::Agent, cap, true)]);
        assert_eq!(choose(&f, &k, 50).shape, Shape::Drive(Col::User), "without sets");
        k.member_walk = true;
        assert_eq!(choose(&f, &k, 50).shape, Shape::Walk, "with sets");
        // A rare session still drives.
        let f = TraceFilter { session_id: Some("s".into()), ..Default::default() };
        let k = Known { member_walk: true, ..known(&[(Col::Session, 2_000, false)]) };
        assert_eq!(choose(&f, &k, 50).shape, Shape::Drive(Col::Session));
    }

    #[test]
    fn a_short_time_range_bounds_the_walk() {
        let mut k = known(&[(Col::Session, 2_000, false)]);
        k.range_rows = Some(1_500);
        let e = choose(&filter(false, true, None), &k, 50);
        assert_eq!(e.shape, Shape::Walk, "reading the range's 1.5k rows beats 2k rows + a sort");
        assert_eq!(e.walk_rows, 1_500.0);
    }

    #[test]
    fn the_cap_is_where_driving_stops_paying() {
        let cap = count_cap(N, 50);
        assert!((10_000..=50_000).contains(&cap), "{cap}");
        // At the cap, the walk reads far fewer rows than the capped value has.
        let e = choose(&filter(true, false, None), &known(&[(Col::User, cap, false)]), 50);
        assert_eq!(e.shape, Shape::Walk);
        assert_eq!(count_cap(10, 50), 1000);
    }

    #[test]
    fn cols_parse_and_read_filters() {
        assert_eq!(Col::parse("user"), Some(Col::User));
        assert_eq!(Col::parse("session_id"), Some(Col::Session));
        assert_eq!(Col::parse("span"), None);
        let f = filter(true, false, None);
        assert_eq!(Col::User.value(&f), Some("user-01"));
        assert_eq!(Col::Team.value(&f), None);
    }
}
