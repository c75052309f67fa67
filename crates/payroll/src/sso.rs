//! The SSO JWT that opens the oauth exchange: HS256, signed with the API secret.
//!
//! Hand-rolled on `hmac` + `sha2` + `base64`: one fixed algorithm and six claims do not need
//! a JWT library (and its crypto backend choice) in every Lambda that talks to payroll.
//! Verification lives here too so that the simulator checks exactly what the client signs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{PayrollError, Step};

type HmacSha256 = Hmac<Sha256>;

/// The fixed JOSE header: `{"alg":"HS256","typ":"JWT"}`.
const HEADER_B64: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// Claims of the SSO token, as the payroll suite expects them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoClaims {
    /// The API key.
    pub iss: String,
    /// The application id.
    pub sub: String,
    /// The tenant the token is for.
    #[serde(rename = "tenantId")]
    pub tenant_id: String,
    /// A random id, so no two tokens are alike (replay detection on the suite's side).
    pub jti: String,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Expires at, seconds since the epoch.
    pub exp: u64,
}

impl SsoClaims {
    /// Claims for `tenant_id`, valid from now for `ttl`, with a fresh random `jti`.
    ///
    /// # Errors
    /// [`PayrollError::Sso`] when the OS random source fails.
    pub fn new(
        api_key: &str,
        application_id: &str,
        tenant_id: &str,
        ttl: Duration,
    ) -> Result<Self, PayrollError> {
        let mut jti = [0u8; 16];
        OsRng
            .try_fill_bytes(&mut jti)
            .map_err(|_| PayrollError::Sso {
                step: Step::SsoToken,
                reason: "random source unavailable",
            })?;
        let iat = unix_now();
        Ok(Self {
            iss: api_key.to_owned(),
            sub: application_id.to_owned(),
            tenant_id: tenant_id.to_owned(),
            jti: hex::encode(jti),
            iat,
            exp: iat.saturating_add(ttl.as_secs().max(1)),
        })
    }
}

/// Signs `claims` with `secret` (HS256) into a compact JWT.
///
/// # Errors
/// [`PayrollError::Sso`] when the claims cannot be serialised (not expected).
pub fn sign(claims: &SsoClaims, secret: &[u8]) -> Result<String, PayrollError> {
    let payload = serde_json::to_vec(claims).map_err(|_| PayrollError::Sso {
        step: Step::SsoToken,
        reason: "claims not serialisable",
    })?;
    let mut token = String::with_capacity(HEADER_B64.len() + payload.len() * 2 + 48);
    token.push_str(HEADER_B64);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
    let signature = mac(secret, token.as_bytes()).finalize().into_bytes();
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    Ok(token)
}

/// Verifies an HS256 JWT against `secret` and returns its claims, or a fixed reason.
///
/// Checks the header's `alg` (only HS256: no `none`, no algorithm confusion) and the
/// signature in constant time. Expiry and issuer are the caller's policy; see
/// [`SsoClaims::exp`].
///
/// # Errors
/// A short reason phrase for logs and the simulator's error body.
pub fn verify(token: &str, secret: &[u8]) -> Result<SsoClaims, &'static str> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a compact JWT");
    };
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or("malformed header")?;
    if header.get("alg").and_then(serde_json::Value::as_str) != Some("HS256") {
        return Err("algorithm is not HS256");
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "malformed signature")?;
    let signed_len = token.len() - signature_len(token);
    mac(secret, &token.as_bytes()[..signed_len])
        .verify_slice(&signature)
        .map_err(|_| "bad signature")?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| "malformed payload")?;
    serde_json::from_slice(&payload).map_err(|_| "malformed claims")
}

/// Length of `.signature` at the end of a token known to have three parts.
fn signature_len(token: &str) -> usize {
    token.rfind('.').map_or(0, |i| token.len() - i)
}

fn mac(secret: &[u8], data: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this constructor cannot fail; fall back to an
    // empty-key MAC rather than panic should that ever change.
    let mut mac = HmacSha256::new_from_slice(secret)
        .unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()));
    mac.update(data);
    mac
}

/// Seconds since the Unix epoch (0 for a clock before 1970).
#[must_use]
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> SsoClaims {
        SsoClaims::new("key-1", "app-1", "tenant-1", Duration::from_secs(60)).unwrap()
    }

    #[test]
    fn round_trip() {
        let c = claims();
        let token = sign(&c, b"secret").unwrap();
        assert!(token.starts_with(HEADER_B64));
        assert_eq!(verify(&token, b"secret").unwrap(), c);
        assert_eq!(c.exp - c.iat, 60);
        assert_eq!(c.jti.len(), 32);
        assert_ne!(claims().jti, c.jti);
    }

    #[test]
    fn known_vector() {
        // Expected token computed independently with Python's hmac/hashlib.
        let c = SsoClaims {
            iss: "k".into(),
            sub: "a".into(),
            tenant_id: "t".into(),
            jti: "j".into(),
            iat: 1,
            exp: 2,
        };
        let token = sign(&c, b"s").unwrap();
        assert_eq!(
            token,
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
             eyJpc3MiOiJrIiwic3ViIjoiYSIsInRlbmFudElkIjoidCIsImp0aSI6ImoiLCJpYXQiOjEsImV4cCI6Mn0.\
             leWcgEbcQe85FUGya-OrzSsv97y8fhPSaIrapcNFH18"
        );
        assert_eq!(verify(&token, b"s").unwrap(), c);
    }

    #[test]
    fn rejects_tampering_and_wrong_key() {
        let token = sign(&claims(), b"secret").unwrap();
        assert_eq!(verify(&token, b"other"), Err("bad signature"));
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD
            .encode(r#"{"iss":"x","sub":"a","tenantId":"t","jti":"j","iat":1,"exp":2}"#);
        parts[1] = &forged;
        assert_eq!(verify(&parts.join("."), b"secret"), Err("bad signature"));
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
        parts[0] = &none_header;
        assert_eq!(
            verify(&parts.join("."), b"secret"),
            Err("algorithm is not HS256")
        );
        assert_eq!(verify("a.b", b"secret"), Err("not a compact JWT"));
        assert_eq!(verify("a.b.c.d", b"secret"), Err("not a compact JWT"));
    }
}
