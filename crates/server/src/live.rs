//! Live updates: a pull with `wait_ms` that finds nothing new waits for its stream to move.
//!
//! A push commits `NOTIFY backroom_stream, '<stream>'` in its transaction; every server process
//! listens (`LISTEN backroom_stream` on a connection of its own) and wakes its waiting pulls,
//! which read again. So a till long-polling process A sees a push that landed on process B
//! within one round trip. When the listening connection drops, waiters are woken (they may have
//! missed a notification) and it reconnects after a second.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::Notify;

/// The channel pushes notify on.
pub const CHANNEL: &str = "backroom_stream";

/// The longest a pull waits for news (ms); tills ask again after it.
pub const MAX_WAIT_MS: u64 = 25_000;

/// This process's wake-up signals for waiting pulls, one per stream (a push to one store
/// wakes only the pulls waiting on that store's stream).
#[derive(Clone, Default)]
pub struct Live {
    streams: Arc<Mutex<HashMap<String, Arc<Notify>>>>,
    /// Woken by a push to any stream (head office waits on every store at once).
    any: Arc<Notify>,
    closed: Arc<AtomicBool>,
}

impl Live {
    /// Starts listening on `pool`'s database (a task of its own, until [`Live::close`]).
    pub fn start(pool: PgPool) -> Live {
        let live = Live::default();
        let me = live.clone();
        tokio::spawn(async move {
            while !me.closed.load(Ordering::Relaxed) {
                if let Err(e) = listen(&pool, &me).await {
                    tracing::warn!(error = %e, "live updates: listening again in 1 s");
                }
                // Whatever was missed while not listening: every waiter reads again.
                me.wake_all();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        live
    }

    /// The signal of `stream`.
    pub fn signal(&self, stream: &str) -> Arc<Notify> {
        let mut map = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(stream.to_string()).or_default().clone()
    }

    /// The signal of a push to any stream.
    pub fn any(&self) -> Arc<Notify> {
        self.any.clone()
    }

    fn wake(&self, stream: &str) {
        let map = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get(stream) {
            n.notify_waiters();
        }
        self.any.notify_waiters();
    }

    fn wake_all(&self) {
        let map = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        for n in map.values() {
            n.notify_waiters();
        }
        self.any.notify_waiters();
    }

    /// Wakes every waiting pull now and from now on answers at once (shutdown).
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.wake_all();
    }

    /// Whether the server is shutting down.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }
}

async fn listen(pool: &PgPool, live: &Live) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    while !live.closed.load(Ordering::Relaxed) {
        match listener.try_recv().await? {
            Some(n) => live.wake(n.payload()),
            // The connection dropped and sqlx reconnected: notifications of the gap are
            // lost, so every waiter reads again.
            None => live.wake_all(),
        }
    }
    Ok(())
}
