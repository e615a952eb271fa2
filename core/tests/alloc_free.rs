//! Steady state allocates nothing: a counting global allocator watches the parser, books,
//! dedupe and router handle trade and depth frames after warm-up.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use tickwire::event::{Event, Nanos, Venue};
use tickwire::instrument::Instruments;
use tickwire::pipeline::{Pipeline, PipelineConfig};
use tickwire::route::{ConsumerConfig, Router};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls on this thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

fn trade(id: u64) -> String {
    format!(
        r#"{{"stream":"btcusdt@trade","data":{{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":{id},"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}}}"#
    )
}

fn depth(first: u64, last: u64, k: u64) -> String {
    let px = 61800 + (k % 7);
    format!(
        r#"{{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":{first},"u":{last},"b":[["61737.63000000","0.00000000"],["{px}.17000000","1.25000000"],["56854.58000000","0.10000000"]],"a":[["61837.64000000","1.54698000"],["61839.85000000","0.00000000"],["61845.11000000","0.32329000"]]}}}}"#
    )
}

const SNAPSHOT: &str = r#"{"lastUpdateId":1000,"bids":[["61800.00000000","1.00000000"],["61700.00000000","2.00000000"]],"asks":[["61837.64000000","1.00000000"],["61900.00000000","3.00000000"]]}"#;

#[test]
fn steady_state_trade_and_book_frames_allocate_nothing() {
    let mut pipeline = Pipeline::new(Instruments::new(), PipelineConfig::default());
    let mut router = Router::new();
    let (_, mut consumer) = router.add_consumer(ConsumerConfig {
        capacity: 1 << 12,
        ..ConsumerConfig::default()
    });
    let mut out = vec![Event::default(); 1 << 12];
    let v = Venue::Binance;

    // frames prepared up front: building them allocates, handling them must not
    let trades: Vec<String> = (0..2000).map(|i| trade(10_000 + i)).collect();
    let depths: Vec<String> = (0..2000)
        .map(|i| depth(1001 + 10 * i, 1010 + 10 * i, i))
        .collect();

    // warm-up: first sight of the instrument, snapshot, buffers grown to their working size
    pipeline
        .on_rest(
            v,
            SNAPSHOT.as_bytes(),
            Some("BTCUSDT"),
            Nanos(1),
            &mut |e| router.route(e),
        )
        .unwrap();
    for f in trades.iter().take(100).chain(depths.iter().take(100)) {
        pipeline
            .on_frame(v, f.as_bytes(), Nanos(2), &mut |e| router.route(e))
            .unwrap();
        consumer.pop_into(&mut out);
    }
    assert!(
        pipeline.books().book(tickwire::InstrumentId(0)).is_some(),
        "book is live"
    );

    let before = allocs();
    let mut events = 0;
    for f in &trades[100..] {
        pipeline
            .on_frame(v, f.as_bytes(), Nanos(3), &mut |e| router.route(e))
            .unwrap();
        events += consumer.pop_into(&mut out);
    }
    let trade_allocs = allocs() - before;
    assert_eq!(events, 1900);
    assert_eq!(trade_allocs, 0, "allocations in 1,900 trade frames");

    let before = allocs();
    let mut events = 0;
    for f in &depths[100..] {
        pipeline
            .on_frame(v, f.as_bytes(), Nanos(4), &mut |e| router.route(e))
            .unwrap();
        events += consumer.pop_into(&mut out);
    }
    let book_allocs = allocs() - before;
    assert_eq!(events, 1900 * 6);
    assert_eq!(book_allocs, 0, "allocations in 1,900 depth frames");
    assert_eq!(pipeline.books().stats().gaps, 0);
}
