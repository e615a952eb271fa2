//! Model test: random sequences of ring operations against a `VecDeque` reference.
#![cfg(not(loom))]

use std::collections::VecDeque;

use proptest::prelude::*;
use tickwire::ring;

#[derive(Clone, Debug)]
enum Op {
    Push,
    PushSlice(usize),
    Pop,
    PopInto(usize),
    Peek,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Push),
        2 => (0usize..40).prop_map(Op::PushSlice),
        3 => Just(Op::Pop),
        2 => (0usize..40).prop_map(Op::PopInto),
        1 => Just(Op::Peek),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn matches_vecdeque(asked in 1usize..=33, ops in prop::collection::vec(op(), 0..300)) {
        let (mut tx, mut rx) = ring::channel::<u32>(asked);
        let cap = tx.capacity();
        prop_assert!(cap.is_power_of_two() && cap >= asked && cap < 2 * asked.max(1) + 1);
        let mut model: VecDeque<u32> = VecDeque::new();
        let mut next = 0u32;
        for op in ops {
            match op {
                Op::Push => {
                    let r = tx.push(next);
                    if model.len() < cap {
                        prop_assert_eq!(r, Ok(()));
                        model.push_back(next);
                    } else {
                        prop_assert_eq!(r, Err(next));
                    }
                    next += 1;
                }
                Op::PushSlice(k) => {
                    let items: Vec<u32> = (next..next + k as u32).collect();
                    let n = tx.push_slice(&items);
                    prop_assert_eq!(n, k.min(cap - model.len()));
                    model.extend(&items[..n]);
                    next += k as u32;
                }
                Op::Pop => prop_assert_eq!(rx.pop(), model.pop_front()),
                Op::PopInto(k) => {
                    let mut out = vec![u32::MAX; k];
                    let n = rx.pop_into(&mut out);
                    prop_assert_eq!(n, k.min(model.len()));
                    let expect: Vec<u32> = model.drain(..n).collect();
                    prop_assert_eq!(&out[..n], &expect[..]);
                    prop_assert!(out[n..].iter().all(|&v| v == u32::MAX), "wrote past n");
                }
                Op::Peek => prop_assert_eq!(rx.peek().copied(), model.front().copied()),
            }
            prop_assert_eq!(rx.len(), model.len());
            prop_assert_eq!(rx.is_empty(), model.is_empty());
            prop_assert_eq!(tx.free_len(), cap - model.len());
        }
        drop(tx);
        prop_assert!(rx.is_abandoned());
        while let Some(v) = rx.pop() {
            prop_assert_eq!(Some(v), model.pop_front());
        }
        prop_assert!(model.is_empty());
    }
}
