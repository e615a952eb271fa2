//! The C API's hand-off (target T9: "C poll, copy-out into the caller's array"): the exported
//! `extern "C"` functions of `libtickwire` (crate `tickwire-c`), called as a C program calls
//! them, on a replay of the real capture `binance/hftbacktest_btcusdt_20240808_first2500`.
//!
//! * `c_feed_poll/preloaded_cap65536` and `preloaded_cap1024`: `"preload": true` parses the whole
//!   capture inside `tw_feed_new` (untimed); the timed polls only route the held events into the
//!   consumer ring and copy them out into the caller's array of 65,536 (1,024) `tw_event`s,
//!   through the C entry point (handle check, panic guard). One iteration drains the feed.
//! * `c_feed_poll/streaming_cap65536`: the same polls on a replay that parses as it goes
//!   (parse + books + dedupe + route + copy-out, all inside the polls), for scale.
//!
//! Throughput is in events: criterion's `elem/s` is the T9 figure.
//!
//! `cargo bench -p tickwire-bench --bench c_poll`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::ffi::CString;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tickwire_bench::fixture;
use tickwire_c::event::tw_event;
use tickwire_c::feed::{tw_feed, tw_feed_free, tw_feed_new, tw_feed_poll};
use tickwire_c::status::{TW_FINISHED, TW_OK};

const CAPTURE: &str = "binance/hftbacktest_btcusdt_20240808_first2500.tsv";

fn open(preload: bool) -> *mut tw_feed {
    let path = fixture(CAPTURE);
    let json = CString::new(format!(
        r#"{{"replay":{{"venue":"binance","files":[{:?}],"preload":{preload}}}}}"#,
        path.to_str().expect("utf-8 path")
    ))
    .expect("no NUL");
    let mut feed: *mut tw_feed = std::ptr::null_mut();
    // SAFETY: a NUL-terminated configuration and a valid out pointer.
    let rc = unsafe { tw_feed_new(json.as_ptr(), &mut feed) };
    assert_eq!(rc, TW_OK, "tw_feed_new");
    feed
}

/// Polls until the replay is finished; returns (events, time spent in the polls).
fn drain(feed: *mut tw_feed, buf: &mut [tw_event]) -> (u64, Duration) {
    let mut total = 0u64;
    let mut n = 0usize;
    let start = Instant::now();
    loop {
        // SAFETY: `feed` is live; `buf` is valid for `buf.len()` events; `n` is valid.
        let rc = unsafe { tw_feed_poll(feed, buf.as_mut_ptr(), buf.len(), &mut n) };
        if rc != TW_OK {
            assert_eq!(rc, TW_FINISHED);
            break;
        }
        total += n as u64;
        black_box(&buf[..n]);
    }
    (total, start.elapsed())
}

fn close(feed: *mut tw_feed) {
    // SAFETY: from tw_feed_new, freed once.
    unsafe { tw_feed_free(feed) };
}

fn c_poll(c: &mut Criterion) {
    let mut buf = vec![tw_event::default(); 1 << 16];
    let feed = open(true);
    let (events, _) = drain(feed, &mut buf);
    close(feed);
    eprintln!("c_feed_poll: {events} events per replay of {CAPTURE}");

    let mut g = c.benchmark_group("c_feed_poll");
    g.throughput(Throughput::Elements(events));
    // Each preloaded iteration parses the capture first, untimed and ~50x the timed part: a
    // short measured time keeps the run under a minute (0.25 s measured = ~5,000 drains).
    let (measure, warm) = if tickwire_bench::quick() {
        (0.02, 0.005)
    } else {
        (0.25, 0.05)
    };
    g.sample_size(tickwire_bench::samples(10))
        .measurement_time(Duration::from_secs_f64(measure))
        .warm_up_time(Duration::from_secs_f64(warm));
    for cap in [1usize << 16, 1024] {
        g.bench_function(format!("preloaded_cap{cap}"), |b| {
            b.iter_custom(|iters| {
                let mut t = Duration::ZERO;
                for _ in 0..iters {
                    let feed = open(true);
                    let (n, d) = drain(feed, &mut buf[..cap]);
                    close(feed);
                    assert_eq!(n, events);
                    t += d;
                }
                t
            })
        });
    }
    g.bench_function("streaming_cap65536", |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let feed = open(false);
                let (n, d) = drain(feed, &mut buf);
                close(feed);
                assert_eq!(n, events);
                t += d;
            }
            t
        })
    });
    g.finish();
}

criterion_group!(benches, c_poll);
criterion_main!(benches);
