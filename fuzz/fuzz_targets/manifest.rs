//! The manifest reader (TOML): arbitrary bytes as isms.toml, the other files valid.

#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::run("csv", &[("isms.toml", data)]);
});
