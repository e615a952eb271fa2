//! The live engine against the local exchange simulator, fault by fault (loopback only, every
//! test bounded in time): the stream recovers, gaps are announced and books resync, a corrupt
//! frame is counted and the connection goes on, an oversized frame closes that connection with a
//! clear status and it reconnects, a rollover loses no trade, shutdown leaves no thread behind.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use tickwire::event::{Event, Kind, StatusCode, Venue};
use tickwire::io::{CloseReason, Feed, FeedBuilder, Subscription};
use tickwire::sim::{Fault, SimConfig, Simulator, Source};

fn sim(rate: u32) -> Simulator {
    let mut c = SimConfig::new(Venue::Binance);
    c.source = Source::Synthetic {
        rate_per_sec: rate,
        symbols: vec!["BTCUSDT".into()],
    };
    Simulator::start(c).expect("simulator")
}

fn feed(sim: &Simulator, f: impl FnOnce(FeedBuilder) -> FeedBuilder) -> Feed {
    let b = FeedBuilder::new()
        .endpoint(sim.ws_url())
        .rest_endpoint(sim.rest_url())
        .ca_pem(sim.ca_pem().as_bytes().to_vec())
        .backoff(Duration::from_millis(20), Duration::from_millis(200))
        .subscribe(Subscription::parse("binance:BTCUSDT:trades,bbo,book").unwrap());
    f(b).start().expect("feed")
}

/// Everything a feed delivered, with checks that hold at every moment.
#[derive(Default)]
struct Seen {
    events: Vec<Event>,
    last_trade: HashMap<u32, u64>,
    /// Trade ids seen (no id may come twice).
    trade_ids: HashSet<(u32, u64)>,
    /// Ids may come out of order (redundant connections); they still come once.
    any_order: bool,
}

impl Seen {
    fn take(&mut self, feed: &mut Feed, buf: &mut [Event]) {
        let n = feed.wait(buf, Duration::from_millis(20));
        for e in &buf[..n] {
            if e.kind == Kind::Trade as u8 {
                // first copy wins: a trade id never comes twice, and never goes back
                assert!(
                    self.trade_ids.insert((e.instrument, e.seq)),
                    "trade {} twice",
                    e.seq
                );
                if let Some(prev) = self.last_trade.insert(e.instrument, e.seq) {
                    assert!(
                        self.any_order || e.seq > prev,
                        "trade {} after {prev}: reordered",
                        e.seq
                    );
                }
            }
            self.events.push(*e);
        }
    }

    fn count(&self, code: StatusCode) -> usize {
        self.events
            .iter()
            .filter(|e| e.status() == Some(code))
            .count()
    }

    /// Statuses `code` among the events from index `at` on.
    fn since(&self, at: usize, code: StatusCode) -> usize {
        self.events[at..]
            .iter()
            .filter(|e| e.status() == Some(code))
            .count()
    }

    /// Whether trades arrived after the latest `Connected`, and the book is synced since (a
    /// snapshot in flight when the old connection dropped does not count; a book whose diffs
    /// continue without a break across the reconnect stays synced, so no new `BookSynced` is
    /// needed).
    fn flowing_since_connect(&self) -> bool {
        let Some(at) = self
            .events
            .iter()
            .rposition(|e| e.status() == Some(StatusCode::Connected))
        else {
            return false;
        };
        let tail = &self.events[at..];
        let trades = tail.iter().any(|e| e.kind == Kind::Trade as u8);
        // the last book resync after the reconnect is followed by a BookSynced
        let broken = tail
            .iter()
            .rposition(|e| e.status() == Some(StatusCode::Resync));
        let synced = match broken {
            None => true,
            Some(b) => tail[b..]
                .iter()
                .any(|e| e.status() == Some(StatusCode::BookSynced)),
        };
        trades && synced
    }

    fn until(
        &mut self,
        feed: &mut Feed,
        what: &str,
        secs: u64,
        mut done: impl FnMut(&Seen, &Feed) -> bool,
    ) {
        let mut buf = vec![Event::default(); 4096];
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !done(self, feed) {
            if Instant::now() >= deadline {
                let tail: Vec<String> = self
                    .events
                    .iter()
                    .filter(|e| e.kind == Kind::Status as u8)
                    .map(|e| format!("{:?}{:?}", e.status(), &e.v[..3]))
                    .collect();
                panic!(
                    "timed out waiting for: {what}; metrics {:?}; statuses {:?}",
                    feed.metrics(),
                    &tail[tail.len().saturating_sub(30)..]
                );
            }
            self.take(feed, &mut buf);
        }
    }
}

