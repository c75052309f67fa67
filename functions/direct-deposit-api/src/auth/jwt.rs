//! Bearer JWT verification: HS256 with a configured secret, RS256 with keys from a JWKS
//! document. Signatures are checked with RustCrypto (`hmac`, `rsa`); this file only splits
//! the compact form and decides which key applies.
//!
//! The algorithm is taken from the configured keys, never trusted from the token alone:
//! `alg: none` and an HS256 token signed with an RSA public key (the classic confusion) are
//! both refused, because each algorithm only ever sees its own kind of key.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier as _;
use rsa::{BigUint, RsaPublicKey};
use secrecy::{ExposeSecret, SecretSlice};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Longest token accepted: far above any real one, and it bounds the work per request.
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Clock skew tolerated on `exp`.
const LEEWAY_SECS: u64 = 30;

/// The claims the API reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    /// The user's account: tenant and e-mail.
    pub account: AccountClaim,
    /// The application the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// Space-separated scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
}

/// `account` of [`Claims`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountClaim {
    /// The tenant the user belongs to.
    pub tenant_id: String,
    /// The user's e-mail (matched case-insensitively against the users table).
    pub email: String,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// One RSA verification key from a JWKS document.
#[derive(Debug, Clone)]
struct RsaKey {
    kid: Option<String>,
    key: VerifyingKey<Sha256>,
}

/// The keys tokens are checked against, and the issuer / audience they must name.
pub struct Verifier {
    hs256: Option<SecretSlice<u8>>,
    rs256: Vec<RsaKey>,
    issuer: Option<String>,
    audience: Option<String>,
}

/// The registered claims checked when configured (`aud` may be a string or a list).
#[derive(Deserialize)]
struct Registered {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    aud: Option<Audience>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, wanted: &str) -> bool {
        match self {
            Self::One(a) => a == wanted,
            Self::Many(list) => list.iter().any(|a| a == wanted),
        }
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("hs256", &self.hs256.as_ref().map(|_| "<redacted>"))
            .field("rs256_keys", &self.rs256.len())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

/// Why a JWKS document was refused (configuration time, not per request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwksError(pub &'static str);

impl Verifier {
    /// A verifier with an HS256 secret, RS256 keys, or both.
    #[must_use]
    pub fn new(hs256_secret: Option<SecretSlice<u8>>) -> Self {
        Self {
            hs256: hs256_secret,
            rs256: Vec::new(),
            issuer: None,
            audience: None,
        }
    }

    /// Requires tokens to carry `iss` equal to `issuer` (the SSO's issuer).
    #[must_use]
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Requires tokens to carry `aud` equal to (or, as a list, containing) `audience`.
    #[must_use]
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Adds the RSA keys of a JWKS document (`{"keys":[{"kty":"RSA","n","e",…}]}`); keys of
    /// other types or uses are skipped.
    ///
    /// # Errors
    /// [`JwksError`] when the JSON is not a JWKS or an RSA key is malformed.
    pub fn with_jwks(mut self, jwks_json: &str) -> Result<Self, JwksError> {
        #[derive(Deserialize)]
        struct Jwks {
            keys: Vec<Jwk>,
        }
        #[derive(Deserialize)]
        struct Jwk {
            kty: String,
            #[serde(default)]
            kid: Option<String>,
            #[serde(default, rename = "use")]
            use_: Option<String>,
            #[serde(default)]
            alg: Option<String>,
            #[serde(default)]
            n: Option<String>,
            #[serde(default)]
            e: Option<String>,
        }
        let jwks: Jwks =
            serde_json::from_str(jwks_json).map_err(|_| JwksError("not a JWKS document"))?;
        for jwk in jwks.keys {
            let usable = jwk.kty == "RSA"
                && jwk.use_.as_deref().is_none_or(|u| u == "sig")
                && jwk.alg.as_deref().is_none_or(|a| a == "RS256");
            if !usable {
                continue;
            }
            let (Some(n), Some(e)) = (jwk.n, jwk.e) else {
                return Err(JwksError("RSA key without n or e"));
            };
            let decode = |s: &str| {
                URL_SAFE_NO_PAD
                    .decode(s.trim_end_matches('='))
                    .map_err(|_| JwksError("RSA key with bad base64url"))
            };
            let public = RsaPublicKey::new(
                BigUint::from_bytes_be(&decode(&n)?),
                BigUint::from_bytes_be(&decode(&e)?),
            )
            .map_err(|_| JwksError("invalid RSA public key"))?;
            self.rs256.push(RsaKey {
                kid: jwk.kid,
                key: VerifyingKey::new(public),
            });
        }
        Ok(self)
    }

