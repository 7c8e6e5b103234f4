//! `isms migrate`: a 2013-era workspace converted to the 2022 Annex A ids.
//!
//! The workspace is loaded first (it must be valid as a 2013 workspace); the SoA and plan
//! files are then read as tables, converted by the engine, and written in their own format
//! with the manifest (switched to 2022) and, when its requirements name 2013 controls, the
//! profile. By default the outputs go beside the inputs with a `.2022` infix
//! (`isms.2022.toml` names `soa.2022.csv`, and the unchanged inputs as they are), so nothing
//! is overwritten; `--output-dir` writes a self-contained copy; `--in-place` overwrites. The
//! migrated workspace is loaded again to prove it is valid.
//!
//! A 2022 workspace whose SoA or plan still names 2013 controls does not load; `isms migrate`
//! converts those ids (the 2022 ones kept) when they are what keeps it from loading.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use isms_engine::CatalogId;
use isms_engine::load::{Format, MANIFEST};
use isms_engine::migrate::{self, ChangeKind, MigrationReport, Table};
use serde::Serialize;

use crate::cli::ReadinessFormat;
use crate::exit::Failure;
use crate::exit::{EXIT_BAD_INPUT, EXIT_OK};
use crate::output;

/// What `--format json` prints: the engine's report and what was written.
#[derive(Serialize)]
struct Outcome<'a> {
    #[serde(flatten)]
    report: &'a MigrationReport,
    requirements: Vec<migrate::RequirementChange>,
    /// The manifest of the migrated workspace.
    manifest: String,
    written: Vec<String>,
    /// Whether the migrated workspace loads without errors.
    loads: bool,
    /// Whether this converted the 2013 ids left in a 2022 workspace (its 2022 ids kept)
    /// rather than a whole 2013 workspace.
    leftover_2013_ids: bool,
}

fn located(path: &Path, e: &migrate::TableError) -> Failure {
    crate::exit::located(path, e.line, e.column, &e.message)
}

/// `soa.csv` -> `soa.2022.csv`.
fn infixed(name: &str) -> String {
    let p = Path::new(name);
    match (p.file_stem(), p.extension()) {
        (Some(stem), Some(ext)) => p
            .with_file_name(format!(
                "{}.2022.{}",
                stem.to_string_lossy(),
                ext.to_string_lossy()
            ))
            .to_string_lossy()
            .into_owned(),
        _ => format!("{name}.2022"),
    }
}

