//! Exact money over `rust_decimal`: parsing, the JSON form and the form a person reads.

use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Digits kept when a value does not terminate (docs/spec.md, section 11).
pub const JSON_DIGITS: u32 = 12;

/// Parses a decimal written in a scenario: digits with an optional fraction, as in `"0.1520"`
/// or `"1000"`; an optional leading minus when `signed`. Thousands separators, commas as decimal
/// points, exponents and spaces are refused, so a typo never becomes a different price.
pub fn parse_decimal(text: &str, signed: bool) -> Option<Decimal> {
    let body = if signed {
        text.strip_prefix('-').unwrap_or(text)
    } else {
        text
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    Decimal::from_str_exact(text).ok()
}

/// The most significant digits, and the most decimal places, of an amount a scenario may
/// write: 28 digits always fit a decimal's 96-bit coefficient (up to about 7.9 x 10^28) and
/// its scale (at most 28 places), so an amount is kept exactly as written or refused, never
/// rounded.
pub const MAX_DIGITS: usize = 28;

/// Whether a plain decimal (`"0.152"`, a TOML number's digits `1_000.5`; an optional sign)
/// has more than [`MAX_DIGITS`] significant digits (from the first non-zero digit to the last
/// written, trailing zeros included) or decimal places. Text in another form (an exponent,
/// letters) is not judged here: it is `false`.
pub fn too_many_digits(text: &str) -> bool {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let body = clean.trim_start_matches(['+', '-']);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if !(int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit()) {
        return false;
    }
    let all = format!("{int}{frac}");
    let significant = all.trim_start_matches('0').len();
    significant > MAX_DIGITS || frac.len() > MAX_DIGITS
}

/// Parses the literal text of a TOML number (`1_000.5`, `2e3`, `0.152`) into an exact decimal:
/// the value the user wrote, not the nearest binary float.
pub fn parse_toml_number(text: &str) -> Option<Decimal> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let clean = clean.strip_prefix('+').unwrap_or(&clean);
    if clean.contains(['e', 'E']) {
        return Decimal::from_scientific(clean).ok();
    }
    if clean.starts_with("0x") || clean.starts_with("0o") || clean.starts_with("0b") {
        return None;
    }
    Decimal::from_str(clean).ok()
}

/// The exact JSON form of an amount: trailing zeros stripped, a value with more than
/// [`JSON_DIGITS`] fractional digits rounded half-even (docs/spec.md, section 11).
pub fn json_string(value: Decimal) -> String {
    let mut v = value;
    if v.scale() > JSON_DIGITS {
        v = v.round_dp_with_strategy(JSON_DIGITS, RoundingStrategy::MidpointNearestEven);
    }
    let v = v.normalize();
    if v.is_zero() {
        "0".to_string()
    } else {
        v.to_string()
    }
}

/// An amount as a person reads it: rounded to cents (half away from zero, as invoices do),
/// with thousands separators: `12,345.68`.
pub fn display_cents(value: Decimal) -> String {
    display_grouped(value, 2)
}

/// A number rounded to `dp` places (half away from zero) with thousands separators.
pub fn display_grouped(value: Decimal, dp: u32) -> String {
    let v = value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", dp as usize, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v.is_sign_negative() && !v.is_zero() {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// An exact ratio `num / den` as a decimal, zero when `den` is zero.
pub fn ratio(num: Decimal, den: Decimal) -> Decimal {
    if den.is_zero() {
        Decimal::ZERO
    } else {
        num / den
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn amounts_hold_28_significant_digits_and_28_places() {
        // 28 significant digits; then 29 (a 29th decimal, or a trailing zero kept as written).
        assert!(!too_many_digits("0.1234567890123456789012345678"));
        assert!(too_many_digits("0.12345678901234567890123456789"));
        assert!(too_many_digits("1.0000000000000000000000000000"));
        // Leading zeros are not significant, but places count: 28 places pass, 29 do not.
        assert!(!too_many_digits("0000.0000000000000000000000000001"));
        assert!(too_many_digits("0.00000000000000000000000000001"));
        assert!(!too_many_digits("1_000_000.000_001"));
        assert!(!too_many_digits("1e300"));
    }

    #[test]
    fn parses_plain_decimals_only() {
        assert_eq!(parse_decimal("0.1520", false), Some(d("0.1520")));
        assert_eq!(parse_decimal("1000", false), Some(d("1000")));
        assert_eq!(parse_decimal("-2.5", true), Some(d("-2.5")));
        for bad in ["1,5", "-2.5", "1e3", " 1", "1.", ".5", "", "1_000", "abc"] {
            assert_eq!(parse_decimal(bad, false), None, "{bad}");
        }
    }

    #[test]
    fn toml_numbers_keep_their_written_digits() {
        assert_eq!(parse_toml_number("0.152"), Some(d("0.152")));
        assert_eq!(parse_toml_number("1_000.50"), Some(d("1000.50")));
        assert_eq!(parse_toml_number("2e3"), Some(d("2000")));
        assert_eq!(parse_toml_number("nan"), None);
    }

    #[test]
    fn json_strips_zeros_and_rounds_non_terminating_values() {
        assert_eq!(json_string(d("2.7500")), "2.75");
        assert_eq!(json_string(d("0.000")), "0");
        assert_eq!(json_string(d("1000") / d("3")), "333.333333333333");
        assert_eq!(json_string(d("2") / d("3")), "0.666666666667");
        // Half-even at the 12th digit.
        assert_eq!(json_string(d("0.0000000000025")), "0.000000000002");
    }

    #[test]
    fn cents_for_people() {
        assert_eq!(display_cents(d("12345.675")), "12,345.68");
        assert_eq!(display_cents(d("0.004")), "0.00");
        assert_eq!(display_cents(d("-1234567.5")), "-1,234,567.50");
        assert_eq!(display_cents(d("999")), "999.00");
    }
}
