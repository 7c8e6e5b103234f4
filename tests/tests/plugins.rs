//! WebAssembly plugins end to end: the example plugins built from source and their effect on
//! risks, SoA and gaps, and the hostile-plugin suite: every attack contained within its
//! limit, reported with the plugin id, while the other plugins' results stay intact.
//!
//! Builds need the wasm32-unknown-unknown target (`scripts/test` installs it).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{isms, root, sha256};
use serde_json::Value;

/// Shared target directory for guest builds, so each crate compiles once per run.
fn target_dir() -> PathBuf {
    root().join("target").join("plugins")
}

/// Builds an example plugin with `isms plugin build` and returns its directory and sha256.
fn example(name: &str) -> (PathBuf, String) {
    static BUILT: OnceLock<std::sync::Mutex<Vec<(String, String)>>> = OnceLock::new();
    let cache = BUILT.get_or_init(Default::default);
    let mut built = cache.lock().unwrap();
    let dir = root().join("plugins/examples").join(name);
    if let Some((_, sha)) = built.iter().find(|(n, _)| n == name) {
        return (dir, sha.clone());
    }
    let out = Command::new(common::isms_bin())
        .args(["plugin", "build"])
        .arg(&dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let sha = stdout.lines().next().unwrap().trim().to_owned();
    let wasm = std::fs::read(dir.join(format!("{name}.wasm"))).unwrap();
    assert_eq!(sha, sha256(&wasm), "the printed hash is the component's");
    built.push((name.to_owned(), sha.clone()));
    (dir, sha)
}

/// Builds one variant of the hostile plugin into `into/<id>/` (component + plugin.toml).
fn hostile(feature: &str, into: &Path) -> (PathBuf, String) {
    let manifest = root().join("tests/plugins/hostile/Cargo.toml");
    let target = target_dir().join(format!("hostile-{feature}"));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--quiet",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "--features",
            feature,
            "--manifest-path",
        ])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .unwrap();
    assert!(status.success(), "building hostile-{feature}");
    let core =
        std::fs::read(target.join("wasm32-unknown-unknown/release/isms_hostile_plugin.wasm"))
            .unwrap();
    let component = wit_component::ComponentEncoder::default()
        .module(&core)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap();
    let id = format!("hostile-{feature}");
    install(into, &id, &component)
}

/// Writes a plugin directory `into/<id>` with `plugin.toml` and the component.
fn install(into: &Path, id: &str, component: &[u8]) -> (PathBuf, String) {
    let dir = into.join(id);
    let sha = common::install_plugin(&dir, id, component, "");
    (dir, sha)
}

/// A copy of examples/acme with plugins pinned in its manifest.
fn acme_with(plugins: &[(&Path, &str)], extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("examples/acme")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let mut manifest = std::fs::read_to_string(dir.path().join("isms.toml")).unwrap();
    manifest.push_str(extra);
    for (path, sha) in plugins {
        manifest.push_str(&format!(
            "\n[[plugins]]\npath = \"{}\"\nsha256 = \"{sha}\"\n",
            path.display()
        ));
    }
    std::fs::write(dir.path().join("isms.toml"), manifest).unwrap();
    dir
}

fn gaps_json(ws: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["gaps", ws.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let run = isms(&args);
    let v = if run.stdout.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&run.stdout).unwrap()
    };
    (run.code, v, run.stderr)
}

fn codes(report: &Value) -> Vec<String> {
    report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap().to_owned())
        .collect()
}

/// examples/clinic with its manifest's `[[plugins]]` entries removed (or kept).
fn clinic(with_plugins: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("examples/clinic");
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let manifest = std::fs::read_to_string(src.join("isms.toml")).unwrap();
    let manifest = match manifest.find("[[plugins]]") {
        Some(at) if !with_plugins => manifest[..at].to_owned(),
        _ => manifest.replace("../../plugins/", &format!("{}/plugins/", root().display())),
    };
    std::fs::write(dir.path().join("isms.toml"), manifest).unwrap();
    dir
}

