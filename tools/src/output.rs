//! Output shared by the commands: JSON lines or a table.

use clap::ValueEnum;
use tickwire::decimal::Decimal;
use tickwire::event::{flags, Event, Kind, Venue};
use tickwire::instrument::Instruments;
use tickwire::{json, StatusCode};

/// Output format.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum Format {
    /// One JSON object per line.
    Json,
    /// Aligned columns for people.
    Table,
}

pub const TABLE_HEADER: &str = "venue         symbol         kind               seq side               price/bid                qty/ask  detail";

pub fn render(line: &mut String, ev: &Event, instruments: &Instruments, format: Format) {
    let info = instruments.info(ev.instrument());
    let sym = info.as_ref().map(|i| i.symbol.as_str());
    match format {
        Format::Json => json::write_event(line, ev, sym),
        Format::Table => {
            use std::fmt::Write as _;
            let d = |m: i64, e: i8| Decimal::new(m, e).to_string();
            let kind = ev.kind().map_or("?", Kind::name);
            let side = match ev.side() {
                tickwire::Side::Buy => {
                    if ev.kind == Kind::BookLevel as u8 {
                        "bid"
                    } else {
                        "buy"
                    }
                }
                tickwire::Side::Sell => {
                    if ev.kind == Kind::BookLevel as u8 {
                        "ask"
                    } else {
                        "sell"
                    }
                }
                tickwire::Side::None => "",
            };
            let (a, b, detail) = match ev.kind() {
                Some(Kind::Trade) | Some(Kind::BookLevel) => (
                    d(ev.v[0], ev.px_exp),
                    d(ev.v[1], ev.qty_exp),
                    if ev.has(flags::SNAPSHOT) {
                        "snapshot".to_string()
                    } else {
                        String::new()
                    },
                ),
                Some(Kind::Quote) => (
                    format!("{} x {}", d(ev.v[0], ev.px_exp), d(ev.v[1], ev.qty_exp)),
                    format!("{} x {}", d(ev.v[2], ev.px_exp), d(ev.v[3], ev.qty_exp)),
                    String::new(),
                ),
                Some(Kind::Candle) => (
                    format!("o {} c {}", d(ev.v[0], ev.px_exp), d(ev.v[3], ev.px_exp)),
                    format!("v {}", d(ev.v[4], ev.qty_exp)),
                    format!(
                        "{}s{}",
                        ev.aux,
                        if ev.has(flags::CLOSED) { " closed" } else { "" }
                    ),
                ),
                Some(Kind::Status) => (
                    String::new(),
                    String::new(),
                    format!(
                        "{} count={} from={} to={}",
                        ev.status().map_or("?", StatusCode::name),
                        ev.v[0],
                        ev.v[1],
                        ev.v[2]
                    ),
                ),
                None => (String::new(), String::new(), String::new()),
            };
            let venue = ev.venue().map_or("?", Venue::name);
            let _ = write!(
                line,
                "{:<13} {:<14} {:<7} {:>14} {:<5} {:>22} {:>22}  {}",
                venue,
                sym.unwrap_or("-"),
                kind,
                ev.seq,
                side,
                a,
                b,
                detail
            );
        }
    }
}
