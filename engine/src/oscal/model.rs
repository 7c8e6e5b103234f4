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
    /// `system-security-plan`: the SoA.
    #[serde(rename = "system-security-plan")]
    Ssp(Box<Ssp>),
    /// `catalog`: the Annex A controls and the checks findings target.
    #[serde(rename = "catalog")]
    Catalog(Box<Catalog>),
    /// `profile`: the Annex A controls of the catalog.
    #[serde(rename = "profile")]
    Profile(Box<Profile>),
    /// `assessment-plan`: the evaluation, reviewing every control of the SSP.
    #[serde(rename = "assessment-plan")]
    AssessmentPlan(Box<AssessmentPlan>),
    /// `assessment-results`: the gaps.
    #[serde(rename = "assessment-results")]
    AssessmentResults(Box<AssessmentResults>),
    /// `plan-of-action-and-milestones`: the risk treatment plan.
    #[serde(rename = "plan-of-action-and-milestones")]
    Poam(Box<Poam>),
}

// ---- Shared ----

/// `metadata`: a document's title, dates and versions, and who it is prepared for.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    /// `title`: what the document is and for whom, e.g. `Gap analysis of Acme`.
    pub title: String,
    /// `last-modified`: the evaluation date at midnight UTC.
    pub last_modified: String,
    /// `version`: the evaluation date, `YYYY-MM-DD`.
    pub version: String,
    /// `oscal-version`: always [`OSCAL_VERSION`](crate::oscal::OSCAL_VERSION).
    pub oscal_version: &'static str,
    /// `props`: engine version, catalog, evaluation date, risk method and evaluator.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `roles`: the one role `prepared-for`.
    pub roles: Vec<Role>,
    /// `parties`: the organisation, as an `organization`.
    pub parties: Vec<Party>,
    /// `responsible-parties`: the organisation in the role `prepared-for`.
    pub responsible_parties: Vec<ResponsibleParty>,
}

/// A namespaced name/value pair.
#[derive(Debug, Clone, Serialize)]
pub struct Prop {
    /// `name`: what the property says, e.g. `applicable`, `severity`.
    pub name: String,
    /// `ns`: [`NS`](crate::oscal::NS) for isms's own properties; absent for NIST's (`label`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ns: Option<&'static str>,
    /// `value`: one line of text, never blank (blank properties are left out).
    pub value: String,
}

/// `roles` item: a role a party can hold.
#[derive(Debug, Serialize)]
pub struct Role {
    /// `id`: the role's token, `prepared-for`.
    pub id: &'static str,
    /// `title`: its display name.
    pub title: &'static str,
}

/// `parties` item: the organisation the document is for.
#[derive(Debug, Serialize)]
pub struct Party {
    /// `uuid`: name-based, the same from one evaluation to the next.
    pub uuid: String,
    /// `type`: `organization`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `name`: the organisation's name, else the workspace's.
    pub name: String,
}

/// `responsible-parties` item: who holds a role.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResponsibleParty {
    /// `role-id`: the role, `prepared-for`.
    pub role_id: &'static str,
    /// `party-uuids`: the organisation's party.
    pub party_uuids: Vec<String>,
}

/// `back-matter`: the resources a document cites.
#[derive(Debug, Serialize)]
pub struct BackMatter {
    /// `resources`: every input file, rule set and plugin with its sha256, then the
    /// document's own references (the catalog, the assessment plan).
    pub resources: Vec<Resource>,
}

/// `resources` item: an input, a rule set or a plugin.
#[derive(Debug, Serialize)]
pub struct Resource {
    /// `uuid`: stable for the input, rule set or plugin.
    pub uuid: String,
    /// `title`: the input's path, or the rule set or plugin with its version.
    pub title: String,
    /// `props`: `kind` (`input`, `rule-set`, `plugin`), `path` for an input file of the
    /// workspace, and `sha256`.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
}

/// `{"href": ...}`: an import of another document.
#[derive(Debug, Serialize)]
pub struct Import {
    /// `href`: the imported document of the set, as [`Links`](crate::oscal::Links) names it.
    pub href: String,
}

