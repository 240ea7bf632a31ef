//! Injected time and ids: use-cases never read the wall clock or make ids themselves.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// A source of Unix-millisecond timestamps.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

/// The machine's wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that only moves when told to (tests, the demo generator).
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        Self(AtomicI64::new(start_ms))
    }
    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A source of new row ids (UUIDv7: time-ordered, so inserts stay index-friendly).
pub trait IdSource: Send + Sync {
    fn new_id(&self, now_ms: i64) -> Uuid;
}

/// UUIDv7 ids that increase strictly within the process, even within one millisecond: the
/// uuid crate's `ContextV7` counter (RFC 9562 §6.2, method 2) fills the bits after the
/// timestamp. A use-case writes all its rows at one instant, so with random bits there every
/// insert landed at a random place in each id index; in order, a 100k-row import's index
/// inserts append (measured: 6.0 → see docs/benchmarks.md).
pub struct V7Ids;

/// One counter for the process (`ContextV7` is not `Sync`).
static V7_CONTEXT: Mutex<uuid::ContextV7> = Mutex::new(uuid::ContextV7::new());

impl IdSource for V7Ids {
    fn new_id(&self, now_ms: i64) -> Uuid {
        let ms = u64::try_from(now_ms).unwrap_or(0);
        // A poisoned lock only means another thread panicked mid-call; the counter is intact.
        let ctx = V7_CONTEXT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Uuid::new_v7(uuid::Timestamp::from_unix(
            &*ctx,
            ms / 1000,
            ((ms % 1000) * 1_000_000) as u32,
        ))
    }
}

/// Deterministic UUIDv7 ids from a seed: the same seed and clock give the same ids.
pub struct SeededIds(Mutex<ChaCha8Rng>);

impl SeededIds {
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(ChaCha8Rng::seed_from_u64(seed)))
    }
}

impl IdSource for SeededIds {
    fn new_id(&self, now_ms: i64) -> Uuid {
        let mut bytes = [0u8; 10];
        // A poisoned lock only means another thread panicked mid-fill; the generator is still usable.
        let mut rng = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        rng.fill_bytes(&mut bytes);
        uuid::Builder::from_unix_timestamp_millis(u64::try_from(now_ms).unwrap_or(0), &bytes)
            .into_uuid()
    }
}
