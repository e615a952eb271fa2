//! Unit tests of the Gate.io parser on documented frames.
use super::*;
