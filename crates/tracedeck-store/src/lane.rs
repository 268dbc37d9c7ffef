//! Read lanes: interactive requests (run list, trace, span, filter suggestions) and heavy
//! ones (statistics, metrics, search scans) run on separate connection pools, so the run
//! list never waits behind analytics. Every statement runs under its lane's time budget,
//! enforced by the database, and is stopped in the database when its request is abandoned:
//! the future holding a [`Guard`] was dropped (a closed tab, a newer filter, a dropped HTTP
//! connection) before the statement finished.
//!
//! How a statement is stopped is backend-specific and lives with each backend: SQLite
//! interrupts through a progress handler watching the guard's [`Stop`]; PostgreSQL and MySQL
//! tag each statement with a comment naming the request ([`Tag`]), so a control connection
//! can find it in `pg_stat_activity` / the process list and cancel exactly that statement,
//! with no extra round trip on the happy path. This module owns the parts they share.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

/// Which pool (and budget) a read runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    /// What a page shows at once: run list, trace, span, suggestions.
    Interactive,
    /// Scans that may take seconds: statistics, metrics, text search over a foreign database.
    Heavy,
}

impl Lane {
    /// Longest one statement of this lane may run before the database stops it.
    pub const fn budget(self) -> Duration {
        match self {
            Lane::Interactive => Duration::from_secs(10),
            Lane::Heavy => Duration::from_secs(120),
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Lane::Interactive => "interactive",
            Lane::Heavy => "heavy",
        }
    }

    /// How long a request waits for a connection of this lane: heavy requests queue behind
    /// each other (one runs at a time), interactive ones never wait long.
    pub(crate) const fn queue_timeout(self) -> Duration {
        match self {
            Lane::Interactive => Duration::from_secs(10),
            Lane::Heavy => Duration::from_secs(300),
        }
    }

    /// Connections of this lane's pool (per store).
    pub(crate) const fn connections(self) -> u32 {
        match self {
            Lane::Interactive => 4,
            // Analytics never take more than one connection (and core): they queue.
            Lane::Heavy => 1,
        }
    }
}

/// Identifies one request's statements in the server's activity view: a comment put in
/// front of every statement the request runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag(String);

impl Tag {
    pub(crate) fn new() -> Tag {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // Unique across processes sharing a server: the pid, a per-process random salt and
        // a counter (hex only, so the tag holds no LIKE wildcard).
        let salt = {
            use std::hash::{BuildHasher, RandomState};
            static SALT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
            *SALT.get_or_init(|| RandomState::new().hash_one(std::process::id()))
        };
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Tag(format!("tracedeck-req {:x}-{:08x}-{n:x}", std::process::id(), salt as u32))
    }

    /// `sql` with this tag in front, as the server will show it.
    pub(crate) fn apply(&self, sql: &str) -> String {
        format!("/* {} */ {sql}", self.0)
    }

    /// A LIKE pattern matching statements carrying this tag.
    pub(crate) fn like(&self) -> String {
        format!("/* {} */%", self.0)
    }
}

/// Why the statements of a guard must stop. Shared with a SQLite progress handler.
#[derive(Debug, Clone)]
pub(crate) struct Stop(Arc<StopState>);

#[derive(Debug)]
pub(crate) struct StopState {
    /// 0 running, 1 abandoned, 2 finished (disarmed).
    state: AtomicU8,
    deadline: Instant,
}

const RUNNING: u8 = 0;
const ABANDONED: u8 = 1;
const FINISHED: u8 = 2;

impl Stop {
    pub(crate) fn new(budget: Duration) -> Stop {
        Stop(Arc::new(StopState { state: AtomicU8::new(RUNNING), deadline: Instant::now() + budget }))
    }

    /// For a progress handler: `true` while the statement may go on.
    pub(crate) fn keep_going(&self) -> bool {
        match self.0.state.load(Ordering::Relaxed) {
            RUNNING => Instant::now() < self.0.deadline,
            ABANDONED => false,
            _ => true,
        }
    }

    pub(crate) fn abandon(&self) {
        let _ = self.0.state.compare_exchange(RUNNING, ABANDONED, Ordering::AcqRel, Ordering::Acquire);
    }

    pub(crate) fn finish(&self) {
        self.0.state.store(FINISHED, Ordering::Release);
    }
}

/// Runs `on_abandon` if dropped before [`Armed::disarm`]: the request's future went away
/// while its statement may still run in the database.
pub(crate) struct Armed {
    on_abandon: Option<Box<dyn FnOnce() + Send>>,
}

impl std::fmt::Debug for Armed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Armed").field("armed", &self.on_abandon.is_some()).finish()
    }
}

impl Armed {
    pub(crate) fn new(on_abandon: impl FnOnce() + Send + 'static) -> Armed {
        Armed { on_abandon: Some(Box::new(on_abandon)) }
    }

    pub(crate) fn disarm(&mut self) {
        self.on_abandon = None;
    }

    /// The request has not finished: dropping this cancels it.
    pub(crate) fn is_armed(&self) -> bool {
        self.on_abandon.is_some()
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        if let Some(f) = self.on_abandon.take() {
            f();
        }
    }
}

/// Spawns `fut` on the current tokio runtime, if there is one (drops can happen outside).
pub(crate) fn spawn_detached(fut: impl std::future::Future<Output = ()> + Send + 'static) {
    if let Ok(h) = tokio::runtime::Handle::try_current() {
        h.spawn(fut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_unique_and_match_their_own_statements() {
        let (a, b) = (Tag::new(), Tag::new());
        assert_ne!(a, b);
        let sql = a.apply("SELECT 1");
        assert!(sql.starts_with(&a.like()[..a.like().len() - 1]));
        assert!(!sql.starts_with(&b.like()[..b.like().len() - 1]));
        assert!(!a.like().contains('_'));
    }

    #[test]
    fn stop_states() {
        let s = Stop::new(Duration::from_secs(60));
        assert!(s.keep_going());
        s.abandon();
        assert!(!s.keep_going());
        let s = Stop::new(Duration::ZERO);
        assert!(!s.keep_going(), "past its deadline");
        s.finish();
        assert!(s.keep_going(), "a finished guard never interrupts the connection's next user");
        s.abandon();
        assert!(s.keep_going(), "abandoning after the end does nothing");
    }

    #[test]
    fn armed_runs_only_when_not_disarmed() {
        let hit = Arc::new(AtomicU8::new(0));
        let h = hit.clone();
        drop(Armed::new(move || {
            h.fetch_add(1, Ordering::SeqCst);
        }));
        let h = hit.clone();
        let mut a = Armed::new(move || {
            h.fetch_add(1, Ordering::SeqCst);
        });
        a.disarm();
        drop(a);
        assert_eq!(hit.load(Ordering::SeqCst), 1);
    }
}
