//! The local-only sign-in behind the web app's "Sign in" page under `ddctl serve` (never
//! mounted by the Lambda: in AWS the token comes from the HR product's single sign-on).
//!
//! - `GET /_local/demo-users`: the seeded demo users, one button each on the page.
//! - `POST /_local/sign-in` `{"email"}`: a token for that demo user, signed like
//!   `ddctl token` signs one (`{"token","expiresAt"}`). Only seeded users get one.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dd_storage::{DemoSeed, Role};
use serde_json::{Value, json};

use crate::data_dir::{DataDir, load_data_dir};
use crate::token::{DEFAULT_TTL_SECS, mint};

/// One demo user as the sign-in page lists them.
#[derive(Debug, Clone)]
struct DemoUser {
    email: String,
    role: Role,
    tenant_id: String,
    tenant_name: String,
    company_id: i64,
    employee_id: i64,
    name: String,
}

struct LocalSignIn {
    data: DataDir,
    users: Vec<DemoUser>,
}

/// The two routes, for the users of `seed`, signing with the secret of the data directory
/// at `data_dir`.
///
/// # Errors
/// When the data directory cannot be read.
pub fn router(data_dir: &Path, seed: &DemoSeed) -> anyhow::Result<Router> {
    let data = load_data_dir(data_dir).context("cannot read the data directory for sign-in")?;
    let state = Arc::new(LocalSignIn {
        data,
        users: users(seed),
    });
    Ok(Router::new()
        .route("/_local/demo-users", get(demo_users))
        .route("/_local/sign-in", post(sign_in))
        .with_state(state))
}

fn users(seed: &DemoSeed) -> Vec<DemoUser> {
    let mut out = Vec::new();
    for tenant in &seed.tenants {
        for company in &tenant.companies {
            for employee in &company.employees {
                out.push(DemoUser {
                    email: employee.email.clone(),
                    role: employee.role,
                    tenant_id: tenant.id.clone(),
                    tenant_name: tenant.name.clone(),
                    company_id: company.id,
                    employee_id: employee.id,
                    name: format!("{} {}", employee.first_name, employee.last_name),
                });
            }
        }
    }
    out
}

const fn role_name(role: Role) -> &'static str {
    match role {
        Role::Employee => "employee",
        Role::Admin => "admin",
    }
}

async fn demo_users(State(state): State<Arc<LocalSignIn>>) -> Response {
    let list: Vec<Value> = state
        .users
        .iter()
        .map(|u| {
            json!({
                "email": u.email,
                "role": role_name(u.role),
                "tenantId": u.tenant_id,
                "tenantName": u.tenant_name,
                "companyId": u.company_id,
                "employeeId": u.employee_id,
                "name": u.name,
            })
        })
        .collect();
    (StatusCode::OK, axum::Json(list)).into_response()
}

async fn sign_in(State(state): State<Arc<LocalSignIn>>, body: Bytes) -> Response {
    let email = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("email").and_then(Value::as_str).map(str::to_owned));
    let Some(email) = email else {
        return error(
            StatusCode::BAD_REQUEST,
            30,
            "body must be {\"email\": string}",
        );
    };
    let Some(user) = state
        .users
        .iter()
        .find(|u| u.email.eq_ignore_ascii_case(&email))
    else {
        return error(StatusCode::NOT_FOUND, 50, "no demo user with that e-mail");
    };
    let token = match mint(&state.data, &user.tenant_id, &user.email, DEFAULT_TTL_SECS) {
        Ok(token) => token,
        Err(err) => {
            tracing::error!(error = %err, "cannot sign a local token");
            return error(StatusCode::INTERNAL_SERVER_ERROR, 0, "cannot sign a token");
        }
    };
    tracing::info!(role = role_name(user.role), "local sign-in");
    let expires_at = expires_at(DEFAULT_TTL_SECS);
    let mut response = (
        StatusCode::OK,
        axum::Json(json!({"token": token, "expiresAt": expires_at})),
    )
        .into_response();
    // A token must never sit in a cache.
    response.headers_mut().insert(
        CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// RFC 3339 time `ttl_secs` from now.
fn expires_at(ttl_secs: u64) -> String {
    let now = time::OffsetDateTime::now_utc();
    let later = now + time::Duration::seconds(i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2));
    later
        .replace_nanosecond(0)
        .unwrap_or(later)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The API's error envelope, so the app reads one error shape everywhere.
fn error(status: StatusCode, code: u16, message: &str) -> Response {
    let body = json!({
        "statusCode": status.as_u16(),
        "code": code,
        "message": message,
        "developerMessage": message,
        "moreInfo": "",
    });
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seeded_user_is_listed_with_a_name() {
        let seed = DemoSeed::standard("http://127.0.0.1:1", &|_| String::new());
        let users = users(&seed);
        assert!(
            users
                .iter()
                .any(|u| u.email == "hr@acme.example" && u.role == Role::Admin)
        );
        assert!(users.iter().any(|u| u.email == "carol@globex.example"));
        assert!(users.iter().all(|u| !u.name.trim().is_empty()));
    }

    #[test]
    fn expiry_is_rfc3339() {
        let text = expires_at(60);
        assert!(text.ends_with('Z'), "{text}");
        assert!(
            time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
                .is_ok()
        );
    }
}
