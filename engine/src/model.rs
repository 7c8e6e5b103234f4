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
    /// The file the record was read from.
    pub source: SourceIdx,
    /// 1-based line on which the record starts.
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
        /// Information itself: data, records, knowledge (a primary asset).
        Information => "information",
        /// Applications, operating systems and other programs.
        Software => "software",
        /// Physical equipment: servers, laptops, network devices, media.
        Hardware => "hardware",
        /// A service run or bought by the organisation (IT, cloud, business process).
        Service => "service",
        /// A network or communication link.
        Network => "network",
        /// Staff, contractors or a group of them, with their knowledge and skills.
        People => "people",
        /// A physical location: an office, a data centre, a server room.
        Site => "site",
        /// An external organisation that supplies goods or services.
        Supplier => "supplier",
    }
);

vocabulary!(
    /// Information classification, ordered from least to most sensitive.
    Classification {
        /// Meant for anyone; an asset without CIA values gets 1 for each.
        Public => "public",
        /// For staff and authorised parties; default CIA value 2.
        Internal => "internal",
        /// For those who need it; disclosure would harm the organisation. Default CIA value 4.
        Confidential => "confidential",
        /// The most sensitive, for named people only; default CIA value 5.
        Restricted => "restricted",
    }
);

vocabulary!(
    /// Lifecycle state of an asset; a retired asset should carry no open risk.
    AssetStatus {
        /// Not yet in operation: being procured or built.
        Planned => "planned",
        /// In operation; the status when the export gives none.
        Active => "active",
        /// Taken out of operation or disposed of.
        Retired => "retired",
    }
);

vocabulary!(
    /// The four risk treatment options of ISO 27005 (modify, avoid, share, retain).
    TreatmentOption {
        /// Modify the risk with controls, through actions of the treatment plan.
        Treat => "treat",
        /// Avoid the risk: stop the activity or retire the assets it concerns.
        Terminate => "terminate",
        /// Share the risk with another party (insurance, contract), named by a reference.
        Transfer => "transfer",
        /// Retain the risk; above the appetite it needs a recorded acceptance.
        Tolerate => "tolerate",
    }
);

vocabulary!(
    /// Progress of one action of the risk treatment plan.
    ActionStatus {
        /// Decided but not started; the status when the input gives none.
        Planned => "planned",
        /// Started and not yet finished.
        InProgress => "in_progress",
        /// Finished.
        Done => "done",
        /// Abandoned: counts neither as done nor as open.
        Cancelled => "cancelled",
    }
);

vocabulary!(
    /// Implementation state of a control as the declared SoA states it.
    ImplementationStatus {
        /// Nothing of the control is in place; the status when the SoA gives none.
        NotImplemented => "not_implemented",
        /// Not in place yet, but its implementation is planned.
        Planned => "planned",
        /// Partly in place.
        Partial => "partial",
        /// In place and operating.
        Implemented => "implemented",
    }
);

vocabulary!(
    /// The source of a requirement that can make a control applicable.
    RequirementKind {
        /// A law, such as data protection legislation.
        Legal => "legal",
        /// A regulation or a regulator's rule binding on the sector.
        Regulatory => "regulatory",
        /// An obligation in a contract with a customer, supplier or partner.
        Contractual => "contractual",
        /// A need of the organisation itself (a policy, a management decision).
        Business => "business",
    }
);

vocabulary!(
    /// How serious a finding is, from most to least.
    Severity {
        /// Needs action now: a serious exposure, such as a privileged leaver account still active.
        Critical => "critical",
        /// Likely to be raised as a nonconformity, or a risk above the appetite left unhandled.
        High => "high",
        /// A weakness to correct within the cycle.
        Medium => "medium",
        /// A minor shortcoming, mostly in the records.
        Low => "low",
        /// Worth knowing; calls for no action.
        Info => "info",
    }
);

/// Confidentiality, integrity and availability values on the impact scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Cia {
    /// Harm from unauthorised disclosure, 1 to the impact scale's maximum.
    pub confidentiality: u8,
    /// Harm from unauthorised change or loss of accuracy, on the same scale.
    pub integrity: u8,
    /// Harm from the asset being unavailable, on the same scale.
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
    /// `true`/`false` or `yes`/`no`.
    Bool(bool),
    /// A whole number (text with a leading zero, like `007`, stays text).
    Int(i64),
    /// A finite decimal number.
    Float(f64),
    /// Anything else, as written.
    Text(String),
}

