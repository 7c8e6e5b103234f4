//! `isms plugin new|build|test`: the plugin author's loop.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use isms_engine::plugin::load_dir;
use isms_engine::report;
use isms_engine::risk::{Options, RiskSource};
use sha2::{Digest, Sha256};

use crate::cli::PluginCommand;
use crate::exit::EXIT_OK;
use crate::exit::Failure;
use crate::output;

/// The files of a new plugin project: the template, plus the SDK and the interface vendored
/// so that the project builds anywhere.
const TEMPLATE: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../../../plugins/template/Cargo.toml.tmpl"),
    ),
    (
        "src/lib.rs",
        include_str!("../../../plugins/template/lib.rs.tmpl"),
    ),
    (
        "plugin.toml",
        include_str!("../../../plugins/template/plugin.toml.tmpl"),
    ),
    (
        "isms-sdk/Cargo.toml",
        include_str!("../../../plugins/sdk/Cargo.toml"),
    ),
    (
        "isms-sdk/src/lib.rs",
        include_str!("../../../plugins/sdk/src/lib.rs"),
    ),
    (
        "wit/plugin.wit",
        include_str!("../../../plugins/wit/plugin.wit"),
    ),
];

const TARGET: &str = "wasm32-unknown-unknown";

pub fn run(command: PluginCommand) -> Result<u8, Failure> {
    match command {
        PluginCommand::New { name, dir } => new(&name, &dir),
        PluginCommand::Build { dir } => build(&dir),
        PluginCommand::Test {
            dir,
            workspace,
            as_of,
        } => test(&dir, &workspace, as_of),
    }
}

fn new(name: &str, dir: &Path) -> Result<u8, Failure> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        return Err(Failure::Usage(format!(
            "`{name}` is not a plugin id: use lowercase letters, digits and `-`, starting with a letter"
        )));
    }
    let root = dir.join(name);
    if root.exists() {
        return Err(Failure::Usage(format!("{} exists already", root.display())));
    }
    for (path, text) in TEMPLATE {
        let file = root.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::Io(format!("cannot create {}: {e}", parent.display())))?;
        }
        output::write_atomic(&file, text.replace("{{name}}", name).as_bytes())?;
    }
    crate::output::note!(
        "created {}: edit src/lib.rs, then `isms plugin build {}`",
        root.display(),
        root.display()
    );
    Ok(EXIT_OK)
}

/// Reads `[package] name` of a Cargo.toml: the wasm file is named after it.
fn crate_name(dir: &Path) -> Result<String, Failure> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
    let value: toml::Table = toml::from_str(&text)
        .map_err(|e| Failure::Usage(format!("{}: {}", path.display(), e.message())))?;
    value
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(|n| n.replace('-', "_"))
        .ok_or_else(|| Failure::Usage(format!("{} has no [package] name", path.display())))
}

fn wasm_file_name(dir: &Path) -> Result<String, Failure> {
    let path = dir.join("plugin.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
    let value: toml::Table = toml::from_str(&text)
        .map_err(|e| Failure::Usage(format!("{}: {}", path.display(), e.message())))?;
    value
        .get("wasm")
        .and_then(|w| w.as_str())
        .map(str::to_owned)
        .ok_or_else(|| Failure::Usage(format!("{} names no `wasm` file", path.display())))
}

fn build(dir: &Path) -> Result<u8, Failure> {
    let name = crate_name(dir)?;
    let wasm_name = wasm_file_name(dir)?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--target", TARGET, "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target_dir)
        .status()
        .map_err(|e| Failure::Io(format!("cannot run cargo: {e}")))?;
    if !status.success() {
        return Err(Failure::Usage(format!(
            "cargo build failed for {} (is the target installed? `rustup target add {TARGET}`)",
            dir.display()
        )));
    }
    let core_path = target_dir
        .join(TARGET)
        .join("release")
        .join(format!("{name}.wasm"));
    let core = std::fs::read(&core_path)
        .map_err(|e| Failure::Io(format!("cannot read {}: {e}", core_path.display())))?;
    let component = wit_component::ComponentEncoder::default()
        .module(&core)
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| {
            Failure::Usage(format!(
                "cannot make a component of {}: {e:#}",
                core_path.display()
            ))
        })?;
    let out = dir.join(&wasm_name);
    output::write_atomic(&out, &component)?;
    let sha = isms_engine::load::hex(&Sha256::digest(&component));
    crate::output::note!("wrote {} ({} bytes)", out.display(), component.len());
    let pin = format!(
        "[[plugins]]\npath = \"plugins/{}\"\nsha256 = \"{sha}\"\n",
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    output::emit(
        None,
        format!("{sha}\n\nPin it in isms.toml:\n{pin}").as_bytes(),
    )?;
    Ok(EXIT_OK)
}

