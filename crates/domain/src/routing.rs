//! ABA routing transit numbers.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{DomainError, fields};

/// Checksum weights of the ABA "3-7-1" scheme, one per digit position.
const WEIGHTS: [u32; 9] = [3, 7, 1, 3, 7, 1, 3, 7, 1];

/// A validated 9-digit ABA routing number.
///
/// Invariants: exactly 9 ASCII digits, the first two in a valid Federal Reserve prefix range
/// (00–12, 21–32, 61–72, 80) and the 3-7-1 checksum is a multiple of 10. Not a secret: it
/// identifies a bank, not a person, so it has a normal `Debug`/`Display`.
///
/// Serde reads and writes it as a JSON string; deserializing validates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoutingNumber(String);

impl RoutingNumber {
    /// Validates `s` (no trimming: the API must reject what it cannot store verbatim).
    ///
    /// # Errors
    /// [`DomainError::InvalidField`] on `routingNumber` when `s` is not 9 digits, has an
    /// unassigned prefix or fails the checksum.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let digits = digits_of(s)?;
        if !valid_prefix(digits[0] * 10 + digits[1]) {
            return Err(DomainError::invalid(
                fields::ROUTING_NUMBER,
                "has an invalid prefix (must start with 00-12, 21-32, 61-72 or 80)",
            ));
        }
        if !weighted_sum(&digits).is_multiple_of(10) {
            return Err(DomainError::invalid(
                fields::ROUTING_NUMBER,
                "fails the ABA checksum",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The 9 digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 9th digit that makes `first_eight` (digit values 0–9) pass the 3-7-1 checksum.
    ///
    /// Useful for generating valid test and seed data.
    #[must_use]
    pub fn check_digit(first_eight: [u8; 8]) -> u8 {
        let sum: u32 = first_eight
            .iter()
            .zip(WEIGHTS)
            .map(|(&d, w)| u32::from(d) * w)
            .sum();
        // The last weight is 1, so the check digit is what brings the sum to a multiple of 10.
        let digit = (10 - sum % 10) % 10;
        u8::try_from(digit).unwrap_or(0)
    }
}

/// Splits `s` into 9 digit values, or says why it cannot.
fn digits_of(s: &str) -> Result<[u8; 9], DomainError> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::invalid(
            fields::ROUTING_NUMBER,
            "must contain only digits",
        ));
    }
    let bytes: [u8; 9] = s
        .as_bytes()
        .try_into()
        .map_err(|_| DomainError::invalid(fields::ROUTING_NUMBER, "must be exactly 9 digits"))?;
    Ok(bytes.map(|b| b - b'0'))
}

/// Prefix ranges assigned by the Federal Reserve: 00 (U.S. Government), 01–12 (Federal
/// Reserve districts), 21–32 (thrifts), 61–72 (electronic transactions), 80 (traveler's
/// cheques). Anything else is not a real routing number.
const fn valid_prefix(prefix: u8) -> bool {
    matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80)
}

fn weighted_sum(digits: &[u8; 9]) -> u32 {
    digits
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d) * w)
        .sum()
}

