//! `tw_event` (the core's 80-byte record, same fields in the same order), its constants, and
//! its canonical JSON line.

use crate::feed::{feed_ref, tw_feed};
use crate::panic::{guard, Error};
use crate::status::{TW_BUFFER_TOO_SMALL, TW_NULL_ARGUMENT};
use std::ffi::{c_char, c_int};
use tickwire::Event;

/// One normalized event: the core's `tickwire::Event`, byte for byte (80 bytes, 8-aligned).
/// Prices are `mantissa * 10^px_exp`, sizes `mantissa * 10^qty_exp`, exactly.
///
/// | kind          | v[0]   | v[1]     | v[2]            | v[3]               | v[4]   | seq             | aux        |
/// |---------------|--------|----------|-----------------|--------------------|--------|-----------------|------------|
/// | TW_KIND_TRADE | price  | size     | first trade id  | last trade id      | -      | trade id        | -          |
/// | TW_KIND_QUOTE | bid px | bid size | ask px          | ask size           | -      | update id       | -          |
/// | TW_KIND_BOOK  | price  | size (0 = delete) | first update id | previous final id | - | final update id | level index |
/// | TW_KIND_CANDLE| open   | high     | low             | close              | volume | open time (ms)  | interval s |
/// | TW_KIND_STATUS| count  | from seq | to seq          | -                  | -      | 0               | status code|
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct tw_event {
    /// Receive time (ns since the Unix epoch).
    pub ts_recv: i64,
    /// The venue's event time (ns since the epoch), 0 when the venue sends none.
    pub ts_exchange: i64,
    /// Venue sequence (trade id, update id, candle open time).
    pub seq: u64,
    /// Instrument id (see `tw_instrument_info`); `UINT32_MAX` for connection-level status.
    pub instrument: u32,
    /// `TW_VENUE_*`.
    pub venue: u16,
    /// `TW_KIND_*`.
    pub kind: u8,
    /// `TW_SIDE_*`.
    pub side: u8,
    /// `TW_FLAG_*` bits.
    pub flags: u16,
    /// Decimal exponent of price slots.
    pub px_exp: i8,
    /// Decimal exponent of size slots.
    pub qty_exp: i8,
    /// Kind-specific: status code (`TW_EVENT_STATUS_*`), candle interval (s), level index.
    pub aux: u32,
    /// Payload: see the table above.
    pub v: [i64; 5],
}

// tw_event must be the core's Event exactly: the feed copies events straight into the caller's
// array through a cast.
const _: () = assert!(std::mem::size_of::<tw_event>() == std::mem::size_of::<Event>());
const _: () = assert!(std::mem::align_of::<tw_event>() == std::mem::align_of::<Event>());
const _: () =
    assert!(std::mem::offset_of!(tw_event, ts_recv) == std::mem::offset_of!(Event, ts_recv));
const _: () = assert!(
    std::mem::offset_of!(tw_event, ts_exchange) == std::mem::offset_of!(Event, ts_exchange)
);
const _: () = assert!(std::mem::offset_of!(tw_event, seq) == std::mem::offset_of!(Event, seq));
const _: () =
    assert!(std::mem::offset_of!(tw_event, instrument) == std::mem::offset_of!(Event, instrument));
const _: () = assert!(std::mem::offset_of!(tw_event, venue) == std::mem::offset_of!(Event, venue));
const _: () = assert!(std::mem::offset_of!(tw_event, kind) == std::mem::offset_of!(Event, kind));
const _: () = assert!(std::mem::offset_of!(tw_event, side) == std::mem::offset_of!(Event, side));
const _: () = assert!(std::mem::offset_of!(tw_event, flags) == std::mem::offset_of!(Event, flags));
const _: () =
    assert!(std::mem::offset_of!(tw_event, px_exp) == std::mem::offset_of!(Event, px_exp));
const _: () =
    assert!(std::mem::offset_of!(tw_event, qty_exp) == std::mem::offset_of!(Event, qty_exp));
