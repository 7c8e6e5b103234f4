//! Domain types of an ISMS workspace after loading and linking.
//!
//! Every cross-reference (risk -> asset, action -> control, ...) is an index into the
//! workspace's vectors, resolved once by the loader, so the later stages never look ids up by
//! string. Each record keeps its [`Origin`] so that reports can cite the file and line an
//! auditor should open.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalog::ControlIdx;

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The position in the owning vector.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

index_type!(
    /// Index of an [`Asset`] in [`crate::Workspace::assets`].
    AssetIdx
);
index_type!(
    /// Index of a [`Threat`] in [`crate::Workspace::threats`].
    ThreatIdx
);
index_type!(
    /// Index of a [`Risk`] in [`crate::Workspace::risks`].
    RiskIdx
);
index_type!(
    /// Index of a [`SourceFile`](crate::input::SourceFile) in [`crate::Workspace::sources`].
    SourceIdx
);

/// Where a record came from: the source file and the line its record starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Origin {
    pub source: SourceIdx,
    pub line: u32,
}

/// Declares a closed vocabulary: an enum with its spelling in input files, parsing that
/// accepts exactly those spellings (case-insensitive, `-` and ` ` taken as `_`), and Display.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling used in input and output files.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the input spelling; `None` when the text names no value.
            pub fn parse(text: &str) -> Option<Self> {
                let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted)
            }

            /// The accepted spellings, for error messages.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use vocabulary;

vocabulary!(
    /// The kind of an asset, as ISO 27005 groups primary and supporting assets.
    AssetKind {
        Information => "information",
        Software => "software",
        Hardware => "hardware",
        Service => "service",
        Network => "network",
        People => "people",
        Site => "site",
        Supplier => "supplier",
    }
);

vocabulary!(
    /// Information classification, ordered from least to most sensitive.
    Classification {
        Public => "public",
        Internal => "internal",
        Confidential => "confidential",
        Restricted => "restricted",
    }
);

vocabulary!(
    /// Lifecycle state of an asset; a retired asset should carry no open risk.
    AssetStatus {
        Planned => "planned",
        Active => "active",
        Retired => "retired",
    }
);

vocabulary!(
    /// The four risk treatment options of ISO 27005 (modify, avoid, share, retain).
    TreatmentOption {
        Treat => "treat",
        Terminate => "terminate",
        Transfer => "transfer",
        Tolerate => "tolerate",
    }
);

vocabulary!(
    /// Progress of one action of the risk treatment plan.
    ActionStatus {
        Planned => "planned",
        InProgress => "in_progress",
        Done => "done",
        Cancelled => "cancelled",
    }
);

vocabulary!(
    /// Implementation state of a control as the declared SoA states it.
    ImplementationStatus {
        NotImplemented => "not_implemented",
        Planned => "planned",
        Partial => "partial",
        Implemented => "implemented",
    }
);

vocabulary!(
    /// The source of a requirement that can make a control applicable.
    RequirementKind {
        Legal => "legal",
        Regulatory => "regulatory",
        Contractual => "contractual",
        Business => "business",
    }
);

vocabulary!(
    /// How serious a finding is, from most to least.
    Severity {
        Critical => "critical",
        High => "high",
        Medium => "medium",
        Low => "low",
        Info => "info",
    }
);

/// Confidentiality, integrity and availability values on the impact scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Cia {
    pub confidentiality: u8,
    pub integrity: u8,
    pub availability: u8,
}

impl Cia {
    /// The protection need of the asset: the highest of the three values.
    pub fn max(self) -> u8 {
        self.confidentiality
            .max(self.integrity)
            .max(self.availability)
    }
}

/// A free attribute of an asset (a CMDB column the model does not name).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AttrValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// An entry of the asset inventory (ISO 27001 A.5.9).
#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    pub id: String,
    pub name: String,
    pub kind: AssetKind,
    /// Free refinement of the kind as the CMDB names it: "server", "laptop", "database".
    pub subtype: Option<String>,
    pub owner: Option<String>,
    pub location: Option<String>,
    pub business_unit: Option<String>,
    pub classification: Option<Classification>,
    pub cia: Cia,
    pub status: AssetStatus,
    pub tags: Vec<String>,
    pub attributes: BTreeMap<String, AttrValue>,
    /// Assets this one depends on (runs on, is hosted by, is supplied by).
    pub depends_on: Vec<AssetIdx>,
    #[serde(skip)]
    pub origin: Origin,
}

