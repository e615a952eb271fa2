//! Exact decimal parsing per field: `tickwire::decimal::parse` vs `str::parse::<f64>` (inexact,
//! the usual shortcut) vs a naive exact byte loop, over typical venue strings at exponent -8.
//!
//! `cargo bench -p tickwire-bench --bench decimal`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const EXP: i8 = -8;

const INPUTS: &[(&str, &str)] = &[
    ("price_61837.63000000", "61837.63000000"),
    ("price_0.00000123", "0.00000123"),
    ("count_35", "35"),
    ("size_0.35130000", "0.35130000"),
    ("json_1.5e-7", "1.5e-7"),
];

// Each routine returns a plain number (`unwrap_or`), as a consumer does: black-boxing a
// `Result` makes the compiler copy it byte-wise through the stack, which costs more than parsing.

/// The obvious exact loop: digits into an accumulator, count fraction digits, rescale.
fn naive(s: &[u8], exp: i8) -> Option<i64> {
    let (neg, body) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    let mut frac: i32 = 0;
    let mut dot = false;
    for &c in body {
        match c {
            b'0'..=b'9' => {
                v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
                frac += i32::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    let shift = -i32::from(exp) - frac;
    let v = if shift >= 0 {
        v.checked_mul(10i64.checked_pow(shift as u32)?)?
    } else {
        let p = 10i64.checked_pow((-shift) as u32)?;
        if v % p != 0 {
            return None;
        }
        v / p
    };
    Some(if neg { -v } else { v })
}

fn decimal(c: &mut Criterion) {
    for &(name, text) in INPUTS {
        let mut g = c.benchmark_group(format!("decimal/{name}"));
        g.throughput(Throughput::Elements(1));
        g.warm_up_time(tickwire_bench::warm(0.3));
        g.measurement_time(tickwire_bench::secs(1.2));
        let bytes = text.as_bytes();
        assert_eq!(
            tickwire::decimal::parse(bytes, EXP).ok(),
            naive(bytes, EXP).or(if text.contains('e') { Some(15) } else { None }),
        );
        g.bench_function("tickwire", |b| {
            b.iter(|| {
                tickwire::decimal::parse(black_box(bytes), black_box(EXP)).unwrap_or(i64::MIN)
            })
        });
        g.bench_function("f64", |b| {
            b.iter(|| black_box(text).parse::<f64>().unwrap_or(f64::NAN))
        });
        // harness overhead: the same black boxes, no parsing
        g.bench_function("noop", |b| {
            b.iter(|| black_box(bytes).len() as i64 + i64::from(black_box(EXP)))
        });
        g.bench_function("naive", |b| {
            b.iter(|| naive(black_box(bytes), black_box(EXP)).unwrap_or(i64::MIN))
        });
        g.finish();
    }
}

/// A mixed stream of typical fields (branch patterns vary from field to field), per field.
fn decimal_mixed(c: &mut Criterion) {
    let fields: Vec<&[u8]> = INPUTS[..4]
        .iter()
        .cycle()
        .take(64)
        .map(|(_, t)| t.as_bytes())
        .collect();
    let mut g = c.benchmark_group("decimal/mixed64");
    g.throughput(Throughput::Elements(fields.len() as u64));
    g.warm_up_time(tickwire_bench::warm(0.3));
    g.measurement_time(tickwire_bench::secs(1.2));
    g.bench_function("tickwire", |b| {
        b.iter(|| {
            let mut acc = 0i64;
            for f in black_box(&fields) {
                acc = acc.wrapping_add(tickwire::decimal::parse(f, EXP).unwrap_or(0));
            }
            acc
        })
    });
    g.bench_function("f64", |b| {
        b.iter(|| {
            let mut acc = 0f64;
            for f in black_box(&fields) {
                // the bytes are ASCII; from_utf8 is part of what an f64 path pays
                acc += std::str::from_utf8(f)
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                    .unwrap_or(0.0);
            }
            acc
        })
    });
    g.bench_function("naive", |b| {
        b.iter(|| {
            let mut acc = 0i64;
            for f in black_box(&fields) {
                acc = acc.wrapping_add(naive(f, EXP).unwrap_or(0));
            }
            acc
        })
    });
    g.finish();
}

criterion_group!(benches, decimal, decimal_mixed);
criterion_main!(benches);
