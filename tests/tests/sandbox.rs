//! The plugin sandbox against hand-written hostile components: each attack contained within
//! its limit, reported with the plugin's id, with host memory bounded and reports identical
//! across runs, thread counts and machine load.
//!
//! The components are core modules written in WebAssembly text (the canonical ABI by hand,
//! so that they can do what no SDK-built plugin does), wrapped into components the way
//! `isms plugin build` does.

// Unsafe only for `wait4`, to read the peak memory of a child; each block says why it is sound.
#![allow(unsafe_code)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{isms_bin, root};
use serde_json::Value;

/// A hostile core module: what `evaluate` does before it returns, extra module fields, and
/// the finding it reports (code and message bytes, possibly anything).
#[derive(Default)]
struct Hostile {
    /// Module fields: tables, memories, functions.
    fields: String,
    /// Instructions run at the start of `evaluate`; locals `$i` and `$x` (i32) are free.
    evaluate: String,
    /// One finding about the batch's first asset: (code, message).
    finding: Option<(Vec<u8>, Vec<u8>)>,
    /// Instead of one finding, this many findings whose messages all alias one 3 MiB string.
    aliased_findings: Option<u32>,
}

/// Bytes as a WebAssembly text string literal.
fn wat_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

impl Hostile {
    /// The core module for plugin `id`. Memory layout: descriptor at 256, batch result at
    /// 512, applicability result at 600, finding at 700, id at 1024, version at 1100, code at
    /// 2048, message at 3072, allocations from 8192.
    fn module(&self, id: &str) -> String {
        let (code, message) = self.finding.clone().unwrap_or_default();
        let findings = if let Some(n) = self.aliased_findings {
            format!(
                r#"(drop (memory.grow (i32.sub (i32.const 64) (memory.size))))
                (local.set $i (i32.const 0))
                (loop $fill
                  (local.set $x (i32.add (i32.const 65536) (i32.mul (local.get $i) (i32.const 24))))
                  (i32.store (local.get $x) (i32.const 0))
                  (i32.store offset=4 (local.get $x) (i32.const 2048))
                  (i32.store offset=8 (local.get $x) (i32.const 4))
                  (i32.store8 offset=12 (local.get $x) (i32.const 0))
                  (i32.store offset=16 (local.get $x) (i32.const 1048576))
                  (i32.store offset=20 (local.get $x) (i32.const 3145728))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $fill (i32.lt_u (local.get $i) (i32.const {n}))))
                (i32.store (i32.const 520) (i32.const 65536)) (i32.store (i32.const 524) (i32.const {n}))"#
            )
        } else if self.finding.is_some() {
            format!(
                r#"(i32.store (i32.const 700) (i32.const 0))
                (i32.store (i32.const 704) (i32.const 2048)) (i32.store (i32.const 708) (i32.const {}))
                (i32.store8 (i32.const 712) (i32.const 0))
                (i32.store (i32.const 716) (i32.const 3072)) (i32.store (i32.const 720) (i32.const {}))
                (i32.store (i32.const 520) (i32.const 700)) (i32.store (i32.const 524) (i32.const 1))"#,
                code.len(),
                message.len()
            )
        } else {
            "(i32.store (i32.const 520) (i32.const 8)) (i32.store (i32.const 524) (i32.const 0))"
                .into()
        };
        let n = id.len();
        format!(
            r#"(module
  (memory (export "memory") 2)
  (global $bump (mut i32) (i32.const 8192))
  (data (i32.const 1024) "{id}")
  (data (i32.const 1100) "1.0.0")
  (data (i32.const 2048) "{code}")
  (data (i32.const 3072) "{message}")
  {fields}
  (func (export "isms:plugin/api@1.0.0#describe") (result i32)
    (i32.store (i32.const 256) (i32.const 1024)) (i32.store (i32.const 260) (i32.const {n}))
    (i32.store (i32.const 264) (i32.const 1024)) (i32.store (i32.const 268) (i32.const {n}))
    (i32.store (i32.const 272) (i32.const 1100)) (i32.store (i32.const 276) (i32.const 5))
    (i32.store (i32.const 280) (i32.const 1100)) (i32.store (i32.const 284) (i32.const 5))
    (i32.store (i32.const 288) (i32.const 1024)) (i32.store (i32.const 292) (i32.const {n}))
    (i32.store (i32.const 296) (i32.const 8)) (i32.store (i32.const 300) (i32.const 0))
    i32.const 256)
  (func (export "isms:plugin/api@1.0.0#evaluate") (param i32 i32 i32 i32 i32 i32) (result i32)
    (local $i i32) (local $x i32)
    {evaluate}
    (i32.store (i32.const 512) (i32.const 8)) (i32.store (i32.const 516) (i32.const 0))
    {findings}
    i32.const 512)
  (func (export "isms:plugin/api@1.0.0#applicability")
    (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.store (i32.const 600) (i32.const 8)) (i32.store (i32.const 604) (i32.const 0))
    i32.const 600)
  (func (export "cabi_realloc") (param $old i32) (param $oldsz i32) (param $align i32)
    (param $new i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and
      (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
      (i32.xor (i32.sub (local.get $align) (i32.const 1)) (i32.const -1))))
    (global.set $bump (i32.add (local.get $p) (local.get $new)))
    (block $ok
      (loop $grow
        (br_if $ok (i32.le_u (global.get $bump) (i32.mul (memory.size) (i32.const 65536))))
        (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
        (br $grow)))
    (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old) (local.get $oldsz))))
    local.get $p)
)"#,
            code = wat_bytes(&code),
            message = wat_bytes(&message),
            fields = self.fields,
            evaluate = self.evaluate,
        )
    }

    /// The component, as `isms plugin build` makes it from a core module.
    fn component(&self, id: &str) -> Vec<u8> {
        let mut module = wat::parse_str(self.module(id)).unwrap();
        let mut resolve = wit_parser::Resolve::default();
        let (package, _) = resolve.push_dir(root().join("plugins/wit")).unwrap();
        let world = resolve
            .select_world(&[package], Some("sector-plugin"))
            .unwrap();
        wit_component::embed_component_metadata(
            &mut module,
            &resolve,
            world,
            wit_component::StringEncoding::UTF8,
            false,
        )
        .unwrap();
        wit_component::ComponentEncoder::default()
            .module(&module)
            .unwrap()
            .validate(true)
            .encode()
            .unwrap()
    }
}

