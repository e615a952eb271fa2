//! The instrument table: venue + native symbol ↔ interned [`InstrumentId`], with the decimal
//! exponents of prices and sizes.
//!
//! Writers (parsers meeting a new symbol, metadata loaders) take a lock; that happens once per
//! instrument, off the steady-state hot path: parsers keep their own lock-free
//! [`SymbolCache`] in front of the table. Readers (consumers resolving ids to names) take a
//! shared read lock.

use crate::event::{InstrumentId, Venue};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

/// What the table knows of one instrument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentInfo {
    /// The interned id.
    pub id: InstrumentId,
    /// The venue.
    pub venue: Venue,
    /// The venue's native symbol as it appears in messages (`BTCUSDT`, `BTCUSD_PERP`).
    pub symbol: String,
    /// The unified view of the symbol across venues: `BTC-USDT` for spot, `BTC-USDT-PERP`,
    /// `BTC-USD-20241227` for derivatives (from [`crate::venue::Protocol::unified_symbol`]).
    pub unified: String,
    /// Prices are `mantissa × 10^px_exp`.
    pub px_exp: i8,
    /// Sizes are `mantissa × 10^qty_exp`.
    pub qty_exp: i8,
}

/// Shared, append-only instrument table. Ids are dense from 0 and never reused.
#[derive(Debug, Default)]
pub struct Instruments {
    inner: RwLock<Table>,
}

#[derive(Debug, Default)]
struct Table {
    by_id: Vec<InstrumentInfo>,
    by_key: HashMap<(Venue, String), InstrumentId>,
    // explicit exponents registered before the instrument was first seen
    presets: HashMap<(Venue, String), (i8, i8)>,
}

impl Instruments {
    /// An empty table behind an `Arc`, ready to share between parsers and consumers.
    pub fn new() -> Arc<Instruments> {
        Arc::new(Instruments::default())
    }

    /// The id of `symbol` on `venue`, interning it with `default_exps` (price, size exponents)
    /// unless exponents were preset with [`Instruments::set_exponents`].
    pub fn intern(&self, venue: Venue, symbol: &str, default_exps: (i8, i8)) -> InstrumentInfo {
        if let Some(info) = self.find(venue, symbol) {
            return info;
        }
        let mut t = self.write();
        if let Some(id) = t.by_key.get(&(venue, symbol.to_owned())) {
            return t.by_id[id.0 as usize].clone();
        }
        let (px_exp, qty_exp) = t
            .presets
            .get(&(venue, symbol.to_owned()))
            .copied()
            .unwrap_or(default_exps);
        let id = InstrumentId(t.by_id.len() as u32);
        let info = InstrumentInfo {
            id,
            venue,
            symbol: symbol.to_owned(),
            unified: crate::venue::protocol_for(venue).unified_symbol(symbol),
            px_exp,
            qty_exp,
        };
        t.by_id.push(info.clone());
        t.by_key.insert((venue, symbol.to_owned()), id);
        info
    }

    /// Presets the exponents an instrument will be interned with (from venue metadata such as
    /// Binance `exchangeInfo`, or from the user). Has no effect on an instrument already
    /// interned, because events already emitted used its exponents; returns `false` then.
    pub fn set_exponents(&self, venue: Venue, symbol: &str, px_exp: i8, qty_exp: i8) -> bool {
        let mut t = self.write();
        if t.by_key.contains_key(&(venue, symbol.to_owned())) {
            return false;
        }
        t.presets
            .insert((venue, symbol.to_owned()), (px_exp, qty_exp));
        true
    }

    /// Looks up an interned instrument by venue and symbol.
    pub fn find(&self, venue: Venue, symbol: &str) -> Option<InstrumentInfo> {
        let t = self.read();
        t.by_key
            .get(&(venue, symbol.to_owned()))
            .map(|id| t.by_id[id.0 as usize].clone())
    }

    /// Instruments whose unified symbol is `unified` (`BTC-USDT`), on every venue.
    pub fn find_unified(&self, unified: &str) -> Vec<InstrumentInfo> {
        self.read()
            .by_id
            .iter()
            .filter(|i| i.unified.eq_ignore_ascii_case(unified))
            .cloned()
            .collect()
    }

