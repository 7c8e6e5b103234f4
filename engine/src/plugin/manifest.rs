//! Plugin manifests (`plugin.toml`) and the workspace's pins: what they say and the checks
//! of their values, located in the file.

#[cfg(feature = "plugins")]
use std::path::{Component as PathPart, Path};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::limits::LimitSettings;
#[cfg(feature = "plugins")]
use super::text;
#[cfg(feature = "plugins")]
use crate::diag::Diagnostic;
use crate::diag::Diagnostics;
use crate::input::SourceFile;

/// `plugin.toml`, beside the plugin's component, as checked.
#[derive(Debug, Clone, Serialize)]
pub struct PluginManifest {
    pub id: String,
    pub name: String,
    pub version: String,
    /// The interface version the plugin was built for.
    pub interface: String,
    /// The component file, relative to the manifest.
    pub wasm: String,
    pub description: String,
}

#[cfg(feature = "plugins")]
/// `plugin.toml` as written, with the places of its values for located errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub version: Spanned<String>,
    pub interface: Spanned<String>,
    pub wasm: Spanned<String>,
    #[serde(default)]
    pub description: Option<Spanned<String>>,
    /// What the plugin needs; it runs under the tighter of this and the workspace's setting.
    #[serde(default)]
    pub limits: LimitSettings,
}

/// A `[[plugins]]` entry of isms.toml: where the plugin is and the sha256 it must have.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginPin {
    /// Directory holding `plugin.toml`, relative to the workspace.
    pub path: Spanned<String>,
    /// Lowercase hex sha256 of the component; a mismatch refuses to load.
    pub sha256: Spanned<String>,
}

#[cfg(feature = "plugins")]
/// Major version of an interface version string.
pub(super) fn major(v: &str) -> Option<&str> {
    v.split('.').next().filter(|m| !m.is_empty())
}

#[cfg(feature = "plugins")]
/// A plugin id: what findings and reasons are reported under, and the namespace of its codes.
fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
}

#[cfg(feature = "plugins")]
/// An error at a value of `plugin.toml`.
pub(super) fn at<T>(
    source: &SourceFile,
    value: &Spanned<T>,
    message: String,
    help: &str,
) -> Diagnostic {
    let span = value.span();
    source
        .error_at("load::plugin", span.start, span.len(), None, message)
        .with_help(help.to_owned())
}

#[cfg(feature = "plugins")]
/// Checks `plugin.toml`'s values: id, texts, the component path. Each problem is a
/// diagnostic at its value.
pub(super) fn check_manifest(
    raw: &RawManifest,
    source: &SourceFile,
    diags: &mut Diagnostics,
) -> bool {
    let before = diags.error_count();
    if !valid_id(raw.id.get_ref()) {
        diags.push(at(
            source,
            &raw.id,
            format!(
                "plugin id {:?} is not valid",
                text::one_line(raw.id.get_ref(), 80)
            ),
            "1-64 characters: lowercase letters, digits, `-` and `_`, starting with a letter",
        ));
    }
    let texts = [&raw.name, &raw.version, &raw.interface, &raw.wasm]
        .into_iter()
        .chain(raw.description.as_ref());
    for value in texts {
        if let Err(why) = text::check(value.get_ref(), 4096) {
            diags.push(at(
                source,
                value,
                format!("this value {why}"),
                "plugin.toml values are one line of plain text",
            ));
        }
    }
    let wasm = Path::new(raw.wasm.get_ref());
    if !wasm
        .components()
        .all(|part| matches!(part, PathPart::Normal(_) | PathPart::CurDir))
    {
        diags.push(at(
            source,
            &raw.wasm,
            format!(
                "`wasm = {:?}` leaves the plugin's folder",
                text::one_line(raw.wasm.get_ref(), 200)
            ),
            "name the component by a path inside the folder that holds plugin.toml",
        ));
    }
    diags.error_count() == before
}

/// Without plugin support, every pinned plugin is refused at its pin.
#[cfg(not(feature = "plugins"))]
pub(crate) fn load_plugins(
    pins: &[PluginPin],
    manifest: &SourceFile,
    _root: &std::path::Path,
    _workspace_limits: Option<&LimitSettings>,
    diags: &mut Diagnostics,
    _sources: &mut Vec<std::sync::Arc<SourceFile>>,
) -> Vec<super::Plugin> {
    for pin in pins {
        let at = pin.path.span();
        diags.push(
            manifest
                .error_at(
                    "load::plugin",
                    at.start,
                    at.len(),
                    None,
                    "this build of isms has no plugin support",
                )
                .with_help(
                    "use a build with the `plugins` feature (the default), or remove the plugin",
                ),
        );
    }
    Vec::new()
}

#[cfg(all(test, feature = "plugins"))]
mod tests {
    use super::*;

    #[test]
    fn ids_are_a_namespace() {
        for ok in ["healthcare", "pci-dss", "nis2_energy", "a1"] {
            assert!(valid_id(ok), "{ok}");
        }
        for bad in [
            "",
            "Healthcare",
            "gap:x",
            "1abc",
            "a b",
            &"x".repeat(65),
            "\u{1b}[31m",
        ] {
            assert!(!valid_id(bad), "{bad:?}");
        }
    }
}

#[cfg(all(test, not(feature = "plugins")))]
mod without_host {
    use super::*;

    #[test]
    fn pinned_plugins_are_refused_at_their_pin() {
        let text = "path = \"plugins/x\"\nsha256 = \"00\"\n";
        let source =
            SourceFile::from_bytes("isms.toml".into(), "isms.toml".into(), text.as_bytes())
                .unwrap();
        let pin: PluginPin = toml::from_str(text).unwrap();
        let mut diags = Diagnostics::default();
        let loaded = load_plugins(
            &[pin],
            &source,
            std::path::Path::new("."),
            None,
            &mut diags,
            &mut Vec::new(),
        );
        assert!(loaded.is_empty());
        let messages: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            messages,
            ["isms.toml:1:8: this build of isms has no plugin support"]
        );
    }
}
