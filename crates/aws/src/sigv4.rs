//! AWS Signature Version 4 for the POSTs of [`crate::aws_http`] (JSON 1.1 and Lambda Invoke).
//!
//! Only what those requests need: one method (`POST`), a path without a query, a few headers
//! and a body in memory. Written here instead of linking the SDK's signer so that no Lambda
//! carries the SDK (see `aws_json`). Checked against the SDK's own signer (`aws-sigv4`, a
//! dev-dependency only) in this module's tests, including a Lambda path with an encoded ARN.

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

type HmacSha256 = Hmac<Sha256>;

/// Static credentials (Lambda hands them to every container in its environment).
#[derive(Clone)]
pub(crate) struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// A request to sign: everything that enters the signature.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub host: &'a str,
    /// The path as sent: already percent-encoded, without a query.
    pub path: &'a str,
    /// Lower-case names, besides `host` and the `x-amz-date` / `x-amz-security-token` that
    /// signing adds; all are signed.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// Where the signature is valid: the region and the service's signing name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub region: &'a str,
    pub service: &'a str,
}

/// The headers to add to the request: `x-amz-date`, `x-amz-security-token` (if any) and
/// `authorization`.
#[derive(Debug)]
pub(crate) struct Signed {
    pub amz_date: String,
    pub security_token: Option<String>,
    pub authorization: String,
}

