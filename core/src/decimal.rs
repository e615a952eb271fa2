//! Exact decimals: venue number text (strings or JSON numbers, with optional exponent) to an
//! integer mantissa at a fixed decimal exponent, and back to canonical text.
//!
//! A value that cannot be represented exactly at the requested exponent, or does not fit `i64`,
//! is an error, never a rounded number.

use core::fmt;

/// Why a number could not be converted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecimalError {
    /// No digits.
    Empty,
    /// A byte that is not part of a decimal number.
    InvalidChar,
    /// Non-zero digits beyond the requested exponent: converting would round.
    Inexact,
    /// The mantissa does not fit `i64` at the requested exponent.
    Overflow,
}

impl fmt::Display for DecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecimalError::Empty => "empty number",
            DecimalError::InvalidChar => "invalid character in number",
            DecimalError::Inexact => "number has more decimals than the instrument's exponent",
            DecimalError::Overflow => {
                "number does not fit a 64-bit mantissa at the instrument's exponent"
            }
        })
    }
}

impl std::error::Error for DecimalError {}

/// Parses `s` (e.g. `"61837.63000000"`, `"-1.5e-7"`, `"35"`) into the mantissa `m` such that
/// `value == m × 10^exp` exactly.
pub fn parse(s: &[u8], exp: i8) -> Result<i64, DecimalError> {
    slow::parse(s, exp)
}

/// Writes `mantissa × 10^exp` in canonical form (no exponent, no trailing zeros, no `+`,
/// `0` for zero) into `buf`, returning the number of bytes written. `buf` must hold 48 bytes.
pub fn format_into(mantissa: i64, exp: i8, buf: &mut [u8; 48]) -> usize {
    slow::format_into(mantissa, exp, buf)
}

/// An exact decimal value: `mantissa × 10^exp`. Displays canonically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The integer mantissa.
    pub mantissa: i64,
    /// The decimal exponent.
    pub exp: i8,
}

impl Decimal {
    /// A decimal from its parts.
    pub const fn new(mantissa: i64, exp: i8) -> Self {
        Decimal { mantissa, exp }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 48];
        let n = format_into(self.mantissa, self.exp, &mut buf);
        // SAFETY-free: format_into writes ASCII only.
        f.write_str(core::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)
    }
}

mod slow {
    use super::DecimalError;

    pub(super) fn parse(s: &[u8], exp: i8) -> Result<i64, DecimalError> {
        let (neg, rest) = match s.first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        // split mantissa text and exponent
        let (mtext, e10) = match rest.iter().position(|&c| c == b'e' || c == b'E') {
            Some(p) => {
                let et = &rest[p + 1..];
                let (eneg, ed) = match et.first() {
                    Some(b'-') => (true, &et[1..]),
                    Some(b'+') => (false, &et[1..]),
                    _ => (false, et),
                };
                if ed.is_empty() || ed.len() > 4 {
                    return Err(if ed.is_empty() {
                        DecimalError::InvalidChar
                    } else {
                        DecimalError::Overflow
                    });
                }
                let mut e: i32 = 0;
                for &c in ed {
                    if !c.is_ascii_digit() {
                        return Err(DecimalError::InvalidChar);
                    }
                    e = e * 10 + i32::from(c - b'0');
                }
                (&rest[..p], if eneg { -e } else { e })
            }
            None => (rest, 0),
        };
        let mut digits_seen = false;
        let mut frac_digits: i32 = 0;
        let mut in_frac = false;
        let mut acc: i128 = 0;
        let mut trailing_nonzero_beyond = false;
        // value = acc × 10^(e10 - frac_digits)
        // we need m = value × 10^(-exp) = acc × 10^(e10 - frac_digits - exp)
        let mut all: Vec<u8> = Vec::new();
        for &c in mtext {
            match c {
                b'0'..=b'9' => {
                    digits_seen = true;
                    all.push(c - b'0');
                    if in_frac {
                        frac_digits += 1;
                    }
                }
                b'.' if !in_frac => in_frac = true,
                _ => return Err(DecimalError::InvalidChar),
            }
        }
        if !digits_seen {
            return Err(DecimalError::Empty);
        }
        let shift = e10 - frac_digits - i32::from(exp);
        // m = digits × 10^shift
        let keep = if shift >= 0 {
            all.len()
        } else {
            all.len().saturating_sub((-shift) as usize)
        };
        for (i, d) in all.iter().enumerate() {
            if i < keep {
                acc = acc * 10 + i128::from(*d);
                if acc > i128::from(i64::MAX) + 1 {
                    return Err(DecimalError::Overflow);
                }
            } else if *d != 0 {
                trailing_nonzero_beyond = true;
            }
        }
        if trailing_nonzero_beyond {
            return Err(DecimalError::Inexact);
        }
        if shift > 0 {
            for _ in 0..shift {
                if acc == 0 {
                    break;
                }
                acc *= 10;
                if acc > i128::from(i64::MAX) + 1 {
                    return Err(DecimalError::Overflow);
                }
            }
        }
        let v = if neg { -acc } else { acc };
        i64::try_from(v).map_err(|_| DecimalError::Overflow)
    }

    pub(super) fn format_into(mantissa: i64, exp: i8, buf: &mut [u8; 48]) -> usize {
        let s = if mantissa == 0 {
            "0".to_string()
        } else {
            let neg = mantissa < 0;
            let digits = mantissa.unsigned_abs().to_string();
            let mut out = String::new();
            if neg {
                out.push('-');
            }
            if exp >= 0 {
                out.push_str(&digits);
                for _ in 0..exp {
                    out.push('0');
                }
            } else {
                let f = (-i32::from(exp)) as usize;
                let (ip, fp) = if digits.len() > f {
                    (
                        digits[..digits.len() - f].to_string(),
                        digits[digits.len() - f..].to_string(),
                    )
                } else {
                    (
                        "0".to_string(),
                        format!("{}{}", "0".repeat(f - digits.len()), digits),
                    )
                };
                out.push_str(&ip);
                let fp = fp.trim_end_matches('0');
                if !fp.is_empty() {
                    out.push('.');
                    out.push_str(fp);
                }
            }
            out
        };
        buf[..s.len()].copy_from_slice(s.as_bytes());
        s.len()
    }
}

/// Number of significant fraction digits of `s` (trailing zeros trimmed, exponent applied);
/// `None` when `s` is not a number. `"0.01000000"` → 2, `"1.00"` → 0, `"1e-7"` → 7.
pub fn fraction_digits(s: &[u8]) -> Option<u8> {
    let (m, e) = match s.iter().position(|&c| c == b'e' || c == b'E') {
        Some(p) => (
            &s[..p],
            std::str::from_utf8(&s[p + 1..]).ok()?.parse::<i32>().ok()?,
        ),
        None => (s, 0),
    };
    let frac = match m.iter().position(|&c| c == b'.') {
        Some(p) => &m[p + 1..],
        None => &m[m.len()..],
    };
    if !m.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let sig = frac.len() - frac.iter().rev().take_while(|&&c| c == b'0').count();
    u8::try_from((sig as i32 - e).max(0)).ok()
}