/// `system-id` (or a `system-ids` item): the identifier of the ISMS as a system.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemId {
    /// `identifier-type`: `https://ietf.org/rfc/rfc4122`, for a UUID.
    pub identifier_type: &'static str,
    /// `id`: the ISMS's UUID, stable for the workspace.
    pub id: String,
}

/// `{"state": ...}`, the shape of several statuses.
#[derive(Debug, Serialize)]
pub struct State {
    /// `state`: a token of the status's vocabulary, e.g. `operational`, `not-satisfied`.
    pub state: &'static str,
}

// ---- Catalog and profile ----

/// `catalog`: the Annex A controls (ids, short titles, attributes; never the standard's
/// text), then the checks of the gaps about no control.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Catalog {
    /// `uuid`: the document's own.
    pub uuid: String,
    /// `metadata`: title, dates and the organisation it is prepared for.
    pub metadata: Metadata,
    /// `groups`: the themes (2022) or domains (2013), then `isms-checks` when a gap concerns
    /// no control.
    pub groups: Vec<Group>,
    /// `back-matter`: inputs, rule sets and plugins.
    pub back_matter: BackMatter,
}

/// `groups` item: a theme, a domain, a 2013 control objective, or the isms checks.
#[derive(Debug, Serialize)]
pub struct Group {
    /// `id`: the ISO id in lower case (`a.5`), or `isms-checks`.
    pub id: String,
    /// `class`: `theme`, `domain`, `objective` or `isms-checks`.
    pub class: &'static str,
    /// `title`: its short title.
    pub title: String,
    /// `props`: `label`, the ISO id.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `groups`: the control objectives of a 2013 domain.
    #[serde(skip_serializing_if = "none")]
    pub groups: Vec<Group>,
    /// `controls`: its controls, in the standard's order.
    #[serde(skip_serializing_if = "none")]
    pub controls: Vec<Control>,
}

/// `controls` item: an Annex A control, or an isms check.
#[derive(Debug, Serialize)]
pub struct Control {
    /// `id`: [`control_id`](crate::oscal::control_id) or
    /// [`check_id`](crate::oscal::check_id).
    pub id: String,
    /// `class`: `annex-a-control` or `isms-check`.
    pub class: &'static str,
    /// `title`: the control's short title, or the gap code.
    pub title: String,
    /// `props`: `label` (the ISO id or gap code), then the ISO/IEC 27002 attributes.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `parts`: the one assessment objective findings target.
    pub parts: Vec<Part>,
}

/// `parts` item: an assessment objective.
#[derive(Debug, Serialize)]
pub struct Part {
    /// `id`: [`objective_id`](crate::oscal::objective_id) of the control.
    pub id: String,
    /// `name`: `assessment-objective`.
    pub name: &'static str,
    /// `prose`: what an assessment of the control or check establishes, in isms's words.
    pub prose: String,
}

/// `profile`: the Annex A controls of the catalog, as they are (no parameters, no changes).
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Profile {
    /// `uuid`: the document's own.
    pub uuid: String,
    /// `metadata`: title, dates and the organisation it is prepared for.
    pub metadata: Metadata,
    /// `imports`: the catalog.
    pub imports: Vec<ProfileImport>,
    /// `merge`: `as-is`, so the resolved catalog keeps the themes.
    pub merge: Merge,
    /// `back-matter`: inputs, rule sets and plugins.
    pub back_matter: BackMatter,
}

/// `imports` item of a profile.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ProfileImport {
    /// `href`: the catalog of the set.
    pub href: String,
    /// `include-controls`: the Annex A controls, by id (the checks are left out).
    pub include_controls: Vec<WithIds>,
}

/// `{"with-ids": [...]}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct WithIds {
    /// `with-ids`: control ids.
    pub with_ids: Vec<String>,
}

/// `merge` of a profile.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Merge {
    /// `as-is`: `true`.
    pub as_is: bool,
}

// ---- Assessment Plan ----

/// `assessment-plan`: the evaluation as a plan: every control of the SSP, examined by the
/// rule sets and plugins of the back matter.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentPlan {
    /// `uuid`: the document's own.
    pub uuid: String,
    /// `metadata`: title, dates and the organisation it is prepared for.
    pub metadata: Metadata,
    /// `import-ssp`: the SSP of the set.
    pub import_ssp: Import,
    /// `reviewed-controls`: every control.
    pub reviewed_controls: ReviewedControls,
    /// `back-matter`: inputs, rule sets and plugins.
    pub back_matter: BackMatter,
}