fn live(feed: &Feed) -> bool {
    feed.book(Venue::Binance, "BTCUSDT").is_some()
}

#[test]
fn the_stream_recovers_from_every_fault() {
    let sim = sim(2000);
    // the stale limit is well above any pause a loaded machine makes, so the only reconnects
    // are the ones the faults cause
    let mut feed = feed(&sim, |b| {
        b.max_message(64 << 10).stale_after(Duration::from_secs(2))
    });
    let mut seen = Seen::default();
    seen.until(&mut feed, "book synced", 10, |s, f| {
        live(f) && s.count(StatusCode::Connected) >= 1
    });

    // a dropped diff: announced as a gap, the book resyncs over REST
    let at = seen.events.len();
    sim.inject(Fault::Drop(1));
    seen.until(&mut feed, "gap then resync", 10, |s, f| {
        s.since(at, StatusCode::Gap) >= 1 && s.since(at, StatusCode::BookSynced) >= 1 && live(f)
    });

    // corrupt frames: counted, reported, the connection goes on (the simulator corrupts the
    // next frames it publishes; one may belong to a stream this client does not take)
    let at = seen.events.len();
    sim.inject(Fault::Corrupt(3));
    seen.until(&mut feed, "malformed counted", 10, |s, f| {
        let m = f.metrics().malformed;
        m >= 1 && s.count(StatusCode::Malformed) as u64 == m
    });
    assert_eq!(
        seen.since(at, StatusCode::Disconnected),
        0,
        "a corrupt frame must not drop the connection"
    );

    // duplicates: dropped by dedupe (Seen asserts no trade id twice)
    sim.inject(Fault::Duplicate(40));
    seen.until(&mut feed, "duplicates dropped", 10, |_, f| {
        f.metrics().dedupe.duplicates > 0 || f.metrics().books.stale > 0
    });

    // an abrupt disconnect: reconnect with backoff, books resync
    let at = seen.events.len();
    sim.inject(Fault::Disconnect);
    seen.until(&mut feed, "reconnected and resynced", 10, |s, f| {
        s.since(at, StatusCode::Disconnected) >= 1
            && s.since(at, StatusCode::Connected) >= 1
            && s.flowing_since_connect()
            && live(f)
    });

    // an oversized frame: that connection closes with a clear reason, then reconnects
    let at = seen.events.len();
    sim.inject(Fault::Oversize(100 << 10));
    seen.until(&mut feed, "oversize close + reconnect", 10, |s, _| {
        s.events[at..].iter().any(|e| {
            e.status() == Some(StatusCode::Disconnected) && e.v[1] == CloseReason::Oversized as i64
        }) && s.since(at, StatusCode::Connected) >= 1
    });

    // a stall longer than the stale limit: a stale status, a fresh connection
    let at = seen.events.len();
    sim.inject(Fault::Stall(Duration::from_secs(4)));
    seen.until(&mut feed, "stale detected and recovered", 15, |s, f| {
        s.since(at, StatusCode::Stale) >= 1
            && s.since(at, StatusCode::Connected) >= 1
            && s.flowing_since_connect()
            && live(f)
    });

    // REST rate limit and a stale snapshot during a resync: honoured, then synced
    let synced = seen.count(StatusCode::BookSynced);
    sim.inject(Fault::RestRateLimit(1));
    sim.inject(Fault::StaleSnapshot);
    sim.inject(Fault::Drop(1));
    seen.until(
        &mut feed,
        "resync through 429 and a stale snapshot",
        15,
        |s, f| s.count(StatusCode::BookSynced) > synced && live(f),
    );
    let m = feed.metrics();
    assert!(m.rest.1 >= 1, "the 429 was seen: {m:?}");

    // trades kept flowing throughout, and the book agrees with the venue's BBO at the end
    assert!(
        seen.events
            .iter()
            .filter(|e| e.kind == Kind::Trade as u8)
            .count()
            > 100
    );
    assert_eq!(m.books.crossed, 0);
    feed.shutdown();
    sim.shutdown();
}