/// The free attributes of an asset, sorted by name, each name once.
///
/// A sorted boxed slice, not a `BTreeMap`: an asset has a handful of attributes, and a tree
/// allocates a node of eleven slots for them, which at 100,000 assets is some 60 MB of
/// memory touched for nothing. Lookups scan (a handful) or search (more).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes(Box<[(Box<str>, AttrValue)]>);

impl Attributes {
    /// The value of the attribute `name`.
    pub fn get(&self, name: &str) -> Option<&AttrValue> {
        let found = if self.0.len() <= 8 {
            // Comparing lengths first beats the ordered comparisons of a search.
            self.0
                .iter()
                .position(|(k, _)| k.len() == name.len() && &**k == name)
        } else {
            self.0.binary_search_by(|(k, _)| (**k).cmp(name)).ok()
        };
        found.map(|i| &self.0[i].1)
    }

    /// The attributes, sorted by name.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &AttrValue)> {
        self.into_iter()
    }

    /// The names, sorted.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> {
        self.0.iter().map(|(k, _)| &**k)
    }

    /// How many attributes there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// As a map collects: sorted by name, and of a name given twice the last value stays.
impl<K: Into<Box<str>>> FromIterator<(K, AttrValue)> for Attributes {
    fn from_iter<I: IntoIterator<Item = (K, AttrValue)>>(iter: I) -> Self {
        let mut items: Vec<(Box<str>, AttrValue)> =
            iter.into_iter().map(|(k, v)| (k.into(), v)).collect();
        // Stable: of equal names the later one comes later, and is the one kept.
        items.sort_by(|a, b| a.0.cmp(&b.0));
        items.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        Attributes(items.into_boxed_slice())
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = (&'a str, &'a AttrValue);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Box<str>, AttrValue)>,
        fn(&'a (Box<str>, AttrValue)) -> (&'a str, &'a AttrValue),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (&**k, v))
    }
}

impl From<BTreeMap<String, AttrValue>> for Attributes {
    fn from(map: BTreeMap<String, AttrValue>) -> Self {
        map.into_iter().collect()
    }
}

impl Serialize for Attributes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// An entry of the asset inventory (ISO 27001 A.5.9).
#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    /// Inventory id, unique among assets (`AST-0001`).
    pub id: String,
    /// Display name; the id when the export gives none.
    pub name: String,
    /// The asset type (input column `type`).
    pub kind: AssetKind,
    /// Free refinement of the kind as the CMDB names it: "server", "laptop", "database".
    pub subtype: Option<String>,
    /// The accountable owner (A.5.9), a person or role as written.
    pub owner: Option<String>,
    /// Where the asset is, as written (a site, a region, a cloud account).
    pub location: Option<String>,
    /// The organisational unit the asset belongs to.
    pub business_unit: Option<String>,
    /// Information classification (A.5.12), when the export gives one.
    pub classification: Option<Classification>,
    /// Protection needs; values the export omits come from the classification.
    pub cia: Cia,
    /// Lifecycle state; `Active` when the export gives none.
    pub status: AssetStatus,
    /// Free labels, in input order (`premises`, `hq`).
    pub tags: Vec<String>,
    /// The export's columns the model does not name, by column name, as rules read them.
    pub attributes: Attributes,
    /// Assets this one depends on (runs on, is hosted by, is supplied by), sorted and without
    /// repeats.
    pub depends_on: Vec<AssetIdx>,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// A threat of the catalog, with the assets it applies to as a CEL filter.
#[derive(Debug, Clone, Serialize)]
pub struct Threat {
    /// Catalog id, unique among threats; a workspace threat with a built-in id replaces it.
    pub id: String,
    /// Display name; the id when the input gives none.
    pub name: String,
    /// Free grouping, e.g. `environmental`, `supplier`, `technical attack`.
    pub category: Option<String>,
    /// CEL expression over `asset` (and `org`) selecting the assets the threat applies to.
    pub applies_to: String,
    /// Base likelihood on the matrix scale before any rule adjusts it.
    pub likelihood: u8,
    /// Which of C, I, A the threat harms; impact is derived from those values of the asset.
    pub affects: Affects,
    /// What the threat is, in words.
    pub description: Option<String>,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// The security properties a threat harms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Affects {
    /// The threat can disclose the asset.
    pub confidentiality: bool,
    /// The threat can alter or corrupt the asset.
    pub integrity: bool,
    /// The threat can make the asset unavailable.
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
    /// Who accepted the risk, usually its owner (input column `accepted_by`).
    pub by: String,
    /// The date the acceptance was given.
    pub on: NaiveDate,
    /// The last day the acceptance holds; `None` for no end date.
    pub until: Option<NaiveDate>,
}

