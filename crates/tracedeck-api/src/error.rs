//! The one error type that crosses the boundary to the UI (Tauri commands and HTTP routes).
//! Tagged so the UI can branch on `type`. Messages are for people: no SQL text, no
//! connection strings with passwords (the store already redacts them).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "type", content = "data")]
pub enum ApiError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("read-only: {0}")]
    ReadOnly(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// The request ran past its time budget and the database stopped it.
    #[error("{0}")]
    TimedOut(String),
    /// The caller abandoned the request (a newer one replaced it, its page went away).
    #[error("{0}")]
    Cancelled(String),
    /// The database refused a console statement (with the position it reported).
    #[error("{}", .0.message)]
    Sql(tracedeck_model::console::SqlError),
}

impl From<tracedeck_store::StoreError> for ApiError {
    fn from(e: tracedeck_store::StoreError) -> Self {
        use tracedeck_store::StoreError as E;
        match e {
            E::ReadOnly(m) => ApiError::ReadOnly(m),
            E::Invalid(m) | E::Config(m) => ApiError::BadRequest(m),
            E::Connect { .. } => ApiError::Unavailable(e.to_string()),
            E::TimedOut { .. } => ApiError::TimedOut(e.to_string()),
            other if other.is_transient() => ApiError::Unavailable(other.to_string()),
            other => ApiError::Database(other.to_string()),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