const _: () = assert!(std::mem::offset_of!(tw_event, aux) == std::mem::offset_of!(Event, aux));
const _: () = assert!(std::mem::offset_of!(tw_event, v) == std::mem::offset_of!(Event, v));

/// One book level: mantissas at the instrument's exponents (`tw_instrument`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct tw_level {
    /// Price mantissa.
    pub px: i64,
    /// Size mantissa.
    pub qty: i64,
}

/// Binance spot.
pub const TW_VENUE_BINANCE: u16 = 1;
/// Binance USD-M futures.
pub const TW_VENUE_BINANCE_USDM: u16 = 2;
/// Binance COIN-M futures.
pub const TW_VENUE_BINANCE_COINM: u16 = 3;
/// OKX v5.
pub const TW_VENUE_OKX: u16 = 10;
/// Bybit v5 spot.
pub const TW_VENUE_BYBIT_SPOT: u16 = 20;
/// Bybit v5 linear (USDT/USDC contracts).
pub const TW_VENUE_BYBIT_LINEAR: u16 = 21;
/// Bybit v5 inverse.
pub const TW_VENUE_BYBIT_INVERSE: u16 = 22;
/// Coinbase Advanced Trade.
pub const TW_VENUE_COINBASE: u16 = 30;
/// Kraken spot.
pub const TW_VENUE_KRAKEN: u16 = 40;
/// Gate.io spot.
pub const TW_VENUE_GATEIO: u16 = 50;
/// Gate.io USDT futures.
pub const TW_VENUE_GATEIO_FUTURES: u16 = 51;
/// Bitget spot.
pub const TW_VENUE_BITGET: u16 = 60;
/// Bitget USDT futures.
pub const TW_VENUE_BITGET_FUTURES: u16 = 61;
/// Hyperliquid perpetuals.
pub const TW_VENUE_HYPERLIQUID: u16 = 70;

/// A public trade.
pub const TW_KIND_TRADE: u8 = 1;
/// Best bid and offer.
pub const TW_KIND_QUOTE: u8 = 2;
/// One L2 book level.
pub const TW_KIND_BOOK: u8 = 3;
/// A candle.
pub const TW_KIND_CANDLE: u8 = 4;
/// A status event (`aux` holds a `TW_EVENT_STATUS_*`).
pub const TW_KIND_STATUS: u8 = 5;

/// Unknown side.
pub const TW_SIDE_NONE: u8 = 0;
/// Trade: the taker bought; book: a bid.
pub const TW_SIDE_BUY: u8 = 1;
/// Trade: the taker sold; book: an ask.
pub const TW_SIDE_SELL: u8 = 2;

/// Part of a snapshot.
pub const TW_FLAG_SNAPSHOT: u16 = 1;
/// First event of one venue message for this instrument.
pub const TW_FLAG_FIRST: u16 = 2;
/// Last event of one venue message for this instrument.
pub const TW_FLAG_LAST: u16 = 4;
/// Candle closed.
pub const TW_FLAG_CLOSED: u16 = 8;
/// Recovered over REST.
pub const TW_FLAG_BACKFILLED: u16 = 16;
/// Aggregated trade.
pub const TW_FLAG_AGGREGATED: u16 = 32;
/// Partial-depth snapshot.
pub const TW_FLAG_TOP_N: u16 = 64;
/// Book batch without a level.
pub const TW_FLAG_NO_LEVEL: u16 = 128;
/// Off-book trade.
pub const TW_FLAG_OFF_BOOK: u16 = 256;

