//! Record -> model conversion for each inventory kind, with validation and linking.
//!
//! Kinds are read in reference order (assets, threats, risks, treatment plan, SoA), so every
//! reference points at a kind already indexed and is resolved while its record is read; only
//! asset -> asset dependencies wait until all asset files are in.

use std::collections::hash_map::Entry;
use std::sync::Arc;

use super::{ASSETS, Failed, Ids, Loader, RISKS, THREATS};
use crate::catalog::ControlIdx;
use crate::diag::Diagnostic;
use crate::input::{Record, SourceFile, Spot};
use crate::model::*;
use crate::rules::expr::Expr;

pub const ASSET_FIELDS: &[&str] = &[
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

pub const THREAT_FIELDS: &[&str] = &[
    "id",
    "name",
    "category",
    "applies_to",
    "likelihood",
    "affects",
    "description",
];

pub const RISK_FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "assets",
    "threat",
    "vulnerability",
    "owner",
    "likelihood",
    "impact",
    "treatment",
    "transfer_reference",
    "accepted_by",
    "accepted_on",
    "accepted_until",
    "assessed_on",
];

pub const ACTION_FIELDS: &[&str] = &[
    "id",
    "title",
    "risks",
    "controls",
    "owner",
    "due",
    "status",
    "completed_on",
    "likelihood_reduction",
    "impact_reduction",
];

pub const SOA_FIELDS: &[&str] = &[
    "control",
    "applicable",
    "justification",
    "status",
    "evidence",
];

/// The CIA value an asset gets from its classification when the export gives none.
fn cia_from_classification(c: Option<Classification>) -> u8 {
    match c {
        Some(Classification::Public) | None => 1,
        Some(Classification::Internal) => 2,
        Some(Classification::Confidential) => 4,
        Some(Classification::Restricted) => 5,
    }
}

/// `file:line` of a record, for a message.
pub(super) fn read_at(sources: &[Arc<SourceFile>], origin: Origin) -> String {
    format!("{}:{}", sources[origin.source.index()].display, origin.line)
}

/// Registers an id, reporting a duplicate with where the first one was.
pub(super) fn register<I: Copy>(
    r: &mut Record<'_, '_>,
    index: &mut Ids<I>,
    id: &str,
    idx: I,
    what: &str,
    here: Origin,
    sources: &[Arc<SourceFile>],
) -> bool {
    match try_register(index, id, idx, what, here, sources) {
        Ok(()) => true,
        Err(message) => {
            r.error("load::duplicate-id", "id", message);
            false
        }
    }
}

/// Registers an id; when it is taken, the message saying where it was first.
fn try_register<I: Copy>(
    index: &mut Ids<I>,
    id: &str,
    idx: I,
    what: &str,
    here: Origin,
    sources: &[Arc<SourceFile>],
) -> Result<(), String> {
    // One lookup for the test and the insertion.
    match index.entry(id.to_owned()) {
        Entry::Occupied(first) => Err(format!(
            "duplicate {what} id `{id}` (first defined at {})",
            read_at(sources, first.get().1)
        )),
        Entry::Vacant(slot) => {
            slot.insert((idx, here));
            Ok(())
        }
    }
}

/// An asset record read, before its id is registered: the part of reading an asset that
/// needs nothing of the loader, so that the records of a file are converted in parallel.
pub(super) struct AssetRow {
    asset: Asset,
    depends: Vec<String>,
    /// Where `id` stands, for a duplicate.
    id_at: Spot,
    /// Where `depends_on` stands, when it names any asset.
    depends_at: Option<Spot>,
}

/// Reads an asset record of the file `source`, with protection needs up to `scale_i`;
/// `None` when it has no id or no type (which is reported).
pub(super) fn asset_row(
    r: &mut Record<'_, '_>,
    scale_i: u8,
    source: SourceIdx,
) -> Option<AssetRow> {
    let id = r.required("id");
    let name = r.text("name");
    let kind = r.vocab("type", AssetKind::parse, AssetKind::expected);
    if kind.is_none() && r.text("type").is_none() {
        r.missing("type", "`type` is required");
    }
    let classification = r.vocab(
        "classification",
        Classification::parse,
        Classification::expected,
    );
    let fallback = cia_from_classification(classification);
    let cia = Cia {
        confidentiality: r.level("confidentiality", scale_i).unwrap_or(fallback),
        integrity: r.level("integrity", scale_i).unwrap_or(fallback),
        availability: r.level("availability", scale_i).unwrap_or(fallback),
    };
    let status = r
        .vocab("status", AssetStatus::parse, AssetStatus::expected)
        .unwrap_or(AssetStatus::Active);
    let subtype = r.text("subtype");
    let owner = r.text("owner");
    let location = r.text("location");
    let business_unit = r.text("business_unit");
    let tags = r.list("tags");
    let attributes = r.extras(ASSET_FIELDS).into_iter().collect();
    let origin = Origin {
        source,
        line: r.line(),
    };
    let depends: Vec<String> = r.list("depends_on");
    let (Some(id), Some(kind)) = (id, kind) else {
        return None;
    };
    let depends_at = (!depends.is_empty()).then(|| r.spot("depends_on"));
    Some(AssetRow {
        asset: Asset {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            kind,
            subtype,
            owner,
            location,
            business_unit,
            classification,
            cia,
            status,
            tags,
            attributes,
            depends_on: Vec::new(),
            origin,
        },
        depends,
        id_at: r.spot("id"),
        depends_at,
    })
}

