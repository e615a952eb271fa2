//! Exact decimal conversion: a table of venue-shaped cases and extremes, and property tests
//! against an independent i128 / digit-string reference.

use proptest::prelude::*;
use tickwire::decimal::{format_into, fraction_digits, parse, Decimal, DecimalError};
use DecimalError::*;

fn fmt(m: i64, e: i8) -> String {
    let mut b = [0u8; 48];
    let n = format_into(m, e, &mut b);
    String::from_utf8(b[..n].to_vec()).unwrap()
}

/// The reference: a different, allocation-happy implementation of the module contract.
fn reference(s: &str, exp: i8) -> Result<i64, DecimalError> {
    if !(-18..=18).contains(&exp) {
        return Err(UnsupportedExp);
    }
    let (neg, body) = if let Some(r) = s.strip_prefix('-') {
        (true, r)
    } else if let Some(r) = s.strip_prefix('+') {
        (false, r)
    } else {
        (false, s)
    };
    if body.is_empty() || body == "." {
        return Err(Empty);
    }
    let (mant, e10) = match body.find(['e', 'E']) {
        None => (body, 0i128),
        Some(p) => {
            let et = &body[p + 1..];
            let ed = et.strip_prefix(['-', '+']).unwrap_or(et);
            if ed.is_empty() || !ed.bytes().all(|c| c.is_ascii_digit()) {
                return Err(InvalidChar);
            }
            let trimmed = ed.trim_start_matches('0');
            let mag: i128 = if trimmed.len() > 30 {
                1 << 80
            } else {
                trimmed.parse().unwrap_or(0)
            };
            (&body[..p], if et.starts_with('-') { -mag } else { mag })
        }
    };
    let (ip, fp) = match mant.split_once('.') {
        None => (mant, ""),
        Some((i, f)) => (i, f),
    };
    let all_digits = |t: &str| t.bytes().all(|c| c.is_ascii_digit());
    if !all_digits(ip) || !all_digits(fp) || ip.len() + fp.len() == 0 {
        return Err(InvalidChar);
    }
    let mut digits = format!("{ip}{fp}");
    let mut scale = e10 - fp.len() as i128;
    digits = digits.trim_start_matches('0').to_string();
    if digits.is_empty() {
        return Ok(0);
    }
    let t = digits.trim_end_matches('0').len();
    scale += (digits.len() - t) as i128;
    digits.truncate(t);
    let shift = scale - exp as i128;
    if shift < 0 {
        return Err(Inexact);
    }
    if digits.len() as i128 + shift > 25 {
        return Err(Overflow);
    }
    let v: i128 = digits.parse::<i128>().unwrap() * 10i128.pow(shift as u32);
    i64::try_from(if neg { -v } else { v }).map_err(|_| Overflow)
}

