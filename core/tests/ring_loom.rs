//! Loom models of the ring: every interleaving (up to a preemption bound) of one producer and
//! one consumer at capacity 1–2, checking FIFO order, no loss, and (through loom's
//! `UnsafeCell` tracking) that slot accesses never race.
//!
//! `RUSTFLAGS="--cfg loom" cargo test -p tickwire --test ring_loom --release`
#![cfg(loom)]

use loom::thread;
use tickwire::ring::{self, Consumer, Producer};

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(3);
    }
    b.check(f);
}

/// Pushes `items` one by one, yielding while full.
fn push_all(tx: &mut Producer<u64>, items: &[u64]) {
    for &v in items {
        while tx.push(v).is_err() {
            thread::yield_now();
        }
    }
}

/// Pops until the producer is gone and the ring is drained.
fn pop_all(rx: &mut Consumer<u64>) -> Vec<u64> {
    let mut got = Vec::new();
    loop {
        match rx.pop() {
            Some(v) => got.push(v),
            None if rx.is_abandoned() => {
                // Abandoned was observed after the last push: one more look drains the rest.
                while let Some(v) = rx.pop() {
                    got.push(v);
                }
                return got;
            }
            None => thread::yield_now(),
        }
    }
}

#[test]
fn push_pop_capacity_1() {
    model(|| {
        let (mut tx, mut rx) = ring::channel::<u64>(1);
        let p = thread::spawn(move || push_all(&mut tx, &[1, 2, 3]));
        let got = pop_all(&mut rx);
        p.join().unwrap();
        assert_eq!(got, [1, 2, 3]);
    });
}

#[test]
fn push_pop_capacity_2() {
    model(|| {
        let (mut tx, mut rx) = ring::channel::<u64>(2);
        let p = thread::spawn(move || push_all(&mut tx, &[1, 2, 3]));
        let got = pop_all(&mut rx);
        p.join().unwrap();
        assert_eq!(got, [1, 2, 3]);
    });
}

#[test]
fn peek_then_pop_capacity_1() {
    model(|| {
        let (mut tx, mut rx) = ring::channel::<u64>(1);
        let p = thread::spawn(move || push_all(&mut tx, &[7, 8]));
        let mut got = Vec::new();
        while got.len() < 2 {
            let peeked = rx.peek().copied();
            if let Some(v) = peeked {
                assert_eq!(rx.pop(), Some(v));
                got.push(v);
            } else {
                thread::yield_now();
            }
        }
        p.join().unwrap();
        assert_eq!(got, [7, 8]);
    });
}

#[test]
fn batch_capacity_2() {
    model(|| {
        let (mut tx, mut rx) = ring::channel::<u64>(2);
        let p = thread::spawn(move || {
            let items = [1, 2, 3];
            let mut sent = 0;
            while sent < items.len() {
                let n = tx.push_slice(&items[sent..]);
                if n == 0 {
                    thread::yield_now();
                }
                sent += n;
            }
        });
        let mut got = Vec::new();
        let mut out = [0u64; 2];
        while got.len() < 3 {
            let n = rx.pop_into(&mut out);
            if n == 0 {
                thread::yield_now();
            }
            got.extend_from_slice(&out[..n]);
        }
        p.join().unwrap();
        assert_eq!(got, [1, 2, 3]);
    });
}

#[test]
fn producer_abandons_capacity_2() {
    model(|| {
        let (mut tx, mut rx) = ring::channel::<u64>(2);
        let p = thread::spawn(move || {
            push_all(&mut tx, &[1, 2]);
            drop(tx);
        });
        // Draining after `is_abandoned` must yield everything pushed.
        let got = pop_all(&mut rx);
        p.join().unwrap();
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn consumer_abandons_capacity_1() {
    model(|| {
        let (mut tx, mut rx) = ring::channel::<u64>(1);
        let c = thread::spawn(move || {
            let first = rx.pop();
            drop(rx);
            first
        });
        // The producer never blocks forever: either there is room, or the consumer is gone.
        let mut pushed = 0;
        while pushed < 2 {
            match tx.push(pushed) {
                Ok(()) => pushed += 1,
                Err(_) if tx.is_abandoned() => break,
                Err(_) => thread::yield_now(),
            }
        }
        let first = c.join().unwrap();
        assert!(first.is_none() || first == Some(0));
        assert!(tx.is_abandoned());
    });
}
