//! `isms report --format html` end to end: a self-contained document (no scripts, no network
//! resources) with every section, rendered by headless Chromium to check that browsers see the
//! heat maps and the tables.
//!
//! Chromium is required: the project's test script installs Debian's `chromium` package.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{isms, root};

const SECTIONS: [&str; 8] = [
    "summary",
    "heatmap",
    "risks",
    "soa",
    "gaps",
    "readiness",
    "coverage",
    "inputs",
];

/// The only URL the document may contain: the SVG namespace, which is a name, not a fetch.
const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Writes the HTML report of a workspace into `dir` and returns its path and text.
fn html_report(workspace: &str, dir: &Path) -> (PathBuf, String) {
    let path = dir.join("report.html");
    let run = isms(&[
        "report",
        workspace,
        "--format",
        "html",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

fn json_report() -> serde_json::Value {
    let run = isms(&["report", "examples/acme", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// The text of the `<section id="...">` element.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start..]
        .find("</section>")
        .unwrap_or_else(|| panic!("section {id} is not closed"));
    &html[start..start + end]
}

/// Rows in the `<tbody>` elements of a piece of HTML.
fn body_rows(html: &str) -> usize {
    html.split("<tbody")
        .skip(1)
        .map(|body| {
            body.split("</tbody>")
                .next()
                .unwrap()
                .matches("<tr")
                .count()
        })
        .sum()
}

#[test]
fn html_report_is_self_contained() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, html) = html_report("examples/acme", tmp.path());
    assert!(html.starts_with("<!DOCTYPE html>"));
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "the report runs no script");
    for resource in [
        "<link", "<img", "<iframe", "<object", "@import", "url(", "src=",
    ] {
        assert!(
            !lower.contains(resource),
            "external resource via {resource}"
        );
    }
    // The attribution of a framework's data names its licence and source by URL, as text
    // (CC BY 4.0 asks for the licence's URI): no link, nothing fetched. Everything else may
    // hold no URL.
    let mut without_ns = lower.replace(SVG_NS, "");
    while let Some(start) = without_ns.find("<p class=\"attribution\">") {
        let end = start + without_ns[start..].find("</p>").unwrap();
        assert!(
            !without_ns[start..end].contains("href"),
            "the attribution is text"
        );
        without_ns.replace_range(start..end, "");
    }
    assert!(
        !without_ns.contains("http://") && !without_ns.contains("https://"),
        "the report references the network"
    );
    for id in SECTIONS {
        assert!(
            html.contains(&format!("<section id=\"{id}\"")),
            "section {id}"
        );
    }
    for id in ["heatmap-inherent", "heatmap-residual"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "svg {id}");
    }
    assert_eq!(body_rows(section(&html, "soa")), 93);
    assert!(section(&html, "inputs").contains("isms.toml"));
    let readiness = section(&html, "readiness");
    assert!(readiness.contains("S2-LEAVERS"));
    assert!(readiness.contains("GAP-LEAVER-ACCOUNT-ACTIVE (P-0113, ACC-0029)"));
    assert!(readiness.contains("recertification"));
}

#[test]
fn html_report_escapes_input_text() {
    let ws = tempfile::tempdir().unwrap();
    let src = root().join("examples/acme");
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), ws.path().join(entry.file_name())).unwrap();
    }
    let soa = std::fs::read_to_string(src.join("soa.csv")).unwrap();
    let soa: String = soa
        .lines()
        .map(|l| {
            if l.starts_with("A.5.1,") {
                r#"A.5.1,yes,<script>alert('x')</script> & <b>bold</b>,implemented,"=HYPERLINK(""x"")""#
                    .to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(ws.path().join("soa.csv"), soa + "\n").unwrap();
    let docs = std::fs::read_to_string(src.join("documents.csv"))
        .unwrap()
        .replace(
            "ISMS Scope Statement",
            "<script>alert('doc')</script> Scope",
        );
    std::fs::write(ws.path().join("documents.csv"), docs).unwrap();
    let out = tempfile::tempdir().unwrap();
    let (_, html) = html_report(ws.path().to_str().unwrap(), out.path());
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(!html.contains("<b>bold"));
    // `'` may stay as it is: the templates always quote attribute values with `"`.
    assert!(
        section(&html, "readiness").contains("&lt;script&gt;alert('doc')"),
        "document titles in the readiness evidence are escaped"
    );
    assert!(
        html.contains("=HYPERLINK(&quot;x&quot;)"),
        "evidence is escaped"
    );
}

/// The Chromium binary: /usr/bin/chromium, or `chromium` / `chromium-browser` on PATH.
fn chromium() -> PathBuf {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return fixed;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "headless Chromium is required to check the HTML report but was not found \
         (/usr/bin/chromium, or chromium / chromium-browser on PATH); the project's test \
         command installs it (Debian package `chromium`): run the tests through it, or \
         `apt-get install chromium`"
    );
}

/// Runs headless Chromium with `args` and a fresh profile, stdout into `stdout`; kills it
/// after 60 s.
fn run_chromium(args: &[&str], stdout: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(stdout).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start chromium");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium {args:?} failed: {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {args:?} ran for more than 60 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn chromium_renders_the_html_report() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, _) = html_report("examples/acme", tmp.path());
    let url = format!("file://{}", path.display());

    let dom_file = tmp.path().join("dom.html");
    run_chromium(&["--dump-dom", &url], &dom_file);
    let dom = std::fs::read_to_string(&dom_file).unwrap();
    for id in ["heatmap-inherent", "heatmap-residual"] {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "the DOM has no svg {id}"
        );
    }
    assert!(dom.contains("<svg"));
    let json = json_report();
    let cells = json["heatmap"]["likelihoods"].as_array().unwrap().len()
        * json["heatmap"]["impacts"].as_array().unwrap().len();
    let heatmaps = section(&dom, "heatmap");
    assert_eq!(
        heatmaps.matches("<rect").count(),
        2 * cells,
        "one rect per cell of each heat map"
    );
    assert!(
        heatmaps.matches("<title>").count() >= 2 * cells,
        "a hover title per cell"
    );
    let soa = section(&dom, "soa");
    assert!(soa.contains("<table"));
    assert_eq!(body_rows(soa), 93, "one row per SoA control");
    assert!(dom.contains("GAP-RISK-UNTREATED"), "the DOM lists the gaps");
    assert!(section(&dom, "gaps").contains("GAP-"));
    for id in SECTIONS {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "the DOM has no section {id}"
        );
    }

    let png = tmp.path().join("report.png");
    let log = tmp.path().join("screenshot.log");
    run_chromium(
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1400,2400",
            "--hide-scrollbars",
            &url,
        ],
        &log,
    );
    let size = std::fs::metadata(&png)
        .unwrap_or_else(|e| panic!("no screenshot at {}: {e}", png.display()))
        .len();
    assert!(size > 10 * 1024, "the screenshot is only {size} bytes");
    let head = std::fs::read(&png).unwrap();
    assert!(head.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
}