/// A relative path that stays inside its directory.
fn inside(name: &str) -> bool {
    Path::new(name)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

pub fn run(
    dir: &Path,
    output_dir: Option<&Path>,
    in_place: bool,
    force: bool,
    format: ReadinessFormat,
) -> Result<u8, Failure> {
    // A 2013 workspace must load cleanly. A 2022 workspace does not load while its SoA or
    // plan still names 2013 controls: those ids are what is converted then (and only then).
    let load_error = match isms_engine::load(dir) {
        Ok(loaded) => {
            for w in loaded.warnings.iter() {
                crate::output::note_raw(&crate::render::diagnostic(w));
            }
            let catalog = loaded.workspace.catalog().id;
            if catalog != CatalogId::Iso27001_2013 {
                return Err(Failure::Usage(format!(
                    "{} already uses {catalog} and names no 2013 control: nothing to migrate",
                    dir.display()
                )));
            }
            None
        }
        Err(e) => Some(e),
    };
    let (root, manifest_path) = if dir.is_file() {
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
        (parent.unwrap_or(Path::new(".")).to_owned(), dir.to_owned())
    } else {
        (dir.to_owned(), dir.join(MANIFEST))
    };
    let manifest_text = crate::exit::read_text(&manifest_path)?;
    let strings = match migrate::toml_strings(&manifest_text) {
        Ok(s) => s,
        Err(e) => return Err(load_error.map_or_else(|| located(&manifest_path, &e), Failure::Load)),
    };
    let catalog = strings
        .iter()
        .find(|s| s.key == "workspace.catalog")
        .map_or(Some(CatalogId::Iso27001_2022), |s| {
            CatalogId::parse(&s.value)
        });
    let load_error = match load_error {
        Some(e) if catalog != Some(CatalogId::Iso27001_2022) => return Err(Failure::Load(e)),
        other => other,
    };
    let files_of = |key: &str| -> Vec<String> {
        strings
            .iter()
            .filter(|s| s.key == key)
            .map(|s| s.value.clone())
            .collect()
    };
    let read_tables = |names: Vec<String>| -> Result<Vec<(String, Table)>, Failure> {
        names
            .into_iter()
            .map(|name| {
                let path = root.join(&name);
                let format = Format::of(&path).ok_or_else(|| {
                    Failure::Usage(format!("cannot tell the format of {}", path.display()))
                })?;
                let table = Table::parse(format, &crate::exit::read_text(&path)?)
                    .map_err(|e| located(&path, &e))?;
                Ok((name, table))
            })
            .collect()
    };
    let soa_files = read_tables(files_of("inputs.soa"))?;
    let plan_files = read_tables(files_of("inputs.treatment_plan"))?;
    let leftover_2013_ids = load_error.is_some();
    let migration = match load_error {
        None => migrate::migrate(soa_files, plan_files),
        // Errors other than 2013 ids are the user's to fix first.
        Some(e) if migrate::count_2013_ids(&soa_files, &plan_files) == 0 => {
            return Err(Failure::Load(e));
        }
        Some(_) => migrate::convert_2013_ids(soa_files, plan_files),
    };

    // What to write, by name relative to the output directory.
    let out_root = output_dir.map_or_else(|| root.clone(), Path::to_owned);
    let name_of = |name: &str| -> String {
        if in_place || output_dir.is_some() {
            name.to_owned()
        } else {
            infixed(name)
        }
    };
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, table) in migration.soa.iter().chain(&migration.plan) {
        renames.insert(name.clone(), name_of(name));
        files.push((name_of(name), table.write().into_bytes()));
    }
    let mut requirements = Vec::new();
    if let Some(profile) = files_of("workspace.profile").first() {
        let path = root.join(profile);
        let (text, changes) = migrate::migrate_profile(&crate::exit::read_text(&path)?)
            .map_err(|e| located(&path, &e))?;
        if !changes.is_empty() {
            renames.insert(profile.clone(), name_of(profile));
            files.push((name_of(profile), text.into_bytes()));
        }
        requirements = changes;
    }
    // With --output-dir, the files the manifest names inside the workspace are copied; paths
    // that leave it (plugins, shared files) are made absolute.
    let mut copies: Vec<(PathBuf, String)> = Vec::new();
    let absolute = |value: &str| {
        std::fs::canonicalize(root.join(value))
            .unwrap_or_else(|_| root.join(value))
            .to_string_lossy()
            .into_owned()
    };
    let manifest = migrate::migrate_manifest(&manifest_text, |key, value| {
        if let Some(new) = renames.get(value) {
            return (new != value).then(|| new.clone());
        }
        output_dir?;
        if key != "plugins.path" && inside(value) {
            copies.push((root.join(value), value.to_owned()));
            None
        } else {
            Some(absolute(value))
        }
    })
    .map_err(|e| located(&manifest_path, &e))?;
    let manifest_name = if in_place || output_dir.is_some() {
        manifest_path
            .file_name()
            .map_or_else(|| MANIFEST.to_owned(), |n| n.to_string_lossy().into_owned())
    } else {
        "isms.2022.toml".to_owned()
    };
    files.push((manifest_name.clone(), manifest.into_bytes()));

    if !in_place && !force {
        let existing: Vec<String> = files
            .iter()
            .map(|(n, _)| n)
            .chain(copies.iter().map(|(_, n)| n))
            .filter(|n| out_root.join(n).exists())
            .cloned()
            .collect();
        if !existing.is_empty() {
            return Err(Failure::Usage(format!(
                "{} already holds {}; pass --force to replace, or choose another --output-dir",
                out_root.display(),
                existing.join(", ")
            )));
        }
    }
    let mut written = Vec::new();
    for (name, bytes) in &files {
        let path = out_root.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::Io(format!("cannot create {}: {e}", parent.display())))?;
        }
        output::write_atomic(&path, bytes)?;
        written.push(path.display().to_string());
    }
    for (from, name) in &copies {
        let path = out_root.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::Io(format!("cannot create {}: {e}", parent.display())))?;
        }
        let bytes = std::fs::read(from)
            .map_err(|e| Failure::Io(format!("cannot read {}: {e}", from.display())))?;
        output::write_atomic(&path, &bytes)?;
    }
    let new_manifest = out_root.join(&manifest_name);
    let check = isms_engine::load(&new_manifest);
    let outcome = Outcome {
        report: &migration.report,
        requirements,
        manifest: new_manifest.display().to_string(),
        written,
        loads: check.is_ok(),
        leftover_2013_ids,
    };
    let text = match format {
        ReadinessFormat::Json => serde_json::to_string_pretty(&outcome).unwrap_or_default() + "\n",
        ReadinessFormat::Table => render(&outcome, false),
        ReadinessFormat::Md => render(&outcome, true),
    };
    output::emit(None, text.as_bytes())?;
    match check {
        Ok(_) => Ok(EXIT_OK),
        Err(e) => {
            crate::render::failure(&Failure::Load(e));
            crate::output::note!(
                "error: the migrated workspace {} does not load; fix the references above",
                new_manifest.display()
            );
            Ok(EXIT_BAD_INPUT)
        }
    }
}