/// Signs `request` at `time`.
pub(crate) fn sign(
    request: &Request<'_>,
    scope: Scope<'_>,
    credentials: &Credentials,
    time: SystemTime,
) -> Signed {
    let amz_date = amz_date(time);
    let day = &amz_date[..8];
    let token = credentials.session_token.as_deref();

    // Header names lower-case and sorted, values trimmed (ours never hold runs of spaces).
    let mut headers = vec![("host", request.host), ("x-amz-date", amz_date.as_str())];
    headers.extend_from_slice(request.headers);
    if let Some(token) = token {
        headers.push(("x-amz-security-token", token));
    }
    headers.sort_unstable_by_key(|(name, _)| *name);
    let signed_headers = headers
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(";");
    let mut canonical = format!("POST\n{}\n\n", canonical_uri(request.path));
    for (name, value) in &headers {
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(value.trim());
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&signed_headers);
    canonical.push('\n');
    canonical.push_str(&hex::encode(Sha256::digest(request.body)));

    let credential_scope = format!("{day}/{}/{}/aws4_request", scope.region, scope.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{credential_scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = signing_key(&credentials.secret_access_key, day, scope);
    let signature = hex::encode(*hmac(&key[..], string_to_sign.as_bytes()));
    Signed {
        authorization: format!(
            "AWS4-HMAC-SHA256 Credential={}/{credential_scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key_id
        ),
        security_token: token.map(str::to_owned),
        amz_date,
    }
}

/// Every service but S3 signs the path encoded once more, segment by segment: an ARN sent as
/// `arn%3Aaws%3A…` is signed as `arn%253Aaws%253A…` (what `aws-sigv4`'s default mode does).
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The day's key: HMAC chain over date, region, service, "aws4_request". It is as powerful as
/// the secret key for that day, region and service, so it is wiped after use.
fn signing_key(secret: &str, day: &str, scope: Scope<'_>) -> Zeroizing<[u8; 32]> {
    let seed = Zeroizing::new(format!("AWS4{secret}"));
    let k_date = hmac(seed.as_bytes(), day.as_bytes());
    let k_region = hmac(&k_date[..], scope.region.as_bytes());
    let k_service = hmac(&k_region[..], scope.service.as_bytes());
    hmac(&k_service[..], b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Zeroizing<[u8; 32]> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(data);
    Zeroizing::new(mac.finalize().into_bytes().into())
}

/// `YYYYMMDDTHHMMSSZ` in UTC. A clock before 1970 signs as 1970 (AWS then rejects the request
/// as skewed, which names the real problem).
pub(crate) fn amz_date(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let (year, month, day) = civil_from_days(secs / 86_400);
    let of_day = secs % 86_400;
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (Howard
/// Hinnant's `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn amz_date_is_utc_calendar_time() {
        let at = |secs| amz_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "19700101T000000Z");
        assert_eq!(at(1_440_938_160), "20150830T123600Z");
        assert_eq!(at(951_782_400), "20000229T000000Z");
        assert_eq!(at(4_107_542_399), "21000228T235959Z");
        assert_eq!(at(1_795_824_000), "20261128T000000Z");
    }

    const LAMBDA_ARN_PATH: &str = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-2%3A\
        123456789012%3Afunction%3Acredential-decryptor%3A%24LATEST/invocations";

    /// Service signing name, path as sent, headers besides `host`, session token.
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, Option<&'a str>);

    /// The SDK's own signer, given the same request, time and credentials, must produce the
    /// same signature: with and without a session token, for each service we call, including
    /// Lambda's path with a percent-encoded ARN (which SigV4 encodes a second time).
    #[test]
    fn signature_matches_the_sdk_signer() {
        let time = UNIX_EPOCH + Duration::from_secs(1_795_860_123);
        let json = "application/x-amz-json-1.1";
        let cases: [Case<'_>; 4] = [
            (
                "kms",
                "/",
                vec![
                    ("content-type", json),
                    ("x-amz-target", "TrentService.Decrypt"),
                ],
                None,
            ),
            (
                "secretsmanager",
                "/",
                vec![
                    ("content-type", json),
                    ("x-amz-target", "secretsmanager.GetSecretValue"),
                ],
                Some("FQoGZXIvYXdzEXAMPLETOKEN+/="),
            ),
            (
                "lambda",
                LAMBDA_ARN_PATH,
                vec![
                    ("content-type", "application/octet-stream"),
                    ("x-amz-invocation-type", "RequestResponse"),
                ],
                Some("FQoGZXIvYXdzEXAMPLETOKEN+/="),
            ),
            (
                "lambda",
                "/2015-03-31/functions/credential-decryptor/invocations",
                vec![
                    ("content-type", "application/octet-stream"),
                    ("x-amz-invocation-type", "RequestResponse"),
                ],
                None,
            ),
        ];
        for (service, path, headers, token) in cases {
            let credentials = Credentials {
                access_key_id: "AKIDEXAMPLE".to_owned(),
                secret_access_key: Zeroizing::new(
                    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_owned(),
                ),
                session_token: token.map(str::to_owned),
            };
            let body = br#"{"SecretId":"dd/decrypt-key"}"#;
            let request = Request {
                host: "127.0.0.1:4566",
                path,
                headers: &headers,
                body,
            };
            let scope = Scope {
                region: "eu-west-2",
                service,
            };
            let ours = sign(&request, scope, &credentials, time);

            let identity = aws_credential_types::Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                token.map(str::to_owned),
                None,
                "test",
            )
            .into();
            let params = aws_sigv4::sign::v4::SigningParams::builder()
                .identity(&identity)
                .region("eu-west-2")
                .name(service)
                .time(time)
                .settings(aws_sigv4::http_request::SigningSettings::default())
                .build()
                .unwrap()
                .into();
            let mut their_headers = headers.clone();
            their_headers.push(("host", "127.0.0.1:4566"));
            let uri = format!("http://127.0.0.1:4566{path}");
            let signable = aws_sigv4::http_request::SignableRequest::new(
                "POST",
                &uri,
                their_headers.into_iter(),
                aws_sigv4::http_request::SignableBody::Bytes(body),
            )
            .unwrap();
            let (_, theirs) = aws_sigv4::http_request::sign(signable, &params)
                .unwrap()
                .into_parts();
            assert!(
                ours.authorization.ends_with(&format!("Signature={theirs}")),
                "{service} {path}: ours {} vs the SDK's {theirs}",
                ours.authorization
            );
            assert_eq!(ours.amz_date, amz_date(time));
            assert_eq!(ours.security_token.as_deref(), token);
        }
    }

    #[test]
    fn the_canonical_path_encodes_the_sent_path_once_more() {
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(
            canonical_uri("/2015-03-31/functions/a%3Ab/invocations"),
            "/2015-03-31/functions/a%253Ab/invocations"
        );
    }

    #[test]
    fn debug_never_shows_the_secret_key() {
        let credentials = Credentials {
            access_key_id: "AKIDEXAMPLE".to_owned(),
            secret_access_key: Zeroizing::new("wJalrXUtnFEMI-SECRET".to_owned()),
            session_token: Some("TOKEN-SECRET".to_owned()),
        };
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