#[test]
fn rollover_loses_no_trade() {
    let sim = sim(1500);
    let mut feed = feed(&sim, |b| b.lifetime(Duration::from_millis(800)));
    let mut seen = Seen::default();
    let trades = |s: &Seen| {
        s.events
            .iter()
            .filter(|e| e.kind == Kind::Trade as u8)
            .count()
    };
    seen.until(&mut feed, "three rollovers", 20, |_, f| {
        f.metrics().rollovers >= 3
    });
    // data keeps flowing on the successors: plenty of trades after the third rollover
    let at_third = trades(&seen);
    seen.until(&mut feed, "trades after the rollovers", 10, |s, _| {
        trades(s) > at_third + 150
    });
    let ids: Vec<u64> = seen
        .events
        .iter()
        .filter(|e| e.kind == Kind::Trade as u8)
        .map(|e| e.seq)
        .collect();
    assert!(ids.len() > 300);
    // the simulator numbers trades consecutively: no id may be missing across rollovers
    for w in ids.windows(2) {
        assert_eq!(
            w[1],
            w[0] + 1,
            "trade id {} missing across a rollover",
            w[0] + 1
        );
    }
    assert_eq!(
        seen.count(StatusCode::Gap),
        0,
        "make-before-break: no book gap either"
    );
    let rolled = seen
        .events
        .iter()
        .filter(|e| {
            e.status() == Some(StatusCode::Disconnected) && e.v[1] == CloseReason::Rollover as i64
        })
        .count();
    assert!(rolled >= 3, "{rolled} rollover closes");
    assert!(
        feed.book(Venue::Binance, "BTCUSDT").is_some(),
        "the book stayed live"
    );
    feed.shutdown();
    sim.shutdown();
}

#[test]
fn redundant_connections_deliver_each_event_once() {
    let sim = sim(1500);
    let mut feed = feed(&sim, |b| b.redundancy(2));
    // the two copies may interleave (an id that one connection has not delivered yet may come
    // after a later one from the other): every trade once, in whatever order
    let mut seen = Seen {
        any_order: true,
        ..Seen::default()
    };
    seen.until(
        &mut feed,
        "two connections, trades and dropped copies",
        10,
        |s, f| {
            f.metrics().connects >= 2
                && f.metrics().dedupe.duplicates > 100
                && s.events
                    .iter()
                    .filter(|e| e.kind == Kind::Trade as u8)
                    .count()
                    > 200
        },
    );
    feed.shutdown();
    sim.shutdown();
}

