//! Lock-free bounded single-producer single-consumer (SPSC) ring of `Copy` values.
//!
//! # Contract
//!
//! * **Allocation:** only [`channel`] allocates (one `Arc` holding the slot array). Every other
//!   operation is allocation-free.
//! * **Progress:** lock-free, and wait-free on both sides: every operation finishes in a
//!   bounded number of its own steps (no CAS loop, no spinning, no syscall). A full ring makes
//!   [`Producer::push`] return the value back; an empty ring makes [`Consumer::pop`] return
//!   `None`. Waiting (spin, yield, park) is the caller's policy.
//! * **Ordering:** FIFO. Everything the producer wrote before a successful `push` /
//!   `push_slice` (the value itself and any other memory) *happens-before* the consumer's
//!   `pop` / `pop_into` / `peek` that returns that value (Release store of `tail`, Acquire load
//!   of `tail`). Symmetrically, the consumer's reads of a slot happen-before the producer
//!   overwrites it (Release store of `head`, Acquire load of `head`).
//! * **Batches:** [`Producer::push_slice`] and [`Consumer::pop_into`] copy as many items as fit
//!   (or are available) and publish the whole batch with a single Release store.
//! * **Abandonment:** when one half is dropped the other's `is_abandoned()` becomes `true`.
//!   Once the consumer sees `is_abandoned() == true`, popping until `None` drains every item
//!   the producer ever pushed.
//! * **Capacity:** rounded **up** to the next power of two (so indices are masked, never taken
//!   modulo). A capacity of 0 (or one whose power of two overflows `usize`) panics in
//!   [`channel`]; nothing else panics.
//!
//! Both halves are `Send` (for `T: Send`) but neither `Sync` nor `Clone`: there is exactly one
//! producer and one consumer.
//!
//! # Design
//!
//! `head` (items ever popped) and `tail` (items ever pushed) are free-running wrapping
//! counters, each on its own cache line ([`CachePadded`]); a slot is `pos & mask`. Each half
//! owns its own index (it keeps an exact local copy and only ever *stores* the shared one) and
//! caches the other half's index, reloading it only when the cached value says the ring is full
//! (producer) or empty (consumer), as `rtrb` does. In steady state an operation touches the
//! other half's cache line once per wrap-around rather than once per item.
//!
//! ```
//! let (mut tx, mut rx) = tickwire::ring::channel::<u64>(4);
//! assert_eq!(tx.push(1), Ok(()));
//! assert_eq!(tx.push_slice(&[2, 3, 4, 5]), 3); // only 3 slots left
//! assert_eq!(rx.pop(), Some(1));
//! let mut out = [0; 8];
//! assert_eq!(rx.pop_into(&mut out), 3);
//! assert_eq!(&out[..3], &[2, 3, 4]);
//! drop(tx);
//! assert!(rx.is_abandoned());
//! ```
//!
//! Neither half is `Sync`:
//!
//! ```compile_fail
//! fn sync<S: Sync>(_: &S) {}
//! let (tx, _rx) = tickwire::ring::channel::<u64>(4);
//! sync(&tx);
//! ```
//!
//! ```compile_fail
//! fn sync<S: Sync>(_: &S) {}
//! let (_tx, rx) = tickwire::ring::channel::<u64>(4);
//! sync(&rx);
//! ```

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;

use crossbeam_utils::CachePadded;

use crate::sync::{Arc, AtomicBool, AtomicUsize, Ordering, UnsafeCell};

type Slot<T> = UnsafeCell<MaybeUninit<T>>;

