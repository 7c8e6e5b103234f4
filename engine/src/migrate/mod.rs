//! Migration of a workspace from ISO/IEC 27001:2013 Annex A to the 2022 edition.
//!
//! [`migrate`] takes the declared SoA and the treatment plan as [`Table`]s (every column kept)
//! and returns the converted tables with a [`MigrationReport`]: each 2022 control with the
//! 2013 rows it comes from, the merged controls whose rows disagree, the split ones, the
//! controls new in 2022 (written as provisional rows marked `UNDECIDED`), and each plan action
//! whose control list changed. [`migrate_manifest`] and [`migrate_profile`] rewrite
//! `isms.toml` and the profile as text, by the spans of their values, so comments and layout
//! survive. Nothing here touches the file system: the caller reads and writes.

pub mod table;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;
use serde_json::Value;

use crate::catalog::{Catalog, CatalogId, ControlIdx, Correspondence};
use crate::input::parse_bool;
use crate::model::ImplementationStatus;
pub use table::{Row, Table, TableError};

/// The note written as the justification of a control new in 2022.
pub const UNDECIDED_NOTE: &str = "UNDECIDED: new in ISO/IEC 27001:2022 (no 2013 predecessor); decide whether it applies, then replace this note with the justification";

/// How a 2022 control came out of the 2013 SoA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// One 2013 control became this one (renumbered, possibly renamed).
    Carried,
    /// Several 2013 controls became this one: their rows are combined.
    Merged,
    /// A 2013 control that became several 2022 controls, this one among them.
    Split,
    /// New in 2022: no 2013 predecessor; written as an undecided row.
    New,
    /// The 2013 SoA lists none of its predecessors: no row is written.
    NotInSoa,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Carried => "carried",
            ChangeKind::Merged => "merged",
            ChangeKind::Split => "split",
            ChangeKind::New => "new",
            ChangeKind::NotInSoa => "not in SoA",
        }
    }
}

/// A row of the 2013 SoA that a 2022 control takes over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRow {
    pub control: String,
    pub file: String,
    pub line: usize,
    pub applicable: Option<bool>,
    pub status: Option<String>,
    pub justification: Option<String>,
}

/// One 2022 control and how its SoA row was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlChange {
    pub control: String,
    pub title: String,
    pub kind: ChangeKind,
    /// The 2013 rows it comes from, in catalog order.
    pub sources: Vec<SourceRow>,
    /// Its 2013 predecessors the 2013 SoA does not list.
    pub missing_predecessors: Vec<String>,
    /// Where the source rows disagree (applicability, status): to reconcile by hand.
    pub conflicts: Vec<String>,
    /// The values written (`None` when no row is written).
    pub applicable: Option<bool>,
    pub status: Option<String>,
}

/// A 2013 control that became several 2022 controls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    pub control: String,
    pub into: Vec<String>,
    /// Whether the 2013 SoA lists it (its row is copied to each successor).
    pub in_soa: bool,
    /// Plan actions that select it.
    pub actions: Vec<String>,
}

/// A treatment action whose control list changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionChange {
    pub id: String,
    pub file: String,
    pub line: usize,
    pub from: Vec<String>,
    pub to: Vec<String>,
}

/// Counts of a migration.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Rows of the SoA read.
    pub soa_rows_in: usize,
    /// Rows that already named a 2022 control and were kept as they are (converting a 2022
    /// workspace's leftover 2013 ids).
    pub soa_rows_kept: usize,
    /// Rows of the 2022 SoA written (new controls included).
    pub soa_rows_out: usize,
    pub carried: usize,
    pub merged: usize,
    /// Merged controls whose source rows disagree on applicability or status.
    pub merged_with_conflicts: usize,
    /// 2013 controls of the SoA that became several 2022 controls (their row is copied).
    pub split: usize,
    pub new_controls: usize,
    pub not_in_soa: usize,
    pub actions: usize,
    pub actions_changed: usize,
}

