//! Stopping a run: user cancellation (the caller's `CancellationToken`) and the run timeout
//! share one mechanism, a child token per run plus the reason it was stopped.
//!
//! Why a token and not dropping the run future: every span that is open when a run stops must
//! end with status ERROR and the reason ("cancelled", "run timeout (30s) exceeded"). So a stop
//! travels as an error value: leaf awaits race the token in [`RunCtl::guard`], which polls the
//! work first so that nested guards (a retrieval inside a tool, a member run inside a
//! delegation) see the stop in the same poll and close their own spans before the outer one.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The run was stopped (cancelled or timed out); the text is the span status description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stopped(pub String);

#[derive(Clone)]
pub(crate) struct RunCtl {
    token: CancellationToken,
    /// Innermost first: this run's reason, then its parents'.
    reasons: Vec<Arc<OnceLock<String>>>,
}

/// Aborts the timeout task when the run ends normally.
pub(crate) struct TimerGuard(Option<tokio::task::JoinHandle<()>>);

impl Drop for TimerGuard {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            h.abort();
        }
    }
}

impl RunCtl {
    /// A run's control: stopped when `parent` is cancelled or after `timeout`.
    pub fn start(
        parent: &CancellationToken,
        inherited: &[Arc<OnceLock<String>>],
        timeout: Option<Duration>,
    ) -> (RunCtl, TimerGuard) {
        let token = parent.child_token();
        let reason = Arc::new(OnceLock::new());
        let mut reasons = vec![reason.clone()];
        reasons.extend(inherited.iter().cloned());
        let timer = timeout.map(|d| {
            let token = token.clone();
            tokio::spawn(async move {
                tokio::select! {
                    _ = tokio::time::sleep(d) => {
                        let _ = reason.set(format!("run timeout ({}) exceeded", fmt_duration(d)));
                        token.cancel();
                    }
                    _ = token.cancelled() => {}
                }
            })
        });
        (RunCtl { token, reasons }, TimerGuard(timer))
    }

    /// A member run under this one (its own timeout, stopped with its parent).
    pub fn child(&self, timeout: Option<Duration>) -> (RunCtl, TimerGuard) {
        RunCtl::start(&self.token, &self.reasons, timeout)
    }

    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    pub fn is_stopped(&self) -> bool {
        self.token.is_cancelled()
    }

    pub fn reason(&self) -> String {
        self.reasons.iter().find_map(|r| r.get().cloned()).unwrap_or_else(|| "cancelled".to_owned())
    }

    pub fn check(&self) -> Result<(), Stopped> {
        if self.is_stopped() { Err(Stopped(self.reason())) } else { Ok(()) }
    }

    /// Runs `fut` unless the run is stopped first. The work is polled before the token so a
    /// stop seen by nested guards is reported by them (with their spans) first.
    pub async fn guard<T>(&self, fut: impl Future<Output = T>) -> Result<T, Stopped> {
        tokio::select! {
            biased;
            r = fut => Ok(r),
            _ = self.token.cancelled() => Err(Stopped(self.reason())),
        }
    }
}

pub(crate) fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{ms}ms") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn timeout_and_cancel_have_reasons() {
        let root = CancellationToken::new();
        let (ctl, _t) = RunCtl::start(&root, &[], Some(Duration::from_millis(20)));
        let r = ctl.guard(tokio::time::sleep(Duration::from_secs(5))).await;
        assert_eq!(r, Err(Stopped("run timeout (20ms) exceeded".into())));

        let (ctl, _t) = RunCtl::start(&root, &[], None);
        let (member, _m) = ctl.child(Some(Duration::from_secs(60)));
        root.cancel();
        assert_eq!(member.check(), Err(Stopped("cancelled".into())));
    }

    #[tokio::test]
    async fn a_member_sees_its_parents_timeout_reason() {
        let root = CancellationToken::new();
        let (ctl, _t) = RunCtl::start(&root, &[], Some(Duration::from_millis(10)));
        let (member, _m) = ctl.child(None);
        let r = member.guard(tokio::time::sleep(Duration::from_secs(5))).await;
        assert_eq!(r, Err(Stopped("run timeout (10ms) exceeded".into())));
    }
}