/// State shared by the two halves.
///
/// Invariants (checked with `debug_assert!` wherever an index is loaded or advanced):
///
/// * **I1 (bounds):** `tail.wrapping_sub(head) <= capacity` at all times.
/// * **I2 (ownership):** positions `head..tail` (masked) hold initialised values and belong to
///   the consumer; positions `tail..head + capacity` belong to the producer. Only the owner
///   touches a slot, so a slot is never accessed by both halves at once.
/// * **I3 (monotonic):** `head` and `tail` only move forward (wrapping); only the consumer
///   stores `head`, only the producer stores `tail`.
/// * **I4 (shape):** `slots.len() == mask + 1` is a power of two.
struct Shared<T> {
    /// Number of items ever popped (wrapping). Stored (Release) only by the [`Consumer`],
    /// loaded (Acquire) by the [`Producer`]. `head & mask` is the next slot to read.
    head: CachePadded<AtomicUsize>,
    /// Number of items ever pushed (wrapping). Stored (Release) only by the [`Producer`],
    /// loaded (Acquire) by the [`Consumer`]. `tail & mask` is the next slot to write.
    tail: CachePadded<AtomicUsize>,
    /// Set (Release) by whichever half is dropped first; loaded (Acquire) by the survivor.
    abandoned: AtomicBool,
    /// `capacity - 1`; capacity is a power of two (I4).
    mask: usize,
    /// The slots; `slots.len() == mask + 1`.
    slots: Box<[Slot<T>]>,
}

// SAFETY: the slots are only reached through the one `Producer` and the one `Consumer`; I2
// partitions them so that no slot is accessed by both at once, and the Release/Acquire pairs on
// `head`/`tail` order every hand-over. Values of `T` cross threads, hence `T: Send`.
unsafe impl<T: Send> Sync for Shared<T> {}
// SAFETY: `Shared` owns its `T`s (plain `Copy` data in `MaybeUninit`); moving it to another
// thread moves them, which `T: Send` allows.
unsafe impl<T: Send> Send for Shared<T> {}

impl<T> Shared<T> {
    #[inline(always)]
    fn capacity(&self) -> usize {
        self.mask + 1
    }

    /// The slot of position `pos` (masked, so always in bounds).
    #[inline(always)]
    fn slot(&self, pos: usize) -> &Slot<T> {
        &self.slots[pos & self.mask]
    }

    /// The (up to two) contiguous slot runs covering positions `pos..pos + n`, `n <= capacity`.
    #[inline(always)]
    fn runs(&self, pos: usize, n: usize) -> (&[Slot<T>], &[Slot<T>]) {
        debug_assert!(n <= self.capacity());
        let start = pos & self.mask;
        let first = n.min(self.capacity() - start);
        (&self.slots[start..start + first], &self.slots[..n - first])
    }

    /// Debug check of I1 for a (`head`, `tail`) pair observed by either half.
    #[inline(always)]
    fn check(&self, head: usize, tail: usize) {
        debug_assert!(
            tail.wrapping_sub(head) <= self.capacity(),
            "ring invariant I1 violated: head {head}, tail {tail}, capacity {}",
            self.capacity()
        );
    }
}

/// Creates a bounded SPSC ring able to hold `capacity` values, rounded up to the next power of
/// two (see [`Producer::capacity`]).
///
/// This is the only allocating operation of the ring.
///
/// # Panics
///
/// If `capacity` is 0 or its next power of two does not fit in `usize`.
pub fn channel<T: Copy>(capacity: usize) -> (Producer<T>, Consumer<T>) {
    assert!(capacity > 0, "ring capacity must be at least 1");
    let capacity = capacity
        .checked_next_power_of_two()
        .expect("ring capacity overflows usize when rounded to a power of two");
    let slots: Box<[Slot<T>]> = (0..capacity)
        .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
        .collect();
    let shared = Arc::new(Shared {
        head: CachePadded::new(AtomicUsize::new(0)),
        tail: CachePadded::new(AtomicUsize::new(0)),
        abandoned: AtomicBool::new(false),
        mask: capacity - 1,
        slots,
    });
    (
        Producer {
            shared: Arc::clone(&shared),
            tail: 0,
            head_cache: 0,
            _not_sync: PhantomData,
        },
        Consumer {
            shared,
            head: 0,
            tail_cache: 0,
            _not_sync: PhantomData,
        },
    )
}

/// The writing half of a ring made by [`channel`].
pub struct Producer<T> {
    shared: Arc<Shared<T>>,
    /// Exact value of `shared.tail`: only this half stores it (I3), so it is never reloaded.
    tail: usize,
    /// Last observed `shared.head` (<= the real one); reloaded only when the ring looks full.
    head_cache: usize,
    /// `Send` but not `Sync`.
    _not_sync: PhantomData<Cell<()>>,
}

