//! A scratch workspace the load targets overwrite one file of per input, then load and (when
//! it loads) evaluate, report and export as OSCAL: no input may panic, hang or abort.

#![allow(dead_code)]

use std::path::Path;
use std::sync::OnceLock;

pub const MANIFEST: &str = "[workspace]\nprofile = \"profile.toml\"\nrulesets = [\"builtin:iso27001-2022\", \"rules.toml\"]\nas_of = \"2026-11-01\"\n\n[inputs]\nassets = \"assets.FORMAT\"\nrisks = \"risks.csv\"\n";
pub const PROFILE: &str = "name = \"Fuzz Ltd\"\nrisk_appetite = 2\n";
pub const RULES: &str = "[ruleset]\nid = \"fuzz\"\nversion = \"1\"\n";
pub const ASSETS_CSV: &str = "id,name,type,owner,classification,confidentiality,integrity,availability,status,depends_on\nDB,Database,software,CTO,restricted,5,4,4,active,\nWEB,Web shop,software,CTO,confidential,3,3,3,active,DB\n";
pub const RISKS: &str = "id,title,description,assets,likelihood,impact,treatment\nR1,Data theft,SQL injection,DB,4,4,treat\n";

fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary directory"))
        .path()
}

/// Writes the base workspace with `format` as the assets file's extension, then `files`
/// over it, and loads and evaluates it.
pub fn run(format: &str, files: &[(&str, &[u8])]) {
    let dir = scratch();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let _ = std::fs::remove_file(entry.path());
    }
    let manifest = MANIFEST.replace("FORMAT", format);
    let base: [(&str, &[u8]); 5] = [
        ("isms.toml", manifest.as_bytes()),
        ("profile.toml", PROFILE.as_bytes()),
        ("rules.toml", RULES.as_bytes()),
        ("assets.csv", ASSETS_CSV.as_bytes()),
        ("risks.csv", RISKS.as_bytes()),
    ];
    for (name, bytes) in base.iter().chain(files) {
        std::fs::write(dir.join(name), bytes).expect("write scratch file");
    }
    if let Ok(loaded) = isms_engine::load(dir) {
        let ws = loaded.workspace;
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        let evaluation = isms_engine::evaluate(&ws, isms_engine::Options::new(as_of));
        let report = isms_engine::build_report(&ws, &evaluation);
        use isms_engine::oscal::{Model, export};
        for model in Model::ALL {
            let _ = export(model, &ws, &report);
        }
    }
}
