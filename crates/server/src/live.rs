//! Live updates: a pull with `wait_ms` that finds nothing new waits for its stream to move.
//!
//! A push commits `NOTIFY backroom_stream, '<stream>'` in its transaction; every server process
//! listens (`LISTEN backroom_stream` on a connection of its own) and wakes its waiting pulls,
//! which read again. So a till long-polling process A sees a push that landed on process B
//! within one round trip. When the listening connection drops, waiters are woken (they may have
//! missed a notification) and it reconnects after a second.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::Notify;

/// The channel pushes notify on.
pub const CHANNEL: &str = "backroom_stream";

/// The longest a pull waits for news (ms); tills ask again after it.
pub const MAX_WAIT_MS: u64 = 25_000;

/// This process's wake-up signal for waiting pulls.
#[derive(Clone, Default)]
pub struct Live {
    notify: Arc<Notify>,
    closed: Arc<AtomicBool>,
}

impl Live {
    /// Starts listening on `pool`'s database (a task of its own, until [`Live::close`]).
    pub fn start(pool: PgPool) -> Live {
        let live = Live::default();
        let me = live.clone();
        tokio::spawn(async move {
            while !me.closed.load(Ordering::Relaxed) {
                match listen(&pool, &me).await {
                    Ok(()) => {}
                    Err(e) => tracing::warn!(error = %e, "live updates: listening again in 1 s"),
                }
                // Whatever was missed while not listening: waiters read again.
                me.notify.notify_waiters();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        live
    }

    /// Wakes every waiting pull now and from now on answers at once (shutdown).
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.notify.notify_waiters();
    }

    /// Waits until any stream may have moved, `wait` passes, or the server closes. `armed` is
    /// a notification future enabled *before* the caller's read, so a push that commits between
    /// that read and this wait is not missed.
    pub async fn wait(
        &self,
        armed: std::pin::Pin<&mut tokio::sync::futures::Notified<'_>>,
        wait: Duration,
    ) {
        if self.closed.load(Ordering::Relaxed) {
            return;
        }
        let _ = tokio::time::timeout(wait, armed).await;
    }

    /// A notification future for [`Live::wait`]; call `.enable()` on it (pinned) before reading.
    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }
}

async fn listen(pool: &PgPool, live: &Live) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    while !live.closed.load(Ordering::Relaxed) {
        // `recv` reconnects by itself on a dropped connection and then returns an error once;
        // either way the waiters read again.
        let _ = listener.recv().await?;
        live.notify.notify_waiters();
    }
    Ok(())
}