/// What a migration did and what is left to decide.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrationReport {
    pub from: CatalogId,
    pub to: CatalogId,
    pub counts: Counts,
    /// Every 2022 control, in catalog order.
    pub controls: Vec<ControlChange>,
    pub splits: Vec<Split>,
    pub actions: Vec<ActionChange>,
    /// Ids that are no 2013 control, left as they were.
    pub problems: Vec<String>,
}

impl MigrationReport {
    /// The controls of one kind.
    pub fn of_kind(&self, kind: ChangeKind) -> impl Iterator<Item = &ControlChange> {
        self.controls.iter().filter(move |c| c.kind == kind)
    }
}

/// The converted files and the report.
#[derive(Debug, Clone)]
pub struct Migration {
    /// The SoA files (same names and formats as the input), rows in 2022 catalog order.
    pub soa: Vec<(String, Table)>,
    pub plan: Vec<(String, Table)>,
    pub report: MigrationReport,
}

/// Converts a 2013 SoA and treatment plan (file name and table of each file) to 2022 ids.
///
/// Each 2022 control's row is made from the rows of its 2013 predecessors: one row is carried
/// over; several are merged (applicable when any is, the least advanced status among the
/// applicable ones, the justifications joined with their 2013 ids, the evidence united), and
/// a disagreement on applicability or status is reported and marked `RECONCILE` in the
/// justification. A merged row goes to the file of its first source; the rows of the controls
/// new in 2022 are appended to the first SoA file, applicable and not implemented, with the
/// [`UNDECIDED_NOTE`] as justification (kept in view rather than silently excluded).
pub fn migrate(soa: Vec<(String, Table)>, plan: Vec<(String, Table)>) -> Migration {
    let c2013 = Catalog::builtin(CatalogId::Iso27001_2013);
    let c2022 = Catalog::builtin(CatalogId::Iso27001_2022);
    let map = Correspondence::builtin();
    let mut problems = Vec::new();
    let mut counts = Counts::default();

    // The 2013 rows by control: (file index, row index).
    let mut by_2013: BTreeMap<ControlIdx, Vec<(usize, usize)>> = BTreeMap::new();
    let mut columns = Vec::new();
    for (f, (name, table)) in soa.iter().enumerate() {
        let cols = SoaColumns::of(table);
        if cols.control.is_none() {
            problems.push(format!("{name}: no `control` column; file left out"));
        }
        for (r, row) in table.rows.iter().enumerate() {
            counts.soa_rows_in += 1;
            let Some(id) = cols
                .get(row, cols.control)
                .and_then(|v| table::text(Some(v)))
            else {
                continue;
            };
            match c2013.find(&id) {
                Some(idx) => by_2013.entry(idx).or_default().push((f, r)),
                None => problems.push(format!(
                    "{name}:{}: `{id}` is not an ISO/IEC 27001:2013 control; row left out",
                    row.line
                )),
            }
        }
        columns.push(cols);
    }

    let mut out: Vec<(String, Table)> = soa
        .iter()
        .map(|(n, t)| {
            (
                n.clone(),
                Table {
                    rows: Vec::new(),
                    ..t.clone()
                },
            )
        })
        .collect();
    let mut controls = Vec::new();
    for (idx, control) in c2022.iter() {
        let preds = map.predecessors(idx);
        let mut sources: Vec<(usize, usize, ControlIdx)> = Vec::new();
        let mut missing = Vec::new();
        for p in preds {
            match by_2013.get(p) {
                Some(rows) => sources.extend(rows.iter().map(|(f, r)| (*f, *r, *p))),
                None => missing.push(c2013.control(*p).id.clone()),
            }
        }
        let source_rows: Vec<SourceRow> = sources
            .iter()
            .map(|(f, r, p)| {
                let (name, table) = &soa[*f];
                let cols = &columns[*f];
                let row = &table.rows[*r];
                SourceRow {
                    control: c2013.control(*p).id.clone(),
                    file: name.clone(),
                    line: row.line,
                    applicable: cols
                        .get(row, cols.applicable)
                        .and_then(|v| applicable_of(Some(v))),
                    status: cols
                        .get(row, cols.status)
                        .and_then(|v| table::text(Some(v))),
                    justification: cols
                        .get(row, cols.justification)
                        .and_then(|v| table::text(Some(v))),
                }
            })
            .collect();
        let kind = if preds.is_empty() {
            ChangeKind::New
        } else if sources.is_empty() {
            ChangeKind::NotInSoa
        } else if preds.len() > 1 {
            ChangeKind::Merged
        } else if map.successors(preds[0]).len() > 1 {
            ChangeKind::Split
        } else {
            ChangeKind::Carried
        };
        let conflicts = conflicts(&source_rows);
        let mut change = ControlChange {
            control: control.id.clone(),
            title: control.title.clone(),
            kind,
            sources: source_rows,
            missing_predecessors: if kind == ChangeKind::Merged {
                missing
            } else {
                Vec::new()
            },
            conflicts,
            applicable: None,
            status: None,
        };
        match kind {
            ChangeKind::NotInSoa => {}
            ChangeKind::New => {
                if let Some((_, table)) = out.first_mut() {
                    let row = new_row(table, &control.id, &control.title);
                    table.rows.push(row);
                    change.applicable = Some(true);
                    change.status = Some(ImplementationStatus::NotImplemented.as_str().into());
                }
            }
            _ => {
                let (f, _, _) = sources[0];
                let row = combine(&soa, &columns, &sources, &change);
                let table = &mut out[f].1;
                let cols = SoaColumns::of(table);
                change.applicable = cols
                    .get(&row, cols.applicable)
                    .and_then(|v| applicable_of(Some(v)));
                change.status = cols
                    .get(&row, cols.status)
                    .and_then(|v| table::text(Some(v)));
                table.rows.push(row);
            }
        }
        match kind {
            ChangeKind::Carried => counts.carried += 1,
            ChangeKind::Merged => {
                counts.merged += 1;
                if !change.conflicts.is_empty() {
                    counts.merged_with_conflicts += 1;
                }
            }
            ChangeKind::Split => {}
            ChangeKind::New => counts.new_controls += 1,
            ChangeKind::NotInSoa => counts.not_in_soa += 1,
        }
        controls.push(change);
    }
    // Title columns name the 2022 control.
    for (_, table) in &mut out {
        let cols = SoaColumns::of(table);
        if let (Some(c), Some(t)) = (cols.control, table.column("title")) {
            for row in &mut table.rows {
                let id = row.values[c].as_ref().and_then(|v| table::text(Some(v)));
                if let Some(idx) = id.and_then(|id| c2022.find(&id)) {
                    row.values[t] = Some(Value::String(c2022.control(idx).title.clone()));
                }
            }
        }
    }
    counts.soa_rows_out = out.iter().map(|(_, t)| t.rows.len()).sum();

    // The treatment plan: each control list mapped through the correspondence.
    let (plan_out, actions, mut split_actions) =
        convert_plan(plan, false, &mut counts, &mut problems);

    let splits: Vec<Split> = c2013
        .iter()
        .filter_map(|(idx, control)| {
            let succ = map.successors(idx);
            (succ.len() > 1).then(|| Split {
                control: control.id.clone(),
                into: succ.iter().map(|s| c2022.control(*s).id.clone()).collect(),
                in_soa: by_2013.contains_key(&idx),
                actions: split_actions.remove(&idx).unwrap_or_default(),
            })
        })
        .collect();
    counts.split = splits.iter().filter(|s| s.in_soa).count();

    Migration {
        soa: out,
        plan: plan_out,
        report: MigrationReport {
            from: CatalogId::Iso27001_2013,
            to: CatalogId::Iso27001_2022,
            counts,
            controls,
            splits,
            actions,
            problems,
        },
    }
}