#[test]
fn table() {
    #[rustfmt::skip]
    let cases: &[(&str, i8, Result<i64, DecimalError>)] = &[
        // typical venue strings
        ("61837.63000000", -8, Ok(6_183_763_000_000)),
        ("61837.63000000", -2, Ok(6_183_763)),
        ("61837.63000000", -1, Err(Inexact)),
        ("0.00000123", -8, Ok(123)),
        ("0.35130000", -8, Ok(35_130_000)),
        ("0.35130000", -4, Ok(3513)),
        ("35", -8, Ok(3_500_000_000)),
        ("35", 0, Ok(35)),
        ("35", 1, Err(Inexact)),
        ("3500", 2, Ok(35)),
        ("-35", 0, Ok(-35)),
        ("+35", 0, Ok(35)),
        // BTC at 100k with 8 decimals
        ("100000.00000000", -8, Ok(10_000_000_000_000)),
        ("-100000.00000000", -8, Ok(-10_000_000_000_000)),
        // meme-coin sizes of 10^11
        ("100000000000.00", -2, Ok(10_000_000_000_000)),
        ("100000000000.00", -8, Err(Overflow)),
        ("100000000000", -7, Ok(1_000_000_000_000_000_000)),
        ("100000000000", -8, Err(Overflow)),
        // prices of 10^-8
        ("0.00000001", -8, Ok(1)),
        ("0.00000001", -7, Err(Inexact)),
        ("0.00000001", -18, Ok(10_000_000_000)),
        ("1e-8", -8, Ok(1)),
        // shapes: bare point, bare fraction, leading zeros
        ("5.", 0, Ok(5)),
        (".5", -1, Ok(5)),
        ("-.5", -1, Ok(-5)),
        (".5", 0, Err(Inexact)),
        ("0005.50", -2, Ok(550)),
        ("00000000000000000000000001", 0, Ok(1)),
        ("1.000000000000000000000000000000", 0, Ok(1)),
        // JSON numbers with exponents
        ("1.23e-5", -7, Ok(123)),
        ("1.23e-5", -6, Err(Inexact)),
        ("1.23E-5", -18, Ok(12_300_000_000_000)),
        ("5E3", 0, Ok(5000)),
        ("5e3", 3, Ok(5)),
        ("5e+3", 4, Err(Inexact)),
        ("2E+3", -2, Ok(200_000)),
        ("1.5e-7", -8, Ok(15)),
        ("1e5", 0, Ok(100_000)),
        ("1e0000005", 0, Ok(100_000)),
        ("1e18", 0, Ok(1_000_000_000_000_000_000)),
        ("1e19", 0, Err(Overflow)),
        ("1e99999999999999999999", 0, Err(Overflow)),
        ("1e-99999999999999999999", 0, Err(Inexact)),
        ("0e99999999999999999999", 0, Ok(0)),
        ("123000e-3", 0, Ok(123)),
        ("-0.0", 0, Ok(0)),
        ("-0.0", -8, Ok(0)),
        ("-0", 18, Ok(0)),
        ("-0e-5", -2, Ok(0)),
        ("0.000", 0, Ok(0)),
        // i64 boundaries
        ("9223372036854775807", 0, Ok(i64::MAX)),
        ("9223372036854775808", 0, Err(Overflow)),
        ("-9223372036854775808", 0, Ok(i64::MIN)),
        ("-9223372036854775809", 0, Err(Overflow)),
        ("-92233720368.54775808", -8, Ok(i64::MIN)),
        ("92233720368.54775807", -8, Ok(i64::MAX)),
        ("92233720368.54775808", -8, Err(Overflow)),
        ("9.223372036854775807", -18, Ok(i64::MAX)),
        ("9.223372036854775808", -18, Err(Overflow)),
        ("-9.223372036854775808", -18, Ok(i64::MIN)),
        ("9223372036854775807000", 3, Ok(i64::MAX)),
        ("9223372036854775807e3", 3, Ok(i64::MAX)),
        ("18446744073709551615", 0, Err(Overflow)),
        ("18446744073709551616", 0, Err(Overflow)),
        // 19-25 digit inputs
        ("1000000000000000000", 0, Ok(1_000_000_000_000_000_000)),
        ("0000000000000000000000001", 0, Ok(1)),
        ("1234567890123456789012345", 0, Err(Overflow)),
        ("1234567890123456789.012345", -6, Err(Overflow)),
        ("1.234567890123456789012345", -18, Err(Inexact)),
        ("1.234567890123456789000000", -18, Ok(1_234_567_890_123_456_789)),
        ("0.000000000000000001", -18, Ok(1)),
        ("0.0000000000000000001", -18, Err(Inexact)),
        ("99999999.99999999", -8, Ok(9_999_999_999_999_999)),
        ("99999999.9999999999", -10, Ok(999_999_999_999_999_999)),
        // errors: empty
        ("", 0, Err(Empty)),
        ("-", 0, Err(Empty)),
        ("+", 0, Err(Empty)),
        (".", 0, Err(Empty)),
        ("-.", -8, Err(Empty)),
        // errors: invalid characters / shapes
        ("e5", 0, Err(InvalidChar)),
        (".e5", 0, Err(InvalidChar)),
        ("-x", 0, Err(InvalidChar)),
        ("1e", 0, Err(InvalidChar)),
        ("1e+", 0, Err(InvalidChar)),
        ("1e-", 0, Err(InvalidChar)),
        ("1.2.3", -2, Err(InvalidChar)),
        ("--1", 0, Err(InvalidChar)),
        ("+-1", 0, Err(InvalidChar)),
        ("-+1", 0, Err(InvalidChar)),
        (" 1", 0, Err(InvalidChar)),
        ("1 ", 0, Err(InvalidChar)),
        ("1_000", 0, Err(InvalidChar)),
        ("1,000", 0, Err(InvalidChar)),
        ("0x10", 0, Err(InvalidChar)),
        ("inf", 0, Err(InvalidChar)),
        ("-inf", 0, Err(InvalidChar)),
        ("NaN", 0, Err(InvalidChar)),
        ("1e5.0", 0, Err(InvalidChar)),
        ("1e5e5", 0, Err(InvalidChar)),
        ("\"35\"", 0, Err(InvalidChar)),
        ("61837.63000000x", -8, Err(InvalidChar)),
        ("61837.6300000x0", -8, Err(InvalidChar)),
        ("6183x.63000000", -8, Err(InvalidChar)),
        ("61837.630/0000", -8, Err(InvalidChar)),
        ("61837.630:0000", -8, Err(InvalidChar)),
        ("0.0000000\u{0}", -8, Err(InvalidChar)),
        ("12345678.1234567\u{e9}", -8, Err(InvalidChar)),
        // errors: unsupported exponent (checked first)
        ("1", 19, Err(UnsupportedExp)),
        ("0", -19, Err(UnsupportedExp)),
        ("x", -128, Err(UnsupportedExp)),
    ];
    for &(s, e, want) in cases {
        assert_eq!(parse(s.as_bytes(), e), want, "parse({s:?}, {e})");
        assert_eq!(reference(s, e), want, "reference({s:?}, {e})");
        assert_eq!(
            Decimal::parse(s.as_bytes(), e),
            want.map(|m| Decimal::new(m, e))
        );
    }
}

