//! Facade over atomics, `Arc` and `UnsafeCell`: std normally, loom under `--cfg loom`.
//!
//! The concurrent code of the crate (the [`crate::ring`]) imports its synchronisation
//! primitives only from here, so that the same source is model-checked by loom
//! (`RUSTFLAGS="--cfg loom" cargo test -p tickwire --test ring_loom --release`) and compiled to
//! plain std types otherwise (the pattern of tokio's `src/loom`).
//!
//! [`UnsafeCell`] exposes only closure-based access (`with` / `with_mut`), the API of
//! `loom::cell::UnsafeCell`, so every access to shared memory is visible to loom's race
//! detector. In std builds the wrapper is `#[repr(transparent)]` and the closures inline away.
//!
//! [`copy_into_cells`] / [`copy_from_cells`] move runs of `Copy` values in and out of slot
//! cells: one `memcpy` in std builds, one tracked `with`/`with_mut` per cell under loom.

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    pub(crate) use std::sync::Arc;

    /// `std::cell::UnsafeCell` behind loom's closure API.
    #[derive(Debug)]
    #[repr(transparent)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// Wraps `data`.
        #[inline(always)]
        pub(crate) const fn new(data: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(data))
        }

        /// Calls `f` with a shared raw pointer to the contents. The caller upholds aliasing
        /// (no concurrent `with_mut` on the same cell) when dereferencing it.
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Calls `f` with a unique raw pointer to the contents. The caller upholds aliasing
        /// (no other concurrent access to the same cell) when dereferencing it.
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// Copies `src` into `dst` (same length) with one `memcpy`.
    ///
    /// # Safety
    ///
    /// No other access to any cell of `dst` may happen during the call.
    #[inline(always)]
    pub(crate) unsafe fn copy_into_cells<T: Copy>(
        dst: &[UnsafeCell<core::mem::MaybeUninit<T>>],
        src: &[T],
    ) {
        assert_eq!(dst.len(), src.len());
        // SAFETY: layout: `UnsafeCell` here, `std::cell::UnsafeCell` and `MaybeUninit` are all
        // `repr(transparent)`, so `dst` is `dst.len()` contiguous `T`-sized slots; the pointer
        // comes from a shared reference to `UnsafeCell`s, which permits writing through it;
        // exclusivity of those cells is the caller's contract; `src` cannot overlap `dst`
        // (`&[T]` vs. cells we may write).
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_ptr() as *mut T, src.len()) }
    }

    /// Copies `src` (initialised cells) into `dst` (same length) with one `memcpy`.
    ///
    /// # Safety
    ///
    /// Every cell of `src` holds an initialised `T`, and none is written during the call.
    #[inline(always)]
    pub(crate) unsafe fn copy_from_cells<T: Copy>(
        src: &[UnsafeCell<core::mem::MaybeUninit<T>>],
        dst: &mut [T],
    ) {
        assert_eq!(dst.len(), src.len());
        // SAFETY: same layout argument as `copy_into_cells`; the cells are initialised and not
        // written concurrently (caller's contract); `dst` is a unique borrow, so no overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(src.as_ptr() as *const T, dst.as_mut_ptr(), src.len())
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    pub(crate) use loom::sync::Arc;

    use core::mem::MaybeUninit;

    /// Loom version: one tracked `with_mut` per cell.
    ///
    /// # Safety
    ///
    /// As the std version: no other access to any cell of `dst` during the call.
    pub(crate) unsafe fn copy_into_cells<T: Copy>(dst: &[UnsafeCell<MaybeUninit<T>>], src: &[T]) {
        assert_eq!(dst.len(), src.len());
        for (cell, &v) in dst.iter().zip(src) {
            // SAFETY: exclusive access to the cell is the caller's contract (checked by loom).
            cell.with_mut(|p| unsafe { p.write(MaybeUninit::new(v)) });
        }
    }

    /// Loom version: one tracked `with` per cell.
    ///
    /// # Safety
    ///
    /// As the std version: the cells are initialised and none is written during the call.
    pub(crate) unsafe fn copy_from_cells<T: Copy>(
        src: &[UnsafeCell<MaybeUninit<T>>],
        dst: &mut [T],
    ) {
        assert_eq!(dst.len(), src.len());
        for (cell, out) in src.iter().zip(dst) {
            // SAFETY: initialised and not written concurrently: caller's contract (checked by loom).
            *out = cell.with(|p| unsafe { p.read().assume_init() });
        }
    }
}

pub(crate) use imp::*;