/// The converted plan files, the actions whose controls changed, and the actions of each
/// split 2013 control.
type ConvertedPlan = (
    Vec<(String, Table)>,
    Vec<ActionChange>,
    BTreeMap<ControlIdx, Vec<String>>,
);

/// The treatment plan with each action's control list mapped through the correspondence:
/// the actions whose list changed, and the actions that select each split 2013 control. With
/// `keep_2022`, ids that are already 2022 controls (a 2022 workspace with a few 2013 ids
/// left) stay as they are; otherwise every id must be a 2013 control.
fn convert_plan(
    plan: Vec<(String, Table)>,
    keep_2022: bool,
    counts: &mut Counts,
    problems: &mut Vec<String>,
) -> ConvertedPlan {
    let c2013 = Catalog::builtin(CatalogId::Iso27001_2013);
    let c2022 = Catalog::builtin(CatalogId::Iso27001_2022);
    let map = Correspondence::builtin();
    let mut actions = Vec::new();
    let mut split_actions: BTreeMap<ControlIdx, Vec<String>> = BTreeMap::new();
    let mut plan_out = plan;
    for (name, table) in &mut plan_out {
        let (Some(c), id_col) = (table.column("controls"), table.column("id")) else {
            continue;
        };
        for row in &mut table.rows {
            counts.actions += 1;
            let id = id_col
                .and_then(|i| table::text(row.values[i].as_ref()))
                .unwrap_or_default();
            let from = table::list(row.values[c].as_ref());
            let mut to: Vec<String> = Vec::new();
            for old in &from {
                if keep_2022 && c2022.find(old).is_some() {
                    if !to.contains(old) {
                        to.push(old.clone());
                    }
                    continue;
                }
                match c2013.find(old) {
                    Some(o) => {
                        let succ = map.successors(o);
                        if succ.len() > 1 {
                            split_actions.entry(o).or_default().push(id.clone());
                        }
                        for s in succ {
                            let new = &c2022.control(s).id;
                            if !to.contains(new) {
                                to.push(new.clone());
                            }
                        }
                    }
                    None => {
                        problems.push(format!(
                            "{name}:{}: action `{id}` names `{old}`, not an ISO/IEC 27001:2013 control; left as it is",
                            row.line
                        ));
                        if !to.contains(old) {
                            to.push(old.clone());
                        }
                    }
                }
            }
            if to != from {
                counts.actions_changed += 1;
                row.values[c] = Some(table::list_like(row.values[c].as_ref(), to.clone()));
                actions.push(ActionChange {
                    id,
                    file: name.clone(),
                    line: row.line,
                    from,
                    to,
                });
            }
        }
    }
    (plan_out, actions, split_actions)
}

