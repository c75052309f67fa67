//! Direct deposit ↔ payroll E/D (earning/deduction) JSON.
//!
//! Amount mapping (docs/architecture.md §2.5): Flat → `calculation.method = "Fixed"` with `amount`,
//! Percentage → `"PercOfNet"` with `rate`, Balance Remainder → `deductWholeCheck = true`
//! with no calculation. An approved deposit that is deleted is end-dated
//! (`effectiveEndDate`), never removed, so payroll history stays intact.
//!
//! The wire body carries the clear account number: this module is the one place where it is
//! serialised, and only into a request for the payroll suite.

use core::fmt;

use dd_domain::{AccountNumber, Allocation, AmountType, Designation, RoutingNumber};
use serde::{Deserialize, Serialize, Serializer};

/// E/D code of a direct-deposit deduction in the payroll suite.
pub const DIRECT_DEPOSIT_ED_CODE: &str = "DD";

/// A calendar date `YYYY-MM-DD`, as the payroll suite's effective dates use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EdDate(String);

impl EdDate {
    /// Validates the `YYYY-MM-DD` shape (month 01–12, day 01–31; the calendar is the
    /// suite's business).
    ///
    /// # Errors
    /// `Err(reason)` with a fixed phrase.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let b = s.as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return Err("must be YYYY-MM-DD");
        }
        let num = |r: core::ops::Range<usize>| -> u32 {
            b[r].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
        };
        if !(1..=12).contains(&num(5..7)) || !(1..=31).contains(&num(8..10)) {
            return Err("has an invalid month or day");
        }
        Ok(Self(s.to_owned()))
    }

    /// The date string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EdDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EdDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A direct deposit as one payroll E/D of an employee.
///
/// `Debug` is safe: [`AccountNumber`] prints redacted.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectDepositEd {
    /// The bank's routing number.
    pub routing_number: RoutingNumber,
    /// The account number (a secret; clear only in the request body).
    pub account_number: AccountNumber,
    /// Checking, Savings or MoneyMarket (the suite's `accountType`).
    pub designation: Designation,
    /// How much of each paycheck goes there.
    pub allocation: Allocation,
    /// First pay date the E/D applies to.
    pub effective_start_date: EdDate,
    /// Last pay date, once the deposit is deleted; `None` while active.
    pub effective_end_date: Option<EdDate>,
}

/// An E/D as stored by the payroll suite: its id plus the deposit.
#[derive(Debug, Clone, PartialEq)]
pub struct EdRecord {
    /// The suite's E/D id (the `{ed}` path segment).
    pub id: String,
    /// What the E/D says.
    pub deposit: DirectDepositEd,
}

/// The E/D JSON, both directions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EdWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub ed: EdCode,
    pub calculation: Option<Calculation>,
    pub deduct_whole_check: bool,
    pub direct_deposit: DirectDepositWire,
    pub effective_start_date: EdDate,
    pub effective_end_date: Option<EdDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EdCode {
    pub code: String,
}

/// `{"method":"Fixed","amount":12.34}` or `{"method":"PercOfNet","rate":10.5}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method")]
pub(crate) enum Calculation {
    Fixed { amount: f64 },
    PercOfNet { rate: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DirectDepositWire {
    pub routing_number: RoutingNumber,
    /// Deserialising validates (and never echoes the value in its error).
    #[serde(serialize_with = "serialize_account")]
    pub account_number: AccountNumber,
    pub account_type: Designation,
}

fn serialize_account<S: Serializer>(a: &AccountNumber, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.expose())
}

impl EdWire {
    /// The request body for `deposit` (no id: the path names the E/D).
    pub(crate) fn from_deposit(deposit: &DirectDepositEd) -> Self {
        let (calculation, deduct_whole_check) = match deposit.allocation {
            Allocation::Flat(c) => (Some(Calculation::Fixed { amount: c.to_f64() }), false),
            Allocation::Percentage(p) => (Some(Calculation::PercOfNet { rate: p.to_f64() }), false),
            Allocation::BalanceRemainder => (None, true),
        };
        Self {
            id: None,
            ed: EdCode {
                code: DIRECT_DEPOSIT_ED_CODE.to_owned(),
            },
            calculation,
            deduct_whole_check,
            direct_deposit: DirectDepositWire {
                routing_number: deposit.routing_number.clone(),
                account_number: deposit.account_number.clone(),
                account_type: deposit.designation,
            },
            effective_start_date: deposit.effective_start_date.clone(),
            effective_end_date: deposit.effective_end_date.clone(),
        }
    }