impl<T: Copy> Producer<T> {
    /// Appends `value`, or gives it back in `Err` if the ring is full. Wait-free.
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), T> {
        let tail = self.tail;
        if tail.wrapping_sub(self.head_cache) == self.shared.capacity() && self.refresh_head() == 0
        {
            return Err(value);
        }
        self.shared.slot(tail).with_mut(|p| {
            // SAFETY: I2: `tail` is in the producer-owned range (`tail - head < capacity`,
            // checked just above against a head no newer than the real one), so the consumer
            // does not access this slot until the Release store of `tail` below publishes it.
            unsafe { p.write(MaybeUninit::new(value)) }
        });
        self.publish(tail.wrapping_add(1));
        Ok(())
    }

    /// Appends as many of `items` as fit, in order, and returns how many were pushed (0 when
    /// the ring is full or `items` is empty). The batch is published with one Release store.
    #[inline]
    pub fn push_slice(&mut self, items: &[T]) -> usize {
        let cap = self.shared.capacity();
        let tail = self.tail;
        let mut free = cap - tail.wrapping_sub(self.head_cache);
        if free < items.len() {
            free = self.refresh_head();
        }
        let n = items.len().min(free);
        if n == 0 {
            return 0;
        }
        let (a, b) = self.shared.runs(tail, n);
        let (ia, ib) = items[..n].split_at(a.len());
        copy_in(a, ia);
        copy_in(b, ib);
        self.publish(tail.wrapping_add(n));
        n
    }

    /// Free slots right now (may grow concurrently as the consumer pops).
    #[inline]
    pub fn free_len(&self) -> usize {
        // Acquire load of `head` pairs with the Release store of `head` in
        // `Consumer::advance` (no slot is touched on its basis; Acquire for uniformity).
        let head = self.shared.head.load(Ordering::Acquire);
        self.shared.check(head, self.tail);
        self.shared.capacity() - self.tail.wrapping_sub(head)
    }

    /// Whether the ring is full right now.
    #[inline]
    pub fn is_full(&self) -> bool {
        self.free_len() == 0
    }

    /// The number of values the ring holds when full (a power of two).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.shared.capacity()
    }

    /// Whether the [`Consumer`] has been dropped (values pushed from now on are never read).
    #[inline]
    pub fn is_abandoned(&self) -> bool {
        // Acquire load pairs with the Release store in `Consumer::drop`.
        self.shared.abandoned.load(Ordering::Acquire)
    }

    /// Reloads `head`, returns the free slot count.
    #[inline]
    fn refresh_head(&mut self) -> usize {
        // Acquire load of `head` pairs with the Release store of `head` in
        // `Consumer::advance`: the consumer's reads of the slots it freed happen-before our
        // overwriting them.
        let head = self.shared.head.load(Ordering::Acquire);
        debug_assert!(
            head.wrapping_sub(self.head_cache) <= self.tail.wrapping_sub(self.head_cache),
            "ring invariant I3 violated: head went backwards or past tail"
        );
        self.shared.check(head, self.tail);
        self.head_cache = head;
        self.shared.capacity() - self.tail.wrapping_sub(head)
    }

    /// Publishes every slot written before `new_tail`.
    #[inline(always)]
    fn publish(&mut self, new_tail: usize) {
        self.shared.check(self.head_cache, new_tail);
        self.tail = new_tail;
        // Release store of `tail` pairs with the Acquire load of `tail` in
        // `Consumer::refresh_tail` / `Consumer::len`: our slot writes happen-before the
        // consumer's reads of them.
        self.shared.tail.store(new_tail, Ordering::Release);
    }
}

impl<T> Drop for Producer<T> {
    fn drop(&mut self) {
        // Release store pairs with the Acquire load in `Consumer::is_abandoned`: every
        // `tail` store of this producer happens-before a consumer that sees the flag.
        self.shared.abandoned.store(true, Ordering::Release);
    }
}

impl<T> fmt::Debug for Producer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer")
            .field("capacity", &self.shared.capacity())
            .field("tail", &self.tail)
            .field("head_cache", &self.head_cache)
            .finish()
    }
}