impl Loader {
    pub(super) fn origin(&self, r: &Record<'_, '_>) -> Origin {
        Origin {
            source: self.current,
            line: r.line(),
        }
    }

    /// Registers an asset read by [`asset_row`]; when its id is taken, the error and the id.
    pub(super) fn add_asset(&mut self, row: AssetRow) -> Result<(), Box<(Diagnostic, String)>> {
        let AssetRow {
            asset,
            depends,
            id_at,
            depends_at,
        } = row;
        let idx = AssetIdx(self.assets.len() as u32);
        let rows = std::mem::take(&mut self.rows_hint);
        self.assets.reserve(rows);
        self.asset_ids.reserve(rows);
        self.pending_dependencies.reserve(rows);
        if let Err(message) = try_register(
            &mut self.asset_ids,
            &asset.id,
            idx,
            "asset",
            asset.origin,
            &self.sources,
        ) {
            let source = &self.sources[asset.origin.source.index()];
            let d = id_at.diagnostic(source, "load::duplicate-id", "id", message);
            return Err(Box::new((d, asset.id)));
        }
        if let Some(at) = depends_at {
            self.pending_dependencies.push((idx, depends, at));
        }
        self.assets.push(asset);
        Ok(())
    }

    /// Resolves asset -> asset dependencies once every asset file is read.
    pub(super) fn link_dependencies(&mut self) {
        use rayon::prelude::*;
        /// A dependency that does not resolve: which one, and whether it is the asset itself.
        struct Unresolved {
            at: usize,
            itself: bool,
        }
        let pending = std::mem::take(&mut self.pending_dependencies);
        // The lookups in parallel (the index is only read); the problems in order after.
        let linked: Vec<(Vec<AssetIdx>, Vec<Unresolved>)> = pending
            .par_iter()
            .map(|(idx, ids, _)| {
                let mut resolved = Vec::with_capacity(ids.len());
                let mut unresolved = Vec::new();
                for (at, id) in ids.iter().enumerate() {
                    match self.asset_ids.get(id) {
                        Some((dep, _)) if dep == idx => {
                            unresolved.push(Unresolved { at, itself: true })
                        }
                        Some((dep, _)) => resolved.push(*dep),
                        None if self.failed[ASSETS].explains(id) => {}
                        None => unresolved.push(Unresolved { at, itself: false }),
                    }
                }
                resolved.sort_unstable();
                resolved.dedup();
                (resolved, unresolved)
            })
            .collect();
        for ((idx, ids, at), (resolved, unresolved)) in pending.into_iter().zip(linked) {
            let asset = &self.assets[idx.index()];
            let source = &self.sources[asset.origin.source.index()];
            for u in unresolved {
                let message = if u.itself {
                    format!("asset `{}` depends on itself", asset.id)
                } else {
                    format!("unknown asset `{}` in depends_on", ids[u.at])
                };
                self.diags.push(at.diagnostic(
                    source,
                    "load::unknown-reference",
                    "depends_on",
                    message,
                ));
            }
            self.assets[idx.index()].depends_on = resolved;
        }
    }

