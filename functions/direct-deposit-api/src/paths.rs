//! Path and query values: tenant ids, the legacy integer ids, and page tokens.
//!
//! The legacy API stored ids in SQL `int` columns, so an id is a positive integer that fits
//! `i32`; anything else (`abc`, `0`, `99999999999999999`) is a 400 / code 60, not a 404.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};

use crate::error::ApiError;

/// Longest tenant id accepted (UUIDs are 36).
const MAX_TENANT_LEN: usize = 64;

/// The employee a request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeePath {
    /// Tenant id.
    pub tenant: String,
    /// Company id.
    pub company: i64,
    /// Employee id.
    pub employee: i64,
}

impl EmployeePath {
    /// Parses the three path segments.
    ///
    /// # Errors
    /// [`ApiError::BadPathValue`] naming the bad segment.
    pub fn parse(tenant: &str, company: &str, employee: &str) -> Result<Self, ApiError> {
        Ok(Self {
            tenant: tenant_id(tenant)?,
            company: company_id(company)?,
            employee: parse_id(employee).ok_or(ApiError::BadPathValue(
                "employeeId must be a positive integer",
            ))?,
        })
    }
}

/// A tenant id from the path.
///
/// # Errors
/// [`ApiError::BadPathValue`].
pub fn tenant_id(raw: &str) -> Result<String, ApiError> {
    let ok = !raw.is_empty()
        && raw.len() <= MAX_TENANT_LEN
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::BadPathValue(
            "tenantId must be 1 to 64 letters, digits or dashes",
        ))
    }
}

/// A company id from the path.
///
/// # Errors
/// [`ApiError::BadPathValue`].
pub fn company_id(raw: &str) -> Result<i64, ApiError> {
    parse_id(raw).ok_or(ApiError::BadPathValue(
        "companyId must be a positive integer",
    ))
}

/// A deposit id from the path.
///
/// # Errors
/// [`ApiError::BadPathValue`].
pub fn deposit_id(raw: &str) -> Result<i64, ApiError> {
    parse_id(raw).ok_or(ApiError::BadPathValue(
        "directDepositId must be a positive integer",
    ))
}

/// A positive decimal integer within the legacy `int` range (1 to 2147483647), digits only.
fn parse_id(raw: &str) -> Option<i64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse::<i32>().ok().filter(|&v| v > 0).map(i64::from)
}

/// The 1-based page a `pageToken` names (base64 of the page number; absent → 1).
///
/// # Errors
/// [`ApiError::BadPathValue`] for a token that is not base64 of a positive integer.
pub fn page_from_token(token: Option<&str>) -> Result<u32, ApiError> {
    let Some(token) = token else { return Ok(1) };
    let bad = || ApiError::BadPathValue("pageToken must be base64 of a positive page number");
    let bytes = STANDARD
        .decode(token)
        .or_else(|_| URL_SAFE.decode(token))
        .map_err(|_| bad())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    text.parse::<u32>().ok().filter(|&p| p > 0).ok_or_else(bad)
}

/// The `pageToken` of `page`.
#[must_use]
pub fn page_token(page: u32) -> String {
    STANDARD.encode(page.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(deposit_id("1").unwrap(), 1);
        assert_eq!(deposit_id("2147483647").unwrap(), 2_147_483_647);
        for bad in [
            "abc",
            "0",
            "-1",
            "+1",
            "1.0",
            "",
            "2147483648",
            "99999999999999999",
        ] {
            assert_eq!(deposit_id(bad).unwrap_err().code(), 60, "{bad}");
        }
    }

    #[test]
    fn tenants() {
        assert!(EmployeePath::parse("00000000-0000-4000-8000-000000000001", "1", "2").is_ok());
        assert!(EmployeePath::parse("a b", "1", "2").is_err());
        assert!(EmployeePath::parse("t", "abc", "2").is_err());
    }

    #[test]
    fn page_tokens() {
        assert_eq!(page_from_token(None).unwrap(), 1);
        assert_eq!(page_token(2), "Mg==");
        assert_eq!(page_from_token(Some("Mg==")).unwrap(), 2);
        assert_eq!(page_from_token(Some(&page_token(12))).unwrap(), 12);
        for bad in ["!!", "MA==", "YWJj", ""] {
            assert!(page_from_token(Some(bad)).is_err(), "{bad}");
        }
    }
}
