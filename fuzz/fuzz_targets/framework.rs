//! The framework reader: arbitrary bytes as a custom framework's control and clause links,
//! declared by the profile, so that coverage and the framework gaps run on whatever loads.

#![no_main]

#[path = "common.rs"]
mod common;

const MANIFEST: &str = "[workspace]\nprofile = \"profile.toml\"\nrulesets = [\"builtin:iso27001-2022\", \"rules.toml\"]\nas_of = \"2026-11-01\"\n\n[inputs]\nassets = \"assets.csv\"\nrisks = \"risks.csv\"\n\n[[frameworks]]\nid = \"fz\"\nrequirements = \"req.csv\"\ncontrols = \"controls.csv\"\nclauses = \"clauses.csv\"\n";
const PROFILE: &str = "name = \"Fuzz Ltd\"\nrisk_appetite = 2\nframeworks = [\"fz\", \"nis2-2024-2690\"]\n";
const REQUIREMENTS: &str = "id,title,group\nR1,One,G\nR2,Two,G\nR.3-a,Three,\n";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::run(
        "csv",
        &[
            ("isms.toml", MANIFEST.as_bytes()),
            ("profile.toml", PROFILE.as_bytes()),
            ("req.csv", REQUIREMENTS.as_bytes()),
            ("controls.csv", data),
            ("clauses.csv", data),
        ],
    );
});
