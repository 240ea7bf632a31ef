//! The background sync task: a thread of its own with its own SQLite connection, so a sale on
//! the store thread never waits for the network (SQLite's WAL lets both work; the worker holds
//! the write lock only while it applies one pulled page).
//!
//! Each round pushes this till's unacknowledged ops and pulls its store's stream
//! (`Store::sync_with`), then long-polls the stream for [`LISTEN_MS`] so another till's sale
//! shows here within about a round trip. A failed round waits 1 s, 2 s, 4 s … up to
//! [`MAX_BACKOFF`], each with ±25 % jitter so a store's tills do not all retry at once when the
//! server comes back. "Sync now" and connecting wake it at once. When a round brought ops in,
//! the store thread rereads its cached settings. A second thread, the pusher, sends this till's
//! new ops as soon as a use-case writes them (the worker may be inside its long-poll), so a sale
//! reaches head office and the other tills within a round trip. Head office long-polls every
//! store's stream at once.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use backroom_api::cmd::SyncStatus;
use backroom_api::{ApiError, ErrorCode};
use backroom_store::{ServerLink, Store, StoreError};
use backroom_sync::http::HttpTransport;

/// How long a round waits for the stream to move before the next round (ms).
pub const LISTEN_MS: u64 = 4_000;
/// The longest wait between failed rounds.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How often an unconnected till looks whether it was connected.
const IDLE: Duration = Duration::from_secs(5);

type Reply = tokio::sync::oneshot::Sender<Result<SyncStatus, ApiError>>;

/// What the worker is asked to do besides its own rounds.
pub enum SyncJob {
    /// A round now; answer the status after it.
    Now(Reply),
    /// Enrol with the server at `url` using the one-time `code`, link, and sync.
    Connect {
        url: String,
        code: String,
        reply: Reply,
    },
}

/// A handle on the worker thread.
pub struct Syncer {
    jobs: Sender<SyncJob>,
    /// Wakes the pusher: this till wrote something.
    nudges: Sender<()>,
}

impl Syncer {
    /// Starts the worker on the database at `path`; `refresh` asks the store thread to reread
    /// its cached settings (after ops came in).
    pub fn start(
        path: PathBuf,
        refresh: impl Fn() + Send + 'static,
        start_over: impl Fn() + Send + 'static,
    ) -> Syncer {
        let (jobs, queue) = std::sync::mpsc::channel();
        let path_for_pusher = path.clone();
        let spawned = std::thread::Builder::new()
            .name("sync".into())
            .spawn(move || worker(path, queue, refresh, start_over));
        if let Err(e) = spawned {
            eprintln!("error: cannot start the sync thread: {e}");
        }
        let (nudges, nudged) = std::sync::mpsc::channel();
        let pushing = std::thread::Builder::new()
            .name("push".into())
            .spawn(move || pusher(path_for_pusher, nudged));
        if let Err(e) = pushing {
            eprintln!("error: cannot start the push thread: {e}");
        }
        Syncer { jobs, nudges }
    }

    /// Says this till wrote something: the pusher sends it to the server now, while the sync
    /// worker may be waiting in its long-poll (never blocks; a failed push is the next round's).
    pub fn nudge(&self) {
        let _ = self.nudges.send(());
    }

