//! Record -> model conversion for the operating-cycle inputs: audits, findings, corrective
//! actions, management reviews, the documents register, people and accounts.
//!
//! They are read after the SoA, in reference order (findings name audits, corrective actions
//! name findings, accounts name people), so every reference resolves while its record is read.

use super::inventory::register;
use super::{FINDINGS, Loader, PEOPLE};
use crate::cycle::{mandatory_document, mandatory_documents};
use crate::input::Record;
use crate::model::*;

pub const AUDIT_FIELDS: &[&str] = &[
    "id",
    "title",
    "scope",
    "auditor",
    "auditor_unit",
    "audited_units",
    "independent",
    "planned",
    "performed",
    "status",
    "report",
];

pub const FINDING_FIELDS: &[&str] = &[
    "id",
    "audit",
    "type",
    "reference",
    "description",
    "evidence",
    "raised_on",
];

pub const CORRECTIVE_ACTION_FIELDS: &[&str] = &[
    "id",
    "title",
    "findings",
    "root_cause",
    "owner",
    "due",
    "status",
    "completed_on",
    "verified_on",
    "effective",
];

pub const REVIEW_FIELDS: &[&str] = &["id", "date", "inputs", "decisions"];

pub const DOCUMENT_FIELDS: &[&str] = &[
    "id",
    "title",
    "covers",
    "owner",
    "version",
    "last_review",
    "next_review",
    "status",
];

pub const PERSON_FIELDS: &[&str] = &[
    "id",
    "name",
    "unit",
    "role",
    "joined_on",
    "moved_on",
    "left_on",
];

pub const ACCOUNT_FIELDS: &[&str] = &["id", "person", "system", "status", "privileged", "revoked"];