    /// Whether any key is configured.
    #[must_use]
    pub fn has_keys(&self) -> bool {
        self.hs256.is_some() || !self.rs256.is_empty()
    }

    /// Verifies `token` and returns its claims.
    ///
    /// # Errors
    /// A fixed reason (never the token): malformed, unsupported algorithm, bad signature,
    /// expired, missing claims.
    pub fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        if token.len() > MAX_TOKEN_LEN {
            return Err("token too long");
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("malformed token");
        };
        let header: Header = decode_json(h)?;
        let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| "malformed token")?;
        let signed = &token[..h.len() + 1 + p.len()];
        match header.alg.as_str() {
            "HS256" => self.check_hs256(signed.as_bytes(), &signature)?,
            "RS256" => self.check_rs256(header.kid.as_deref(), signed.as_bytes(), &signature)?,
            _ => return Err("unsupported algorithm"),
        }
        let claims: Claims = decode_json(p)?;
        if claims.exp.saturating_add(LEEWAY_SECS) < unix_now() {
            return Err("token expired");
        }
        if self.issuer.is_some() || self.audience.is_some() {
            let registered: Registered = decode_json(p)?;
            if let Some(issuer) = &self.issuer
                && registered.iss.as_deref() != Some(issuer.as_str())
            {
                return Err("wrong issuer");
            }
            if let Some(audience) = &self.audience
                && !registered.aud.is_some_and(|a| a.contains(audience))
            {
                return Err("wrong audience");
            }
        }
        if claims.account.tenant_id.is_empty() || claims.account.email.is_empty() {
            return Err("token lacks account claims");
        }
        Ok(claims)
    }

    fn check_hs256(&self, signed: &[u8], signature: &[u8]) -> Result<(), &'static str> {
        let secret = self.hs256.as_ref().ok_or("unsupported algorithm")?;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret())
            .map_err(|_| "unsupported algorithm")?;
        mac.update(signed);
        // `verify_slice` compares in constant time.
        mac.verify_slice(signature).map_err(|_| "bad signature")
    }

    fn check_rs256(
        &self,
        kid: Option<&str>,
        signed: &[u8],
        signature: &[u8],
    ) -> Result<(), &'static str> {
        if self.rs256.is_empty() {
            return Err("unsupported algorithm");
        }
        let signature = Signature::try_from(signature).map_err(|_| "bad signature")?;
        // With a kid, only that key; without, any configured key (single-key setups).
        let verified = self
            .rs256
            .iter()
            .filter(|k| kid.is_none() || k.kid.as_deref() == kid)
            .any(|k| k.key.verify(signed, &signature).is_ok());
        if verified {
            Ok(())
        } else {
            Err("bad signature")
        }
    }
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, &'static str> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| "malformed token")?;
    serde_json::from_slice(&bytes).map_err(|_| "malformed token claims")
}

/// Signs `claims` as an HS256 JWT: what `ddctl token` and the tests hand out.
///
/// # Errors
/// Only when `secret` cannot key HMAC (never for HMAC-SHA256) or the claims do not
/// serialize.
pub fn sign_hs256(claims: &Claims, secret: &[u8]) -> Result<String, &'static str> {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload =
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).map_err(|_| "claims not serializable")?);
    let signed = format!("{header}.{payload}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| "bad key")?;
    mac.update(signed.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{signed}.{signature}"))
}

/// Seconds since the Unix epoch.
#[must_use]
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
#[path = "jwt_tests.rs"]
mod tests;