/// A copy of examples/acme with plugins (`(id, component, plugin.toml extra lines)`) installed
/// under `plugins/` and pinned, and `extra` appended to its manifest.
fn workspace(plugins: &[(&str, &[u8], &str)], extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&root().join("examples/acme"), dir.path());
    let mut manifest = std::fs::read_to_string(dir.path().join("isms.toml")).unwrap();
    manifest.push_str(extra);
    for (id, component, toml) in plugins {
        let sha = common::install_plugin(&dir.path().join("plugins").join(id), id, component, toml);
        manifest.push_str(&format!(
            "\n[[plugins]]\npath = \"plugins/{id}\"\nsha256 = \"{sha}\"\n"
        ));
    }
    std::fs::write(dir.path().join("isms.toml"), manifest).unwrap();
    dir
}

/// One run of `isms` with its exit code, output and peak resident memory.
struct Measured {
    code: i32,
    stdout: String,
    stderr: String,
    peak_rss_mib: u64,
}

/// Runs `isms` with `env`, and measures the child's peak RSS with `wait4`.
fn run(args: &[&str], env: &[(&str, &Path)]) -> Measured {
    let mut command = Command::new(isms_bin());
    command
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    // Reaped by `wait4` below, which also reports the peak memory `Child::wait` does not.
    #[allow(clippy::zombie_processes)]
    let mut child = command.spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).unwrap();
        s
    });
    let mut stderr = String::new();
    err.read_to_string(&mut stderr).unwrap();
    let stdout = reader.join().unwrap();
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, whose `Child` handle is never waited on again; the
    // pointers are to live locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Measured {
        code,
        stdout,
        stderr,
        peak_rss_mib: (usage.ru_maxrss as u64) >> 10,
    }
}

