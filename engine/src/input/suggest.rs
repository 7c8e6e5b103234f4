//! Which model field a column header of an export means (`Asset ID` -> `id`, `Owned By` ->
//! `owner`): CMDB and HR exports name their columns for people, not for this engine, and
//! mapping them by hand is where a new workspace stalls. `isms init --from` proposes the
//! mapping with this; the user reviews it before anything is read through it.

/// The model field `header` most likely means, among `known` (the fields of one record kind),
/// or `None` when nothing is close enough to propose.
///
/// In order, the first that matches wins:
/// 1. the header normalised (lower case; spaces, `-`, `_`, `.` and camelCase boundaries as
///    one `_`) equals a known field: `Business Unit`, `business-unit`, `BusinessUnit`;
/// 2. a synonym export tools use (`asset id`, `owned by`, `data classification`, `hostname`,
///    `department`, ...) of a known field;
/// 3. the header without a record noun in front (`Asset Owner`, `Risk Title`) equals a known
///    field;
/// 4. a known field within a small edit distance (one edit up to 7 characters, two from 8;
///    none below 4, where one edit turns a word into another: `id` vs `ip`), the closest
///    first and, on a tie, the earlier in `known`.
///
/// Deterministic, and linear in `known` for one header.
pub fn suggest_field<'k>(header: &str, known: &[&'k str]) -> Option<&'k str> {
    let h = normalise(header);
    if h.is_empty() {
        return None;
    }
    let find = |name: &str| known.iter().copied().find(|k| normalise(k) == name);
    if let Some(k) = find(&h) {
        return Some(k);
    }
    if let Some(k) = SYNONYMS
        .iter()
        .filter(|(synonym, _)| *synonym == h)
        .find_map(|(_, field)| find(field))
    {
        return Some(k);
    }
    if let Some(k) = RECORD_NOUNS
        .iter()
        .filter_map(|noun| h.strip_prefix(noun)?.strip_prefix('_'))
        .find_map(find)
    {
        return Some(k);
    }
    let allowed = match h.chars().count() {
        0..=3 => return None,
        4..=7 => 1,
        _ => 2,
    };
    known
        .iter()
        .copied()
        .map(|k| (strsim::levenshtein(&h, &normalise(k)), k))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// `Asset ID`, `asset-id`, `assetId` and `ASSET_ID` all become `asset_id`.
