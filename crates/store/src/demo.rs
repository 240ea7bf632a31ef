//! The demo store generator.
