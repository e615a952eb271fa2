//! Serde pieces the venues' JSON readers share: `[price, size, …]` level arrays read as byte
//! spans of the frame (no copy, no allocation), and a walk over a JSON array that does not
//! collect it.

use crate::venue::ParseError;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// A level as byte ranges of the frame: `[price_start, price_end, qty_start, qty_end]`.
pub type LevelSpan = [u32; 4];

/// The byte span of `s` inside the text at `base..base+len` (it must be borrowed from it).
pub(crate) fn span_of<E: de::Error>(base: usize, len: usize, s: &str) -> Result<(u32, u32), E> {
    let start = (s.as_ptr() as usize).wrapping_sub(base);
    if start > len || s.len() > len - start || len > u32::MAX as usize {
        return Err(E::custom("level text is not borrowed from the frame"));
    }
    Ok((start as u32, (start + s.len()) as u32))
}

/// Reads an array of `["price","size", …]` string levels (elements after the first two are
/// ignored: OKX's deprecated `"0"` and order count) into `out` as spans of the text at
/// `base..base+len`.
pub(crate) struct PairsSeed<'s> {
    /// Address of the frame's first byte.
    pub base: usize,
    /// The frame's length.
    pub len: usize,
    /// Where the levels go.
    pub out: &'s mut Vec<LevelSpan>,
}

impl<'de> DeserializeSeed<'de> for PairsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PairsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of [price, size, …] levels")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(Pair(px, qty)) = seq.next_element::<Pair<'de>>()? {
            let (a, b) = span_of::<A::Error>(self.base, self.len, px)?;
            let (c, d) = span_of::<A::Error>(self.base, self.len, qty)?;
            self.out.push([a, b, c, d]);
        }
        Ok(())
    }
}

/// `["price","size", …]` with anything after the first two elements ignored (Coinbase
/// Exchange and REST level-2 books, Kraken REST depth `[price, volume, time]`).
#[derive(Debug)]
pub struct Pair<'a>(pub &'a str, pub &'a str);

impl<'de> Deserialize<'de> for Pair<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pair<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[price, size, …]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pair<'de>, A::Error> {
                let px: &'de str = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let qty: &'de str = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Pair(px, qty))
            }
        }
        d.deserialize_seq(V)
    }
}

/// Calls `f` on every element of the JSON array `data`, deserialized as `T` (borrowing from
/// `data`), without collecting them: no allocation. The first error `f` returns stops the walk
/// and is returned as is; a shape error is [`ParseError::Malformed`]. Returns the count.
pub fn for_each<'a, T: Deserialize<'a>>(
    data: &'a str,
    f: impl FnMut(T) -> Result<(), ParseError>,
) -> Result<usize, ParseError> {
    let mut stopped = None;
    let mut de = sonic_rs::Deserializer::from_str(data);
    let walked = de
        .deserialize_seq(ForEach {
            f,
            stopped: &mut stopped,
            _t: PhantomData,
        })
        .and_then(|n| de.end().map(|()| n));
    match (stopped, walked) {
        (Some(e), _) => Err(e),
        (None, Ok(n)) => Ok(n),
        (None, Err(e)) => Err(ParseError::Malformed(e.to_string())),
    }
}

struct ForEach<'s, T, F> {
    f: F,
    stopped: &'s mut Option<ParseError>,
    _t: PhantomData<fn() -> T>,
}

impl<'de, T: Deserialize<'de>, F: FnMut(T) -> Result<(), ParseError>> Visitor<'de>
    for ForEach<'_, T, F>
{
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while let Some(item) = seq.next_element::<T>()? {
            if let Err(e) = (self.f)(item) {
                *self.stopped = Some(e);
                return Err(de::Error::custom("stopped"));
            }
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_each_walks_without_collecting_and_stops_on_error() {
        let mut seen = Vec::new();
        let n = for_each::<i64>("[1,2,3]", |x| {
            seen.push(x);
            Ok(())
        })
        .unwrap();
        assert_eq!((n, seen), (3, vec![1, 2, 3]));
        let r = for_each::<i64>("[1,2,3]", |x| {
            if x == 2 {
                Err(ParseError::Malformed("two".into()))
            } else {
                Ok(())
            }
        });
        assert!(matches!(r, Err(ParseError::Malformed(m)) if m == "two"));
        assert!(for_each::<i64>("[1,", |_| Ok(())).is_err());
        assert!(for_each::<i64>("{}", |_| Ok(())).is_err());
        assert!(for_each::<i64>("[1] x", |_| Ok(())).is_err());
    }

    #[test]
    fn pairs_are_spans_of_the_frame_and_extras_are_ignored() {
        let text = r#"[["1.5","2","0","3"],["7","0.25"]]"#;
        let mut out = Vec::new();
        let mut de = sonic_rs::Deserializer::from_str(text);
        PairsSeed {
            base: text.as_ptr() as usize,
            len: text.len(),
            out: &mut out,
        }
        .deserialize(&mut de)
        .unwrap();
        let s = |r: [u32; 4]| {
            (
                &text[r[0] as usize..r[1] as usize],
                &text[r[2] as usize..r[3] as usize],
            )
        };
        assert_eq!(out.len(), 2);
        assert_eq!(s(out[0]), ("1.5", "2"));
        assert_eq!(s(out[1]), ("7", "0.25"));
        // a level with one element, or a number where text is expected, is refused
        for bad in [r#"[["1"]]"#, r#"[[1,2]]"#] {
            let mut de = sonic_rs::Deserializer::from_str(bad);
            let r = PairsSeed {
                base: bad.as_ptr() as usize,
                len: bad.len(),
                out: &mut Vec::new(),
            }
            .deserialize(&mut de);
            assert!(r.is_err(), "{bad}");
        }
    }
}
