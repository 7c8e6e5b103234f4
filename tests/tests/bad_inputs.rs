//! The bad-input corpus (`tests/bad-inputs/`): every case runs through the built `isms`
//! binary (`check` and `gaps`, and for the export cases `soa`/`risks`/`gaps` as CSV and XLSX
//! and `report` as HTML), each run under a wall-clock limit. A case passes when no run
//! panics, aborts or hangs, the exit code is the expected one, and stderr names the expected
//! `file:line:col` places. See tests/bad-inputs/README.md for the case format.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, open_workbook_auto};
use common::{isms_bin, openpyxl, root};

/// A run that takes longer than this is a hang.
const TIMEOUT: Duration = Duration::from_secs(60);

struct Outcome {
    /// `None` when killed by a signal (abort, stack overflow).
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    elapsed: Duration,
}

/// Runs `isms` with a deadline; the child is killed when it passes it.
fn run(args: &[&str]) -> Result<Outcome, String> {
    let start = Instant::now();
    let mut child = Command::new(isms_bin())
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    // Drain the pipes on threads so a large output cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).ok();
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).ok();
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            return Err(format!("hang: killed after {TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Outcome {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        elapsed: start.elapsed(),
    })
}

fn corpus() -> PathBuf {
    root().join("tests/bad-inputs")
}

fn strings(t: &toml::Table, key: &str) -> Vec<String> {
    t.get(key)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Builds the case's workspace: the base, the case's files over it, then `remove` and
/// `[[generate]]` (files too big, binary or odd to commit).
fn build(case: &Path, expect: &toml::Table, into: &Path) {
    for dir in [corpus().join("base"), case.to_owned()] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if name != "expect.toml" {
                std::fs::copy(entry.path(), into.join(&name)).unwrap();
            }
        }
    }
    for name in strings(expect, "remove") {
        std::fs::remove_file(into.join(name)).unwrap();
    }
    let gens = expect.get("generate").and_then(|g| g.as_array());
    for g in gens.into_iter().flatten() {
        let g = g.as_table().expect("[[generate]] is a table");
        let path = into.join(g["file"].as_str().unwrap());
        let _ = std::fs::remove_file(&path);
        match g.get("kind").and_then(|k| k.as_str()) {
            Some("directory") => {
                std::fs::create_dir(&path).unwrap();
                continue;
            }
            Some("symlink") => {
                let target = g["target"].as_str().unwrap();
                std::os::unix::fs::symlink(target, &path).unwrap();
                continue;
            }
            _ => {}
        }
        let mut text = g
            .get("text")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_owned();
        let fills = g.get("fill").and_then(|f| f.as_array());
        for (i, fill) in fills.into_iter().flatten().enumerate() {
            let unit = fill["unit"].as_str().unwrap();
            let count = fill["count"].as_integer().unwrap() as usize;
            // `{n}` in the unit is the repetition's number (from 1), `{p}` the previous one's.
            let filled = if unit.contains("{n}") {
                (1..=count)
                    .map(|n| {
                        unit.replace("{n}", &n.to_string())
                            .replace("{p}", &(n - 1).to_string())
                    })
                    .collect()
            } else {
                unit.repeat(count)
            };
            text = text.replace(&format!("{{{{{i}}}}}"), &filled);
        }
        let bytes: Vec<u8> = match g.get("encoding").and_then(|e| e.as_str()) {
            None | Some("utf-8") => text.into_bytes(),
            Some("utf-8-bom") => [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
            Some("latin-1") => text.chars().map(|c| c as u32 as u8).collect(),
            Some("utf-16le-bom") => [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
            Some("utf-16be-bom") => [0xFE, 0xFF]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
                .collect(),
            Some(other) => panic!("unknown encoding {other}"),
        };
        std::fs::write(&path, bytes).unwrap();
    }
}

/// Text that a spreadsheet would run: starts with a formula character and is not a number.
fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err()
}