fn normalise(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut previous: Option<char> = None;
    for c in header.trim().trim_start_matches('\u{feff}').chars() {
        let separator = matches!(c, ' ' | '-' | '_' | '.' | '\t' | '/');
        // A lower-case letter or digit followed by a capital starts a new word (`assetId`).
        let camel_boundary =
            c.is_uppercase() && previous.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
        if (separator || camel_boundary) && !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        if !separator {
            out.extend(c.to_lowercase());
        }
        previous = Some(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// Words in front of a field name that only repeat what the file holds (`Asset Owner`).
const RECORD_NOUNS: &[&str] = &["asset", "ci", "item", "risk", "threat", "control", "action"];

/// Header names of common exports (normalised) and the field each means. A synonym counts only
/// when its field is among the known ones, so one table serves every record kind.
const SYNONYMS: &[(&str, &str)] = &[
    // identifiers and names
    ("asset_id", "id"),
    ("asset_tag", "id"),
    ("asset_number", "id"),
    ("ci_id", "id"),
    ("identifier", "id"),
    ("key", "id"),
    ("number", "id"),
    ("ref", "id"),
    ("reference", "id"),
    ("display_name", "name"),
    ("hostname", "name"),
    ("host_name", "name"),
    ("label", "name"),
    ("title", "name"),
    ("summary", "title"),
    // ownership and organisation
    ("owned_by", "owner"),
    ("responsible", "owner"),
    ("responsible_person", "owner"),
    ("managed_by", "owner"),
    ("custodian", "owner"),
    ("department", "business_unit"),
    ("division", "business_unit"),
    ("org_unit", "business_unit"),
    ("organisational_unit", "business_unit"),
    ("organizational_unit", "business_unit"),
    ("team", "business_unit"),
    ("cost_center", "business_unit"),
    ("cost_centre", "business_unit"),
    ("site", "location"),
    ("region", "location"),
    ("datacenter", "location"),
    ("data_center", "location"),
    // what the asset is
    ("category", "type"),
    ("class", "type"),
    ("ci_class", "type"),
    ("ci_type", "type"),
    ("kind", "type"),
    ("sub_type", "subtype"),
    ("subcategory", "subtype"),
    ("sub_category", "subtype"),
    ("model", "subtype"),
    ("data_classification", "classification"),
    ("information_classification", "classification"),
    ("classification_level", "classification"),
    ("sensitivity", "classification"),
    ("protection_level", "classification"),
    ("c", "confidentiality"),
    ("i", "integrity"),
    ("a", "availability"),
    ("lifecycle", "status"),
    ("lifecycle_status", "status"),
    ("state", "status"),
    ("operational_status", "status"),
    ("install_status", "status"),
    ("labels", "tags"),
    ("keywords", "tags"),
    ("depends", "depends_on"),
    ("dependencies", "depends_on"),
    ("runs_on", "depends_on"),
    ("hosted_on", "depends_on"),
    ("parent", "depends_on"),
    // dates and plans
    ("due_date", "due"),
    ("deadline", "due"),
    ("target_date", "due"),
    ("completed", "completed_on"),
    ("completion_date", "completed_on"),
    ("date_completed", "completed_on"),
    ("leaving_date", "left_on"),
    ("termination_date", "left_on"),
    ("exit_date", "left_on"),
    ("start_date", "joined_on"),
    ("hire_date", "joined_on"),
    ("revoked_on", "revoked"),
    ("revocation_date", "revoked"),
    ("disabled_on", "revoked"),
    ("annex_a_control", "control"),
    ("control_id", "control"),
];

#[cfg(test)]
mod tests {
    use super::*;

    const ASSET: &[&str] = &[
        "id",
        "name",
        "type",
        "subtype",
        "owner",
        "location",
        "business_unit",
        "classification",
        "confidentiality",
        "integrity",
        "availability",
        "status",
        "tags",
        "depends_on",
    ];

    #[test]
    fn normalises_case_separators_and_camel_case() {
        assert_eq!(normalise("  Asset ID "), "asset_id");
        assert_eq!(normalise("asset-id"), "asset_id");
        assert_eq!(normalise("assetId"), "asset_id");
        assert_eq!(normalise("ASSET__ID"), "asset_id");
        assert_eq!(normalise("Business.Unit"), "business_unit");
        assert_eq!(normalise("\u{feff}id"), "id");
        assert_eq!(normalise(" - "), "");
    }

    #[test]
    fn exact_then_synonym_then_noun_then_edit_distance() {
        let cases = [
            ("ID", Some("id")),
            ("Business Unit", Some("business_unit")),
            ("BusinessUnit", Some("business_unit")),
            ("Asset ID", Some("id")),
            ("Owned By", Some("owner")),
            ("Data Classification", Some("classification")),
            ("Hostname", Some("name")),
            ("Department", Some("business_unit")),
            ("Asset Owner", Some("owner")),
            ("Asset Type", Some("type")),
            ("CI Status", Some("status")),
            ("Clasification", Some("classification")),
            ("Ownr", Some("owner")),
            ("Availabilty", Some("availability")),
            ("Dependson", Some("depends_on")),
            ("Serial Number", None),
            ("Vendor", None),
            ("ip", None),
            ("", None),
        ];
        for (header, want) in cases {
            assert_eq!(suggest_field(header, ASSET), want, "{header}");
        }
    }

    #[test]
    fn a_synonym_counts_only_for_a_known_field() {
        // `title` means `name` for assets, but risks have a title of their own.
        assert_eq!(suggest_field("Title", ASSET), Some("name"));
        assert_eq!(suggest_field("Title", &["id", "title"]), Some("title"));
        assert_eq!(suggest_field("Owned By", &["id", "name"]), None);
        assert_eq!(
            suggest_field("Termination Date", &["id", "left_on"]),
            Some("left_on")
        );
    }

    #[test]
    fn ties_go_to_the_earlier_known_field() {
        assert_eq!(suggest_field("abce", &["abcd", "abcf"]), Some("abcd"));
        assert_eq!(suggest_field("abce", &["abcf", "abcd"]), Some("abcf"));
    }
}
