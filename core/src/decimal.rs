//! Exact decimals: venue number text (strings or JSON numbers, with optional exponent) to an
//! integer mantissa at a fixed decimal exponent, and back to canonical text.
//!
//! A value that cannot be represented exactly at the requested exponent, or does not fit `i64`,
//! is an error, never a rounded number.
//!
//! # Accepted text
//!
//! ```text
//! number   = [sign] mantissa [exponent]
//! sign     = "-" | "+"
//! mantissa = digits ["." [digits]] | "." digits
//! exponent = ("e" | "E") [sign] digits
//! digits   = ("0".."9")+
//! ```
//!
//! * This is the JSON number grammar widened for what venues put in strings: a leading `+`,
//!   leading zeros (`"007"`), a bare fraction (`".5"`) and a bare point (`"5."`) are accepted.
//! * Anything else — whitespace, `_`, `,`, hex, `inf`, `nan`, a second sign or point, an
//!   exponent without digits (`"1e"`), trailing bytes — is [`DecimalError::InvalidChar`].
//! * No mantissa digit at all (`""`, `"-"`, `"+"`, `"."`, `"-."`) is [`DecimalError::Empty`];
//!   a string with no mantissa digits but other bytes (`"e5"`, `"-x"`) is `InvalidChar`.
//! * The exponent may have any number of digits (`"1e0000005"`); its magnitude saturates at
//!   2^40, far beyond anything that could make a difference for an input that fits in memory.
//!
//! # Conversion ([`parse`])
//!
//! `parse(s, exp)` returns `m` with `value(s) == m × 10^exp` **exactly**. The supported
//! instrument exponents are [`MIN_EXP`]`..=`[`MAX_EXP`] (−18..=18). Errors are checked in this
//! order:
//!
//! 1. `exp` outside −18..=18 → [`DecimalError::UnsupportedExp`] (whatever the text).
//! 2. Syntax → [`DecimalError::InvalidChar`] / [`DecimalError::Empty`] as above.
//! 3. A zero value (`"0"`, `"-0.000"`, `"0e99"`) is `Ok(0)`; negative zero is `0`.
//! 4. Non-zero digits below `10^exp` → [`DecimalError::Inexact`] (never rounds). Zeros there
//!    are fine: `"61837.63000000"` at −2 is `6183763`.
//! 5. `|m|` does not fit `i64` → [`DecimalError::Overflow`]. `-9223372036854775808` at 0 is
//!    `i64::MIN`. A wrong number is never returned.
//!
//! # Formatting ([`format_into`], `Display`)
//!
//! Canonical text: no exponent, no trailing fraction zeros, no `+`, `-` for negatives, `0` for
//! zero (also `-0` never appears), e.g. `(6183763, -2)` → `61837.63`, `(5, 3)` → `5000`. Exact for
//! every `i64` and every `exp` in −18..=18 (at most 39 bytes). For exponents outside that range
//! (not produced by [`parse`]) the output is `<digits>e<exp>` with the trailing zeros of the
//! mantissa folded into the exponent, e.g. `(-120, -40)` → `-12e-39`, so it always fits the
//! 48-byte buffer and still parses back exactly with `str::parse::<f64>`-style readers.
//!
//! # Speed
//!
//! Typical venue fields (`"61837.63000000"`, `"0.00000123"`, `"35"` at −8) take a branch-light
//! fast path: the integer and fraction runs are validated and converted eight bytes at a time
//! (SWAR), with no loop over digits. Exponents, `+`, long integer parts, positive `exp` and all
//! errors take a careful general path. No path allocates.

use core::fmt;

/// The smallest supported instrument exponent.
pub const MIN_EXP: i8 = -18;
/// The largest supported instrument exponent.
pub const MAX_EXP: i8 = 18;

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
    /// The requested exponent is outside [`MIN_EXP`]`..=`[`MAX_EXP`].
    UnsupportedExp,
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
            DecimalError::UnsupportedExp => "decimal exponent outside -18..=18",
        })
    }
}

impl std::error::Error for DecimalError {}

/// `10^i` for `i` in `0..=19`.
pub(crate) const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// `2^63`: the magnitude of `i64::MIN`.
const I64_MIN_ABS: u64 = 1 << 63;

