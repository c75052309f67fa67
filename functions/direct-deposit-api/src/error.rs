//! The crate's single error type and the legacy error envelope (docs/architecture.md §2.4).
//!
//! Every failure a handler can meet becomes one [`ApiError`]; its HTTP rendering is
//! `{"statusCode","code","message","developerMessage","moreInfo"}`. Messages are fixed text or
//! domain reasons (which never quote input), so no account number can reach a client through
//! an error, and the log line of an error names its kind, never its input.

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use dd_domain::DomainError;
use dd_storage::{DbFailure, StorageError};

/// Everything that can go wrong in the API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, a malformed or expired token, or a bad signature: 401 / code 10.
    #[error("unauthenticated: {0}")]
    Unauthenticated(&'static str),
    /// A valid token that may not touch this resource: 401 / code 11.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// The request body (or a header that shapes it) is unusable: 400 / code 30.
    #[error("invalid body: {0}")]
    InvalidBody(String),
    /// A request header is unusable (e.g. `Idempotency-Key`): 400 / code 30.
    #[error("invalid header: {0}")]
    InvalidHeader(String),
    /// A path value is not what the route expects: 400 / code 60.
    #[error("bad path value: {0}")]
    BadPathValue(&'static str),
    /// A query value is not what the route expects: 400 / code 60.
    #[error("bad query value: {0}")]
    BadQueryValue(&'static str),
    /// The body is larger than the limit: 413 / code 30.
    #[error("body too large")]
    PayloadTooLarge(usize),
    /// The path exists, the method does not: 405 / code 50 (axum adds `Allow`).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The change would duplicate a deposit, or lost a race: 409 / code 40.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The tenant, employee or deposit does not exist: 404 / code 50.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request timed out, no database connection became free in time, or the
    /// connection failed: 503 / code 0 with `Retry-After`. Retry (creates with their
    /// Idempotency-Key: one whose connection broke at COMMIT may have been stored).
    #[error("unavailable: {0}")]
    Unavailable(&'static str),
    /// Anything else: 500 / code 0. The detail goes to the log only.
    #[error("unexpected: {0}")]
    Unexpected(String),
    /// A start-up setting is missing or unusable (never seen by clients: the process does
    /// not start).
    #[error("configuration: {0}")]
    Config(String),
}

/// Mapping of a legacy error code to its status and summary message.
struct Kind {
    status: StatusCode,
    code: u16,
    message: &'static str,
}

impl ApiError {
    fn kind(&self) -> Kind {
        let (status, code, message) = match self {
            Self::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, 10, "Unauthenticated"),
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, 11, "Unauthorized"),
            Self::InvalidBody(_) => (StatusCode::BAD_REQUEST, 30, "Invalid request body"),
            Self::InvalidHeader(_) => (StatusCode::BAD_REQUEST, 30, "Invalid request header"),
            Self::BadPathValue(_) => (StatusCode::BAD_REQUEST, 60, "Invalid path parameter"),
            Self::BadQueryValue(_) => (StatusCode::BAD_REQUEST, 60, "Invalid query parameter"),
            Self::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, 30, "Request body too large")
            }
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, 50, "Method not allowed"),
            Self::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                0,
                "The service is busy; retry shortly",
            ),
            Self::Conflict(_) => (StatusCode::CONFLICT, 40, "Conflict"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, 50, "Resource not found"),
            Self::Unexpected(_) | Self::Config(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                0,
                "An unexpected error occurred",
            ),
        };
        Kind {
            status,
            code,
            message,
        }
    }

    /// The legacy error code (10, 11, 30, 40, 50, 60 or 0).
    #[must_use]
    pub fn code(&self) -> u16 {
        self.kind().code
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.kind().status
    }

    /// What the client may read: the detail for 4xx, nothing internal for 500.
    fn developer_message(&self) -> String {
        match self {
            Self::Unexpected(_) | Self::Config(_) => {
                "The server failed to handle the request".to_owned()
            }
            Self::Unauthenticated(m)
            | Self::Unauthorized(m)
            | Self::BadPathValue(m)
            | Self::BadQueryValue(m)
            | Self::Unavailable(m) => (*m).to_owned(),
            Self::NotFound(what) => format!("{what} not found"),
            Self::InvalidBody(m) | Self::InvalidHeader(m) | Self::Conflict(m) => m.clone(),
            Self::PayloadTooLarge(limit) => {
                format!("the request body must be at most {limit} bytes")
            }
            Self::MethodNotAllowed => "this path does not serve this method; see Allow".to_owned(),
        }
    }

    /// The JSON envelope of this error.
    #[must_use]
    pub fn body(&self) -> serde_json::Value {
        let kind = self.kind();
        serde_json::json!({
            "statusCode": kind.status.as_u16(),
            "code": kind.code,
            "message": kind.message,
            "developerMessage": self.developer_message(),
            "moreInfo": format!("docs/openapi.yaml#/components/schemas/Error (code {})", kind.code),
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let kind = self.kind();
        if matches!(self, Self::Unavailable(_)) {
            tracing::warn!(error = %self, "request shed");
        } else if kind.code == 0 {
            // The detail is a stable kind (storage and crypto errors never carry values).
            tracing::error!(code = kind.code, error = %self, "request failed");
        } else {
            tracing::info!(
                status = kind.status.as_u16(),
                code = kind.code,
                "request refused"
            );
        }
        let mut response = (kind.status, axum::Json(self.body())).into_response();
        if matches!(self, Self::Unavailable(_)) {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::InvalidField { .. } => Self::InvalidBody(err.to_string()),
            DomainError::Duplicate { .. }
            | DomainError::InvalidTransition { .. }
            | DomainError::NotEditable { .. }
            | DomainError::TooManyDeposits { .. } => Self::Conflict(err.to_string()),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound(what) => Self::NotFound(what),
            StorageError::Domain(domain) => domain.into(),
            StorageError::Conflict(reason) => Self::Conflict(reason.to_owned()),
            StorageError::InvalidInput(reason) => Self::InvalidBody(reason.to_owned()),
            StorageError::Database {
                kind: DbFailure::PoolTimeout,
                ..
            } => Self::Unavailable("no database connection became free in time"),
            // The database went away (restart, failover): a client should retry, as for a
            // busy pool, not report a bug. A create whose connection broke at COMMIT may
            // have been stored; its Idempotency-Key makes the retry safe.
            StorageError::Database {
                kind: DbFailure::Connection,
                ..
            } => Self::Unavailable("the database connection failed"),
            other @ (StorageError::CorruptRow { .. } | StorageError::Database { .. }) => {
                Self::Unexpected(other.to_string())
            }
        }
    }
}

impl From<dd_crypto::CryptoError> for ApiError {
    fn from(err: dd_crypto::CryptoError) -> Self {
        // The kind only: crypto errors hold no secrets, but the kind is all we need.
        Self::Unexpected(format!("crypto: {}", err.kind()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shape_and_codes() {
        let body = ApiError::BadPathValue("id must be a positive integer").body();
        assert_eq!(body["statusCode"], 400);
        assert_eq!(body["code"], 60);
        assert_eq!(body["developerMessage"], "id must be a positive integer");
        assert!(body["moreInfo"].is_string());
        assert_eq!(ApiError::Unauthorized("x").code(), 11);
        assert_eq!(ApiError::Unexpected("db".into()).body()["code"], 0);
        assert!(
            !ApiError::Unexpected("secret detail".into()).body()["developerMessage"]
                .as_str()
                .unwrap_or_default()
                .contains("secret")
        );
    }

    #[test]
    fn storage_mapping() {
        assert_eq!(
            ApiError::from(StorageError::NotFound("deposit")).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(ApiError::from(StorageError::Conflict("race")).code(), 40);
    }
}
