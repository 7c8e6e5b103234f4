//! The OSCAL set as a real client reads it: compliance-trestle imports every document
//! (`trestle import`, which validates it and resolves the SSP's profile and catalog) into a
//! fresh workspace, then validates them all (`trestle validate -a`), for each release pinned in
//! `scripts/test`: 3.0.1 (OSCAL 1.1.2) and the current one.
//!
//! `ISMS_TRESTLE_VENVS` lists the Python virtual environments, separated by `:`, that
//! `scripts/test` installs them into. Without it the test fails: it must not pass by not
//! running.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::isms;

/// The documents in the order trestle must import them: each after what it imports.
const SET: [(&str, &str); 6] = [
    ("catalog", "catalogs"),
    ("profile", "profiles"),
    ("system-security-plan", "system-security-plans"),
    ("assessment-plan", "assessment-plans"),
    ("assessment-results", "assessment-results"),
    (
        "plan-of-action-and-milestones",
        "plan-of-action-and-milestones",
    ),
];

/// The `trestle` executables of the venvs `scripts/test` made, with their versions.
fn trestles() -> Vec<(PathBuf, String)> {
    let venvs = std::env::var("ISMS_TRESTLE_VENVS").unwrap_or_else(|_| {
        panic!(
            "ISMS_TRESTLE_VENVS is not set: run scripts/test, which installs compliance-trestle \
             into Python virtual environments and names them there"
        )
    });
    let found: Vec<(PathBuf, String)> = venvs
        .split(':')
        .filter(|v| !v.is_empty())
        .map(|venv| {
            let bin = Path::new(venv).join("bin/trestle");
            let out = Command::new(&bin)
                .arg("version")
                .output()
                .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
            assert!(out.status.success(), "{}", bin.display());
            (bin, String::from_utf8_lossy(&out.stdout).trim().to_owned())
        })
        .collect();
    assert!(
        found.len() >= 2,
        "ISMS_TRESTLE_VENVS names {} venvs; scripts/test installs two releases",
        found.len()
    );
    found
}

struct Trestle<'a> {
    bin: &'a Path,
    workspace: tempfile::TempDir,
}

impl<'a> Trestle<'a> {
    /// `trestle init` in a new temporary folder.
    fn init(bin: &'a Path, version: &'a str) -> Self {
        let workspace = tempfile::tempdir().unwrap();
        let t = Trestle { bin, workspace };
        let (ok, log) = t.run(&["init"]);
        assert!(ok, "{version}: trestle init: {log}");
        t
    }

    /// Runs trestle in its workspace; success and the combined output.
    fn run(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(self.bin)
            .args(args)
            .current_dir(self.workspace.path())
            .output()
            .unwrap();
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), log)
    }

    fn import(&self, file: &Path) -> (bool, String) {
        self.run(&["import", "-f", file.to_str().unwrap(), "-o", "isms"])
    }
}

/// `isms report DIR --format oscal --oscal-links trestle` into a new folder.
fn export(dir: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let run = isms(&[
        "report",
        dir,
        "--format",
        "oscal",
        "--oscal-links",
        "trestle",
        "--output",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{dir}: {}", run.stderr);
    tmp
}

fn generated(assets: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let run = isms(&[
        "generate",
        "--assets",
        assets,
        "--seed",
        "7",
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    tmp
}

#[test]
fn trestle_imports_and_validates_the_whole_set() {
    let trestles = trestles();
    let generated = generated("2000");
    let generated = generated.path().to_str().unwrap().to_owned();
    for dir in ["examples/acme", &generated] {
        let set = export(dir);
        for (bin, version) in &trestles {
            let trestle = Trestle::init(bin, version);
            for (model, folder) in SET {
                let file = set.path().join(format!("{model}.json"));
                let (ok, log) = trestle.import(&file);
                assert!(ok, "{version}: import of {model} of {dir}:\n{log}");
                let imported = trestle
                    .workspace
                    .path()
                    .join(folder)
                    .join("isms")
                    .join(format!("{model}.json"));
                assert!(imported.exists(), "{version}: {}", imported.display());
            }
            let (ok, log) = trestle.run(&["validate", "-a"]);
            assert!(ok, "{version}: validate of {dir}:\n{log}");
            let valid = log.lines().filter(|l| l.starts_with("VALID")).count();
            assert_eq!(valid, SET.len(), "{version}: {dir}:\n{log}");
            assert!(!log.contains("INVALID"), "{version}: {dir}:\n{log}");
        }
    }
}

#[test]
fn trestle_refuses_what_the_export_used_to_write() {
    // The check above must be able to fail. An SSP whose profile import points at a
    // back-matter resource (what the export wrote) is refused by every release; the `urn:`
    // namespace it wrote is refused by 3.0.1 (pydantic 1 URLs need `://`; later releases
    // moved to pydantic 2, which takes it).
    let trestles = trestles();
    let set = export("examples/acme");
    let read = |model: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(set.path().join(format!("{model}.json"))).unwrap())
            .unwrap()
    };
    let broken = tempfile::tempdir().unwrap();
    let write = |name: &str, doc: &serde_json::Value| -> PathBuf {
        let path = broken.path().join(name).join("doc.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_vec(doc).unwrap()).unwrap();
        path
    };
    let mut urn = read("plan-of-action-and-milestones");
    urn["plan-of-action-and-milestones"]["metadata"]["props"][0]["ns"] = "urn:isms:ns:oscal".into();
    let urn = write("urn", &urn);
    let mut back_matter = read("system-security-plan");
    let resource = back_matter["system-security-plan"]["back-matter"]["resources"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    back_matter["system-security-plan"]["import-profile"]["href"] = format!("#{resource}").into();
    let back_matter = write("back-matter", &back_matter);
    for (bin, version) in &trestles {
        let trestle = Trestle::init(bin, version);
        for model in ["catalog", "profile"] {
            let (ok, log) = trestle.import(&set.path().join(format!("{model}.json")));
            assert!(ok, "{version}: {model}: {log}");
        }
        let (ok, log) = trestle.import(&urn);
        if version.contains("v3.0.1") {
            assert!(!ok, "{version} accepted a urn: namespace:\n{log}");
            assert!(log.contains("invalid or missing URL scheme"), "{log}");
        }
        let (ok, log) = trestle.import(&back_matter);
        assert!(
            !ok,
            "{version} resolved a profile import by back matter:\n{log}"
        );
    }
}