fn gaps(ws: &Path, extra: &[&str]) -> Measured {
    let mut args = vec!["gaps", ws.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    run(&args, &[])
}

/// The `GAP-PLUGIN-FAILURE` messages of a JSON gap report.
fn failures(stdout: &str) -> Vec<String> {
    let report: Value = serde_json::from_str(stdout).unwrap();
    report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["code"] == "GAP-PLUGIN-FAILURE")
        .map(|g| g["message"].as_str().unwrap().to_owned())
        .collect()
}

/// Host memory a contained plugin may cost: the engine's own needs on acme are far below.
const RSS_BOUND_MIB: u64 = 400;

#[test]
fn table_growth_is_capped_in_elements_and_host_memory() {
    // Grows a table by 2^28 elements per call: 4.2 GB of host memory before the limit.
    let hostile = Hostile {
        fields: "(table $t 1 funcref)".into(),
        evaluate: "(loop $l (drop (table.grow $t (ref.null func) (i32.const 268435456))) (br $l))"
            .into(),
        ..Hostile::default()
    };
    let ws = workspace(
        &[("table-grower", &hostile.component("table-grower"), "")],
        "",
    );
    let m = gaps(ws.path(), &["--threads", "2"]);
    assert_eq!(m.code, 0, "{}", m.stderr);
    let f = failures(&m.stdout);
    assert_eq!(f.len(), 1, "one failure for the whole run: {f:?}");
    assert!(
        f[0].starts_with("plugin `table-grower` exceeded its table limit")
            && f[0].contains("268435457 table elements")
            && f[0].contains("`table_elements`"),
        "{f:?}"
    );
    assert!(m.peak_rss_mib < RSS_BOUND_MIB, "{} MiB", m.peak_rss_mib);
    let strict = gaps(ws.path(), &["--strict"]);
    assert_eq!(strict.code, 2, "--strict fails the run");
}

#[test]
fn several_memories_are_refused_and_memory_is_capped_in_total() {
    let two = Hostile {
        fields: "(memory $second 1024)".into(),
        ..Hostile::default()
    };
    let ws = workspace(&[("two-memories", &two.component("two-memories"), "")], "");
    let m = run(&["check", ws.path().to_str().unwrap()], &[]);
    assert_eq!(m.code, 2);
    let h = common::headlines(&m.stderr);
    assert!(
        h.iter()
            .any(|l| l.contains("plugin `two-memories`") && l.contains("multiple memories")),
        "{h:?}"
    );
    // One memory grown past the plugin's own limit of 8 MiB.
    let grower = Hostile {
        evaluate: "(drop (memory.grow (i32.const 256)))".into(),
        ..Hostile::default()
    };
    let ws = workspace(
        &[(
            "grower",
            &grower.component("grower"),
            "[limits]\nmemory_mib = 8\n",
        )],
        "",
    );
    let m = gaps(ws.path(), &[]);
    let f = failures(&m.stdout);
    assert!(
        f.len() == 1
            && f[0].contains("exceeded its memory limit")
            && f[0].contains("limit of 8 MiB"),
        "{f:?}"
    );
}

