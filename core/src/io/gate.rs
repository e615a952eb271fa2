//! One gate per venue, shared by every session of the engine: the venue's connection-attempt
//! limit (Binance: 300 per 5 minutes per IP) and a circuit breaker (after `threshold`
//! consecutive failed connects, no attempt for `cooldown`, then one trial). Connects are rare,
//! so a mutex is fine here; the data path never touches the gate.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Settings of a gate.
#[derive(Clone, Copy, Debug)]
pub struct GateConfig {
    /// Attempts allowed per window.
    pub max_attempts: usize,
    /// The window.
    pub window: Duration,
    /// Consecutive failures that open the breaker.
    pub threshold: u32,
    /// How long the breaker stays open.
    pub cooldown: Duration,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            max_attempts: 300,
            window: Duration::from_secs(300),
            threshold: 8,
            cooldown: Duration::from_secs(30),
        }
    }
}

/// Why a connect must wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// The breaker is open until then.
    BreakerOpen(Instant),
    /// The attempt limit is reached until then.
    RateLimited(Instant),
}

#[derive(Debug, Default)]
struct State {
    attempts: VecDeque<Instant>,
    failures: u32,
    open_until: Option<Instant>,
}

/// A venue's connect gate.
#[derive(Debug, Default)]
pub struct Gate {
    config: GateConfig,
    state: Mutex<State>,
}

impl Gate {
    /// A gate with these settings.
    pub fn new(config: GateConfig) -> Self {
        Gate {
            config,
            state: Mutex::new(State::default()),
        }
    }

    /// Asks to connect now; on `Ok` the attempt is counted.
    pub fn try_acquire(&self, now: Instant) -> Result<(), Wait> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = s.open_until {
            if now < until {
                return Err(Wait::BreakerOpen(until));
            }
            // half-open: one trial goes through; a failure re-opens at once
            s.open_until = None;
            s.failures = self.config.threshold.saturating_sub(1);
        }
        while s
            .attempts
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.config.window)
        {
            s.attempts.pop_front();
        }
        if s.attempts.len() >= self.config.max_attempts {
            let oldest = s.attempts.front().copied().unwrap_or(now);
            return Err(Wait::RateLimited(oldest + self.config.window));
        }
        s.attempts.push_back(now);
        Ok(())
    }

    /// A connect succeeded (the WebSocket handshake completed).
    pub fn success(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.failures = 0;
        s.open_until = None;
    }

    /// A connect failed; returns whether this opened the breaker.
    pub fn failure(&self, now: Instant) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.failures += 1;
        if s.failures >= self.config.threshold && s.open_until.is_none() {
            s.open_until = Some(now + self.config.cooldown);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_after_consecutive_failures_and_half_opens() {
        let g = Gate::new(GateConfig {
            max_attempts: 100,
            window: Duration::from_secs(60),
            threshold: 3,
            cooldown: Duration::from_secs(10),
        });
        let t = Instant::now();
        for _ in 0..2 {
            g.try_acquire(t).unwrap();
            assert!(!g.failure(t));
        }
        g.try_acquire(t).unwrap();
        assert!(g.failure(t));
        assert_eq!(
            g.try_acquire(t + Duration::from_secs(1)),
            Err(Wait::BreakerOpen(t + Duration::from_secs(10)))
        );
        // half-open trial after the cooldown; one more failure re-opens
        g.try_acquire(t + Duration::from_secs(11)).unwrap();
        assert!(g.failure(t + Duration::from_secs(11)));
        assert!(g.try_acquire(t + Duration::from_secs(12)).is_err());
        g.try_acquire(t + Duration::from_secs(22)).unwrap();
        g.success();
        g.try_acquire(t + Duration::from_secs(22)).unwrap();
    }

    #[test]
    fn attempts_are_limited_per_window() {
        let g = Gate::new(GateConfig {
            max_attempts: 2,
            window: Duration::from_secs(5),
            threshold: 100,
            cooldown: Duration::ZERO,
        });
        let t = Instant::now();
        g.try_acquire(t).unwrap();
        g.try_acquire(t + Duration::from_secs(1)).unwrap();
        assert_eq!(
            g.try_acquire(t + Duration::from_secs(2)),
            Err(Wait::RateLimited(t + Duration::from_secs(5)))
        );
        g.try_acquire(t + Duration::from_secs(5)).unwrap();
    }
}