    /// The deposit this E/D describes, or why it does not describe one.
    pub(crate) fn to_deposit(&self) -> Result<DirectDepositEd, &'static str> {
        let allocation = match (self.calculation, self.deduct_whole_check) {
            (None, true) => Allocation::BalanceRemainder,
            (Some(Calculation::Fixed { amount }), false) => {
                Allocation::new(AmountType::Flat, Some(amount)).map_err(|_| "invalid amount")?
            }
            (Some(Calculation::PercOfNet { rate }), false) => {
                Allocation::new(AmountType::Percentage, Some(rate)).map_err(|_| "invalid rate")?
            }
            (Some(_), true) => return Err("calculation together with deductWholeCheck"),
            (None, false) => return Err("no calculation and no deductWholeCheck"),
        };
        Ok(DirectDepositEd {
            routing_number: self.direct_deposit.routing_number.clone(),
            account_number: self.direct_deposit.account_number.clone(),
            designation: self.direct_deposit.account_type,
            allocation,
            effective_start_date: self.effective_start_date.clone(),
            effective_end_date: self.effective_end_date.clone(),
        })
    }

    /// The JSON with the account number masked, for logs and the simulator's introspection.
    #[cfg(any(feature = "sim", test))]
    pub(crate) fn to_masked_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(slot) = v.pointer_mut("/directDeposit/accountNumber") {
            *slot = serde_json::Value::String(self.direct_deposit.account_number.masked());
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deposit(allocation: Allocation) -> DirectDepositEd {
        DirectDepositEd {
            routing_number: RoutingNumber::parse("021000021").unwrap(),
            account_number: AccountNumber::parse("000123456789").unwrap(),
            designation: Designation::Savings,
            allocation,
            effective_start_date: EdDate::parse("2025-01-01").unwrap(),
            effective_end_date: None,
        }
    }

    #[test]
    fn flat_maps_to_fixed() {
        let a = Allocation::new(AmountType::Flat, Some(12.34)).unwrap();
        let v = serde_json::to_value(EdWire::from_deposit(&deposit(a))).unwrap();
        assert_eq!(
            v,
            json!({
                "ed": {"code": "DD"},
                "calculation": {"method": "Fixed", "amount": 12.34},
                "deductWholeCheck": false,
                "directDeposit": {
                    "routingNumber": "021000021",
                    "accountNumber": "000123456789",
                    "accountType": "Savings"
                },
                "effectiveStartDate": "2025-01-01",
                "effectiveEndDate": null
            })
        );
    }

    #[test]
    fn percentage_and_remainder() {
        let p = Allocation::new(AmountType::Percentage, Some(10.5)).unwrap();
        let v = serde_json::to_value(EdWire::from_deposit(&deposit(p))).unwrap();
        assert_eq!(
            v["calculation"],
            json!({"method": "PercOfNet", "rate": 10.5})
        );
        assert_eq!(v["deductWholeCheck"], json!(false));

        let v = serde_json::to_value(EdWire::from_deposit(&deposit(Allocation::BalanceRemainder)))
            .unwrap();
        assert_eq!(v["calculation"], json!(null));
        assert_eq!(v["deductWholeCheck"], json!(true));
    }

    #[test]
    fn round_trips_every_amount_type() {
        for a in [
            Allocation::new(AmountType::Flat, Some(99.99)).unwrap(),
            Allocation::new(AmountType::Percentage, Some(100.0)).unwrap(),
            Allocation::BalanceRemainder,
        ] {
            let mut d = deposit(a);
            d.effective_end_date = Some(EdDate::parse("2025-12-31").unwrap());
            let text = serde_json::to_string(&EdWire::from_deposit(&d)).unwrap();
            let back: EdWire = serde_json::from_str(&text).unwrap();
            assert_eq!(back.to_deposit().unwrap(), d);
        }
    }

    #[test]
    fn inconsistent_wire_is_rejected() {
        let p = Allocation::new(AmountType::Percentage, Some(10.0)).unwrap();
        let mut w = EdWire::from_deposit(&deposit(p));
        w.deduct_whole_check = true;
        assert!(w.to_deposit().is_err());
        w.calculation = None;
        w.deduct_whole_check = false;
        assert!(w.to_deposit().is_err());
        w.calculation = Some(Calculation::PercOfNet { rate: 150.0 });
        assert_eq!(w.to_deposit(), Err("invalid rate"));
    }

    #[test]
    fn masked_json_hides_the_account() {
        let w = EdWire::from_deposit(&deposit(Allocation::BalanceRemainder));
        let v = w.to_masked_json();
        assert_eq!(v["directDeposit"]["accountNumber"], json!("********6789"));
        assert!(!v.to_string().contains("000123456789"));
        assert!(!format!("{w:?}").contains("000123456789"));
    }

    #[test]
    fn dates() {
        assert!(EdDate::parse("2025-02-28").is_ok());
        for bad in [
            "2025-2-28",
            "2025-13-01",
            "2025-00-10",
            "2025-01-32",
            "20250101",
            "",
        ] {
            assert!(EdDate::parse(bad).is_err(), "{bad}");
        }
    }
}
