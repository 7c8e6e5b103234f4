//! What a rule reads, in the terms of the workspace: fields of the engine's records, free
//! asset attributes (columns of the inventory) and organisation facts (the profile's
//! `[facts]`). The paths come from [`super::expr::Expr::reads`].

use serde::Serialize;

/// What a read path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadKind {
    /// A field of a record the engine builds (`asset.owner`, `threat.category`,
    /// `inventory.types.supplier`, `org.sector`).
    Field,
    /// A free column of the asset inventory (`asset.attributes.internet_facing`).
    Attribute,
    /// A fact of the organisation profile (`org.uses_cloud`).
    Fact,
}

/// Profile fields `org` carries besides the facts.
const ORG_FIELDS: &[&str] = &["name", "sector"];

/// Splits a read path into its kind and the name to show: the path itself for a field, the
/// attribute's or fact's name otherwise (`asset.attributes.mfa` -> `mfa`).
pub fn classify(path: &str) -> (ReadKind, &str) {
    let first_segment = |rest: &'_ str| -> usize { rest.find('.').unwrap_or(rest.len()) };
    if let Some(rest) = path.strip_prefix("asset.attributes.") {
        return (ReadKind::Attribute, &rest[..first_segment(rest)]);
    }
    if let Some(rest) = path.strip_prefix("org.") {
        let name = &rest[..first_segment(rest)];
        if !ORG_FIELDS.contains(&name) {
            return (ReadKind::Fact, name);
        }
    }
    (ReadKind::Field, path)
}

/// The reads of one or more expressions, sorted and without repeats, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reads {
    pub fields: Vec<String>,
    pub attributes: Vec<String>,
    pub facts: Vec<String>,
}

impl Reads {
    /// Sorts the read paths of `paths` by kind.
    pub fn of<'a>(paths: impl IntoIterator<Item = &'a str>) -> Reads {
        let mut r = Reads::default();
        for path in paths {
            let (kind, name) = classify(path);
            let list = match kind {
                ReadKind::Field => &mut r.fields,
                ReadKind::Attribute => &mut r.attributes,
                ReadKind::Fact => &mut r.facts,
            };
            list.push(name.to_owned());
        }
        for list in [&mut r.fields, &mut r.attributes, &mut r.facts] {
            list.sort_unstable();
            list.dedup();
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_fields_attributes_or_facts() {
        assert_eq!(
            classify("asset.attributes.internet_facing"),
            (ReadKind::Attribute, "internet_facing")
        );
        assert_eq!(
            classify("asset.attributes.vendor.name"),
            (ReadKind::Attribute, "vendor")
        );
        assert_eq!(
            classify("asset.attributes"),
            (ReadKind::Field, "asset.attributes")
        );
        assert_eq!(classify("org.uses_cloud"), (ReadKind::Fact, "uses_cloud"));
        assert_eq!(classify("org.sector"), (ReadKind::Field, "org.sector"));
        assert_eq!(classify("org"), (ReadKind::Field, "org"));
        assert_eq!(
            classify("inventory.types.supplier"),
            (ReadKind::Field, "inventory.types.supplier")
        );
    }

    #[test]
    fn reads_are_grouped_sorted_and_unique() {
        let r = Reads::of([
            "org.uses_cloud",
            "asset.owner",
            "asset.attributes.mfa",
            "asset.attributes.mfa",
            "asset.attributes.has_access",
            "org.name",
        ]);
        assert_eq!(r.fields, ["asset.owner", "org.name"]);
        assert_eq!(r.attributes, ["has_access", "mfa"]);
        assert_eq!(r.facts, ["uses_cloud"]);
    }
}
