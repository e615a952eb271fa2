//! Two-thread ordering tests: millions of sequential `u64`s through a small ring, checking
//! order and that nothing is lost or duplicated.
#![cfg(not(loom))]

use std::thread;

use tickwire::ring::{self, Consumer, Producer};

/// Enough to wrap a small ring ~100k times; small enough for ~1 s in a debug build.
const N: u64 = if cfg!(debug_assertions) {
    2_000_000
} else {
    20_000_000
};

fn produce_single(mut tx: Producer<u64>) {
    for i in 0..N {
        let mut v = i;
        while let Err(back) = tx.push(v) {
            v = back;
            std::hint::spin_loop();
            thread::yield_now();
        }
    }
}

fn produce_batch(mut tx: Producer<u64>) {
    let mut buf = [0u64; 37]; // odd size: batches straddle the wrap point
    let mut next = 0u64;
    while next < N {
        let k = buf.len().min((N - next) as usize);
        for (j, b) in buf[..k].iter_mut().enumerate() {
            *b = next + j as u64;
        }
        let mut sent = 0;
        while sent < k {
            let n = tx.push_slice(&buf[sent..k]);
            if n == 0 {
                thread::yield_now();
            }
            sent += n;
        }
        next += k as u64;
    }
}

fn consume_single(mut rx: Consumer<u64>) {
    let mut expect = 0u64;
    loop {
        match rx.pop() {
            Some(v) => {
                assert_eq!(v, expect, "out of order or lost");
                expect += 1;
            }
            None if rx.is_abandoned() && rx.is_empty() => break,
            None => thread::yield_now(),
        }
    }
    assert_eq!(expect, N, "items lost");
}

fn consume_batch(mut rx: Consumer<u64>) {
    let mut out = [0u64; 29];
    let mut expect = 0u64;
    loop {
        let n = rx.pop_into(&mut out);
        for &v in &out[..n] {
            assert_eq!(v, expect, "out of order or lost");
            expect += 1;
        }
        if n == 0 {
            if rx.is_abandoned() && rx.is_empty() {
                break;
            }
            thread::yield_now();
        }
    }
    assert_eq!(expect, N, "items lost");
}

fn run(cap: usize, p: fn(Producer<u64>), c: fn(Consumer<u64>)) {
    let (tx, rx) = ring::channel(cap);
    let producer = thread::spawn(move || p(tx));
    c(rx);
    producer.join().unwrap();
}

#[test]
fn single_push_single_pop() {
    run(16, produce_single, consume_single);
}

#[test]
fn batch_push_batch_pop() {
    run(64, produce_batch, consume_batch);
}

#[test]
fn batch_push_single_pop() {
    run(8, produce_batch, consume_single);
}

#[test]
fn single_push_batch_pop() {
    run(32, produce_single, consume_batch);
}
