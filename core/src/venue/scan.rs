//! A strict, allocation-free scanner for the compact JSON venues send on their hot streams:
//! flat objects of strings, numbers and booleans, and arrays of `[string, string]` pairs.
//!
//! It is a *fast path*: every method returns `None` as soon as the input is anything it does
//! not fully understand (whitespace, escapes, nesting it was not asked to read, a number outside
//! JSON's grammar), and the caller then re-parses the frame with the general parser, which
//! gives the precise error. It never accepts text that is not valid JSON for what it read:
//! strings are checked for control characters, numbers against the JSON grammar, and
//! [`Scanner::finish`] requires the end of input.

/// A cursor over one frame.
#[derive(Debug)]
pub struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

/// A level's price and size mantissas, or the first value's conversion error.
pub type LevelValues = Result<(i64, i64), crate::decimal::DecimalError>;

/// What follows a value inside an object or array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// `,`: another member follows.
    More,
    /// `}` or `]`: the container ended.
    End,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `b`.
    pub fn new(b: &'a [u8]) -> Self {
        Scanner { b, i: 0 }
    }

    /// Consumes `c`.
    #[inline(always)]
    pub fn byte(&mut self, c: u8) -> Option<()> {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// Consumes `lit` exactly (a fixed run of keys and punctuation).
    #[inline(always)]
    pub fn literal(&mut self, lit: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + lit.len()) == Some(lit) {
            self.i += lit.len();
            Some(())
        } else {
            None
        }
    }

    /// Peeks at the next byte.
    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// `"key":` → `key`. Venues' hot keys are one or two letters: those are matched as one
    /// 4- or 5-byte pattern without the string scan.
    #[inline(always)]
    pub fn key(&mut self) -> Option<&'a [u8]> {
        let b = self.b;
        let i = self.i;
        if let Some(&[b'"', k, c2, c3]) = b.get(i..i + 4) {
            let plain = |c: u8| c >= 0x20 && c != b'"' && c != b'\\';
            if c2 == b'"' && c3 == b':' && plain(k) {
                self.i = i + 4;
                return Some(&b[i + 1..i + 2]);
            }
            if c3 == b'"' && plain(k) && plain(c2) && b.get(i + 4) == Some(&b':') {
                self.i = i + 5;
                return Some(&b[i + 1..i + 3]);
            }
        }
        let k = self.string()?;
        self.byte(b':')?;
        Some(k)
    }

    /// A string without escapes → its content. Eight bytes at a time: a word is searched for
    /// `"`, `\\` and raw control characters (banned in JSON strings) at once.
    #[inline(always)]
    pub fn string(&mut self) -> Option<&'a [u8]> {
        self.byte(b'"')?;
        let start = self.i;
        let b = self.b;
        let mut i = start;
        while let Some(chunk) = b.get(i..i + 8) {
            // one unaligned 8-byte load (the conversion cannot fail: the slice has 8 bytes)
            let Ok(word) = <[u8; 8]>::try_from(chunk) else {
                break;
            };
            let w = u64::from_le_bytes(word);
            let hits = special_bytes(w);
            if hits != 0 {
                i += (hits.trailing_zeros() / 8) as usize;
                return self.end_string(start, i);
            }
            i += 8;
        }
        while i < b.len() {
            let c = b[i];
            if c == b'"' || c == b'\\' || c < 0x20 {
                return self.end_string(start, i);
            }
            i += 1;
        }
        None
    }

    #[inline]
    fn end_string(&mut self, start: usize, i: usize) -> Option<&'a [u8]> {
        if self.b[i] != b'"' {
            return None;
        }
        self.i = i + 1;
        Some(&self.b[start..i])
    }

    /// A JSON number's text (grammar-checked).
    #[inline]
    pub fn number(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        let b = self.b;
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_len = i - int_start;
        if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
            return None;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let f = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == f {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let e = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == e {
                return None;
            }
        }
        self.i = i;
        Some(&b[start..i])
    }

    /// A non-negative integer that fits `u64`.
    #[inline(always)]
    pub fn uint(&mut self) -> Option<u64> {
        let rest = &self.b[self.i..];
        // Ids and millisecond times have 10 to 13 digits: two word loads find the end and
        // convert without a per-digit loop.
        if let Some(chunk) = rest.get(..16) {
            let (Ok(w0), Ok(w1)) = (
                <[u8; 8]>::try_from(&chunk[..8]),
                <[u8; 8]>::try_from(&chunk[8..]),
            ) else {
                return None;
            };
            let (w0, w1) = (u64::from_le_bytes(w0), u64::from_le_bytes(w1));
            let nd0 = non_digits(w0);
            let nd1 = non_digits(w1);
            let n = if nd0 != 0 {
                (nd0.trailing_zeros() / 8) as usize
            } else if nd1 != 0 {
                8 + (nd1.trailing_zeros() / 8) as usize
            } else {
                16
            };
            if n < 16 {
                if n == 0 || (n > 1 && rest[0] == b'0') || matches!(rest[n], b'.' | b'e' | b'E') {
                    return None;
                }
                // digits shifted to the top of their word, '0's shifted in below
                let v = if n <= 8 {
                    eight_digits(shift_in_zeros(w0, 8 - n))
                } else {
                    eight_digits(w0) * POW10_U64[n - 8] + eight_digits(shift_in_zeros(w1, 16 - n))
                };
                self.i += n;
                return Some(v);
            }
        }
        self.uint_slow()
    }

    /// [`Scanner::uint`] near the end of input or past 16 digits.
    #[inline(never)]
    fn uint_slow(&mut self) -> Option<u64> {
        let rest = &self.b[self.i..];
        let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || (n > 1 && rest[0] == b'0') || matches!(rest.get(n), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let v = rest[..n].iter().try_fold(0u64, |v, &c| {
            v.checked_mul(10)?.checked_add(u64::from(c - b'0'))
        })?;
        self.i += n;
        Some(v)
    }

    /// An integer that fits `i64`.
    #[inline(always)]
    pub fn int(&mut self) -> Option<i64> {
        if self.byte(b'-').is_some() {
            let v = self.uint()?;
            if v == 0 {
                // `-0`: general parsers read it as a float, not an integer
                return None;
            }
            0i64.checked_sub_unsigned(v)
        } else {
            i64::try_from(self.uint()?).ok()
        }
    }

    /// `true` or `false`.
    #[inline(always)]
    pub fn boolean(&mut self) -> Option<bool> {
        let rest = &self.b[self.i..];
        if rest.starts_with(b"true") {
            self.i += 4;
            Some(true)
        } else if rest.starts_with(b"false") {
            self.i += 5;
            Some(false)
        } else {
            None
        }
    }

    /// `,` or a closing `}`/`]`.
    #[inline(always)]
    pub fn next(&mut self, close: u8) -> Option<Next> {
        match self.peek()? {
            b',' => {
                self.i += 1;
                Some(Next::More)
            }
            c if c == close => {
                self.i += 1;
                Some(Next::End)
            }
            _ => None,
        }
    }

    /// The end of input.
    #[inline]
    pub fn finish(&self) -> Option<()> {
        (self.i == self.b.len()).then_some(())
    }

    /// Position (bytes consumed).
    pub fn pos(&self) -> usize {
        self.i
    }

    /// A quoted plain decimal (`"61737.63000000"`: digits, at most one point, no sign, at most
    /// 7 integer and 8 fraction digits) read straight into a mantissa at `exp` by the same word
    /// loads that find its end. `None` when the text is anything else: the caller then reads it
    /// with [`Scanner::string`] and [`crate::decimal::parse`], which give the same result
    /// whenever this one gives one. A value that does not convert exactly is `Some(Err)`.
    #[inline(always)]
    pub fn quoted_decimal(&mut self, exp: i8) -> Option<Result<i64, crate::decimal::DecimalError>> {
        if self.b.get(self.i) != Some(&b'"') {
            return None;
        }
        let (v, end) = crate::decimal::parse_quoted(self.b, self.i + 1, exp)?;
        self.i = end;
        Some(v)
    }

    /// An array of `[string, string]` pairs, calling `f` for each; `None` on any other shape.
    #[inline]
    pub fn pairs(&mut self, mut f: impl FnMut(&'a [u8], &'a [u8]) -> Option<()>) -> Option<()> {
        self.byte(b'[')?;
        if self.byte(b']').is_some() {
            return Some(());
        }
        loop {
            self.byte(b'[')?;
            let a = self.string()?;
            self.byte(b',')?;
            let b = self.string()?;
            self.byte(b']')?;
            f(a, b)?;
            if self.next(b']')? == Next::End {
                return Some(());
            }
        }
    }
}

