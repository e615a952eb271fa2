//! Shared helpers for tickwire's benchmarks (fixtures, frame sets, run lengths).
//!
//! Short mode: with `TW_BENCH_QUICK=1` in the environment every bench of this crate warms up and
//! measures briefly (a smoke run: figures not worth quoting). Criterion's own
//! `--warm-up-time`/`--measurement-time` flags do not reach groups that set their own times,
//! so the benches take their times from [`secs`] and [`warm`] instead.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Whether the short mode is on (`TW_BENCH_QUICK=1`, or any value but `0` and empty).
pub fn quick() -> bool {
    std::env::var_os("TW_BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Measurement time: `full` seconds, or 0.2 s in short mode.
pub fn secs(full: f64) -> Duration {
    if quick() {
        Duration::from_millis(200)
    } else {
        Duration::from_secs_f64(full)
    }
}

/// Warm-up time: `full` seconds, or 0.05 s in short mode.
pub fn warm(full: f64) -> Duration {
    if quick() {
        Duration::from_millis(50)
    } else {
        Duration::from_secs_f64(full)
    }
}

/// Sample count: `full`, or criterion's minimum (10) in short mode.
pub fn samples(full: usize) -> usize {
    if quick() {
        10
    } else {
        full.max(10)
    }
}

/// A file under `core/tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures")
        .join(rel)
}

/// Binance spot diff-depth frames for `symbol`: `n` consecutive `depthUpdate`s with `levels`
/// levels per side around a 61,837 mid, chained (`U` = previous `u` + 1, five ids each), the
/// first starting at 1001 (bridges [`binance_snapshot`]'s id 1000). About one level in seven
/// is a delete; prices stay inside the snapshot's range, so the book keeps its depth.
pub fn binance_depth_frames(symbol: &str, n: usize, levels: usize) -> Vec<String> {
    let stream = symbol.to_ascii_lowercase();
    (0..n)
        .map(|i| {
            let first = 1001 + (i as u64) * 5;
            let side = |base: i64, step: i64| -> String {
                (0..levels)
                    .map(|k| {
                        let cents = base + step * (k as i64 + (i as i64 % 3));
                        let qty = if (i + k) % 7 == 0 {
                            0
                        } else {
                            1 + (i * 31 + k * 17) % 5000
                        };
                        format!(
                            r#"["{}.{:02}000000","{}.{:05}000"]"#,
                            cents / 100,
                            cents % 100,
                            qty / 1000,
                            qty % 1000 * 100
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            };
            format!(
                r#"{{"stream":"{stream}@depth@100ms","data":{{"e":"depthUpdate","E":1723161255208,"s":"{symbol}","U":{first},"u":{},"b":[{}],"a":[{}]}}}}"#,
                first + 4,
                side(6_183_700, -1),
                side(6_183_800, 1)
            )
        })
        .collect()
}

/// A Binance spot REST depth snapshot (`lastUpdateId` 1000) with `levels` levels per side, one
/// cent apart, best first.
pub fn binance_snapshot(levels: usize) -> String {
    let side = |base: i64, step: i64| -> String {
        (0..levels)
            .map(|k| {
                format!(
                    r#"["{}.{:02}000000","1.00000000"]"#,
                    (base + step * k as i64) / 100,
                    (base + step * k as i64) % 100
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    format!(
        r#"{{"lastUpdateId":1000,"bids":[{}],"asks":[{}]}}"#,
        side(6_183_700, -1),
        side(6_183_800, 1)
    )
}

/// A Binance spot trade frame for `symbol` with trade id `id`.
pub fn binance_trade(symbol: &str, id: u64) -> String {
    format!(
        r#"{{"stream":"{}@trade","data":{{"e":"trade","E":1723161255343,"s":"{symbol}","t":{id},"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}}}"#,
        symbol.to_ascii_lowercase()
    )
}

/// A Binance spot bookTicker frame for `symbol` with update id `u`.
pub fn binance_book_ticker(symbol: &str, u: u64) -> String {
    format!(
        r#"{{"stream":"{}@bookTicker","data":{{"u":{u},"s":"{symbol}","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}}}"#,
        symbol.to_ascii_lowercase()
    )
}

/// A small deterministic generator (xorshift64*), so every run replays the same stream.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeded (0 is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}