impl fmt::Display for RoutingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RoutingNumber {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for RoutingNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for RoutingNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RoutingNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reason(s: &str) -> &'static str {
        RoutingNumber::parse(s)
            .expect_err("should be invalid")
            .reason()
            .expect("InvalidField")
    }

    #[test]
    fn accepts_known_real_routing_numbers() {
        // Federal Reserve Bank of Boston, JPMorgan Chase NY, a 11-prefix bank, and 80/6x ranges.
        for s in [
            "011000015",
            "021000021",
            "111000025",
            "322271627",
            "800000080",
        ] {
            let r = RoutingNumber::parse(s).unwrap();
            assert_eq!(r.as_str(), s);
            assert_eq!(r.to_string(), s);
        }
    }

    #[test]
    fn accepts_every_valid_prefix_and_rejects_the_rest() {
        for prefix in 0u8..=99 {
            let mut first = [0u8; 8];
            first[0] = prefix / 10;
            first[1] = prefix % 10;
            first[2] = 1;
            let check = RoutingNumber::check_digit(first);
            let s: String = first
                .iter()
                .chain(core::iter::once(&check))
                .map(|d| char::from(b'0' + d))
                .collect();
            let ok = RoutingNumber::parse(&s).is_ok();
            let expected = matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80);
            assert_eq!(ok, expected, "prefix {prefix:02} ({s})");
            if !expected {
                assert!(reason(&s).contains("prefix"));
            }
        }
    }

    #[test]
    fn prefix_range_boundaries() {
        for (prefix, ok) in [
            (0, true),
            (12, true),
            (13, false),
            (20, false),
            (21, true),
            (32, true),
            (33, false),
            (60, false),
            (61, true),
            (72, true),
            (73, false),
            (79, false),
            (80, true),
            (81, false),
            (99, false),
        ] {
            assert_eq!(valid_prefix(prefix), ok, "prefix {prefix}");
        }
    }

    #[test]
    fn rejects_wrong_checksum() {
        assert_eq!(reason("021000022"), "fails the ABA checksum");
        assert_eq!(reason("011000016"), "fails the ABA checksum");
        // Swapping two adjacent digits with different weights breaks the sum too.
        assert_eq!(reason("012000015"), "fails the ABA checksum");
    }

    #[test]
    fn rejects_wrong_length() {
        for s in ["", "02100002", "0210000210", "1"] {
            assert_eq!(reason(s), "must be exactly 9 digits", "{s:?}");
        }
    }

    #[test]
    fn rejects_non_digits() {
        for s in [
            "02100002a",
            " 021000021",
            "021000021 ",
            "021-00002",
            "０21000021",
            "-21000021",
        ] {
            assert_eq!(reason(s), "must contain only digits", "{s:?}");
        }
    }

    #[test]
    fn error_points_at_routing_number() {
        let err = RoutingNumber::parse("x").unwrap_err();
        assert_eq!(err.field(), Some("routingNumber"));
    }

    #[test]
    fn serde_round_trip_and_validation() {
        let r: RoutingNumber = serde_json::from_str("\"021000021\"").unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"021000021\"");
        assert!(serde_json::from_str::<RoutingNumber>("\"021000022\"").is_err());
        // A JSON number would have lost leading zeros, so it is not accepted.
        assert!(serde_json::from_str::<RoutingNumber>("21000021").is_err());
    }

    #[test]
    fn from_str_matches_parse() {
        assert_eq!(
            "021000021".parse::<RoutingNumber>(),
            RoutingNumber::parse("021000021")
        );
    }

    /// A valid-prefix routing number with a correct check digit, as digit values.
    fn valid_digits() -> impl Strategy<Value = [u8; 9]> {
        let prefix = prop_oneof![0u8..=12, 21u8..=32, 61u8..=72, Just(80u8)];
        (prefix, proptest::array::uniform6(0u8..=9)).prop_map(|(p, rest)| {
            let mut first = [0u8; 8];
            first[0] = p / 10;
            first[1] = p % 10;
            first[2..].copy_from_slice(&rest);
            let mut all = [0u8; 9];
            all[..8].copy_from_slice(&first);
            all[8] = RoutingNumber::check_digit(first);
            all
        })
    }

    fn to_string(d: &[u8; 9]) -> String {
        d.iter().map(|d| char::from(b'0' + d)).collect()
    }

    proptest! {
        #[test]
        fn computed_check_digit_always_validates(digits in valid_digits()) {
            prop_assert_eq!(weighted_sum(&digits) % 10, 0);
            let s = to_string(&digits);
            prop_assert!(RoutingNumber::parse(&s).is_ok(), "{}", s);
        }

        #[test]
        fn any_single_digit_change_fails(
            digits in valid_digits(),
            pos in 0usize..9,
            delta in 1u8..=9,
        ) {
            let mut changed = digits;
            changed[pos] = (changed[pos] + delta) % 10;
            // Weights 3, 7 and 1 are coprime with 10, so no single-digit change keeps the sum.
            prop_assert_ne!(weighted_sum(&changed) % 10, 0);
            prop_assert!(RoutingNumber::parse(&to_string(&changed)).is_err());
        }

        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC{0,12}") {
            let _ = RoutingNumber::parse(&s);
        }
    }
}