/// Parses `s` (e.g. `"61837.63000000"`, `"-1.5e-7"`, `"35"`) into the mantissa `m` such that
/// `value == m × 10^exp` exactly. See the [module docs](self) for the grammar and error order.
///
/// Always inlined (about 100 instructions): an out-of-line call costs more than the parse, as
/// the `Result` comes back through memory. The rare paths are out of line.
#[inline(always)]
pub fn parse(s: &[u8], exp: i8) -> Result<i64, DecimalError> {
    // exp in -10..=0, the usual instrument exponents: one compare, and the fast path's result
    // cannot overflow (the fast path takes at most 7 digits before the point)
    let k = (-i32::from(exp)) as u32;
    if k <= 10 {
        if let Some(r) = fast::parse::<true>(s, k as usize) {
            return r;
        }
        return general(s, exp);
    }
    parse_other(s, exp)
}

/// See `fast::quoted`: a quoted plain decimal at `buf[at..]` in one pass (`exp` in -10..=0).
#[inline(always)]
pub(crate) fn parse_quoted(
    buf: &[u8],
    at: usize,
    exp: i8,
) -> Option<(Result<i64, DecimalError>, usize)> {
    let k = (-i32::from(exp)) as u32;
    if k > 10 {
        return None;
    }
    fast::quoted(buf, at, k as usize)
}

/// One Binance depth level `["<px>","<qty>"]` at `buf[at..]` (`at` on the `[`) followed by `,` or
/// `]`, both values plain decimals (1 to 7 integer digits, optionally a point and 1 to `k`
/// fraction digits, no sign), converted at `10^-kp` / `10^-kq` (`kp`, `kq` <= 10) in one pass
/// over a 40-byte window. Returns the mantissas, the index just past the separator and whether
/// the separator was the closing `]` of the array. `None` for anything else (a negative, an
/// exponent, more fraction digits than `k`, a value that would not convert): the caller then
/// reads that level with the general scanner, which gives the same result whenever this one
/// gives one. Levels within 40 bytes of the end are read from a NUL-padded copy.
///
/// `memo` carries the integer runs of the previous level's price and size: consecutive levels
/// usually share them (`"61837.`), and a run that matches is not converted again.
#[inline(always)]
pub(crate) fn quoted_level(
    buf: &[u8],
    at: usize,
    kp: usize,
    kq: usize,
    memo: &mut LevelMemo,
) -> Option<(i64, i64, usize, bool)> {
    fast::level(buf, at, kp, kq, memo)
}

/// The integer runs last read by [`quoted_level`] (price, size), for reuse.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LevelMemo([IntRun; 2]);

impl Default for LevelMemo {
    fn default() -> Self {
        // a valid run to start from: `0.` (what `"0.5"` reads as)
        let zero = IntRun {
            word: u64::from_le_bytes(*b"0.\0\0\0\0\0\0"),
            mask: 0xFFFF,
            digits: 1,
            value: 0,
        };
        LevelMemo([zero; 2])
    }
}

/// An integer run and its stop byte as loaded (`word & mask`), its digit count and value.
#[derive(Clone, Copy, Debug)]
struct IntRun {
    word: u64,
    mask: u64,
    digits: usize,
    value: u64,
}

/// `exp` outside -10..=0.
#[inline(never)]
fn parse_other(s: &[u8], exp: i8) -> Result<i64, DecimalError> {
    if !(MIN_EXP..=MAX_EXP).contains(&exp) {
        return Err(DecimalError::UnsupportedExp);
    }
    if exp <= 0 {
        if let Some(r) = fast::parse::<false>(s, exp.unsigned_abs() as usize) {
            return r;
        }
    }
    general(s, exp)
}

/// Turns a magnitude and a sign into the mantissa, or `Overflow`.
#[inline(always)]
fn signed(neg: bool, mag: u64) -> Result<i64, DecimalError> {
    if neg {
        if mag > I64_MIN_ABS {
            Err(DecimalError::Overflow)
        } else {
            Ok((mag as i64).wrapping_neg())
        }
    } else if mag > i64::MAX as u64 {
        Err(DecimalError::Overflow)
    } else {
        Ok(mag as i64)
    }
}

/// The SWAR fast path for `[-]int[.frac]` with `exp <= 0`. `None` means "not handled here":
/// the caller runs the general path, which also produces every syntax error.
mod fast {
    use super::{signed, DecimalError, POW10};

    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const ADD: u64 = 0x7676_7676_7676_7676;
    const HIGH: u64 = 0x8080_8080_8080_8080;

