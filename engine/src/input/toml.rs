//! TOML files (manifests, profiles, rule sets, plugin manifests) with located errors.

use serde::Deserialize;

use super::SourceFile;
use crate::diag::Diagnostics;

/// Parses a TOML file, reporting a syntax or shape error at its position.
pub(crate) fn parse_toml<T: for<'de> Deserialize<'de>>(
    source: &SourceFile,
    diags: &mut Diagnostics,
) -> Option<T> {
    match toml::from_str::<T>(&source.text) {
        Ok(v) => Some(v),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            diags.push(source.error_at(
                "load::toml",
                span.start,
                span.len(),
                None,
                e.message().to_owned(),
            ));
            None
        }
    }
}