    /// Looks up an instrument by id.
    pub fn info(&self, id: InstrumentId) -> Option<InstrumentInfo> {
        self.read().by_id.get(id.0 as usize).cloned()
    }

    /// Number of interned instruments.
    pub fn len(&self) -> usize {
        self.read().by_id.len()
    }

    /// Whether no instrument is interned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of every interned instrument, in id order.
    pub fn snapshot(&self) -> Vec<InstrumentInfo> {
        self.read().by_id.clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        // A poisoned lock only means a writer panicked mid-insert; the table stays consistent
        // because inserts push to both maps after all fallible work.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Table> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// A parser's private cache in front of [`Instruments`]: symbol bytes → (id, exponents).
/// A hit is one hash lookup with no lock and no allocation.
#[derive(Debug)]
pub struct SymbolCache {
    venue: Venue,
    default_exps: (i8, i8),
    map: HashMap<Box<[u8]>, Resolved, BuildHasherDefault<SymbolHasher>>,
    table: Arc<Instruments>,
}

/// An instrument as a parser needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The interned id.
    pub id: InstrumentId,
    /// Price exponent.
    pub px_exp: i8,
    /// Size exponent.
    pub qty_exp: i8,
}

impl SymbolCache {
    /// A cache for one venue over a shared table.
    pub fn new(venue: Venue, table: Arc<Instruments>, default_exps: (i8, i8)) -> Self {
        SymbolCache {
            venue,
            default_exps,
            map: HashMap::with_capacity_and_hasher(64, Default::default()),
            table,
        }
    }

    /// Resolves a symbol, interning it on first sight.
    pub fn resolve(&mut self, symbol: &[u8]) -> Resolved {
        if let Some(r) = self.map.get(symbol) {
            return *r;
        }
        self.resolve_slow(symbol)
    }

    /// The cached resolution of `symbol`, without interning it when it is not cached yet.
    #[inline]
    pub fn get(&self, symbol: &[u8]) -> Option<Resolved> {
        self.map.get(symbol).copied()
    }

    #[cold]
    fn resolve_slow(&mut self, symbol: &[u8]) -> Resolved {
        let name = String::from_utf8_lossy(symbol);
        let info = self.table.intern(self.venue, &name, self.default_exps);
        let r = Resolved {
            id: info.id,
            px_exp: info.px_exp,
            qty_exp: info.qty_exp,
        };
        self.map.insert(symbol.into(), r);
        r
    }

    /// The shared table behind this cache.
    pub fn table(&self) -> &Arc<Instruments> {
        &self.table
    }

    /// The venue this cache resolves for.
    pub fn venue(&self) -> Venue {
        self.venue
    }
}

/// A fast non-cryptographic hasher for short symbols (FxHash's multiply-rotate, 8 bytes at a
/// time). Symbols come from venues, not attackers choosing collisions against our seedless
/// hash; the cache is also bounded by the venue's instrument count.
#[derive(Default, Clone, Copy, Debug)]
pub struct SymbolHasher(u64);

impl Hasher for SymbolHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(tail) ^ ((rest.len() as u64) << 59))
            .wrapping_mul(K);
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_per_venue() {
        let t = Instruments::new();
        let a = t.intern(Venue::Binance, "BTCUSDT", (-8, -8));
        let b = t.intern(Venue::BinanceUsdm, "BTCUSDT", (-2, -3));
        let a2 = t.intern(Venue::Binance, "BTCUSDT", (0, 0));
        assert_eq!(a, a2);
        assert_ne!(a.id, b.id);
        assert_eq!((b.px_exp, b.qty_exp), (-2, -3));
        assert_eq!(t.info(b.id).unwrap().symbol, "BTCUSDT");
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn presets_apply_only_before_first_sight() {
        let t = Instruments::new();
        assert!(t.set_exponents(Venue::Binance, "PEPEUSDT", -8, 0));
        assert_eq!(t.intern(Venue::Binance, "PEPEUSDT", (-8, -8)).qty_exp, 0);
        assert!(!t.set_exponents(Venue::Binance, "PEPEUSDT", -8, -2));
        let mut c = SymbolCache::new(Venue::Binance, t.clone(), (-8, -8));
        assert_eq!(c.resolve(b"PEPEUSDT").qty_exp, 0);
        assert_eq!(c.resolve(b"ETHUSDT").id, InstrumentId(1));
    }
}