    /// Loads `s[at..at + 8]` little-endian (first byte in the low byte).
    #[inline(always)]
    fn load8(s: &[u8], at: usize) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    }

    #[cfg(test)]
    pub(super) fn load8_for_test(s: &[u8]) -> u64 {
        load8(s, 0)
    }

    /// For `d = bytes ^ '0'`: the high bit of each byte is set iff that byte was not an ASCII
    /// digit. Exact per byte (no carries cross byte lanes).
    #[inline(always)]
    pub(super) fn nondigits(d: u64) -> u64 {
        (d | ((d & LOW7) + ADD)) & HIGH
    }

    /// Eight digit values (0..=9, first digit in the low byte) to their number, by three
    /// multiply-shift steps.
    #[inline(always)]
    pub(super) fn swar8(d: u64) -> u64 {
        let v = d.wrapping_mul(10).wrapping_add(d >> 8);
        let v = (v & 0x0000_00FF_0000_00FF)
            .wrapping_mul(100 + (1_000_000 << 32))
            .wrapping_add(((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32)));
        v >> 32
    }

    /// Mask of the top `n` bytes (`n` in `0..=8`).
    #[inline(always)]
    fn top_bytes(n: usize) -> u64 {
        u64::MAX.checked_shl(64 - 8 * n as u32).unwrap_or(0)
    }

    /// `k = -exp` in `0..=18`.
    #[inline(always)]
    pub(super) fn parse<const SMALL_K: bool>(
        s: &[u8],
        k: usize,
    ) -> Option<Result<i64, DecimalError>> {
        let (neg, body) = match s.first() {
            Some(b'-') => (true, &s[1..]),
            _ => (false, s),
        };
        let n = body.len();
        if n < 8 {
            return short::<SMALL_K>(neg, body, k);
        }
        // Integer run: the first non-digit among the first 8 bytes must be the point.
        let d0 = load8(body, 0) ^ ZEROS;
        let nd0 = nondigits(d0);
        if nd0 == 0 {
            return None; // 8+ integer digits: general path
        }
        let a = (nd0.trailing_zeros() / 8) as usize;
        if (d0 >> (8 * a)) as u8 != b'.' ^ b'0' {
            return None;
        }
        // a < 8: shift the `a` digits to the top, leaving leading zero digits below.
        let int = swar8((d0 << (8 * (7 - a))) << 8);
        let f0 = a + 1;
        let b = n - f0;
        let frac = if b.wrapping_sub(1) < 8 {
            // 1..=8 fraction digits: the top `b` bytes of the last 8
            let dw = load8(body, n - 8) ^ ZEROS;
            let m = u64::MAX << (64 - 8 * b as u32);
            if nondigits(dw) & m != 0 {
                return None;
            }
            swar8(dw & m)
        } else if b <= 16 && b != 0 {
            let d1 = load8(body, f0) ^ ZEROS;
            let dw = load8(body, n - 8) ^ ZEROS;
            let t = b - 8;
            let m = top_bytes(t);
            if nondigits(d1) | (nondigits(dw) & m) != 0 {
                return None;
            }
            swar8(d1) * POW10[t] + swar8(dw & m)
        } else {
            return None;
        };
        Some(combine::<SMALL_K>(neg, int, frac, b, k))
    }

    /// A quoted plain decimal `[digits][.digits]"` starting at `buf[at]` (just after the opening
    /// quote), with at most 7 integer and 8 fraction digits: the value at `10^-k` (`k <= 10`)
    /// and the index just past the closing quote, found by the same word loads that read the
    /// digits. `None` for anything else (the caller scans the string and calls [`super::parse`],
    /// which returns the same value whenever this one does).
    #[inline(always)]
    pub(crate) fn quoted(
        buf: &[u8],
        at: usize,
        k: usize,
    ) -> Option<(Result<i64, DecimalError>, usize)> {
        if at + 8 > buf.len() {
            return None;
        }
        let d0 = load8(buf, at) ^ ZEROS;
        let nd0 = nondigits(d0);
        if nd0 == 0 {
            return None;
        }
        let a = (nd0.trailing_zeros() / 8) as usize;
        let stop = ((d0 >> (8 * a)) as u8) ^ b'0';
        // `a` digits shifted to the top, leading zero digits below
        let int = if a == 0 {
            0
        } else {
            swar8((d0 << (8 * (7 - a))) << 8)
        };
        if stop == b'"' {
            if a == 0 {
                return None;
            }
            return Some((combine::<true>(false, int, 0, 0, k), at + a + 1));
        }
        if stop != b'.' || a == 0 {
            return None;
        }
        let f0 = at + a + 1;
        if f0 + 8 > buf.len() {
            return None;
        }
        let d1 = load8(buf, f0) ^ ZEROS;
        let nd1 = nondigits(d1);
        let c = (nd1.trailing_zeros() / 8) as usize; // 8 when all eight are digits
        let end = f0 + c;
        if c == 0 || buf.get(end) != Some(&b'"') {
            return None;
        }
        let frac = if c == 8 {
            swar8(d1)
        } else {
            swar8(d1 << (8 * (8 - c)))
        };
        Some((combine::<true>(false, int, frac, c, k), end + 1))
    }

    /// See [`super::quoted_level`].
    #[inline(always)]
    pub(super) fn level(
        buf: &[u8],
        at: usize,
        kp: usize,
        kq: usize,
        memo: &mut super::LevelMemo,
    ) -> Option<(i64, i64, usize, bool)> {
        if kp > 10 || kq > 10 {
            return None;
        }
        let tail: [u8; 40];
        let w: &[u8; 40] = match buf.get(at..at + 40) {
            Some(w) => w.try_into().ok()?,
            None => {
                // the last levels of a frame: a copy padded with NULs, which are neither
                // digits nor punctuation, so reading into the padding refuses the level
                let rest = buf.get(at..)?;
                let mut t = [0u8; 40];
                t[..rest.len()].copy_from_slice(rest);
                tail = t;
                &tail
            }
        };
        if w[0] != b'[' || w[1] != b'"' {
            return None;
        }
        let (px, e) = level_value(w, 2, kp, &mut memo.0[0])?;
        if w[e + 1] != b',' || w[e + 2] != b'"' {
            return None;
        }
        let (qty, e) = level_value(w, e + 3, kq, &mut memo.0[1])?;
        if w[e + 1] != b']' {
            return None;
        }
        let end = match w[e + 2] {
            b',' => false,
            b']' => true,
            _ => return None,
        };
        Some((px, qty, at + e + 3, end))
    }

    /// A plain decimal at `w[at..]` (`at <= 21`) up to its closing quote: the mantissa at
    /// `10^-k` and the quote's index. The integer run and the fraction run are each found and
    /// converted by one 8-byte load.
    #[inline(always)]
    fn level_value(
        w: &[u8; 40],
        at: usize,
        k: usize,
        memo: &mut super::IntRun,
    ) -> Option<(i64, usize)> {
        let raw = load8(w, at);
        let (a, int) = if (raw ^ memo.word) & memo.mask == 0 {
            // the same digits and stop byte as the previous value's
            (memo.digits, memo.value)
        } else {
            let d0 = raw ^ ZEROS;
            let a = (nondigits(d0).trailing_zeros() / 8) as usize; // 8 when no stop byte
            if a == 0 || a == 8 {
                return None;
            }
            // the `a` digits shifted to the top, leading zero digits below
            let int = swar8(d0 << (8 * (8 - a)));
            *memo = super::IntRun {
                word: raw,
                mask: u64::MAX >> (8 * (7 - a)),
                digits: a,
                value: int,
            };
            (a, int)
        };
        let stop = w[at + a];
        if stop == b'"' {
            return Some(((int * POW10[k]) as i64, at + a));
        }
        if stop != b'.' {
            return None;
        }
        let f0 = at + a + 1;
        let d1 = load8(w, f0) ^ ZEROS;
        let c = (nondigits(d1).trailing_zeros() / 8) as usize; // 8 when all eight are digits
        if c == 0 || c > k || w[f0 + c] != b'"' {
            return None;
        }
        let frac = swar8(d1 << (8 * (8 - c)));
        // int < 10^7 and k <= 10: no overflow
        Some(((int * POW10[k] + frac * POW10[k - c]) as i64, f0 + c))
    }

    /// `value = int + frac × 10^-b`; returns `value × 10^k`. `int < 10^7`, `frac < 10^16`,
    /// `b <= 16`, `k <= 18`.
    #[inline(always)]
    fn combine<const SMALL_K: bool>(
        neg: bool,
        int: u64,
        frac: u64,
        b: usize,
        k: usize,
    ) -> Result<i64, DecimalError> {
        if SMALL_K && b <= k {
            // int * 10^k < 10^18 and frac * 10^(k-b) < 10^k: no overflow possible
            let m = int * POW10[k] + frac * POW10[k - b];
            return Ok(if neg {
                (m as i64).wrapping_neg()
            } else {
                m as i64
            });
        }
        let frac_scaled = if b <= k {
            frac as u128 * POW10[k - b] as u128
        } else {
            let p = POW10[b - k];
            if frac % p != 0 {
                return Err(DecimalError::Inexact);
            }
            (frac / p) as u128
        };
        let m = int as u128 * POW10[k] as u128 + frac_scaled;
        if m > u64::MAX as u128 {
            return Err(DecimalError::Overflow);
        }
        signed(neg, m as u64)
    }

    /// Bodies shorter than 8 bytes: at most 7 digits, a scalar loop is as fast as anything.
    #[inline(always)]
    fn short<const SMALL_K: bool>(
        neg: bool,
        body: &[u8],
        k: usize,
    ) -> Option<Result<i64, DecimalError>> {
        let mut v: u64 = 0;
        let mut digits = 0usize;
        let mut b = 0usize;
        let mut dot = false;
        for &c in body {
            let d = c.wrapping_sub(b'0');
            if d < 10 {
                v = v * 10 + d as u64;
                digits += 1;
                b += dot as usize;
            } else if c == b'.' && !dot {
                dot = true;
            } else {
                return None;
            }
        }
        if digits == 0 {
            return None;
        }
        Some(combine::<SMALL_K>(neg, 0, v, b, k))
    }
}

