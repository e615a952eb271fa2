//! SPSC ring benchmarks: `tickwire::ring` against crossbeam's `ArrayQueue` and `rtrb`, in the
//! same run, carrying the 80-byte `tickwire::Event`.
//!
//! * `ring_throughput/*`: one producer thread, one consumer thread (the bench thread), `iters`
//!   events end to end; reported as elements/s. Single-item and 64-item batch variants.
//! * `ring_latency/*`: one-way latency, measured as a ping-pong round trip over two rings,
//!   divided by two.
//!
//! Both sides busy-spin (then yield, see [`Backoff`]), so the figures assume two free cores. Threads are not
//! pinned (no affinity crate in the workspace).
//!
//! `cargo bench -p tickwire-bench --bench ring`

use std::hint::{black_box, spin_loop};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use crossbeam_queue::ArrayQueue;
use tickwire::{ring, Event};

/// Ring capacity for the throughput runs (80 KiB of events).
const CAP: usize = 1024;
/// Batch size for the batched variants.
const BATCH: usize = 64;

/// Spin briefly, then yield: identical for every contender. On a quiet machine with two free
/// cores the spin path dominates; when the cores are shared (CI, a concurrent build) yielding
/// keeps a descheduled peer from turning every hand-off into a scheduler time slice.
#[derive(Default)]
struct Backoff(u32);

impl Backoff {
    const SPINS: u32 = 128;

    #[inline]
    fn snooze(&mut self) {
        if self.0 < Self::SPINS {
            self.0 += 1;
            spin_loop();
        } else {
            thread::yield_now();
        }
    }

    #[inline]
    fn reset(&mut self) {
        self.0 = 0;
    }
}

fn event(i: u64) -> Event {
    Event {
        seq: i,
        ts_recv: i as i64,
        v: [i as i64; 5],
        ..Event::default()
    }
}

/// Runs `produce` on a new thread and `consume` on this one, both released by a barrier;
/// returns the time from the release until `consume` has seen everything.
fn two_threads<P, C>(tx: P, rx: C, produce: fn(P, u64), consume: fn(C, u64), n: u64) -> Duration
where
    P: Send + 'static,
{
    let go = Arc::new(Barrier::new(2));
    let go2 = Arc::clone(&go);
    let producer = thread::spawn(move || {
        go2.wait();
        produce(tx, n);
    });
    go.wait();
    let start = Instant::now();
    consume(rx, n);
    let elapsed = start.elapsed();
    producer.join().unwrap();
    elapsed
}

// ---- this ring -----------------------------------------------------------------------------

fn tw_produce(mut tx: ring::Producer<Event>, n: u64) {
    for i in 0..n {
        let mut ev = event(i);
        let mut bo = Backoff::default();
        while let Err(back) = tx.push(ev) {
            ev = back;
            bo.snooze();
        }
    }
}

fn tw_consume(mut rx: ring::Consumer<Event>, n: u64) {
    let mut got = 0;
    let mut bo = Backoff::default();
    while got < n {
        match rx.pop() {
            Some(ev) => {
                debug_assert_eq!(ev.seq, got);
                black_box(&ev);
                got += 1;
                bo.reset();
            }
            None => bo.snooze(),
        }
    }
}

fn tw_produce_batch(mut tx: ring::Producer<Event>, n: u64) {
    let mut buf = [Event::default(); BATCH];
    let mut next = 0;
    while next < n {
        let k = BATCH.min((n - next) as usize);
        for (j, ev) in buf[..k].iter_mut().enumerate() {
            *ev = event(next + j as u64);
        }
        let mut sent = 0;
        let mut bo = Backoff::default();
        while sent < k {
            let m = tx.push_slice(&buf[sent..k]);
            if m == 0 {
                bo.snooze();
            }
            sent += m;
        }
        next += k as u64;
    }
}

fn tw_consume_batch(mut rx: ring::Consumer<Event>, n: u64) {
    let mut buf = [Event::default(); BATCH];
    let mut got = 0;
    let mut bo = Backoff::default();
    while got < n {
        let m = rx.pop_into(&mut buf);
        if m == 0 {
            bo.snooze();
            continue;
        }
        bo.reset();
        debug_assert_eq!(buf[0].seq, got);
        black_box(&buf[..m]);
        got += m as u64;
    }
}