#[test]
fn compile_bombs_are_refused_before_compilation() {
    // 80,000 tiny functions (0.9 MB) took 3.7 s and 640 MB to compile; one 1 MB function
    // 0.8 s and 350 MB. Both are refused by their shape, in milliseconds.
    let many: String = (0..80_000)
        .map(|i| format!("(func (param i32) (result i32) (i32.add (local.get 0) (i32.const {i})))"))
        .collect();
    let huge = format!(
        "(func (param i32) (result i32) {} {})",
        "(local.get 0) ".repeat(320_000),
        "(i32.add) ".repeat(319_999)
    );
    for (id, fields, limit) in [
        ("many-functions", many, "`functions`"),
        ("huge-function", huge, "`function_kib`"),
    ] {
        let bomb = Hostile {
            fields,
            ..Hostile::default()
        };
        let ws = workspace(&[(id, &bomb.component(id), "")], "");
        let m = run(&["check", ws.path().to_str().unwrap()], &[]);
        assert_eq!(m.code, 2, "{id}");
        let h = common::headlines(&m.stderr);
        assert!(
            h.iter()
                .any(|l| l.contains(&format!("plugin `{id}`")) && l.contains(limit)),
            "{id}: {h:?}"
        );
        assert!(m.peak_rss_mib < 200, "{id}: {} MiB", m.peak_rss_mib);
    }
}

#[test]
fn aliased_result_strings_cannot_make_the_host_allocate() {
    // 1,000 findings whose messages all point at the same 3 MiB: 3 GB if copied.
    let hostile = Hostile {
        aliased_findings: Some(1000),
        ..Hostile::default()
    };
    let ws = workspace(&[("aliaser", &hostile.component("aliaser"), "")], "");
    let m = gaps(ws.path(), &["--threads", "2"]);
    let f = failures(&m.stdout);
    assert!(
        f.len() == 1 && f[0].contains("results are larger than 16 MiB (`result_mib`)"),
        "{f:?}"
    );
    assert!(m.peak_rss_mib < RSS_BOUND_MIB, "{} MiB", m.peak_rss_mib);
}

/// A plugin that does costly work (random reads over 48 MiB, a cache miss each) for a fixed
/// number of iterations per call, then reports a finding.
fn memory_walker(iterations: u32) -> Hostile {
    Hostile {
        evaluate: format!(
            r#"(drop (memory.grow (i32.const 768)))
            (local.set $i (i32.const 0))
            (loop $walk
              (local.set $x (i32.add (local.get $x)
                (i32.load (i32.and (i32.mul (i32.add (local.get $i) (local.get $x)) (i32.const -1640531535))
                                   (i32.const 0x2fffffc)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $walk (i32.lt_u (local.get $i) (i32.const {iterations}))))"#
        ),
        finding: Some((b"WALKED".to_vec(), b"walked the memory".to_vec())),
        ..Hostile::default()
    }
}

/// Keeps every core busy while `f` runs.
fn under_load<R>(f: impl FnOnce() -> R) -> R {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spinners: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            })
        })
        .collect();
    let r = f();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for s in spinners {
        s.join().unwrap();
    }
    r
}

#[test]
fn fuel_decides_and_reports_do_not_depend_on_load_or_threads() {
    // Near its fuel limit: succeeds in some batches' worth of work, runs out in the same
    // place every time. Three batches of 1,000 scenarios.
    let walker = memory_walker(3_000_000);
    let ws = workspace(
        &[("walker", &walker.component("walker"), "")],
        "\n[plugin_limits]\nbatch_size = 1000\n",
    );
    let quiet = gaps(ws.path(), &["--threads", "1"]);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(quiet.stdout.contains("walker:WALKED"), "the plugin ran");
    assert!(failures(&quiet.stdout).is_empty());
    let loaded = under_load(|| {
        [
            gaps(ws.path(), &["--threads", "1"]),
            gaps(ws.path(), &["--threads", "2"]),
        ]
    });
    for m in &loaded {
        assert_eq!(m.stdout, quiet.stdout, "identical report under load");
    }
    // The same plugin with a fuel budget it exceeds: the same failure in every run.
    let tight = workspace(
        &[(
            "walker",
            &walker.component("walker"),
            "[limits]\nfuel = 10000000\n",
        )],
        "\n[plugin_limits]\nbatch_size = 1000\n",
    );
    let runs = under_load(|| {
        [
            gaps(tight.path(), &["--threads", "1"]),
            gaps(tight.path(), &["--threads", "2"]),
        ]
    });
    let f = failures(&runs[0].stdout);
    assert_eq!(
        f,
        [
            "plugin `walker` ran out of fuel in evaluate batch 1 (scenarios 0-999): its budget of 10000000 fuel units per call is spent (`fuel`)"
        ]
    );
    assert_eq!(runs[0].stdout, runs[1].stdout);
}

