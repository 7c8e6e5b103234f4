//! OSCAL 1.1 export for compliance tooling: the SoA as a System Security Plan, the gaps as
//! Assessment Results, the treatment plan as a Plan of Action and Milestones.
//!
//! Every document is a pure function of the evaluation, so the same inputs give the same
//! bytes: UUIDs are name-based (version 5) and every timestamp is the evaluation date at
//! midnight UTC. Subjects (controls, gaps, actions, risks) keep their UUID from one evaluation
//! to the next, so tools can follow them; a document's own UUID changes whenever its inputs or
//! options do, as OSCAL asks of a revised document. The back matter lists every input file,
//! rule set and plugin with its sha256, like the report does.
//!
//! The documents form a set that links up: the SSP imports a profile of a catalog of the
//! Annex A controls (ids and short titles, never the standard's text), both exported with
//! it; the assessment plan imports the SSP, the assessment results the plan, the POA&M the
//! SSP. [`Links`] says how those imports are written: as sibling file names (the set in one
//! folder) or as `trestle://` paths (the set imported into a compliance-trestle workspace).
//!
//! The official OSCAL 1.1.2 JSON schemas validate every document in `tests/tests/oscal_cli.rs`;
//! compliance-trestle imports and validates the set in `tests/tests/oscal_trestle.rs`.

mod catalog;
pub mod model;
mod plan;
mod poam;
mod results;
mod ssp;
#[cfg(test)]
mod tests;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::report::Report;
use crate::workspace::Workspace;
use model::{
    BackMatter, Document, Import, Metadata, Party, Prop, Resource, ResponsibleParty, Role, SystemId,
};

/// The OSCAL release the documents follow (and the schemas in `tests/data/oscal` are from).
pub const OSCAL_VERSION: &str = "1.1.2";

/// The namespace of the properties isms adds (OSCAL's `ns`): names outside it are NIST's.
///
/// An `https` URI because OSCAL tools parse `ns` as a URL with an authority (pydantic's
/// `AnyUrl` in compliance-trestle refuses `urn:` names). The project has no domain of its
/// own, so the host is under `.invalid` (RFC 2606), which no one can register: the name can
/// never collide with another organisation's namespace.
pub const NS: &str = "https://isms.invalid/ns/oscal";

/// The identifier type OSCAL documents for UUID-based system ids.
const UUID_ID_TYPE: &str = "https://ietf.org/rfc/rfc4122";

/// The namespace of every name-based UUID isms derives.
const UUID_NAMESPACE: Uuid = Uuid::from_u128(0x6f0c_2f43_5a1e_4b52_9d4e_8a57_1f3c_2b90);

/// The OSCAL models isms exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// The Annex A controls (ids, short titles, attributes) and the checks that raised gaps
    /// about no control, each with an assessment objective findings can target.
    Catalog,
    /// The Annex A controls of the catalog, which the SSP imports.
    Profile,
    /// The SoA: one implemented requirement per Annex A control.
    Ssp,
    /// The evaluation as the plan the assessment results import: every control reviewed.
    AssessmentPlan,
    /// The gaps: one observation and one finding per gap.
    AssessmentResults,
    /// The treatment plan: one item per action, the register's risks with their remediations.
    Poam,
}

impl Model {
    /// Every model, each after the ones it imports.
    pub const ALL: [Model; 6] = [
        Model::Catalog,
        Model::Profile,
        Model::Ssp,
        Model::AssessmentPlan,
        Model::AssessmentResults,
        Model::Poam,
    ];

    /// The document's root member, which is also its name in OSCAL.
    pub fn root(self) -> &'static str {
        match self {
            Model::Catalog => "catalog",
            Model::Profile => "profile",
            Model::Ssp => "system-security-plan",
            Model::AssessmentPlan => "assessment-plan",
            Model::AssessmentResults => "assessment-results",
            Model::Poam => "plan-of-action-and-milestones",
        }
    }

    /// The file the document is written to in a set, and the name other documents of the
    /// set import it by: `<root>.json`, as compliance-trestle names its model files.
    pub fn file_name(self) -> String {
        format!("{}.json", self.root())
    }

    /// The folder compliance-trestle keeps documents of this model in.
    fn trestle_folder(self) -> &'static str {
        match self {
            Model::Catalog => "catalogs",
            Model::Profile => "profiles",
            Model::Ssp => "system-security-plans",
            Model::AssessmentPlan => "assessment-plans",
            Model::AssessmentResults => "assessment-results",
            Model::Poam => "plan-of-action-and-milestones",
        }
    }
}