/// Status event code `connected` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_CONNECTED: u32 = 1;
/// Status event code `disconnected` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_DISCONNECTED: u32 = 2;
/// Status event code `gap` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_GAP: u32 = 3;
/// Status event code `resync` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_RESYNC: u32 = 4;
/// Status event code `stale` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_STALE: u32 = 5;
/// Status event code `backfilled` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_BACKFILLED: u32 = 6;
/// Status event code `dropped_by_consumer` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_DROPPED_BY_CONSUMER: u32 = 7;
/// Status event code `malformed` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_MALFORMED: u32 = 8;
/// Status event code `value_out_of_range` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_VALUE_OUT_OF_RANGE: u32 = 9;
/// Status event code `crossed` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_CROSSED: u32 = 10;
/// Status event code `book_synced` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_BOOK_SYNCED: u32 = 11;
/// Status event code `server_shutdown` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_SERVER_SHUTDOWN: u32 = 12;
/// Status event code `venue_error` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_VENUE_ERROR: u32 = 13;
/// Status event code `circuit_open` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_CIRCUIT_OPEN: u32 = 14;
/// Status event code `checksum_mismatch` (in `aux` of a `TW_KIND_STATUS` event).
pub const TW_EVENT_STATUS_CHECKSUM_MISMATCH: u32 = 15;

