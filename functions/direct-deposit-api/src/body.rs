//! Request bodies of POST and PATCH, validated by hand so that every failure is a 400 /
//! code 30 with a fixed message: serde's own messages quote the offending value (`invalid
//! type: integer 123456789`), which for `accountNumber` would put the secret into the
//! response and the logs. Unknown properties are refused, as the legacy API did.

use dd_domain::{AccountNumber, Allocation, AmountType, Designation, NetPay, RoutingNumber};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::error::ApiError;

/// A validated create request.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// Routing number of the target account.
    pub routing: RoutingNumber,
    /// The account number (secret).
    pub account: AccountNumber,
    /// Checking, Savings or MoneyMarket.
    pub designation: Designation,
    /// Amount type and amount.
    pub allocation: Allocation,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::InvalidBody(message.into())
}

/// Parses bytes as a JSON object whose keys are all in `allowed`. The messages tell an
/// empty body, text that is not JSON (bad UTF-8, a syntax error, nesting deeper than
/// serde_json's 128 levels) and JSON that is not an object apart, without quoting any of it.
fn object(bytes: &[u8], allowed: &[&str], what: &str) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid(format!("{what} is required (a JSON object)")));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        invalid(match e.classify() {
            serde_json::error::Category::Eof => format!("{what} is not valid JSON (it ends early)"),
            _ if std::str::from_utf8(bytes).is_err() => format!("{what} is not valid UTF-8"),
            _ => format!("{what} is not valid JSON"),
        })
    })?;
    let Value::Object(map) = value else {
        return Err(invalid(format!("{what} must be a JSON object")));
    };
    check_keys(&map, allowed, "")?;
    Ok(map)
}

fn check_keys(map: &Map<String, Value>, allowed: &[&str], prefix: &str) -> Result<(), ApiError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        // The name is echoed only when it is a plain identifier (an attacker-chosen key
        // could be anything, including an account number).
        Some(k) if k.len() <= 40 && k.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Err(invalid(format!("unknown property {prefix}{k}")))
        }
        Some(_) => Err(invalid("unknown property")),
        None => Ok(()),
    }
}

/// A present, non-null string property.
fn string<'m>(map: &'m Map<String, Value>, name: &str, path: &str) -> Result<&'m str, ApiError> {
    match map.get(name) {
        None | Some(Value::Null) => Err(invalid(format!("{path} is required"))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(invalid(format!("{path} must be a string"))),
    }
}

/// `amount`: `None` when absent, `Some(None)` for null, `Some(Some(x))` for a number.
fn amount(map: &Map<String, Value>) -> Result<Option<Option<f64>>, ApiError> {
    match map.get("amount") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(|v| Some(Some(v)))
            .ok_or_else(|| invalid("amount must be a number")),
        Some(_) => Err(invalid("amount must be a number or null")),
    }
}

fn amount_type(map: &Map<String, Value>) -> Result<Option<AmountType>, ApiError> {
    match map.get("amountType") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.parse()?)),
        Some(_) => Err(invalid("amountType must be a string")),
    }
}

/// Parses a create body: `{"amount","amountType","bankAccount":{"routingNumber",
/// "accountNumber","designation"}}`.
///
/// # Errors
/// [`ApiError::InvalidBody`].
pub fn parse_create(bytes: &[u8]) -> Result<CreateRequest, ApiError> {
    let map = object(bytes, &["amount", "amountType", "bankAccount"], "body")?;
    let bank = match map.get("bankAccount") {
        None | Some(Value::Null) => return Err(invalid("bankAccount is required")),
        Some(Value::Object(bank)) => bank,
        Some(_) => return Err(invalid("bankAccount must be an object")),
    };
    check_keys(
        bank,
        &["routingNumber", "accountNumber", "designation"],
        "bankAccount.",
    )?;
    let routing =
        RoutingNumber::parse(string(bank, "routingNumber", "bankAccount.routingNumber")?)?;
    let account = {
        // The value is a secret: keep no copy beyond the parse.
        let raw =
            Zeroizing::new(string(bank, "accountNumber", "bankAccount.accountNumber")?.to_owned());
        AccountNumber::parse(&raw)?
    };
    let designation: Designation =
        string(bank, "designation", "bankAccount.designation")?.parse()?;
    let kind = amount_type(&map)?.ok_or_else(|| invalid("amountType is required"))?;
    let allocation = Allocation::new(kind, amount(&map)?.flatten())?;
    Ok(CreateRequest {
        routing,
        account,
        designation,
        allocation,
    })
}