impl Loader {
    /// Reads `4`..`10` (with sub-clauses), an Annex A theme (`A.5`) or a control id, with the
    /// normalised text of the reference (`9.2`, `A.7`, `A.8.8`).
    fn reference(
        &mut self,
        r: &mut Record<'_, '_>,
        field: &str,
        text: &str,
    ) -> Option<(AuditScope, String)> {
        let t = text.trim();
        if t.starts_with(|c: char| c.is_ascii_digit()) {
            let top = t
                .split(['.', ' '])
                .next()
                .and_then(|n| n.parse::<u8>().ok());
            let valid = top.is_some_and(|n| (4..=10).contains(&n))
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == ' ');
            return match top {
                Some(n) if valid => Some((AuditScope::Clause(n), t.to_owned())),
                _ => {
                    r.error(
                        "load::value",
                        field,
                        format!("`{t}` is not a clause of ISO/IEC 27001 (4 to 10, such as 9.2)"),
                    );
                    None
                }
            };
        }
        if let Some(g) = self
            .catalog
            .groups
            .iter()
            .position(|g| g.id.eq_ignore_ascii_case(t))
        {
            return Some((AuditScope::Group(g), self.catalog.groups[g].id.clone()));
        }
        match self.catalog.resolve(t) {
            Ok(idx) => Some((
                AuditScope::Control(idx),
                self.catalog.control(idx).id.clone(),
            )),
            Err((message, help)) => {
                let d = r
                    .diagnostic("load::unknown-reference", field, message)
                    .with_help(format!(
                        "name a clause (4 to 10, such as 9.2), an Annex A theme (A.5) or a control; {help}"
                    ));
                r.push(d);
                None
            }
        }
    }

    pub(super) fn audit(&mut self, r: &mut Record<'_, '_>) {
        let id = r.required("id");
        let title = r.text("title");
        let mut scope = Vec::new();
        for item in r.list("scope") {
            if let Some((s, _)) = self.reference(r, "scope", &item) {
                scope.push(s);
            }
        }
        scope.sort_unstable();
        scope.dedup();
        let status = r
            .vocab("status", ActionStatus::parse, ActionStatus::expected)
            .unwrap_or(ActionStatus::Planned);
        let performed = r.date("performed");
        if status == ActionStatus::Done && performed.is_none() && r.text("performed").is_none() {
            r.missing(
                "performed",
                "a done audit needs the date it was performed (performed)",
            );
        }
        let audit = Audit {
            id: String::new(),
            title: String::new(),
            scope,
            auditor: r.text("auditor"),
            auditor_unit: r.text("auditor_unit"),
            audited_units: r.list("audited_units"),
            independent: r.boolean("independent"),
            planned: r.date("planned"),
            performed,
            status,
            report: r.text("report"),
            origin: self.origin(r),
        };
        let Some(id) = id else { return };
        let idx = AuditIdx(self.cycle.audits.len() as u32);
        let here = self.origin(r);
        if register(
            r,
            &mut self.cycle_ids.audits,
            &id,
            idx,
            "audit",
            here,
            &self.sources,
        ) {
            self.cycle.audits.push(Audit {
                title: title.unwrap_or_else(|| id.clone()),
                id,
                ..audit
            });
        }
    }

    pub(super) fn finding(&mut self, r: &mut Record<'_, '_>) {
        let id = r.required("id");
        let audit = r
            .text("audit")
            .and_then(|a| match self.cycle_ids.audits.get(&a) {
                Some((idx, _)) => Some(*idx),
                None if self.failed[super::AUDITS].explains(&a) => None,
                None => {
                    r.error(
                        "load::unknown-reference",
                        "audit",
                        format!("unknown audit `{a}`"),
                    );
                    None
                }
            });
        let kind = r.vocab("type", FindingKind::parse, FindingKind::expected);
        if kind.is_none() && r.text("type").is_none() {
            r.missing(
                "type",
                format!("`type` is required: one of {}", FindingKind::expected()),
            );
        }
        let reference = r
            .text("reference")
            .and_then(|t| self.reference(r, "reference", &t).map(|(_, text)| text));
        let finding = Finding {
            id: String::new(),
            audit,
            kind: FindingKind::Observation,
            reference,
            description: r.text("description"),
            evidence: r.text("evidence"),
            raised_on: r.date("raised_on"),
            origin: self.origin(r),
        };
        let (Some(id), Some(kind)) = (id, kind) else {
            return;
        };
        let idx = FindingIdx(self.cycle.findings.len() as u32);
        let here = self.origin(r);
        if register(
            r,
            &mut self.cycle_ids.findings,
            &id,
            idx,
            "finding",
            here,
            &self.sources,
        ) {
            self.cycle.findings.push(Finding {
                id,
                kind,
                ..finding
            });
        }
    }

    pub(super) fn corrective_action(&mut self, r: &mut Record<'_, '_>) {
        let id = r.required("id");
        let title = r.text("title");
        if r.list("findings").is_empty() {
            r.missing(
                "findings",
                "a corrective action names the findings it corrects",
            );
        }
        let findings = Self::resolve_list(
            r,
            "findings",
            "finding",
            &self.cycle_ids.findings,
            &self.failed[FINDINGS],
        );
        let status = r
            .vocab("status", ActionStatus::parse, ActionStatus::expected)
            .unwrap_or(ActionStatus::Planned);
        let completed_on = r.date("completed_on");
        let verified_on = r.date("verified_on");
        if let (Some(done), Some(verified)) = (completed_on, verified_on)
            && verified < done
        {
            r.error(
                "load::value",
                "verified_on",
                "effectiveness is verified before the action was completed",
            );
        }
        let action = CorrectiveAction {
            id: String::new(),
            title: String::new(),
            findings,
            root_cause: r.text("root_cause"),
            owner: r.text("owner"),
            due: r.date("due"),
            status,
            completed_on,
            verified_on,
            effective: r.boolean("effective"),
            origin: self.origin(r),
        };
        let Some(id) = id else { return };
        let idx = self.cycle.corrective_actions.len();
        let here = self.origin(r);
        if register(
            r,
            &mut self.cycle_ids.corrective_actions,
            &id,
            idx,
            "corrective action",
            here,
            &self.sources,
        ) {
            self.cycle.corrective_actions.push(CorrectiveAction {
                title: title.unwrap_or_else(|| id.clone()),
                id,
                ..action
            });
        }
    }

    pub(super) fn review(&mut self, r: &mut Record<'_, '_>) {
        let id = r.required("id");
        let date = r.date("date");
        if date.is_none() && r.text("date").is_none() {
            r.missing("date", "`date` is required");
        }
        let mut inputs = Vec::new();
        for item in r.list("inputs") {
            match ReviewInput::parse(&item) {
                Some(i) => inputs.push(i),
                None => r.error(
                    "load::value",
                    "inputs",
                    format!(
                        "unknown review input `{item}`: expected some of {}",
                        ReviewInput::expected()
                    ),
                ),
            }
        }
        inputs.sort_unstable();
        inputs.dedup();
        let decisions = r.text("decisions");
        let origin = self.origin(r);
        let (Some(id), Some(date)) = (id, date) else {
            return;
        };
        let idx = self.cycle.reviews.len();
        let here = self.origin(r);
        if register(
            r,
            &mut self.cycle_ids.reviews,
            &id,
            idx,
            "management review",
            here,
            &self.sources,
        ) {
            self.cycle.reviews.push(ManagementReview {
                id,
                date,
                inputs,
                decisions,
                origin,
            });
        }
    }

    pub(super) fn document(&mut self, r: &mut Record<'_, '_>) {
        let id = r.required("id");
        let title = r.text("title");
        let mut covers = Vec::new();
        for item in r.list("covers") {
            match mandatory_document(&item) {
                Some(i) => covers.push(i),
                None => {
                    let ids: Vec<&str> = mandatory_documents()
                        .iter()
                        .map(|d| d.id.as_str())
                        .collect();
                    let d = r
                        .diagnostic(
                            "load::unknown-reference",
                            "covers",
                            format!("unknown mandatory document `{item}`"),
                        )
                        .with_help(format!(
                            "the ids of the mandatory and conditional documents are {}",
                            ids.join(", ")
                        ));
                    r.push(d);
                }
            }
        }
        covers.sort_unstable();
        covers.dedup();
        let document = Document {
            id: String::new(),
            title: String::new(),
            covers,
            owner: r.text("owner"),
            version: r.text("version"),
            last_review: r.date("last_review"),
            next_review: r.date("next_review"),
            status: r
                .vocab("status", DocumentStatus::parse, DocumentStatus::expected)
                .unwrap_or(DocumentStatus::Approved),
            origin: self.origin(r),
        };
        let Some(id) = id else { return };
        let idx = self.cycle.documents.len();
        let here = self.origin(r);
        if register(
            r,
            &mut self.cycle_ids.documents,
            &id,
            idx,
            "document",
            here,
            &self.sources,
        ) {
            self.cycle.documents.push(Document {
                title: title.unwrap_or_else(|| id.clone()),
                id,
                ..document
            });
        }
    }

    pub(super) fn person(&mut self, r: &mut Record<'_, '_>) {
        let id = r.required("id");
        let name = r.text("name");
        let joined_on = r.date("joined_on");
        let left_on = r.date("left_on");
        if let (Some(joined), Some(left)) = (joined_on, left_on)
            && left < joined
        {
            r.error("load::value", "left_on", "the person leaves before joining");
        }
        let person = Person {
            id: String::new(),
            name: String::new(),
            unit: r.text("unit"),
            role: r.text("role"),
            joined_on,
            moved_on: r.date("moved_on"),
            left_on,
            origin: self.origin(r),
        };
        let Some(id) = id else { return };
        let idx = PersonIdx(self.cycle.people.len() as u32);
        let here = self.origin(r);
        if register(
            r,
            &mut self.cycle_ids.people,
            &id,
            idx,
            "person",
            here,
            &self.sources,
        ) {
            self.cycle.people.push(Person {
                name: name.unwrap_or_else(|| id.clone()),
                id,
                ..person
            });
        }
    }

    pub(super) fn account(&mut self, r: &mut Record<'_, '_>) {
        let id = r.required("id");
        let person = r
            .required("person")
            .and_then(|p| match self.cycle_ids.people.get(&p) {
                Some((idx, _)) => Some(*idx),
                None if self.failed[PEOPLE].explains(&p) => None,
                None => {
                    r.error(
                        "load::unknown-reference",
                        "person",
                        format!("unknown person `{p}`"),
                    );
                    None
                }
            });
        let system = r.required("system");
        let revoked = r.date("revoked");
        // A recorded revocation without a status means the access was removed.
        let status = r
            .vocab("status", AccountStatus::parse, AccountStatus::expected)
            .unwrap_or(if revoked.is_some() {
                AccountStatus::Disabled
            } else {
                AccountStatus::Active
            });
        let privileged = r.boolean("privileged").unwrap_or(false);
        let origin = self.origin(r);
        let (Some(id), Some(person), Some(system)) = (id, person, system) else {
            return;
        };
        let idx = self.cycle.accounts.len();
        let here = self.origin(r);
        if register(
            r,
            &mut self.cycle_ids.accounts,
            &id,
            idx,
            "account",
            here,
            &self.sources,
        ) {
            self.cycle.accounts.push(Account {
                id,
                person,
                system,
                status,
                privileged,
                revoked,
                origin,
            });
        }
    }
}
