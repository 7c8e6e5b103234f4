//! The delimiter of a CSV file, from its header line: spreadsheets in many locales save "CSV"
//! with `;` (Excel in Germany, France, ...), and some tools write tabs or `|`.

/// The delimiters recognised, the comma first (it wins a tie).
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter of the header line `line`: the candidate that occurs most often outside
/// quotes, `,` when none occurs (a one-column file) or on a tie.
pub fn sniff_delimiter(line: &str) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for b in line.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = DELIMITERS.iter().position(|d| *d == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for (i, count) in counts.iter().enumerate() {
        if *count > counts[best] {
            best = i;
        }
    }
    DELIMITERS[best]
}

/// How a delimiter is written in messages and in `isms.toml`.
pub fn delimiter_name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "TAB (\"\\t\")".to_owned(),
        d => format!("`{}`", d as char),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_frequent_delimiter_of_the_header_wins() {
        assert_eq!(sniff_delimiter("id,name,type\n1;2;3"), b',');
        assert_eq!(sniff_delimiter("id;name;type"), b';');
        assert_eq!(sniff_delimiter("id\tname\ttype"), b'\t');
        assert_eq!(sniff_delimiter("id|name"), b'|');
        assert_eq!(sniff_delimiter("\"a;b\",c"), b',');
        assert_eq!(sniff_delimiter("Name, Owner;Type;Id"), b';');
    }

    #[test]
    fn no_delimiter_or_a_tie_is_a_comma() {
        assert_eq!(sniff_delimiter("id"), b',');
        assert_eq!(sniff_delimiter("a,b;c"), b',');
        assert_eq!(sniff_delimiter(""), b',');
    }
}
