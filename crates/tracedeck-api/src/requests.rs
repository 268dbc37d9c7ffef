//! Requests the desktop UI may abandon. Over HTTP an abandoned request is a dropped
//! connection, and dropping its handler's future stops its statement in the database (the
//! store's lanes do that). A Tauri command cannot be dropped from the webview, so the UI
//! names each cancellable request and this registry turns "cancel it" (a newer filter, a
//! page left) and "cancel everything of this window" (a reload, a closed window) into the
//! same drop: the operation's future is raced against its token and dropped when it fires.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio_util::sync::CancellationToken;

use crate::error::{ApiError, ApiResult};

#[derive(Debug)]
struct Entry {
    owner: String,
    token: CancellationToken,
    seq: u64,
}

#[derive(Debug, Default)]
pub struct Requests {
    live: Mutex<HashMap<String, Entry>>,
    /// Ids cancelled before their request arrived (the cancel overtook it), newest last:
    /// such a request is refused as soon as it starts.
    early: Mutex<VecDeque<String>>,
    next: AtomicU64,
}

/// Early cancels remembered at most.
const EARLY: usize = 256;

/// Removes a request from the registry when it ends, however it ends.
struct Registered<'a> {
    requests: &'a Requests,
    id: String,
    seq: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        let mut live = self.requests.lock();
        // Only our own entry: a reused id may belong to a newer request by now.
        if live.get(&self.id).is_some_and(|e| e.seq == self.seq) {
            live.remove(&self.id);
        }
    }
}

impl Requests {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `op` as request `id` of `owner` (a window); without an id it cannot be cancelled.
    pub async fn run<T>(&self, owner: &str, id: Option<&str>, op: impl Future<Output = ApiResult<T>>) -> ApiResult<T> {
        let Some(id) = id.map(str::trim).filter(|s| !s.is_empty()) else { return op.await };
        {
            let mut early = self.early.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(i) = early.iter().position(|e| e == id) {
                early.remove(i);
                return Err(ApiError::Cancelled("the request was cancelled".into()));
            }
        }
        let token = CancellationToken::new();
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        {
            let mut live = self.lock();
            let entry = Entry { owner: owner.to_owned(), token: token.clone(), seq };
            // The same id again: the older request is superseded.
            if let Some(old) = live.insert(id.to_owned(), entry) {
                old.token.cancel();
            }
        }
        let _registered = Registered { requests: self, id: id.to_owned(), seq };
        tokio::select! {
            biased;
            _ = token.cancelled() => Err(ApiError::Cancelled("the request was cancelled".into())),
            r = op => r,
        }
    }

    /// Cancels request `id`. An id not running yet may be on its way (the cancel can
    /// overtake it): it is remembered, and refused when it arrives.
    pub fn cancel(&self, id: &str) {
        match self.lock().remove(id) {
            Some(e) => e.token.cancel(),
            None => {
                let mut early = self.early.lock().unwrap_or_else(|p| p.into_inner());
                if early.len() >= EARLY {
                    early.pop_front();
                }
                early.push_back(id.to_owned());
            }
        }
    }

    /// Cancels every request of `owner` (its page was reloaded or its window closed).
    pub fn cancel_owner(&self, owner: &str) -> usize {
        let mut live = self.lock();
        let ids: Vec<String> = live.iter().filter(|(_, e)| e.owner == owner).map(|(k, _)| k.clone()).collect();
        for id in &ids {
            if let Some(e) = live.remove(id) {
                e.token.cancel();
            }
        }
        ids.len()
    }

    pub fn in_flight(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn cancelling_drops_the_operation() {
        let r = std::sync::Arc::new(Requests::default());
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d = dropped.clone();
        let r2 = r.clone();
        let task = tokio::spawn(async move {
            r2.run("main", Some("q1"), async move {
                let _f = Flag(d);
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(())
            })
            .await
        });
        while r.in_flight() == 0 {
            tokio::task::yield_now().await;
        }
        r.cancel("q1");
        let out = task.await.unwrap();
        assert!(matches!(out, Err(ApiError::Cancelled(_))));
        assert!(dropped.load(Ordering::SeqCst), "the operation's future was dropped");
        assert_eq!(r.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_window_cancels_all_its_requests_and_ids_supersede() {
        let r = std::sync::Arc::new(Requests::default());
        let spawn = |owner: &'static str, id: &'static str| {
            let r = r.clone();
            tokio::spawn(async move {
                r.run(owner, Some(id), async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    Ok(())
                })
                .await
            })
        };
        let (a, b, c) = (spawn("main", "a"), spawn("main", "b"), spawn("other", "c"));
        while r.in_flight() < 3 {
            tokio::task::yield_now().await;
        }
        assert_eq!(r.cancel_owner("main"), 2);
        assert!(a.await.unwrap().is_err() && b.await.unwrap().is_err());
        // Re-using an id cancels the older request (a retyped filter).
        let c2 = spawn("other", "c");
        assert!(matches!(c.await.unwrap(), Err(ApiError::Cancelled(_))));
        r.cancel("c");
        assert!(c2.await.unwrap().is_err());
        // A cancel that overtakes its request still cancels it.
        r.cancel("late");
        assert!(matches!(r.run("main", Some("late"), async { Ok(1) }).await, Err(ApiError::Cancelled(_))));
        assert_eq!(r.run("main", Some("late"), async { Ok(2) }).await.unwrap(), 2, "only once");
        // Without an id an operation simply runs.
        assert_eq!(r.run("main", None, async { Ok(7) }).await.unwrap(), 7);
    }
}
