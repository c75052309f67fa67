//! Request bodies of the HR review and the paycheck preview: a rejection's reason and a
//! preview request. Same rules as `body.rs`: fixed messages, never the offending value.

use dd_domain::{Allocation, NetPay};
use serde_json::Value;

use crate::body::{amount, amount_type, check_keys, invalid, object, string};
use crate::error::ApiError;

/// Longest rejection reason, in characters after trimming.
pub const MAX_REASON_CHARS: usize = 500;

/// Parses a reject body `{"reason": string}`: 1 to 500 characters after trimming (the
/// trimmed text is what is stored).
///
/// # Errors
/// [`ApiError::InvalidBody`].
pub fn parse_reject(bytes: &[u8]) -> Result<String, ApiError> {
    let map = object(bytes, &["reason"], "body")?;
    let reason = string(&map, "reason", "reason")?;
    if reason
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(invalid(
            "reason must not contain control characters other than tab and line breaks",
        ));
    }
    let reason = reason.trim();
    let chars = reason.chars().count();
    if chars == 0 || chars > MAX_REASON_CHARS {
        return Err(invalid(format!(
            "reason must be 1 to {MAX_REASON_CHARS} characters (after trimming)"
        )));
    }
    Ok(reason.to_owned())
}

/// A JSON number that is a whole number (`7` or `7.0`: JSON Schema's `integer` is the
/// mathematical kind, whatever the notation).
fn whole_number(n: &serde_json::Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            // Exact: a whole number below 2^53.
            .map(|f| f as i64)
    })
}

/// A validated paycheck-preview request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreviewRequest {
    /// The net pay to split.
    pub net_pay: NetPay,
    /// A deposit the employee is about to create or change to, if any.
    pub proposed: Option<Allocation>,
    /// The stored deposit the proposed one replaces (an edit), if any.
    pub replacing: Option<i64>,
}

/// Parses `{"netPay": number, "proposed"?: {"amountType","amount"}, "replacing"?: id}`.
/// `proposed` follows the rules of a create's `amountType` / `amount`.
///
/// # Errors
/// [`ApiError::InvalidBody`].
pub fn parse_preview(bytes: &[u8]) -> Result<PreviewRequest, ApiError> {
    let map = object(bytes, &["netPay", "proposed", "replacing"], "body")?;
    let net_pay = match map.get("netPay") {
        None | Some(Value::Null) => return Err(invalid("netPay is required")),
        Some(Value::Number(n)) => NetPay::new(n.as_f64().unwrap_or(f64::NAN))?,
        Some(_) => return Err(invalid("netPay must be a number")),
    };
    let proposed = match map.get("proposed") {
        None => None,
        Some(Value::Object(proposed)) => {
            check_keys(proposed, &["amountType", "amount"], "proposed.")?;
            let kind =
                amount_type(proposed)?.ok_or_else(|| invalid("proposed.amountType is required"))?;
            Some(Allocation::new(kind, amount(proposed)?.flatten())?)
        }
        Some(_) => return Err(invalid("proposed must be an object")),
    };
    let replacing = match map.get("replacing") {
        None => None,
        Some(Value::Number(n)) => Some(
            whole_number(n)
                .filter(|id| (1..=i64::from(i32::MAX)).contains(id))
                .ok_or_else(|| invalid("replacing must be a deposit id from 1 to 2147483647"))?,
        ),
        Some(_) => return Err(invalid("replacing must be an integer")),
    };
    Ok(PreviewRequest {
        net_pay,
        proposed,
        replacing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_reasons() {
        assert_eq!(
            parse_reject(br#"{"reason":"  wrong bank  "}"#).unwrap(),
            "wrong bank"
        );
        let long = format!(r#"{{"reason":"{}"}}"#, "é".repeat(500));
        assert_eq!(parse_reject(long.as_bytes()).unwrap().chars().count(), 500);
        let too_long = format!(r#"{{"reason":"{}"}}"#, "x".repeat(501));
        for bad in [
            r#"{"reason":"   "}"#,
            r#"{"reason":""}"#,
            r#"{"reason":5}"#,
            r#"{}"#,
            r#"{"reason":"x","extra":1}"#,
            r#"{"reason":"a\u001cb"}"#,
            r#"{"reason":"a\u0000"}"#,
            too_long.as_str(),
        ] {
            assert_eq!(
                parse_reject(bad.as_bytes()).unwrap_err().code(),
                30,
                "{bad}"
            );
        }
    }

    #[test]
    fn preview_bodies() {
        let r = parse_preview(
            br#"{"netPay":1000,"proposed":{"amountType":"Flat","amount":50},"replacing":3}"#,
        )
        .unwrap();
        assert_eq!(r.net_pay.cents(), 100_000);
        assert_eq!(r.proposed.unwrap().stored_amount(), Some(5000));
        assert_eq!(r.replacing, Some(3));
        assert!(
            parse_preview(br#"{"netPay":0.01}"#)
                .unwrap()
                .proposed
                .is_none()
        );
        for bad in [
            r#"{}"#,
            r#"{"netPay":"10"}"#,
            r#"{"netPay":0.004}"#,
            r#"{"netPay":100000000}"#,
            r#"{"netPay":10,"proposed":{"amountType":"Flat"}}"#,
            r#"{"netPay":10,"proposed":{"amountType":"Balance Remainder","amount":1}}"#,
            r#"{"netPay":10,"proposed":{"amount":1}}"#,
            r#"{"netPay":10,"proposed":{"amountType":"Flat","amount":1,"x":1}}"#,
            r#"{"netPay":10,"replacing":0}"#,
            r#"{"netPay":10,"replacing":2147483648}"#,
            r#"{"netPay":10,"replacing":1.5}"#,
            r#"{"netPay":10,"replacing":null}"#,
            r#"{"netPay":10,"proposed":null}"#,
            r#"{"netPay":10,"other":1}"#,
        ] {
            assert_eq!(
                parse_preview(bad.as_bytes()).unwrap_err().code(),
                30,
                "{bad}"
            );
        }
    }
}
