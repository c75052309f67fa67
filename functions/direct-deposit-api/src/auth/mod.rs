//! Who is calling, and what they may touch (docs/architecture.md §2.4, §5).
//!
//! 1. The Bearer token must verify ([`jwt::Verifier`]): else 401 / code 10.
//! 2. Its tenant must be the path's tenant: else 401 / code 11, before any data is read, so
//!    a token of tenant A learns nothing about tenant B (not even whether it exists).
//! 3. The tenant must exist (404 / code 50), and the token's e-mail must be a user of it
//!    (401 / code 11). The user row gives the role and the employee link; it is remembered
//!    for a moment ([`users::UserCache`], 2 s) so a burst of requests costs one lookup.
//! 4. An employee may only address their own employee path (401 / code 11); an HR admin any
//!    employee of the tenant (404 / code 50 when there is no such employee).

pub mod jwt;
pub mod users;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use dd_storage::{Actor, EmployeeKey, Role, Store};

use self::users::UserCache;
use crate::error::ApiError;
use crate::paths::EmployeePath;

/// An authenticated caller, resolved against the users table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user's id.
    pub user_id: i64,
    /// The user's e-mail (lower-case, as stored).
    pub email: String,
    /// What the user may do.
    pub role: Role,
    /// Company of the employee the user is, if any.
    pub company: Option<i64>,
    /// The employee the user is, if any.
    pub employee: Option<i64>,
}

impl Principal {
    /// The actor recorded in audit rows.
    #[must_use]
    pub fn actor(&self) -> Actor {
        Actor::user(self.user_id, &self.email)
    }

    /// Idempotency keys are scoped per caller.
    #[must_use]
    pub fn idempotency_principal(&self) -> String {
        format!("user:{}", self.user_id)
    }

    /// Whether account numbers are shown masked to this caller.
    #[must_use]
    pub const fn sees_masked(&self) -> bool {
        matches!(self.role, Role::Employee)
    }
}

/// Step 1: the verified claims of the request's Bearer token.
///
/// # Errors
/// [`ApiError::Unauthenticated`] for a missing, malformed, expired or badly signed token.
pub fn authenticate(
    verifier: &jwt::Verifier,
    headers: &HeaderMap,
) -> Result<jwt::Claims, ApiError> {
    let value = headers
        .get(AUTHORIZATION)
        .ok_or(ApiError::Unauthenticated("missing Authorization header"))?
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("malformed Authorization header"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated("expected a Bearer token"))?;
    verifier.verify(token).map_err(|reason| {
        tracing::info!(reason, "token refused");
        ApiError::Unauthenticated("invalid or expired token")
    })
}

/// Steps 2–3: the token's user in the path's `tenant`.
///
/// # Errors
/// [`ApiError::Unauthorized`], or [`ApiError::Unexpected`] when the database fails.
pub async fn authorize_tenant(
    store: &Store,
    users: &UserCache,
    claims: &jwt::Claims,
    tenant: &str,
) -> Result<Principal, ApiError> {
    if claims.account.tenant_id != tenant {
        return Err(ApiError::Unauthorized("token is not valid for this tenant"));
    }
    // An unknown tenant has no users: the same 401 as an unknown user, so a token cannot
    // tell which tenants exist.
    let user = users
        .find(store, tenant, &claims.account.email)
        .await?
        .ok_or(ApiError::Unauthorized("user is not known in this tenant"))?;
    Ok(Principal {
        user_id: user.id,
        email: user.email,
        role: user.role,
        company: user.company_id,
        employee: user.employee_id,
    })
}

/// Steps 2–4 for a request on `path`.
///
/// # Errors
/// As [`authorize_tenant`]; [`ApiError::Unauthorized`] for another employee's path,
/// [`ApiError::NotFound`] for an admin's unknown employee.
pub async fn authorize(
    store: &Store,
    users: &UserCache,
    claims: &jwt::Claims,
    path: &EmployeePath,
) -> Result<Principal, ApiError> {
    let principal = authorize_tenant(store, users, claims, &path.tenant).await?;
    match principal.role {
        Role::Employee => {
            if principal.company != Some(path.company) || principal.employee != Some(path.employee)
            {
                return Err(ApiError::Unauthorized(
                    "employees may only access their own direct deposits",
                ));
            }
        }
        Role::Admin => {
            let key = EmployeeKey::new(&path.tenant, path.company, path.employee);
            if !store.employee_exists(key).await? {
                return Err(ApiError::NotFound("employee"));
            }
        }
    }
    Ok(principal)
}

/// Approvals, the pending list and reveals are for HR admins only.
///
/// # Errors
/// [`ApiError::Unauthorized`] for any other role, saying what needs an HR admin.
pub fn require_admin(principal: &Principal, action: &'static str) -> Result<(), ApiError> {
    match principal.role {
        Role::Admin => Ok(()),
        Role::Employee => Err(ApiError::Unauthorized(action)),
    }
}