/// Writes the canonical JSON line of `event` (exactly what `tickwire replay` prints, without
/// the newline), NUL-terminated, into `buf`; `*written` gets its length without the NUL. The
/// symbol is resolved through `feed`'s instrument table. 512 bytes always suffice.
/// `TW_BUFFER_TOO_SMALL` writes nothing.
///
/// Thread-safety: like every `const tw_feed *` call, not concurrently with a poll/wait/close
/// of the same feed.
///
/// # Safety
/// `feed` NULL or a handle from `tw_feed_new`; `event` valid; `buf` valid for `len` bytes;
/// `written` valid.
#[no_mangle]
pub unsafe extern "C" fn tw_event_json(
    feed: *const tw_feed,
    event: *const tw_event,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> c_int {
    guard(|| {
        let f = feed_ref(feed)?;
        if event.is_null() || buf.is_null() || written.is_null() {
            return Err(Error::new(
                TW_NULL_ARGUMENT,
                "event, buf and written must not be NULL",
            ));
        }
        // SAFETY: non-null, valid per the contract; tw_event has Event's layout (asserted above).
        let ev = unsafe { &*event.cast::<Event>() };
        let mut line = String::with_capacity(256);
        let sym = f.instruments().info(ev.instrument());
        tickwire::json::write_event(&mut line, ev, sym.as_ref().map(|i| i.symbol.as_str()));
        // SAFETY: `buf` is valid for `len` bytes and `written` for one size_t, per the contract.
        unsafe { copy_out(line.as_bytes(), buf, len, written) }
    })
}

/// Copies `bytes` plus a NUL into `buf` (capacity `len`) and stores `bytes.len()` in `*written`,
/// or fails with `TW_BUFFER_TOO_SMALL` writing nothing.
///
/// # Safety
/// `buf` valid for `len` bytes, `written` valid; both non-null.
pub(crate) unsafe fn copy_out(
    bytes: &[u8],
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> Result<(), Error> {
    if len < bytes.len() + 1 {
        return Err(Error::new(
            TW_BUFFER_TOO_SMALL,
            format!("buffer of {len} bytes, {} needed", bytes.len() + 1),
        ));
    }
    // SAFETY: `buf` holds at least bytes.len() + 1 bytes (checked), `written` valid (contract).
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
        *buf.add(bytes.len()) = 0;
        *written = bytes.len();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tw_event_matches_event_fields() {
        let ours: [(&str, usize, usize); 12] = [
            ("ts_recv", std::mem::offset_of!(tw_event, ts_recv), 8),
            (
                "ts_exchange",
                std::mem::offset_of!(tw_event, ts_exchange),
                8,
            ),
            ("seq", std::mem::offset_of!(tw_event, seq), 8),
            ("instrument", std::mem::offset_of!(tw_event, instrument), 4),
            ("venue", std::mem::offset_of!(tw_event, venue), 2),
            ("kind", std::mem::offset_of!(tw_event, kind), 1),
            ("side", std::mem::offset_of!(tw_event, side), 1),
            ("flags", std::mem::offset_of!(tw_event, flags), 2),
            ("px_exp", std::mem::offset_of!(tw_event, px_exp), 1),
            ("qty_exp", std::mem::offset_of!(tw_event, qty_exp), 1),
            ("aux", std::mem::offset_of!(tw_event, aux), 4),
            ("v", std::mem::offset_of!(tw_event, v), 40),
        ];
        assert_eq!(&ours[..], tickwire::event::EVENT_FIELDS);
        assert_eq!(std::mem::size_of::<tw_event>(), 80);
        assert_eq!(TW_VENUE_BINANCE, tickwire::Venue::Binance as u16);
        assert_eq!(TW_VENUE_BINANCE_USDM, tickwire::Venue::BinanceUsdm as u16);
        assert_eq!(TW_VENUE_BINANCE_COINM, tickwire::Venue::BinanceCoinm as u16);
        assert_eq!(TW_VENUE_OKX, tickwire::Venue::Okx as u16);
        assert_eq!(TW_VENUE_BYBIT_SPOT, tickwire::Venue::BybitSpot as u16);
        assert_eq!(TW_VENUE_BYBIT_LINEAR, tickwire::Venue::BybitLinear as u16);
        assert_eq!(TW_VENUE_BYBIT_INVERSE, tickwire::Venue::BybitInverse as u16);
        assert_eq!(TW_VENUE_COINBASE, tickwire::Venue::Coinbase as u16);
        assert_eq!(TW_VENUE_KRAKEN, tickwire::Venue::Kraken as u16);
        assert_eq!(TW_VENUE_GATEIO, tickwire::Venue::Gateio as u16);
        assert_eq!(
            TW_VENUE_GATEIO_FUTURES,
            tickwire::Venue::GateioFutures as u16
        );
        assert_eq!(TW_VENUE_BITGET, tickwire::Venue::Bitget as u16);
        assert_eq!(
            TW_VENUE_BITGET_FUTURES,
            tickwire::Venue::BitgetFutures as u16
        );
        assert_eq!(TW_VENUE_HYPERLIQUID, tickwire::Venue::Hyperliquid as u16);
        assert_eq!(
            [
                TW_EVENT_STATUS_CIRCUIT_OPEN,
                TW_EVENT_STATUS_CHECKSUM_MISMATCH
            ],
            [
                tickwire::StatusCode::CircuitOpen as u32,
                tickwire::StatusCode::ChecksumMismatch as u32
            ]
        );
        assert_eq!(
            tickwire::Venue::ALL.len(),
            14,
            "a new venue needs its TW_VENUE_ constant"
        );
        assert_eq!(TW_KIND_STATUS, tickwire::Kind::Status as u8);
        assert_eq!(TW_KIND_BOOK, tickwire::Kind::BookLevel as u8);
        use tickwire::event::flags as f;
        assert_eq!(
            [
                TW_FLAG_SNAPSHOT,
                TW_FLAG_FIRST,
                TW_FLAG_LAST,
                TW_FLAG_CLOSED,
                TW_FLAG_BACKFILLED
            ],
            [f::SNAPSHOT, f::FIRST, f::LAST, f::CLOSED, f::BACKFILLED]
        );
        assert_eq!(
            [
                TW_FLAG_AGGREGATED,
                TW_FLAG_TOP_N,
                TW_FLAG_NO_LEVEL,
                TW_FLAG_OFF_BOOK
            ],
            [f::AGGREGATED, f::TOP_N, f::NO_LEVEL, f::OFF_BOOK]
        );
        assert_eq!(
            TW_EVENT_STATUS_VENUE_ERROR,
            tickwire::StatusCode::VenueError as u32
        );
        assert_eq!(
            TW_EVENT_STATUS_BOOK_SYNCED,
            tickwire::StatusCode::BookSynced as u32
        );
    }
}