    pub(super) fn threat(&mut self, r: &mut Record<'_, '_>) {
        let id = r.required("id");
        let name = r.text("name");
        let likelihood = r.level("likelihood", self.scale_l);
        if likelihood.is_none() && r.text("likelihood").is_none() {
            r.missing("likelihood", "`likelihood` is required");
        }
        let affects = match r.list("affects") {
            items if items.is_empty() => Some(Affects::ALL),
            items => {
                let text = items.join(";");
                let parsed = parse_affects(&text);
                if parsed.is_none() {
                    r.error(
                        "load::value",
                        "affects",
                        format!("expected a list of c, i, a (or confidentiality, integrity, availability), found `{}`", crate::diag::excerpt(&text)),
                    );
                }
                parsed
            }
        };
        let applies_to = r.text("applies_to").unwrap_or_else(|| "true".to_owned());
        let filter = match Expr::compile(&applies_to) {
            Ok(e) => Some(e),
            Err(errors) => {
                for e in errors {
                    let d = r.inner_diagnostic(
                        "load::rule",
                        "applies_to",
                        e.offset,
                        e.len,
                        format!("threat applicability filter: {}", e.message),
                    );
                    r.push(d);
                }
                None
            }
        };
        let threat = Threat {
            id: String::new(),
            name: String::new(),
            category: r.text("category"),
            applies_to,
            likelihood: likelihood.unwrap_or(1),
            affects: affects.unwrap_or(Affects::ALL),
            description: r.text("description"),
            origin: self.origin(r),
        };
        let (Some(id), Some(_), Some(_), Some(filter)) = (id, likelihood, affects, filter) else {
            return;
        };
        let threat = Threat {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            ..threat
        };
        // A workspace threat with the id of a built-in one replaces it (to tune its likelihood
        // or filter); any other repeated id is an error.
        if let Some((existing, _)) = self.threat_ids.get(&threat.id)
            && existing.index() < self.builtin_threat_count
        {
            let at = existing.index();
            self.threat_filters[at] = filter;
            self.threats[at] = threat;
            return;
        }
        let idx = ThreatIdx(self.threats.len() as u32);
        let here = self.origin(r);
        let id = threat.id.clone();
        if register(
            r,
            &mut self.threat_ids,
            &id,
            idx,
            "threat",
            here,
            &self.sources,
        ) {
            self.threats.push(threat);
            self.threat_filters.push(filter);
        }
    }

    /// The records a list field names; an unknown one is an error unless a record of that id
    /// failed already (see [`Failed`]).
    pub(super) fn resolve_list<I: Copy>(
        r: &mut Record<'_, '_>,
        field: &str,
        what: &str,
        index: &Ids<I>,
        failed: &Failed,
    ) -> Vec<I> {
        let mut out = Vec::new();
        for id in r.list(field) {
            match index.get(&id) {
                Some((idx, _)) => out.push(*idx),
                None if failed.explains(&id) => {}
                None => r.error(
                    "load::unknown-reference",
                    field,
                    format!("unknown {what} `{id}`"),
                ),
            }
        }
        out
    }

    pub(super) fn risk(&mut self, r: &mut Record<'_, '_>) {
        let id = r.required("id");
        let title = r.text("title");
        if r.list("assets").is_empty() {
            r.missing("assets", "a risk names at least one asset");
        }
        let assets =
            Self::resolve_list(r, "assets", "asset", &self.asset_ids, &self.failed[ASSETS]);
        let threat = r
            .text("threat")
            .and_then(|t| match self.threat_ids.get(&t) {
                Some((idx, _)) => Some(*idx),
                None if self.failed[THREATS].explains(&t) => None,
                None => {
                    r.error(
                        "load::unknown-reference",
                        "threat",
                        format!("unknown threat `{t}`"),
                    );
                    None
                }
            });
        let option = r.vocab(
            "treatment",
            TreatmentOption::parse,
            TreatmentOption::expected,
        );
        let accepted_by = r.text("accepted_by");
        let accepted_on = r.date("accepted_on");
        let accepted_until = r.date("accepted_until");
        let acceptance = match (accepted_by, accepted_on) {
            (Some(by), Some(on)) => {
                if accepted_until.is_some_and(|until| until < on) {
                    r.error(
                        "load::value",
                        "accepted_until",
                        "the acceptance ends before the date it was given",
                    );
                }
                Some(Acceptance {
                    by,
                    on,
                    until: accepted_until,
                })
            }
            (Some(_), None) if r.text("accepted_on").is_none() => {
                r.missing(
                    "accepted_on",
                    "an acceptance needs the date it was given (accepted_on)",
                );
                None
            }
            (None, Some(_)) => {
                r.missing(
                    "accepted_by",
                    "an acceptance needs who gave it (accepted_by)",
                );
                None
            }
            _ => None,
        };
        let transfer_reference = r.text("transfer_reference");
        let risk = Risk {
            id: String::new(),
            title: String::new(),
            description: r.text("description"),
            assets,
            threat,
            vulnerability: r.text("vulnerability"),
            owner: r.text("owner"),
            likelihood: r.level("likelihood", self.scale_l),
            impact: r.level("impact", self.scale_i),
            treatment: option.map(|option| TreatmentDecision {
                option,
                transfer_reference,
                acceptance,
            }),
            assessed_on: r.date("assessed_on"),
            origin: self.origin(r),
        };
        let Some(id) = id else { return };
        let idx = RiskIdx(self.risks.len() as u32);
        let here = self.origin(r);
        if register(r, &mut self.risk_ids, &id, idx, "risk", here, &self.sources) {
            self.risks.push(Risk {
                title: title.unwrap_or_else(|| id.clone()),
                id,
                ..risk
            });
        }
    }

