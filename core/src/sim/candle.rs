//! Candle intervals in the simulator: where a candle of an interval opens, by the venues'
//! alignment rules (UTC), for the neutral market, Binance's generator and REST klines.
//!
//! * Intervals up to a day, and three days: multiples of the interval since the Unix epoch
//!   (`open_ms % (interval × 1000) == 0`).
//! * A week ([`WEEK`]): Monday 00:00 UTC on most venues; Kraken and Gate.io (`7d`) count weeks
//!   from the epoch, a Thursday ([`Weeks::Epoch`]).
//! * A month ([`MONTH`], 30 days in `aux`): the first day of the calendar month, 00:00 UTC.

/// A week, seconds.
pub const WEEK: u32 = 604_800;
/// A month as parsers count it in `aux` (30 days); the simulator's month candles open on the
/// first of each calendar month.
pub const MONTH: u32 = 2_592_000;

const DAY_MS: i64 = 86_400_000;

/// Where a venue's weeks begin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weeks {
    /// Monday 00:00 UTC (Binance, OKX `1Wutc`, Bybit `W`, Bitget `1Wutc`, Hyperliquid).
    Monday,
    /// Every 7 days since the Unix epoch, a Thursday (Kraken `10080`, Gate.io `7d`).
    Epoch,
}

/// The open time (ms) of the candle of `interval_s` seconds that holds `now_ms`.
pub fn candle_open(now_ms: i64, interval_s: u32, weeks: Weeks) -> i64 {
    match (interval_s, weeks) {
        (0, _) => now_ms,
        (MONTH, _) => {
            let day = now_ms.div_euclid(DAY_MS);
            day_of_month_start(day) * DAY_MS
        }
        (WEEK, Weeks::Monday) => {
            // 1970-01-05 was a Monday
            let off = 4 * DAY_MS;
            now_ms - (now_ms - off).rem_euclid(7 * DAY_MS)
        }
        (s, _) => now_ms - now_ms.rem_euclid(i64::from(s) * 1000),
    }
}

/// The open time (ms) of the candle after the one opened at `open_ms`.
pub fn next_open(open_ms: i64, interval_s: u32, weeks: Weeks) -> i64 {
    match interval_s {
        0 => open_ms + 1,
        // any day of the next month, then its first
        MONTH => candle_open(open_ms + 32 * DAY_MS, MONTH, weeks),
        s => candle_open(open_ms, s, weeks) + i64::from(s) * 1000,
    }
}

/// The first day (days since the epoch) of the month holding `day`.
fn day_of_month_start(day: i64) -> i64 {
    let (_, _, d) = crate::calendar::civil_from_days(day);
    day - i64::from(d - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2023-11-14T22:15:12.345Z, a Tuesday
    const T: i64 = 1_700_000_112_345;

    #[test]
    fn intervals_align_in_utc() {
        assert_eq!(candle_open(T, 60, Weeks::Monday), 1_700_000_100_000);
        assert_eq!(candle_open(T, 300, Weeks::Monday), 1_700_000_100_000);
        assert_eq!(candle_open(T, 3_600, Weeks::Monday), 1_699_999_200_000);
        assert_eq!(candle_open(T, 86_400, Weeks::Monday), 1_699_920_000_000);
        for s in [1, 60, 180, 300, 900, 3_600, 14_400, 28_800, 86_400, 259_200] {
            let o = candle_open(T, s, Weeks::Monday);
            assert_eq!(o % (i64::from(s) * 1000), 0, "{s}");
            assert!(o <= T && T < next_open(o, s, Weeks::Monday), "{s}");
        }
    }

    #[test]
    fn weeks_and_months() {
        // Monday 2023-11-13 00:00 UTC
        assert_eq!(candle_open(T, WEEK, Weeks::Monday), 1_699_833_600_000);
        // Thursday 2023-11-09 00:00 UTC
        assert_eq!(candle_open(T, WEEK, Weeks::Epoch), 1_699_488_000_000);
        assert_eq!(
            next_open(1_699_833_600_000, WEEK, Weeks::Monday),
            1_700_438_400_000
        );
        // 2023-11-01 and 2023-12-01 00:00 UTC
        assert_eq!(candle_open(T, MONTH, Weeks::Monday), 1_698_796_800_000);
        assert_eq!(
            next_open(1_698_796_800_000, MONTH, Weeks::Monday),
            1_701_388_800_000
        );
        // February of a leap year, and the first millisecond of a month
        assert_eq!(
            candle_open(951_782_400_000, MONTH, Weeks::Epoch),
            949_363_200_000
        );
        assert_eq!(
            candle_open(1_698_796_800_000, MONTH, Weeks::Epoch),
            1_698_796_800_000
        );
        assert_eq!(
            candle_open(1_698_796_799_999, MONTH, Weeks::Epoch),
            1_696_118_400_000
        );
    }
}