#[test]
fn runtime_calls_cost_fuel_in_proportion_to_their_time() {
    // Zero-length bulk operations are calls into the runtime: at one fuel unit each, 4e9
    // units took about 40 s, so the wall clock, not fuel, stopped the plugin. Priced as
    // runtime calls, the budget runs out first, in a couple of seconds.
    let copier = Hostile {
        evaluate: "(loop $l (memory.copy (i32.const 0) (i32.const 64) (i32.const 0)) \
                   (memory.fill (i32.const 0) (i32.const 0) (i32.const 0)) \
                   (drop (memory.grow (i32.const 0))) (br $l))"
            .into(),
        ..Hostile::default()
    };
    let ws = workspace(
        &[("copier", &copier.component("copier"), "")],
        "\n[plugin_limits]\nfuel = 4000000000\ndeadline_seconds = 20\n",
    );
    let f = failures(&gaps(ws.path(), &[]).stdout);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].contains("ran out of fuel in evaluate batch 1"),
        "{f:?}"
    );
}

#[test]
fn the_wall_clock_fails_a_plugin_for_the_whole_run_in_one_failure() {
    // Unbounded work within the largest fuel budget: only the deadline stops it. The report
    // names no batch, so it is the same whichever batch the clock caught.
    let walker = memory_walker(u32::MAX);
    let ws = workspace(
        &[("slow", &walker.component("slow"), "")],
        "\n[plugin_limits]\nfuel = 100000000000\ndeadline_seconds = 1\nbatch_size = 500\n",
    );
    let runs = [
        gaps(ws.path(), &["--threads", "1"]),
        gaps(ws.path(), &["--threads", "2"]),
    ];
    for m in &runs {
        assert_eq!(m.code, 0, "{}", m.stderr);
        assert!(!m.stdout.contains("slow:WALKED"), "no partial findings");
        assert_eq!(
            failures(&m.stdout),
            [
                "plugin `slow` exceeded its time limit in evaluate: still running after 1 s (`deadline_seconds`); a plugin that reaches the wall-clock limit fails for the whole run"
            ]
        );
    }
    assert_eq!(runs[0].stdout, runs[1].stdout);
}

#[test]
fn the_run_budget_stops_a_plugin_that_spends_just_under_its_fuel_every_call() {
    let walker = memory_walker(200_000);
    let ws = workspace(
        &[(
            "spender",
            &walker.component("spender"),
            "[limits]\nrun_fuel = 5000000\n",
        )],
        "\n[plugin_limits]\nbatch_size = 500\n",
    );
    let m = gaps(ws.path(), &["--threads", "2"]);
    let f = failures(&m.stdout);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("plugin `spender` spent its run budget in evaluate batch ")
            && f[0].contains("more than 5000000 fuel units in all (`run_fuel`)"),
        "{f:?}"
    );
    assert!(!m.stdout.contains("spender:WALKED"), "no partial findings");
}

