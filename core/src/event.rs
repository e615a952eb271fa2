//! The normalized event record: one fixed-size, `#[repr(C)]`, plain-old-data layout shared by
//! Rust, the C header and the numpy dtype.
//!
//! Every event is 80 bytes, 8-byte aligned, and carries a common header (timestamps, venue
//! sequence, instrument, venue, kind, side, flags, decimal exponents) and five `i64` payload
//! slots whose meaning depends on [`Kind`]:
//!
//! | kind        | `v[0]`   | `v[1]`   | `v[2]`            | `v[3]`              | `v[4]`  | `seq`             | `aux`           |
//! |-------------|----------|----------|-------------------|---------------------|---------|-------------------|-----------------|
//! | `Trade`     | price    | size     | first trade id¹   | last trade id¹      | –       | trade id          | –               |
//! | `Quote`     | bid px   | bid size | ask px            | ask size            | –       | update id         | –               |
//! | `BookLevel` | price    | size (0 = delete) | first update id `U` | previous final id `pu`² | text⁴ | final update id `u` | level index in batch |
//! | `Candle`    | open     | high     | low               | close               | volume  | open time (ms)    | interval (s)    |
//! | `Status`    | count³   | from seq | to seq            | –                   | –       | 0                 | [`StatusCode`]  |
//!
//! ¹ aggregated trades (flag [`flags::AGGREGATED`]) only; ² `-1` when the venue has none;
//! ³ lost events for `DroppedByConsumer`, missing ids for `Gap`.
//! ⁴ how the venue wrote the level and what it asserted about the book, for checksums: bits 0–7
//! the number of fraction digits of the price as sent, bits 8–15 those of the size, bit 16 set
//! on the `LAST` event of a message that carried a checksum, bits 32–63 that checksum (`u32`).
//! See [`book_text`]. On the first event of a `SNAPSHOT`, `v[3]` > 0 is the depth the venue
//! maintains: the book is truncated to it after every update (Kraken).
//!
//! Prices are `mantissa × 10^px_exp`, sizes `mantissa × 10^qty_exp`, exactly.

use core::fmt;

/// Nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Nanos(pub i64);

impl Nanos {
    /// Milliseconds since the epoch to nanoseconds (saturating).
    pub const fn from_millis(ms: i64) -> Self {
        Nanos(ms.saturating_mul(1_000_000))
    }
    /// Microseconds since the epoch to nanoseconds (saturating).
    pub const fn from_micros(us: i64) -> Self {
        Nanos(us.saturating_mul(1_000))
    }
}

/// Interned instrument id: an index into the [`crate::instrument::Instruments`] table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct InstrumentId(pub u32);

impl InstrumentId {
    /// "No instrument": used by connection-level status events.
    pub const NONE: InstrumentId = InstrumentId(u32::MAX);
}

/// A venue (exchange and market type). Stable numeric values: they appear in recordings, the C
/// header and the numpy dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u16)]
#[non_exhaustive]
pub enum Venue {
    /// Binance spot.
    Binance = 1,
    /// Binance USDⓈ-M futures.
    BinanceUsdm = 2,
    /// Binance COIN-M futures.
    BinanceCoinm = 3,
    /// OKX v5 (spot, swaps, futures and options share one endpoint; `instId` tells them apart).
    Okx = 10,
    /// Bybit v5 spot.
    BybitSpot = 20,
    /// Bybit v5 linear (USDT/USDC perpetuals and futures).
    BybitLinear = 21,
    /// Bybit v5 inverse (coin-margined).
    BybitInverse = 22,
    /// Coinbase Advanced Trade.
    Coinbase = 30,
    /// Kraken spot (WebSocket v1 and v2).
    Kraken = 40,
    /// Gate.io v4 spot.
    Gateio = 50,
    /// Gate.io v4 USDT-margined futures.
    GateioFutures = 51,
    /// Bitget spot (v2; v1 frames are read too).
    Bitget = 60,
    /// Bitget USDT-margined futures (v2 `USDT-FUTURES`; v1 `mc`).
    BitgetFutures = 61,
    /// Hyperliquid perpetuals.
    Hyperliquid = 70,
}

