//! Small allocation-free helpers shared by the Coinbase and Kraken parsers: RFC 3339 and
//! `"sec.frac"` timestamps to exact nanoseconds, byte spans into a frame, a serde seed that
//! hands each element of a JSON array to a closure (no `Vec` is built), the venue's text form
//! of a number, and the candle "closer" for venues that send no closed flag.

use crate::event::{flags, Event};
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

use crate::calendar::days_from_civil;

#[inline]
fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let b = s.get(at..at + n)?;
    let mut v = 0u32;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    Some(v)
}

/// RFC 3339 (`2026-08-09T21:05:48.228846629Z`, `…+02:00`, 0–9 fraction digits; `T`, `t` or a
/// space between date and time) to nanoseconds since the epoch, exactly. Digits beyond the
/// ninth fraction digit are refused (they cannot be represented), as is anything else that is
/// not a valid date-time. No allocation, no float.
pub fn rfc3339_ns(s: &[u8]) -> Option<i64> {
    let year = i64::from(digits(s, 0, 4)?);
    if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(s, 5, 2)?;
    let day = digits(s, 8, 2)?;
    if !matches!(s.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = digits(s, 11, 2)?;
    let min = digits(s, 14, 2)?;
    let sec = digits(s, 17, 2)?;
    if s.get(13) != Some(&b':') || s.get(16) != Some(&b':') {
        return None;
    }
    if !(1..=12).contains(&month) || day == 0 || day > month_days(year, month) {
        return None;
    }
    if hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: i64 = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while let Some(&c) = s.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            if i - start == 9 {
                return None;
            }
            nanos = nanos * 10 + i64::from(c - b'0');
            i += 1;
        }
        let n = i - start;
        if n == 0 {
            return None;
        }
        nanos *= 10i64.pow(9 - n as u32);
    }
    let offset_secs: i64 = match s.get(i) {
        Some(b'Z' | b'z') if i + 1 == s.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == s.len() && s[i + 3] == b':' => {
            let oh = i64::from(digits(s, i + 1, 2)?);
            let om = i64::from(digits(s, i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(min) * 60 + i64::from(sec) - offset_secs;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

fn month_days(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `"1618678142.557535"` (seconds with up to 9 fraction digits) to nanoseconds, exactly.
pub fn decimal_seconds_ns(s: &[u8]) -> Option<i64> {
    let (int, frac) = match memchr::memchr(b'.', s) {
        Some(p) => (&s[..p], &s[p + 1..]),
        None => (s, &b""[..]),
    };
    if int.is_empty() || int.len() > 12 || frac.len() > 9 {
        return None;
    }
    let mut secs: i64 = 0;
    for &c in int {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        secs = secs * 10 + i64::from(d);
    }
    let mut nanos: i64 = 0;
    for &c in frac {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        nanos = nanos * 10 + i64::from(d);
    }
    nanos *= 10i64.pow(9 - frac.len() as u32);
    // 12 integer digits can exceed i64 nanoseconds (from year 2262 on): no time, not a wrong one
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Fraction digits of a number exactly as the venue wrote it (`"354.80000000"` → 8,
/// `"65083"` → 0): trailing zeros count, because checksums are computed on the text. Numbers
/// with an exponent (`1.5e-7`) give their significant fraction digits.
pub fn written_digits(s: &[u8]) -> u8 {
    if memchr::memchr2(b'e', b'E', s).is_some() {
        return crate::decimal::fraction_digits(s).unwrap_or(0);
    }
    match memchr::memchr(b'.', s) {
        Some(p) => u8::try_from(s.len() - p - 1).unwrap_or(u8::MAX),
        None => 0,
    }
}

/// A byte range `[start, end)` of a string borrowed from the frame.
pub type Span = (u32, u32);

/// Where `s` (borrowed from a frame starting at `base`, `len` bytes long) lies in the frame.
pub fn span_of<E: de::Error>(s: &str, base: usize, len: usize) -> Result<Span, E> {
    let start = (s.as_ptr() as usize).wrapping_sub(base);
    if start > len || s.len() > len - start {
        return Err(E::custom("text is not borrowed from the frame"));
    }
    Ok((start as u32, (start + s.len()) as u32))
}

/// The bytes of `span` in `frame`.
#[inline]
pub fn at(frame: &str, span: Span) -> &[u8] {
    frame
        .as_bytes()
        .get(span.0 as usize..span.1 as usize)
        .unwrap_or(b"")
}

/// A JSON number or numeric string as its text, borrowed (`45283.5`, `"45283.5"`): exact
/// decimals from JSON numbers without a float in between.
#[derive(Clone, Copy, Debug)]
pub struct NumText<'a>(pub &'a str);

impl<'de: 'a, 'a> Deserialize<'de> for NumText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = sonic_rs::LazyValue::deserialize(d)?;
        let raw = v.as_raw_str();
        // A borrowed LazyValue points into the frame; strip the quotes of a string.
        let raw: &'de str = match v.as_raw_cow() {
            std::borrow::Cow::Borrowed(b) => b,
            std::borrow::Cow::Owned(_) => {
                return Err(de::Error::custom(format!("number not borrowed: {raw}")))
            }
        };
        let t = raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(raw);
        match t.as_bytes().first() {
            Some(b'-' | b'0'..=b'9' | b'.' | b'+') => Ok(NumText(t)),
            _ => Err(de::Error::custom("expected a number")),
        }
    }
}

/// Deserializes a JSON array element by element, handing each to `f` (no `Vec` is built). `f`
/// returns `Err(())` to stop; the caller keeps its own record of why.
pub struct Each<'f, T, F> {
    f: &'f mut F,
    _t: PhantomData<fn() -> T>,
}

impl<'f, T, F> Each<'f, T, F> {
    /// A seed over `f`.
    pub fn new(f: &'f mut F) -> Self {
        Each { f, _t: PhantomData }
    }
}

impl<'de, 'f, T, F> DeserializeSeed<'de> for Each<'f, T, F>
where
    T: Deserialize<'de>,
    F: FnMut(T) -> Result<(), ()>,
{
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, 'f, T, F> Visitor<'de> for Each<'f, T, F>
where
    T: Deserialize<'de>,
    F: FnMut(T) -> Result<(), ()>,
{
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(x) = seq.next_element::<T>()? {
            (self.f)(x).map_err(|()| de::Error::custom("element refused"))?;
        }
        Ok(())
    }
}

/// Runs [`Each`] over the JSON array `text`.
pub fn each<'de, T, F>(text: &'de str, f: &mut F) -> Result<(), sonic_rs::Error>
where
    T: Deserialize<'de>,
    F: FnMut(T) -> Result<(), ()>,
{
    let mut de = sonic_rs::Deserializer::from_str(text);
    Each::<T, F>::new(f).deserialize(&mut de)?;
    de.end()
}

/// Venues that send candles without a closed flag (Coinbase `candles`, Kraken `ohlc`): a
/// candle is final once the venue sends one with a later open time. The closer remembers the
/// last candle of each instrument (and interval) and, when the next interval begins, hands back
/// a copy of it flagged [`flags::CLOSED`]: the values the venue last sent for that interval.
#[derive(Debug, Default)]
pub struct CandleCloser {
    /// Per instrument, the last candle of each interval (`aux`) seen: one or two, rarely more.
    last: Vec<Vec<Event>>,
}

impl CandleCloser {
    /// Records `ev` (an open candle); returns the previous candle of the same instrument and
    /// interval, closed, when `ev` starts a later interval. A candle older than the one held is
    /// returned as is, flagged closed (history). Candles of other intervals of the instrument
    /// (`candles=1m` and `candles=5m` together) are tracked apart.
    pub fn observe(&mut self, ev: &mut Event) -> Option<Event> {
        let i = ev.instrument as usize;
        if self.last.len() <= i {
            if i > 1 << 20 {
                return None;
            }
            self.last.resize(i + 1, Vec::new());
        }
        let held = &mut self.last[i];
        let Some(prev) = held.iter_mut().find(|p| p.aux == ev.aux) else {
            // a new interval: bounded by the intervals a venue has (a hostile stream of
            // made-up intervals cannot grow it past this)
            if held.len() < 32 {
                held.push(*ev);
            }
            return None;
        };
        if prev.seq > ev.seq {
            ev.flags |= flags::CLOSED;
            None
        } else if prev.seq < ev.seq {
            let mut closed = *prev;
            *prev = *ev;
            closed.flags |= flags::CLOSED;
            closed.ts_recv = ev.ts_recv;
            Some(closed)
        } else {
            *prev = *ev;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_exact_to_the_nanosecond() {
        assert_eq!(
            rfc3339_ns(b"2026-08-09T21:05:48.228846629Z"),
            Some(1_786_309_548_228_846_629)
        );
        assert_eq!(rfc3339_ns(b"1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            rfc3339_ns(b"2021-04-17T16:43:30.244075Z"),
            Some(1_618_677_810_244_075_000)
        );
        assert_eq!(
            rfc3339_ns(b"2021-04-17T18:43:30.244075+02:00"),
            rfc3339_ns(b"2021-04-17T16:43:30.244075Z")
        );
        assert_eq!(
            rfc3339_ns(b"2024-02-29T00:00:00.5Z"),
            Some(1_709_164_800_500_000_000)
        );
        assert_eq!(rfc3339_ns(b"1969-12-31T23:59:59.999999999Z"), Some(-1));
        for bad in [
            &b""[..],
            b"2026-08-09",
            b"2026-08-09T21:05:48",
            b"2026-08-09T21:05:48.Z",
            b"2026-08-09T21:05:48.1234567891Z",
            b"2026-13-09T21:05:48Z",
            b"2023-02-29T21:05:48Z",
            b"2026-08-09T24:05:48Z",
            b"2026-08-09T21:05:48Zx",
            b"2026-08-09T21:05:48+0200",
            b"2026-08-09 21:05:48.85 +0000 UTC m=+41691.26",
            b"20x6-08-09T21:05:48Z",
        ] {
            assert_eq!(rfc3339_ns(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn decimal_seconds_are_exact() {
        assert_eq!(
            decimal_seconds_ns(b"1618678142.557535"),
            Some(1_618_678_142_557_535_000)
        );
        assert_eq!(
            decimal_seconds_ns(b"1618678142"),
            Some(1_618_678_142_000_000_000)
        );
        assert_eq!(
            decimal_seconds_ns(b"1675209660.000000"),
            Some(1_675_209_660_000_000_000)
        );
        assert_eq!(decimal_seconds_ns(b"1.1234567891"), None);
        assert_eq!(decimal_seconds_ns(b"-1.5"), None);
        assert_eq!(decimal_seconds_ns(b".5"), None);
        assert_eq!(decimal_seconds_ns(b"12a.5"), None);
    }

    #[test]
    fn written_digits_keep_trailing_zeros() {
        assert_eq!(written_digits(b"354.80000000"), 8);
        assert_eq!(written_digits(b"65083"), 0);
        assert_eq!(written_digits(b"0.5"), 1);
        assert_eq!(written_digits(b"1.5e-7"), 8);
    }

    #[test]
    fn num_text_borrows_numbers_and_strings() {
        #[derive(Deserialize)]
        struct L<'a> {
            #[serde(borrow)]
            price: NumText<'a>,
            #[serde(borrow)]
            qty: NumText<'a>,
        }
        let l: L<'_> = sonic_rs::from_str(r#"{"price":45283.50,"qty":"0.1"}"#).unwrap();
        assert_eq!((l.price.0, l.qty.0), ("45283.50", "0.1"));
        assert!(sonic_rs::from_str::<L<'_>>(r#"{"price":true,"qty":1}"#).is_err());
        assert!(sonic_rs::from_str::<L<'_>>(r#"{"price":"abc","qty":1}"#).is_err());
    }

    #[test]
    fn candles_close_when_the_next_interval_begins() {
        let mut c = CandleCloser::default();
        let ev = |seq: u64, close: i64| Event {
            seq,
            aux: 300,
            v: [1, 2, 0, close, 5],
            ..Event::default()
        };
        let mut a = ev(1000, 10);
        assert!(c.observe(&mut a).is_none());
        let mut a2 = ev(1000, 11);
        assert!(c.observe(&mut a2).is_none());
        let mut b = ev(1300, 12);
        let closed = c.observe(&mut b).expect("closed");
        assert!(closed.has(flags::CLOSED));
        assert_eq!((closed.seq, closed.v[3]), (1000, 11));
        let mut old = ev(700, 1);
        assert!(c.observe(&mut old).is_none());
        assert!(old.has(flags::CLOSED));
        assert!(!b.has(flags::CLOSED));
    }
    #[test]
    fn candles_of_two_intervals_close_apart() {
        let mut c = CandleCloser::default();
        let ev = |seq: u64, aux: u32, close: i64| Event {
            seq,
            aux,
            v: [1, 2, 0, close, 5],
            ..Event::default()
        };
        // 1m and 5m interleaved, as `candles,candles=5m` delivers them
        assert!(c.observe(&mut ev(0, 60, 1)).is_none());
        assert!(c.observe(&mut ev(0, 300, 1)).is_none());
        assert!(c.observe(&mut ev(0, 60, 2)).is_none());
        assert!(c.observe(&mut ev(0, 300, 2)).is_none());
        let closed = c
            .observe(&mut ev(60_000, 60, 3))
            .expect("the minute closed");
        assert_eq!((closed.seq, closed.aux, closed.v[3]), (0, 60, 2));
        assert!(closed.has(flags::CLOSED));
        // the five-minute candle is still open, and updates do not close it
        assert!(c.observe(&mut ev(0, 300, 3)).is_none());
        assert!(c.observe(&mut ev(120_000, 60, 4)).is_some());
        let closed = c.observe(&mut ev(300_000, 300, 9)).expect("the 5m closed");
        assert_eq!((closed.seq, closed.aux, closed.v[3]), (0, 300, 3));
        // another instrument is its own
        let mut other = ev(0, 300, 1);
        other.instrument = 1;
        assert!(c.observe(&mut other).is_none());
    }
}
