//! How much of a paycheck a deposit takes: amount type plus amount, rounded to cents.

use crate::error::{DomainError, fields};
use crate::wire_enum::wire_enum;

wire_enum! {
    /// How a deposit's amount is read; wire and DB strings `Flat`, `Percentage`,
    /// `Balance Remainder`.
    pub enum AmountType (field = fields::AMOUNT_TYPE, expected = "Flat, Percentage, Balance Remainder") {
        /// A fixed amount of money per paycheck.
        Flat => "Flat",
        /// A percentage of net pay.
        Percentage => "Percentage",
        /// Whatever is left after the other deposits; has no amount.
        BalanceRemainder => "Balance Remainder",
    }
}

/// Largest Flat amount in cents: the 10-digit amount field of a NACHA entry ($99,999,999.99).
/// It also keeps every amount exactly representable as `f64` on the wire.
pub const MAX_FLAT_CENTS: i64 = 9_999_999_999;

/// 100.00 %, in hundredths of a percent.
pub const MAX_PERCENT_HUNDREDTHS: i64 = 10_000;

/// A positive amount of money in cents (at most [`MAX_FLAT_CENTS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cents(i64);

impl Cents {
    /// The integer number of cents, as stored.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The amount in currency units, for the wire (e.g. `1234` → `12.34`).
    #[must_use]
    pub fn to_f64(self) -> f64 {
        hundredths_to_f64(self.0)
    }
}

/// A percentage in hundredths of a percent, in `1..=10_000` (0.01 % to 100 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hundredths(i64);

impl Hundredths {
    /// The integer number of hundredths of a percent, as stored.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The percentage for the wire (e.g. `1250` → `12.5`).
    #[must_use]
    pub fn to_f64(self) -> f64 {
        hundredths_to_f64(self.0)
    }
}

/// A validated amount type + amount pair.
///
/// Rules: Flat > 0; 0 < Percentage ≤ 100; Balance Remainder has no amount; amounts are
/// rounded to 2 decimals (half away from zero) before they are checked, so what is checked
/// is what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Allocation {
    /// A fixed amount per paycheck.
    Flat(Cents),
    /// A percentage of net pay, with 2 decimals.
    Percentage(Hundredths),
    /// The rest of the paycheck.
    BalanceRemainder,
}

impl Allocation {
    /// Validates a wire pair (`amountType`, `amount`).
    ///
    /// # Errors
    /// [`DomainError::InvalidField`] on `amount` when it is missing for Flat/Percentage,
    /// present for Balance Remainder, not finite, not > 0 (also after rounding), above 100
    /// for Percentage or above [`MAX_FLAT_CENTS`] for Flat.
    pub fn new(amount_type: AmountType, amount: Option<f64>) -> Result<Self, DomainError> {
        match (amount_type, amount) {
            (AmountType::BalanceRemainder, None) => Ok(Self::BalanceRemainder),
            (AmountType::BalanceRemainder, Some(_)) => {
                Err(invalid_amount("must be null for Balance Remainder"))
            }
            (AmountType::Flat | AmountType::Percentage, None) => {
                Err(invalid_amount("is required for Flat and Percentage"))
            }
            (kind, Some(value)) => Self::from_stored(kind, Some(round_to_hundredths(value)?)),
        }
    }

    /// Rebuilds an allocation from its stored integer form (cents for Flat, hundredths of
    /// a percent for Percentage, `None` for Balance Remainder), re-checking the ranges so
    /// that a corrupt row cannot travel further.
    ///
    /// # Errors
    /// [`DomainError::InvalidField`] on `amount` when the value is missing, present for
    /// Balance Remainder, or out of range.
    pub fn from_stored(amount_type: AmountType, stored: Option<i64>) -> Result<Self, DomainError> {
        match (amount_type, stored) {
            (AmountType::BalanceRemainder, None) => Ok(Self::BalanceRemainder),
            (AmountType::BalanceRemainder, Some(_)) => {
                Err(invalid_amount("must be null for Balance Remainder"))
            }
            (AmountType::Flat | AmountType::Percentage, None) => {
                Err(invalid_amount("is required for Flat and Percentage"))
            }
            (_, Some(v)) if v <= 0 => Err(invalid_amount("must be at least 0.01")),
            (AmountType::Flat, Some(v)) if v > MAX_FLAT_CENTS => {
                Err(invalid_amount("must be at most 99999999.99 for Flat"))
            }
            (AmountType::Flat, Some(v)) => Ok(Self::Flat(Cents(v))),
            (AmountType::Percentage, Some(v)) if v > MAX_PERCENT_HUNDREDTHS => {
                Err(invalid_amount("must be at most 100 for Percentage"))
            }
            (AmountType::Percentage, Some(v)) => Ok(Self::Percentage(Hundredths(v))),
        }
    }

    /// The amount type.
    #[must_use]
    pub const fn amount_type(&self) -> AmountType {
        match self {
            Self::Flat(_) => AmountType::Flat,
            Self::Percentage(_) => AmountType::Percentage,
            Self::BalanceRemainder => AmountType::BalanceRemainder,
        }
    }