/// How many control ids of the SoA (`control`) and the plan (`controls`) are ISO/IEC
/// 27001:2013 controls and no 2022 ones: whether [`convert_2013_ids`] has work to do.
pub fn count_2013_ids(soa: &[(String, Table)], plan: &[(String, Table)]) -> usize {
    let c2013 = Catalog::builtin(CatalogId::Iso27001_2013);
    let c2022 = Catalog::builtin(CatalogId::Iso27001_2022);
    let is_2013 = |id: &str| c2022.find(id).is_none() && c2013.find(id).is_some();
    let mut n = 0;
    for (_, t) in soa {
        if let Some(c) = t.column("control") {
            n += t
                .rows
                .iter()
                .filter_map(|r| table::text(r.values[c].as_ref()))
                .filter(|id| is_2013(id))
                .count();
        }
    }
    for (_, t) in plan {
        if let Some(c) = t.column("controls") {
            n += t
                .rows
                .iter()
                .flat_map(|r| table::list(r.values[c].as_ref()))
                .filter(|id| is_2013(id))
                .count();
        }
    }
    n
}

/// Converts the ISO/IEC 27001:2013 control ids left in a 2022 workspace's SoA and treatment
/// plan, keeping everything that already names a 2022 control.
///
/// The SoA rows with 2013 ids are migrated as [`migrate`] does (carried, merged, split), and
/// each converted row takes the place of its (first) 2013 row; a converted row whose 2022
/// control already has a row of its own is dropped, the 2022 row standing, and reported in
/// `problems`. No rows are added for controls new in 2022 (the SoA is already a 2022 one:
/// the gaps name what it lacks). Plan actions keep their 2022 ids and have their 2013 ids
/// mapped. [`Counts::soa_rows_kept`] counts the rows already in 2022.
pub fn convert_2013_ids(soa: Vec<(String, Table)>, plan: Vec<(String, Table)>) -> Migration {
    let c2013 = Catalog::builtin(CatalogId::Iso27001_2013);
    let c2022 = Catalog::builtin(CatalogId::Iso27001_2022);
    // Per file: the rows kept as they are, and a table of its 2013 rows only.
    let mut kept: Vec<Vec<Row>> = Vec::new();
    let mut old: Vec<(String, Table)> = Vec::new();
    // The 2022 controls that have a row of their own: where.
    let mut own: BTreeMap<ControlIdx, String> = BTreeMap::new();
    for (name, table) in &soa {
        let cols = SoaColumns::of(table);
        let mut keep = Vec::new();
        let mut convert = Vec::new();
        for row in &table.rows {
            let id = cols
                .get(row, cols.control)
                .and_then(|v| table::text(Some(v)));
            let is_2013 = id
                .as_deref()
                .is_some_and(|id| c2022.find(id).is_none() && c2013.find(id).is_some());
            if is_2013 {
                convert.push(row.clone());
            } else {
                if let Some(idx) = id.as_deref().and_then(|id| c2022.find(id)) {
                    own.entry(idx)
                        .or_insert_with(|| format!("{name}:{}", row.line));
                }
                keep.push(row.clone());
            }
        }
        kept.push(keep);
        old.push((
            name.clone(),
            Table {
                rows: convert,
                ..table.clone()
            },
        ));
    }
    let mut m = migrate(old, Vec::new());
    let report = &mut m.report;
    let mut problems = std::mem::take(&mut report.problems);
    // Only the controls that 2013 rows became are news; drop the rest of the catalog.
    report
        .controls
        .retain(|c| !matches!(c.kind, ChangeKind::New | ChangeKind::NotInSoa));
    let mut dropped: Vec<String> = Vec::new();
    for c in &report.controls {
        let Some(at) = c2022.find(&c.control).and_then(|idx| own.get(&idx)) else {
            continue;
        };
        let sources: Vec<String> = c
            .sources
            .iter()
            .map(|s| format!("{} ({}:{})", s.control, s.file, s.line))
            .collect();
        problems.push(format!(
            "{} has its own row at {at}, which stands; the row made from {} is dropped: check that nothing of it is lost",
            c.control,
            sources.join(", ")
        ));
        dropped.push(c.control.clone());
    }
    report.controls.retain(|c| !dropped.contains(&c.control));
    report.splits.retain(|s| s.in_soa);
    let counts = &mut report.counts;
    counts.new_controls = 0;
    counts.not_in_soa = 0;
    counts.soa_rows_kept = kept.iter().map(Vec::len).sum();
    counts.soa_rows_in += counts.soa_rows_kept;
    for ((_, table), keep) in m.soa.iter_mut().zip(kept) {
        let cols = SoaColumns::of(table);
        table.rows.retain(|row| {
            let id = cols
                .get(row, cols.control)
                .and_then(|v| table::text(Some(v)))
                .unwrap_or_default();
            report.controls.iter().any(|c| c.control == id)
        });
        table.rows.extend(keep);
        // Each converted row keeps the line of its first 2013 row: back in file order.
        table.rows.sort_by_key(|r| r.line);
    }
    counts.soa_rows_out = m.soa.iter().map(|(_, t)| t.rows.len()).sum();
    let (plan, actions, mut split_actions) = convert_plan(plan, true, counts, &mut problems);
    for s in &mut report.splits {
        if let Some(idx) = c2013.find(&s.control) {
            s.actions = split_actions.remove(&idx).unwrap_or_default();
        }
    }
    report.actions = actions;
    report.problems = problems;
    m.plan = plan;
    m
}

