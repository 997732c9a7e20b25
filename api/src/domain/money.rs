//! Money: integer minor units and an ISO 4217 currency. No float ever
//! holds an amount. Which codes exist, how many minor digits each has and
//! its symbol come from the `iso_currency` crate's ISO 4217 data.

use std::fmt;

use crate::error::{ApiError, ApiResult};

/// A currency prices may be in: an ISO 4217 code in use, with minor units
/// (funds, precious metals, testing codes and superseded codes are not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// `None` for anything but a current ISO 4217 code in upper case.
    pub fn parse(code: &str) -> Option<Self> {
        let currency = iso_currency::Currency::from_code(code)?;
        let usable = currency.exponent().is_some()
            && !currency.is_fund()
            && !currency.is_special()
            && currency.is_superseded().is_none();
        usable.then_some(Self(currency))
    }

    /// A stored currency column, or INTERNAL: only parsed codes are stored.
    pub fn of_row(code: &str) -> ApiResult<Self> {
        Self::parse(code).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "a stored currency `{code}` is not ISO 4217"
            ))
        })
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point: 2 for USD, 0 for JPY, 3 for KWD.
    pub fn minor_digits(self) -> u32 {
        self.0.exponent().map(u32::from).unwrap_or(0)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An amount of one currency, in its minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// The sum, or `None` when the currencies differ or it overflows.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Some(Self::new(
            self.amount_minor.checked_add(other.amount_minor)?,
            self.currency,
        ))
    }

    /// As a person reads it: the currency's sign before the amount where it
    /// has a one-character sign (`$9.99`, `€1.29`, `¥500`), else its code
    /// (`KWD 1.234`).
    pub fn formatted(&self) -> String {
        let digits = self.currency.minor_digits();
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let magnitude = self.amount_minor.unsigned_abs();
        let number = if digits == 0 {
            magnitude.to_string()
        } else {
            let scale = 10u64.pow(digits);
            format!(
                "{}.{:0width$}",
                magnitude / scale,
                magnitude % scale,
                width = digits as usize
            )
        };
        let symbol = self.currency.0.symbol().symbol;
        let mut chars = symbol.chars();
        match (chars.next(), chars.next()) {
            // `¤` is ISO's sign for "a currency"; it says nothing.
            (Some(one), None) if one != '¤' => format!("{sign}{one}{number}"),
            _ => format!("{sign}{} {number}", self.currency.code()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(amount_minor: i64, code: &str) -> String {
        Money::new(amount_minor, Currency::parse(code).unwrap()).formatted()
    }

    #[test]
    fn formats_by_minor_units() {
        assert_eq!(money(999, "USD"), "$9.99");
        assert_eq!(money(5, "EUR"), "€0.05");
        assert_eq!(money(500, "JPY"), "¥500");
        assert_eq!(money(1250, "GBP"), "£12.50");
        assert_eq!(money(1234, "KWD"), "KWD 1.234");
        assert_eq!(money(-129, "USD"), "-$1.29");
    }

    #[test]
    fn only_current_codes_with_minor_units_are_currencies() {
        for code in ["USD", "EUR", "JPY", "KWD", "CHF", "SEK"] {
            assert!(Currency::parse(code).is_some(), "{code}");
        }
        for code in ["XXX", "XAU", "CLF", "usd", "US", "", "VES"] {
            assert!(Currency::parse(code).is_none(), "{code}");
        }
        assert_eq!(Currency::parse("KWD").unwrap().minor_digits(), 3);
    }

    #[test]
    fn sums_stay_in_one_currency() {
        let usd = Currency::parse("USD").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(
            Money::new(129, usd).checked_add(Money::new(999, usd)),
            Some(Money::new(1128, usd))
        );
        assert_eq!(Money::new(1, usd).checked_add(Money::new(1, eur)), None);
        assert_eq!(
            Money::new(i64::MAX, usd).checked_add(Money::new(1, usd)),
            None
        );
    }
}
