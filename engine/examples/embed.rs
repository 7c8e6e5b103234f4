//! Embeds the engine in a small program: evaluate a workspace and print its gaps by severity,
//! exiting with 1 when any is high or critical (a CI gate without the CLI).
//!
//! ```sh
//! cargo run -p isms-engine --example embed -- examples/acme 2026-11-01
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;

use isms_engine::{Options, build_report, evaluate, load};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(date)) = (args.next(), args.next()) else {
        eprintln!("usage: embed WORKSPACE-DIR YYYY-MM-DD");
        return ExitCode::from(2);
    };
    let Ok(as_of) = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d") else {
        eprintln!("`{date}` is not a date as YYYY-MM-DD");
        return ExitCode::from(2);
    };
    let ws = match load(std::path::Path::new(&dir)) {
        Ok(loaded) => loaded.workspace,
        Err(e) => {
            for d in e.diagnostics.iter() {
                eprintln!("{d}");
            }
            return ExitCode::from(2);
        }
    };
    let report = build_report(&ws, &evaluate(&ws, Options::new(as_of)));
    let mut by_severity: BTreeMap<&str, usize> = BTreeMap::new();
    for gap in &report.gaps {
        *by_severity.entry(gap.severity.as_str()).or_default() += 1;
    }
    println!(
        "{}: {} scenarios, {} gaps",
        report.organisation,
        report.summary.scenarios,
        report.gaps.len()
    );
    for (severity, n) in &by_severity {
        println!("  {severity:<8} {n}");
    }
    let blocking =
        by_severity.get("critical").unwrap_or(&0) + by_severity.get("high").unwrap_or(&0);
    ExitCode::from(u8::from(blocking > 0))
}
