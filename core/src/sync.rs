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
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    pub(crate) use loom::sync::Arc;
}

pub(crate) use imp::*;
