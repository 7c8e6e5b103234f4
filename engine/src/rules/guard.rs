//! Limits checked on the text of an expression before the `cel` crate sees it.
//!
//! The `cel` parser, the compile-time checks and both evaluators recurse once per level of the
//! syntax tree, so an expression nested a few hundred levels deep (`((((...))))`, a chain of
//! `+` or of `[0]`) overflows the stack and aborts the process: no error, no exit code 2. A
//! rule set is input, so [`check`] refuses, with a located [`CompileError`], an expression
//! longer than [`MAX_LEN`] bytes or nested deeper than [`MAX_DEPTH`] levels.
//!
//! The depth is estimated from the tokens, conservatively (it never underestimates the depth
//! of the tree `cel` builds): every open bracket (`(`, `[`, `{`) adds a level, and so does every
//! operator or index chained at the same bracket level (`a + b + c` is a left-deep tree,
//! `x.a.b` and `x[0][0]` too),
//! except `&&` and `||`, whose chains `cel` builds as balanced trees, and `,`, which separates
//! siblings. Both reset the chain count. String literals and comments are skipped.

use super::error::CompileError;

/// Longest expression accepted, in bytes (real rules are a few hundred bytes).
pub const MAX_LEN: usize = 64 * 1024;

/// Deepest nesting accepted: brackets plus chained operators (real rules nest fewer than 10).
pub const MAX_DEPTH: usize = 64;

/// Refuses an expression that is too long or nested too deep to parse and evaluate safely.
pub fn check(source: &str) -> Result<(), CompileError> {
    if source.len() > MAX_LEN {
        let mut at = MAX_LEN;
        while !source.is_char_boundary(at) {
            at -= 1;
        }
        return Err(CompileError {
            message: format!(
                "the expression is {} bytes long; at most {MAX_LEN} are allowed (split the rule)",
                source.len()
            ),
            offset: at,
            len: 1,
        });
    }
    let bytes = source.as_bytes();
    // Chained operators per open bracket level; the depth is brackets + the chains' sum.
    let mut chains: Vec<usize> = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        match b {
            b'"' | b'\'' => {
                i = skip_string(bytes, i, raw_prefix(bytes, i));
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'[' => {
                // An index chains like an operator: `a[0][0]` is as deep as `a + 0 + 0`.
                count(&mut chains);
                chains.push(0);
            }
            b'(' | b'{' => chains.push(0),
            // A stray closing bracket is cel's to report; the outer level stays.
            b')' | b']' | b'}' if chains.len() > 1 => {
                chains.pop();
            }
            b'&' | b'|' => {
                while i + 1 < bytes.len() && bytes[i + 1] == b {
                    i += 1;
                }
                reset(&mut chains);
            }
            b',' => reset(&mut chains),
            b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'=' | b'!' | b'.' | b'?' => {
                // One operator token (`==`, `<=`, `!=`), counted once.
                while i + 1 < bytes.len() && matches!(bytes[i + 1], b'=') {
                    i += 1;
                }
                count(&mut chains);
            }
            b'i' if bytes.get(i + 1) == Some(&b'n')
                && !ident_byte(bytes.get(i + 2))
                && (i == 0 || !ident_byte(bytes.get(i - 1))) =>
            {
                i += 1;
                count(&mut chains);
            }
            _ => {}
        }
        let nesting = chains.len() - 1 + chains.iter().sum::<usize>();
        if nesting > MAX_DEPTH {
            return Err(CompileError {
                message: format!(
                    "the expression nests more than {MAX_DEPTH} levels deep here (brackets and \
                     chained operators); simplify it or split the rule"
                ),
                offset: start,
                len: 1,
            });
        }
        i += 1;
    }
    Ok(())
}

/// The chain of the innermost bracket level starts again (`chains` is never empty).
fn reset(chains: &mut [usize]) {
    if let Some(c) = chains.last_mut() {
        *c = 0;
    }
}

/// One more operator chained at the innermost bracket level.
fn count(chains: &mut [usize]) {
    if let Some(c) = chains.last_mut() {
        *c += 1;
    }
}

fn ident_byte(b: Option<&u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// Whether the string literal starting at `i` has a raw prefix (`r"..."`, `br'...'`).
fn raw_prefix(bytes: &[u8], i: usize) -> bool {
    let before = |k: usize| i.checked_sub(k).map(|j| bytes[j].to_ascii_lowercase());
    before(1) == Some(b'r')
        && match before(2) {
            None | Some(b'b') => true,
            Some(p) => !ident_byte(Some(&p)),
        }
}

/// The index after the string literal that opens at `i` (to the end when unterminated).
fn skip_string(bytes: &[u8], i: usize, raw: bool) -> usize {
    let q = bytes[i];
    let triple = bytes.get(i + 1) == Some(&q) && bytes.get(i + 2) == Some(&q);
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < bytes.len() {
        let c = bytes[j];
        if c == b'\\' && !raw {
            j += 2;
            continue;
        }
        if c == q && (!triple || (bytes.get(j + 1) == Some(&q) && bytes.get(j + 2) == Some(&q))) {
            return j + if triple { 3 } else { 1 };
        }
        if c == b'\n' && !triple {
            return j;
        }
        j += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_error(e: &str) -> Option<usize> {
        check(e).err().map(|e| e.offset)
    }

    #[test]
    fn ordinary_rules_pass() {
        for e in [
            "asset.type == 'x' && asset.confidentiality >= 4",
            "has(asset.attributes.internet_facing) && asset.attributes.internet_facing == true && threat.category in ['a', 'b']",
            "(asset.internet_facing ? likelihood + 1 : likelihood) * asset.confidentiality >= 12",
            "asset.tags.exists(t, t.startsWith('prod')) || inventory.types.supplier > 0",
            "'(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((' == asset.name",
            r#"r"\((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((" == asset.name"#,
        ] {
            assert_eq!(check(e), Ok(()), "{e}");
        }
        // `&&` and `||` chains are balanced by the parser, so they may be long.
        let long = vec!["asset.location == 'x'"; 2000].join(" || ");
        assert_eq!(check(&long), Ok(()));
    }

    #[test]
    fn deep_brackets_are_refused_where_they_get_too_deep() {
        let e = format!("{}true{}", "(".repeat(1000), ")".repeat(1000));
        assert_eq!(depth_error(&e), Some(MAX_DEPTH));
        let ok = format!("{}true{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(check(&ok), Ok(()));
        let e = format!("asset.tags{}", "[0]".repeat(100));
        assert!(depth_error(&e).is_some());
    }

    #[test]
    fn long_operator_chains_are_refused() {
        let e = format!("asset.confidentiality{} > 1", " + 1".repeat(300));
        assert!(depth_error(&e).is_some());
        let e = format!("asset{} == 1", ".x".repeat(300));
        assert!(depth_error(&e).is_some());
    }

    #[test]
    fn huge_expressions_are_refused_at_the_limit() {
        let e = "x".repeat(1_000_000);
        let err = check(&e).unwrap_err();
        assert_eq!(err.offset, MAX_LEN);
        assert!(err.message.contains("1000000 bytes"), "{}", err.message);
        let e = "é".repeat(MAX_LEN);
        assert!(e.is_char_boundary(check(&e).unwrap_err().offset));
    }
}
