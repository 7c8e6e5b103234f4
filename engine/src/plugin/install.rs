//! Installing a pinned plugin: every check done before it may run, then compilation and
//! `describe`. The order matters: `plugin.toml`'s own checks (paths inside the plugin's
//! folder, limits within the host's maxima), the pinned sha256 of the exact bytes read, the
//! component's shape against its limits, and only then compilation, the no-import rule and
//! `describe`.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::limits::{CheckedLimits, LimitSettings, Limits, resolve};
use super::manifest::{PluginPin, RawManifest, at, check_manifest, major};
use super::{
    INTERFACE_VERSION, Plugin, PluginManifest, SectorPluginPre, engine, precheck, run, text,
};
use crate::diag::{Diagnostic, Diagnostics};
use crate::input::{SourceFile, hex};

/// Why a plugin was refused, when the reason belongs at the workspace's pin (the file, the
/// hash, the component) rather than in `plugin.toml`.
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

/// Reads the component, refusing a file outside the plugin's folder (through a symbolic link)
/// or larger than the plugin may be, without reading more than that.
fn read_component(dir: &Path, wasm: &str, limit: usize) -> Result<Vec<u8>, Refusal> {
    let path = dir.join(wasm);
    let cannot = |e: std::io::Error| {
        refusal(
            format!("cannot read {}: {e}", path.display()),
            "build the plugin with `isms plugin build`",
        )
    };
    let real = path.canonicalize().map_err(cannot)?;
    let folder = dir.canonicalize().map_err(cannot)?;
    if !real.starts_with(&folder) {
        return Err(refusal(
            format!(
                "{} resolves to {}, outside the plugin's folder",
                path.display(),
                real.display()
            ),
            "a plugin's component must be a file inside its folder",
        ));
    }
    // Only a regular file: a FIFO or a device would block or never end.
    if !std::fs::metadata(&real).map_err(cannot)?.is_file() {
        return Err(refusal(
            format!("{} is not a regular file", path.display()),
            "a plugin's component must be a file inside its folder",
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&real)
        .and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() > limit {
        return Err(refusal(
            format!(
                "{} is larger than its limit of {} MiB (`module_mib`)",
                path.display(),
                limit >> 20
            ),
            "raise `module_mib` in [limits] of plugin.toml if the plugin really is this large",
        ));
    }
    Ok(bytes)
}

/// Loads one plugin directory: manifest, limits, interface version, pinned hash (when
/// given), shape, compilation, the no-import rule and `describe`.
fn load_one(
    dir: &Path,
    root: &Path,
    pin: Option<&str>,
    workspace_limits: &CheckedLimits,
    diags: &mut Diagnostics,
) -> Result<(Plugin, SourceFile), Option<Refusal>> {
    let source = SourceFile::read(&dir.join("plugin.toml"), root).map_err(|d| {
        Some(refusal(
            d.message,
            "a plugin directory holds plugin.toml and the component it names",
        ))
    })?;
    // Syntax errors of plugin.toml are reported in that file by parse_toml.
    let raw = crate::input::parse_toml::<RawManifest>(&source, diags).ok_or(None)?;
    let errors = diags.error_count();
    let own_limits = raw.limits.checked(&source, diags);
    let limits: Limits = resolve(&[workspace_limits, &own_limits]);
    if !check_manifest(&raw, &source, diags) || diags.error_count() > errors {
        return Err(None);
    }
    let pm = PluginManifest {
        id: raw.id.get_ref().clone(),
        name: raw.name.get_ref().clone(),
        version: raw.version.get_ref().clone(),
        interface: raw.interface.get_ref().clone(),
        wasm: raw.wasm.get_ref().clone(),
        description: raw
            .description
            .as_ref()
            .map(|d| d.get_ref().clone())
            .unwrap_or_default(),
    };
    if major(&pm.interface) != major(INTERFACE_VERSION) {
        diags.push(at(
            &source,
            &raw.interface,
            format!(
                "plugin `{}` is built for interface {}; this host implements {INTERFACE_VERSION}",
                pm.id, pm.interface
            ),
            "rebuild the plugin against the current SDK",
        ));
        return Err(None);
    }
    let bytes = read_component(dir, &pm.wasm, limits.module_size).map_err(Some)?;
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
    let shape = precheck::check(&bytes, &limits).map_err(|why| {
        Some(refusal(
            format!("plugin `{}`: {} {why}", pm.id, pm.wasm),
            "a component over its limits is not compiled; raise the limit in plugin.toml's [limits] within the host maximum",
        ))
    })?;
    let compiled = super::cache::compile(engine(), &bytes, &sha).map_err(|e| {
        Some(refusal(
            format!(
                "plugin `{}`: {} is not a valid component: {}",
                pm.id,
                pm.wasm,
                text::one_line(&format!("{e:#}"), 1200)
            ),
            "build the plugin with `isms plugin build`, which makes a component",
        ))
    })?;
    if let Some(warning) = compiled.warning {
        diags.push(Diagnostic::error("load::plugin-cache", warning).warning());
    }
    let component = compiled.component;
    let imports: Vec<String> = component
        .component_type()
        .imports(engine())
        .map(|(name, _)| text::one_line(name, 200))
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
    let pre = wasmtime::component::Linker::new(engine())
        .instantiate_pre(&component)
        .and_then(SectorPluginPre::new)
        .map_err(|e| {
            Some(refusal(
                format!(
                    "plugin `{}` does not export the isms:plugin@{INTERFACE_VERSION} api: {}",
                    pm.id,
                    text::one_line(&format!("{e:#}"), 1200)
                ),
                "build the plugin with the isms plugin SDK",
            ))
        })?;
    let descriptor = run::describe(&pre, &pm.id, limits).map_err(|f| {
        Some(refusal(
            f.to_string(),
            "the plugin must answer describe() within its limits",
        ))
    })?;
    // plugin.toml must describe the component it ships.
    let agree = [
        ("id", &raw.id, &descriptor.id),
        ("interface", &raw.interface, &descriptor.interface_version),
        ("version", &raw.version, &descriptor.version),
    ];
    for (field, manifest, described) in agree {
        if manifest.get_ref() != described {
            diags.push(at(
                &source,
                manifest,
                format!(
                    "plugin.toml says {field} {} but the component describes itself with {}",
                    manifest.get_ref(),
                    text::one_line(described, 80)
                ),
                "the manifest must describe the component it ships: rebuild, or correct it",
            ));
            return Err(None);
        }
    }
    let plugin = Plugin {
        manifest: pm,
        descriptor,
        sha256: sha,
        dir: dir.to_owned(),
        pre,
        limits,
        shape,
    };
    Ok((plugin, source))
}

/// Loads a plugin directory without a pin (the author's own build, for `isms plugin test`),
/// under the limits its own `plugin.toml` sets. Warnings (an unusable cache) are returned
/// with the plugin.
pub fn load_dir(dir: &Path) -> Result<(Plugin, Vec<String>), String> {
    let mut diags = Diagnostics::default();
    let result = load_one(dir, dir, None, &CheckedLimits::default(), &mut diags);
    let messages = |diags: &Diagnostics, errors: bool| -> Vec<String> {
        diags
            .iter()
            .filter(|d| d.is_error() == errors)
            .map(ToString::to_string)
            .collect()
    };
    match result {
        Ok((p, _)) => Ok((p, messages(&diags, false))),
        Err(Some(r)) => Err(format!("{} ({})", r.message, r.help)),
        Err(None) => Err(messages(&diags, true).join("\n")),
    }
}

/// Loads, verifies, compiles and describes every pinned plugin. Problems are diagnostics at
/// the manifest entry (or in the plugin's own manifest); a refused plugin is not loaded.
pub fn load_plugins(
    pins: &[PluginPin],
    manifest: &SourceFile,
    root: &Path,
    workspace_limits: Option<&LimitSettings>,
    diags: &mut Diagnostics,
    sources: &mut Vec<Arc<SourceFile>>,
) -> Vec<Plugin> {
    let mut plugins: Vec<Plugin> = Vec::new();
    // Checked once, so a bad value is reported once, with or without plugins.
    let workspace_limits = workspace_limits
        .map(|l| l.checked(manifest, diags))
        .unwrap_or_default();
    for pin in pins {
        let dir = root.join(pin.path.get_ref());
        match load_one(
            &dir,
            root,
            Some(pin.sha256.get_ref()),
            &workspace_limits,
            diags,
        ) {
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