// ---- crossbeam ArrayQueue ------------------------------------------------------------------

fn cb_produce(q: Arc<ArrayQueue<Event>>, n: u64) {
    for i in 0..n {
        let mut ev = event(i);
        let mut bo = Backoff::default();
        while let Err(back) = q.push(ev) {
            ev = back;
            bo.snooze();
        }
    }
}

fn cb_consume(q: Arc<ArrayQueue<Event>>, n: u64) {
    let mut got = 0;
    let mut bo = Backoff::default();
    while got < n {
        match q.pop() {
            Some(ev) => {
                debug_assert_eq!(ev.seq, got);
                black_box(&ev);
                got += 1;
                bo.reset();
            }
            None => bo.snooze(),
        }
    }
}

// ---- rtrb ----------------------------------------------------------------------------------

fn rt_produce(mut tx: rtrb::Producer<Event>, n: u64) {
    for i in 0..n {
        let mut ev = event(i);
        let mut bo = Backoff::default();
        while let Err(rtrb::PushError::Full(back)) = tx.push(ev) {
            ev = back;
            bo.snooze();
        }
    }
}

fn rt_consume(mut rx: rtrb::Consumer<Event>, n: u64) {
    let mut got = 0;
    let mut bo = Backoff::default();
    while got < n {
        match rx.pop() {
            Ok(ev) => {
                debug_assert_eq!(ev.seq, got);
                black_box(&ev);
                got += 1;
                bo.reset();
            }
            Err(_) => bo.snooze(),
        }
    }
}

/// Batched through rtrb's chunk API (`push_partial_slice` = `write_chunk_uninit` + copy +
/// commit).
fn rt_produce_batch(mut tx: rtrb::Producer<Event>, n: u64) {
    let mut buf = [Event::default(); BATCH];
    let mut next = 0;
    while next < n {
        let k = BATCH.min((n - next) as usize);
        for (j, ev) in buf[..k].iter_mut().enumerate() {
            *ev = event(next + j as u64);
        }
        let mut rest = &buf[..k];
        let mut bo = Backoff::default();
        while !rest.is_empty() {
            let (pushed, remainder) = tx.push_partial_slice(rest);
            if pushed.is_empty() {
                bo.snooze();
            }
            rest = remainder;
        }
        next += k as u64;
    }
}

/// Batched through rtrb's chunk API (`pop_partial_slice` = `read_chunk` + copy + commit).
fn rt_consume_batch(mut rx: rtrb::Consumer<Event>, n: u64) {
    let mut buf = [Event::default(); BATCH];
    let mut got = 0;
    let mut bo = Backoff::default();
    while got < n {
        let (popped, _) = rx.pop_partial_slice(&mut buf);
        let m = popped.len();
        if m == 0 {
            bo.snooze();
            continue;
        }
        bo.reset();
        debug_assert_eq!(popped[0].seq, got);
        black_box(&*popped);
        got += m as u64;
    }
}

fn throughput(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_throughput");
    g.throughput(Throughput::Elements(1));
    g.bench_function("tickwire/single", |b| {
        b.iter_custom(|n| {
            let (tx, rx) = ring::channel::<Event>(CAP);
            two_threads(tx, rx, tw_produce, tw_consume, n)
        })
    });
    g.bench_function("tickwire/batch64", |b| {
        b.iter_custom(|n| {
            let (tx, rx) = ring::channel::<Event>(CAP);
            two_threads(tx, rx, tw_produce_batch, tw_consume_batch, n)
        })
    });
    g.bench_function("crossbeam_array_queue/single", |b| {
        b.iter_custom(|n| {
            let q = Arc::new(ArrayQueue::<Event>::new(CAP));
            two_threads(Arc::clone(&q), q, cb_produce, cb_consume, n)
        })
    });
    g.bench_function("rtrb/single", |b| {
        b.iter_custom(|n| {
            let (tx, rx) = rtrb::RingBuffer::<Event>::new(CAP);
            two_threads(tx, rx, rt_produce, rt_consume, n)
        })
    });
    g.bench_function("rtrb/chunks64", |b| {
        b.iter_custom(|n| {
            let (tx, rx) = rtrb::RingBuffer::<Event>::new(CAP);
            two_threads(tx, rx, rt_produce_batch, rt_consume_batch, n)
        })
    });
    g.finish();
}