impl Venue {
    /// Every venue, in numeric order.
    pub const ALL: &'static [Venue] = &[
        Venue::Binance,
        Venue::BinanceUsdm,
        Venue::BinanceCoinm,
        Venue::Okx,
        Venue::BybitSpot,
        Venue::BybitLinear,
        Venue::BybitInverse,
        Venue::Coinbase,
        Venue::Kraken,
        Venue::Gateio,
        Venue::GateioFutures,
        Venue::Bitget,
        Venue::BitgetFutures,
        Venue::Hyperliquid,
    ];

    /// The venue's command-line name (`binance`, `binance-usdm`, `binance-coinm`).
    pub const fn name(self) -> &'static str {
        match self {
            Venue::Binance => "binance",
            Venue::BinanceUsdm => "binance-usdm",
            Venue::BinanceCoinm => "binance-coinm",
            Venue::Okx => "okx",
            Venue::BybitSpot => "bybit-spot",
            Venue::BybitLinear => "bybit-linear",
            Venue::BybitInverse => "bybit-inverse",
            Venue::Coinbase => "coinbase",
            Venue::Kraken => "kraken",
            Venue::Gateio => "gateio",
            Venue::GateioFutures => "gateio-futures",
            Venue::Bitget => "bitget",
            Venue::BitgetFutures => "bitget-futures",
            Venue::Hyperliquid => "hyperliquid",
        }
    }

    /// Looks a venue up by its command-line name (also accepts `_` for `-`).
    pub fn from_name(name: &str) -> Option<Venue> {
        let norm = name.trim().to_ascii_lowercase().replace('_', "-");
        // aliases: the corpus folder names and the venues' own words
        let norm = match norm.as_str() {
            "bybit" => "bybit-linear",
            "gate" | "gate.io" | "gate-io" => "gateio",
            "gate-futures" => "gateio-futures",
            "okex" => "okx",
            "coinbase-advanced" | "coinbase-advanced-trade" => "coinbase",
            other => other,
        };
        Venue::ALL.iter().copied().find(|v| v.name() == norm)
    }

    /// From the numeric value stored in an event.
    pub fn from_u16(v: u16) -> Option<Venue> {
        Venue::ALL.iter().copied().find(|x| *x as u16 == v)
    }
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an event is. Stable numeric values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Kind {
    /// A public trade.
    Trade = 1,
    /// Best bid and offer.
    Quote = 2,
    /// One price level of an L2 book (snapshot or change).
    BookLevel = 3,
    /// A candle (kline); [`flags::CLOSED`] when final.
    Candle = 4,
    /// A status event: see [`StatusCode`].
    Status = 5,
}

impl Kind {
    /// From the numeric value stored in an event.
    pub const fn from_u8(v: u8) -> Option<Kind> {
        Some(match v {
            1 => Kind::Trade,
            2 => Kind::Quote,
            3 => Kind::BookLevel,
            4 => Kind::Candle,
            5 => Kind::Status,
            _ => return None,
        })
    }
    /// Lower-case name used in JSON output.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Trade => "trade",
            Kind::Quote => "quote",
            Kind::BookLevel => "book",
            Kind::Candle => "candle",
            Kind::Status => "status",
        }
    }
    /// The bit of this kind in a kind mask ([`crate::route::KindMask`]).
    pub const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Side of a trade (the aggressor, taker side) or of a book level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Side {
    /// Unknown or not applicable.
    None = 0,
    /// Trade: the taker bought. Book: a bid level.
    Buy = 1,
    /// Trade: the taker sold. Book: an ask level.
    Sell = 2,
}

impl Side {
    /// From the numeric value stored in an event.
    pub const fn from_u8(v: u8) -> Side {
        match v {
            1 => Side::Buy,
            2 => Side::Sell,
            _ => Side::None,
        }
    }
}

/// Status codes carried in `aux` of a [`Kind::Status`] event. Stable values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
#[non_exhaustive]
pub enum StatusCode {
    /// A connection is up and subscribed.
    Connected = 1,
    /// A connection went down.
    Disconnected = 2,
    /// Missing sequence ids (`v[1]..=v[2]`, `v[0]` of them where known); the book is resyncing.
    Gap = 3,
    /// A book needs (or is waiting for) a new snapshot.
    Resync = 4,
    /// A stream has been silent for longer than its usual rate allows.
    Stale = 5,
    /// Events were backfilled over REST after a disconnect.
    Backfilled = 6,
    /// The consumer fell behind; `v[0]` events were dropped (or conflated) for it.
    DroppedByConsumer = 7,
    /// A frame could not be parsed; counted, the stream goes on.
    Malformed = 8,
    /// A value did not fit the instrument's exponent or `i64`; the event was withheld.
    ValueOutOfRange = 9,
    /// The book crossed (best bid ≥ best ask) after an update; it is resyncing.
    Crossed = 10,
    /// A book was (re)built from a snapshot and is live.
    BookSynced = 11,
    /// The venue announced it will close the connection (`serverShutdown`).
    ServerShutdown = 12,
    /// The venue answered a request with an error.
    VenueError = 13,
    /// Connects to this venue are paused: its circuit breaker opened after repeated failures
    /// (`v[1]` = ms until the next trial), or its connection-attempt limit was reached.
    CircuitOpen = 14,
    /// The book disagreed with the checksum the venue sent (`v[1]` = ours, `v[2]` = the
    /// venue's, as `u32`); the book is resyncing.
    ChecksumMismatch = 15,
}

