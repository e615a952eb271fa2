//! `tickwire::decimal` against a slow reference written from the module docs' grammar and
//! error order: digits as a string, exact arithmetic in `u128`. Exactness: `parse` returns the
//! exact mantissa at the requested exponent or the documented error, never a rounded value.
//! Also: `Decimal::parse` agrees, `format_into` reads back to the same mantissa, `to_f64` is
//! correctly rounded, and `fraction_digits` is the smallest exponent that holds the value.
//!
//! Input: `exp_byte text`; the exponent is `(byte as i8) % 21` (−20..=20, so unsupported
//! exponents are covered too).

#![no_main]

use libfuzzer_sys::fuzz_target;
use tickwire::decimal::{self, Decimal, DecimalError, MAX_EXP, MIN_EXP};

/// A number read by the grammar: sign, significant digits (no leading or trailing zeros;
/// empty for zero) and the decimal exponent of the last of them.
struct Num {
    negative: bool,
    digits: Vec<u8>,
    exp10: i128,
}

fn syntax(s: &[u8]) -> Result<Num, DecimalError> {
    let mut i = 0;
    let mut negative = false;
    if let Some(&c) = s.first() {
        if c == b'-' || c == b'+' {
            negative = c == b'-';
            i = 1;
        }
    }
    let int_start = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    let int = &s[int_start..i];
    let mut frac: &[u8] = &[];
    if i < s.len() && s[i] == b'.' {
        i += 1;
        let f = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        frac = &s[f..i];
    }
    if int.is_empty() && frac.is_empty() {
        return Err(if i == s.len() {
            DecimalError::Empty
        } else {
            DecimalError::InvalidChar
        });
    }
    let mut e: i128 = 0;
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        i += 1;
        let mut eneg = false;
        if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
            eneg = s[i] == b'-';
            i += 1;
        }
        let d = i;
        while i < s.len() && s[i].is_ascii_digit() {
            e = (e * 10 + (s[i] - b'0') as i128).min(1 << 40);
            i += 1;
        }
        if i == d {
            return Err(DecimalError::InvalidChar);
        }
        if eneg {
            e = -e;
        }
    }
    if i != s.len() {
        return Err(DecimalError::InvalidChar);
    }
    let mut digits: Vec<u8> = int.iter().chain(frac).map(|c| c - b'0').collect();
    let mut exp10 = e - frac.len() as i128;
    let lead = digits.iter().take_while(|&&d| d == 0).count();
    digits.drain(..lead);
    while digits.last() == Some(&0) {
        digits.pop();
        exp10 += 1;
    }
    Ok(Num {
        negative,
        digits,
        exp10,
    })
}

fn reference(s: &[u8], exp: i8) -> Result<i64, DecimalError> {
    if !(MIN_EXP..=MAX_EXP).contains(&exp) {
        return Err(DecimalError::UnsupportedExp);
    }
    let n = syntax(s)?;
    if n.digits.is_empty() {
        return Ok(0);
    }
    let k = n.exp10 - exp as i128; // mantissa = digits × 10^k
    if k < 0 {
        return Err(DecimalError::Inexact);
    }
    if n.digits.len() as i128 + k > 19 {
        return Err(DecimalError::Overflow);
    }
    let mut m: u128 = 0;
    for &d in &n.digits {
        m = m * 10 + d as u128;
    }
    m *= 10u128.pow(k as u32);
    let limit = if n.negative {
        1u128 << 63
    } else {
        (1u128 << 63) - 1
    };
    if m > limit {
        return Err(DecimalError::Overflow);
    }
    Ok(if n.negative {
        (m as i128).wrapping_neg() as i64
    } else {
        m as i64
    })
}

fn reference_fraction_digits(s: &[u8]) -> Option<u8> {
    let n = syntax(s).ok()?;
    if n.digits.is_empty() || n.exp10 >= 0 {
        return Some(0);
    }
    u8::try_from(-n.exp10).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&e, text)) = data.split_first() else {
        return;
    };
    let exp = (e as i8) % 21;
    let got = decimal::parse(text, exp);
    let want = reference(text, exp);
    assert_eq!(
        got,
        want,
        "parse({:?}, {exp})",
        String::from_utf8_lossy(text)
    );
    assert_eq!(
        Decimal::parse(text, exp).map(|d| (d.mantissa, d.exp)),
        want.map(|m| (m, exp))
    );
    assert_eq!(
        decimal::fraction_digits(text),
        reference_fraction_digits(text),
        "fraction_digits({:?})",
        String::from_utf8_lossy(text)
    );
    if let Ok(m) = got {
        let mut buf = [0u8; 48];
        let n = decimal::format_into(m, exp, &mut buf);
        assert_eq!(
            decimal::parse(&buf[..n], exp),
            Ok(m),
            "format_into({m}, {exp}) = {:?}",
            String::from_utf8_lossy(&buf[..n])
        );
        assert_eq!(Decimal::new(m, exp).to_string().as_bytes(), &buf[..n]);
        // correctly rounded: the same as the standard library's reading of the exact text
        let f: f64 = format!("{m}e{exp}").parse().expect("f64 text");
        assert_eq!(
            Decimal::new(m, exp).to_f64().to_bits(),
            f.to_bits(),
            "to_f64({m}, {exp})"
        );
    }
});
