//! The engine's error: bad input (naming the field), a missing or newer database, or a
//! storage failure. Mapped once to [`ApiError`] at the boundary.

use backroom_api::ApiError;
use backroom_domain::FieldError;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input is wrong; nothing was written.
    #[error("{0}")]
    Invalid(#[from] FieldError),
    #[error("this database has not been set up yet; run `backroom init --store-name NAME` first")]
    NotInitialised,
    #[error("this database was written by a newer Backroom (schema {found}, this build knows up to {supported}); upgrade Backroom instead of opening it with this version")]
    NewerSchema { found: i64, supported: i64 },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("{0}")]
    Csv(String),
    /// A sync round stopped (the network, the server, or a disagreement about sequence
    /// numbers); everything before it is kept and the next round carries on.
    #[error("{0}")]
    Sync(String),
}

impl StoreError {
    pub fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        StoreError::Invalid(FieldError::new(field, code, message))
    }

    pub fn not_found(field: &str, what: &str, key: &str) -> Self {
        StoreError::Invalid(FieldError::new(
            field,
            "not_found",
            format!("no {what} '{key}'"),
        ))
    }

    /// The field at fault, when the error is about input.
    pub fn field(&self) -> Option<&str> {
        match self {
            StoreError::Invalid(e) => Some(&e.field),
            _ => None,
        }
    }

    pub fn code(&self) -> &str {
        match self {
            StoreError::Invalid(e) => &e.code,
            StoreError::NotInitialised => "not_initialised",
            StoreError::NewerSchema { .. } => "newer_schema",
            StoreError::Io { .. } => "io",
            StoreError::Db(_) => "database",
            StoreError::Csv(_) => "csv",
            StoreError::Sync(_) => "sync",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(f) => f.into(),
            other => ApiError {
                code: other.code().to_string().into(),
                message: other.to_string(),
                field: None,
            },
        }
    }
}

pub(crate) fn unique_violation(e: rusqlite::Error, field: &str, message: &str) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            StoreError::invalid(field, "duplicate", message)
        }
        _ => StoreError::Db(e),
    }
}
