//! The web app at `/app/` (docs/architecture.md §2.6), served from the bundle embedded at
//! compile time (`web/dist`, see `build.rs`): no file system access at run time, so no
//! request path can reach a file outside the bundle.
//!
//! - Hashed assets (`/app/assets/…`) are cached for a year (`immutable`); everything else,
//!   `index.html` first, is `no-cache` so a new build is picked up at once.
//! - Unknown paths under `/app/` that look like app routes get `index.html` (the app routes
//!   in the browser); unknown files (anything with an extension, anything under `assets/`)
//!   get a 404. Nothing outside `/app/` falls back: API paths keep their own 404s.
//! - `/app/config.json` is this server's runtime config (same-origin API, local sign-in),
//!   not the bundle's (which is the AWS default).
//! - Every response carries a strict Content-Security-Policy (no inline script or style)
//!   and `X-Content-Type-Options: nosniff`.

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

mod bundle {
    include!(concat!(env!("OUT_DIR"), "/web_bundle.rs"));
}

/// Where the app lives.
pub const APP_PREFIX: &str = "/app/";

/// The policy the app is built for: scripts, styles and API calls from this origin only.
/// The one hash is React Aria's constant `<style id="react-aria-pressable-style">` (a
/// `touch-action` rule it injects once); no other inline style or script is allowed. The
/// browser tests fail on any CSP violation, so a React Aria upgrade that changes it shows.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'sha256-38RhXrc7EdReTKsOm23ZPOCUgniTUUcjky8QOOrQx6o='; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

/// Runtime config of the app under `ddctl serve`: API on the same origin, local sign-in.
const LOCAL_CONFIG: &str = r#"{"apiBaseUrl":"","signIn":"local"}"#;

/// The routes: `/` and `/app` redirect to `/app/`, `/app/…` serves the bundle.
pub fn router() -> Router {
    Router::new()
        .route("/", get(redirect_to_app))
        .route("/app", get(redirect_to_app))
        .route("/app/", get(serve_path))
        .route("/app/{*path}", get(serve_path))
}

async fn redirect_to_app() -> Response {
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    response
        .headers_mut()
        .insert(LOCATION, HeaderValue::from_static(APP_PREFIX));
    with_security_headers(response)
}

async fn serve_path(uri: Uri) -> Response {
    let relative = uri.path().strip_prefix(APP_PREFIX).unwrap_or_default();
    let response = match resolve(relative) {
        Resolved::File(path, bytes) => file(path, bytes),
        Resolved::LocalConfig => body("application/json", NO_CACHE, LOCAL_CONFIG.as_bytes()),
        Resolved::NotBuilt => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The web app was not built into this ddctl: run `npm ci && npm run build` in web/ \
             and rebuild ddctl.\n",
        )
            .into_response(),
        Resolved::NotFound => (StatusCode::NOT_FOUND, "Not found\n").into_response(),
    };
    with_security_headers(response)
}

/// What a path under `/app/` maps to.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    File(&'static str, &'static [u8]),
    LocalConfig,
    NotBuilt,
    NotFound,
}

/// Maps the (still percent-encoded) path below `/app/` to a bundle file.
fn resolve(relative: &str) -> Resolved {
    let Ok(decoded) = percent_encoding::percent_decode_str(relative).decode_utf8() else {
        return Resolved::NotFound;
    };
    // The bundle is a lookup table, so `..` could never escape it; refusing such paths
    // outright keeps them from even reaching the fallback.
    let suspicious = decoded.contains('\\')
        || decoded.contains('\0')
        || decoded.split('/').any(|s| s == ".." || s == ".");
    if suspicious {
        return Resolved::NotFound;
    }
    if decoded == "config.json" {
        return Resolved::LocalConfig;
    }
    let path = if decoded.is_empty() {
        "index.html"
    } else {
        &decoded
    };
    if let Some((name, bytes)) = find(path) {
        return Resolved::File(name, bytes);
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    if path.starts_with("assets/") || last.contains('.') {
        return Resolved::NotFound;
    }
    // An app route (`/app/deposits/new`): the app itself decides what to show.
    match find("index.html") {
        Some((name, bytes)) => Resolved::File(name, bytes),
        None => Resolved::NotBuilt,
    }
}

fn find(path: &str) -> Option<(&'static str, &'static [u8])> {
    bundle::FILES
        .binary_search_by(|(name, _)| (*name).cmp(path))
        .ok()
        .and_then(|i| bundle::FILES.get(i))
        .copied()
}

fn file(path: &'static str, bytes: &'static [u8]) -> Response {
    let cache = if path.starts_with("assets/") {
        IMMUTABLE
    } else {
        NO_CACHE
    };
    body(content_type(path), cache, bytes)
}

fn body(content_type: &'static str, cache: &'static str, bytes: &'static [u8]) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    // Static bytes: served without a copy.
    (StatusCode::OK, headers, axum::body::Body::from(bytes)).into_response()
}

fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_odd_paths_are_refused() {
        for path in [
            "../../etc/passwd",
            "..%2f..%2fetc%2fpasswd",
            "%2e%2e/%2e%2e/etc/passwd",
            "assets/..%5c..%5cCargo.toml",
            "./index.html",
            "deposits/%00",
            "%ff",
        ] {
            assert_eq!(resolve(path), Resolved::NotFound, "{path}");
        }
    }

    #[test]
    fn config_is_the_local_one() {
        assert_eq!(resolve("config.json"), Resolved::LocalConfig);
    }

    #[test]
    fn unknown_files_are_404_and_routes_fall_back() {
        assert_eq!(resolve("assets/missing.js"), Resolved::NotFound);
        assert_eq!(resolve("favicon-missing.png"), Resolved::NotFound);
        let route = resolve("deposits/new");
        let index = resolve("");
        assert_eq!(route, index);
        assert!(matches!(
            index,
            Resolved::File("index.html", _) | Resolved::NotBuilt
        ));
    }

    #[test]
    fn cache_policy_follows_hashing() {
        let hashed = file("assets/index-abc123.js", b"");
        assert_eq!(hashed.headers()[CACHE_CONTROL], IMMUTABLE);
        let index = file("index.html", b"");
        assert_eq!(index.headers()[CACHE_CONTROL], NO_CACHE);
        assert_eq!(index.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    }
}
