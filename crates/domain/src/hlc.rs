//! Hybrid logical clock: a timestamp that follows wall time but never goes backwards and orders
//! events that share a millisecond. Stamped on every outbox op; sync orders concurrent
//! last-writer-wins edits by `(hlc, device_id, op_id)`.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct Hlc {
    pub wall_ms: i64,
    pub counter: u32,
}

impl Hlc {
    /// The stamp for a local event at wall time `now_ms`, after `self` (the last stamp issued).
    pub fn tick(self, now_ms: i64) -> Hlc {
        if now_ms > self.wall_ms {
            Hlc {
                wall_ms: now_ms,
                counter: 0,
            }
        } else {
            Hlc {
                wall_ms: self.wall_ms,
                counter: self.counter + 1,
            }
        }
    }

    /// The stamp after receiving `remote` at wall time `now_ms`.
    pub fn receive(self, remote: Hlc, now_ms: i64) -> Hlc {
        let wall = now_ms.max(self.wall_ms).max(remote.wall_ms);
        let counter = if wall == self.wall_ms && wall == remote.wall_ms {
            self.counter.max(remote.counter) + 1
        } else if wall == self.wall_ms {
            self.counter + 1
        } else if wall == remote.wall_ms {
            remote.counter + 1
        } else {
            0
        };
        Hlc {
            wall_ms: wall,
            counter,
        }
    }

    /// Parses the text form written by `Display`.
    pub fn parse(text: &str) -> Option<Hlc> {
        let (w, c) = text.split_once('.')?;
        Some(Hlc {
            wall_ms: w.parse().ok()?,
            counter: c.parse().ok()?,
        })
    }
}

impl fmt::Display for Hlc {
    /// Fixed-width so the text sorts like the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}.{:06}", self.wall_ms, self.counter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_goes_backwards() {
        let a = Hlc::default().tick(1000);
        let b = a.tick(900); // wall clock stepped back
        let c = b.tick(900);
        assert!(
            a < b && b < c,
            "stamps must strictly increase even when the wall clock goes back"
        );
        let d = c.tick(2000);
        assert_eq!(
            d,
            Hlc {
                wall_ms: 2000,
                counter: 0
            }
        );
    }

    #[test]
    fn receive_moves_past_the_remote() {
        let local = Hlc {
            wall_ms: 100,
            counter: 3,
        };
        let remote = Hlc {
            wall_ms: 100,
            counter: 7,
        };
        let r = local.receive(remote, 50);
        assert!(r > local && r > remote);
        assert_eq!(
            r,
            Hlc {
                wall_ms: 100,
                counter: 8
            }
        );
    }

    #[test]
    fn text_form_sorts_like_the_value_and_round_trips() {
        let a = Hlc {
            wall_ms: 99,
            counter: 12,
        };
        let b = Hlc {
            wall_ms: 100,
            counter: 1,
        };
        assert!(a.to_string() < b.to_string());
        assert_eq!(Hlc::parse(&a.to_string()), Some(a));
    }
}