#[test]
fn example_plugins_change_risks_soa_and_gaps() {
    // Built from source; examples/clinic pins exactly these builds.
    let (_, hc_sha) = example("healthcare");
    let (_, pay_sha) = example("payments");
    // Builds embed their source paths, so a clone elsewhere makes other bytes: pin this build.
    let (plain, with) = (clinic(false), clinic(true));
    let manifest = with.path().join("isms.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    let mut pins: Vec<usize> = text
        .match_indices("sha256 = \"")
        .map(|(i, _)| i + 10)
        .collect();
    pins.reverse();
    for (at, sha) in pins.into_iter().zip([&pay_sha, &hc_sha]) {
        text.replace_range(at..at + 64, sha);
    }
    std::fs::write(&manifest, text).unwrap();
    let (code, before, _) = gaps_json(plain.path(), &[]);
    assert_eq!(code, 0);
    let (code, after, stderr) = gaps_json(with.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    // Applicability reasons in the SoA, with the plugin as their source.
    let reasons = |r: &Value, source: &str| -> Vec<String> {
        r["soa"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| {
                row["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["source"] == source)
            })
            .map(|row| row["control"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(reasons(&before, "plugin:healthcare").is_empty());
    let hc = reasons(&after, "plugin:healthcare");
    assert!(
        hc.contains(&"A.5.34".to_owned()),
        "privacy and PII protection applies: {hc:?}"
    );
    let pay = reasons(&after, "plugin:payments");
    assert!(
        pay.contains(&"A.8.24".to_owned()) && pay.contains(&"A.8.15".to_owned()),
        "cryptography and logging apply: {pay:?}"
    );
    // Raised risks: more scenarios above the appetite with the plugins.
    let above = |r: &Value| r["summary"]["scenarios_above_appetite"].as_u64().unwrap();
    assert!(
        above(&after) > above(&before),
        "{} vs {}",
        above(&after),
        above(&before)
    );
    // Sector findings become gaps; the built-in ones stay.
    let after_codes = codes(&after);
    // Each code in its plugin's namespace.
    for code in [
        "healthcare:HC-MEDICAL-DEVICE-UNSUPPORTED",
        "healthcare:HC-PHI-PUBLIC-CLOUD-UNCLASSIFIED",
        "payments:PAY-CDE-NOT-SEGMENTED",
        "payments:PAY-SUPPLIER-NO-AOC",
        "payments:PAY-CDE-NO-LOGGING",
    ] {
        assert!(
            after_codes.iter().any(|c| c == code),
            "{code} missing: {after_codes:?}"
        );
    }
    for c in codes(&before) {
        assert!(after_codes.contains(&c), "{c} lost with plugins");
    }
    assert!(
        !after_codes.iter().any(|c| c == "GAP-PLUGIN-FAILURE"),
        "{after_codes:?}"
    );
    // What each plugin changed, judged alone: counts that add up.
    let influence = after["plugin_influence"].as_array().unwrap();
    let ids: Vec<&str> = influence
        .iter()
        .map(|p| p["plugin"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["healthcare", "payments"]);
    let n = |p: &Value, k: &str| p[k].as_u64().unwrap();
    assert!(
        influence
            .iter()
            .any(|p| n(p, "raised") > 0 && n(p, "crossed_above") > 0),
        "{influence:?}"
    );
    for p in influence {
        assert_eq!(n(p, "scenarios"), n(&after["summary"], "scenarios"));
        assert!(n(p, "adjusted") >= n(p, "raised") + n(p, "lowered"), "{p}");
        assert!(n(p, "raised") >= n(p, "crossed_above"), "{p}");
    }
    // A plugin that moves more than the allowed share across the appetite is named.
    let shift = |r: &Value| {
        r["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["code"] == "GAP-PLUGIN-APPETITE-SHIFT")
            .count()
    };
    assert_eq!(shift(&after), 0, "within the default 10%");
    let strict = std::fs::read_to_string(&manifest).unwrap().replace(
        "[inputs]",
        "[risk]\nplugin_appetite_share = 0.0\n\n[inputs]",
    );
    std::fs::write(&manifest, strict).unwrap();
    let (_, zero, stderr) = gaps_json(with.path(), &[]);
    let crossing = influence
        .iter()
        .filter(|p| n(p, "crossed_above") + n(p, "crossed_below") > 0)
        .count();
    assert_eq!(shift(&zero), crossing, "{stderr}");

    // The report records the plugins and their hashes.
    let plugins: Vec<&str> = after["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sha256"].as_str().unwrap())
        .collect();
    assert_eq!(plugins, [hc_sha.as_str(), pay_sha.as_str()]);

    // `explain` shows the plugins' steps beside the rules', so a derivation adds up: take a
    // generated scenario the plugins moved (its inherent level differs without them).
    let inherent = |dir: &Path| -> std::collections::BTreeMap<String, Value> {
        let run = isms(&[
            "risks",
            dir.to_str().unwrap(),
            "--source",
            "generated",
            "--format",
            "json",
            "--sort",
            "id",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let v: Value = serde_json::from_str(&run.stdout).unwrap();
        v["risks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["id"].as_str().unwrap().to_owned(), r["inherent"].clone()))
            .collect()
    };
    let (unmoved, moved) = (inherent(plain.path()), inherent(with.path()));
    let adjusted = moved
        .iter()
        .find(|(id, score)| unmoved.get(*id).is_some_and(|s| s != *score))
        .map(|(id, _)| id.clone())
        .expect("a scenario the plugins adjust");
    let ws = with.path().to_str().unwrap();
    let run = isms(&["explain", ws, &adjusted]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("3. Risk rules, then plugins"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("plugin:"), "{}", run.stdout);
}

#[test]
fn plugin_test_shows_what_a_plugin_changes() {
    let (hc, _) = example("healthcare");
    let run = isms(&[
        "plugin",
        "test",
        hc.to_str().unwrap(),
        "--workspace",
        "examples/acme",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("plugin healthcare"), "{}", run.stdout);
    assert!(run.stdout.contains("Applicability reasons added:"));
    assert!(run.stdout.contains("Risk levels changed:"));
}

#[test]
fn plugin_new_makes_a_project_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let run = isms(&[
        "plugin",
        "new",
        "energy",
        "--dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let project = dir.path().join("energy");
    let out = Command::new(common::isms_bin())
        .args(["plugin", "build"])
        .arg(&project)
        .env("CARGO_TARGET_DIR", target_dir().join("template"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = isms(&[
        "plugin",
        "test",
        project.to_str().unwrap(),
        "--workspace",
        "examples/acme",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("plugin energy"), "{}", run.stdout);
    let run = isms(&["plugin", "new", "Bad Name"]);
    assert_eq!(run.code, 2);
}

/// A component that imports a clock: the host must refuse it before running anything.
const FORBIDDEN_IMPORT: &str = r#"
(component
  (import "wasi:clocks/wall-clock@0.2.0" (instance
    (export "now" (func (result u64)))
  ))
)
"#;

#[test]
fn hostile_plugins_are_contained_and_reported() {
    let (hc, hc_sha) = example("healthcare");
    let dir = tempfile::tempdir().unwrap();
    let variants = ["loop", "memory", "recursion", "huge", "malformed", "trap"];
    let built: Vec<(PathBuf, String)> = variants.iter().map(|v| hostile(v, dir.path())).collect();
    let mut pins: Vec<(&Path, &str)> = built
        .iter()
        .map(|(p, s)| (p.as_path(), s.as_str()))
        .collect();
    pins.push((&hc, &hc_sha));
    // A small fuel budget keeps the runaway loop short; it is the same budget for everyone.
    let limits = "\n[plugin_limits]\nfuel = 200000000\nbatch_size = 5000\n";
    let ws = acme_with(&pins, limits);
    let (code, report, stderr) = gaps_json(ws.path(), &[]);
    assert_eq!(code, 0, "the run finishes: {stderr}");
    let failures: Vec<(String, String)> = report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["code"] == "GAP-PLUGIN-FAILURE")
        .map(|g| {
            (
                g["objects"][0]["id"].as_str().unwrap().to_owned(),
                g["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = [
        ("hostile-loop", "ran out of fuel"),
        ("hostile-memory", "exceeded its memory limit"),
        ("hostile-recursion", "exhausted its stack"),
        ("hostile-huge", "returned a malformed result"),
        ("hostile-malformed", "returned a malformed result"),
        ("hostile-trap", "trapped"),
    ];
    for (id, what) in expect {
        let hit = failures
            .iter()
            .find(|(p, _)| p == id)
            .unwrap_or_else(|| panic!("{id} not reported: {failures:?}"));
        assert!(hit.1.contains(what), "{id}: {}", hit.1);
        assert!(
            hit.1.contains(&format!("plugin `{id}`")),
            "the report names the plugin: {}",
            hit.1
        );
    }
    // The well-behaved plugin's results are intact: same as when it runs alone.
    let alone = acme_with(&[(&hc, &hc_sha)], limits);
    let (_, reference, _) = gaps_json(alone.path(), &[]);
    let from = |r: &Value, source: &str| -> Vec<Value> {
        r["soa"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row["reasons"].as_array().unwrap().clone())
            .filter(|x| x["source"] == source)
            .collect()
    };
    assert_eq!(
        from(&report, "plugin:healthcare"),
        from(&reference, "plugin:healthcare")
    );
    assert_eq!(report["risks"], reference["risks"]);
    assert_eq!(report["heatmap"], reference["heatmap"]);
    // --strict turns a plugin failure into a failed run.
    let (code, _, stderr) = gaps_json(ws.path(), &["--strict"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--strict"), "{stderr}");
}

#[test]
fn wall_clock_deadline_stops_a_plugin_with_unlimited_fuel() {
    let dir = tempfile::tempdir().unwrap();
    let (looping, sha) = hostile("loop", dir.path());
    let ws = acme_with(
        &[(&looping, &sha)],
        "\n[plugin_limits]\nfuel = 100000000000\ndeadline_seconds = 1\nbatch_size = 100000\n",
    );
    let (code, report, stderr) = gaps_json(ws.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let msg = report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["code"] == "GAP-PLUGIN-FAILURE")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("exceeded its time limit"), "{msg}");
}

#[test]
fn forbidden_imports_and_hash_mismatches_are_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let component = wat::parse_str(FORBIDDEN_IMPORT).unwrap();
    let (importer, importer_sha) = install(dir.path(), "clock-reader", &component);
    let (hc, _) = example("healthcare");
    let wrong = "0".repeat(64);
    let ws = acme_with(&[(&importer, &importer_sha), (&hc, &wrong)], "");
    let run = isms(&["check", ws.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    let h = common::headlines(&run.stderr);
    assert!(
        h.iter()
            .any(|m| m.contains("plugin `clock-reader` imports wasi:clocks/wall-clock@0.2.0")),
        "{h:?}"
    );
    assert!(
        h.iter()
            .any(|m| m.contains("plugin `healthcare`") && m.contains("not the pinned")),
        "{h:?}"
    );
}