/// The decision taken for a risk, with what each option needs as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreatmentDecision {
    /// The chosen option (input column `treatment`).
    pub option: TreatmentOption,
    /// Contract or insurance reference for a transferred risk.
    pub transfer_reference: Option<String>,
    /// The acceptance of the remaining risk, when one is recorded.
    pub acceptance: Option<Acceptance>,
}

/// A row of the risk register: asset(s) and threat with the assessed values.
#[derive(Debug, Clone, Serialize)]
pub struct Risk {
    /// Register id, unique among risks (`RSK-001`).
    pub id: String,
    /// Short title; the id when the register gives none.
    pub title: String,
    /// The scenario in words.
    pub description: Option<String>,
    /// The assets at risk, in input order; at least one.
    pub assets: Vec<AssetIdx>,
    /// The threat of the catalog the risk stems from, when named.
    pub threat: Option<ThreatIdx>,
    /// The weakness the threat exploits, in words.
    pub vulnerability: Option<String>,
    /// The risk owner (ISO 27001 6.1.2 c), who approves treatment and acceptance.
    pub owner: Option<String>,
    /// Assessed likelihood; when absent the engine derives it from the threat and the rules.
    pub likelihood: Option<u8>,
    /// Assessed impact; when absent the engine derives it from the assets' CIA values.
    pub impact: Option<u8>,
    /// The treatment decision; `None` when no option is recorded yet.
    pub treatment: Option<TreatmentDecision>,
    /// When the risk was last assessed; dates the reassessment interval.
    pub assessed_on: Option<NaiveDate>,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// An action of the risk treatment plan (ISO 27001 6.1.3 e).
#[derive(Debug, Clone, Serialize)]
pub struct TreatmentAction {
    /// Plan id, unique among actions.
    pub id: String,
    /// What the action does; the id when the plan gives none.
    pub title: String,
    /// The risks the action treats, in input order.
    pub risks: Vec<RiskIdx>,
    /// The Annex A controls the action implements, in input order.
    pub controls: Vec<ControlIdx>,
    /// Who is responsible for the action.
    pub owner: Option<String>,
    /// The date by which the action should be done.
    pub due: Option<NaiveDate>,
    /// Progress; `Planned` when the plan gives none.
    pub status: ActionStatus,
    /// When the action was finished.
    pub completed_on: Option<NaiveDate>,
    /// Steps by which the action lowers likelihood once done.
    pub likelihood_reduction: u8,
    /// Steps by which the action lowers impact once done.
    pub impact_reduction: u8,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// A row of the declared Statement of Applicability (ISO 27001 6.1.3 d).
#[derive(Debug, Clone, Serialize)]
pub struct SoaEntry {
    /// The Annex A control of the row; each control appears at most once.
    pub control: ControlIdx,
    /// Whether the organisation declares the control applicable.
    pub applicable: bool,
    /// The declared reason for including or excluding the control.
    pub justification: Option<String>,
    /// Declared implementation state; `NotImplemented` when the row gives none.
    pub status: ImplementationStatus,
    /// Whether the row states a status (else `status` is the default, not a declaration).
    pub status_given: bool,
    /// References to the evidence of implementation (documents, tickets, links), in input order.
    pub evidence: Vec<String>,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// A legal, regulatory, contractual or business requirement of the organisation.
#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    /// Id as the profile gives it.
    pub id: String,
    /// Where the requirement comes from; it becomes the category of the SoA reason.
    pub kind: RequirementKind,
    /// The requirement in a few words, e.g. the name of the law or contract.
    pub title: String,
    /// Controls the requirement demands.
    pub controls: Vec<ControlIdx>,
}

/// A value of an organisation fact, as rules read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    /// A TOML boolean.
    Bool(bool),
    /// A TOML integer.
    Int(i64),
    /// A TOML string.
    Text(String),
}

/// The organisation: its facts for rules, its requirements and its risk appetite.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// The organisation's name.
    pub name: String,
    /// The organisation's sector, as written in the profile.
    pub sector: Option<String>,
    /// Facts rules read as `org.<name>`: `develops_software`, `has_premises`, `uses_cloud`, ...
    pub facts: BTreeMap<String, FactValue>,
    /// Requirements that make controls applicable, in profile order.
    pub requirements: Vec<Requirement>,
    /// Highest risk level (on the matrix's level scale) the organisation accepts untreated.
    pub risk_appetite: u8,
    /// Date of the initial certification, the start of the three-year cycle.
    pub certification_date: Option<NaiveDate>,
    /// Ids of the frameworks the organisation must meet besides ISO/IEC 27001
    /// (`nis2-2024-2690`), each built in or named under `[[frameworks]]`, in profile order.
    pub frameworks: Vec<String>,
}

