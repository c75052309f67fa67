//! Path and query values: tenant ids, the legacy integer ids, and page tokens.
//!
//! The legacy API stored ids in SQL `int` columns, so an id is a positive integer that fits
//! `i32`; anything else (`abc`, `0`, `99999999999999999`) is a 400 / code 60, not a 404.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

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
                "employeeId must be an integer from 1 to 2147483647",
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
        "companyId must be an integer from 1 to 2147483647",
    ))
}

/// A deposit id from the path.
///
/// # Errors
/// [`ApiError::BadPathValue`].
pub fn deposit_id(raw: &str) -> Result<i64, ApiError> {
    parse_id(raw).ok_or(ApiError::BadPathValue(
        "id must be an integer from 1 to 2147483647",
    ))
}

/// A positive decimal integer within the legacy `int` range (1 to 2147483647), digits only.
fn parse_id(raw: &str) -> Option<i64> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse::<i32>().ok().filter(|&v| v > 0).map(i64::from)
}

/// Most digits a page number may have (pages up to 999,999,999).
const MAX_PAGE_DIGITS: usize = 9;

/// The 1-based page a `pageToken` names: standard, padded base64 of the page number in
/// decimal without leading zeros, at most 9 digits (what [`page_token`] writes; absent →
/// page 1). Exactly what the pattern in `docs/openapi.yaml` accepts.
///
/// # Errors
/// [`ApiError::BadQueryValue`] for any other text.
pub fn page_from_token(token: Option<&str>) -> Result<u32, ApiError> {
    let Some(token) = token else { return Ok(1) };
    let bad = || {
        ApiError::BadQueryValue(
            "pageToken must be base64 of a page number from 1 to 999999999, as the page links carry it",
        )
    };
    let bytes = STANDARD.decode(token).map_err(|_| bad())?;
    let digits_only = !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit);
    if !digits_only || bytes[0] == b'0' || bytes.len() > MAX_PAGE_DIGITS {
        return Err(bad());
    }
    std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| text.parse::<u32>().ok())
        .ok_or_else(bad)
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
        let err = deposit_id("2147483648").unwrap_err();
        assert!(
            err.body()["developerMessage"]
                .as_str()
                .unwrap_or_default()
                .contains("1 to 2147483647")
        );
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
        assert_eq!(page_from_token(Some("OTk5OTk5OTk5")).unwrap(), 999_999_999);
        // "0", "01", "abc", "", ten digits, unpadded, non-canonical trailing bits.
        for bad in [
            "!!",
            "MA==",
            "MDE=",
            "YWJj",
            "",
            "MTAwMDAwMDAwMA==",
            "Mg",
            "Mh==",
        ] {
            let err = page_from_token(Some(bad)).unwrap_err();
            assert_eq!(err.code(), 60, "{bad}");
            assert_eq!(err.body()["message"], "Invalid query parameter");
        }
    }
}
