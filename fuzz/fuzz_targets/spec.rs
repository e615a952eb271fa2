//! `tickwire::io::Subscription::parse` on arbitrary text: no panic; a spec that parses yields
//! its venue's streams, and writing it back (`venue:SYMBOL:channel[=variant],...`) parses to
//! the same subscription.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tickwire::io::Subscription;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(s) = Subscription::parse(text) else {
        return;
    };
    assert!(!s.symbol.is_empty());
    assert!(!s.channels.is_empty());
    let _ = s.streams();
    let _ = s.book_variant();
    let channels: Vec<String> = s.channels.iter().map(|c| c.to_string()).collect();
    let again = format!("{}:{}:{}", s.venue.name(), s.symbol, channels.join(","));
    assert_eq!(Subscription::parse(&again).as_ref(), Ok(&s), "{again:?}");
});