/// How a document of the set names the documents it imports (`import-profile`, `imports`,
/// `import-ssp`, `import-ap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Links {
    /// `profile.json`, `system-security-plan.json`...: relative references that resolve
    /// against the importing document, so the set works from any one folder.
    #[default]
    Relative,
    /// `trestle://profiles/isms/profile.json`...: where `trestle import -o isms` puts each
    /// document. compliance-trestle resolves relative references against its working
    /// directory rather than the document, and `#uuid` back-matter references not at all
    /// for an SSP's profile, so a set for trestle names its imports this way.
    Trestle,
}

/// The name each document of a set has in a compliance-trestle workspace
/// ([`Links::Trestle`]): `trestle import -f <file> -o isms`.
pub const TRESTLE_NAME: &str = "isms";

impl Links {
    /// The reference to the document of `model` in the same set.
    pub fn href(self, model: Model) -> String {
        match self {
            Links::Relative => model.file_name(),
            Links::Trestle => format!(
                "trestle://{}/{TRESTLE_NAME}/{}",
                model.trestle_folder(),
                model.file_name()
            ),
        }
    }
}

/// Why a document cannot be exported.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExportError {
    /// A plan of action and milestones was asked for, but the treatment plan has no action.
    #[error(
        "the treatment plan has no actions, and an OSCAL plan of action and milestones needs at least one item"
    )]
    EmptyPlan,
}

/// Builds one OSCAL document (`{"<model>": {...}}`) from a workspace and its report, its
/// imports [`Links::Relative`].
pub fn export(model: Model, ws: &Workspace, report: &Report) -> Result<Document, ExportError> {
    export_linked(model, ws, report, Links::Relative)
}

/// [`export`], naming the documents it imports as `links` says.
pub fn export_linked(
    model: Model,
    ws: &Workspace,
    report: &Report,
    links: Links,
) -> Result<Document, ExportError> {
    let doc = Doc::new(model, ws, report, links);
    Ok(match model {
        Model::Catalog => Document::Catalog(Box::new(catalog::catalog(&doc))),
        Model::Profile => Document::Profile(Box::new(catalog::profile(&doc))),
        Model::Ssp => Document::Ssp(Box::new(ssp::build(&doc))),
        Model::AssessmentPlan => Document::AssessmentPlan(Box::new(plan::build(&doc))),
        Model::AssessmentResults => Document::AssessmentResults(Box::new(results::build(&doc))),
        Model::Poam => Document::Poam(Box::new(poam::build(&doc)?)),
    })
}

/// The OSCAL id of an Annex A control or group: the ISO id in lower case (`A.8.24` is
/// `a.8.24`), OSCAL's convention for control ids; the ISO id stays as the `label`.
pub fn control_id(iso_id: &str) -> String {
    token(&iso_id.to_lowercase())
}

/// The OSCAL id of the check behind gaps about no control: `check-` and the gap code in lower
/// case (`GAP-RISK-UNTREATED` is `check-gap-risk-untreated`); the prefix keeps it apart from
/// every control id whatever a plugin names its codes.
pub fn check_id(code: &str) -> String {
    format!(
        "check-{}",
        token(&code.to_lowercase()).trim_start_matches('_')
    )
}

/// The id of the assessment objective of a catalog control or check, which findings target.
pub fn objective_id(control_id: &str) -> String {
    format!("{control_id}_obj")
}

/// What every model's builder shares: the inputs, the document's identity and its dates.
struct Doc<'a> {
    ws: &'a Workspace,
    report: &'a Report,
    uuid: String,
    /// The evaluation date as an OSCAL date-time.
    timestamp: String,
    links: Links,
}

impl<'a> Doc<'a> {
    fn new(model: Model, ws: &'a Workspace, report: &'a Report, links: Links) -> Self {
        // The document changes with its inputs (hashes) and with the options that shaped the
        // evaluation (the date, the method, the evaluator).
        let mut identity = Sha256::new();
        identity.update(model.root());
        identity.update(serde_json::to_vec(&report.options).unwrap_or_default());
        for hash in report
            .inputs
            .iter()
            .map(|i| &i.sha256)
            .chain(report.rulesets.iter().map(|r| &r.sha256))
            .chain(report.plugins.iter().map(|p| &p.sha256))
        {
            identity.update(hash);
        }
        Doc {
            ws,
            report,
            uuid: Uuid::new_v5(&UUID_NAMESPACE, &identity.finalize()).to_string(),
            timestamp: format!("{}T00:00:00Z", report.options.as_of),
            links,
        }
    }