// ---- System Security Plan ----

/// `system-security-plan`: the SoA, with the ISMS scope as the system.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Ssp {
    /// `uuid`: the document's own; it changes whenever the inputs or options do.
    pub uuid: String,
    /// `metadata`: title, dates and the organisation it is prepared for.
    pub metadata: Metadata,
    /// `import-profile`: the profile of the set.
    pub import_profile: Import,
    /// `system-characteristics`: the ISMS scope.
    pub system_characteristics: SystemCharacteristics,
    /// `system-implementation`: the roles of the people register and the ISMS
    /// as the one component.
    pub system_implementation: SystemImplementation,
    /// `control-implementation`: the SoA, control by control.
    pub control_implementation: ControlImplementation,
    /// `back-matter`: inputs, rule sets and plugins.
    pub back_matter: BackMatter,
}

/// `system-characteristics`: the ISMS in scope, described as a system.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemCharacteristics {
    /// `system-ids`: the ISMS's one id.
    pub system_ids: Vec<SystemId>,
    /// `system-name`: the organisation's name.
    pub system_name: String,
    /// `system-name-short`: the workspace name.
    pub system_name_short: String,
    /// `description`: the scope statement, or a sentence naming the organisation when
    /// it is blank.
    pub description: String,
    /// `props`: counts of assets, assets in scope, applicable and implemented controls.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `system-information`: the information held, per classification.
    pub system_information: SystemInformation,
    /// `status`: always `operational`.
    pub status: State,
    /// `authorization-boundary`: the scope statement and the scope filter,
    /// when there is one.
    pub authorization_boundary: Described,
}

/// `{"description": ...}`.
#[derive(Debug, Serialize)]
pub struct Described {
    /// `description`: plain text (OSCAL markup-multiline).
    pub description: String,
}

/// `system-information`: the information types of the system.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemInformation {
    /// `information-types`: one per classification the inventory uses, in
    /// alphabetical order, or a single `Unclassified information`.
    pub information_types: Vec<InformationType>,
}

/// `information-types` item: the information of one classification.
#[derive(Debug, Serialize)]
pub struct InformationType {
    /// `uuid`: name-based, the same from one evaluation to the next.
    pub uuid: String,
    /// `title`: `<classification> information`.
    pub title: String,
    /// `description`: how many assets are so classified.
    pub description: String,
    /// `props`: `classification`.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
}

/// `system-implementation`: the users and components of the system.
#[derive(Debug, Serialize)]
pub struct SystemImplementation {
    /// `users`: one per role the people register names, or a generic `Personnel`.
    pub users: Vec<User>,
    /// `components`: only `this-system`, the ISMS in scope.
    pub components: Vec<Component>,
}

/// `users` item: a role held by people of the register.
#[derive(Debug, Serialize)]
pub struct User {
    /// `uuid`: name-based, the same from one evaluation to the next.
    pub uuid: String,
    /// `title`: the role, as written.
    pub title: String,
    /// `description`: how many people hold it.
    pub description: String,
}

/// `components` item: the ISMS that implements every control.
#[derive(Debug, Serialize)]
pub struct Component {
    /// `uuid`: name-based, the same from one evaluation to the next.
    pub uuid: String,
    /// `type`: `this-system`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `title`: the organisation's name.
    pub title: String,
    /// `description`: the ISMS and its scope statement.
    pub description: String,
    /// `status`: `operational`.
    pub status: State,
}

/// `control-implementation`: the SoA as implemented requirements.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControlImplementation {
    /// `description`: the SoA's counts and the evaluation date.
    pub description: String,
    /// `implemented-requirements`: one per Annex A control, in catalog order.
    pub implemented_requirements: Vec<ImplementedRequirement>,
}

