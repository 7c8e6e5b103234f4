//! Runs the binary once. Its presence also makes `cargo test --workspace` build the `isms`
//! binary, which the end-to-end tests of the `tests/` crate drive.

use std::process::Command;

#[test]
fn version_and_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_isms"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("isms "));

    let out = Command::new(env!("CARGO_BIN_EXE_isms"))
        .arg("no-such-command")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "usage errors exit with 2");
}