impl<'a> Scanner<'a> {
    /// An array of `[price, size]` pairs of quoted decimals, calling `f` with each pair's
    /// mantissas at `px_exp`/`qty_exp`, or with the decimal error of a value that does not
    /// convert. `None` on any other shape.
    #[inline(always)]
    pub fn decimal_pairs(
        &mut self,
        px_exp: i8,
        qty_exp: i8,
        mut f: impl FnMut(Result<(i64, i64), crate::decimal::DecimalError>) -> Option<()>,
    ) -> Option<()> {
        self.byte(b'[')?;
        if self.byte(b']').is_some() {
            return Some(());
        }
        // exponents outside -10..=0 never take the one-pass level reader
        let kp = usize::try_from(-i32::from(px_exp)).unwrap_or(usize::MAX);
        let kq = usize::try_from(-i32::from(qty_exp)).unwrap_or(usize::MAX);
        let mut memo = crate::decimal::LevelMemo::default();
        loop {
            // the usual level, `["61737.63000000","0.00000000"]`, in one pass
            if let Some((px, qty, next, end)) =
                crate::decimal::quoted_level(self.b, self.i, kp, kq, &mut memo)
            {
                self.i = next;
                f(Ok((px, qty)))?;
                if end {
                    return Some(());
                }
                continue;
            }
            let (level, end) = self.decimal_level(px_exp, qty_exp)?;
            f(level)?;
            if end {
                return Some(());
            }
        }
    }