/// Parses a PATCH body (`amountType`, `amount`) against the deposit's `current` allocation.
///
/// With both properties, they must form a valid allocation (400). With one, the other comes
/// from `current`: an absent `amountType` keeps the current one; an absent `amount` keeps
/// the current amount when the type does not change. A half that is well formed on its
/// own (an amount valid for some type, any type) but does not fit this deposit is a 409:
/// the request is fine, the deposit's state is what it conflicts with.
///
/// # Errors
/// [`ApiError::InvalidBody`] or [`ApiError::Conflict`].
pub fn parse_patch(bytes: &[u8], current: Allocation) -> Result<Allocation, ApiError> {
    let map = object(bytes, &["amount", "amountType"], "body")?;
    let kind = amount_type(&map)?;
    let value = amount(&map)?;
    let conflict = |err: dd_domain::DomainError| {
        ApiError::Conflict(format!("{err} (this deposit is {})", current.amount_type()))
    };
    match (kind, value) {
        (None, None) => Err(invalid("body must set amountType or amount")),
        (Some(kind), Some(value)) => Ok(Allocation::new(kind, value)?),
        (None, Some(value)) => {
            if let Some(v) = value {
                // Well formed at all: a valid amount for the widest type.
                Allocation::new(AmountType::Flat, Some(v))?;
            }
            Allocation::new(current.amount_type(), value).map_err(conflict)
        }
        (Some(kind), None) if kind == current.amount_type() => Ok(current),
        (Some(kind), None) => Allocation::new(kind, None).map_err(conflict),
    }
}

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
        None | Some(Value::Null) => None,
        Some(Value::Object(proposed)) => {
            check_keys(proposed, &["amountType", "amount"], "proposed.")?;
            let kind =
                amount_type(proposed)?.ok_or_else(|| invalid("proposed.amountType is required"))?;
            Some(Allocation::new(kind, amount(proposed)?.flatten())?)
        }
        Some(_) => return Err(invalid("proposed must be an object")),
    };
    let replacing = match map.get("replacing") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
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

    fn create(json: &str) -> Result<CreateRequest, ApiError> {
        parse_create(json.as_bytes())
    }

    const GOOD: &str = r#"{"amount":12.5,"amountType":"Flat","bankAccount":{"routingNumber":"021000021","accountNumber":"123456789","designation":"Checking"}}"#;

    #[test]
    fn parses_a_good_body() {
        let r = create(GOOD).unwrap();
        assert_eq!(r.account.expose(), "123456789");
        assert_eq!(r.allocation.stored_amount(), Some(1250));
    }

    fn message(err: ApiError) -> String {
        assert_eq!(err.code(), 30);
        err.body()["developerMessage"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn refuses_without_echoing_values() {
        let long = GOOD.replace("123456789", "123456789012345678901");
        let m = message(create(&long).unwrap_err());
        assert!(m.contains("at most 17"), "{m}");
        assert!(!m.contains("1234"));
        let numeric = GOOD.replace("\"123456789\"", "123456789");
        let m = message(create(&numeric).unwrap_err());
        assert!(!m.contains("1234"), "{m}");
        let extra = GOOD.replace("\"amount\":12.5", "\"amount\":12.5,\"status\":\"Approved\"");
        assert!(message(create(&extra).unwrap_err()).contains("unknown property status"));
        let nested = GOOD.replace("\"designation\"", "\"x\":1,\"designation\"");
        assert!(message(create(&nested).unwrap_err()).contains("bankAccount.x"));
        let key_secret = GOOD.replace("\"amount\":12.5", "\"amount\":12.5,\"9876543210\":1");
        assert!(!message(create(&key_secret).unwrap_err()).contains("9876"));
        assert!(create("[]").is_err());
        assert!(message(create("").unwrap_err()).contains("is required"));
        assert!(message(create("{\"amount\":").unwrap_err()).contains("not valid JSON"));
        assert!(message(create("[]").unwrap_err()).contains("must be a JSON object"));
        let bad_utf8 = parse_create(b"{\"amount\": \"\xff\"}").unwrap_err();
        assert!(message(bad_utf8).contains("UTF-8"));
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(message(create(&deep).unwrap_err()).contains("not valid JSON"));
    }

    #[test]
    fn patch_rules() {
        let flat = Allocation::new(AmountType::Flat, Some(10.0)).unwrap();
        assert_eq!(
            parse_patch(br#"{"amount":20}"#, flat)
                .unwrap()
                .stored_amount(),
            Some(2000)
        );
        assert_eq!(
            parse_patch(br#"{"amountType":"Balance Remainder"}"#, flat).unwrap(),
            Allocation::BalanceRemainder
        );
        assert_eq!(
            parse_patch(br#"{"amountType":"Flat"}"#, flat).unwrap(),
            flat
        );
        // Well formed, but not for this deposit: 409.
        assert_eq!(
            parse_patch(br#"{"amountType":"Percentage"}"#, flat)
                .unwrap_err()
                .code(),
            40
        );
        let pct = Allocation::new(AmountType::Percentage, Some(10.0)).unwrap();
        assert_eq!(
            parse_patch(br#"{"amount":150}"#, pct).unwrap_err().code(),
            40
        );
        assert_eq!(
            parse_patch(br#"{"amount":null}"#, pct).unwrap_err().code(),
            40
        );
        // Malformed: 400.
        for bad in [
            r#"{}"#,
            r#"{"status":"Approved"}"#,
            r#"{"amount":-1}"#,
            r#"{"amount":1e300}"#,
            r#"{"amountType":"Percentage","amount":150}"#,
            r#"{"amountType":"Flat","amount":null}"#,
        ] {
            assert_eq!(
                parse_patch(bad.as_bytes(), pct).unwrap_err().code(),
                30,
                "{bad}"
            );
        }
    }

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
