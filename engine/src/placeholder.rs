//! Placeholder text (`N/A`, `TBD`, `see above`, ...) that stands where a justification, a
//! reference or evidence should be: the gap checks and the controls' effectiveness both see
//! through it, with the list the manifest's `[gaps] placeholders` sets.

/// A text as placeholders are compared: trimmed, lower case, without closing punctuation
/// (`N/A.` is `n/a`); text that is only punctuation (`-`, `...`) stays as it is.
pub fn placeholder_key(text: &str) -> String {
    let lower = text.trim().to_lowercase();
    let stripped = lower
        .trim_end_matches(['.', ',', ';', ':', '!'])
        .trim()
        .to_owned();
    if stripped.is_empty() { lower } else { stripped }
}

/// Whether a justification or reference says nothing: empty, or a placeholder of the list.
pub fn is_placeholder(text: &str, placeholders: &[String]) -> bool {
    let key = placeholder_key(text);
    key.is_empty() || placeholders.contains(&key)
}
