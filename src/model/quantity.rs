//! Quantities news reports give: amounts of money (a decimal and an ISO 4217 currency, never
//! converted) and durations (ISO 8601, `P7Y`).

use std::fmt;
use std::str::FromStr;

use iso_currency::Currency;
use rust_decimal::Decimal;

/// An amount of money: "$1 billion", "400 million dollars in escrow".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amount {
    /// The value, exact.
    pub value: Decimal,
    /// The currency's ISO 4217 code.
    pub currency: Currency,
    /// What the amount is (`fine`, `escrow`, `deal value`), as the source says.
    pub what: Option<String>,
}

/// What is wrong with a quantity as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The value is not a plain decimal.
    #[error("`{0}` is not a decimal number")]
    Value(String),
    /// The currency is not an ISO 4217 code.
    #[error("`{0}` is not an ISO 4217 currency code")]
    Currency(String),
    /// The duration is not an ISO 8601 duration of years, months, weeks and days.
    #[error("`{0}` is not a duration like P7Y, P18M, P2W or P1Y6M")]
    Duration(String),
}

impl Amount {
    /// Reads a value written as a decimal string (`"1000000000"`, `"1.4"`; no exponent, no
    /// separators) and a currency code (`USD`).
    pub fn parse(value: &str, currency: &str, what: Option<String>) -> Result<Self, QuantityError> {
        let plain = !value.is_empty()
            && value
                .bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_digit() || b == b'.' || (i == 0 && b == b'-'));
        let value = plain
            .then(|| Decimal::from_str(value).ok())
            .flatten()
            .ok_or_else(|| QuantityError::Value(value.to_owned()))?;
        let currency = Currency::from_code(currency)
            .ok_or_else(|| QuantityError::Currency(currency.to_owned()))?;
        Ok(Amount {
            value,
            currency,
            what,
        })
    }
}

/// Totals of amounts by currency, in currency-code order: amounts in different currencies are
/// never added together.
pub fn totals<'a>(amounts: impl Iterator<Item = &'a Amount>) -> Vec<(Currency, Decimal, usize)> {
    let mut by: std::collections::BTreeMap<&'static str, (Currency, Decimal, usize)> =
        Default::default();
    for a in amounts {
        let entry = by
            .entry(a.currency.code())
            .or_insert((a.currency, Decimal::ZERO, 0));
        entry.1 = entry.1.saturating_add(a.value);
        entry.2 += 1;
    }
    by.into_values().collect()
}

/// A duration: "a seven-year ban" is `P7Y`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Duration {
    /// Whole years.
    pub years: u32,
    /// Whole months.
    pub months: u32,
    /// Whole days (weeks count seven).
    pub days: u32,
}

impl Duration {
    /// Reads an ISO 8601 duration of years, months, weeks and days (`P7Y`, `P1Y6M`, `P2W`).
    pub fn parse(text: &str) -> Result<Self, QuantityError> {
        let bad = || QuantityError::Duration(text.to_owned());
        let rest = text.strip_prefix('P').ok_or_else(bad)?;
        let (mut d, mut number, mut seen) = (Duration::default(), String::new(), 0u8);
        for c in rest.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let n: u32 = number.parse().map_err(|_| bad())?;
            number.clear();
            let (bit, slot) = match c {
                'Y' => (1, &mut d.years),
                'M' => (2, &mut d.months),
                'W' => (4, &mut d.days),
                'D' => (8, &mut d.days),
                _ => return Err(bad()),
            };
            if seen & bit != 0 || seen >= bit * 2 {
                return Err(bad());
            }
            seen |= bit;
            *slot = slot.saturating_add(if c == 'W' { n.saturating_mul(7) } else { n });
        }
        if !number.is_empty() || seen == 0 {
            return Err(bad());
        }
        Ok(d)
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("P")?;
        for (n, unit) in [(self.years, 'Y'), (self.months, 'M'), (self.days, 'D')] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        if (self.years, self.months, self.days) == (0, 0, 0) {
            f.write_str("0D")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_and_sum_by_currency() {
        let a = Amount::parse("1000000000", "USD", Some("fine".into())).unwrap();
        let b = Amount::parse("400000000.50", "USD", None).unwrap();
        let c = Amount::parse("1.4", "CNY", None).unwrap();
        let sums = totals([&a, &b, &c].into_iter());
        let text: Vec<String> = sums
            .iter()
            .map(|(c, v, n)| format!("{} {v} {n}", c.code()))
            .collect();
        assert_eq!(text, ["CNY 1.4 1", "USD 1400000000.50 2"]);
        for bad in ["1e9", "1,000", "", "$5", "1.2.3"] {
            assert!(Amount::parse(bad, "USD", None).is_err(), "{bad}");
        }
        assert_eq!(
            Amount::parse("5", "XYZ", None),
            Err(QuantityError::Currency("XYZ".into()))
        );
    }

    #[test]
    fn durations_read_iso_8601() {
        assert_eq!(Duration::parse("P7Y").unwrap().to_string(), "P7Y");
        let d = Duration::parse("P1Y6M").unwrap();
        assert_eq!((d.years, d.months, d.days), (1, 6, 0));
        assert_eq!(Duration::parse("P2W").unwrap().days, 14);
        for bad in ["7Y", "P", "PY", "P6M1Y", "P1Y1Y", "P1H", "P1.5Y"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }
}