/// The ISMS scope: the statement of clause 4.3 and the CEL filter selecting in-scope assets.
#[derive(Debug, Clone, Serialize)]
pub struct Scope {
    /// The scope statement as written in `isms.toml`, trimmed.
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
        /// A remark that is not a nonconformity; no corrective action is required.
        Observation => "observation",
        /// An opportunity for improvement suggested by the auditor.
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
        /// Follow-up of what earlier reviews decided.
        PreviousActions => "previous_actions",
        /// What changed in the organisation's internal and external context.
        IssuesChanges => "issues_changes",
        /// New or changed requirements of customers, regulators and other parties.
        InterestedPartyChanges => "interested_party_changes",
        /// Nonconformities found and how their corrective actions went.
        Nonconformities => "nonconformities",
        /// What monitoring and measurement showed (KPIs and their trends).
        MonitoringResults => "monitoring_results",
        /// What internal and external audits found.
        AuditResults => "audit_results",
        /// How far the security objectives are met.
        Objectives => "objectives",
        /// What interested parties said about security (complaints, questionnaires).
        InterestedPartyFeedback => "interested_party_feedback",
        /// The latest risk assessment and the progress of the treatment plan.
        RiskAssessment => "risk_assessment",
        /// Proposals to improve the ISMS.
        Improvement => "improvement",
    }
);

vocabulary!(
    /// State of a document of the register: only an approved document counts as evidence.
    DocumentStatus {
        /// Being written or revised; not yet evidence.
        Draft => "draft",
        /// Approved and in force; the status when the register gives none.
        Approved => "approved",
        /// No longer in force; kept for the record only.
        Withdrawn => "withdrawn",
    }
);