fn test(dir: &Path, workspace: &Path, as_of: Option<chrono::NaiveDate>) -> Result<u8, Failure> {
    let mut ws = crate::workspace::load(workspace)?;
    let as_of = as_of
        .or(ws.as_of())
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    ws.rewind(as_of);
    let options = Options::new(as_of);
    let (plugin, warnings) = load_dir(dir).map_err(Failure::Usage)?;
    for w in warnings {
        crate::output::note!("{w}");
    }
    let before = report::evaluate(&ws, options);
    let id = plugin.manifest.id.clone();
    let d = plugin.descriptor.clone();
    let (plugin_limits, plugin_shape) = (plugin.limits, plugin.shape);
    ws.replace_plugin(plugin);
    let after = report::evaluate(&ws, options);

    let mut o = String::new();
    let _ = writeln!(
        o,
        "plugin {} {} ({}), interface {}",
        d.id, d.version, d.name, d.interface_version
    );
    let _ = writeln!(o, "  {}", d.description);
    let (l, shape) = (&plugin_limits, &plugin_shape);
    let _ = writeln!(
        o,
        "\nComponent: {} bytes (limit {} MiB), {} functions (limit {}), largest function {} bytes (limit {} KiB)",
        shape.size,
        l.module_size >> 20,
        shape.functions,
        l.functions,
        shape.largest_function,
        l.function_size >> 10
    );
    if let Some(c) = after
        .assessment
        .plugin_costs
        .iter()
        .find(|c| c.plugin == id)
    {
        let _ = writeln!(
            o,
            "Fuel: at most {} per batch of {} scenarios (limit {}), {} in all over {} batches (limit {})",
            c.max_batch_fuel, l.batch_size, l.fuel, c.total_fuel, c.batches, l.run_fuel
        );
    }
    let _ = writeln!(
        o,
        "Limits: memory {} MiB in {} memories, {} tables of {} elements in all, {} instances, results {} MiB, deadline {} s per call",
        l.memory >> 20,
        l.memories,
        l.tables,
        l.table_elements,
        l.instances,
        l.result_size >> 20,
        l.deadline.as_secs()
    );
    let changed: Vec<(String, String, String)> = before
        .assessment
        .risks
        .iter()
        .zip(&after.assessment.risks)
        .filter(|(b, a)| b.inherent != a.inherent || b.residual != a.residual)
        .map(|(b, a)| {
            let m = &ws.risk_model().matrix;
            let name = |s: &isms_engine::risk::Score| {
                format!(
                    "{} x {} {}",
                    s.likelihood,
                    s.impact,
                    m.level_info(s.level).name
                )
            };
            (a.id(&ws), name(&b.inherent), name(&a.inherent))
        })
        .collect();
    let register = after
        .assessment
        .risks
        .iter()
        .filter(|r| matches!(r.source, RiskSource::Register(_)))
        .count();
    let _ = writeln!(
        o,
        "\nRisk levels changed: {} of {} scenarios ({register} in the register)",
        changed.len(),
        after.assessment.risks.len()
    );
    for (id, b, a) in changed.iter().take(20) {
        let _ = writeln!(o, "  {id}: {b} -> {a}");
    }
    if changed.len() > 20 {
        let _ = writeln!(o, "  ... and {} more", changed.len() - 20);
    }
    let _ = writeln!(o, "\nApplicability reasons added:");
    let source = format!("plugin:{id}");
    let mut any = false;
    for row in &after.soa.rows {
        for r in row.reasons.iter().filter(|r| r.source == source) {
            any = true;
            let _ = writeln!(o, "  {} [{}] {}", row.id, r.category, r.text);
        }
    }
    if !any {
        let _ = writeln!(o, "  none");
    }
    let _ = writeln!(o, "\nFindings:");
    let findings: Vec<_> = after
        .assessment
        .plugin_findings
        .iter()
        .filter(|f| f.plugin == id)
        .collect();
    if findings.is_empty() {
        let _ = writeln!(o, "  none");
    }
    for f in findings {
        let _ = writeln!(
            o,
            "  {} {} {}: {}",
            f.severity,
            f.code,
            ws.asset(f.asset).id,
            f.message
        );
    }
    let failures: Vec<_> = after
        .assessment
        .plugin_failures
        .iter()
        .filter(|f| f.plugin == id)
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(o, "\nFailures:");
        for f in &failures {
            let _ = writeln!(o, "  {f}");
        }
    }
    output::emit(None, o.as_bytes())?;
    Ok(if failures.is_empty() {
        EXIT_OK
    } else {
        crate::exit::EXIT_BAD_INPUT
    })
}
