//! Operating-system facts behind a small contract: the receive clock and CPU pinning.
//!
//! * [`now`]: wall-clock nanoseconds since the Unix epoch (`CLOCK_REALTIME` through the vDSO, a
//!   few tens of ns). Receive stamps and latency percentiles use it, so they compare with the
//!   venues' own epoch timestamps.
//! * [`pin_current_thread`]: pins the calling thread to a core; `false` where the OS refuses.

use crate::event::Nanos;

/// Nanoseconds since the Unix epoch, now.
#[inline]
pub fn now() -> Nanos {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => Nanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
        Err(_) => Nanos(0),
    }
}

/// Pins the calling thread to core `index` (modulo the number of cores). Returns whether it
/// took effect.
pub fn pin_current_thread(index: usize) -> bool {
    match core_affinity::get_core_ids() {
        Some(ids) if !ids.is_empty() => core_affinity::set_for_current(ids[index % ids.len()]),
        _ => false,
    }
}

/// Number of cores the process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
