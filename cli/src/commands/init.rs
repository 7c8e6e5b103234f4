//! `isms init [DIR]`: a new workspace that `isms check` accepts, with every organisation fact
//! the rules read explained in the profile, every Annex A control in the SoA waiting for a
//! decision, and empty registers with their headers. With `--from`, existing exports (a CMDB
//! asset export) are referenced where they are and their columns mapped to the model's fields
//! in `isms.toml`, the mapping printed for review.
//!
//! The exports are never copied: they are refreshed from the system that owns them, and a
//! copy would silently go stale (every report records the sha256 of what it read instead). A
//! file inside DIR is named relative to it; one outside by its absolute path, so the
//! workspace can move without breaking it (move the export into DIR to make the workspace
//! self-contained).

use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};

use isms_engine::catalog::{Catalog, CatalogId};
use isms_engine::discover::{self, Discovery, NameInfo};
use isms_engine::input::suggest_field;
use isms_engine::load;

use crate::exit::{EXIT_OK, Failure};
use crate::output::write_atomic;

/// The input kinds `--from KIND=FILE` accepts, with the fields of their records and the
/// fields a record cannot do without.
const KINDS: &[(&str, &[&str], &[&str])] = &[
    ("assets", load::ASSET_FIELDS, &["id", "type"]),
    ("threats", load::THREAT_FIELDS, &["id", "likelihood"]),
    ("risks", load::RISK_FIELDS, &["id", "assets"]),
    ("treatment_plan", load::ACTION_FIELDS, &["id"]),
    ("soa", load::SOA_FIELDS, &["control", "applicable"]),
    ("audits", load::AUDIT_FIELDS, &["id"]),
    ("findings", load::FINDING_FIELDS, &["id", "type"]),
    (
        "corrective_actions",
        load::CORRECTIVE_ACTION_FIELDS,
        &["id", "findings"],
    ),
    ("management_reviews", load::REVIEW_FIELDS, &["id", "date"]),
    ("documents", load::DOCUMENT_FIELDS, &["id"]),
    ("people", load::PERSON_FIELDS, &["id"]),
    (
        "accounts",
        load::ACCOUNT_FIELDS,
        &["id", "person", "system"],
    ),
];

/// At most this much of an export is read for its header row.
const HEADER_LIMIT: u64 = 1 << 20;

/// Width of the comment lines written into the TOML files.
const WIDTH: usize = 96;

/// What `isms init` was asked for.
pub struct Args<'a> {
    pub dir: &'a Path,
    pub from: &'a [String],
    pub catalog: CatalogId,
    pub force: bool,
}

/// One `--from` export: its kind, where it is, how the manifest names it, its columns.
struct Export {
    kind: &'static str,
    path: PathBuf,
    name: String,
    columns: Vec<Column>,
}

/// A column of an export and the model field it was taken to mean.
#[derive(Debug, PartialEq, Eq)]
struct Column {
    header: String,
    field: Option<&'static str>,
    /// The field it also matched, taken by an earlier or exact column.
    contested: Option<&'static str>,
}