    /// One `[price, size]` pair of quoted decimals and the `,` or `]` after it (`true` for the
    /// `]` that closes the array), read value by value: the general reader behind
    /// [`Scanner::decimal_pairs`] and the one-pass level reader. `None` on any other shape.
    #[inline(never)]
    pub fn decimal_level(&mut self, px_exp: i8, qty_exp: i8) -> Option<(LevelValues, bool)> {
        self.byte(b'[')?;
        let px = match self.quoted_decimal(px_exp) {
            Some(v) => v,
            None => crate::decimal::parse(self.string()?, px_exp),
        };
        self.byte(b',')?;
        let qty = match self.quoted_decimal(qty_exp) {
            Some(v) => v,
            None => crate::decimal::parse(self.string()?, qty_exp),
        };
        self.byte(b']')?;
        let end = self.next(b']')? == Next::End;
        Some((px.and_then(|p| qty.map(|q| (p, q))), end))
    }

    /// A scanner over `b` positioned at `i`.
    pub fn at(b: &'a [u8], i: usize) -> Self {
        Scanner { b, i }
    }
}

/// Powers of ten that fit a `u64`'s first 9 exponents (enough for [`Scanner::uint`]).
const POW10_U64: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// High bit set in each byte of `w` that is not an ASCII digit (exact per byte).
#[inline(always)]
fn non_digits(w: u64) -> u64 {
    let d = w ^ 0x3030_3030_3030_3030;
    (d | ((d & 0x7F7F_7F7F_7F7F_7F7F) + 0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080
}

/// `w`'s low `8 - k` bytes moved to the top, ASCII `'0'` in the `k` bytes below (`k` < 8):
/// the digits keep their value as the number's last digits.
#[inline(always)]
fn shift_in_zeros(w: u64, k: usize) -> u64 {
    if k == 0 {
        w
    } else {
        (w << (8 * k)) | (0x3030_3030_3030_3030 >> (64 - 8 * k))
    }
}

/// The value of eight ASCII digits loaded little-endian (first digit in the lowest byte).
#[inline]
fn eight_digits(w: u64) -> u64 {
    let w = w.wrapping_sub(0x3030_3030_3030_3030);
    let w = (w.wrapping_mul(10) + (w >> 8)) & 0x00ff_00ff_00ff_00ff;
    let w = (w.wrapping_mul(100) + (w >> 16)) & 0x0000_ffff_0000_ffff;
    (w.wrapping_mul(10_000) + (w >> 32)) & 0xffff_ffff
}

/// High bit set in the bytes of `w` that are `"`, `\\` or below 0x20. Bits above the first hit
/// may be spurious (borrows), so only the lowest set bit is meaningful.
#[inline]
fn special_bytes(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let quote = zero(w ^ (ONES * u64::from(b'"')));
    let slash = zero(w ^ (ONES * u64::from(b'\\')));
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    quote | slash | control
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_of_every_length() {
        for len in 1..=20usize {
            let text: String = (0..len)
                .map(|k| char::from(b'1' + (k * 7 % 9) as u8))
                .collect();
            let want = text.parse::<u64>().ok();
            for tail in ["", ",", "}", "]"] {
                let t = format!("{text}{tail}");
                let mut sc = Scanner::new(t.as_bytes());
                assert_eq!(sc.uint(), want, "{t}");
                if want.is_some() {
                    assert_eq!(sc.pos(), len);
                }
            }
        }
        // the same inside a longer frame (the two-word path)
        for len in 1..=20usize {
            let text: String = (0..len)
                .map(|k| char::from(b'0' + ((k * 7 + 3) % 10) as u8))
                .collect();
            let want = if len > 1 && text.starts_with('0') {
                None
            } else {
                text.parse::<u64>().ok()
            };
            for tail in [
                ",\"x\":1234567890123}",
                "}",
                "]]]]]]]]]]]]]]]]]]",
                ".5,,,,,,,,,,,,,,,,,",
                "e5}}}}}}}}}}}}}}}",
            ] {
                let t = format!("{text}{tail}");
                let mut sc = Scanner::new(t.as_bytes());
                let got = sc.uint();
                if tail.starts_with(['.', 'e']) {
                    assert_eq!(got, None, "{t}");
                } else {
                    assert_eq!(got, want, "{t}");
                    if want.is_some() {
                        assert_eq!(sc.pos(), len, "{t}");
                    }
                }
            }
        }
        assert_eq!(Scanner::new(b"0,                  ").uint(), Some(0));
        assert_eq!(Scanner::new(b"01,                 ").uint(), None);
        assert_eq!(Scanner::new(b"18446744073709551615").uint(), Some(u64::MAX));
        assert_eq!(Scanner::new(b"18446744073709551616").uint(), None);
        assert_eq!(
            Scanner::new(b"1723161255343,").uint(),
            Some(1_723_161_255_343)
        );
        assert_eq!(Scanner::new(b"12345678:").uint(), Some(12_345_678));
        assert_eq!(Scanner::new(b"1234567/").uint(), Some(1_234_567));
        assert_eq!(Scanner::new(b"12345678.5").uint(), None);
        assert_eq!(Scanner::new(b"0").uint(), Some(0));
        assert_eq!(Scanner::new(b"00").uint(), None);
    }

    #[test]
    fn short_keys_take_the_pattern_path_and_agree_with_the_scan() {
        for (t, k, pos) in [
            (&br#""e":1"#[..], Some(&b"e"[..]), 4),
            (&br#""ps":1"#[..], Some(&b"ps"[..]), 5),
            (&br#""abc":1"#[..], Some(&b"abc"[..]), 6),
            (&br#""""#[..], None, 0),
            (&br#""\"":1"#[..], None, 0),
            (&br#""e"x"#[..], None, 0),
            (&b"\"\x01\":1"[..], None, 0),
            (&br#""":1"#[..], Some(&b""[..]), 3),
        ] {
            let mut sc = Scanner::new(t);
            assert_eq!(sc.key(), k, "{}", String::from_utf8_lossy(t));
            if k.is_some() {
                assert_eq!(sc.pos(), pos);
            }
        }
    }

    #[test]
    fn quoted_decimals_agree_with_the_decimal_parser() {
        let texts = [
            "1234567.12345678",
            "12345678.1",
            "1.123456789",
            "5",
            "123",
            "1234567",
            "61737.63000000",
            "0.00000000",
            "0",
            "1",
            "10",
            "0.1",
            "1.",
            ".5",
            "01",
            "00.1",
            "-1",
            "1e5",
            "123456789012345678",
            "1234567890123456789",
            "12345678901234567890",
            "0.000000001",
            "3.78826000",
            "99999999999",
            "1.5x",
            "",
            "9223372036854775807",
            "9223372036854775808",
            "0.10",
            "7.0",
            "1..2",
        ];
        for t in texts {
            for exp in [-18i8, -10, -8, -2, 0, 2] {
                // padded: the word loads need 8 bytes after the digits start
                let q = format!("\"{t}\"");
                let padded = format!("{q},\"xxxxxxxxxxxxxxxx\"");
                let mut sc = Scanner::new(padded.as_bytes());
                let fused = sc.quoted_decimal(exp);
                let general = crate::decimal::parse(t.as_bytes(), exp);
                if let Some(v) = fused {
                    assert_eq!(v, general, "{t} at {exp}");
                    assert_eq!(sc.pos(), q.len());
                } else {
                    assert_eq!(sc.pos(), 0, "a refusal consumes nothing");
                }
            }
        }
        let mut got = Vec::new();
        Scanner::new(br#"[["61737.63000000","0.00000000"],["1.5","2"]]"#)
            .decimal_pairs(-8, -8, |r| {
                got.push(r);
                Some(())
            })
            .unwrap();
        assert_eq!(
            got,
            vec![Ok((6_173_763_000_000, 0)), Ok((150_000_000, 200_000_000))]
        );
        let mut errs = Vec::new();
        Scanner::new(br#"[["1.123","2"]]"#)
            .decimal_pairs(-2, 0, |r| {
                errs.push(r);
                Some(())
            })
            .unwrap();
        assert_eq!(errs, vec![Err(crate::decimal::DecimalError::Inexact)]);
    }

    #[test]
    fn level_reader_agrees_with_the_decimal_parser() {
        // the one-pass level reader (and its reuse of the previous integer run) inside
        // `decimal_pairs`, against `decimal::parse` of each value
        let texts = [
            "61837.63000000",
            "61837.62000000",
            "61837.6",
            "61836.63000000",
            "0.00000000",
            "0.5",
            "0",
            "5",
            "1234567",
            "1234567.12345678",
            "12345678.1",
            "1.123456789",
            "1.",
            ".5",
            "-1",
            "1e5",
            "007.50",
            "",
            "1.5x",
            "0.10",
        ];
        for exps in [(-8i8, -8i8), (-2, -3), (0, 0), (-10, -1), (-11, -8), (1, 0)] {
            for a in texts {
                for b in texts {
                    let levels = [(a, b), (b, a), (a, a), (b, b), (a, b)];
                    let body: Vec<String> = levels
                        .iter()
                        .map(|(p, q)| format!("[\"{p}\",\"{q}\"]"))
                        .collect();
                    for tail in ["", "],\"a\":[[\"1.00000000\",\"2.00000000\"]]}"] {
                        let t = format!("[{}]{tail}", body.join(","));
                        let mut got = Vec::new();
                        let r = Scanner::new(t.as_bytes()).decimal_pairs(exps.0, exps.1, |l| {
                            got.push(l);
                            Some(())
                        });
                        assert_eq!(r, Some(()), "{t}");
                        let want: Vec<_> = levels
                            .iter()
                            .map(|(p, q)| {
                                crate::decimal::parse(p.as_bytes(), exps.0).and_then(|p| {
                                    crate::decimal::parse(q.as_bytes(), exps.1).map(|q| (p, q))
                                })
                            })
                            .collect();
                        assert_eq!(got, want, "{t} at {exps:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn negative_zero_is_not_an_integer() {
        // general parsers read `-0` as a float: an integer field holding it is malformed
        assert_eq!(Scanner::new(b"-0,").int(), None);
        assert_eq!(Scanner::new(b"-00,").int(), None);
        assert_eq!(Scanner::new(b"0,").int(), Some(0));
        assert_eq!(Scanner::new(b"-1,").int(), Some(-1));
    }

    #[test]
    fn reads_flat_objects_strictly() {
        let mut s = Scanner::new(br#"{"e":"trade","E":17,"p":"1.5","m":true,"x":-3}"#);
        s.byte(b'{').unwrap();
        assert_eq!(s.key(), Some(&b"e"[..]));
        assert_eq!(s.string(), Some(&b"trade"[..]));
        assert_eq!(s.next(b'}'), Some(Next::More));
        assert_eq!(s.key(), Some(&b"E"[..]));
        assert_eq!(s.uint(), Some(17));
        s.next(b'}').unwrap();
        s.key().unwrap();
        assert_eq!(s.string(), Some(&b"1.5"[..]));
        s.next(b'}').unwrap();
        s.key().unwrap();
        assert_eq!(s.boolean(), Some(true));
        s.next(b'}').unwrap();
        s.key().unwrap();
        assert_eq!(s.int(), Some(-3));
        assert_eq!(s.next(b'}'), Some(Next::End));
        assert_eq!(s.finish(), Some(()));
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        assert_eq!(Scanner::new(br#""a\"b""#).string(), None);
        assert_eq!(Scanner::new(b"\"a\x01b\"").string(), None);
        assert_eq!(Scanner::new(b"\"unterminated").string(), None);
        // every position of a terminator or a banned byte inside a word, and after one
        for len in 0..24 {
            for bad in [b'\\', 0x01, 0x1f, b'\n'] {
                for at in 0..len {
                    let mut t = vec![b'"'];
                    t.extend(std::iter::repeat_n(b'a', len));
                    t[1 + at] = bad;
                    t.push(b'"');
                    assert_eq!(
                        Scanner::new(&t).string(),
                        None,
                        "len {len} bad {bad} at {at}"
                    );
                }
            }
            let mut t = vec![b'"'];
            t.extend((0..len).map(|k| b"0123456789.-_xyz\x7f\xc3\xa9 ~ZZ"[k % 23]));
            t.extend_from_slice(b"\"rest");
            let mut sc = Scanner::new(&t);
            assert_eq!(sc.string().map(<[u8]>::len), Some(len));
            assert_eq!(sc.pos(), len + 2);
        }
        for bad in [
            &b"01"[..],
            b"1.",
            b"1e",
            b"-",
            b"1.5",
            b"99999999999999999999",
        ] {
            assert_eq!(
                Scanner::new(bad).uint(),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        for (ok, len) in [(&b"0"[..], 1), (b"-1.5e-7", 7), (b"12E+3", 5)] {
            assert_eq!(Scanner::new(ok).number().map(<[u8]>::len), Some(len));
        }
        assert_eq!(Scanner::new(b"01").number(), None);
        assert_eq!(Scanner::new(b"tru").boolean(), None);
        let mut n = 0;
        assert_eq!(
            Scanner::new(br#"[["1","2"],["3","4"]]"#).pairs(|_, _| {
                n += 1;
                Some(())
            }),
            Some(())
        );
        assert_eq!(n, 2);
        assert_eq!(
            Scanner::new(br#"[["1","2","0"]]"#).pairs(|_, _| Some(())),
            None
        );
        assert_eq!(Scanner::new(br#"[]"#).pairs(|_, _| Some(())), Some(()));
    }
}