/// The pieces of a syntactically valid number: `value = ± digits(a ++ b) × 10^scale`, where
/// `a ++ b` has no leading zeros and ends with a non-zero digit (both empty for zero).
struct Scanned<'a> {
    neg: bool,
    a: &'a [u8],
    b: &'a [u8],
    scale: i64,
}

/// Exponent magnitudes saturate here; see the module docs.
const EXP_CLAMP: i64 = 1 << 40;

fn digit_run(s: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    i
}

fn trim_leading_zeros(s: &[u8]) -> &[u8] {
    let z = s.iter().take_while(|&&c| c == b'0').count();
    &s[z..]
}

fn trim_trailing_zeros(s: &[u8]) -> &[u8] {
    let z = s.iter().rev().take_while(|&&c| c == b'0').count();
    &s[..s.len() - z]
}

/// Validates `s` against the grammar and reduces it to its significant digits.
fn scan(s: &[u8]) -> Result<Scanned<'_>, DecimalError> {
    let (neg, body) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = body.len();
    let int_end = digit_run(body, 0);
    let mut i = int_end;
    let (fs, fe) = if i < n && body[i] == b'.' {
        let e = digit_run(body, i + 1);
        let r = (i + 1, e);
        i = e;
        r
    } else {
        (i, i)
    };
    if int_end == 0 && fe == fs {
        return Err(if i == n {
            DecimalError::Empty
        } else {
            DecimalError::InvalidChar
        });
    }
    let mut e10: i64 = 0;
    if i < n && (body[i] | 0x20) == b'e' {
        i += 1;
        let eneg = match body.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let es = i;
        while i < n && body[i].is_ascii_digit() {
            e10 = (e10 * 10 + i64::from(body[i] - b'0')).min(EXP_CLAMP);
            i += 1;
        }
        if i == es {
            return Err(DecimalError::InvalidChar);
        }
        if eneg {
            e10 = -e10;
        }
    }
    if i != n {
        return Err(DecimalError::InvalidChar);
    }
    let ip = trim_leading_zeros(&body[..int_end]);
    let fp = &body[fs..fe];
    let fp_sig = trim_trailing_zeros(fp);
    let (a, b, scale) = if !fp_sig.is_empty() {
        if ip.is_empty() {
            // 0.000123: the fraction's leading zeros only contribute to the scale
            let b = trim_leading_zeros(fp_sig);
            (ip, b, e10 - fp_sig.len() as i64)
        } else {
            (ip, fp_sig, e10 - fp_sig.len() as i64)
        }
    } else {
        let a = trim_trailing_zeros(ip);
        (a, &fp[..0], e10 + (ip.len() - a.len()) as i64)
    };
    Ok(Scanned { neg, a, b, scale })
}