    /// The wire `amount`: currency units for Flat, percent for Percentage, `None`
    /// (JSON `null`) for Balance Remainder.
    #[must_use]
    pub fn amount(&self) -> Option<f64> {
        match self {
            Self::Flat(c) => Some(c.to_f64()),
            Self::Percentage(p) => Some(p.to_f64()),
            Self::BalanceRemainder => None,
        }
    }

    /// The stored integer amount: cents for Flat, hundredths of a percent for
    /// Percentage, `None` for Balance Remainder. Inverse of [`Allocation::from_stored`].
    #[must_use]
    pub const fn stored_amount(&self) -> Option<i64> {
        match self {
            Self::Flat(c) => Some(c.0),
            Self::Percentage(p) => Some(p.0),
            Self::BalanceRemainder => None,
        }
    }

    /// Whether this is the employee's Balance Remainder deposit.
    #[must_use]
    pub const fn is_balance_remainder(&self) -> bool {
        matches!(self, Self::BalanceRemainder)
    }
}

const fn invalid_amount(reason: &'static str) -> DomainError {
    DomainError::invalid(fields::AMOUNT, reason)
}

fn hundredths_to_f64(v: i64) -> f64 {
    // |v| < 2^53, so the conversion is exact and the division is correctly rounded:
    // 1001 becomes the f64 closest to 10.01, which serializes as `10.01`.
    let v = v as f64;
    v / 100.0
}