#[test]
fn runtime_subscribe_and_unsubscribe_without_reconnecting() {
    let mut c = SimConfig::new(Venue::Binance);
    c.symbols = vec!["BTCUSDT".into(), "ETHUSDT".into()];
    c.source = Source::Synthetic {
        rate_per_sec: 2000,
        symbols: c.symbols.clone(),
    };
    let sim = Simulator::start(c).expect("sim");
    let mut feed = FeedBuilder::new()
        .endpoint(sim.ws_url())
        .rest_endpoint(sim.rest_url())
        .ca_pem(sim.ca_pem().as_bytes().to_vec())
        .subscribe(Subscription::parse("binance:BTCUSDT:trades").unwrap())
        .start()
        .expect("feed");
    let mut seen = Seen::default();
    seen.until(&mut feed, "BTC trades", 10, |s, _| {
        s.events.iter().any(|e| e.kind == Kind::Trade as u8)
    });
    let eth = Subscription::parse("binance:ETHUSDT:trades").unwrap();
    feed.subscribe(&eth);
    let sym = |f: &Feed, e: &Event| {
        f.instruments()
            .info(e.instrument())
            .map(|i| i.symbol)
            .unwrap_or_default()
    };
    seen.until(&mut feed, "ETH trades after SUBSCRIBE", 10, |s, f| {
        s.events
            .iter()
            .any(|e| e.kind == Kind::Trade as u8 && sym(f, e) == "ETHUSDT")
    });
    feed.unsubscribe(&eth);
    // the simulator stops sending ETH (its count stays put for half a second), and every ETH
    // trade it sent before that reaches the client; only then does "after" begin
    let eth_sent = || {
        sim.stats()
            .frames_per_stream
            .get("ethusdt@trade")
            .copied()
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = (eth_sent(), Instant::now());
    while last.1.elapsed() < Duration::from_millis(500) {
        assert!(Instant::now() < deadline, "ETH never stopped: {}", last.0);
        std::thread::sleep(Duration::from_millis(20));
        let n = eth_sent();
        if n != last.0 {
            last = (n, Instant::now());
        }
    }
    let sent = last.0;
    assert!(sent > 0);
    seen.until(&mut feed, "every ETH trade sent", 10, |s, f| {
        s.events
            .iter()
            .filter(|e| e.kind == Kind::Trade as u8 && sym(f, e) == "ETHUSDT")
            .count() as u64
            >= sent
    });
    let mut after = Seen::default();
    after.until(&mut feed, "more BTC trades", 10, |s, _| {
        s.events
            .iter()
            .filter(|e| e.kind == Kind::Trade as u8)
            .count()
            > 50
    });
    assert!(
        !after
            .events
            .iter()
            .any(|e| e.kind == Kind::Trade as u8 && sym(&feed, e) == "ETHUSDT"),
        "ETH still streaming after UNSUBSCRIBE"
    );
    assert_eq!(feed.metrics().connects, 1, "no reconnect");
    feed.shutdown();
    sim.shutdown();
}

/// A corpus capture streamed by the simulator through TLS + WebSocket + REST gives the same
/// trades, quotes and book (levels and final top) as `tickwire replay` of the same file.
#[test]
fn corpus_through_the_simulator_equals_replay() {
    let file = common::fixture("binance/hftbacktest_btcusdt_20240808_first2500.tsv");
    let expected = common::replay(Venue::Binance, std::slice::from_ref(&file));
    let key = |e: &Event| (e.kind, e.seq, e.side, e.flags, e.v, e.ts_exchange);
    let want_flow: Vec<_> = expected
        .events
        .iter()
        .filter(|e| e.kind == Kind::Trade as u8 || e.kind == Kind::Quote as u8)
        .map(key)
        .collect();
    let want_book: Vec<_> = expected
        .events
        .iter()
        .filter(|e| e.kind == Kind::BookLevel as u8)
        .map(key)
        .collect();
    let want_top = expected.tops.last().copied().expect("replay builds a book");

    let sim = Simulator::start(SimConfig::replay(Venue::Binance, vec![file])).expect("sim");
    // the capture plays as fast as the simulator can send: a lossless consumer (the default,
    // drop-newest, would rightly drop and report what a descheduled test thread cannot take)
    let mut feed = feed(&sim, |b| b.overflow(tickwire::route::Overflow::Block));
    let mut seen = Seen::default();
    seen.until(
        &mut feed,
        "every trade and quote of the capture",
        30,
        |s, _| {
            s.events
                .iter()
                .filter(|e| e.kind == Kind::Trade as u8 || e.kind == Kind::Quote as u8)
                .count()
                >= want_flow.len()
        },
    );
    seen.until(
        &mut feed,
        "the book at the capture's last update",
        10,
        |_, f| {
            f.book(Venue::Binance, "BTCUSDT")
                .is_some_and(|b| b.seq == want_top.seq)
        },
    );
    let got_flow: Vec<_> = seen
        .events
        .iter()
        .filter(|e| e.kind == Kind::Trade as u8 || e.kind == Kind::Quote as u8)
        .map(key)
        .collect();
    let got_book: Vec<_> = seen
        .events
        .iter()
        .filter(|e| e.kind == Kind::BookLevel as u8)
        .map(key)
        .collect();
    assert_eq!(feed.metrics().ring_drops, 0, "{:?}", feed.metrics());
    assert_eq!(got_flow, want_flow);
    assert_eq!(
        got_book, want_book,
        "same snapshot, same bridged chain, same levels"
    );
    let book = feed.book(Venue::Binance, "BTCUSDT").expect("live book");
    assert_eq!(
        (book.best_bid(), book.best_ask()),
        (want_top.bid, want_top.ask)
    );
    assert_eq!(seen.count(StatusCode::Gap), 0);
    feed.shutdown();
    sim.shutdown();
}

/// A stream that falls silent past its own usual pace is reported stale (per stream), the
/// iterator API yields events, and a venue that keeps refusing opens its circuit breaker.
#[test]
fn stream_watchdog_iterator_and_circuit_breaker() {
    let sim = sim(2000);
    let mut feed = feed(&sim, |b| {
        b.stream_watchdog(tickwire::watchdog::WatchConfig {
            floor: 300_000_000,
            factor: 20,
            warmup: 20,
        })
        .stale_after(Duration::from_secs(30))
    });
    let first: Vec<Event> = feed.events().take(200).collect();
    assert_eq!(first.len(), 200);
    sim.inject(Fault::Stall(Duration::from_millis(1500)));
    let mut seen = Seen::default();
    seen.until(&mut feed, "per-stream stale status", 10, |s, _| {
        s.events
            .iter()
            .any(|e| e.status() == Some(StatusCode::Stale) && e.instrument != u32::MAX)
    });
    feed.shutdown();
    sim.shutdown();

    // nothing listens on this port: every connect fails, the breaker opens after 3
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut feed = FeedBuilder::new()
        .endpoint(format!("ws://127.0.0.1:{port}"))
        .backoff(Duration::from_millis(5), Duration::from_millis(20))
        .gate(tickwire::io::GateConfig {
            max_attempts: 100,
            window: Duration::from_secs(60),
            threshold: 3,
            cooldown: Duration::from_secs(60),
        })
        .subscribe(Subscription::parse("binance:BTCUSDT:trades").unwrap())
        .start()
        .expect("feed");
    let mut seen = Seen::default();
    seen.until(&mut feed, "circuit open", 10, |s, _| {
        s.count(StatusCode::CircuitOpen) >= 1
    });
    std::thread::sleep(Duration::from_millis(300));
    seen.until(&mut feed, "drain", 1, |_, _| true);
    let failed = seen.count(StatusCode::Disconnected);
    assert_eq!(failed, 3, "no attempt while the breaker is open");
    feed.shutdown();
}

/// Streams are split over connections by the per-connection limit, and connections over shards.
#[test]
fn streams_are_sharded_over_connections_and_shards() {
    let sim = sim(1500);
    let mut feed = feed(&sim, |b| b.streams_per_connection(1).shards(2));
    // trades, bbo and book of one symbol: three streams, one per connection, on two shards
    let mut seen = Seen::default();
    seen.until(&mut feed, "three connections, data from all", 15, |s, f| {
        f.metrics().connects >= 3
            && [Kind::Trade, Kind::Quote, Kind::BookLevel]
                .iter()
                .all(|k| s.events.iter().any(|e| e.kind == *k as u8))
    });
    assert_eq!(sim.stats().ws_open, 3);
    assert!(feed.book(Venue::Binance, "BTCUSDT").is_some());
    feed.shutdown();
    sim.shutdown();
}

/// Given only the WebSocket endpoint, REST goes to the same host (the snapshot comes from the
/// simulator and the book syncs), never to the real venue.
#[test]
fn rest_defaults_to_the_endpoint_host() {
    let sim = sim(1500);
    let mut feed = FeedBuilder::new()
        .endpoint(sim.ws_url())
        .ca_pem(sim.ca_pem().as_bytes().to_vec())
        .subscribe(Subscription::parse("binance:BTCUSDT:book").unwrap())
        .start()
        .expect("feed");
    let mut seen = Seen::default();
    seen.until(
        &mut feed,
        "book synced from the simulator's REST",
        15,
        |_, f| live(f),
    );
    assert!(sim.stats().rest_requests >= 1);
    feed.shutdown();
    sim.shutdown();
}

/// `book=1000ms` subscribes the 1-second diff stream (`btcusdt@depth`, in the URL) instead of
/// `@depth@100ms`; the book is seeded over REST and syncs the same way.
#[test]
fn book_variant_1000ms_syncs_over_rest() {
    let sim = sim(1500);
    let mut feed = FeedBuilder::new()
        .endpoint(sim.ws_url())
        .rest_endpoint(sim.rest_url())
        .ca_pem(sim.ca_pem().as_bytes().to_vec())
        .subscribe(Subscription::parse("binance:BTCUSDT:trades,book=1000ms").unwrap())
        .start()
        .expect("feed");
    let mut seen = Seen::default();
    seen.until(&mut feed, "a book synced on btcusdt@depth", 15, |_, f| {
        live(f)
    });
    let stats = sim.stats();
    assert!(stats.rest_requests >= 1);
    let sent = stats.frames_per_stream;
    assert!(
        sent.get("btcusdt@depth").is_some_and(|n| *n > 0),
        "{sent:?}"
    );
    assert!(!sent.keys().any(|k| k.contains("@100ms")), "{sent:?}");
    feed.shutdown();
    sim.shutdown();
}

/// `book=depth20`: Binance's partial book, a top-20 image every 100 ms: live without any REST
/// snapshot, never deeper than 20, and in a pause its top is the venue's last best bid/offer.
#[test]
fn book_variant_depth20_is_a_top_n_image_without_rest() {
    let sim = sim(1500);
    let mut feed = FeedBuilder::new()
        .endpoint(sim.ws_url())
        .rest_endpoint(sim.rest_url())
        .ca_pem(sim.ca_pem().as_bytes().to_vec())
        .subscribe(Subscription::parse("binance:BTCUSDT:trades,bbo,book=depth20").unwrap())
        .start()
        .expect("feed");
    let mut seen = Seen::default();
    seen.until(
        &mut feed,
        "images from btcusdt@depth20, and quotes",
        15,
        |s, f| {
            live(f)
                && f.metrics().books.snapshots >= 5
                && s.events.iter().any(|e| e.kind == Kind::Quote as u8)
        },
    );
    // pause the venue and drain: the book's top is a best bid/offer the venue announced (the
    // image is taken every 100 ms, so not necessarily the last one)
    sim.inject(Fault::Stall(Duration::from_secs(3)));
    let until = Instant::now() + Duration::from_millis(500);
    seen.until(&mut feed, "a drained pause", 3, |_, _| {
        Instant::now() >= until
    });
    let book = feed.book(Venue::Binance, "BTCUSDT").expect("live book");
    let (bid, ask) = (book.best_bid().expect("bid"), book.best_ask().expect("ask"));
    assert!(
        seen.events.iter().any(|q| q.kind == Kind::Quote as u8
            && (q.v[0], q.v[1], q.v[2], q.v[3]) == (bid.px, bid.qty, ask.px, ask.qty)),
        "top {bid:?} / {ask:?} was never a quote"
    );
    sim.inject(Fault::Stall(Duration::ZERO));
    let book = feed.book(Venue::Binance, "BTCUSDT").expect("live book");
    let (bids, asks) = book.top(usize::MAX);
    assert!(
        (1..=20).contains(&bids.len()) && (1..=20).contains(&asks.len()),
        "{} bids, {} asks",
        bids.len(),
        asks.len()
    );
    let stats = sim.stats();
    assert_eq!(stats.rest_requests, 0, "a partial book needs no snapshot");
    let sent = stats.frames_per_stream;
    assert!(
        sent.get("btcusdt@depth20@100ms").is_some_and(|n| *n > 0),
        "{sent:?}"
    );
    assert!(
        !sent.keys().any(|k| k.starts_with("btcusdt@depth@")),
        "the diff stream was subscribed: {sent:?}"
    );
    assert_eq!(seen.count(StatusCode::Gap), 0);
    feed.shutdown();
    sim.shutdown();
}

/// Stage timing (a benchmark aid) is off by default; on, every delivered trade is counted in each
/// stage's histogram, over two shards, and a reset empties them. Counts only: nothing timed.
#[test]
fn stage_timing_counts_every_trade_per_stage() {
    let sim = sim(1500);
    let feed = feed(&sim, |b| b);
    assert!(feed.stage_histograms().is_none());
    feed.shutdown();

    let mut feed = FeedBuilder::new()
        .endpoint(sim.ws_url())
        .rest_endpoint(sim.rest_url())
        .ca_pem(sim.ca_pem().as_bytes().to_vec())
        .stage_timing(true)
        .streams_per_connection(1)
        .shards(2)
        .subscribe(Subscription::parse("binance:BTCUSDT:trades,bbo").unwrap())
        .start()
        .expect("feed");
    let mut seen = Seen::default();
    seen.until(
        &mut feed,
        "trades and quotes from both shards",
        15,
        |s, _| {
            [Kind::Trade, Kind::Quote]
                .iter()
                .all(|k| s.events.iter().filter(|e| e.kind == *k as u8).count() >= 20)
        },
    );
    let data = seen
        .events
        .iter()
        .filter(|e| e.kind != Kind::Status as u8 && e.ts_recv > 0)
        .count() as u64;
    let h = feed.stage_histograms().expect("stage timing on");
    // every delivered data event crossed all three stages (the shard stage also counts what
    // was popped from the shard rings but not yet delivered)
    assert_eq!(h.socket_to_consumer.len(), data);
    assert_eq!(h.shard_to_consumer.len(), data);
    assert!(
        h.socket_to_shard.len() >= data,
        "{} < {data}",
        h.socket_to_shard.len()
    );
    feed.reset_stage_histograms();
    let h = feed.stage_histograms().expect("stage timing on");
    assert!(h.socket_to_consumer.is_empty() && h.socket_to_shard.is_empty());
    feed.shutdown();
    sim.shutdown();
}