/// The general path: any valid text, any supported `exp`, and every error.
#[cold]
#[inline(never)]
fn general(s: &[u8], exp: i8) -> Result<i64, DecimalError> {
    let Scanned { neg, a, b, scale } = scan(s)?;
    let len = a.len() + b.len();
    if len == 0 {
        return Ok(0);
    }
    let shift = scale - i64::from(exp);
    if shift < 0 {
        // the last significant digit is non-zero and lies below 10^exp
        return Err(DecimalError::Inexact);
    }
    if len as i64 + shift > 19 {
        // at least 10^19 > 2^63
        return Err(DecimalError::Overflow);
    }
    let mut v: u64 = 0;
    for &c in a.iter().chain(b) {
        v = v * 10 + u64::from(c - b'0');
    }
    // len + shift <= 19 and len >= 1, so shift <= 18 and the product is < 10^19 < 2^64.
    signed(neg, v * POW10[shift as usize])
}

/// Number of significant fraction digits of `s` (after trimming trailing zeros, accounting for an
/// exponent): the smallest `k >= 0` with `value × 10^k` an integer, i.e. the exponent `-k` an
/// instrument needs to hold `s` exactly. `"61837.63000000"` → 2, `"1.5e-7"` → 8, `"1.5e3"` → 0,
/// `"0"` → 0. `None` if `s` is not a number (see the module grammar) or `k > 255`.
pub fn fraction_digits(s: &[u8]) -> Option<u8> {
    let sc = scan(s).ok()?;
    if sc.a.is_empty() && sc.b.is_empty() || sc.scale >= 0 {
        return Some(0);
    }
    u8::try_from(-sc.scale).ok()
}

