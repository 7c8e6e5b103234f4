//! Plugin manifests (`plugin.toml`) and the workspace's pins, and loading with every check
//! done before a plugin may run.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::{INTERFACE_VERSION, Limits, Plugin, engine, run};
use crate::diag::Diagnostics;
use crate::load::{SourceFile, hex};

/// `plugin.toml`, beside the plugin's component.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PluginManifest {
    pub id: String,
    pub name: String,
    pub version: String,
    /// The interface version the plugin was built for.
    pub interface: String,
    /// The component file, relative to the manifest.
    pub wasm: String,
    #[serde(default)]
    pub description: String,
}

use serde::Serialize;

/// A `[[plugins]]` entry of isms.toml: where the plugin is and the sha256 it must have.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginPin {
    /// Directory holding `plugin.toml`, relative to the workspace.
    pub path: Spanned<String>,
    /// Lowercase hex sha256 of the component; a mismatch refuses to load.
    pub sha256: Spanned<String>,
}

/// Major version of an interface version string.
fn major(v: &str) -> Option<&str> {
    v.split('.').next().filter(|m| !m.is_empty())
}

/// Why a plugin was refused.
struct Refusal {
    message: String,
    help: &'static str,
    /// The problem is the pinned hash (reported at the pin rather than the path).
    hash: bool,
}

fn refusal(message: String, help: &'static str) -> Refusal {
    Refusal {
        message,
        help,
        hash: false,
    }
}

/// Loads one plugin directory: manifest, interface version, pinned hash (when given),
/// compilation, the no-import rule and `describe`.
fn load_one(
    dir: &Path,
    root: &Path,
    pin: Option<&str>,
    limits: Limits,
    diags: &mut Diagnostics,
) -> Result<(Plugin, SourceFile), Option<Refusal>> {
    let source = SourceFile::read(&dir.join("plugin.toml"), root).map_err(|d| {
        Some(refusal(
            d.message,
            "a plugin directory holds plugin.toml and the component it names",
        ))
    })?;
    // Syntax errors of plugin.toml are reported in that file by parse_toml.
    let pm = crate::load::parse_toml::<PluginManifest>(&source, diags).ok_or(None)?;
    if major(&pm.interface) != major(INTERFACE_VERSION) {
        return Err(Some(refusal(
            format!(
                "plugin `{}` is built for interface {}; this host implements {INTERFACE_VERSION}",
                pm.id, pm.interface
            ),
            "rebuild the plugin against the current SDK",
        )));
    }
    let wasm_path = dir.join(&pm.wasm);
    let bytes = std::fs::read(&wasm_path).map_err(|e| {
        Some(refusal(
            format!("cannot read {}: {e}", wasm_path.display()),
            "build the plugin with `isms plugin build`",
        ))
    })?;
    let sha = hex(&Sha256::digest(&bytes));
    if let Some(pin) = pin
        && sha != pin.trim().to_ascii_lowercase()
    {
        return Err(Some(Refusal {
            message: format!(
                "plugin `{}`: {} has sha256 {sha}, not the pinned {pin}; refusing to load it",
                pm.id, pm.wasm
            ),
            help: "if you trust this build, pin its sha256 (printed by `isms plugin build`)",
            hash: true,
        }));
    }
    let component = super::cache::compile(engine(), &bytes, &sha).map_err(|e| {
        Some(refusal(
            format!(
                "plugin `{}`: {} is not a valid component: {e:#}",
                pm.id, pm.wasm
            ),
            "build the plugin with `isms plugin build`, which makes a component",
        ))
    })?;
    let imports: Vec<String> = component
        .component_type()
        .imports(engine())
        .map(|(name, _)| name.to_owned())
        .collect();
    if !imports.is_empty() {
        return Err(Some(refusal(
            format!(
                "plugin `{}` imports {}; plugins may import nothing (no files, network, clock or randomness)",
                pm.id,
                imports.join(", ")
            ),
            "remove the imports: a plugin only receives the batches the host sends",
        )));
    }
    let descriptor = run::describe(&component, &pm.id, limits).map_err(|f| {
        Some(refusal(
            f.to_string(),
            "the plugin must answer describe() within its limits",
        ))
    })?;
    if descriptor.id != pm.id {
        return Err(Some(refusal(
            format!(
                "plugin.toml says id `{}` but the component describes itself as `{}`",
                pm.id, descriptor.id
            ),
            "make the ids agree",
        )));
    }
    let plugin = Plugin {
        manifest: pm,
        descriptor,
        sha256: sha,
        dir: dir.to_owned(),
        component,
        limits,
    };
    Ok((plugin, source))
}

/// Loads a plugin directory without a pin (the author's own build, for `isms plugin test`).
pub fn load_dir(dir: &Path, limits: Limits) -> Result<Plugin, String> {
    let mut diags = Diagnostics::default();
    match load_one(dir, dir, None, limits, &mut diags) {
        Ok((p, _)) => Ok(p),
        Err(Some(r)) => Err(format!("{} ({})", r.message, r.help)),
        Err(None) => Err(diags
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

/// Loads, verifies, compiles and describes every pinned plugin. Problems are diagnostics at
/// the manifest entry (or in the plugin's own manifest); a refused plugin is not loaded.
pub fn load_plugins(
    pins: &[PluginPin],
    manifest: &SourceFile,
    root: &Path,
    limits: Limits,
    diags: &mut Diagnostics,
    sources: &mut Vec<Arc<SourceFile>>,
) -> Vec<Plugin> {
    let mut plugins: Vec<Plugin> = Vec::new();
    for pin in pins {
        let dir = root.join(pin.path.get_ref());
        match load_one(&dir, root, Some(pin.sha256.get_ref()), limits, diags) {
            Ok((plugin, source)) => {
                if plugins.iter().any(|p| p.manifest.id == plugin.manifest.id) {
                    let at = pin.path.span();
                    diags.push(manifest.error_at(
                        "load::plugin",
                        at.start,
                        at.len(),
                        None,
                        format!("plugin `{}` is listed twice", plugin.manifest.id),
                    ));
                    continue;
                }
                sources.push(Arc::new(source));
                plugins.push(plugin);
            }
            Err(Some(r)) => {
                let at = if r.hash {
                    pin.sha256.span()
                } else {
                    pin.path.span()
                };
                let code = if r.hash {
                    "load::plugin-hash"
                } else {
                    "load::plugin"
                };
                diags.push(
                    manifest
                        .error_at(code, at.start, at.len(), None, r.message)
                        .with_help(r.help),
                );
            }
            Err(None) => {}
        }
    }
    plugins
}
