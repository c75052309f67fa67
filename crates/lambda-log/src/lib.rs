//! Logging for the Lambdas: JSON lines on stdout (CloudWatch), level from
//! `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` (a plain level name; no filter directives, which would
//! pull a regex engine into the cold start). The runtime's per-invocation span adds the
//! request id to every line. [`after_response`] writes a handler's summary line after its
//! response is posted, off the caller's wait.

use tracing_subscriber::filter::LevelFilter;

pub mod after_response;
pub use after_response::AfterResponse;

/// Installs the global subscriber. Call once, at the start of `main`.
///
/// TRACE is served as DEBUG: at TRACE `lambda_runtime` logs every raw event — a decrypt
/// `cipherText` or encrypt `plainText`, an API request's `Authorization` header and its body
/// with account numbers — none of which may ever reach the log.
pub fn init() {
    tracing_subscriber::fmt()
        .json()
        .with_max_level(level(
            std::env::var("AWS_LAMBDA_LOG_LEVEL")
                .or_else(|_| std::env::var("RUST_LOG"))
                .ok()
                .as_deref(),
        ))
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .init();
}

/// The level for a configured name: INFO when unset or unknown, never above DEBUG.
fn level(configured: Option<&str>) -> LevelFilter {
    configured
        .and_then(|name| name.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO)
        .min(LevelFilter::DEBUG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_is_capped_at_debug_and_unknown_names_mean_info() {
        assert_eq!(level(Some("trace")), LevelFilter::DEBUG);
        assert_eq!(level(Some("TRACE")), LevelFilter::DEBUG);
        assert_eq!(level(Some("debug")), LevelFilter::DEBUG);
        assert_eq!(level(Some("warn")), LevelFilter::WARN);
        assert_eq!(level(Some("off")), LevelFilter::OFF);
        assert_eq!(level(Some("chatty")), LevelFilter::INFO);
        assert_eq!(level(None), LevelFilter::INFO);
    }
}