/// Writes `mantissa × 10^exp` in canonical form (no exponent, no trailing zeros, no `+`,
/// `0` for zero) into `buf`, returning the number of bytes written. Exact for every `i64` and
/// `exp` in −18..=18; outside that range see the [module docs](self). Never panics, never
/// allocates.
pub fn format_into(mantissa: i64, exp: i8, buf: &mut [u8; 48]) -> usize {
    if mantissa == 0 {
        buf[0] = b'0';
        return 1;
    }
    let mut ib = itoa::Buffer::new();
    let digits = ib.format(mantissa.unsigned_abs()).as_bytes(); // 1..=19 bytes
    let mut pos = 0;
    if mantissa < 0 {
        buf[0] = b'-';
        pos = 1;
    }
    let mut put = |pos: &mut usize, bytes: &[u8]| {
        buf[*pos..*pos + bytes.len()].copy_from_slice(bytes);
        *pos += bytes.len();
    };
    const ZEROS: [u8; 18] = [b'0'; 18];
    if (0..=MAX_EXP).contains(&exp) {
        put(&mut pos, digits);
        put(&mut pos, &ZEROS[..exp as usize]);
    } else if (MIN_EXP..0).contains(&exp) {
        let f = exp.unsigned_abs() as usize;
        // drop the trailing zeros that fall in the fraction
        let drop = (digits.len() - trim_trailing_zeros(digits).len()).min(f);
        let keep = &digits[..digits.len() - drop];
        let f = f - drop;
        if keep.len() > f {
            let (ip, fp) = keep.split_at(keep.len() - f);
            put(&mut pos, ip);
            if !fp.is_empty() {
                put(&mut pos, b".");
                put(&mut pos, fp);
            }
        } else {
            put(&mut pos, b"0.");
            put(&mut pos, &ZEROS[..f - keep.len()]);
            put(&mut pos, keep);
        }
    } else {
        let sig = trim_trailing_zeros(digits);
        let e = i32::from(exp) + (digits.len() - sig.len()) as i32;
        put(&mut pos, sig);
        put(&mut pos, b"e");
        let mut eb = itoa::Buffer::new();
        put(&mut pos, eb.format(e).as_bytes());
    }
    pos
}

/// An exact decimal value: `mantissa × 10^exp`. Displays canonically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The integer mantissa.
    pub mantissa: i64,
    /// The decimal exponent.
    pub exp: i8,
}