impl StatusCode {
    /// From the numeric value stored in an event.
    pub fn from_u32(v: u32) -> Option<StatusCode> {
        use StatusCode::*;
        [
            Connected,
            Disconnected,
            Gap,
            Resync,
            Stale,
            Backfilled,
            DroppedByConsumer,
            Malformed,
            ValueOutOfRange,
            Crossed,
            BookSynced,
            ServerShutdown,
            VenueError,
            CircuitOpen,
            ChecksumMismatch,
        ]
        .into_iter()
        .find(|c| *c as u32 == v)
    }
    /// Lower-case name used in JSON output.
    pub const fn name(self) -> &'static str {
        match self {
            StatusCode::Connected => "connected",
            StatusCode::Disconnected => "disconnected",
            StatusCode::Gap => "gap",
            StatusCode::Resync => "resync",
            StatusCode::Stale => "stale",
            StatusCode::Backfilled => "backfilled",
            StatusCode::DroppedByConsumer => "dropped_by_consumer",
            StatusCode::Malformed => "malformed",
            StatusCode::ValueOutOfRange => "value_out_of_range",
            StatusCode::Crossed => "crossed",
            StatusCode::BookSynced => "book_synced",
            StatusCode::ServerShutdown => "server_shutdown",
            StatusCode::VenueError => "venue_error",
            StatusCode::CircuitOpen => "circuit_open",
            StatusCode::ChecksumMismatch => "checksum_mismatch",
        }
    }
}

/// Packs `v[4]` of a book level: fraction digits of price and size as the venue wrote them.
pub const fn book_text(px_digits: u8, qty_digits: u8) -> i64 {
    (px_digits as i64) | ((qty_digits as i64) << 8)
}

/// `v[4]` of a book level with the message's checksum attached (put it on the `LAST` event).
pub const fn book_text_with_checksum(text: i64, checksum: u32) -> i64 {
    (text & 0xffff) | (1 << 16) | ((checksum as i64) << 32)
}

/// The fraction digits of price and size, and the checksum if one is attached, from `v[4]`.
pub const fn book_text_parts(v4: i64) -> (u8, u8, Option<u32>) {
    let cs = if v4 & (1 << 16) != 0 {
        Some((v4 >> 32) as u32)
    } else {
        None
    };
    (v4 as u8, (v4 >> 8) as u8, cs)
}

/// Bits of [`Event::flags`].
pub mod flags {
    /// Part of a snapshot (book: consumers replace their book; the first level also has `FIRST`).
    pub const SNAPSHOT: u16 = 1 << 0;
    /// First event produced from one venue message for this instrument.
    pub const FIRST: u16 = 1 << 1;
    /// Last event produced from one venue message for this instrument.
    pub const LAST: u16 = 1 << 2;
    /// Candle: the interval is closed (final values).
    pub const CLOSED: u16 = 1 << 3;
    /// Recovered over REST after a disconnect.
    pub const BACKFILLED: u16 = 1 << 4;
    /// Trade: an aggregated trade (Binance `aggTrade`): `v[2]..=v[3]` are the trade ids.
    pub const AGGREGATED: u16 = 1 << 5;
    /// Book: a partial-depth (top-N) snapshot rather than a diff stream.
    pub const TOP_N: u16 = 1 << 6;
    /// Book: a batch with no level (an empty diff still advances the sequence chain).
    pub const NO_LEVEL: u16 = 1 << 7;
    /// Trade: the venue marks it "not best match" or otherwise off-book.
    pub const OFF_BOOK: u16 = 1 << 8;
    /// Book, from a parser to the book stage only (never delivered): not a level but a resync
    /// order for this instrument's book. The connection that feeds it lost messages (a
    /// connection-wide sequence jumped: Coinbase `sequence_num`), so the book can no longer be
    /// trusted. Set with `FIRST | LAST | NO_LEVEL`; `v[0]` = messages lost, `v[1]..=v[2]` their
    /// numbers.
    pub const RESYNC: u16 = 1 << 9;
}

/// One normalized event. Plain old data: any bit pattern is a valid value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct Event {
    /// Receive time: stamped right after the read that completed the frame (ns since epoch).
    pub ts_recv: i64,
    /// The venue's event time (ns since epoch), 0 when the venue sends none.
    pub ts_exchange: i64,
    /// Venue sequence: trade id, update id, candle open time (see the table in the module docs).
    pub seq: u64,
    /// Interned instrument ([`InstrumentId`]); `u32::MAX` for connection-level status.
    pub instrument: u32,
    /// [`Venue`] as `u16`.
    pub venue: u16,
    /// [`Kind`] as `u8`.
    pub kind: u8,
    /// [`Side`] as `u8`.
    pub side: u8,
    /// Bits from [`flags`].
    pub flags: u16,
    /// Decimal exponent of price slots: value = mantissa × 10^px_exp.
    pub px_exp: i8,
    /// Decimal exponent of size slots.
    pub qty_exp: i8,
    /// Kind-specific: status code, candle interval (s), level index in its batch.
    pub aux: u32,
    /// Payload: see the table in the module docs.
    pub v: [i64; 5],
}

