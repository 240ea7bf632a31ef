//! End-to-end suites that drive the real desktop window; see `tests/desktop.rs`.