/// The report for people: counts, then what needs a decision.
fn render(o: &Outcome<'_>, md: bool) -> String {
    let r = o.report;
    let c = &r.counts;
    let mut s = String::new();
    let h = |s: &mut String, title: &str| {
        if md {
            let _ = writeln!(s, "\n## {title}\n");
        } else {
            let _ = writeln!(s, "\n{title}");
        }
    };
    let item = if md { "- " } else { "  " };
    if md {
        let _ = writeln!(s, "# Migration {} -> {}\n", r.from, r.to);
    } else {
        let _ = writeln!(s, "Migration {} -> {}", r.from, r.to);
    }
    if o.leftover_2013_ids {
        let _ = writeln!(
            s,
            "{item}the 2013 control ids left in a 2022 workspace; its 2022 ids are kept as they are"
        );
        let _ = writeln!(
            s,
            "{item}SoA: {} rows in, {} rows out ({} kept with 2022 ids; from 2013 ids: {} carried, {} merged of which {} to reconcile, {} from split controls)",
            c.soa_rows_in,
            c.soa_rows_out,
            c.soa_rows_kept,
            c.carried,
            c.merged,
            c.merged_with_conflicts,
            c.split
        );
    } else {
        let _ = writeln!(
            s,
            "{item}SoA: {} rows in, {} rows out ({} carried, {} merged of which {} to reconcile, {} from split controls, {} new for decision); {} controls not in the 2013 SoA",
            c.soa_rows_in,
            c.soa_rows_out,
            c.carried,
            c.merged,
            c.merged_with_conflicts,
            c.split,
            c.new_controls,
            c.not_in_soa
        );
    }
    let _ = writeln!(
        s,
        "{item}treatment plan: {} actions, {} with controls renamed",
        c.actions, c.actions_changed
    );
    if !o.requirements.is_empty() {
        let _ = writeln!(
            s,
            "{item}profile: {} requirement control ids converted",
            o.requirements.len()
        );
    }
    if o.leftover_2013_ids {
        h(&mut s, "Converted rows (2013 id -> 2022 id)");
        for ch in r.of_kind(ChangeKind::Carried) {
            for src in &ch.sources {
                let _ = writeln!(
                    s,
                    "{item}{} ({}:{}) -> {} {}",
                    src.control, src.file, src.line, ch.control, ch.title
                );
            }
        }
    } else {
        h(
            &mut s,
            "New in 2022, for decision (written applicable, not implemented, marked UNDECIDED)",
        );
        for ch in r.of_kind(ChangeKind::New) {
            let _ = writeln!(s, "{item}{} {}", ch.control, ch.title);
        }
    }
    h(&mut s, "Merged controls (2013 rows combined)");
    for ch in r.of_kind(ChangeKind::Merged) {
        let verdict = if ch.conflicts.is_empty() {
            "consistent".to_owned()
        } else {
            format!("RECONCILE: {}", ch.conflicts.join("; "))
        };
        let _ = writeln!(s, "{item}{} {} - {verdict}", ch.control, ch.title);
        for src in &ch.sources {
            let yn = match src.applicable {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            };
            let _ = writeln!(
                s,
                "{item}    {} ({}:{}): applicable {yn}, {}, \"{}\"",
                src.control,
                src.file,
                src.line,
                src.status.as_deref().unwrap_or("no status"),
                src.justification.as_deref().unwrap_or("")
            );
        }
        if !ch.missing_predecessors.is_empty() {
            let _ = writeln!(
                s,
                "{item}    not in the 2013 SoA: {}",
                ch.missing_predecessors.join(", ")
            );
        }
    }
    h(&mut s, "Split controls (the 2013 row copied to each)");
    for sp in &r.splits {
        let _ = writeln!(
            s,
            "{item}{} -> {}{}{}",
            sp.control,
            sp.into.join(", "),
            if sp.in_soa {
                ""
            } else {
                " (not in the 2013 SoA)"
            },
            if sp.actions.is_empty() {
                String::new()
            } else {
                format!("; actions {}", sp.actions.join(", "))
            }
        );
    }
    if !r.actions.is_empty() {
        h(&mut s, "Treatment plan");
        for a in &r.actions {
            let _ = writeln!(
                s,
                "{item}{} ({}:{}): {} -> {}",
                a.id,
                a.file,
                a.line,
                a.from.join(";"),
                a.to.join(";")
            );
        }
    }
    if !r.problems.is_empty() {
        h(&mut s, "Problems");
        for p in &r.problems {
            let _ = writeln!(s, "{item}{p}");
        }
    }
    h(&mut s, "Written");
    for w in &o.written {
        let _ = writeln!(s, "{item}{w}");
    }
    let _ = writeln!(
        s,
        "{item}{} {}",
        o.manifest,
        if o.loads {
            "loads without errors"
        } else {
            "does NOT load (see the errors)"
        }
    );
    s
}