/// `implemented-requirements` item: one row of the SoA.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImplementedRequirement {
    /// `uuid`: name-based, the same from one evaluation to the next.
    pub uuid: String,
    /// `control-id`: the catalog's id of the control, e.g. `a.8.24`.
    pub control_id: String,
    /// `props`: `label` (the ISO id), `applicable`, `basis`, `implementation-status` and
    /// `declared-applicable`.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `by-components`: a single entry, for `this-system`.
    pub by_components: Vec<ByComponent>,
    /// `remarks`: the declared SoA's justification, when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

/// `by-components` item: how the ISMS stands on the control.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ByComponent {
    /// `component-uuid`: the `this-system` component.
    pub component_uuid: String,
    /// `uuid`: name-based, the same from one evaluation to the next.
    pub uuid: String,
    /// `description`: the SoA justification (`No justification.` when blank).
    pub description: String,
    /// `props`: one `evidence` per evidence reference, then the plan's action counts when it
    /// has actions for the control.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `implementation-status`: `implemented`, `partial`, `planned`,
    /// `not-implemented` or `not-applicable`.
    pub implementation_status: State,
}

// ---- Assessment Results ----

/// `assessment-results`: the gaps of one evaluation.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResults {
    /// `uuid`: the document's own; it changes whenever the inputs or options do.
    pub uuid: String,
    /// `metadata`: title, dates and the organisation it is prepared for.
    pub metadata: Metadata,
    /// `import-ap`: the assessment plan of the set.
    pub import_ap: Import,
    /// `results`: a single result, the evaluation.
    pub results: Vec<AssessmentResult>,
    /// `back-matter`: inputs, rule sets and plugins.
    pub back_matter: BackMatter,
}

/// `results` item: one evaluation and its gaps.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct AssessmentResult {
    /// `uuid`: derived from the document's, so it changes with it.
    pub uuid: String,
    /// `title`: `isms evaluation as of <date>`.
    pub title: String,
    /// `description`: what was examined and the gap count per severity.
    pub description: String,
    /// `start`: the evaluation date at midnight UTC.
    pub start: String,
    /// `end`: the same instant as `start`.
    pub end: String,
    /// `props`: one `gaps-<severity>` count per severity.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `reviewed-controls`: every control of the catalog.
    pub reviewed_controls: ReviewedControls,
    /// `observations`: one per gap, in the report's order.
    #[serde(skip_serializing_if = "none")]
    pub observations: Vec<Observation>,
    /// `findings`: one per gap, in the report's order.
    #[serde(skip_serializing_if = "none")]
    pub findings: Vec<Finding>,
}

/// Every control of the catalog: `{"control-selections": [{"include-all": {}}]}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ReviewedControls {
    /// `control-selections`: a single `include-all`.
    pub control_selections: [IncludeAll; 1],
}

/// `control-selections` item that selects every control.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct IncludeAll {
    /// `include-all`: an empty object.
    pub include_all: Empty,
}

/// An empty JSON object, `{}`.
#[derive(Debug, Serialize)]
pub struct Empty {}

/// `observations` item: what a gap saw, and where.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Observation {
    /// `uuid`: stable for the gap (its code, its objects and their occurrence).
    pub uuid: String,
    /// `title`: the gap code.
    pub title: String,
    /// `description`: the gap's message.
    pub description: String,
    /// `props`: the gap's objects, one `name`/`value` pair each (kind and id).
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `methods`: `EXAMINE`.
    pub methods: [&'static str; 1],
    /// `types`: `finding`.
    pub types: [&'static str; 1],
    /// `relevant-evidence`: the record the gap points at (`file:line`), when
    /// there is one.
    #[serde(skip_serializing_if = "none")]
    pub relevant_evidence: Vec<Described>,
    /// `collected`: the evaluation date at midnight UTC.
    pub collected: String,
}

/// `findings` item: the target a gap leaves unsatisfied, and what to do.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Finding {
    /// `uuid`: stable for the gap, like its observation's.
    pub uuid: String,
    /// `title`: the gap code, then its objects.
    pub title: String,
    /// `description`: the gap's message.
    pub description: String,
    /// `props`: `severity` and `gap-code`.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `target`: the control the gap concerns, else its check.
    pub target: FindingTarget,
    /// `related-observations`: the gap's observation.
    pub related_observations: Vec<RelatedObservation>,
    /// `remarks`: what to do (the gap's action).
    pub remarks: String,
}

