//! Shutdown leaves no thread behind. Alone in its binary: it counts the process's threads,
//! which tests running beside it would change.

use std::time::{Duration, Instant};
use tickwire::event::{Event, Venue};
use tickwire::io::{FeedBuilder, Subscription};
use tickwire::sim::{SimConfig, Simulator, Source};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn shutdown_leaves_no_thread_behind() {
    let before = threads();
    assert!(before >= 1, "/proc/self/task is readable");
    {
        let mut c = SimConfig::new(Venue::Binance);
        c.source = Source::Synthetic {
            rate_per_sec: 500,
            symbols: vec!["BTCUSDT".into()],
        };
        let sim = Simulator::start(c).expect("simulator");
        let mut feed = FeedBuilder::new()
            .endpoint(sim.ws_url())
            .rest_endpoint(sim.rest_url())
            .ca_pem(sim.ca_pem().as_bytes().to_vec())
            .shards(2)
            .subscribe(Subscription::parse("binance:BTCUSDT:trades,bbo,book").unwrap())
            .start()
            .expect("feed");
        let mut buf = vec![Event::default(); 1024];
        let mut got = 0;
        let deadline = Instant::now() + Duration::from_secs(20);
        while got <= 20 {
            assert!(Instant::now() < deadline, "no data: {:?}", feed.metrics());
            got += feed.wait(&mut buf, Duration::from_millis(20));
        }
        assert!(
            threads() >= before + 4,
            "shards, REST worker and simulator threads are running"
        );
        feed.shutdown();
        sim.shutdown();
    }
    // joined threads may take a moment to leave /proc
    let deadline = Instant::now() + Duration::from_secs(5);
    while threads() > before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        threads() <= before,
        "threads before {before}, after {}",
        threads()
    );
}
