//! The payroll-suite client: SSO JWT → oauth access token → tenant subdomain → E/D calls.

use core::fmt;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::{EmployeeRef, IdempotencyKey, PayrollConfig, TenantCredentials};
use crate::endpoint::{Endpoint, check_id};
use crate::error::{PayrollError, Step};
use crate::mapping::{DirectDepositEd, EdDate, EdRecord, EdWire};
use crate::session::{Session, SessionCache};
use crate::sso::{self, SsoClaims};

/// Header carrying the caller's idempotency key on every mutating call.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// Used when the token response has no `expires_in`: short, so a wrong guess costs little.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

/// Client of one payroll suite, shared by all tenants (it caches one session per tenant).
///
/// Cheap to share behind an `Arc`; every call has the configured timeouts. `Debug` shows
/// the endpoint and ids only.
pub struct PayrollClient {
    http: reqwest::Client,
    base: Endpoint,
    config: PayrollConfig,
    sessions: SessionCache,
}

impl fmt::Debug for PayrollClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayrollClient")
            .field("base_url", &self.base.as_str())
            .field("api_key", &self.config.api_key)
            .field("application_id", &self.config.application_id)
            .field("request_timeout", &self.config.request_timeout)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct PasswordGrant<'a> {
    grant_type: &'static str,
    username: &'a str,
    password: &'a str,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TenantResponse {
    subdomain: String,
}

impl PayrollClient {
    /// Builds the client.
    ///
    /// # Errors
    /// [`PayrollError::InvalidInput`] when `base_url` is not an absolute `https` URL (or
    /// `http` on a loopback host), or ids are empty, or the HTTP stack cannot start.
    pub fn new(config: PayrollConfig) -> Result<Self, PayrollError> {
        let base = Endpoint::parse(&config.base_url)?;
        if config.api_key.is_empty() || config.application_id.is_empty() {
            return Err(PayrollError::invalid_input(
                "api_key/application_id",
                "must not be empty",
            ));
        }
        install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            // Never follow a redirect with a bearer token or a request body full of secrets.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| PayrollError::invalid_input("http client", "cannot be built"))?;
        Ok(Self {
            http,
            base,
            config,
            sessions: SessionCache::default(),
        })
    }

    /// Reads one E/D.
    ///
    /// # Errors
    /// See [`PayrollError`]; the failing step is `oauth_token`, `tenant_lookup` or `ed_get`.
    pub async fn get_ed(
        &self,
        creds: &TenantCredentials,
        employee: &EmployeeRef,
        ed_id: &str,
    ) -> Result<EdRecord, PayrollError> {
        self.ed_call(creds, Step::EdGet, employee, Some(ed_id), None, None)
            .await
    }

    /// Creates the E/D of a newly approved deposit; returns it with the suite's id.
    ///
    /// # Errors
    /// See [`PayrollError`]; the failing step is `oauth_token`, `tenant_lookup` or
    /// `ed_create`.
    pub async fn create_ed(
        &self,
        creds: &TenantCredentials,
        employee: &EmployeeRef,
        deposit: &DirectDepositEd,
        key: &IdempotencyKey,
    ) -> Result<EdRecord, PayrollError> {
        let body = EdWire::from_deposit(deposit);
        self.ed_call(
            creds,
            Step::EdCreate,
            employee,
            None,
            Some(&body),
            Some(key),
        )
        .await
    }

    /// Replaces an E/D (amount type, amount, account, dates).
    ///
    /// # Errors
    /// See [`PayrollError`]; the failing step is `oauth_token`, `tenant_lookup` or `ed_put`.
    pub async fn update_ed(
        &self,
        creds: &TenantCredentials,
        employee: &EmployeeRef,
        ed_id: &str,
        deposit: &DirectDepositEd,
        key: &IdempotencyKey,
    ) -> Result<EdRecord, PayrollError> {
        let body = EdWire::from_deposit(deposit);
        self.ed_call(
            creds,
            Step::EdPut,
            employee,
            Some(ed_id),
            Some(&body),
            Some(key),
        )
        .await
    }

    /// End-dates the E/D of a deleted approved deposit: a PUT of `deposit` with
    /// `effectiveEndDate = end_date` (payroll history keeps the E/D).
    ///
    /// # Errors
    /// As [`PayrollClient::update_ed`].
    pub async fn end_date_ed(
        &self,
        creds: &TenantCredentials,
        employee: &EmployeeRef,
        ed_id: &str,
        deposit: &DirectDepositEd,
        end_date: EdDate,
        key: &IdempotencyKey,
    ) -> Result<EdRecord, PayrollError> {
        let mut ended = deposit.clone();
        ended.effective_end_date = Some(end_date);
        self.update_ed(creds, employee, ed_id, &ended, key).await
    }

