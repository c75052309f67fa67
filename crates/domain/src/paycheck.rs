//! The paycheck split: what lands in each deposit for a given net pay.
//!
//! The payroll suite pays Flat and Percentage deposits in deposit order, each capped at what
//! is still left of the net pay; the Balance Remainder deposit takes whatever is left after
//! them; without one, the rest is paid by check. The API's paycheck preview runs exactly
//! this, so the web app never re-implements it.

use crate::allocation::{Allocation, AmountType, Cents, MAX_PERCENT_HUNDREDTHS};
use crate::error::DomainError;
use crate::status::Status;

/// Field name of the net pay in the preview request.
pub const NET_PAY_FIELD: &str = "netPay";

/// A net pay: positive, at most $99,999,999.99, whole cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetPay(Cents);

impl NetPay {
    /// Validates a wire value, rounded half up to the cent like deposit amounts (the same
    /// rule, so one number format serves the whole form).
    ///
    /// # Errors
    /// [`DomainError::InvalidField`] on `netPay`.
    pub fn new(value: f64) -> Result<Self, DomainError> {
        match Allocation::new(AmountType::Flat, Some(value)) {
            Ok(Allocation::Flat(cents)) => Ok(Self(cents)),
            Ok(_) => Err(DomainError::invalid(NET_PAY_FIELD, "must be a number")),
            Err(err) => Err(DomainError::invalid(
                NET_PAY_FIELD,
                match err.reason() {
                    Some("must be at most 99999999.99 for Flat") => "must be at most 99999999.99",
                    Some(reason) => reason,
                    None => "must be a number",
                },
            )),
        }
    }

    /// The amount in cents.
    #[must_use]
    pub const fn cents(self) -> i64 {
        self.0.get()
    }
}

/// One deposit taking part in a split, in the order payroll pays it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitInput {
    /// The deposit's id; `None` for a proposed, not yet stored deposit.
    pub deposit_id: Option<i64>,
    /// Its amount type and amount.
    pub allocation: Allocation,
    /// Its status (shown, not used by the split).
    pub status: Status,
}

/// What one deposit receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitLine {
    /// The input it belongs to.
    pub input: SplitInput,
    /// Cents deposited.
    pub deposited: i64,
    /// Why it got less than it asks for, if it did.
    pub note: Option<String>,
}

/// The whole split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The net pay, in cents.
    pub net_pay: i64,
    /// One line per input, in the order of the inputs.
    pub lines: Vec<SplitLine>,
    /// Cents no deposit takes (paid by check).
    pub undeposited: i64,
    /// Things the employee should know about this set of deposits.
    pub warnings: Vec<String>,
}

/// What a percentage of the net pay asks for, rounded half up to the cent.
fn percent_of(net: i64, hundredths: i64) -> i64 {
    // net ≤ 9_999_999_999 and hundredths ≤ 10_000: the product fits i64 easily.
    (net * hundredths + 5_000) / 10_000
}

/// `$1,234.56`.
#[must_use]
pub fn format_money(cents: i64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${grouped}.{:02}", cents % 100)
}

