//! The byte-level `depthUpdate` fast path (fixed Binance layouts, one-pass level reader, no
//! UTF-8 pass) against the general path: the same result and the same events on every depth
//! frame of the corpus, and on malformed variants of them (truncations, bytes that are not
//! digits, exponents, signs, overlong numbers, invalid UTF-8, values that do not convert
//! exactly). Run with `TICKWIRE_CORPUS=/path/to/shared/corpus` from a worktree that is not
//! beside the corpus.

mod common;

use common::{fixture, shared_corpus};
use std::path::{Path, PathBuf};
use tickwire::event::{Event, Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::record::{FrameKind, Reader};
use tickwire::venue::binance::BinanceParser;
use tickwire::venue::{Control, FrameParser, ParseError};

fn sessions(root: &Path) -> Vec<(Venue, PathBuf)> {
    let mut v = Vec::new();
    for (dir, venue) in [
        ("binance", Venue::Binance),
        ("binance_usdm", Venue::BinanceUsdm),
        ("binance_coinm", Venue::BinanceCoinm),
    ] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
            .collect();
        files.sort();
        v.extend(files.into_iter().map(|f| (venue, f)));
    }
    v
}

fn roots() -> Vec<PathBuf> {
    shared_corpus().into_iter().chain([fixture("")]).collect()
}

/// Every `depthUpdate` text frame of every Binance session, with its venue.
fn depth_frames() -> Vec<(Venue, Vec<u8>)> {
    let mut v = Vec::new();
    for root in roots() {
        for (venue, path) in sessions(&root) {
            let mut reader = Reader::open(&path).expect("open");
            while let Some(f) = reader.next_frame().expect("read") {
                if f.kind == FrameKind::WsText
                    && memchr::memmem::find(f.payload, b"\"depthUpdate\"").is_some()
                {
                    v.push((venue, f.payload.to_vec()));
                }
            }
        }
    }
    v
}

/// A fast and a general parser over one table.
struct Pair {
    fast: BinanceParser,
    slow: BinanceParser,
}

impl Pair {
    fn new(venue: Venue) -> Pair {
        let table = Instruments::new();
        let fast = BinanceParser::new(venue, table.clone());
        let mut slow = BinanceParser::new(venue, table);
        slow.set_fast_paths(false);
        Pair { fast, slow }
    }

    /// Both parsers on `frame`: the results and the events must be the same.
    fn check(&mut self, frame: &[u8]) -> (Result<Control, ParseError>, Vec<Event>) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let ra = self.fast.parse_frame(frame, Nanos(7), &mut a);
        let rb = self.slow.parse_frame(frame, Nanos(7), &mut b);
        assert_eq!(ra, rb, "{}", String::from_utf8_lossy(frame));
        assert_eq!(a, b, "{}", String::from_utf8_lossy(frame));
        (ra, a)
    }
}

/// The payload of a combined-stream frame (`{"stream":..,"data":<payload>}`), or the frame.
fn payload(frame: &[u8]) -> &[u8] {
    match memchr::memmem::find(frame, b",\"data\":") {
        Some(p) if frame.starts_with(b"{\"stream\":") => &frame[p + 8..frame.len() - 1],
        _ => frame,
    }
}

#[test]
fn depth_fast_path_agrees_with_the_general_path_on_every_corpus_depth_frame() {
    let frames = depth_frames();
    assert!(frames.len() > 100, "only {} depth frames", frames.len());
    let mut took = 0u64;
    let mut total = 0u64;
    for venue in [Venue::Binance, Venue::BinanceUsdm, Venue::BinanceCoinm] {
        let mut p = Pair::new(venue);
        for (_, f) in frames.iter().filter(|(v, _)| *v == venue) {
            // twice: the first sight of a symbol goes the general way and interns it, the
            // second takes the layout path; then the same payload without its envelope
            let h0 = p.fast.depth_layout_hits();
            let _ = p.check(f);
            let _ = p.check(f);
            let _ = p.check(payload(f));
            took += p.fast.depth_layout_hits() - h0;
            total += 3;
        }
        assert_eq!(p.slow.fast_hits(), 0);
    }
    // every frame but the first of each symbol, in both forms
    assert!(
        took * 10 > total * 6,
        "layout path took only {took} of {total} depth frames"
    );
}