    /// Forgets the tenant's cached access token (e.g. after its credential was rotated).
    pub async fn forget_session(&self, tenant_id: &str) {
        self.sessions.forget(tenant_id).await;
    }

    /// One E/D call; on a 401 (token revoked or expired early) the session is renewed and
    /// the call made once more: safe for mutations, which carry the same idempotency key.
    async fn ed_call(
        &self,
        creds: &TenantCredentials,
        step: Step,
        employee: &EmployeeRef,
        ed_id: Option<&str>,
        body: Option<&EdWire>,
        key: Option<&IdempotencyKey>,
    ) -> Result<EdRecord, PayrollError> {
        let method = match step {
            Step::EdCreate => Method::POST,
            Step::EdPut => Method::PUT,
            _ => Method::GET,
        };
        let mut renewed = false;
        loop {
            let session = self.session(creds).await?;
            let mut segments = vec![
                "v3",
                "api",
                "bureaus",
                session.subdomain.as_str(),
                "clients",
                employee.client_id.as_str(),
                "companies",
                employee.company_id.as_str(),
                "employees",
                employee.employee_id.as_str(),
                "eds",
            ];
            segments.extend(ed_id);
            let url = self.url(&segments)?;
            let mut request = self
                .http
                .request(method.clone(), url)
                .bearer_auth(session.access_token.expose_secret());
            if let Some(key) = key {
                request = request.header(IDEMPOTENCY_KEY_HEADER, key.as_str());
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let started = Instant::now();
            let response = request
                .send()
                .await
                .map_err(|e| self.failed(creds, PayrollError::transport(step, e)))?;
            if response.status() == StatusCode::UNAUTHORIZED && !renewed {
                tracing::info!(step = %step, tenant = %creds.tenant_id, "payroll token refused; renewing once");
                self.sessions
                    .invalidate(&creds.tenant_id, &session.access_token)
                    .await;
                renewed = true;
                continue;
            }
            let bytes = self.success_body(creds, step, response, started).await?;
            let wire: EdWire = serde_json::from_slice(&bytes).map_err(|_| {
                self.failed(creds, PayrollError::invalid_response(step, "not an E/D"))
            })?;
            let id = match (wire.id.clone(), ed_id) {
                (Some(id), _) => id,
                (None, Some(id)) => id.to_owned(),
                (None, None) => {
                    return Err(self.failed(
                        creds,
                        PayrollError::invalid_response(step, "created E/D has no id"),
                    ));
                }
            };
            let deposit = wire.to_deposit().map_err(|reason| {
                self.failed(creds, PayrollError::invalid_response(step, reason))
            })?;
            return Ok(EdRecord { id, deposit });
        }
    }

    /// The tenant's session, from the cache or freshly opened (at most one exchange at a
    /// time per tenant; nothing is cached on failure).
    async fn session(&self, creds: &TenantCredentials) -> Result<Session, PayrollError> {
        let slot = self.sessions.slot(&creds.tenant_id);
        let mut cached = slot.lock().await;
        if let Some(session) = cached.as_ref().filter(|s| s.is_fresh()) {
            return Ok(session.clone());
        }
        let session = self.open_session(creds).await?;
        *cached = Some(session.clone());
        Ok(session)
    }

    async fn open_session(&self, creds: &TenantCredentials) -> Result<Session, PayrollError> {
        check_id("tenant id", &creds.tenant_id)?;
        let claims = SsoClaims::new(
            &self.config.api_key,
            &self.config.application_id,
            &creds.tenant_id,
            self.config.sso_token_ttl,
        )?;
        let sso_jwt = sso::sign(&claims, self.config.api_secret.expose_secret().as_bytes())?;

        let step = Step::OauthToken;
        let url = self.url(&["identity", "tenants", &creds.tenant_id, "oauth", "token"])?;
        let started = Instant::now();
        let response = self
            .http
            .post(url)
            .bearer_auth(&sso_jwt)
            .json(&PasswordGrant {
                grant_type: "password",
                username: &creds.username,
                password: creds.password.expose_secret(),
            })
            .send()
            .await
            .map_err(|e| self.failed(creds, PayrollError::transport(step, e)))?;
        let bytes = self.success_body(creds, step, response, started).await?;
        let token: TokenResponse = serde_json::from_slice(&bytes).map_err(|_| {
            self.failed(
                creds,
                PayrollError::invalid_response(step, "no access_token"),
            )
        })?;
        let lifetime = token
            .expires_in
            .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);

        let step = Step::TenantLookup;
        let url = self.url(&["identity", "tenants", &creds.tenant_id])?;
        let started = Instant::now();
        let response = self
            .http
            .get(url)
            .bearer_auth(token.access_token.expose_secret())
            .send()
            .await
            .map_err(|e| self.failed(creds, PayrollError::transport(step, e)))?;
        let bytes = self.success_body(creds, step, response, started).await?;
        let tenant: TenantResponse = serde_json::from_slice(&bytes).map_err(|_| {
            self.failed(creds, PayrollError::invalid_response(step, "no subdomain"))
        })?;
        check_id("subdomain", &tenant.subdomain).map_err(|_| {
            self.failed(creds, PayrollError::invalid_response(step, "bad subdomain"))
        })?;

        Ok(Session::new(
            token.access_token,
            tenant.subdomain,
            lifetime,
            self.config.token_refresh_margin,
        ))
    }