#[test]
fn formatting() {
    #[rustfmt::skip]
    let cases: &[(i64, i8, &str)] = &[
        (6_183_763, -2, "61837.63"),
        (6_183_763_000_000, -8, "61837.63"),
        (123, -8, "0.00000123"),
        (1, -8, "0.00000001"),
        (-1, -8, "-0.00000001"),
        (35_130_000, -8, "0.3513"),
        (3_500_000_000, -8, "35"),
        (0, -8, "0"),
        (0, 18, "0"),
        (5, 3, "5000"),
        (-5, 0, "-5"),
        (10, 0, "10"),
        (i64::MAX, 0, "9223372036854775807"),
        (i64::MIN, 0, "-9223372036854775808"),
        (i64::MIN, 18, "-9223372036854775808000000000000000000"),
        (i64::MAX, -18, "9.223372036854775807"),
        (i64::MIN, -18, "-9.223372036854775808"),
        (1, -18, "0.000000000000000001"),
        (-1_000_000_000_000_000_000, -18, "-1"),
        (-1_000_000_000_000_000_000, 18, "-1000000000000000000000000000000000000"),
        // outside the supported range: exponent form, still exact
        (7, 19, "7e19"),
        (-120, -40, "-12e-39"),
        (i64::MIN, -128, "-9223372036854775808e-128"),
        (i64::MIN, 127, "-9223372036854775808e127"),
    ];
    for &(m, e, want) in cases {
        assert_eq!(fmt(m, e), want, "format_into({m}, {e})");
        assert_eq!(Decimal::new(m, e).to_string(), want);
    }
}

#[test]
fn fraction_digits_table() {
    let cases: &[(&str, Option<u8>)] = &[
        ("61837.63000000", Some(2)),
        ("0.00000123", Some(8)),
        ("0.35130000", Some(4)),
        ("35", Some(0)),
        ("3500", Some(0)),
        ("1.5e-7", Some(8)),
        ("1.5e3", Some(0)),
        ("1.2345e2", Some(2)),
        ("0", Some(0)),
        ("-0.000", Some(0)),
        ("0e-300", Some(0)),
        (".5", Some(1)),
        ("5.", Some(0)),
        ("1e-255", Some(255)),
        ("1e-256", None),
        ("", None),
        ("abc", None),
        ("1.2.3", None),
        ("1e", None),
    ];
    for &(s, want) in cases {
        assert_eq!(
            fraction_digits(s.as_bytes()),
            want,
            "fraction_digits({s:?})"
        );
    }
}

#[test]
fn to_f64() {
    assert_eq!(Decimal::new(6_183_763, -2).to_f64(), 61837.63);
    assert_eq!(Decimal::new(123, -8).to_f64(), 0.00000123);
    assert_eq!(Decimal::new(1, -18).to_f64(), 1e-18);
    assert_eq!(Decimal::new(-5, 3).to_f64(), -5000.0);
    assert_eq!(
        Decimal::new(i64::MAX, -18).to_f64(),
        "9.223372036854775807".parse::<f64>().unwrap()
    );
    assert_eq!(
        Decimal::new(i64::MIN, 18).to_f64(),
        "-9.223372036854775808e36".parse::<f64>().unwrap()
    );
    assert_eq!(Decimal::new(3, -40).to_f64(), 3e-40);
    assert_eq!(Decimal::new(0, -8).to_f64(), 0.0);
}

/// Every string up to 4 bytes over an alphabet covering all grammar parts agrees with the
/// reference, error class included.
#[test]
fn exhaustive_short_strings() {
    let alpha = b"05.-+eE x";
    let mut s = Vec::new();
    fn rec(s: &mut Vec<u8>, alpha: &[u8], depth: usize) {
        let t = std::str::from_utf8(s).unwrap();
        for e in [-18i8, -8, -1, 0, 1, 3, 18, 19] {
            assert_eq!(parse(s, e), reference(t, e), "parse({t:?}, {e})");
        }
        if depth == 0 {
            return;
        }
        for &c in alpha {
            s.push(c);
            rec(s, alpha, depth - 1);
            s.pop();
        }
    }
    rec(&mut s, alpha, 4);
}

