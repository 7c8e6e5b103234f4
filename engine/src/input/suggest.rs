//! "Did you mean": the known field an export's column header most likely stands for, so that
//! a CMDB's `Owned By` or `Asset ID` is reported with the field it should map to instead of
//! silently becoming a free attribute.

/// Synonyms exports use for the fields, in normalised spelling (see [`normalise`]): checked
/// after an exact match and before edit distance, because they are not near in spelling.
const SYNONYMS: &[(&str, &str)] = &[
    ("assetid", "id"),
    ("assetnumber", "id"),
    ("identifier", "id"),
    ("riskid", "id"),
    ("threatid", "id"),
    ("actionid", "id"),
    ("key", "id"),
    ("ownedby", "owner"),
    ("assetowner", "owner"),
    ("responsible", "owner"),
    ("dataclassification", "classification"),
    ("informationclassification", "classification"),
    ("classificationlevel", "classification"),
    ("assettype", "type"),
    ("category", "type"),
    ("assetname", "name"),
    ("displayname", "name"),
    ("hostname", "name"),
    ("controlid", "control"),
    ("annexa", "control"),
    ("applicability", "applicable"),
    ("isapplicable", "applicable"),
    ("reason", "justification"),
    ("duedate", "due"),
    ("deadline", "due"),
    ("site", "location"),
    ("department", "business_unit"),
    ("dependencies", "depends_on"),
    ("label", "tags"),
    ("labels", "tags"),
];

/// Case, spaces, `-`, `_` and `.` removed: `Asset ID`, `asset-id` and `asset_id` are one.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The known field `header` most likely means, or `None`.
///
/// In order: the same name once case, spaces, `-`, `_` and `.` are ignored (`Business Unit` ->
/// `business_unit`); a synonym exports use (`Asset ID` -> `id`, `Owned By` -> `owner`,
/// `Data Classification` -> `classification`); a known field of at least four letters that the
/// header starts or ends with (`Asset Owner` -> `owner`); a misspelling within an edit
/// distance of a quarter of the field's length (`Clasification` -> `classification`). Short
/// fields (`id`) are never guessed from spelling alone: `ip` is not `id`.
pub fn suggest_field<'k>(header: &str, known: &[&'k str]) -> Option<&'k str> {
    let wanted = normalise(header);
    if wanted.is_empty() {
        return None;
    }
    let normal: Vec<(String, &'k str)> = known.iter().map(|k| (normalise(k), *k)).collect();
    if let Some((_, k)) = normal.iter().find(|(n, _)| *n == wanted) {
        return Some(k);
    }
    if let Some((_, field)) = SYNONYMS.iter().find(|(s, _)| *s == wanted)
        && let Some(k) = known.iter().find(|k| **k == *field)
    {
        return Some(k);
    }
    let affix = normal
        .iter()
        .filter(|(n, _)| {
            n.len() >= 4 && (wanted.starts_with(n.as_str()) || wanted.ends_with(n.as_str()))
        })
        .max_by_key(|(n, _)| n.len());
    if let Some((_, k)) = affix {
        return Some(k);
    }
    normal
        .iter()
        .filter(|(n, _)| n.chars().count() >= 4)
        .map(|(n, k)| {
            (
                strsim::damerau_levenshtein(&wanted, n),
                n.chars().count(),
                *k,
            )
        })
        .filter(|(distance, len, _)| *distance <= (len / 4).max(1))
        .min_by_key(|(distance, _, _)| *distance)
        .map(|(_, _, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASSET: &[&str] = &[
        "id",
        "name",
        "type",
        "owner",
        "location",
        "business_unit",
        "classification",
        "depends_on",
    ];

    #[test]
    fn cmdb_headers_find_their_fields() {
        assert_eq!(suggest_field("Asset ID", ASSET), Some("id"));
        assert_eq!(suggest_field("Owned By", ASSET), Some("owner"));
        assert_eq!(
            suggest_field("Data Classification", ASSET),
            Some("classification")
        );
        assert_eq!(suggest_field("Business-Unit", ASSET), Some("business_unit"));
        assert_eq!(suggest_field("OWNER", ASSET), Some("owner"));
        assert_eq!(suggest_field("Asset Owner", ASSET), Some("owner"));
        assert_eq!(
            suggest_field("Clasification", ASSET),
            Some("classification")
        );
        assert_eq!(suggest_field("Depends.On", ASSET), Some("depends_on"));
    }

    #[test]
    fn unrelated_headers_find_nothing() {
        assert_eq!(suggest_field("ip", ASSET), None);
        assert_eq!(suggest_field("Serial Number", ASSET), None);
        assert_eq!(suggest_field("internet_facing", ASSET), None);
        assert_eq!(suggest_field("", ASSET), None);
        assert_eq!(suggest_field(" - ", ASSET), None);
    }

    #[test]
    fn synonyms_only_name_known_fields() {
        // `control` is no field of an asset, so the SoA synonym does not apply.
        assert_eq!(suggest_field("Control ID", ASSET), None);
        assert_eq!(
            suggest_field("Control ID", &["control", "applicable"]),
            Some("control")
        );
    }
}