/// Rounds `value` to 2 decimals, half away from zero, as an integer count of hundredths.
///
/// It rounds the shortest decimal that round-trips to `value` (what the client wrote in
/// its JSON), not the binary value: `1.005` is stored as `1.00499999…` in binary and would
/// round down if multiplied by 100, yet the client meant 1.005 → 1.01.
fn round_to_hundredths(value: f64) -> Result<i64, DomainError> {
    if !value.is_finite() {
        return Err(invalid_amount("must be a finite number"));
    }
    if value <= 0.0 {
        return Err(invalid_amount("must be greater than 0"));
    }
    // Rust's `Display` for f64 is the shortest round-trip decimal and never uses an
    // exponent, so this is plain `digits[.digits]`.
    let text = value.to_string();
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let too_large = || invalid_amount("is too large");
    // 15 integer digits is far above any valid amount and keeps the arithmetic in i64.
    if whole.len() > 15 {
        return Err(too_large());
    }
    let whole: i64 = whole.parse().map_err(|_| too_large())?;
    let mut frac_digits = frac.chars().map(|c| i64::from(c.to_digit(10).unwrap_or(0)));
    let tenths = frac_digits.next().unwrap_or(0);
    let hundredths = frac_digits.next().unwrap_or(0);
    // Only the third decimal decides: ≥ 5 means at least half a hundredth.
    let round_up = i64::from(frac_digits.next().unwrap_or(0) >= 5);
    Ok(whole * 100 + tenths * 10 + hundredths + round_up)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reason(t: AmountType, a: Option<f64>) -> &'static str {
        let err = Allocation::new(t, a).expect_err("should be invalid");
        assert_eq!(err.field(), Some("amount"));
        err.reason().expect("InvalidField")
    }

    #[test]
    fn amount_type_strings() {
        assert_eq!(AmountType::BalanceRemainder.as_str(), "Balance Remainder");
        for t in AmountType::ALL {
            assert_eq!(t.as_str().parse::<AmountType>().unwrap(), *t);
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(serde_json::from_str::<AmountType>(&json).unwrap(), *t);
        }
        assert_eq!(
            serde_json::to_string(&AmountType::BalanceRemainder).unwrap(),
            "\"Balance Remainder\""
        );
        let err = "BalanceRemainder".parse::<AmountType>().unwrap_err();
        assert_eq!(err.field(), Some("amountType"));
        assert!(serde_json::from_str::<AmountType>("\"flat\"").is_err());
    }

    #[test]
    fn flat_amounts() {
        let a = Allocation::new(AmountType::Flat, Some(12.34)).unwrap();
        assert_eq!(a, Allocation::Flat(Cents(1234)));
        assert_eq!(a.amount(), Some(12.34));
        assert_eq!(a.stored_amount(), Some(1234));
        assert_eq!(a.amount_type(), AmountType::Flat);
        assert_eq!(
            Allocation::new(AmountType::Flat, Some(0.01)).unwrap(),
            Allocation::Flat(Cents(1))
        );
        assert_eq!(
            Allocation::new(AmountType::Flat, Some(99_999_999.99))
                .unwrap()
                .stored_amount(),
            Some(MAX_FLAT_CENTS)
        );
        assert_eq!(
            reason(AmountType::Flat, Some(100_000_000.0)),
            "must be at most 99999999.99 for Flat"
        );
        assert_eq!(reason(AmountType::Flat, Some(1e300)), "is too large");
    }

    #[test]
    fn rounds_half_away_from_zero_on_the_decimal_written() {
        for (input, cents) in [
            (1.005, 101),
            (1.004, 100),
            (1.0049999, 100),
            (2.675, 268),
            (0.125, 13),
            (10.0, 1000),
            (0.1 + 0.2, 30),
            (5.999, 600),
            (0.005, 1),
        ] {
            let a = Allocation::new(AmountType::Flat, Some(input)).unwrap();
            assert_eq!(a.stored_amount(), Some(cents), "{input}");
        }
    }

    #[test]
    fn rejects_non_positive_and_non_finite() {
        for v in [0.0, -0.0, -1.0, -0.001] {
            assert_eq!(reason(AmountType::Flat, Some(v)), "must be greater than 0");
            assert_eq!(
                reason(AmountType::Percentage, Some(v)),
                "must be greater than 0"
            );
        }
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(reason(AmountType::Flat, Some(v)), "must be a finite number");
        }
        // Positive, but rounds to zero cents.
        assert_eq!(
            reason(AmountType::Flat, Some(0.004)),
            "must be at least 0.01"
        );
        assert_eq!(
            reason(AmountType::Flat, Some(1e-300)),
            "must be at least 0.01"
        );
    }

    #[test]
    fn percentage_bounds() {
        let p = Allocation::new(AmountType::Percentage, Some(100.0)).unwrap();
        assert_eq!(p, Allocation::Percentage(Hundredths(10_000)));
        assert_eq!(p.amount(), Some(100.0));
        let p = Allocation::new(AmountType::Percentage, Some(12.5)).unwrap();
        assert_eq!(p.stored_amount(), Some(1250));
        assert_eq!(p.amount(), Some(12.5));
        // 100.004 rounds to 100.00, which is allowed; 100.005 rounds to 100.01.
        assert!(Allocation::new(AmountType::Percentage, Some(100.004)).is_ok());
        assert_eq!(
            reason(AmountType::Percentage, Some(100.005)),
            "must be at most 100 for Percentage"
        );
        assert_eq!(
            reason(AmountType::Percentage, Some(150.0)),
            "must be at most 100 for Percentage"
        );
        assert_eq!(
            Allocation::new(AmountType::Percentage, Some(0.01)).unwrap(),
            Allocation::Percentage(Hundredths(1))
        );
    }

    #[test]
    fn balance_remainder_has_no_amount() {
        let b = Allocation::new(AmountType::BalanceRemainder, None).unwrap();
        assert_eq!(b, Allocation::BalanceRemainder);
        assert!(b.is_balance_remainder());
        assert_eq!(b.amount(), None);
        assert_eq!(b.stored_amount(), None);
        assert_eq!(b.amount_type(), AmountType::BalanceRemainder);
        assert_eq!(
            reason(AmountType::BalanceRemainder, Some(10.0)),
            "must be null for Balance Remainder"
        );
    }

    #[test]
    fn flat_and_percentage_need_an_amount() {
        for t in [AmountType::Flat, AmountType::Percentage] {
            assert_eq!(reason(t, None), "is required for Flat and Percentage");
        }
    }

    #[test]
    fn from_stored_checks_ranges() {
        assert_eq!(
            Allocation::from_stored(AmountType::Flat, Some(500)).unwrap(),
            Allocation::Flat(Cents(500))
        );
        assert_eq!(
            Allocation::from_stored(AmountType::BalanceRemainder, None).unwrap(),
            Allocation::BalanceRemainder
        );
        for (t, v) in [
            (AmountType::Flat, Some(0)),
            (AmountType::Flat, Some(-5)),
            (AmountType::Flat, Some(MAX_FLAT_CENTS + 1)),
            (AmountType::Flat, None),
            (AmountType::Percentage, Some(10_001)),
            (AmountType::Percentage, None),
            (AmountType::BalanceRemainder, Some(1)),
        ] {
            assert!(Allocation::from_stored(t, v).is_err(), "{t} {v:?}");
        }
    }

    proptest! {
        #[test]
        fn wire_amount_round_trips_through_new(cents in 1i64..=MAX_FLAT_CENTS) {
            let a = Allocation::from_stored(AmountType::Flat, Some(cents)).unwrap();
            let back = Allocation::new(AmountType::Flat, a.amount()).unwrap();
            prop_assert_eq!(back, a);
        }

        #[test]
        fn stored_round_trips(
            kind in prop_oneof![Just(AmountType::Flat), Just(AmountType::Percentage)],
            v in 1i64..=MAX_PERCENT_HUNDREDTHS,
        ) {
            let a = Allocation::from_stored(kind, Some(v)).unwrap();
            prop_assert_eq!(Allocation::from_stored(a.amount_type(), a.stored_amount()), Ok(a));
        }

        #[test]
        fn rounding_is_within_half_a_cent(v in 0.005f64..1_000_000.0) {
            let cents = round_to_hundredths(v).unwrap();
            let diff = (cents as f64 / 100.0 - v).abs();
            prop_assert!(diff <= 0.005 + 1e-9, "{} -> {}", v, cents);
        }
    }
}