/// A threat of the catalog, with the assets it applies to as a CEL filter.
#[derive(Debug, Clone, Serialize)]
pub struct Threat {
    pub id: String,
    pub name: String,
    pub category: Option<String>,
    /// CEL expression over `asset` (and `org`) selecting the assets the threat applies to.
    pub applies_to: String,
    /// Base likelihood on the matrix scale before any rule adjusts it.
    pub likelihood: u8,
    /// Which of C, I, A the threat harms; impact is derived from those values of the asset.
    pub affects: Affects,
    pub description: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
}

/// The security properties a threat harms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Affects {
    pub confidentiality: bool,
    pub integrity: bool,
    pub availability: bool,
}

impl Affects {
    /// All three properties.
    pub const ALL: Affects = Affects {
        confidentiality: true,
        integrity: true,
        availability: true,
    };
}

/// A risk acceptance record: who accepted the risk, when, and until when it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acceptance {
    pub by: String,
    pub on: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// The decision taken for a risk, with what each option needs as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreatmentDecision {
    pub option: TreatmentOption,
    /// Contract or insurance reference for a transferred risk.
    pub transfer_reference: Option<String>,
    pub acceptance: Option<Acceptance>,
}

/// A row of the risk register: asset(s) and threat with the assessed values.
#[derive(Debug, Clone, Serialize)]
pub struct Risk {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub assets: Vec<AssetIdx>,
    pub threat: Option<ThreatIdx>,
    pub vulnerability: Option<String>,
    pub owner: Option<String>,
    /// Assessed likelihood; when absent the engine derives it from the threat and the rules.
    pub likelihood: Option<u8>,
    /// Assessed impact; when absent the engine derives it from the assets' CIA values.
    pub impact: Option<u8>,
    pub treatment: Option<TreatmentDecision>,
    pub assessed_on: Option<NaiveDate>,
    #[serde(skip)]
    pub origin: Origin,
}

/// An action of the risk treatment plan (ISO 27001 6.1.3 e).
#[derive(Debug, Clone, Serialize)]
pub struct TreatmentAction {
    pub id: String,
    pub title: String,
    pub risks: Vec<RiskIdx>,
    pub controls: Vec<ControlIdx>,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub status: ActionStatus,
    pub completed_on: Option<NaiveDate>,
    /// Steps by which the action lowers likelihood once done.
    pub likelihood_reduction: u8,
    /// Steps by which the action lowers impact once done.
    pub impact_reduction: u8,
    #[serde(skip)]
    pub origin: Origin,
}

/// A row of the declared Statement of Applicability (ISO 27001 6.1.3 d).
#[derive(Debug, Clone, Serialize)]
pub struct SoaEntry {
    pub control: ControlIdx,
    pub applicable: bool,
    pub justification: Option<String>,
    pub status: ImplementationStatus,
    pub evidence: Vec<String>,
    #[serde(skip)]
    pub origin: Origin,
}

/// A legal, regulatory, contractual or business requirement of the organisation.
#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    pub id: String,
    pub kind: RequirementKind,
    pub title: String,
    /// Controls the requirement demands.
    pub controls: Vec<ControlIdx>,
}

/// A value of an organisation fact, as rules read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    Bool(bool),
    Int(i64),
    Text(String),
}

/// The organisation: its facts for rules, its requirements and its risk appetite.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub name: String,
    pub sector: Option<String>,
    /// Facts rules read as `org.<name>`: `develops_software`, `has_premises`, `uses_cloud`, ...
    pub facts: BTreeMap<String, FactValue>,
    pub requirements: Vec<Requirement>,
    /// Highest risk level (on the matrix's level scale) the organisation accepts untreated.
    pub risk_appetite: u8,
    /// Date of the initial certification, the start of the three-year cycle.
    pub certification_date: Option<NaiveDate>,
}

/// The ISMS scope: the statement of clause 4.3 and the CEL filter selecting in-scope assets.
#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    pub statement: String,
    /// CEL expression over `asset`; `None` means every asset is in scope.
    pub filter: Option<String>,
}

// ---- The operating cycle of the ISMS (clauses 9 and 10) ----

index_type!(
    /// Index of an [`Audit`] in [`crate::cycle::Cycle::audits`].
    AuditIdx
);
index_type!(
    /// Index of a [`Finding`] in [`crate::cycle::Cycle::findings`].
    FindingIdx
);
index_type!(
    /// Index of a [`Person`] in [`crate::cycle::Cycle::people`].
    PersonIdx
);

vocabulary!(
    /// What an audit finding is: a nonconformity (major or minor) or a remark.
    FindingKind {
        /// A requirement is not fulfilled and the system's ability to achieve its outcomes is in doubt.
        Major => "major",
        /// A single lapse against a requirement.
        Minor => "minor",
        Observation => "observation",
        Opportunity => "opportunity",
    }
);