/// Malformed or unusual variants of `frame`, each a whole frame.
fn variants(frame: &[u8]) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    // every truncation
    for n in 0..frame.len() {
        v.push(frame[..n].to_vec());
    }
    // each byte of the first 400 replaced by bytes the reader must refuse or treat exactly
    for i in 0..frame.len().min(400) {
        for bad in [
            b'x', b'-', b'+', b'e', b'E', b'.', b' ', b'"', b'\\', b',', b']', b'0', b'9', 0x01,
            0x7f, 0xc3, 0xff,
        ] {
            if frame[i] != bad {
                let mut f = frame.to_vec();
                f[i] = bad;
                v.push(f);
            }
        }
    }
    // a byte inserted or removed at each position of the first 200
    for i in 0..frame.len().min(200) {
        let mut f = frame.to_vec();
        f.insert(i, b'7');
        v.push(f);
        let mut f = frame.to_vec();
        f.remove(i);
        v.push(f);
    }
    // the first price and size rewritten in forms the one-pass reader leaves alone
    let text = String::from_utf8_lossy(frame).into_owned();
    if let Some(start) = text.find("[[\"") {
        let px_start = start + 3;
        let px_end = px_start + text[px_start..].find('"').expect("price end");
        let qty_start = px_end + 3;
        let qty_end = qty_start + text[qty_start..].find('"').expect("qty end");
        for repl in [
            "6.183763e4",
            "6183763E-2",
            "1e0000005",
            "+61837.63",
            "-61837.63",
            "-0.00000000",
            ".5",
            "5.",
            "",
            "0",
            "00061837.63",
            "12345678.1",
            "1234567.12345678",
            "1.123456789",
            "0.000000001",
            "0.000000010",
            "123456789012345678901234567890.1",
            "9223372036854775807",
            "92233720368.54775808",
            "1.10000000000000000000",
            "61837.63x",
            "61837..63",
            "6 1837.63",
            "61837.63\u{e9}",
        ] {
            for (s, e) in [(px_start, px_end), (qty_start, qty_end)] {
                let mut t = text.clone();
                t.replace_range(s..e, repl);
                v.push(t.into_bytes());
            }
        }
    }
    v
}

#[test]
fn malformed_depth_frames_give_the_general_path_s_result_and_never_panic() {
    let frames = depth_frames();
    // a few frames of each venue and shape (with and without `T`, `ps`, `pu`, empty sides)
    let mut picked: Vec<(Venue, Vec<u8>)> = Vec::new();
    for venue in [Venue::Binance, Venue::BinanceUsdm, Venue::BinanceCoinm] {
        let of: Vec<&(Venue, Vec<u8>)> = frames.iter().filter(|(v, _)| *v == venue).collect();
        let short = of.iter().filter(|(_, f)| f.len() < 700).take(2);
        let empty = of
            .iter()
            .filter(|(_, f)| memchr::memmem::find(f, b"\"b\":[]").is_some())
            .take(1);
        picked.extend(short.chain(empty).map(|&x| x.clone()));
    }
    assert!(picked.len() >= 6, "{} frames picked", picked.len());
    let mut layout_variants = 0;
    for (venue, frame) in &picked {
        for form in [&frame[..], payload(frame)] {
            let mut p = Pair::new(*venue);
            let (r, _) = p.check(form);
            assert!(r.is_ok(), "{r:?}");
            let _ = p.check(form); // symbol now known: the layout path reads the variants
            for bad in variants(form) {
                let h0 = p.fast.depth_layout_hits();
                let _ = p.check(&bad);
                layout_variants += p.fast.depth_layout_hits() - h0;
            }
        }
    }
    // the layout path itself read some of the variants (digits changed, other forms of the
    // same numbers), not only the general path
    assert!(layout_variants > 100, "{layout_variants}");
}

#[test]
fn exactness_rules_follow_the_instrument_exponent() {
    let frame = br#"{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":10,"u":12,"b":[["61837.63000000","0.50000000"],["61837.60000000","12.00000000"]],"a":[["61837.64000000","0.00000000"]]}"#;
    let inexact = br#"{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":10,"u":12,"b":[["61837.63000000","0.50000000"],["61837.61500000","12.00000000"]],"a":[["61837.64000000","0.00000000"]]}"#;
    for (px_exp, qty_exp) in [
        (-8, -8),
        (-2, -1),
        (-2, 0),
        (0, 0),
        (-10, -10),
        (-12, -9),
        (2, 1),
    ] {
        let table = Instruments::new();
        table.set_exponents(Venue::Binance, "BTCUSDT", px_exp, qty_exp);
        let mut fast = BinanceParser::new(Venue::Binance, table.clone());
        let mut slow = BinanceParser::new(Venue::Binance, table);
        slow.set_fast_paths(false);
        let mut converts = true;
        for f in [&frame[..], &frame[..], &inexact[..], &frame[..]] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let ra = fast.parse_frame(f, Nanos(1), &mut a);
            let rb = slow.parse_frame(f, Nanos(1), &mut b);
            assert_eq!(ra, rb, "{px_exp} {qty_exp}");
            assert_eq!(a, b, "{px_exp} {qty_exp}");
            converts &= f == &inexact[..] || ra.is_ok();
        }
        // frames whose values convert are read by the layout path once the symbol is known
        if converts {
            assert!(fast.depth_layout_hits() >= 2, "{px_exp} {qty_exp}");
        }
    }
    // at -2 the trailing zeros are dropped exactly and 61837.615 is refused
    let table = Instruments::new();
    table.set_exponents(Venue::Binance, "BTCUSDT", -2, -1);
    let mut p = BinanceParser::new(Venue::Binance, table);
    let mut out = Vec::new();
    p.parse_frame(frame, Nanos(1), &mut out).expect("first");
    out.clear();
    p.parse_frame(frame, Nanos(1), &mut out).expect("second");
    assert_eq!(p.depth_layout_hits(), 1);
    assert_eq!(
        out.iter().map(|e| (e.v[0], e.v[1])).collect::<Vec<_>>(),
        vec![(6_183_763, 5), (6_183_760, 120), (6_183_764, 0)]
    );
    out.clear();
    assert!(matches!(
        p.parse_frame(inexact, Nanos(1), &mut out),
        Err(ParseError::Value { seq: 12, .. })
    ));
    assert!(out.is_empty());
}