/// The reading half of a ring made by [`channel`].
pub struct Consumer<T> {
    shared: Arc<Shared<T>>,
    /// Exact value of `shared.head`: only this half stores it (I3), so it is never reloaded.
    head: usize,
    /// Last observed `shared.tail` (<= the real one); reloaded only when the ring looks empty.
    tail_cache: usize,
    /// `Send` but not `Sync`.
    _not_sync: PhantomData<Cell<()>>,
}

impl<T: Copy> Consumer<T> {
    /// Removes and returns the oldest value, or `None` if the ring is empty. Wait-free.
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        let head = self.head;
        if head == self.tail_cache && self.refresh_tail() == 0 {
            return None;
        }
        let value = self.shared.slot(head).with(|p| {
            // SAFETY: I2: `head < tail` (Acquire-loaded), so the slot is consumer-owned and was
            // initialised by a push whose Release store of `tail` we synchronised with; the
            // producer does not write it until our Release store of `head` below.
            unsafe { p.read().assume_init() }
        });
        self.advance(head.wrapping_add(1));
        Some(value)
    }

    /// Moves up to `out.len()` of the oldest values into `out` (in order) and returns how many
    /// (0 when the ring is empty or `out` is empty). The slots are released to the producer with
    /// one Release store.
    #[inline]
    pub fn pop_into(&mut self, out: &mut [T]) -> usize {
        let head = self.head;
        let mut avail = self.tail_cache.wrapping_sub(head);
        if avail < out.len() {
            avail = self.refresh_tail();
        }
        let n = out.len().min(avail);
        if n == 0 {
            return 0;
        }
        let (a, b) = self.shared.runs(head, n);
        let (oa, ob) = out[..n].split_at_mut(a.len());
        copy_out(a, oa);
        copy_out(b, ob);
        self.advance(head.wrapping_add(n));
        n
    }

    /// The oldest value without removing it, or `None` if the ring is empty.
    #[inline]
    pub fn peek(&mut self) -> Option<&T> {
        let head = self.head;
        if head == self.tail_cache && self.refresh_tail() == 0 {
            return None;
        }
        let p = self.shared.slot(head).with(|p| p);
        // SAFETY: as in `pop`: the slot is initialised and consumer-owned (I2), and it stays
        // so while the returned borrow of `self` lives, since only `pop`/`pop_into` (which need
        // `&mut self`) release it to the producer.
        Some(unsafe { (*p).assume_init_ref() })
    }

    /// Values in the ring right now (may grow concurrently as the producer pushes).
    #[inline]
    pub fn len(&self) -> usize {
        // Acquire load of `tail` pairs with the Release store in `Producer::publish` (no slot
        // is read on its basis; Acquire for uniformity).
        let tail = self.shared.tail.load(Ordering::Acquire);
        self.shared.check(self.head, tail);
        tail.wrapping_sub(self.head)
    }

    /// Whether the ring is empty right now.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of values the ring holds when full (a power of two).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.shared.capacity()
    }

    /// Whether the [`Producer`] has been dropped. Once this returns `true`, popping until
    /// `None` yields every value that was ever pushed.
    #[inline]
    pub fn is_abandoned(&self) -> bool {
        // Acquire load pairs with the Release store in `Producer::drop`, which follows the
        // producer's last Release store of `tail`.
        self.shared.abandoned.load(Ordering::Acquire)
    }

    /// Reloads `tail`, returns the number of readable values.
    #[inline]
    fn refresh_tail(&mut self) -> usize {
        // Acquire load of `tail` pairs with the Release store of `tail` in
        // `Producer::publish`: the producer's slot writes happen-before our reads.
        let tail = self.shared.tail.load(Ordering::Acquire);
        debug_assert!(
            tail.wrapping_sub(self.head) >= self.tail_cache.wrapping_sub(self.head),
            "ring invariant I3 violated: tail went backwards"
        );
        self.shared.check(self.head, tail);
        self.tail_cache = tail;
        tail.wrapping_sub(self.head)
    }

    /// Releases every slot before `new_head` to the producer.
    #[inline(always)]
    fn advance(&mut self, new_head: usize) {
        debug_assert!(
            new_head.wrapping_sub(self.head) <= self.tail_cache.wrapping_sub(self.head),
            "ring invariant I2 violated: consumer read past tail"
        );
        self.head = new_head;
        // Release store of `head` pairs with the Acquire load of `head` in
        // `Producer::refresh_head` / `Producer::free_len`: our slot reads happen-before the
        // producer's overwrites.
        self.shared.head.store(new_head, Ordering::Release);
    }
}