/// `12.5%`.
fn format_percent(hundredths: i64) -> String {
    let whole = hundredths / 100;
    match hundredths % 100 {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

/// Splits `net_pay` over `deposits`: Flat and Percentage deposits in the given order (the
/// caller passes them in id order with a proposed deposit last), each capped at what is
/// left; then the Balance Remainder (at most one is expected; a second one gets nothing)
/// takes the rest. Pure arithmetic in whole cents.
#[must_use]
pub fn split_paycheck(net_pay: NetPay, deposits: &[SplitInput]) -> Split {
    let net = net_pay.cents();
    let mut left = net;
    let mut lines: Vec<SplitLine> = deposits
        .iter()
        .map(|input| SplitLine {
            input: *input,
            deposited: 0,
            note: None,
        })
        .collect();
    for line in &mut lines {
        let asked = match line.input.allocation {
            Allocation::Flat(c) => c.get(),
            Allocation::Percentage(p) => percent_of(net, p.get()),
            Allocation::BalanceRemainder => continue,
        };
        line.deposited = asked.min(left);
        if line.deposited < asked {
            line.note = Some(if left == 0 {
                format!("asks for {}; nothing is left", format_money(asked))
            } else {
                format!(
                    "asks for {}; only {} left",
                    format_money(asked),
                    format_money(left)
                )
            });
        }
        left -= line.deposited;
    }
    let mut has_remainder = false;
    for line in &mut lines {
        if line.input.allocation.is_balance_remainder() {
            if has_remainder {
                line.note = Some("a second Balance Remainder gets nothing".to_owned());
                continue;
            }
            has_remainder = true;
            line.deposited = left;
            if left == 0 {
                line.note = Some("nothing is left for the Balance Remainder".to_owned());
            }
            left = 0;
        }
    }
    let warnings = warnings(net, deposits, &lines, has_remainder, left);
    Split {
        net_pay: net,
        lines,
        undeposited: left,
        warnings,
    }
}

fn warnings(
    net: i64,
    deposits: &[SplitInput],
    lines: &[SplitLine],
    has_remainder: bool,
    undeposited: i64,
) -> Vec<String> {
    let mut out = Vec::new();
    if deposits.is_empty() {
        out.push(format!(
            "No direct deposits: the whole {} is paid by check",
            format_money(net)
        ));
        return out;
    }
    let percent_total: i64 = deposits
        .iter()
        .filter_map(|d| match d.allocation {
            Allocation::Percentage(p) => Some(p.get()),
            _ => None,
        })
        .sum();
    if percent_total > MAX_PERCENT_HUNDREDTHS {
        out.push(format!(
            "Percentages add up to {}, more than 100%",
            format_percent(percent_total)
        ));
    }
    let short = lines
        .iter()
        .filter(|l| l.note.is_some() && !l.input.allocation.is_balance_remainder())
        .count();
    if short > 0 {
        out.push(format!(
            "{short} deposit(s) get less than they ask for: the deposits ask for more than the net pay of {}",
            format_money(net)
        ));
    }
    if !has_remainder {
        out.push(if undeposited > 0 {
            format!(
                "No Balance Remainder deposit: {} of this paycheck is paid by check",
                format_money(undeposited)
            )
        } else {
            "No Balance Remainder deposit: whatever a larger paycheck leaves is paid by check"
                .to_owned()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: Option<i64>, kind: AmountType, amount: Option<f64>) -> SplitInput {
        SplitInput {
            deposit_id: id,
            allocation: Allocation::new(kind, amount).unwrap(),
            status: Status::Approved,
        }
    }

    fn net(v: f64) -> NetPay {
        NetPay::new(v).unwrap()
    }

    #[test]
    fn net_pay_rules() {
        assert_eq!(net(1234.5).cents(), 123_450);
        assert_eq!(net(0.01).cents(), 1);
        assert_eq!(net(99_999_999.99).cents(), 9_999_999_999);
        assert_eq!(net(1.005).cents(), 101);
        for (bad, reason) in [
            (0.0, "must be greater than 0"),
            (-1.0, "must be greater than 0"),
            (f64::NAN, "must be a finite number"),
            (0.004, "must be at least 0.01"),
            (100_000_000.0, "must be at most 99999999.99"),
            (99_999_999.995, "must be at most 99999999.99"),
            (1e300, "is too large"),
        ] {
            let err = NetPay::new(bad).unwrap_err();
            assert_eq!(err.field(), Some("netPay"));
            assert_eq!(err.reason(), Some(reason), "{bad}");
        }
    }

    #[test]
    fn flat_and_percentage_in_order_then_remainder() {
        let split = split_paycheck(
            net(1000.0),
            &[
                input(Some(1), AmountType::Flat, Some(200.0)),
                input(Some(2), AmountType::BalanceRemainder, None),
                input(Some(3), AmountType::Percentage, Some(10.0)),
                input(None, AmountType::Flat, Some(50.0)),
            ],
        );
        let deposited: Vec<i64> = split.lines.iter().map(|l| l.deposited).collect();
        assert_eq!(deposited, vec![20_000, 65_000, 10_000, 5_000]);
        assert_eq!(split.undeposited, 0);
        assert!(split.warnings.is_empty(), "{:?}", split.warnings);
        assert!(split.lines.iter().all(|l| l.note.is_none()));
    }

    #[test]
    fn capped_deposits_say_why() {
        let split = split_paycheck(
            net(300.0),
            &[
                input(Some(1), AmountType::Flat, Some(250.0)),
                input(Some(2), AmountType::Flat, Some(100.0)),
                input(Some(3), AmountType::Percentage, Some(20.0)),
                input(Some(4), AmountType::BalanceRemainder, None),
            ],
        );
        let deposited: Vec<i64> = split.lines.iter().map(|l| l.deposited).collect();
        assert_eq!(deposited, vec![25_000, 5_000, 0, 0]);
        assert_eq!(
            split.lines[1].note.as_deref(),
            Some("asks for $100.00; only $50.00 left")
        );
        assert_eq!(
            split.lines[2].note.as_deref(),
            Some("asks for $60.00; nothing is left")
        );
        assert!(split.lines[3].note.is_some());
        assert_eq!(split.warnings.len(), 1, "{:?}", split.warnings);
    }

    #[test]
    fn without_remainder_the_rest_is_paid_by_check() {
        let split = split_paycheck(
            net(1234.56),
            &[
                input(Some(1), AmountType::Percentage, Some(60.0)),
                input(Some(2), AmountType::Percentage, Some(50.5)),
            ],
        );
        // 60% of 1234.56 = 740.736 → 740.74; 50.5% = 623.4528 → 623.45, capped at 493.82.
        assert_eq!(split.lines[0].deposited, 74_074);
        assert_eq!(split.lines[1].deposited, 49_382);
        assert_eq!(split.undeposited, 0);
        assert!(split.warnings[0].contains("110.5%"), "{:?}", split.warnings);
        assert!(
            split
                .warnings
                .iter()
                .any(|w| w.contains("No Balance Remainder"))
        );

        let split = split_paycheck(net(100.0), &[input(Some(1), AmountType::Flat, Some(40.0))]);
        assert_eq!(split.undeposited, 6_000);
        assert_eq!(
            split.warnings,
            vec!["No Balance Remainder deposit: $60.00 of this paycheck is paid by check"]
        );
        let none = split_paycheck(net(5.0), &[]);
        assert_eq!(none.undeposited, 500);
        assert_eq!(none.warnings.len(), 1);
    }

    #[test]
    fn money_and_percent_formats() {
        assert_eq!(format_money(0), "$0.00");
        assert_eq!(format_money(5), "$0.05");
        assert_eq!(format_money(123_456_789), "$1,234,567.89");
        assert_eq!(format_money(100_000), "$1,000.00");
        assert_eq!(format_percent(12_050), "120.5%");
        assert_eq!(format_percent(10_001), "100.01%");
        assert_eq!(format_percent(11_000), "110%");
    }
}