#[test]
fn plugin_text_and_codes_cannot_forge_output() {
    let cases: [(&str, &[u8], &[u8], &str); 3] = [
        (
            "escaper",
            b"OK-CODE",
            b"\x1b]0;pwned\x07\x1b[2Jcleared",
            "holds control or bidirectional formatting characters",
        ),
        (
            "newliner",
            b"OK-CODE",
            b"line one\r\n| forged | row |",
            "holds control",
        ),
        (
            "spoofer",
            b"GAP-PLUGIN:FAILURE",
            b"plugin `healthcare` crashed",
            "codes are 1-64 letters",
        ),
    ];
    for (id, code, message, why) in cases {
        let hostile = Hostile {
            finding: Some((code.to_vec(), message.to_vec())),
            ..Hostile::default()
        };
        let ws = workspace(&[(id, &hostile.component(id), "")], "");
        for format in ["json", "table", "md", "csv"] {
            let m = run(
                &["gaps", ws.path().to_str().unwrap(), "--format", format],
                &[],
            );
            assert!(
                !m.stdout.contains('\u{1b}') && !m.stderr.contains('\u{1b}'),
                "{id} {format}"
            );
            assert!(!m.stdout.contains("forged"), "{id} {format}");
        }
        let m = gaps(ws.path(), &[]);
        let f = failures(&m.stdout);
        assert!(
            f.len() == 1
                && f[0].contains(&format!("plugin `{id}` returned a malformed result"))
                && f[0].contains(why),
            "{id}: {f:?}"
        );
    }
    // A well-formed engine-looking code lands in the plugin's namespace.
    let hostile = Hostile {
        finding: Some((
            b"GAP-PLUGIN-FAILURE".to_vec(),
            b"plugin `healthcare` crashed".to_vec(),
        )),
        ..Hostile::default()
    };
    let ws = workspace(&[("mimic", &hostile.component("mimic"), "")], "");
    let m = gaps(ws.path(), &[]);
    let report: Value = serde_json::from_str(&m.stdout).unwrap();
    let codes: Vec<&str> = report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"mimic:GAP-PLUGIN-FAILURE"), "{codes:?}");
    assert!(!codes.contains(&"GAP-PLUGIN-FAILURE"), "{codes:?}");
    let table = run(&["gaps", ws.path().to_str().unwrap()], &[]);
    assert!(
        table.stdout.contains("mimic:GAP-PLUGIN-FAILURE"),
        "{}",
        table.stdout
    );
}

#[test]
fn plugin_manifests_stay_in_their_folder_and_match_their_component() {
    let plain = Hostile::default();
    let component = plain.component("plain");
    // A path that leaves the folder, an absolute path, a symbolic link out of the folder,
    // a version that the component contradicts, a limit above the host maximum.
    let ws = workspace(&[("plain", &component, "")], "");
    let folder = ws.path().join("plugins/plain");
    let manifest = |wasm: &str, version: &str, extra: &str| {
        format!(
            "id = \"plain\"\nname = \"plain\"\nversion = \"{version}\"\ninterface = \"1.0.0\"\nwasm = \"{wasm}\"\n{extra}"
        )
    };
    let check = |toml: String| -> Vec<String> {
        std::fs::write(folder.join("plugin.toml"), toml).unwrap();
        let m = run(&["check", ws.path().to_str().unwrap()], &[]);
        assert_eq!(m.code, 2);
        common::headlines(&m.stderr)
    };
    let h = check(manifest("../../isms.toml", "1.0.0", ""));
    assert!(
        h.iter().any(|l| l.starts_with(
            "plugins/plain/plugin.toml:5:8: `wasm = \"../../isms.toml\"` leaves the plugin's folder"
        )),
        "{h:?}"
    );
    let h = check(manifest("/etc/passwd", "1.0.0", ""));
    assert!(
        h.iter()
            .any(|l| l.contains("`wasm = \"/etc/passwd\"` leaves the plugin's folder")),
        "{h:?}"
    );
    assert!(
        !h.iter().any(|l| l.contains("sha256")),
        "the file is not read: {h:?}"
    );
    std::os::unix::fs::symlink("/etc/passwd", folder.join("link.wasm")).unwrap();
    let h = check(manifest("link.wasm", "1.0.0", ""));
    assert!(
        h.iter().any(|l| l.contains("outside the plugin's folder")),
        "{h:?}"
    );
    let h = check(manifest("plain.wasm", "2.0.0", ""));
    assert!(h.iter().any(|l| l.starts_with("plugins/plain/plugin.toml:3:11: plugin.toml says version 2.0.0 but the component describes itself with 1.0.0")), "{h:?}");
    let h = check(manifest(
        "plain.wasm",
        "1.0.0",
        "[limits]\ndeadline_seconds = 18446744073709551615\n",
    ));
    assert!(h.iter().any(|l| l.starts_with("plugins/plain/plugin.toml:7:20: `deadline_seconds` = 18446744073709551615 is outside 1..=3600")), "{h:?}");
}

