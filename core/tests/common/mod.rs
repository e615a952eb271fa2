//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tickwire::book::Top;
use tickwire::event::{Event, Venue};
use tickwire::replay::{Replay, ReplayConfig, Step};

/// The project's own copies of corpus captures.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// The shared corpus, when it is beside the project (`../shared/corpus`), or where
/// `TICKWIRE_CORPUS` points (a worktree that is not beside it).
pub fn shared_corpus() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TICKWIRE_CORPUS").map(PathBuf::from) {
        if p.join("README.md").exists() {
            return Some(p);
        }
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if p.join("README.md").exists() {
        Some(p)
    } else {
        eprintln!("NOTE: ../shared/corpus is not beside the project: the whole-corpus checks did not run (the fixture checks did)");
        None
    }
}

/// Everything a replay produced.
pub struct Outcome {
    pub events: Vec<Event>,
    pub tops: Vec<Top>,
    pub replay: Replay,
}

pub fn replay(venue: Venue, files: &[PathBuf]) -> Outcome {
    let mut config = ReplayConfig::new(venue);
    config.pipeline.books.record_tops = true;
    let mut replay = Replay::open(files.iter().cloned(), config).expect("open recording");
    let mut events = Vec::new();
    let mut tops = Vec::new();
    loop {
        let step = replay.step().expect("replay step");
        while let Some(e) = replay.pop() {
            events.push(e);
        }
        tops.extend(replay.drain_tops());
        if step == Step::Finished {
            break;
        }
    }
    Outcome {
        events,
        tops,
        replay,
    }
}

/// Rows of a corpus TSV by channel label (header excluded).
pub fn label_counts(path: &Path) -> HashMap<String, usize> {
    let text = std::fs::read_to_string(path).expect("read tsv");
    let mut m = HashMap::new();
    for line in text.lines().skip(1) {
        if let Some(label) = line.split('\t').nth(2) {
            *m.entry(label.to_string()).or_insert(0) += 1;
        }
    }
    m
}