/// The fast path's shapes (`int.frac`, every int/frac length around the 8-byte windows) with
/// every exponent.
#[test]
fn fast_path_shapes() {
    let digits = b"908172635445362718990817263544536";
    for sign in ["", "-"] {
        for a in 0..=10 {
            for b in 0..=18 {
                for dot in [true, false] {
                    if !dot && b > 0 {
                        continue;
                    }
                    for z in [0, 3] {
                        let mut s = String::from(sign);
                        s.push_str(std::str::from_utf8(&digits[..a]).unwrap());
                        if dot {
                            s.push('.');
                            s.push_str(std::str::from_utf8(&digits[a..a + b]).unwrap());
                            s.extend(std::iter::repeat_n('0', z));
                        }
                        for e in -18..=2 {
                            assert_eq!(parse(s.as_bytes(), e), reference(&s, e), "{s:?} at {e}");
                        }
                    }
                }
            }
        }
    }
}

/// Venue-shaped numbers: sign, padded integer and fraction runs, optional exponent.
fn number_text() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just(""), Just("-"), Just("+")],
        0usize..4,
        "[0-9]{0,20}",
        prop_oneof![3 => Just(true), 1 => Just(false)],
        "[0-9]{0,20}",
        0usize..12,
        prop_oneof![
            4 => Just(String::new()),
            1 => (prop_oneof![Just("e"), Just("E")], prop_oneof![Just(""), Just("-"), Just("+")], 0usize..3, 0u32..40)
                .prop_map(|(e, s, z, v)| format!("{e}{s}{}{v}", "0".repeat(z))),
        ],
    )
        .prop_map(|(sign, lead, int, dot, frac, trail, e)| {
            let mut s = format!("{sign}{}{int}", "0".repeat(lead));
            if dot {
                s.push('.');
                s.push_str(&frac);
                s.push_str(&"0".repeat(trail));
            }
            s + &e
        })
}

/// An `i64` biased toward the interesting ones.
fn mantissa() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        -1_000_000i64..1_000_000,
        Just(i64::MAX),
        Just(i64::MIN),
        Just(0),
        (0u32..19, any::<bool>()).prop_map(|(p, n)| if n { -10i64.pow(p) } else { 10i64.pow(p) }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn round_trip(m in mantissa(), e in -18i8..=18) {
        let mut b = [0u8; 48];
        let n = format_into(m, e, &mut b);
        prop_assert_eq!(parse(&b[..n], e), Ok(m));
        // a finer exponent scales exactly or overflows, never a wrong number
        for j in 1..=3i8 {
            if e - j >= -18 {
                let want = m.checked_mul(10i64.pow(j as u32)).ok_or(Overflow);
                prop_assert_eq!(parse(&b[..n], e - j), want);
            }
        }
        // canonical: at most -e fraction digits, none trailing
        let k = fraction_digits(&b[..n]).unwrap();
        prop_assert!(i32::from(k) <= (-i32::from(e)).max(0));
        let t = std::str::from_utf8(&b[..n]).unwrap();
        prop_assert!(!t.contains('.') || !t.ends_with('0'));
        prop_assert!(!t.contains('e') && !t.contains('+') && t != "-0");
        // to_f64 is correctly rounded
        prop_assert_eq!(Decimal::new(m, e).to_f64(), t.parse::<f64>().unwrap());
    }

    #[test]
    fn agrees_with_reference(s in number_text(), e in -20i8..=20) {
        prop_assert_eq!(parse(s.as_bytes(), e), reference(&s, e), "{:?} at {}", s, e);
    }

    #[test]
    fn agrees_with_reference_on_noise(s in "[-+0-9.eE x_]{0,24}", e in -19i8..=19) {
        prop_assert_eq!(parse(s.as_bytes(), e), reference(&s, e), "{:?} at {}", s, e);
    }

    #[test]
    fn fraction_digits_is_the_minimal_exponent(s in number_text()) {
        let valid = !matches!(reference(&s, 0), Err(Empty | InvalidChar));
        match fraction_digits(s.as_bytes()) {
            None => prop_assert!(!valid),
            Some(k) => {
                prop_assert!(valid);
                if k <= 18 {
                    prop_assert_ne!(reference(&s, -(k as i8)), Err(Inexact));
                }
                if (1..=19).contains(&k) {
                    prop_assert_eq!(reference(&s, 1 - k as i8), Err(Inexact));
                }
            }
        }
    }
}