vocabulary!(
    /// State of a user account.
    AccountStatus {
        /// Usable; the status when the input gives none. A leaver's active account is a gap.
        Active => "active",
        /// Temporarily blocked (failed logins, suspension).
        Locked => "locked",
        /// Switched off but still present on the system.
        Disabled => "disabled",
        /// Removed from the system.
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
    /// A single Annex A control.
    Control(ControlIdx),
}

/// An internal audit of the audit programme (clause 9.2), planned or performed.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// Programme id, unique among audits.
    pub id: String,
    /// What the audit covers, in words; the id when the register gives none.
    pub title: String,
    /// The clauses, themes and controls audited, sorted and without repeats.
    pub scope: Vec<AuditScope>,
    /// Who performs the audit (a person, or a person and firm).
    pub auditor: Option<String>,
    /// The organisational unit the auditor belongs to.
    pub auditor_unit: Option<String>,
    /// The units whose work the audit examines.
    pub audited_units: Vec<String>,
    /// An explicit statement of the auditor's independence, when the register records one.
    pub independent: Option<bool>,
    /// The date the audit is planned for.
    pub planned: Option<NaiveDate>,
    /// The date the audit took place; required once it is done.
    pub performed: Option<NaiveDate>,
    /// Progress; `Planned` when the register gives none. A done audit needs `performed`.
    pub status: ActionStatus,
    /// Reference of the audit report (a document id or title).
    pub report: Option<String>,
    /// Where the record was read.
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
    /// Finding id, unique among findings.
    pub id: String,
    /// The audit that raised it, when the register names one.
    pub audit: Option<AuditIdx>,
    /// Nonconformity (major, minor), observation or opportunity (input column `type`).
    pub kind: FindingKind,
    /// The clause (`9.2`) or control (`A.8.8`) the finding is raised against.
    pub reference: Option<String>,
    /// What was found, in words.
    pub description: Option<String>,
    /// What the finding rests on (records seen, interviews), in words.
    pub evidence: Option<String>,
    /// The date the finding was raised.
    pub raised_on: Option<NaiveDate>,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// A corrective action for one or more nonconformities (clause 10.2).
#[derive(Debug, Clone, Serialize)]
pub struct CorrectiveAction {
    /// Action id, unique among corrective actions.
    pub id: String,
    /// What the action does; the id when the register gives none.
    pub title: String,
    /// The findings it corrects, in input order; at least one.
    pub findings: Vec<FindingIdx>,
    /// The cause found for the nonconformity, in words.
    pub root_cause: Option<String>,
    /// Who is responsible for the action.
    pub owner: Option<String>,
    /// The date by which the action should be done.
    pub due: Option<NaiveDate>,
    /// Progress; `Planned` when the register gives none.
    pub status: ActionStatus,
    /// When the action was finished.
    pub completed_on: Option<NaiveDate>,
    /// When the effectiveness of the action was reviewed.
    pub verified_on: Option<NaiveDate>,
    /// The outcome of that review.
    pub effective: Option<bool>,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// A management review (clause 9.3).
#[derive(Debug, Clone, Serialize)]
pub struct ManagementReview {
    /// Review id, unique among reviews.
    pub id: String,
    /// The date the review was held.
    pub date: NaiveDate,
    /// The inputs the review considered, in declaration order of [`ReviewInput`], without
    /// repeats.
    pub inputs: Vec<ReviewInput>,
    /// The decisions and actions recorded, in words.
    pub decisions: Option<String>,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// An entry of the documents register.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Register id, unique among documents.
    pub id: String,
    /// The document's title; the id when the register gives none.
    pub title: String,
    /// The mandatory or conditional documents it provides, by index into
    /// [`crate::cycle::mandatory_documents`].
    pub covers: Vec<usize>,
    /// Who keeps the document current and approves its changes.
    pub owner: Option<String>,
    /// The version as written (`2.1`).
    pub version: Option<String>,
    /// When the document was last reviewed.
    pub last_review: Option<NaiveDate>,
    /// When the next review is due; without it, the last review plus the configured interval.
    pub next_review: Option<NaiveDate>,
    /// Approval state; `Approved` when the register gives none.
    pub status: DocumentStatus,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// A member of staff or a contractor: joiner, mover, leaver.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// Register id, unique among people.
    pub id: String,
    /// Full name; the id when the register gives none.
    pub name: String,
    /// The organisational unit the person works in.
    pub unit: Option<String>,
    /// Job role (`CISO`); the SSP export lists one user per role.
    pub role: Option<String>,
    /// First working day.
    pub joined_on: Option<NaiveDate>,
    /// Date of the last change of role or unit.
    pub moved_on: Option<NaiveDate>,
    /// The last working day of a leaver.
    pub left_on: Option<NaiveDate>,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

/// A user account of a person on a system.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// Account id, unique among accounts.
    pub id: String,
    /// The person who holds the account.
    pub person: PersonIdx,
    /// The system the account is on, as written (`Microsoft Entra ID`).
    pub system: String,
    /// State of the account; when the input gives none, `Disabled` if a revocation is
    /// recorded, else `Active`.
    pub status: AccountStatus,
    /// Whether the account has administrative rights; `false` when the input gives none.
    pub privileged: bool,
    /// The date access was removed, when recorded: it shows how long a leaver kept access
    /// after leaving, which the status alone cannot.
    pub revoked: Option<NaiveDate>,
    /// Where the record was read.
    #[serde(skip)]
    pub origin: Origin,
}

impl Account {
    /// Whether the account gave access on `date`. An `active` status always counts (the
    /// export says the account is live, whatever date it records); otherwise a revocation
    /// dated after `date` had not happened yet, so an evaluation as of an earlier date sees
    /// the account as it was then.
    pub fn active_on(&self, date: NaiveDate) -> bool {
        self.status == AccountStatus::Active || self.revoked.is_some_and(|r| r > date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Attributes collect as a map does: sorted by name, the last of a repeated name kept,
    /// found by a scan when few and by a search when many.
    #[test]
    fn attributes_behave_as_a_map() {
        let entries = |n: usize| {
            (0..n)
                .rev()
                .map(|i| (format!("k{i:02}"), AttrValue::Int(i as i64)))
                .chain([("k00".to_owned(), AttrValue::Bool(true))])
                .collect::<Vec<_>>()
        };
        for n in [1, 3, 8, 9, 30] {
            let attrs: Attributes = entries(n).into_iter().collect();
            let map: BTreeMap<String, AttrValue> = entries(n).into_iter().collect();
            assert_eq!(attrs.len(), map.len());
            assert!(
                attrs
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.clone()))
                    .eq(map.clone())
            );
            assert_eq!(attrs.get("k00"), Some(&AttrValue::Bool(true)));
            for (k, v) in &map {
                assert_eq!(attrs.get(k), Some(v), "{n} attributes, {k}");
            }
            assert_eq!(attrs.get("k"), None);
            assert_eq!(attrs.get("zz"), None);
            assert_eq!(
                serde_json::to_string(&attrs).unwrap(),
                serde_json::to_string(&map).unwrap()
            );
        }
        assert!(Attributes::default().is_empty());
    }
}