    fn controls(&mut self, r: &mut Record<'_, '_>, field: &str) -> Vec<ControlIdx> {
        let mut out = Vec::new();
        for id in r.list(field) {
            match self.catalog.resolve(&id) {
                Ok(idx) => out.push(idx),
                Err((message, help)) => {
                    let d = r
                        .diagnostic("load::unknown-reference", field, message)
                        .with_help(help);
                    r.push(d);
                }
            }
        }
        out
    }

    pub(super) fn action(&mut self, r: &mut Record<'_, '_>) {
        let id = r.required("id");
        let title = r.text("title");
        let risks = Self::resolve_list(r, "risks", "risk", &self.risk_ids, &self.failed[RISKS]);
        let controls = self.controls(r, "controls");
        let due = r.date("due");
        let completed_on = r.date("completed_on");
        let status = r
            .vocab("status", ActionStatus::parse, ActionStatus::expected)
            .unwrap_or(ActionStatus::Planned);
        let max_step = i64::from(self.scale_l.max(self.scale_i) - 1);
        let reduction = |r: &mut Record<'_, '_>, f| r.int(f, 0..=max_step).unwrap_or(0) as u8;
        let action = TreatmentAction {
            id: String::new(),
            title: String::new(),
            risks,
            controls,
            owner: r.text("owner"),
            due,
            status,
            completed_on,
            likelihood_reduction: reduction(r, "likelihood_reduction"),
            impact_reduction: reduction(r, "impact_reduction"),
            origin: self.origin(r),
        };
        let Some(id) = id else { return };
        let here = self.origin(r);
        let idx = self.actions.len();
        if register(
            r,
            &mut self.action_ids,
            &id,
            idx,
            "treatment action",
            here,
            &self.sources,
        ) {
            self.actions.push(TreatmentAction {
                title: title.unwrap_or_else(|| id.clone()),
                id,
                ..action
            });
        }
    }

    pub(super) fn soa_entry(&mut self, r: &mut Record<'_, '_>) {
        let control = r
            .required("control")
            .and_then(|id| match self.catalog.resolve(&id) {
                Ok(idx) => Some(idx),
                Err((message, help)) => {
                    let d = r
                        .diagnostic("load::unknown-reference", "control", message)
                        .with_help(help);
                    r.push(d);
                    None
                }
            });
        let applicable = r.boolean("applicable");
        // An empty `applicable` in an `applicable` column is a decision still to be made (the
        // SoA `isms init` writes lists every control so): kept in view, not an error.
        let undecided = applicable.is_none() && r.text("applicable").is_none();
        if undecided && !r.has("applicable") {
            r.missing("applicable", "`applicable` is required (yes or no)");
        }
        let status = r.vocab(
            "status",
            ImplementationStatus::parse,
            ImplementationStatus::expected,
        );
        let entry = SoaEntry {
            control: ControlIdx(0),
            applicable: applicable.unwrap_or(false),
            justification: r.text("justification"),
            status: status.unwrap_or(ImplementationStatus::NotImplemented),
            status_given: status.is_some(),
            evidence: r.list("evidence"),
            origin: self.origin(r),
        };
        let Some(control) = control else { return };
        if applicable.is_none() && !(undecided && r.has("applicable")) {
            return;
        }
        let key = self.catalog.control(control).id.clone();
        let here = self.origin(r);
        if let Some((_, first)) = self.soa_ids.get(&key) {
            r.error(
                "load::duplicate-id",
                "control",
                format!(
                    "control `{key}` appears twice in the SoA (first at {})",
                    read_at(&self.sources, *first)
                ),
            );
            return;
        }
        self.soa_ids.insert(key, (self.soa.len(), here));
        if applicable.is_none() {
            self.soa_undecided.push((control, entry.origin));
            return;
        }
        self.soa.push(SoaEntry { control, ..entry });
    }
}

/// `c;i;a`, `confidentiality|availability`, `CIA`.
fn parse_affects(text: &str) -> Option<Affects> {
    let mut a = Affects {
        confidentiality: false,
        integrity: false,
        availability: false,
    };
    let lower = text.trim().to_ascii_lowercase();
    let parts: Vec<String> = if lower.contains([';', '|', ',']) {
        lower
            .split([';', '|', ','])
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect()
    } else if ["confidentiality", "integrity", "availability"].contains(&lower.as_str()) {
        vec![lower]
    } else {
        lower
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(String::from)
            .collect()
    };
    for p in &parts {
        match p.as_str() {
            "c" | "confidentiality" => a.confidentiality = true,
            "i" | "integrity" => a.integrity = true,
            "a" | "availability" => a.availability = true,
            _ => return None,
        }
    }
    (!parts.is_empty()).then_some(a)
}
