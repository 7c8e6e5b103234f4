//! The part of the OSCAL 1.1 models that isms writes, as serialize-only types: documents are
//! written straight from them (a `serde_json::Value` tree of a large assessment costs several
//! times the memory), members in OSCAL's order, empty lists and absent values left out (OSCAL
//! arrays, when present, hold at least one item).

use serde::Serialize;

fn none<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// One OSCAL document: `{"<model>": {...}}`.
#[derive(Debug, Serialize)]
pub enum Document {
    #[serde(rename = "system-security-plan")]
    Ssp(Box<Ssp>),
    #[serde(rename = "assessment-results")]
    AssessmentResults(Box<AssessmentResults>),
    #[serde(rename = "plan-of-action-and-milestones")]
    Poam(Box<Poam>),
}

// ---- Shared ----

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    pub title: String,
    pub last_modified: String,
    pub version: String,
    pub oscal_version: &'static str,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    pub roles: Vec<Role>,
    pub parties: Vec<Party>,
    pub responsible_parties: Vec<ResponsibleParty>,
}

/// A namespaced name/value pair.
#[derive(Debug, Clone, Serialize)]
pub struct Prop {
    pub name: String,
    pub ns: &'static str,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct Role {
    pub id: &'static str,
    pub title: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Party {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResponsibleParty {
    pub role_id: &'static str,
    pub party_uuids: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct BackMatter {
    pub resources: Vec<Resource>,
}

#[derive(Debug, Serialize)]
pub struct Resource {
    pub uuid: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "none")]
    pub rlinks: Vec<Rlink>,
}

#[derive(Debug, Serialize)]
pub struct Rlink {
    pub href: String,
    pub hashes: Vec<Hash>,
}

#[derive(Debug, Serialize)]
pub struct Hash {
    pub algorithm: &'static str,
    pub value: String,
}

/// `{"href": ...}`: an import of another document.
#[derive(Debug, Serialize)]
pub struct Import {
    pub href: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemId {
    pub identifier_type: &'static str,
    pub id: String,
}

/// `{"state": ...}`, the shape of several statuses.
#[derive(Debug, Serialize)]
pub struct State {
    pub state: &'static str,
}

// ---- System Security Plan ----

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Ssp {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_profile: Import,
    pub system_characteristics: SystemCharacteristics,
    pub system_implementation: SystemImplementation,
    pub control_implementation: ControlImplementation,
    pub back_matter: BackMatter,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemCharacteristics {
    pub system_ids: Vec<SystemId>,
    pub system_name: String,
    pub system_name_short: String,
    pub description: String,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    pub system_information: SystemInformation,
    pub status: State,
    pub authorization_boundary: Described,
}

/// `{"description": ...}`.
#[derive(Debug, Serialize)]
pub struct Described {
    pub description: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemInformation {
    pub information_types: Vec<InformationType>,
}

#[derive(Debug, Serialize)]
pub struct InformationType {
    pub uuid: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
}

#[derive(Debug, Serialize)]
pub struct SystemImplementation {
    pub users: Vec<User>,
    pub components: Vec<Component>,
}

#[derive(Debug, Serialize)]
pub struct User {
    pub uuid: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Serialize)]
pub struct Component {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub status: State,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControlImplementation {
    pub description: String,
    pub implemented_requirements: Vec<ImplementedRequirement>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImplementedRequirement {
    pub uuid: String,
    pub control_id: String,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    pub by_components: Vec<ByComponent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ByComponent {
    pub component_uuid: String,
    pub uuid: String,
    pub description: String,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    pub implementation_status: State,
}

// ---- Assessment Results ----

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResults {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_ap: Import,
    pub results: Vec<AssessmentResult>,
    pub back_matter: BackMatter,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResult {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub start: String,
    pub end: String,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    pub reviewed_controls: ReviewedControls,
    #[serde(skip_serializing_if = "none")]
    pub observations: Vec<Observation>,
    #[serde(skip_serializing_if = "none")]
    pub findings: Vec<Finding>,
}

/// Every control of the catalog: `{"control-selections": [{"include-all": {}}]}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ReviewedControls {
    pub control_selections: [IncludeAll; 1],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct IncludeAll {
    pub include_all: Empty,
}

#[derive(Debug, Serialize)]
pub struct Empty {}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Observation {
    pub uuid: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    pub methods: [&'static str; 1],
    pub types: [&'static str; 1],
    #[serde(skip_serializing_if = "none")]
    pub relevant_evidence: Vec<Described>,
    pub collected: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Finding {
    pub uuid: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    pub target: FindingTarget,
    pub related_observations: Vec<RelatedObservation>,
    pub remarks: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct FindingTarget {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub target_id: String,
    pub status: State,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedObservation {
    pub observation_uuid: String,
}

// ---- Plan of Action and Milestones ----

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Poam {
    pub uuid: String,
    pub metadata: Metadata,
    pub system_id: SystemId,
    #[serde(skip_serializing_if = "none")]
    pub risks: Vec<Risk>,
    pub poam_items: Vec<PoamItem>,
    pub back_matter: BackMatter,
}

#[derive(Debug, Serialize)]
pub struct Risk {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub statement: String,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(skip_serializing_if = "none")]
    pub remediations: Vec<Response>,
}

#[derive(Debug, Serialize)]
pub struct Response {
    pub uuid: String,
    pub lifecycle: &'static str,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "none")]
    pub tasks: Vec<Task>,
}

#[derive(Debug, Serialize)]
pub struct Task {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub timing: Timing,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Timing {
    pub on_date: OnDate,
}

#[derive(Debug, Serialize)]
pub struct OnDate {
    pub date: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PoamItem {
    pub uuid: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "none")]
    pub related_risks: Vec<RelatedRisk>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedRisk {
    pub risk_uuid: String,
}