/// What the exports of an injection case must (not) contain; returns the problems.
fn check_exports(dir: &Path, expect: &toml::Table) -> Vec<String> {
    let mut problems = Vec::new();
    let dir_s = dir.to_str().unwrap();
    let injected = strings(expect, "injected");
    // CSV: no cell a spreadsheet would evaluate; the injected text is there, neutralised.
    for command in ["soa", "risks", "gaps"] {
        let out = match run(&[command, dir_s, "--format", "csv"]) {
            Ok(o) if matches!(o.code, Some(0 | 1)) => o,
            Ok(o) => {
                problems.push(format!("{command} csv: exit {:?}: {}", o.code, o.stderr));
                continue;
            }
            Err(e) => {
                problems.push(format!("{command} csv: {e}"));
                continue;
            }
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&out.stdout[..]);
        let mut all = String::new();
        for row in reader.records() {
            let row = row.unwrap();
            for cell in row.iter() {
                if formula_like(cell) {
                    problems.push(format!("{command} csv: formula cell {cell:?}"));
                }
                all.push_str(cell);
                all.push('\n');
            }
        }
        for s in strings(expect, &format!("{command}_csv_contains")) {
            if !all.contains(&s) {
                problems.push(format!("{command} csv lacks {s:?}"));
            }
        }
    }
    // XLSX: no formulas at all; formula-like text kept as written in string cells that carry
    // the quote prefix (openpyxl reads the prefix; calamine the cell types).
    for command in ["soa", "gaps"] {
        let path = dir.join(format!("{command}.xlsx"));
        let args = [
            command,
            dir_s,
            "--format",
            "xlsx",
            "--output",
            path.to_str().unwrap(),
        ];
        match run(&args) {
            Ok(o) if matches!(o.code, Some(0 | 1)) => {}
            other => {
                problems.push(format!(
                    "{command} xlsx: {:?}",
                    other.map(|o| (o.code, o.stderr))
                ));
                continue;
            }
        }
        let mut wb = open_workbook_auto(&path).unwrap();
        let mut seen = String::new();
        for name in wb.sheet_names() {
            let formulas = wb.worksheet_formula(&name).unwrap();
            if let Some(f) = formulas.used_cells().find(|(_, _, f)| !f.is_empty()) {
                problems.push(format!("{command} xlsx {name}: formula {f:?}"));
            }
            for (_, _, cell) in wb.worksheet_range(&name).unwrap().used_cells() {
                if let Data::String(s) = cell {
                    seen.push_str(s);
                    seen.push('\n');
                }
            }
        }
        let unguarded = &openpyxl(&path, &[])["unguarded"];
        if unguarded.as_array().is_none_or(|u| !u.is_empty()) {
            problems.push(format!(
                "{command} xlsx: formula-like text without the quote prefix at {unguarded}"
            ));
        }
        for s in &injected {
            if command == "soa" && !seen.contains(s.as_str()) {
                problems.push(format!("soa xlsx lacks the injected text {s:?} as written"));
            }
        }
    }
    // HTML: the report escapes what it shows and runs no script.
    match run(&["report", dir_s, "--format", "html"]) {
        Ok(o) if matches!(o.code, Some(0 | 1)) => {
            let html = String::from_utf8_lossy(&o.stdout);
            let lower = html.to_ascii_lowercase();
            // No markup from the inputs: the report itself has no script and no image.
            for bad in ["<script", "<img", "javascript:"] {
                if lower.contains(bad) {
                    problems.push(format!("html report contains {bad:?}"));
                }
            }
            for s in strings(expect, "html_contains") {
                if !html.contains(&s) {
                    problems.push(format!("html report lacks {s:?}"));
                }
            }
        }
        other => problems.push(format!("report html: {:?}", other.map(|o| o.code))),
    }
    problems
}

/// Whether `place` names a worksheet cell: `book.xlsx!Sheet:B17`.
fn is_cell_place(place: &str) -> bool {
    let Some((sheet, cell)) = place.rsplit_once(':') else {
        return false;
    };
    let letters = cell.trim_end_matches(|c: char| c.is_ascii_digit());
    sheet.contains('!')
        && !letters.is_empty()
        && letters.len() < cell.len()
        && letters.chars().all(|c| c.is_ascii_uppercase())
}

