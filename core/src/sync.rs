//! Facade over atomics and `UnsafeCell`: std normally, loom under `--cfg loom`.
