//! The operating cycle of the ISMS (clauses 9 and 10 and the documents register): the records
//! that show the system is operated, the intervals it is operated at, and the certification
//! readiness computed from them.
//!
//! Every operating-cycle input is optional. A workspace that does not name one still loads;
//! the gap checks of that kind then stay silent (there is nothing to judge), and
//! [`readiness`] reports the evidence as missing.

pub mod calendar;
pub mod readiness;

use std::sync::OnceLock;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::*;

/// The intervals the operating cycle is judged by (`[cycle]` in `isms.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CycleConfig {
    /// Longest time between two performed internal audits.
    pub audit_interval_months: u32,
    /// Longest time between two management reviews.
    pub review_interval_months: u32,
    /// Longest time before a register risk is assessed again.
    pub risk_assessment_interval_months: u32,
    /// Review interval of a document that names no next review date.
    pub document_review_months: u32,
    /// Days a nonconformity may wait for its root cause analysis.
    pub root_cause_days: u32,
    /// Days after completion by which a corrective action's effectiveness is verified.
    pub verification_days: u32,
    /// How far ahead the calendar lists what falls due.
    pub horizon_days: u32,
    /// Days after a leaver's last working day by which their access must be revoked.
    pub revocation_days: u32,
}

impl Default for CycleConfig {
    fn default() -> Self {
        CycleConfig {
            audit_interval_months: 12,
            review_interval_months: 12,
            risk_assessment_interval_months: 12,
            document_review_months: 12,
            root_cause_days: 30,
            verification_days: 90,
            horizon_days: 90,
            // A Friday leaver whose access is removed on Monday morning is on time; a week
            // or more is a leaver process that does not work.
            revocation_days: 3,
        }
    }
}

/// Which operating-cycle inputs the manifest names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CycleInputs {
    pub audits: bool,
    pub findings: bool,
    pub corrective_actions: bool,
    pub management_reviews: bool,
    pub documents: bool,
    pub people: bool,
    pub accounts: bool,
}

/// The operating-cycle records of a workspace, linked by index.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cycle {
    pub config: CycleConfig,
    pub inputs: CycleInputs,
    pub audits: Vec<Audit>,
    pub findings: Vec<Finding>,
    pub corrective_actions: Vec<CorrectiveAction>,
    pub reviews: Vec<ManagementReview>,
    pub documents: Vec<Document>,
    pub people: Vec<Person>,
    pub accounts: Vec<Account>,
}

impl Cycle {
    /// The corrective actions of a finding.
    pub fn actions_of(&self, finding: FindingIdx) -> impl Iterator<Item = &CorrectiveAction> {
        self.corrective_actions
            .iter()
            .filter(move |a| a.findings.contains(&finding))
    }

    /// When a document is next due for review: its next review date, else its last review plus
    /// the configured interval; `None` when it records neither.
    pub fn document_due(&self, d: &Document) -> Option<NaiveDate> {
        d.next_review.or_else(|| {
            d.last_review
                .and_then(|l| add_months(l, self.config.document_review_months))
        })
    }

    /// The latest performed internal audit.
    pub fn last_audit(&self) -> Option<&Audit> {
        self.audits
            .iter()
            .filter(|a| a.status == ActionStatus::Done && a.performed.is_some())
            .max_by_key(|a| (a.performed, std::cmp::Reverse(a.origin)))
    }

    /// The latest management review held on or before `as_of`.
    pub fn last_review(&self, as_of: NaiveDate) -> Option<&ManagementReview> {
        self.reviews
            .iter()
            .filter(|r| r.date <= as_of)
            .max_by_key(|r| (r.date, std::cmp::Reverse(r.origin)))
    }
}

/// A date some months later (the end of the month when the day does not exist).
pub fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

/// A document the standard requires, or one that an applicable control requires.
#[derive(Debug, Clone, Deserialize)]
pub struct MandatoryDocument {
    /// The id documents name in their `covers` column: `4.3`, `9.2.2.programme`, `A.5.15`.
    pub id: String,
    /// The clause or control as the standard numbers it.
    pub clause: String,
    /// A short name (never the standard's text).
    pub item: String,
    /// `mandatory` or `conditional`.
    pub kind: String,
    /// For a conditional document, the Annex A (2022) control that requires it when applicable.
    pub control: Option<String>,
}

impl MandatoryDocument {
    /// Whether the document is needed only when its control applies.
    pub fn is_conditional(&self) -> bool {
        self.kind == "conditional"
    }
}

const MANDATORY_CSV: &str = include_str!("../../../rulesets/documents/mandatory_2022.csv");

/// The documented information ISO/IEC 27001:2022 requires (clauses 4 to 10), and the documents
/// applicable Annex A controls commonly require, in clause order.
pub fn mandatory_documents() -> &'static [MandatoryDocument] {
    static LIST: OnceLock<Vec<MandatoryDocument>> = OnceLock::new();
    LIST.get_or_init(|| crate::catalog::embedded_rows("mandatory_2022.csv", MANDATORY_CSV))
}

/// The position of a mandatory document by its id.
pub fn mandatory_document(id: &str) -> Option<usize> {
    let id = id.trim();
    mandatory_documents()
        .iter()
        .position(|d| d.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, CatalogId};

    #[test]
    fn the_embedded_list_parses_and_names_real_controls() {
        let list = mandatory_documents();
        assert_eq!(list.iter().filter(|d| !d.is_conditional()).count(), 19);
        let catalog = Catalog::builtin(CatalogId::Iso27001_2022);
        for d in list.iter().filter(|d| d.is_conditional()) {
            let control = d.control.as_deref().unwrap_or_default();
            assert!(catalog.find(control).is_some(), "{control}");
        }
        let mut ids: Vec<&str> = list.iter().map(|d| d.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), list.len(), "ids are unique");
        assert_eq!(mandatory_document("a.5.15"), mandatory_document("A.5.15"));
        assert!(mandatory_document("4.4").is_none());
    }

    #[test]
    fn months_are_added_to_the_end_of_short_months() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
        assert_eq!(add_months(d, 1), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(add_months(d, 36), NaiveDate::from_ymd_opt(2027, 1, 31));
    }
}