// ---- latency: ping-pong, round trip / 2 ----------------------------------------------------

/// A one-slot-in-flight duplex link: `send` spins until accepted, `recv` spins until a value.
trait Link: Send + 'static {
    fn send(&mut self, ev: Event);
    fn recv(&mut self) -> Event;
}

struct TwLink(ring::Producer<Event>, ring::Consumer<Event>);
impl Link for TwLink {
    #[inline]
    fn send(&mut self, mut ev: Event) {
        let mut bo = Backoff::default();
        while let Err(back) = self.0.push(ev) {
            ev = back;
            bo.snooze();
        }
    }
    #[inline]
    fn recv(&mut self) -> Event {
        let mut bo = Backoff::default();
        loop {
            if let Some(ev) = self.1.pop() {
                return ev;
            }
            bo.snooze();
        }
    }
}

struct CbLink(Arc<ArrayQueue<Event>>, Arc<ArrayQueue<Event>>);
impl Link for CbLink {
    #[inline]
    fn send(&mut self, mut ev: Event) {
        let mut bo = Backoff::default();
        while let Err(back) = self.0.push(ev) {
            ev = back;
            bo.snooze();
        }
    }
    #[inline]
    fn recv(&mut self) -> Event {
        let mut bo = Backoff::default();
        loop {
            if let Some(ev) = self.1.pop() {
                return ev;
            }
            bo.snooze();
        }
    }
}

struct RtLink(rtrb::Producer<Event>, rtrb::Consumer<Event>);
impl Link for RtLink {
    #[inline]
    fn send(&mut self, mut ev: Event) {
        let mut bo = Backoff::default();
        while let Err(rtrb::PushError::Full(back)) = self.0.push(ev) {
            ev = back;
            bo.snooze();
        }
    }
    #[inline]
    fn recv(&mut self) -> Event {
        let mut bo = Backoff::default();
        loop {
            if let Ok(ev) = self.1.pop() {
                return ev;
            }
            bo.snooze();
        }
    }
}

fn ping_pong<L: Link>(mut ping: L, pong: L, n: u64) -> Duration {
    fn echo<L: Link>(mut l: L, n: u64) {
        for _ in 0..n {
            let ev = l.recv();
            l.send(ev);
        }
    }
    let go = Arc::new(Barrier::new(2));
    let go2 = Arc::clone(&go);
    let echoer = thread::spawn(move || {
        go2.wait();
        echo(pong, n);
    });
    go.wait();
    let start = Instant::now();
    for i in 0..n {
        ping.send(event(i));
        let back = ping.recv();
        debug_assert_eq!(back.seq, i);
        black_box(&back);
    }
    let elapsed = start.elapsed();
    echoer.join().unwrap();
    elapsed / 2
}

fn latency(c: &mut Criterion) {
    const LCAP: usize = 64;
    let mut g = c.benchmark_group("ring_latency");
    g.bench_function("tickwire", |b| {
        b.iter_custom(|n| {
            let (atx, arx) = ring::channel::<Event>(LCAP);
            let (btx, brx) = ring::channel::<Event>(LCAP);
            ping_pong(TwLink(atx, brx), TwLink(btx, arx), n)
        })
    });
    g.bench_function("crossbeam_array_queue", |b| {
        b.iter_custom(|n| {
            let a = Arc::new(ArrayQueue::<Event>::new(LCAP));
            let b2 = Arc::new(ArrayQueue::<Event>::new(LCAP));
            ping_pong(CbLink(Arc::clone(&a), Arc::clone(&b2)), CbLink(b2, a), n)
        })
    });
    g.bench_function("rtrb", |b| {
        b.iter_custom(|n| {
            let (atx, arx) = rtrb::RingBuffer::<Event>::new(LCAP);
            let (btx, brx) = rtrb::RingBuffer::<Event>::new(LCAP);
            ping_pong(RtLink(atx, brx), RtLink(btx, arx), n)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(tickwire_bench::warm(0.3))
        .measurement_time(tickwire_bench::secs(3.0))
        .sample_size(tickwire_bench::samples(20));
    targets = throughput, latency
}
criterion_main!(benches);