    /// Sends `job`; its reply says so when the worker is gone.
    pub async fn ask(&self, make: impl FnOnce(Reply) -> SyncJob) -> Result<SyncStatus, ApiError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(make(reply))
            .map_err(|_| ApiError::new(ErrorCode::Internal, "the sync thread stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::new(ErrorCode::Internal, "the sync thread stopped"))?
    }
}

/// Pushes this till's new ops as soon as it writes them (nudges that come while it pushes are
/// folded into one more push), on a connection of its own. Two pushes of the same ops (this and
/// the worker's round) are harmless: the server answers the second from what it stored.
fn pusher(path: PathBuf, nudged: Receiver<()>) {
    while nudged.recv().is_ok() {
        while nudged.try_recv().is_ok() {}
        let Ok(mut store) = Store::open(&path) else {
            continue;
        };
        let Ok(Some(link)) = store.server_link() else {
            continue;
        };
        let Ok(http) = HttpTransport::new(&link.url) else {
            continue;
        };
        // A failure waits for the worker's next round (with its backoff).
        let _ = store.push_with(&mut http.with_token(&link.token));
    }
}

fn api(e: StoreError) -> ApiError {
    ApiError::from(e)
}

fn worker(path: PathBuf, queue: Receiver<SyncJob>, refresh: impl Fn(), start_over: impl Fn()) {
    let mut failures: u32 = 0;
    let mut wait = Duration::from_millis(500);
    loop {
        let job = match queue.recv_timeout(wait) {
            Ok(job) => Some(job),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // A connection per round: a restore or the demo may have replaced the file.
        let mut store = match Store::open(&path) {
            Ok(s) => s,
            Err(e) => {
                answer(job, Err(api(e)));
                wait = IDLE;
                continue;
            }
        };
        store.set_actor("system");
        // Starting over from the server's snapshot replaces the database: the store thread
        // does it, on the connection the screens write through.
        store.refuse_snapshot_restore();
        let (reply, connect) = match job {
            Some(SyncJob::Now(r)) => (Some(r), None),
            Some(SyncJob::Connect { url, code, reply }) => (Some(reply), Some((url, code))),
            None => (None, None),
        };
        if let Some((url, code)) = connect {
            if let Err(e) = enrol(&mut store, &url, &code) {
                if let Some(r) = reply {
                    let _ = r.send(Err(e));
                }
                continue;
            }
        }
        let link = match store.server_link() {
            Ok(Some(link)) => link,
            Ok(None) => {
                if let Some(r) = reply {
                    let _ = r.send(store.sync_status().map_err(api));
                }
                wait = IDLE;
                continue;
            }
            Err(e) => {
                answer_reply(reply, Err(api(e)));
                wait = IDLE;
                continue;
            }
        };
        let mut http = match HttpTransport::new(&link.url) {
            Ok(h) => h.with_token(&link.token),
            Err(e) => {
                answer_reply(reply, Err(ApiError::new(ErrorCode::Internal, e)));
                wait = MAX_BACKOFF;
                continue;
            }
        };
        let round = store.sync_with(&mut http);
        if matches!(&round, Err(e) if e.to_string().contains(backroom_store::START_OVER_MESSAGE)) {
            start_over();
        }
        if matches!(&round, Ok(r) if r.pulled > 0) {
            refresh();
        }
        let ok = round.is_ok();
        answer_reply(reply, store.sync_status().map_err(api));
        if !ok {
            failures = failures.saturating_add(1);
            wait = backoff(failures);
            continue;
        }
        failures = 0;
        // A till long-polls its store's stream; head office every store's at once.
        match store.listen_with(&mut http, LISTEN_MS) {
            Ok(n) => {
                if n > 0 {
                    refresh();
                }
                wait = Duration::from_millis(50);
            }
            Err(_) => {
                failures = 1;
                wait = backoff(failures);
            }
        }
    }
}

fn answer(job: Option<SyncJob>, r: Result<SyncStatus, ApiError>) {
    match job {
        Some(SyncJob::Now(reply)) | Some(SyncJob::Connect { reply, .. }) => {
            let _ = reply.send(r);
        }
        None => {}
    }
}

fn answer_reply(reply: Option<Reply>, r: Result<SyncStatus, ApiError>) {
    if let Some(reply) = reply {
        let _ = reply.send(r);
    }
}

/// Exchanges the enrolment code for this till's credential and links the database to it.
fn enrol(store: &mut Store, url: &str, code: &str) -> Result<(), ApiError> {
    let url = url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(invalid(
            "url",
            "the server's address starts with http:// or https://",
        ));
    }
    if code.trim().is_empty() {
        return Err(invalid("code", "the enrolment code is required"));
    }
    let http = HttpTransport::new(url).map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
    let cred = http.enrol(code).map_err(|e| {
        if e.starts_with("400") {
            invalid("code", format!("the server refused the code: {e}"))
        } else {
            ApiError::new(
                ErrorCode::Transport,
                format!("the server at {url} did not answer: {e}"),
            )
        }
    })?;
    store
        .link_server(&ServerLink {
            url: url.trim_end_matches('/').to_string(),
            store: cred.store,
            token: cred.token,
            device_code: cred.device_code,
        })
        .map_err(api)
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    backroom_api::FieldError::new(field, "invalid", message).into()
}

/// 1 s, 2 s, 4 s … up to [`MAX_BACKOFF`], ±25 % (the clock's nanoseconds as the dice: enough
/// to spread a store's tills apart).
fn backoff(failures: u32) -> Duration {
    let base = Duration::from_secs(1u64 << failures.saturating_sub(1).min(6)).min(MAX_BACKOFF);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let spread = base.as_millis() as u64 / 2;
    let jitter = u64::from(nanos) % spread.max(1);
    (base - base / 4) + Duration::from_millis(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_minute_with_jitter_of_a_quarter() {
        for (failures, secs) in [(1, 1), (2, 2), (3, 4), (7, 60), (40, 60)] {
            let d = backoff(failures);
            let base = Duration::from_secs(secs);
            assert!(
                d >= base - base / 4 && d <= base + base / 4,
                "{failures}: {d:?}"
            );
        }
    }
}