impl FindingKind {
    /// Major and minor findings are nonconformities, which clause 10.2 requires to be acted on.
    pub fn is_nonconformity(self) -> bool {
        matches!(self, FindingKind::Major | FindingKind::Minor)
    }
}

vocabulary!(
    /// The inputs a management review considers (clause 9.3.2, short names).
    ReviewInput {
        PreviousActions => "previous_actions",
        IssuesChanges => "issues_changes",
        InterestedPartyChanges => "interested_party_changes",
        Nonconformities => "nonconformities",
        MonitoringResults => "monitoring_results",
        AuditResults => "audit_results",
        Objectives => "objectives",
        InterestedPartyFeedback => "interested_party_feedback",
        RiskAssessment => "risk_assessment",
        Improvement => "improvement",
    }
);

vocabulary!(
    /// State of a document of the register: only an approved document counts as evidence.
    DocumentStatus {
        Draft => "draft",
        Approved => "approved",
        Withdrawn => "withdrawn",
    }
);

vocabulary!(
    /// State of a user account.
    AccountStatus {
        Active => "active",
        Locked => "locked",
        Disabled => "disabled",
        Deleted => "deleted",
    }
);

/// What an internal audit covers: a clause of the standard (4 to 10) or Annex A controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditScope {
    /// A clause (or a sub-clause of it) of clauses 4 to 10, by its number.
    Clause(u8),
    /// A whole theme of Annex A (`A.5`), by its index among the catalog's groups.
    Group(usize),
    Control(ControlIdx),
}

/// An internal audit of the audit programme (clause 9.2), planned or performed.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub id: String,
    pub title: String,
    pub scope: Vec<AuditScope>,
    pub auditor: Option<String>,
    /// The organisational unit the auditor belongs to.
    pub auditor_unit: Option<String>,
    /// The units whose work the audit examines.
    pub audited_units: Vec<String>,
    /// An explicit statement of the auditor's independence, when the register records one.
    pub independent: Option<bool>,
    pub planned: Option<NaiveDate>,
    pub performed: Option<NaiveDate>,
    pub status: ActionStatus,
    pub report: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Audit {
    /// The date that places the audit in the programme: performed, else planned.
    pub fn date(&self) -> Option<NaiveDate> {
        self.performed.or(self.planned)
    }
}

/// A finding of an audit: a nonconformity, an observation or an opportunity for improvement.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: String,
    pub audit: Option<AuditIdx>,
    pub kind: FindingKind,
    /// The clause (`9.2`) or control (`A.8.8`) the finding is raised against.
    pub reference: Option<String>,
    pub description: Option<String>,
    pub evidence: Option<String>,
    pub raised_on: Option<NaiveDate>,
    #[serde(skip)]
    pub origin: Origin,
}

/// A corrective action for one or more nonconformities (clause 10.2).
#[derive(Debug, Clone, Serialize)]
pub struct CorrectiveAction {
    pub id: String,
    pub title: String,
    pub findings: Vec<FindingIdx>,
    pub root_cause: Option<String>,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub status: ActionStatus,
    pub completed_on: Option<NaiveDate>,
    /// When the effectiveness of the action was reviewed.
    pub verified_on: Option<NaiveDate>,
    /// The outcome of that review.
    pub effective: Option<bool>,
    #[serde(skip)]
    pub origin: Origin,
}

/// A management review (clause 9.3).
#[derive(Debug, Clone, Serialize)]
pub struct ManagementReview {
    pub id: String,
    pub date: NaiveDate,
    pub inputs: Vec<ReviewInput>,
    pub decisions: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
}

/// An entry of the documents register.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub id: String,
    pub title: String,
    /// The mandatory or conditional documents it provides, by index into
    /// [`crate::cycle::mandatory_documents`].
    pub covers: Vec<usize>,
    pub owner: Option<String>,
    pub version: Option<String>,
    pub last_review: Option<NaiveDate>,
    pub next_review: Option<NaiveDate>,
    pub status: DocumentStatus,
    #[serde(skip)]
    pub origin: Origin,
}

/// A member of staff or a contractor: joiner, mover, leaver.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    pub role: Option<String>,
    pub joined_on: Option<NaiveDate>,
    pub moved_on: Option<NaiveDate>,
    /// The last working day of a leaver.
    pub left_on: Option<NaiveDate>,
    #[serde(skip)]
    pub origin: Origin,
}

/// A user account of a person on a system.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: String,
    pub person: PersonIdx,
    pub system: String,
    pub status: AccountStatus,
    pub privileged: bool,
    #[serde(skip)]
    pub origin: Origin,
}