impl<T> Drop for Consumer<T> {
    fn drop(&mut self) {
        // Release store pairs with the Acquire load in `Producer::is_abandoned`.
        self.shared.abandoned.store(true, Ordering::Release);
    }
}

impl<T> fmt::Debug for Consumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("capacity", &self.shared.capacity())
            .field("head", &self.head)
            .field("tail_cache", &self.tail_cache)
            .finish()
    }
}

/// Copies `src` into the producer-owned slots `dst` (same length).
#[inline(always)]
fn copy_in<T: Copy>(dst: &[Slot<T>], src: &[T]) {
    // SAFETY: I2: callers pass only slots in the producer-owned range, which the consumer does
    // not access until their Release store of `tail`.
    unsafe { crate::sync::copy_into_cells(dst, src) }
}

/// Copies the consumer-owned, initialised slots `src` into `dst` (same length).
#[inline(always)]
fn copy_out<T: Copy>(src: &[Slot<T>], dst: &mut [T]) {
    // SAFETY: I2: callers pass only slots in `head..tail` (tail Acquire-loaded): initialised,
    // and not written by the producer until the Release store of `head`.
    unsafe { crate::sync::copy_from_cells(src, dst) }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn assert_send<S: Send>() {}

    #[test]
    fn halves_are_send() {
        assert_send::<Producer<crate::Event>>();
        assert_send::<Consumer<crate::Event>>();
    }

    #[test]
    fn capacity_rounds_up_to_power_of_two() {
        for (asked, got) in [(1, 1), (2, 2), (3, 4), (5, 8), (1000, 1024), (1024, 1024)] {
            let (tx, rx) = channel::<u8>(asked);
            assert_eq!(tx.capacity(), got);
            assert_eq!(rx.capacity(), got);
            assert_eq!(tx.free_len(), got);
        }
    }

    #[test]
    #[should_panic(expected = "at least 1")]
    fn capacity_zero_panics() {
        let _ = channel::<u8>(0);
    }

    #[test]
    #[should_panic(expected = "overflows")]
    fn capacity_overflow_panics() {
        let _ = channel::<u8>(usize::MAX);
    }

    #[test]
    fn capacity_one() {
        let (mut tx, mut rx) = channel::<u32>(1);
        assert!(rx.is_empty());
        assert_eq!(rx.pop(), None);
        assert_eq!(rx.peek(), None);
        assert_eq!(tx.push(7), Ok(()));
        assert!(tx.is_full());
        assert_eq!(tx.push(8), Err(8));
        assert_eq!(tx.push_slice(&[9, 10]), 0);
        assert_eq!(rx.len(), 1);
        assert_eq!(rx.peek(), Some(&7));
        assert_eq!(rx.pop(), Some(7));
        assert_eq!(rx.pop(), None);
        for i in 0..10 {
            assert_eq!(tx.push_slice(&[i, i + 1]), 1);
            let mut out = [0; 3];
            assert_eq!(rx.pop_into(&mut out), 1);
            assert_eq!(out[0], i);
        }
    }

    #[test]
    fn full_returns_the_item() {
        let (mut tx, mut rx) = channel::<u64>(4);
        for i in 0..4 {
            tx.push(i).unwrap();
        }
        assert_eq!(tx.free_len(), 0);
        assert_eq!(tx.push(99), Err(99));
        assert_eq!(rx.pop(), Some(0));
        assert_eq!(tx.push(99), Ok(()));
        let mut out = [0; 8];
        assert_eq!(rx.pop_into(&mut out), 4);
        assert_eq!(&out[..4], &[1, 2, 3, 99]);
    }

    #[test]
    fn wraps_around_many_times() {
        let (mut tx, mut rx) = channel::<u64>(8);
        let mut next_in = 0u64;
        let mut next_out = 0u64;
        let mut out = [0u64; 5];
        for round in 0..10_000u64 {
            // Mixed batch sizes so every wrap offset is exercised.
            let k = (round % 7) as usize;
            let items: Vec<u64> = (next_in..next_in + k as u64).collect();
            let pushed = tx.push_slice(&items);
            next_in += pushed as u64;
            if round % 3 == 0 && tx.push(next_in).is_ok() {
                next_in += 1;
            }
            let n = rx.pop_into(&mut out[..(round % 5) as usize + 1]);
            for &v in &out[..n] {
                assert_eq!(v, next_out);
                next_out += 1;
            }
            if let Some(v) = rx.pop() {
                assert_eq!(v, next_out);
                next_out += 1;
            }
            assert_eq!(rx.len() as u64, next_in - next_out);
        }
        while let Some(v) = rx.pop() {
            assert_eq!(v, next_out);
            next_out += 1;
        }
        assert_eq!(next_in, next_out);
        assert!(next_in > 8 * 1000, "should have wrapped many times");
    }

    #[test]
    fn indices_wrap_around_usize() {
        let (mut tx, mut rx) = channel::<u32>(4);
        // Start both counters just below usize::MAX (tests only: fields are private).
        let start = usize::MAX - 5;
        tx.tail = start;
        tx.head_cache = start;
        rx.head = start;
        rx.tail_cache = start;
        tx.shared.head.store(start, Ordering::Relaxed);
        tx.shared.tail.store(start, Ordering::Relaxed);
        let mut out = [0; 3];
        for i in 0..50u32 {
            assert_eq!(tx.push_slice(&[i, i + 100, i + 200]), 3);
            assert_eq!(rx.len(), 3);
            assert_eq!(rx.pop_into(&mut out), 3);
            assert_eq!(out, [i, i + 100, i + 200]);
        }
    }

    #[test]
    fn batch_larger_than_free_space() {
        let (mut tx, mut rx) = channel::<u16>(8);
        assert_eq!(tx.push_slice(&[1, 2, 3]), 3);
        let big: Vec<u16> = (10..30).collect();
        assert_eq!(tx.push_slice(&big), 5);
        assert_eq!(tx.push_slice(&big), 0);
        assert_eq!(tx.push_slice(&[]), 0);
        let mut out = [0u16; 4];
        assert_eq!(rx.pop_into(&mut out), 4);
        assert_eq!(out, [1, 2, 3, 10]);
        assert_eq!(rx.pop_into(&mut []), 0);
        let mut out = [0u16; 32];
        assert_eq!(rx.pop_into(&mut out), 4);
        assert_eq!(&out[..4], &[11, 12, 13, 14]);
        assert_eq!(rx.pop_into(&mut out), 0);
    }

    #[test]
    fn abandoned_detection() {
        let (tx, rx) = channel::<u8>(2);
        assert!(!tx.is_abandoned());
        assert!(!rx.is_abandoned());
        drop(rx);
        assert!(tx.is_abandoned());

        let (mut tx, mut rx) = channel::<u8>(2);
        tx.push(1).unwrap();
        tx.push(2).unwrap();
        drop(tx);
        assert!(rx.is_abandoned());
        assert_eq!(rx.pop(), Some(1));
        assert_eq!(rx.pop(), Some(2));
        assert_eq!(rx.pop(), None);
    }

    #[test]
    fn carries_events() {
        let (mut tx, mut rx) = channel::<crate::Event>(16);
        let ev = |i: u64| crate::Event {
            seq: i,
            v: [i as i64; 5],
            ..crate::Event::default()
        };
        let batch: Vec<_> = (0..20).map(ev).collect();
        assert_eq!(tx.push_slice(&batch), 16);
        let mut out = [crate::Event::default(); 10];
        assert_eq!(rx.pop_into(&mut out), 10);
        assert_eq!(&out[..], &batch[..10]);
        assert_eq!(rx.peek().map(|e| e.seq), Some(10));
        assert_eq!(rx.pop(), Some(ev(10)));
    }
}
