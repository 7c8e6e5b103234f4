//! The rule set reader (TOML with CEL inside): arbitrary bytes as a rule set the manifest
//! names, then the rules run on the workspace.

#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::run("csv", &[("rules.toml", data)]);
});
