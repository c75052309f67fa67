//! Bank account numbers: a secret, plus the masking shown to the employee role.

use core::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{DomainError, fields};

/// Longest account number: the width of the DFI account number field of a NACHA entry.
pub const MAX_ACCOUNT_LEN: usize = 17;

/// Fewer characters than this are masked entirely: showing 4 of 6 would reveal most of it.
const MIN_LEN_TO_SHOW_LAST4: usize = 7;

/// How many trailing characters masking keeps.
const SHOWN: usize = 4;

/// A validated bank account number: 1–17 ASCII letters or digits (case kept as given).
///
/// This is a secret (docs/architecture.md §5): the buffer is zeroized on drop, `Debug` prints
/// `AccountNumber(<redacted>)`, and there is neither `Display` nor `Serialize`, so the clear
/// value only leaves through an explicit [`AccountNumber::expose`]. Use
/// [`AccountNumber::masked`] for logs and the employee role.
///
/// `Deserialize` validates and never echoes the value in its error.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AccountNumber(String);

impl AccountNumber {
    /// Validates `s` (no trimming, no case folding).
    ///
    /// # Errors
    /// [`DomainError::InvalidField`] on `accountNumber`; the reason never contains `s`.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        if s.is_empty() {
            return Err(DomainError::invalid(fields::ACCOUNT_NUMBER, "is required"));
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(DomainError::invalid(
                fields::ACCOUNT_NUMBER,
                "must contain only letters and digits",
            ));
        }
        // All ASCII now, so bytes are characters.
        if s.len() > MAX_ACCOUNT_LEN {
            return Err(DomainError::invalid(
                fields::ACCOUNT_NUMBER,
                "must be at most 17 characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The clear value. Every call site is a place where the secret leaves this type:
    /// encryption before storage, the payroll call, the full view for privileged roles.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last 4 characters (fewer when the number is shorter).
    #[must_use]
    pub fn last4(&self) -> String {
        let start = self.0.len().saturating_sub(SHOWN);
        self.0[start..].to_owned()
    }

    /// The value as shown to the employee role; see [`mask`].
    #[must_use]
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    /// Whether two account numbers denote the same account for duplicate detection.
    ///
    /// ASCII case is ignored: an employee typing the same account twice with a different
    /// letter case must not get two deposits into it.
    #[must_use]
    pub fn same_account(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

/// Equality of the exact characters; see [`AccountNumber::same_account`] for the
/// business comparison.
impl PartialEq for AccountNumber {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for AccountNumber {}

impl fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountNumber(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for AccountNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Zeroizing: the transient copy is wiped too, whether parsing succeeds or not.
        let s = Zeroizing::new(String::deserialize(deserializer)?);
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Masks `s` for the employee role: every character but the last 4 becomes `*`, and all of
/// them do when `s` has fewer than 7 characters. Counts characters, not bytes, and keeps
/// the length.
#[must_use]
pub fn mask(s: &str) -> String {
    let len = s.chars().count();
    let shown = if len < MIN_LEN_TO_SHOW_LAST4 {
        0
    } else {
        SHOWN
    };
    let hidden = len - shown;
    let mut out = String::with_capacity(s.len());
    out.extend(core::iter::repeat_n('*', hidden));
    out.extend(s.chars().skip(hidden));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reason(s: &str) -> &'static str {
        AccountNumber::parse(s)
            .expect_err("should be invalid")
            .reason()
            .expect("InvalidField")
    }

    #[test]
    fn accepts_1_to_17_alphanumerics() {
        for s in ["1", "12345678901234567", "AbC123xyz", "000000001"] {
            assert_eq!(AccountNumber::parse(s).unwrap().expose(), s);
        }
    }

    #[test]
    fn rejects_empty_too_long_and_symbols() {
        assert_eq!(reason(""), "is required");
        assert_eq!(
            reason("123456789012345678"),
            "must be at most 17 characters"
        );
        for s in [
            "1234 5678",
            "1234-5678",
            " 12345",
            "12345\n",
            "ÄBC123",
            "１２３",
        ] {
            assert_eq!(reason(s), "must contain only letters and digits", "{s:?}");
        }
    }

    #[test]
    fn error_never_contains_the_value() {
        let secret = "98765432109876543210";
        let err = AccountNumber::parse(secret).unwrap_err();
        assert_eq!(err.field(), Some("accountNumber"));
        assert!(!err.to_string().contains("9876"));
        assert!(!format!("{err:?}").contains("9876"));

        let json_err = serde_json::from_str::<AccountNumber>("\"9876-5432\"").unwrap_err();
        assert!(!json_err.to_string().contains("9876"));
    }

    #[test]
    fn debug_is_redacted() {
        let account = AccountNumber::parse("123456789").unwrap();
        let debug = format!("{account:?}");
        assert_eq!(debug, "AccountNumber(<redacted>)");
        assert!(!debug.chars().any(|c| c.is_ascii_digit()));
        // Also when nested in other Debug output.
        let nested = format!("{:?}", Some(vec![account]));
        assert!(!nested.contains("6789"));
    }

    #[test]
    fn last4_and_masked() {
        let a = AccountNumber::parse("123456789").unwrap();
        assert_eq!(a.last4(), "6789");
        assert_eq!(a.masked(), "*****6789");
        let short = AccountNumber::parse("12").unwrap();
        assert_eq!(short.last4(), "12");
        assert_eq!(short.masked(), "**");
    }

    #[test]
    fn mask_thresholds() {
        assert_eq!(mask(""), "");
        assert_eq!(mask("123456"), "******");
        assert_eq!(mask("1234567"), "***4567");
        assert_eq!(mask("12345678901234567"), "*************4567");
        // Characters, not bytes.
        assert_eq!(mask("ééééééé"), "***éééé");
    }

    #[test]
    fn same_account_ignores_case_only() {
        let a = AccountNumber::parse("abc123").unwrap();
        let b = AccountNumber::parse("ABC123").unwrap();
        let c = AccountNumber::parse("0abc123").unwrap();
        assert!(a.same_account(&b));
        assert_ne!(a, b);
        assert!(!a.same_account(&c));
    }

    #[test]
    fn deserialize_validates() {
        let a: AccountNumber = serde_json::from_str("\"00123\"").unwrap();
        assert_eq!(a.expose(), "00123");
        assert!(serde_json::from_str::<AccountNumber>("\"\"").is_err());
        assert!(serde_json::from_str::<AccountNumber>("123").is_err());
    }

    proptest! {
        #[test]
        fn mask_preserves_length(s in "\\PC{0,40}") {
            prop_assert_eq!(mask(&s).chars().count(), s.chars().count());
        }

        #[test]
        fn mask_keeps_last4_when_at_least_7(s in "\\PC{7,40}") {
            let masked = mask(&s);
            let n = s.chars().count();
            let tail: String = s.chars().skip(n - 4).collect();
            prop_assert!(masked.ends_with(&tail));
            prop_assert!(masked.chars().take(n - 4).all(|c| c == '*'));
        }

        #[test]
        fn mask_hides_everything_below_7(s in "\\PC{0,6}") {
            prop_assert!(mask(&s).chars().all(|c| c == '*'));
        }

        #[test]
        fn mask_never_reveals_more_than_4(s in "[^*]{0,40}") {
            prop_assert!(mask(&s).chars().filter(|&c| c != '*').count() <= 4);
        }

        #[test]
        fn valid_accounts_round_trip_and_mask(s in "[A-Za-z0-9]{1,17}") {
            let a = AccountNumber::parse(&s).unwrap();
            prop_assert_eq!(a.expose(), s.as_str());
            prop_assert_eq!(a.masked(), mask(&s));
            prop_assert_eq!(format!("{a:?}"), "AccountNumber(<redacted>)");
        }
    }
}