const _: () = assert!(core::mem::size_of::<Event>() == 80);
const _: () = assert!(core::mem::align_of::<Event>() == 8);
const _: () = assert!(core::mem::offset_of!(Event, instrument) == 24);
const _: () = assert!(core::mem::offset_of!(Event, flags) == 32);
const _: () = assert!(core::mem::offset_of!(Event, aux) == 36);
const _: () = assert!(core::mem::offset_of!(Event, v) == 40);

/// Field names, byte offsets and sizes of [`Event`], in order: the source of truth that the
/// C header and the numpy dtype are checked against.
pub const EVENT_FIELDS: &[(&str, usize, usize)] = &[
    ("ts_recv", core::mem::offset_of!(Event, ts_recv), 8),
    ("ts_exchange", core::mem::offset_of!(Event, ts_exchange), 8),
    ("seq", core::mem::offset_of!(Event, seq), 8),
    ("instrument", core::mem::offset_of!(Event, instrument), 4),
    ("venue", core::mem::offset_of!(Event, venue), 2),
    ("kind", core::mem::offset_of!(Event, kind), 1),
    ("side", core::mem::offset_of!(Event, side), 1),
    ("flags", core::mem::offset_of!(Event, flags), 2),
    ("px_exp", core::mem::offset_of!(Event, px_exp), 1),
    ("qty_exp", core::mem::offset_of!(Event, qty_exp), 1),
    ("aux", core::mem::offset_of!(Event, aux), 4),
    ("v", core::mem::offset_of!(Event, v), 40),
];

impl Event {
    /// The kind, if the byte holds a known one.
    pub fn kind(&self) -> Option<Kind> {
        Kind::from_u8(self.kind)
    }
    /// The venue, if the value is a known one.
    pub fn venue(&self) -> Option<Venue> {
        Venue::from_u16(self.venue)
    }
    /// The instrument id.
    pub fn instrument(&self) -> InstrumentId {
        InstrumentId(self.instrument)
    }
    /// The side.
    pub fn side(&self) -> Side {
        Side::from_u8(self.side)
    }
    /// The status code of a status event.
    pub fn status(&self) -> Option<StatusCode> {
        if self.kind == Kind::Status as u8 {
            StatusCode::from_u32(self.aux)
        } else {
            None
        }
    }
    /// Whether all bits of `f` are set.
    pub fn has(&self, f: u16) -> bool {
        self.flags & f == f
    }

    /// A status event with `count` in `v[0]` and the sequence range `from..=to`.
    pub fn status_event(
        venue: Venue,
        instrument: InstrumentId,
        code: StatusCode,
        ts_recv: Nanos,
        count: i64,
        from: i64,
        to: i64,
    ) -> Event {
        Event {
            ts_recv: ts_recv.0,
            venue: venue as u16,
            instrument: instrument.0,
            kind: Kind::Status as u8,
            aux: code as u32,
            v: [count, from, to, 0, 0],
            ..Event::default()
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("kind", &self.kind())
            .field("venue", &self.venue())
            .field("instrument", &self.instrument)
            .field("seq", &self.seq)
            .field("side", &self.side())
            .field("flags", &format_args!("{:#x}", self.flags))
            .field("exp", &(self.px_exp, self.qty_exp))
            .field("aux", &self.aux)
            .field("v", &self.v)
            .field("ts_exchange", &self.ts_exchange)
            .field("ts_recv", &self.ts_recv)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_tile_the_record_without_overlap() {
        let mut end = 0;
        for (name, off, size) in EVENT_FIELDS {
            assert!(*off >= end, "{name} overlaps the previous field");
            end = off + size;
        }
        assert_eq!(end, core::mem::size_of::<Event>());
    }

    #[test]
    fn enums_round_trip() {
        for v in Venue::ALL {
            assert_eq!(Venue::from_u16(*v as u16), Some(*v));
            assert_eq!(Venue::from_name(v.name()), Some(*v));
        }
        assert_eq!(Venue::from_name("binance_usdm"), Some(Venue::BinanceUsdm));
        for k in 1..=5 {
            assert_eq!(Kind::from_u8(k).map(|k| k as u8), Some(k));
        }
        assert_eq!(Kind::from_u8(0), None);
        for c in 1..=14 {
            assert_eq!(StatusCode::from_u32(c).map(|c| c as u32), Some(c));
        }
        assert_eq!(StatusCode::from_u32(99), None);
    }
}
