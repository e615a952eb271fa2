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
    #[inline]
    pub fn byte(&mut self, c: u8) -> Option<()> {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
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

    /// `"key":` → `key`.
    #[inline]
    pub fn key(&mut self) -> Option<&'a [u8]> {
        let k = self.string()?;
        self.byte(b':')?;
        Some(k)
    }

    /// A string without escapes → its content. Eight bytes at a time: a word is searched for
    /// `"`, `\\` and raw control characters (banned in JSON strings) at once.
    #[inline]
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
    #[inline]
    pub fn uint(&mut self) -> Option<u64> {
        let rest = &self.b[self.i..];
        let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || (n > 1 && rest[0] == b'0') || matches!(rest.get(n), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let digits = &rest[..n];
        let v = if n <= 19 {
            // at most 19 digits cannot overflow a u64
            digits
                .iter()
                .fold(0u64, |v, &c| v * 10 + u64::from(c - b'0'))
        } else {
            digits.iter().try_fold(0u64, |v, &c| {
                v.checked_mul(10)?.checked_add(u64::from(c - b'0'))
            })?
        };
        self.i += n;
        Some(v)
    }

    /// An integer that fits `i64`.
    #[inline]
    pub fn int(&mut self) -> Option<i64> {
        if self.byte(b'-').is_some() {
            let v = self.uint()?;
            0i64.checked_sub_unsigned(v)
        } else {
            i64::try_from(self.uint()?).ok()
        }
    }

    /// `true` or `false`.
    #[inline]
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
    #[inline]
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