/// `10^i` as `f64` for `i` in `0..=22`: all exactly representable.
const POW10_F64: [f64; 23] = {
    let mut t = [1f64; 23];
    let mut i = 1;
    while i < 23 {
        t[i] = t[i - 1] * 10.0;
        i += 1;
    }
    t
};

impl Decimal {
    /// A decimal from its parts.
    pub const fn new(mantissa: i64, exp: i8) -> Self {
        Decimal { mantissa, exp }
    }

    /// Parses `s` at the exponent `exp`; see [`parse`](fn@parse).
    #[inline(always)]
    pub fn parse(s: &[u8], exp: i8) -> Result<Decimal, DecimalError> {
        Ok(Decimal {
            mantissa: parse(s, exp)?,
            exp,
        })
    }

    /// The nearest `f64` (correctly rounded, ties to even). For the edge only (display, Python,
    /// statistics): prices and sizes stay exact mantissas inside tickwire.
    pub fn to_f64(self) -> f64 {
        let (m, e) = (self.mantissa, self.exp);
        if m.unsigned_abs() <= 1 << 53 && (-22..=22).contains(&e) {
            // both operands exact, so the one IEEE operation rounds correctly
            let mf = m as f64;
            return if e >= 0 {
                mf * POW10_F64[e as usize]
            } else {
                mf / POW10_F64[e.unsigned_abs() as usize]
            };
        }
        // exact canonical text through core's correctly rounded parser (no allocation)
        let mut buf = [0u8; 48];
        let n = format_into(m, e, &mut buf);
        core::str::from_utf8(&buf[..n])
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(f64::NAN)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 48];
        let n = format_into(self.mantissa, self.exp, &mut buf);
        // format_into writes ASCII only, so this never fails
        f.write_str(core::str::from_utf8(&buf[..n]).map_err(|_| fmt::Error)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(m: i64, e: i8) -> String {
        let mut b = [0u8; 48];
        let n = format_into(m, e, &mut b);
        String::from_utf8(b[..n].to_vec()).unwrap()
    }

    #[test]
    fn swar8_converts() {
        for x in [0u64, 1, 7, 10, 12345678, 99999999, 10000000, 40302010] {
            let s = format!("{x:08}");
            let d = fast::load8_for_test(s.as_bytes()) ^ 0x3030_3030_3030_3030;
            assert_eq!(fast::nondigits(d), 0);
            assert_eq!(fast::swar8(d), x);
        }
    }

    #[test]
    fn nondigits_exact_per_byte() {
        for c in 0u8..=255 {
            for pos in 0..8 {
                let mut w = *b"00000000";
                w[pos] = c;
                let d = u64::from_le_bytes(w) ^ 0x3030_3030_3030_3030;
                let m = fast::nondigits(d);
                let expect = if c.is_ascii_digit() {
                    0
                } else {
                    0x80u64 << (8 * pos)
                };
                assert_eq!(m, expect, "byte {c:#x} at {pos}");
            }
        }
    }

    #[test]
    fn fast_and_general_agree() {
        for s in [
            "61837.63000000",
            "0.00000123",
            "35",
            "0.35130000",
            "-0.35130000",
            "1234567.",
            ".1234567",
            "-.1",
            "1.1234567890123456",
            "0.0000000000000001",
            "99999999.99999999",
        ] {
            for e in -18..=0 {
                assert_eq!(
                    parse(s.as_bytes(), e),
                    general(s.as_bytes(), e),
                    "{s} at {e}"
                );
            }
        }
    }

    #[test]
    fn format_basics() {
        assert_eq!(fmt(6183763, -2), "61837.63");
        assert_eq!(fmt(0, -8), "0");
        assert_eq!(fmt(-1, -8), "-0.00000001");
        assert_eq!(fmt(100, -2), "1");
        assert_eq!(fmt(120, -2), "1.2");
        assert_eq!(fmt(5, 3), "5000");
        assert_eq!(fmt(i64::MIN, 18), "-9223372036854775808000000000000000000");
        assert_eq!(fmt(i64::MIN, -18), "-9.223372036854775808");
        assert_eq!(fmt(-120, -40), "-12e-39");
        assert_eq!(fmt(7, 127), "7e127");
        assert_eq!(fmt(i64::MIN, -128), "-9223372036854775808e-128");
    }
}
