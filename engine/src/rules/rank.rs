//! Level names in order, shared by both evaluators' `rank()`.

/// The order of a level name: classifications `public`..`restricted` are 1..4, risk levels
/// `very low`..`very high` are 1..5; anything else is an error.
pub fn rank_of(name: &str) -> Option<i64> {
    let n = name.trim().to_ascii_lowercase().replace(['_', '-'], " ");
    let r = match n.as_str() {
        "public" => 1,
        "internal" => 2,
        "confidential" => 3,
        "restricted" => 4,
        "very low" => 1,
        "low" => 2,
        "medium" => 3,
        "high" => 4,
        "very high" => 5,
        _ => return None,
    };
    Some(r)
}