/// `target` of a finding: what is not satisfied.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct FindingTarget {
    /// `type`: `objective-id`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `target-id`: the catalog's assessment objective of the control the gap concerns, else
    /// of its check.
    pub target_id: String,
    /// `status`: `not-satisfied`.
    pub status: State,
}

/// `related-observations` item.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedObservation {
    /// `observation-uuid`: the observation of the same gap.
    pub observation_uuid: String,
}

// ---- Plan of Action and Milestones ----

/// `plan-of-action-and-milestones`: the risk treatment plan.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Poam {
    /// `uuid`: the document's own; it changes whenever the inputs or options do.
    pub uuid: String,
    /// `metadata`: title, dates and the organisation it is prepared for.
    pub metadata: Metadata,
    /// `import-ssp`: the SSP of the set.
    pub import_ssp: Import,
    /// `system-id`: the ISMS, the same id as in the SSP.
    pub system_id: SystemId,
    /// `risks`: the register's risks, in register order.
    #[serde(skip_serializing_if = "none")]
    pub risks: Vec<Risk>,
    /// `poam-items`: one per treatment action, in plan order; never empty.
    pub poam_items: Vec<PoamItem>,
    /// `back-matter`: inputs, rule sets and plugins.
    pub back_matter: BackMatter,
}

/// `risks` item: one register risk with its levels and remediations.
#[derive(Debug, Serialize)]
pub struct Risk {
    /// `uuid`: name-based, the same from one evaluation to the next.
    pub uuid: String,
    /// `title`: the risk's title, else its id.
    pub title: String,
    /// `description`: the risk id, its assets and its threat.
    pub description: String,
    /// `statement`: inherent and residual levels and the appetite status.
    pub statement: String,
    /// `props`: `risk-id`, `owner`, `treatment`, `inherent-level` and `residual-level`.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `status`: `closed` within the appetite, `deviation-approved` when accepted,
    /// `remediating` above it with open actions, else `open`.
    pub status: &'static str,
    /// `deadline`: the latest due date of the open actions, at midnight UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// `remediations`: the actions that treat the risk, cancelled ones left out.
    #[serde(skip_serializing_if = "none")]
    pub remediations: Vec<Response>,
}

/// `remediations` item: a treatment action as a response to a risk.
#[derive(Debug, Serialize)]
pub struct Response {
    /// `uuid`: stable for the pair of risk and action.
    pub uuid: String,
    /// `lifecycle`: `completed` when the action is done, else `planned`.
    pub lifecycle: &'static str,
    /// `title`: the action's title, else its id.
    pub title: String,
    /// `description`: the action id and its status.
    pub description: String,
    /// `tasks`: the due date as a milestone, when the action has one.
    #[serde(skip_serializing_if = "none")]
    pub tasks: Vec<Task>,
}

/// `tasks` item: a milestone of a response.
#[derive(Debug, Serialize)]
pub struct Task {
    /// `uuid`: name-based, the same from one evaluation to the next.
    pub uuid: String,
    /// `type`: `milestone`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `title`: `<action id> due`.
    pub title: String,
    /// `timing`: the due date.
    pub timing: Timing,
}

/// `timing` of a task.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Timing {
    /// `on-date`: a single date.
    pub on_date: OnDate,
}

/// `on-date` of a timing.
#[derive(Debug, Serialize)]
pub struct OnDate {
    /// `date`: the due date at midnight UTC.
    pub date: String,
}

/// `poam-items` item: one treatment action.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PoamItem {
    /// `uuid`: name-based, the same from one evaluation to the next.
    pub uuid: String,
    /// `title`: the action's title, else its id.
    pub title: String,
    /// `description`: the action id, the controls it implements and the risks it treats.
    pub description: String,
    /// `props`: `action-id`, `status`, `owner`, `due`, `completed-on`, then one `control-id`
    /// per control.
    #[serde(skip_serializing_if = "none")]
    pub props: Vec<Prop>,
    /// `related-risks`: the risks it treats.
    #[serde(skip_serializing_if = "none")]
    pub related_risks: Vec<RelatedRisk>,
}

/// `related-risks` item.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedRisk {
    /// `risk-uuid`: the risk's `uuid` in `risks`.
    pub risk_uuid: String,
}