/// The columns of an SoA table the migration reads and writes.
struct SoaColumns {
    control: Option<usize>,
    applicable: Option<usize>,
    justification: Option<usize>,
    status: Option<usize>,
    evidence: Option<usize>,
}

impl SoaColumns {
    fn of(t: &Table) -> Self {
        SoaColumns {
            control: t.column("control"),
            applicable: t.column("applicable"),
            justification: t.column("justification"),
            status: t.column("status"),
            evidence: t.column("evidence"),
        }
    }

    fn get<'r>(&self, row: &'r Row, col: Option<usize>) -> Option<&'r Value> {
        col.and_then(|c| row.values.get(c)).and_then(Option::as_ref)
    }
}

fn applicable_of(v: Option<&Value>) -> Option<bool> {
    match v {
        Some(Value::Bool(b)) => Some(*b),
        other => table::text(other).and_then(|t| parse_bool(&t)),
    }
}

fn status_rank(text: Option<&str>) -> ImplementationStatus {
    text.and_then(ImplementationStatus::parse)
        .unwrap_or(ImplementationStatus::NotImplemented)
}

/// What the source rows of one control disagree on.
fn conflicts(rows: &[SourceRow]) -> Vec<String> {
    let mut out = Vec::new();
    let list = |f: &dyn Fn(&SourceRow) -> String| {
        rows.iter()
            .map(|r| format!("{} {}", r.control, f(r)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let applicable: Vec<Option<bool>> = rows.iter().map(|r| r.applicable).collect();
    if applicable.windows(2).any(|w| w[0] != w[1]) {
        out.push(format!(
            "applicability differs: {}",
            list(&|r| match r.applicable {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => "?".into(),
            })
        ));
    }
    let statuses: Vec<ImplementationStatus> = rows
        .iter()
        .map(|r| status_rank(r.status.as_deref()))
        .collect();
    if statuses.windows(2).any(|w| w[0] != w[1]) {
        out.push(format!(
            "status differs: {}",
            list(&|r| status_rank(r.status.as_deref()).as_str().to_owned())
        ));
    }
    out
}

/// The 2022 row made from one or more 2013 rows.
fn combine(
    soa: &[(String, Table)],
    columns: &[SoaColumns],
    sources: &[(usize, usize, ControlIdx)],
    change: &ControlChange,
) -> Row {
    let (f0, r0, _) = sources[0];
    let target = &soa[f0].1;
    let tcols = &columns[f0];
    let mut row = target.rows[r0].clone();
    let set = |row: &mut Row, col: Option<usize>, v: Value| {
        if let Some(c) = col {
            row.values[c] = Some(v);
        }
    };
    set(
        &mut row,
        tcols.control,
        Value::String(change.control.clone()),
    );
    if sources.len() == 1 {
        return row;
    }
    let srcs = &change.sources;
    let any_applicable = srcs.iter().any(|s| s.applicable == Some(true));
    let first_applicable = tcols.get(&target.rows[r0], tcols.applicable);
    let applicable = match first_applicable {
        Some(Value::Bool(_)) => Value::Bool(any_applicable),
        _ => Value::String(if any_applicable { "yes" } else { "no" }.into()),
    };
    set(&mut row, tcols.applicable, applicable);
    let status = srcs
        .iter()
        .filter(|s| s.applicable == Some(true) || !any_applicable)
        .map(|s| status_rank(s.status.as_deref()))
        .min()
        .unwrap_or(ImplementationStatus::NotImplemented);
    if tcols.status.is_some() || status != ImplementationStatus::NotImplemented {
        set(
            &mut row,
            tcols.status,
            Value::String(status.as_str().into()),
        );
    }
    let texts: Vec<&SourceRow> = srcs.iter().filter(|s| s.justification.is_some()).collect();
    let mut justification = if texts
        .windows(2)
        .all(|w| w[0].justification == w[1].justification)
    {
        texts
            .first()
            .and_then(|s| s.justification.clone())
            .unwrap_or_default()
    } else {
        texts
            .iter()
            .map(|s| {
                format!(
                    "{}: {}",
                    s.control,
                    s.justification.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    if !change.conflicts.is_empty() {
        let ids: Vec<&str> = srcs.iter().map(|s| s.control.as_str()).collect();
        justification = format!(
            "RECONCILE (merged from {}; {}): {justification}",
            ids.join(", "),
            change.conflicts.join("; ")
        );
    }
    set(&mut row, tcols.justification, Value::String(justification));
    if let Some(e) = tcols.evidence {
        let mut all: Vec<String> = Vec::new();
        for (f, r, _) in sources {
            let cols = &columns[*f];
            let src = &soa[*f].1.rows[*r];
            for item in table::list(cols.get(src, cols.evidence)) {
                if !all.contains(&item) {
                    all.push(item);
                }
            }
        }
        let original = row.values[e].clone();
        row.values[e] = Some(table::list_like(original.as_ref(), all));
    }
    row
}

/// The provisional row of a control new in 2022.
fn new_row(table: &Table, id: &str, title: &str) -> Row {
    let cols = SoaColumns::of(table);
    let boolean = table
        .rows
        .iter()
        .find_map(|r| cols.get(r, cols.applicable))
        .is_some_and(Value::is_boolean);
    let mut values = vec![None; table.columns.len()];
    if table.format == crate::input::Format::Csv {
        values.fill(Some(Value::String(String::new())));
    }
    let mut set = |col: Option<usize>, v: Value| {
        if let Some(c) = col {
            values[c] = Some(v);
        }
    };
    set(cols.control, Value::String(id.into()));
    set(
        cols.applicable,
        if boolean {
            Value::Bool(true)
        } else {
            Value::String("yes".into())
        },
    );
    set(cols.justification, Value::String(UNDECIDED_NOTE.into()));
    set(
        cols.status,
        Value::String(ImplementationStatus::NotImplemented.as_str().into()),
    );
    set(table.column("title"), Value::String(title.into()));
    Row { line: 0, values }
}

/// A string value of a TOML file: its dotted key (`inputs.soa`, `plugins.path`), its text,
/// and the byte span of the literal (quotes included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TomlString {
    pub key: String,
    pub value: String,
    pub span: Range<usize>,
}

/// Every string value of a TOML document, with its dotted key (array indices left out).
pub fn toml_strings(text: &str) -> Result<Vec<TomlString>, TableError> {
    use toml::de::{DeTable, DeValue};
    fn walk(key: &str, v: &toml::Spanned<DeValue<'_>>, out: &mut Vec<TomlString>) {
        match v.get_ref() {
            DeValue::String(s) => out.push(TomlString {
                key: key.to_owned(),
                value: s.to_string(),
                span: v.span(),
            }),
            DeValue::Array(items) => {
                for item in items {
                    walk(key, item, out);
                }
            }
            DeValue::Table(t) => {
                for (k, v) in t.iter() {
                    let key = if key.is_empty() {
                        k.get_ref().to_string()
                    } else {
                        format!("{key}.{}", k.get_ref())
                    };
                    walk(&key, v, out);
                }
            }
            _ => {}
        }
    }
    let table = DeTable::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let before = &text[..offset.min(text.len())];
        TableError {
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            message: e.message().to_owned(),
        }
    })?;
    let mut out = Vec::new();
    for (k, v) in table.get_ref().iter() {
        walk(k.get_ref(), v, &mut out);
    }
    out.sort_by_key(|s| s.span.start);
    Ok(out)
}

/// Replaces byte ranges of a text (ranges must not overlap).
fn apply_edits(text: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = text.to_owned();
    for (range, new) in edits {
        out.replace_range(range, &new);
    }
    out
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The keys of `isms.toml` whose values are paths (relative to the workspace).
pub fn is_path_key(key: &str) -> bool {
    matches!(key, "workspace.profile" | "risk.matrix" | "plugins.path")
        || key.starts_with("inputs.")
        || key == "workspace.rulesets"
}

/// `isms.toml` switched to the 2022 catalog; `path` maps each path value (by key and text) to
/// its new text, or `None` to keep it. `builtin:` rule sets are left alone.
pub fn migrate_manifest(
    text: &str,
    mut path: impl FnMut(&str, &str) -> Option<String>,
) -> Result<String, TableError> {
    let mut edits = Vec::new();
    let mut has_catalog = false;
    for s in toml_strings(text)? {
        if s.key == "workspace.catalog" {
            has_catalog = true;
            edits.push((s.span, quoted(CatalogId::Iso27001_2022.as_str())));
        } else if is_path_key(&s.key)
            && !s.value.starts_with("builtin:")
            && let Some(new) = path(&s.key, &s.value)
        {
            edits.push((s.span, quoted(&new)));
        }
    }
    let mut out = apply_edits(text, edits);
    if !has_catalog {
        // No catalog line means 2022 already; say so explicitly all the same.
        if let Some(pos) = out.find("[workspace]") {
            out.insert_str(pos + "[workspace]".len(), "\ncatalog = \"iso27001-2022\"");
        }
    }
    Ok(out)
}

/// A requirement's control list in the profile, converted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequirementChange {
    pub from: String,
    pub to: Vec<String>,
}

/// The profile with every 2013 control id of `[[requirements]] controls` replaced by its
/// 2022 successors (a merge can make two entries one: the later duplicate is removed).
pub fn migrate_profile(text: &str) -> Result<(String, Vec<RequirementChange>), TableError> {
    let c2013 = Catalog::builtin(CatalogId::Iso27001_2013);
    let c2022 = Catalog::builtin(CatalogId::Iso27001_2022);
    let map = Correspondence::builtin();
    let mut edits = Vec::new();
    let mut changes = Vec::new();
    let strings: Vec<TomlString> = toml_strings(text)?
        .into_iter()
        .filter(|s| s.key == "requirements.controls")
        .collect();
    // Strings of one array are contiguous in the text; duplicates are judged per array by
    // looking back to the previous `[` before each string.
    let mut seen: Vec<String> = Vec::new();
    let mut last_array = usize::MAX;
    for s in strings {
        let array = text[..s.span.start].rfind('[').unwrap_or(0);
        if array != last_array {
            seen.clear();
            last_array = array;
        }
        let Some(old) = c2013.find(&s.value) else {
            seen.push(s.value.clone());
            continue;
        };
        let to: Vec<String> = map
            .successors(old)
            .into_iter()
            .map(|i| c2022.control(i).id.clone())
            .collect();
        let fresh: Vec<&String> = to.iter().filter(|t| !seen.contains(t)).collect();
        let replacement = fresh
            .iter()
            .map(|t| quoted(t))
            .collect::<Vec<_>>()
            .join(", ");
        seen.extend(fresh.iter().map(|t| (*t).clone()));
        let mut span = s.span.clone();
        if replacement.is_empty() {
            // Drop the literal and the comma after it.
            // Drop the literal with the comma after it, or before it when it is the last.
            let rest = &text[span.end..];
            if rest.trim_start().starts_with(',') {
                span.end += rest.len() - rest.trim_start_matches([',', ' ']).len();
            } else {
                let before = &text[..span.start];
                span.start = before.trim_end_matches([',', ' ']).len();
            }
        }
        edits.push((span, replacement));
        changes.push(RequirementChange {
            from: s.value.clone(),
            to,
        });
    }
    Ok((apply_edits(text, edits), changes))
}

#[cfg(test)]
mod tests;
