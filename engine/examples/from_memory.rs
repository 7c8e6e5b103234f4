//! Loads a workspace from memory, as a service would with files it received (an upload, a
//! database), and prints what is wrong with it or its gap count. Nothing is read from disk
//! but the files given here; a problem is located in its file as it would be on disk.
//!
//! ```sh
//! cargo run -p isms-engine --example from_memory
//! ```

use std::process::ExitCode;

use isms_engine::{Files, Options, build_report, evaluate, load_files};

const MANIFEST: &str = r#"
[workspace]
profile = "profile.toml"
rulesets = ["builtin:iso27001-2022"]
as_of = "2026-11-01"

[inputs]
assets = "assets.csv"
"#;

const PROFILE: &str = r#"
name = "Example Ltd"
risk_appetite = 2

[facts]
uses_cloud = true
"#;

const ASSETS: &str = "\
id,name,type,owner,classification
A1,Customer database,software,Head of Data,restricted
A2,Laptops,hardware,IT,internal
";

fn main() -> ExitCode {
    let files = Files::memory([
        ("isms.toml", MANIFEST),
        ("profile.toml", PROFILE),
        ("assets.csv", ASSETS),
    ]);
    let ws = match load_files(files) {
        Ok(loaded) => loaded.workspace,
        Err(e) => {
            for d in e.diagnostics.iter() {
                eprintln!("{d}");
            }
            return ExitCode::from(2);
        }
    };
    let Some(as_of) = ws.as_of() else {
        eprintln!("the manifest sets as_of");
        return ExitCode::from(2);
    };
    let report = build_report(&ws, &evaluate(&ws, Options::new(as_of)));
    println!(
        "{}: {} assets, {} scenarios, {} gaps",
        report.organisation,
        ws.assets().len(),
        report.summary.scenarios,
        report.gaps.len()
    );
    ExitCode::SUCCESS
}