/// Runs one case; returns its summary line, or the reasons it failed.
fn run_case(case: &Path) -> Result<String, Vec<String>> {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let expect: toml::Table = toml::from_str(
        &std::fs::read_to_string(case.join("expect.toml"))
            .unwrap_or_else(|e| panic!("{name}/expect.toml: {e}")),
    )
    .unwrap_or_else(|e| panic!("{name}/expect.toml: {e}"));
    let exit = expect["exit"].as_integer().expect("exit") as i32;
    let tmp = tempfile::tempdir().unwrap();
    build(case, &expect, tmp.path());
    let dir = tmp.path().to_str().unwrap();
    let mut problems = Vec::new();
    let mut summary = String::new();
    for command in ["check", "gaps"] {
        let out = match run(&[command, dir]) {
            Ok(o) => o,
            Err(e) => {
                problems.push(format!("{command}: {e}"));
                continue;
            }
        };
        let ok_codes: &[i32] = match (exit, command) {
            (0, "gaps") => &[0, 1],
            _ => &[exit],
        };
        match out.code {
            None => problems.push(format!("{command}: killed by a signal\n{}", out.stderr)),
            Some(101) => problems.push(format!("{command}: panicked\n{}", out.stderr)),
            Some(c) if !ok_codes.contains(&c) => problems.push(format!(
                "{command}: exit {c}, expected {exit}\n{}",
                &out.stderr[..out.stderr.len().min(3000)]
            )),
            Some(_) => {}
        }
        if out.stderr.contains("panicked") || out.stderr.contains("RUST_BACKTRACE") {
            problems.push(format!("{command}: panic message on stderr"));
        }
        let headlines = common::headlines(&out.stderr);
        for want in strings(&expect, "errors") {
            if !out.stderr.contains(&want) {
                problems.push(format!(
                    "{command}: stderr lacks {want:?}; headlines: {headlines:#?}"
                ));
            }
        }
        // An error must be located: every headline names file:line:col.
        if exit == 2 {
            for h in &headlines {
                let place: Vec<&str> = h.split(": ").next().unwrap_or("").rsplitn(3, ':').collect();
                let located = place.len() == 3
                    && place[0].parse::<u32>().is_ok()
                    && place[1].parse::<u32>().is_ok()
                    || is_cell_place(h.split(": ").next().unwrap_or(""));
                let unlocated_allowed = expect
                    .get("unlocated")
                    .is_some_and(|v| v.as_bool() == Some(true));
                if !located && !unlocated_allowed {
                    problems.push(format!("{command}: unlocated error {h:?}"));
                }
            }
            if headlines.is_empty() {
                problems.push(format!("{command}: no diagnostic on stderr"));
            }
            if out.stderr.len() > 200_000 {
                problems.push(format!("{command}: {} bytes of stderr", out.stderr.len()));
            }
        }
        if command == "check" {
            let stdout = String::from_utf8_lossy(&out.stdout);
            for want in strings(&expect, "stdout") {
                if !stdout.contains(&want) {
                    problems.push(format!("check: stdout lacks {want:?}\n{stdout}"));
                }
            }
            let first = headlines
                .first()
                .map_or(String::new(), |h| h.chars().take(110).collect::<String>());
            summary = format!(
                "{name:<32} exit {:<4} {:>6.2}s  {first}",
                out.code.map_or("sig".into(), |c| c.to_string()),
                out.elapsed.as_secs_f64()
            );
        }
    }
    if expect
        .get("export")
        .is_some_and(|v| v.as_bool() == Some(true))
    {
        problems.extend(check_exports(tmp.path(), &expect));
    }
    if problems.is_empty() {
        Ok(summary)
    } else {
        Err(problems)
    }
}

#[test]
fn every_bad_input_gives_a_located_error_or_a_correct_result() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expect.toml").exists())
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        match run_case(case) {
            Ok(line) => println!("ok   {line}"),
            Err(problems) => {
                let name = case.file_name().unwrap().to_string_lossy();
                println!("FAIL {name}");
                for p in &problems {
                    println!("       {}", p.replace('\n', "\n       "));
                }
                failures.push(name.into_owned());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed: {failures:?}",
        failures.len(),
        cases.len()
    );
}