#[test]
fn trap_messages_keep_their_cause() {
    let trapper = Hostile {
        evaluate: "unreachable".into(),
        ..Hostile::default()
    };
    let ws = workspace(&[("trapper", &trapper.component("trapper"), "")], "");
    let f = failures(&gaps(ws.path(), &[]).stdout);
    assert!(
        f.len() == 1 && f[0].contains("trapped") && f[0].contains("unreachable"),
        "{f:?}"
    );
    assert!(!f[0].contains('\n'), "one line: {f:?}");
}

/// The cache entry of the one plugin in `cache`.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut e: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .collect();
    e.sort();
    e
}

#[test]
fn a_tampered_compile_cache_is_never_executed() {
    // Two plugins: one honest, one that traps. The attacker swaps the trapping plugin's
    // compiled code into the honest one's cache entry, then patches bytes of it.
    let honest = Hostile {
        finding: Some((b"HONEST".to_vec(), b"honest finding".to_vec())),
        ..Hostile::default()
    };
    let trapper = Hostile {
        evaluate: "unreachable".into(),
        ..Hostile::default()
    };
    let state = tempfile::tempdir().unwrap();
    let cache = state.path().join("cache");
    let key = state.path().join("config/cache.key");
    let env = [
        ("ISMS_CACHE_DIR", cache.as_path()),
        ("ISMS_CACHE_KEY_FILE", key.as_path()),
    ];
    let honest_ws = workspace(&[("honest", &honest.component("honest"), "")], "");
    let trap_ws = workspace(&[("honest", &trapper.component("honest"), "")], "");
    let gaps_with = |ws: &Path| run(&["gaps", ws.to_str().unwrap(), "--format", "json"], &env);
    let reference = gaps_with(honest_ws.path());
    assert!(reference.stderr.is_empty(), "{}", reference.stderr);
    assert!(reference.stdout.contains("honest:HONEST"));
    let honest_entry = entries(&cache).pop().unwrap();
    gaps_with(trap_ws.path());
    let trap_entry = entries(&cache)
        .into_iter()
        .find(|e| *e != honest_entry)
        .unwrap();
    // The key lives outside the cache, private to the user.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // A cached entry is used: same report, no warning.
    let again = gaps_with(honest_ws.path());
    assert_eq!(
        (again.stdout.as_str(), again.stderr.as_str()),
        (reference.stdout.as_str(), "")
    );
    // Swapped: the other plugin's authentic entry under this plugin's name.
    std::fs::copy(&trap_entry, &honest_entry).unwrap();
    let swapped = gaps_with(honest_ws.path());
    assert_eq!(
        swapped.stdout, reference.stdout,
        "the pinned plugin ran, not the swapped code"
    );
    assert!(
        swapped.stderr.contains("failed authentication"),
        "{}",
        swapped.stderr
    );
    // Patched: bytes of the machine code changed.
    let mut bytes = std::fs::read(&honest_entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&honest_entry, &bytes).unwrap();
    let patched = gaps_with(honest_ws.path());
    assert_eq!(patched.stdout, reference.stdout);
    assert!(
        patched.stderr.contains("failed authentication"),
        "{}",
        patched.stderr
    );
    // A cache directory others can write is not used at all.
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let open = gaps_with(honest_ws.path());
    assert_eq!(open.stdout, reference.stdout);
    assert!(
        open.stderr.contains("is open to other users"),
        "{}",
        open.stderr
    );
}
