//! The JSON configuration of `tw_feed_new`, parsed into a core `FeedBuilder` or `Replay`.

use crate::panic::Error;
use crate::status::*;
use serde::Deserialize;
use std::time::Duration;
use tickwire::io::{FeedBuilder, FeedError, Subscription, WaitPolicy};
use tickwire::record::RecordError;
use tickwire::replay::{Replay, ReplayConfig, Step};
use tickwire::route::Overflow;
use tickwire::Venue;

/// What a configuration opens.
#[allow(clippy::large_enum_variant)] // built once per feed and moved once into it
pub enum Opened {
    /// A live feed.
    Live(tickwire::io::Feed),
    /// A replay of recordings.
    Replay(Replay),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    subscriptions: Vec<String>,
    endpoint: Option<String>,
    rest_endpoint: Option<String>,
    ca_file: Option<String>,
    ca_pem: Option<String>,
    shards: Option<usize>,
    redundancy: Option<usize>,
    overflow: Option<String>,
    capacity: Option<usize>,
    wait_policy: Option<String>,
    stale_after_ms: Option<u64>,
    replay: Option<ReplaySpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplaySpec {
    venue: String,
    files: Vec<String>,
    capacity: Option<usize>,
    #[serde(default)]
    preload: bool,
}

const MAX_CAPACITY: usize = 1 << 24;

/// Parses `json` and opens what it describes.
pub fn open(json: &str) -> Result<Opened, Error> {
    let c: Config = serde_json::from_str(json).map_err(|e| {
        let code = if e.is_syntax() || e.is_eof() {
            TW_INVALID_JSON
        } else {
            TW_INVALID_CONFIG
        };
        Error::new(code, format!("configuration: {e}"))
    })?;
    match c.replay {
        Some(ref r) => {
            if !c.subscriptions.is_empty() || c.endpoint.is_some() {
                return Err(Error::new(
                    TW_INVALID_CONFIG,
                    "configuration: \"replay\" excludes \"subscriptions\" and \"endpoint\"",
                ));
            }
            open_replay(r).map(Opened::Replay)
        }
        None => open_live(c).map(Opened::Live),
    }
}

fn open_replay(r: &ReplaySpec) -> Result<Replay, Error> {
    let venue = venue(&r.venue)?;
    if r.files.is_empty() {
        return Err(Error::new(TW_INVALID_CONFIG, "replay: \"files\" is empty"));
    }
    let mut config = ReplayConfig::new(venue);
    if let Some(n) = r.capacity {
        config.capacity = capacity(n)?;
    }
    let mut replay = Replay::open(r.files.iter().cloned(), config).map_err(record_error)?;
    if r.preload {
        // parse everything now: polls then only route and copy events held in memory
        while replay.step().map_err(record_error)? != Step::Finished {}
    }
    Ok(replay)
}

fn open_live(c: Config) -> Result<tickwire::io::Feed, Error> {
    if c.subscriptions.is_empty() {
        return Err(Error::new(
            TW_INVALID_CONFIG,
            "configuration: give \"subscriptions\" (live) or \"replay\"",
        ));
    }
    let mut b = FeedBuilder::new();
    for s in &c.subscriptions {
        let sub = Subscription::parse(s).map_err(|e| {
            let v = s.split(':').next().unwrap_or_default();
            let code = if Venue::from_name(v).is_none() {
                TW_UNKNOWN_VENUE
            } else {
                TW_INVALID_SUBSCRIPTION
            };
            Error::new(code, format!("subscription {s:?}: {e}"))
        })?;
        b = b.subscribe(sub);
    }
    if let Some(e) = &c.endpoint {
        b = b.endpoint(e.clone());
    }
    if let Some(r) = &c.rest_endpoint {
        b = b.rest_endpoint(r.clone());
    }
    match (&c.ca_file, &c.ca_pem) {
        (Some(_), Some(_)) => {
            return Err(Error::new(
                TW_INVALID_CONFIG,
                "configuration: give \"ca_file\" or \"ca_pem\", not both",
            ))
        }
        (Some(path), None) => {
            let pem = std::fs::read(path)
                .map_err(|e| Error::new(TW_IO, format!("ca_file {path:?}: {e}")))?;
            b = b.ca_pem(pem);
        }
        (None, Some(pem)) => b = b.ca_pem(pem.as_bytes().to_vec()),
        (None, None) => {}
    }
    if let Some(n) = c.shards {
        if n == 0 || n > 64 {
            return Err(Error::new(TW_INVALID_CONFIG, "shards: 1..=64"));
        }
        b = b.shards(n);
    }
    if let Some(n) = c.redundancy {
        if n == 0 || n > 8 {
            return Err(Error::new(TW_INVALID_CONFIG, "redundancy: 1..=8"));
        }
        b = b.redundancy(n);
    }
    if let Some(o) = &c.overflow {
        b = b.overflow(match o.as_str() {
            "drop_newest" => Overflow::DropNewest,
            "drop_oldest" => Overflow::DropOldest,
            "conflate" => Overflow::Conflate,
            "block" => Overflow::Block,
            _ => {
                return Err(Error::new(
                    TW_INVALID_CONFIG,
                    format!("overflow {o:?}: drop_newest, drop_oldest, conflate or block"),
                ))
            }
        });
    }
    if let Some(n) = c.capacity {
        b = b.capacity(capacity(n)?);
    }
    if let Some(w) = &c.wait_policy {
        b = b.wait_policy(match w.as_str() {
            "spin" => WaitPolicy::Spin,
            "yield" => WaitPolicy::Yield,
            "park" => WaitPolicy::Park,
            _ => {
                return Err(Error::new(
                    TW_INVALID_CONFIG,
                    format!("wait_policy {w:?}: spin, yield or park"),
                ))
            }
        });
    }
    if let Some(ms) = c.stale_after_ms {
        b = b.stale_after(Duration::from_millis(ms.max(1)));
    }
    b.start().map_err(|e| {
        let code = match e {
            FeedError::NothingToSubscribe | FeedError::PlaintextEndpoint(_) => TW_INVALID_CONFIG,
            FeedError::Tls(_) => TW_TLS,
            FeedError::Io(_) => TW_ENGINE,
            _ => TW_INTERNAL,
        };
        Error::new(code, e.to_string())
    })
}

fn venue(name: &str) -> Result<Venue, Error> {
    Venue::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Venue::ALL.iter().map(|v| v.name()).collect();
        Error::new(
            TW_UNKNOWN_VENUE,
            format!("unknown venue {name:?} (known: {})", known.join(", ")),
        )
    })
}

fn capacity(n: usize) -> Result<usize, Error> {
    if n == 0 || n > MAX_CAPACITY {
        return Err(Error::new(
            TW_INVALID_CONFIG,
            format!("capacity {n}: 1..={MAX_CAPACITY}"),
        ));
    }
    Ok(n)
}

/// Maps a recording error to `TW_IO` (unreadable) or `TW_BAD_RECORDING` (readable, not valid).
pub fn record_error(e: RecordError) -> Error {
    let code = match e {
        RecordError::Io(..) => TW_IO,
        _ => TW_BAD_RECORDING,
    };
    Error::new(code, e.to_string())
}
