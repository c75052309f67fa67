//! The SDK's rules for failed AWS calls, as `aws_http` applies them: which error codes are
//! throttling or transient (retried, with full-jitter backoff), and how an error's code is
//! read from a reply without ever keeping its message or body.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Error codes the SDK's standard retry policy treats as throttling or transient.
pub(crate) const RETRYABLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// The AWS error code from `x-amzn-ErrorType` (`Code:http://…`) or the body's `__type`
/// (`namespace#Code`), `code` or `Type`. Only the code is kept, never the message (a message
/// may echo a request value), and only characters a code has, so a reply cannot inject text.
pub(crate) fn error_code(header: Option<&str>, body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        #[serde(rename = "__type")]
        dunder_type: Option<String>,
        code: Option<String>,
        #[serde(rename = "Code")]
        upper_code: Option<String>,
        #[serde(rename = "Type")]
        upper_type: Option<String>,
    }
    let raw = header.map(str::to_owned).or_else(|| {
        let parsed = serde_json::from_slice::<ErrorBody>(body).ok()?;
        parsed
            .dunder_type
            .or(parsed.code)
            .or(parsed.upper_code)
            .or(parsed.upper_type)
    })?;
    let without_uri = raw.split(':').next().unwrap_or_default();
    sanitized_code(without_uri.rsplit('#').next().unwrap_or_default())
}

/// Only the characters an error code or kind has, at most 100: a reply cannot inject text.
pub(crate) fn sanitized_code(raw: &str) -> Option<String> {
    let clean: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(100)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

/// Full jitter: a uniform wait in `[0, 100 ms · 2^(attempt-1))`. The clock's nanoseconds are
/// random enough to spread retries; this is not a security decision.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let ceiling = FIRST_BACKOFF.saturating_mul(1 << (attempt - 1).min(4));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |now| now.subsec_nanos());
    let ceiling_nanos = u32::try_from(ceiling.as_nanos()).unwrap_or(u32::MAX);
    Duration::from_nanos(u64::from(nanos % ceiling_nanos.max(1)))
}

/// Every cause in the chain, so an operator sees "connection refused" or "UnknownIssuer";
/// none of them holds a request or reply body.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    std::iter::successors(Some(err), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_come_from_the_header_or_the_body_and_carry_no_message() {
        let code = |header, body: &[u8]| error_code(header, body);
        assert_eq!(
            code(
                Some("ResourceNotFoundException:http://internal.amazon.com/"),
                b""
            )
            .as_deref(),
            Some("ResourceNotFoundException")
        );
        assert_eq!(
            code(
                None,
                br#"{"__type":"com.amazonaws.kms#NotFoundException","message":"k 1"}"#
            )
            .as_deref(),
            Some("NotFoundException")
        );
        assert_eq!(
            code(
                None,
                br#"{"Type":"User","code":"TooManyRequestsException"}"#
            )
            .as_deref(),
            Some("TooManyRequestsException")
        );
        assert_eq!(
            code(None, br#"{"__type":"Bad\nCode <script>"}"#).as_deref(),
            Some("BadCodescript")
        );
        assert_eq!(code(None, b"<html>502</html>"), None);
    }

    #[test]
    fn backoff_stays_under_its_ceiling() {
        for attempt in 1..=3 {
            let ceiling = FIRST_BACKOFF * (1 << (attempt - 1));
            for _ in 0..50 {
                assert!(backoff(attempt) < ceiling);
            }
        }
    }
}