    /// The stable UUID of a subject of this workspace, e.g. `("control", "A.8.24")`.
    fn subject(&self, kind: &str, id: &str) -> String {
        let name = format!("{}\u{0}{kind}\u{0}{id}", self.report.workspace);
        Uuid::new_v5(&UUID_NAMESPACE, name.as_bytes()).to_string()
    }

    /// The UUID of something that exists only in this document (a result, a resource).
    fn local(&self, kind: &str) -> String {
        let name = format!("{}\u{0}{kind}", self.uuid);
        Uuid::new_v5(&UUID_NAMESPACE, name.as_bytes()).to_string()
    }

    fn organisation(&self) -> String {
        line(&self.report.organisation)
            .or_else(|| line(&self.report.workspace))
            .unwrap_or_else(|| "Unnamed organisation".into())
    }

    fn system_id(&self) -> SystemId {
        SystemId {
            identifier_type: UUID_ID_TYPE,
            id: self.subject("system", "isms"),
        }
    }

    /// Document metadata: title, dates, the organisation as the party it is prepared for, and
    /// how it was produced.
    fn metadata(&self, title: String) -> Metadata {
        let r = self.report;
        let organisation = self.subject("party", "organisation");
        Metadata {
            title,
            last_modified: self.timestamp.clone(),
            version: r.options.as_of.clone(),
            oscal_version: OSCAL_VERSION,
            props: props([
                prop("engine-version", &r.engine_version),
                prop("catalog", &r.catalog),
                prop("evaluated-as-of", &r.options.as_of),
                prop("risk-method", &r.options.method),
                prop("evaluator", enum_text(&r.options.evaluator)),
            ]),
            roles: vec![Role {
                id: "prepared-for",
                title: "Prepared For",
            }],
            parties: vec![Party {
                uuid: organisation.clone(),
                kind: "organization",
                name: self.organisation(),
            }],
            responsible_parties: vec![ResponsibleParty {
                role_id: "prepared-for",
                party_uuids: vec![organisation],
            }],
        }
    }

    /// The back matter: every input file, rule set and plugin with its sha256.
    ///
    /// Inputs are named by their path in the workspace, as a property: a link would be
    /// resolved against the document's folder, where the inputs are not.
    fn back_matter(&self) -> BackMatter {
        let r = self.report;
        let resource = |kind: &str, title: String, path: Option<&str>, sha256: &str| Resource {
            uuid: self.subject(kind, &title),
            title,
            props: props([
                prop("kind", kind),
                path.and_then(|p| prop("path", p)),
                prop("sha256", sha256),
            ]),
        };
        // Built-in inputs (`builtin:...`) are inside the engine, not files of the workspace.
        let inputs = r.inputs.iter().map(|i| {
            let file = (!i.path.starts_with("builtin:")).then_some(i.path.as_str());
            resource("input", i.path.clone(), file, &i.sha256)
        });
        let rulesets = r.rulesets.iter().map(|s| {
            let title = format!("Rule set {} {} ({})", s.id, s.version, s.name);
            resource("rule-set", title, None, &s.sha256)
        });
        let plugins = r.plugins.iter().map(|p| {
            let title = format!("Plugin {} {} ({})", p.id, p.version, p.interface);
            resource("plugin", title, None, &p.sha256)
        });
        BackMatter {
            resources: inputs.chain(rulesets).chain(plugins).collect(),
        }
    }

    /// The import of another document of the set, e.g. the SSP's `import-profile`.
    fn import(&self, model: Model) -> Import {
        Import {
            href: self.links.href(model),
        }
    }
}

/// An isms property, or `None` when the value is blank.
fn prop(name: &str, value: impl AsRef<str>) -> Option<Prop> {
    line(value.as_ref()).map(|value| Prop {
        name: name.to_owned(),
        ns: Some(NS),
        value,
    })
}

/// A property list without the blank ones.
fn props(items: impl IntoIterator<Item = Option<Prop>>) -> Vec<Prop> {
    items.into_iter().flatten().collect()
}

/// Text as OSCAL's string datatype takes it: one line, no surrounding white space; `None`
/// when nothing is left.
fn line(text: &str) -> Option<String> {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// Text as OSCAL's token datatype takes it (a letter or `_`, then letters, digits, `.`, `-`
/// and `_`): other characters become `-`.
fn token(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// The serde name of a unit enum variant (`snake_case` in this crate).
fn enum_text(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