    /// The body of a 2xx response, or the typed error for any other status.
    async fn success_body(
        &self,
        creds: &TenantCredentials,
        step: Step,
        response: reqwest::Response,
        started: Instant,
    ) -> Result<Vec<u8>, PayrollError> {
        let status = response.status();
        // Reading the body is part of the call: a connection dropped mid-body is retryable.
        let body = response
            .bytes()
            .await
            .map_err(|e| self.failed(creds, PayrollError::transport(step, e)))?;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if status.is_success() {
            tracing::debug!(step = %step, tenant = %creds.tenant_id, status = status.as_u16(), elapsed_ms, "payroll call");
            return Ok(body.to_vec());
        }
        let status = status.as_u16();
        let err = if step == Step::OauthToken && matches!(status, 401 | 403) {
            PayrollError::CredentialsRejected { step, status }
        } else {
            PayrollError::Http {
                step,
                status,
                code: error_code(&body),
            }
        };
        Err(self.failed(creds, err))
    }

    /// Logs a failure once, with stable fields, and hands it back.
    fn failed(&self, creds: &TenantCredentials, err: PayrollError) -> PayrollError {
        tracing::warn!(
            step = err.step().map_or("input", |s| s.as_str()),
            tenant = %creds.tenant_id,
            status = err.status(),
            class = ?err.class(),
            error = %err,
            "payroll call failed"
        );
        err
    }

    fn url(&self, segments: &[&str]) -> Result<Url, PayrollError> {
        self.base.url(segments)
    }
}

/// A short code from an error body (`code` or `error`), only when it looks like an
/// identifier: free text could echo back what we sent.
fn error_code(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let code = v.get("code").or_else(|| v.get("error"))?.as_str()?;
    let looks_like_code = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    looks_like_code.then(|| code.to_owned())
}

/// Makes ring the process's rustls crypto provider, once; a no-op without the `rustls`
/// feature or when a provider is already installed.
///
/// reqwest is built without a provider of its own (aws-lc-rs would be a second crypto stack
/// next to the ring one of the AWS clients and sqlx), so it takes the process default, and
/// without one, building a `reqwest::Client` panics. [`PayrollClient::new`] calls this;
/// code building other reqwest clients in the same process (tests) calls it first too.
pub fn install_crypto_provider() {
    #[cfg(feature = "rustls")]
    {
        // `Err` only says a provider is installed already: only ring is in the build.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> PayrollConfig {
        PayrollConfig::new(url, "key", SecretString::from("s3cret"), "app")
    }

    #[test]
    fn rejects_plain_http_off_loopback_and_empty_ids() {
        assert!(PayrollClient::new(config("http://payroll.example.com")).is_err());
        let mut c = config("https://p.example.com");
        c.api_key = String::new();
        assert!(PayrollClient::new(c).is_err());
    }

    #[test]
    fn error_codes_only_when_code_like() {
        assert_eq!(
            error_code(br#"{"code":"invalid_grant"}"#).as_deref(),
            Some("invalid_grant")
        );
        assert_eq!(
            error_code(br#"{"error":"invalid_token"}"#).as_deref(),
            Some("invalid_token")
        );
        assert_eq!(error_code(br#"{"code":"account 123456789 is bad"}"#), None);
        assert_eq!(error_code(b"<html>"), None);
    }

    #[test]
    fn debug_has_no_secret() {
        let c = PayrollClient::new(config("https://p.example.com")).unwrap();
        let d = format!("{c:?}");
        assert!(d.contains("p.example.com"));
        assert!(!d.contains("s3cret"));
    }
}
