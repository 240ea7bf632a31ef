//! The op envelope and its JSON-lines form.
//!
//! A line is one op: `{"op_id", "device_id", "device_seq", "hlc", "actor", "kind", "body",
//! "created_at"}`. `body` is a JSON object carrying its version under `"v"` (version 1 is
//! today's format, recorded per kind in `tests/fixtures/ops/v1/`). Lines are in `device_seq`
//! order per device.

use serde::{Deserialize, Serialize};

/// One op as it leaves its device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpEnvelope {
    /// The global idempotency key (a UUIDv7 made on the device).
    pub op_id: String,
    /// The device that wrote it.
    pub device_id: String,
    /// Dense, from 1, per device: gaps are detectable and duplicates are comparisons.
    pub device_seq: i64,
    /// Hybrid logical clock stamp (`backroom_domain::hlc::Hlc` text form, sorts as it orders).
    pub hlc: String,
    /// Who did it: a staff id, or `system`/`cli` for headless tools.
    pub actor: String,
    /// What happened, e.g. `sale.completed`, `stock.adjusted`.
    pub kind: String,
    /// The facts, as a JSON object with its body version under `"v"`.
    pub body: serde_json::Value,
    /// When the device wrote it, in ms since the Unix epoch (UTC).
    pub created_at: i64,
}

impl OpEnvelope {
    /// The body's version (`"v"`); a body without one is version 1.
    pub fn body_version(&self) -> u64 {
        self.body.get("v").and_then(|v| v.as_u64()).unwrap_or(1)
    }

    /// The op as one line of a JSON-lines file (no trailing newline).
    pub fn to_line(&self) -> String {
        // Serialising strings, integers and an already-valid JSON value cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl AsRef<OpEnvelope> for OpEnvelope {
    fn as_ref(&self) -> &OpEnvelope {
        self
    }
}

/// Why a line of an ops file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Reads a JSON-lines ops file; blank lines are skipped. Every line must be an op, or the
/// whole file is refused naming the first bad line.
pub fn read_lines(text: &str) -> Result<Vec<OpEnvelope>, LineError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| LineError {
                line: i + 1,
                message: e.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(seq: i64) -> OpEnvelope {
        OpEnvelope {
            op_id: format!("op-{seq}"),
            device_id: "dev".into(),
            device_seq: seq,
            hlc: "000001767225600000.000000".into(),
            actor: "system".into(),
            kind: "stock.adjusted".into(),
            body: serde_json::json!({"v": 1, "movements": []}),
            created_at: 1_767_225_600_000,
        }
    }

    #[test]
    fn lines_round_trip_and_bad_lines_are_named() {
        let text = format!("{}\n\n{}\n", op(1).to_line(), op(2).to_line());
        assert_eq!(read_lines(&text).unwrap(), vec![op(1), op(2)]);
        assert_eq!(op(1).body_version(), 1);
        let bad = format!("{}\nnot json\n", op(1).to_line());
        assert_eq!(read_lines(&bad).unwrap_err().line, 2);
    }
}