pub fn run(args: &Args<'_>) -> Result<u8, Failure> {
    // The exports are read before DIR is created, so that a bad one leaves nothing behind.
    let read = args
        .from
        .iter()
        .map(|spec| read_export(spec))
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(args.dir)
        .map_err(|e| Failure::Io(format!("cannot create {}: {e}", args.dir.display())))?;
    let exports = read
        .into_iter()
        .map(|mut e| {
            e.name = manifest_name(args.dir, &e.path)?;
            Ok(e)
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let discovery = discover::builtin(args.catalog)?;
    let catalog = Catalog::builtin(args.catalog);
    let given = |kind: &str| exports.iter().any(|e| e.kind == kind);

    let mut files: Vec<(&str, String)> = vec![
        ("isms.toml", manifest(args, &exports, &discovery)),
        ("profile.toml", profile(args.dir, &discovery)),
    ];
    let mut asset_header: Vec<&str> = load::ASSET_FIELDS.to_vec();
    asset_header.extend(discovery.attributes.iter().map(|a| a.name.as_str()));
    let templates: [(&str, &str, String); 5] = [
        ("assets", "assets.csv", asset_header.join(",") + "\n"),
        (
            "threats",
            "threats.csv",
            load::THREAT_FIELDS.join(",") + "\n",
        ),
        ("risks", "risks.csv", load::RISK_FIELDS.join(",") + "\n"),
        (
            "treatment_plan",
            "treatment_plan.csv",
            load::ACTION_FIELDS.join(",") + "\n",
        ),
        ("soa", "soa.csv", soa(catalog)),
    ];
    for (kind, name, text) in templates {
        if !given(kind) {
            files.push((name, text));
        }
    }

    // Refuse before writing anything, so that a refusal leaves DIR as it was.
    for (name, _) in &files {
        let path = args.dir.join(name);
        if exports.iter().any(|e| same_file(&e.path, &path)) {
            return Err(Failure::Usage(format!(
                "{} is the export given with --from; isms init never overwrites it",
                path.display()
            )));
        }
        if !args.force && std::fs::symlink_metadata(&path).is_ok() {
            return Err(Failure::Usage(format!(
                "{} already exists; use --force to overwrite it",
                path.display()
            )));
        }
    }
    for (name, text) in &files {
        write_atomic(&args.dir.join(name), text.as_bytes())?;
    }

    let mut out = String::new();
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    let _ = writeln!(out, "Wrote {} in {}.", names.join(", "), args.dir.display());
    for e in &exports {
        out.push_str(&mapping_report(e, &discovery));
    }
    let dir = args.dir.display();
    let _ = writeln!(
        out,
        "\nNext: fill in profile.toml (the facts the rules read are listed there; `isms rules {dir}` \
         shows every rule), the inventories and the SoA decisions, then run `isms check {dir}` and \
         `isms gaps {dir}`."
    );
    if !exports.is_empty() {
        let _ = writeln!(
            out,
            "Review the column mapping above; it is in isms.toml under [files.\"...\"] columns."
        );
    }
    crate::output::emit(None, out.as_bytes())?;
    Ok(EXIT_OK)
}

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Reads a `--from [KIND=]FILE` argument: the kind (assets by default), the header row and
/// the inferred mapping; the name the manifest gives the file is set once DIR exists.
fn read_export(spec: &str) -> Result<Export, Failure> {
    let (kind, file) = match spec.split_once('=') {
        Some((k, f)) if KINDS.iter().any(|(name, _, _)| *name == k) => {
            (KINDS.iter().find(|(name, _, _)| *name == k), f)
        }
        _ => (KINDS.first(), spec),
    };
    let Some(&(kind, known, _)) = kind else {
        return Err(Failure::Usage("no input kinds".into()));
    };
    let path = PathBuf::from(file);
    let headers = read_headers(&path)?;
    Ok(Export {
        kind,
        name: String::new(),
        columns: map_columns(&headers, known),
        path,
    })
}

/// The header row of a CSV export, reading at most [`HEADER_LIMIT`] bytes of it.
fn read_headers(path: &Path) -> Result<Vec<String>, Failure> {
    let fail = |why: String| Failure::Usage(format!("{}: {why}", path.display()));
    if !path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        return Err(fail(
            "--from reads the header row of a CSV export (a .csv file)".into(),
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    let mut bytes = Vec::new();
    file.take(HEADER_LIMIT)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("cannot read it: {e}")))?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(body);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| match e.kind() {
            csv::ErrorKind::Utf8 { .. } => fail("the header row is not UTF-8 text".into()),
            _ => fail(format!("cannot read the header row: {e}")),
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let consumed = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
    if bytes.len() as u64 == HEADER_LIMIT && consumed >= body.len() {
        return Err(fail(format!(
            "the header row is longer than {} KiB",
            HEADER_LIMIT >> 10
        )));
    }
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(fail("the file has no header row".into()));
    }
    Ok(headers)
}

/// How the manifest names an export: relative to DIR when inside it, else its absolute path.
fn manifest_name(dir: &Path, file: &Path) -> Result<String, Failure> {
    let absolute = std::fs::canonicalize(file)
        .map_err(|e| Failure::Usage(format!("{}: {e}", file.display())))?;
    let dir = std::fs::canonicalize(dir)
        .map_err(|e| Failure::Usage(format!("{}: {e}", dir.display())))?;
    let named = absolute.strip_prefix(&dir).unwrap_or(&absolute);
    let parts: Vec<String> = named
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok(if named.is_absolute() {
        named.to_string_lossy().into_owned()
    } else {
        parts.join("/")
    })
}

/// The model field of each header, each field taken once: a header whose name is the field
/// itself wins, then the first header that suggests it; the others stay free attributes.
fn map_columns(headers: &[String], known: &'static [&'static str]) -> Vec<Column> {
    let suggested: Vec<Option<&'static str>> =
        headers.iter().map(|h| suggest_field(h, known)).collect();
    let exact = |h: &str, f: &str| isms_engine::input::normalise_name(h) == f;
    let mut taken: Vec<&str> = Vec::new();
    let mut columns: Vec<Column> = headers
        .iter()
        .map(|h| Column {
            header: h.clone(),
            field: None,
            contested: None,
        })
        .collect();
    for pass_exact in [true, false] {
        for (c, s) in columns.iter_mut().zip(&suggested) {
            let Some(field) = *s else { continue };
            if c.field.is_some() || exact(&c.header, field) != pass_exact {
                continue;
            }
            if taken.contains(&field) {
                c.contested = Some(field);
            } else {
                taken.push(field);
                c.field = Some(field);
            }
        }
    }
    columns
}

/// The printed mapping of one export.
fn mapping_report(e: &Export, discovery: &Discovery) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{} ({}, named in isms.toml as {:?}): column -> model field",
        e.path.display(),
        e.kind,
        e.name
    );
    let width = e
        .columns
        .iter()
        .map(|c| c.header.chars().count())
        .max()
        .unwrap_or(0);
    for c in &e.columns {
        let target = match (c.field, c.contested) {
            (Some(f), _) => f.to_owned(),
            _ if c.header.trim().is_empty() => "(no header: ignored)".to_owned(),
            (None, contested) => {
                let attribute = isms_engine::input::normalise_name(&c.header);
                let mut t = format!("free attribute `{attribute}`");
                if let Some(f) = contested {
                    let _ = write!(t, " (also looks like `{f}`, taken by another column)");
                }
                if e.kind == "assets"
                    && let Some(a) = discovery.attributes.iter().find(|a| a.name == attribute)
                {
                    let _ = write!(t, ", read by {}", a.read_by.join(", "));
                }
                t
            }
        };
        let _ = writeln!(out, "  {:width$}  -> {target}", c.header);
    }
    let required = KINDS
        .iter()
        .find(|(k, _, _)| *k == e.kind)
        .map_or(&[][..], |(_, _, r)| *r);
    for field in required {
        if !e.columns.iter().any(|c| c.field == Some(field)) {
            let _ = writeln!(
                out,
                "  warning: no column maps to `{field}`, which {} need: add the mapping by hand \
                 ({field} = \"<column>\") or the column to the export",
                e.kind
            );
        }
    }
    out
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// `text` as `# ` comment lines of at most [`WIDTH`] characters.
fn comment(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > WIDTH && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The name the workspace and the organisation get until the user writes theirs.
fn placeholder_name(dir: &Path) -> String {
    std::fs::canonicalize(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "My organisation".to_owned())
}

fn manifest(args: &Args<'_>, exports: &[Export], discovery: &Discovery) -> String {
    let mut t = String::new();
    t.push_str(&comment(
        "An ISMS workspace, written by `isms init`. Describe the organisation in profile.toml, \
         fill in the inventories named below and decide each control in the SoA, then run \
         `isms check` and `isms gaps` on this directory. Every key is explained in the README \
         of isms (\"The workspace format\").",
    ));
    let rulesets: Vec<String> = discovery.rulesets.iter().map(|r| quoted(&r.name)).collect();
    let _ = writeln!(t, "\n[workspace]");
    let _ = writeln!(
        t,
        "catalog = {}           # the Annex A edition of the SoA and the plan",
        quoted(args.catalog.as_str())
    );
    let _ = writeln!(t, "profile = \"profile.toml\"");
    if rulesets.is_empty() {
        t.push_str(&comment(
            "No built-in rule set fits the 2013 catalog; name your own rule sets here (paths to \
             TOML files).",
        ));
        let _ = writeln!(t, "rulesets = []");
    } else {
        let _ = writeln!(
            t,
            "rulesets = [{}]   # `isms rules` lists what they read",
            rulesets.join(", ")
        );
    }
    let _ = writeln!(
        t,
        "# as_of = 2026-01-31                 # pin the evaluation date so that reports are reproducible"
    );
    let _ = writeln!(t, "\n[scope]");
    let _ = writeln!(
        t,
        "statement = \"\"                       # what the ISMS covers: units, sites, services (clause 4.3)"
    );
    let _ = writeln!(
        t,
        "# filter = 'asset.location != \"Lab\"'  # CEL over `asset`: the assets in scope; all when absent"
    );

    let _ = writeln!(t, "\n[inputs]");
    let mut kinds: Vec<(&str, Vec<String>)> = Vec::new();
    for (kind, default) in [
        ("assets", "assets.csv"),
        ("threats", "threats.csv"),
        ("risks", "risks.csv"),
        ("treatment_plan", "treatment_plan.csv"),
        ("soa", "soa.csv"),
    ] {
        let from: Vec<String> = exports
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.name.clone())
            .collect();
        kinds.push((
            kind,
            if from.is_empty() {
                vec![default.to_owned()]
            } else {
                from
            },
        ));
    }
    for (kind, _, _) in KINDS.iter().skip(5) {
        let from: Vec<String> = exports
            .iter()
            .filter(|e| e.kind == *kind)
            .map(|e| e.name.clone())
            .collect();
        if !from.is_empty() {
            kinds.push((kind, from));
        }
    }
    for (kind, names) in &kinds {
        let value = match names.as_slice() {
            [one] => quoted(one),
            many => format!(
                "[{}]",
                many.iter()
                    .map(|n| quoted(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let _ = writeln!(t, "{kind} = {value}");
    }
    t.push_str(&comment(
        "The operating cycle (clauses 9 and 10), each optional: audits, findings, \
         corrective_actions, management_reviews, documents, people, accounts. Name a file for \
         each kind you keep, for example:",
    ));
    for (kind, _, _) in KINDS.iter().skip(5) {
        if !kinds.iter().any(|(k, _)| k == kind) {
            let _ = writeln!(t, "# {kind} = \"{kind}.csv\"");
        }
    }

    for e in exports {
        let _ = writeln!(t, "\n[files.{}]", quoted(&e.name));
        let known = KINDS
            .iter()
            .find(|(k, _, _)| *k == e.kind)
            .map_or(&[][..], |(_, f, _)| *f);
        // In the order of the model's fields, so that `id` comes first.
        let pairs: Vec<String> = known
            .iter()
            .filter_map(|f| {
                let c = e.columns.iter().find(|c| c.field == Some(f))?;
                Some(format!("{f} = {}", quoted(&c.header)))
            })
            .collect();
        let _ = writeln!(
            t,
            "columns = {{ {} }}   # model field = export header",
            pairs.join(", ")
        );
    }

    let _ = writeln!(
        t,
        "\n# [cycle]                            # the intervals of the operating cycle; the defaults:"
    );
    for (key, value, meaning) in [
        (
            "audit_interval_months",
            12,
            "longest gap between two internal audits",
        ),
        (
            "review_interval_months",
            12,
            "between two management reviews",
        ),
        (
            "risk_assessment_interval_months",
            12,
            "before a risk is assessed again",
        ),
        (
            "document_review_months",
            12,
            "review interval of a document without next_review",
        ),
        (
            "root_cause_days",
            30,
            "time a nonconformity may wait for its root cause",
        ),
        (
            "verification_days",
            90,
            "after completion, to verify a corrective action",
        ),
        (
            "horizon_days",
            90,
            "how far ahead `isms readiness` lists what falls due",
        ),
        (
            "revocation_days",
            3,
            "after a leaver's last day, to revoke their access",
        ),
    ] {
        let setting = format!("{key} = {value}");
        let _ = writeln!(t, "# {setting:<34} # {meaning}");
    }
    t
}

fn profile(dir: &Path, discovery: &Discovery) -> String {
    let mut t = String::new();
    t.push_str(&comment(
        "The organisation profile, written by `isms init`: who the ISMS belongs to, its risk \
         appetite, the facts the rules read and the requirements (legal, regulatory, \
         contractual, business) that make controls applicable.",
    ));
    let _ = writeln!(
        t,
        "\nname = {}   # the organisation's name",
        quoted(&placeholder_name(dir))
    );
    let _ = writeln!(t, "# sector = \"software\"");
    let _ = writeln!(
        t,
        "# risk_appetite = 2                   # highest risk level accepted without treatment (default: the middle level)"
    );
    let _ = writeln!(
        t,
        "# certification_date = 2024-06-14     # first certification: the audit and recertification calendar"
    );
    let _ = writeln!(t, "\n[facts]");
    if discovery.facts.is_empty() {
        t.push_str(&comment(
            "No built-in rule set reads facts in this catalog; your own rule sets read them as \
             org.<name> (true/false, a whole number or text).",
        ));
    } else {
        t.push_str(&comment(&format!(
            "The facts the rules of {} read, as org.<name>. Each is commented out until you \
             decide it; what leaving it out means is said with each (a fact that counts as \
             false when left out lets exclusions that test for false apply). Uncomment each \
             line and set the value.",
            discovery
                .rulesets
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
        for f in &discovery.facts {
            t.push_str(&fact(f));
        }
    }
    t.push('\n');
    t.push_str(&comment(
        "Requirements make controls applicable (kind: legal, regulatory, contractual, business), \
         for example:",
    ));
    t.push_str(
        "# [[requirements]]\n# id = \"REQ-GDPR\"\n# kind = \"legal\"\n# title = \"EU General Data Protection Regulation\"\n# controls = [\"A.5.34\", \"A.8.11\"]\n",
    );
    t
}

fn fact(f: &NameInfo) -> String {
    let mut t = String::from("\n");
    if let Some(meaning) = &f.meaning {
        t.push_str(&comment(meaning));
    }
    let absent = match &f.when_absent {
        Some(v) => format!("Left out, it counts as {v}."),
        None => "Left out, the rules that read it fail and are skipped (reported).".to_owned(),
    };
    t.push_str(&comment(&format!(
        "Read by {}. {absent}",
        f.read_by.join(", ")
    )));
    let example = f
        .example
        .as_ref()
        .map_or_else(|| "true".to_owned(), ToString::to_string);
    let _ = writeln!(t, "# {} = {example}", f.name);
    t
}

/// Every control of the catalog, undecided: `applicable` and the justification empty.
fn soa(catalog: &Catalog) -> String {
    let mut t = load::SOA_FIELDS.join(",");
    t.push('\n');
    for c in &catalog.controls {
        let _ = writeln!(t, "{},,,,", c.id);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(columns: &[Column]) -> Vec<(&str, Option<&str>)> {
        columns
            .iter()
            .map(|c| (c.header.as_str(), c.field))
            .collect()
    }

    #[test]
    fn each_field_is_taken_once_exact_names_first() {
        let headers: Vec<String> = ["Hostname", "Asset ID", "Name", "Owned By", "Serial Number"]
            .iter()
            .map(|h| (*h).to_owned())
            .collect();
        let columns = map_columns(&headers, load::ASSET_FIELDS);
        assert_eq!(
            fields(&columns),
            [
                ("Hostname", None),
                ("Asset ID", Some("id")),
                ("Name", Some("name")),
                ("Owned By", Some("owner")),
                ("Serial Number", None),
            ]
        );
        assert_eq!(columns[0].contested, Some("name"));
    }

    #[test]
    fn comments_wrap_at_the_width() {
        let text = "word ".repeat(60);
        let c = comment(&text);
        assert!(c.lines().all(|l| l.len() <= WIDTH && l.starts_with("# ")));
        assert_eq!(c.matches("word").count(), 60);
    }

    #[test]
    fn the_soa_lists_every_control_undecided() {
        let catalog = Catalog::builtin(CatalogId::Iso27001_2022);
        let soa = soa(catalog);
        assert_eq!(soa.lines().count(), catalog.controls.len() + 1);
        assert!(soa.lines().skip(1).all(|l| l.ends_with(",,,,")));
    }
}
