//! Subscriptions: what a user asks for, parsed from `venue:SYMBOL:channel,channel` specs.

use crate::event::Venue;
pub use crate::venue::protocol::Channel;
use crate::venue::protocol_for;
use std::fmt;

/// Streams of one instrument on one venue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Venue.
    pub venue: Venue,
    /// Native symbol (`BTCUSDT`).
    pub symbol: String,
    /// Channels.
    pub channels: Vec<Channel>,
}

/// Why a spec could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError(pub String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

impl Subscription {
    /// Parses `binance:BTCUSDT:trades,bbo,book` (channels default to `trades,bbo`).
    pub fn parse(spec: &str) -> Result<Subscription, SpecError> {
        let mut parts = spec.splitn(3, ':');
        let (Some(v), Some(sym)) = (parts.next(), parts.next()) else {
            return Err(SpecError(format!("{spec:?}: expected venue:SYMBOL[:channel,...] (e.g. binance:BTCUSDT:trades,bbo,book)")));
        };
        let venue = Venue::from_name(v).ok_or_else(|| {
            let names: Vec<&str> = Venue::ALL.iter().map(|v| v.name()).collect();
            SpecError(format!(
                "{spec:?}: unknown venue {v:?} (known: {})",
                names.join(", ")
            ))
        })?;
        // native symbols keep their case where the venue is case-sensitive (Hyperliquid `kPEPE`)
        let symbol = if venue == Venue::Hyperliquid {
            sym.trim().to_string()
        } else {
            sym.trim().to_ascii_uppercase()
        };
        if symbol.is_empty()
            || !symbol
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"_-/.".contains(&c))
        {
            return Err(SpecError(format!("{spec:?}: bad symbol {sym:?}")));
        }
        let channels = match parts.next() {
            None => vec![Channel::Trades, Channel::Bbo],
            Some(list) => list
                .split(',')
                .map(|c| Channel::parse(c).ok_or_else(|| SpecError(format!("{spec:?}: unknown channel {c:?} (trades, aggtrades, bbo, book, candles)"))))
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(Subscription {
            venue,
            symbol,
            channels,
        })
    }

    /// The venue's stream names for this subscription.
    pub fn streams(&self) -> Vec<String> {
        let p = protocol_for(self.venue);
        let mut out: Vec<String> = Vec::new();
        for c in &self.channels {
            for s in p.streams(&self.symbol, *c) {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_clear_errors() {
        let s = Subscription::parse("binance:btcusdt:trades,bbo,book").unwrap();
        assert_eq!(s.symbol, "BTCUSDT");
        assert_eq!(
            s.streams(),
            vec!["btcusdt@trade", "btcusdt@bookTicker", "btcusdt@depth@100ms"]
        );
        assert_eq!(
            Subscription::parse("binance-usdm:ETHUSDT")
                .unwrap()
                .channels,
            vec![Channel::Trades, Channel::Bbo]
        );
        assert!(Subscription::parse("kraken2:XBT")
            .unwrap_err()
            .0
            .contains("unknown venue"));
        assert!(Subscription::parse("binance")
            .unwrap_err()
            .0
            .contains("expected venue:SYMBOL"));
        assert!(Subscription::parse("binance:BTC USDT")
            .unwrap_err()
            .0
            .contains("bad symbol"));
        assert!(Subscription::parse("binance:BTCUSDT:nope")
            .unwrap_err()
            .0
            .contains("unknown channel"));
    }
}
