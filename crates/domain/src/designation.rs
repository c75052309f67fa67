//! The kind of bank account a deposit goes to.

use crate::error::fields;
use crate::wire_enum::wire_enum;

wire_enum! {
    /// Account designation; wire and DB strings `Checking`, `Savings`, `MoneyMarket`.
    pub enum Designation (field = fields::DESIGNATION, expected = "Checking, Savings, MoneyMarket") {
        /// A checking account.
        Checking => "Checking",
        /// A savings account.
        Savings => "Savings",
        /// A money-market account.
        MoneyMarket => "MoneyMarket",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        for d in Designation::ALL {
            assert_eq!(d.as_str().parse::<Designation>().unwrap(), *d);
            let json = serde_json::to_string(d).unwrap();
            assert_eq!(json, format!("\"{d}\""));
            assert_eq!(serde_json::from_str::<Designation>(&json).unwrap(), *d);
        }
    }

    #[test]
    fn rejects_unknown_and_wrong_case() {
        for s in ["checking", "Money Market", "", "Loan"] {
            let err = s.parse::<Designation>().unwrap_err();
            assert_eq!(err.field(), Some("designation"));
            assert_eq!(
                err.reason(),
                Some("must be one of Checking, Savings, MoneyMarket")
            );
        }
        assert!(serde_json::from_str::<Designation>("\"savings\"").is_err());
    }
}
