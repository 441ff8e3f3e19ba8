//! Request errors: a status and a reason, answered as JSON (`{"status": 400, "error": "Bad Request",
//! "reason": "..."}`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why a request cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {reason}")]
pub struct ApiError {
    /// The HTTP status answered (400, 404, ...).
    pub status: StatusCode,
    /// Why, in one sentence naming the parameter or the thing not found (the body's `reason`).
    pub reason: String,
}

impl ApiError {
    pub(crate) fn bad_request(reason: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::BAD_REQUEST, reason: reason.into() }
    }

    pub(crate) fn unprocessable(reason: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, reason: reason.into() }
    }

    pub(crate) fn forbidden(reason: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::FORBIDDEN, reason: reason.into() }
    }

    pub(crate) fn not_found(reason: impl Into<String>) -> ApiError {
        ApiError { status: StatusCode::NOT_FOUND, reason: reason.into() }
    }
}

/// The JSON error body.
pub fn json_error_body(status: StatusCode, reason: &str) -> String {
    serde_json::json!({
        "status": status.as_u16(),
        "error": status.canonical_reason().unwrap_or(""),
        "reason": reason,
    })
    .to_string()
}

/// A JSON error response.
pub fn json_error(status: StatusCode, reason: &str) -> Response {
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], json_error_body(status, reason)).into_response()
}

/// A JSON answer that no cache keeps (reviews, users, personal data).
pub(crate) fn no_store_json(status: StatusCode, v: &serde_json::Value) -> Response {
    use axum::http::header;
    (status, [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], v.to_string())
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_error(self.status, &self.reason)
    }
}
