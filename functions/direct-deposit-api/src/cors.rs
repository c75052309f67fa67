//! CORS for an allowlist of exact origins (`DD_CORS_ORIGINS`, `ddctl serve --cors-origin`).
//!
//! The web app is served from the API's own origin (`/app/`), so by default no origin is
//! allowed and no CORS header is sent. An allowed origin is echoed back (never `*`) with
//! `Vary: Origin`; credentials are not allowed, because the API reads its token from the
//! `Authorization` header and never from a cookie. A preflight (`OPTIONS`) is answered with
//! 204 on every path; only an allowed origin gets the `Access-Control-Allow-*` headers, so
//! the browser refuses the real request from any other.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ORIGIN, VARY,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// Methods the API answers.
pub const ALLOWED_METHODS: &str = "GET,POST,PATCH,DELETE,OPTIONS";
/// Request headers a browser may send.
pub const ALLOWED_HEADERS: &str = "Authorization,Content-Type,Idempotency-Key";
/// Response headers a cross-origin page may read.
pub const EXPOSED_HEADERS: &str = "Location,Idempotent-Replayed,Retry-After";

/// The origins allowed to call the API from a browser.
#[derive(Debug, Clone, Default)]
pub struct CorsPolicy {
    origins: Arc<[String]>,
}

/// Why an origin was refused (configuration time).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CORS origin: {0}")]
pub struct CorsError(pub &'static str);

impl CorsPolicy {
    /// No origin allowed: no CORS headers at all (the app is on the API's origin).
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Allows each of `origins`: exact `http://` or `https://` origins (`scheme://host[:port]`,
    /// no path, no trailing slash, no wildcard).
    ///
    /// # Errors
    /// [`CorsError`] naming what is wrong (never echoing the value).
    pub fn allow<I, S>(origins: I) -> Result<Self, CorsError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut list = Vec::new();
        for origin in origins {
            let origin = origin.as_ref().trim();
            validate(origin)?;
            if !list.iter().any(|o| o == origin) {
                list.push(origin.to_owned());
            }
        }
        Ok(Self {
            origins: list.into(),
        })
    }

    /// Parses a comma-separated list (`DD_CORS_ORIGINS`); empty items are skipped.
    ///
    /// # Errors
    /// As [`CorsPolicy::allow`].
    pub fn from_list(list: &str) -> Result<Self, CorsError> {
        Self::allow(list.split(',').map(str::trim).filter(|o| !o.is_empty()))
    }

    /// Whether any origin is allowed.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        !self.origins.is_empty()
    }

    fn allows(&self, origin: &HeaderValue) -> bool {
        self.origins
            .iter()
            .any(|o| o.as_bytes() == origin.as_bytes())
    }
}

fn validate(origin: &str) -> Result<(), CorsError> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or(CorsError("an origin starts with http:// or https://"))?;
    let host_ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !host_ok {
        return Err(CorsError(
            "an origin is scheme://host[:port] without path, wildcard or trailing slash",
        ));
    }
    Ok(())
}

/// Answers preflights and adds CORS headers for allowed origins.
pub async fn cors(State(policy): State<CorsPolicy>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(ORIGIN)
        .filter(|o| policy.allows(o))
        .cloned();
    let mut response = if request.method() == Method::OPTIONS {
        let mut preflight = Response::new(Body::empty());
        *preflight.status_mut() = StatusCode::NO_CONTENT;
        if origin.is_some() {
            let headers = preflight.headers_mut();
            headers.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOWED_METHODS),
            );
            headers.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOWED_HEADERS),
            );
            headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
        preflight
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    if policy.is_enabled() {
        // The answer depends on the Origin header: caches must not share it across origins.
        headers.append(VARY, HeaderValue::from_static("Origin"));
    }
    if let Some(origin) = origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact() {
        let policy =
            CorsPolicy::from_list(" https://app.example.com, http://localhost:5173 ,").unwrap();
        assert!(policy.allows(&HeaderValue::from_static("http://localhost:5173")));
        assert!(!policy.allows(&HeaderValue::from_static("http://localhost:5174")));
        assert!(!policy.allows(&HeaderValue::from_static("https://app.example.com.evil")));
        for bad in [
            "*",
            "null",
            "app.example.com",
            "https://app.example.com/",
            "https://*.example.com",
            "https://app.example.com/path",
            "ftp://x",
            "https://",
        ] {
            assert!(CorsPolicy::from_list(bad).is_err(), "{bad}");
        }
        assert!(!CorsPolicy::from_list("").unwrap().is_enabled());
        assert!(!CorsPolicy::none().is_enabled());
    }
}
