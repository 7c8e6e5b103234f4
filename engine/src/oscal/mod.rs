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
//! The official OSCAL 1.1.2 JSON schemas validate all three in `tests/tests/oscal_cli.rs`.

pub mod model;
mod poam;
mod results;
mod ssp;
#[cfg(test)]
mod tests;

use std::fmt::Write;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::report::Report;
use crate::workspace::Workspace;
use model::{
    BackMatter, Document, Hash, Metadata, Party, Prop, Resource, ResponsibleParty, Rlink, Role,
    SystemId,
};

/// The OSCAL release the documents follow (and the schemas in `tests/data/oscal` are from).
pub const OSCAL_VERSION: &str = "1.1.2";

/// The namespace of the properties isms adds (OSCAL's `ns`): names outside it are NIST's.
pub const NS: &str = "urn:isms:ns:oscal";

/// The identifier type OSCAL documents for UUID-based system ids.
const UUID_ID_TYPE: &str = "https://ietf.org/rfc/rfc4122";

/// The namespace of every name-based UUID isms derives.
const UUID_NAMESPACE: Uuid = Uuid::from_u128(0x6f0c_2f43_5a1e_4b52_9d4e_8a57_1f3c_2b90);

/// The three OSCAL models isms exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// The SoA: one implemented requirement per Annex A control.
    Ssp,
    /// The gaps: one observation and one finding per gap.
    AssessmentResults,
    /// The treatment plan: one item per action, the register's risks with their remediations.
    Poam,
}

impl Model {
    /// The document's root member, which is also its name in OSCAL.
    pub fn root(self) -> &'static str {
        match self {
            Model::Ssp => "system-security-plan",
            Model::AssessmentResults => "assessment-results",
            Model::Poam => "plan-of-action-and-milestones",
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

/// Builds one OSCAL document (`{"<model>": {...}}`) from a workspace and its report.
pub fn export(model: Model, ws: &Workspace, report: &Report) -> Result<Document, ExportError> {
    let doc = Doc::new(model, ws, report);
    Ok(match model {
        Model::Ssp => Document::Ssp(Box::new(ssp::build(&doc))),
        Model::AssessmentResults => Document::AssessmentResults(Box::new(results::build(&doc))),
        Model::Poam => Document::Poam(Box::new(poam::build(&doc)?)),
    })
}

/// What every model's builder shares: the inputs, the document's identity and its dates.
struct Doc<'a> {
    ws: &'a Workspace,
    report: &'a Report,
    uuid: String,
    /// The evaluation date as an OSCAL date-time.
    timestamp: String,
}

impl<'a> Doc<'a> {
    fn new(model: Model, ws: &'a Workspace, report: &'a Report) -> Self {
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

    /// The back matter: every input file, rule set and plugin with its sha256, then the
    /// document-specific resources `extra` (the catalog an SSP imports, say).
    fn back_matter(&self, extra: Option<Resource>) -> BackMatter {
        let r = self.report;
        // A resource link needs an href: input files have their path; built-in inputs, rule
        // sets and plugins are named by id, so their hash is a property instead.
        let resource = |kind: &str, title: String, path: Option<&str>, sha256: &str| {
            let (rlinks, hash) = match path {
                Some(path) => (
                    vec![Rlink {
                        href: uri_path(path),
                        hashes: vec![Hash {
                            algorithm: "SHA-256",
                            value: sha256.to_owned(),
                        }],
                    }],
                    None,
                ),
                None => (Vec::new(), prop("sha256", sha256)),
            };
            Resource {
                uuid: self.subject(kind, &title),
                title,
                description: None,
                props: props([prop("kind", kind), hash]),
                rlinks,
            }
        };
        // Built-in inputs (`builtin:...`) are inside the engine, not files to link to.
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
            resources: inputs.chain(rulesets).chain(plugins).chain(extra).collect(),
        }
    }

    /// A back-matter resource that stands for a document isms has no OSCAL form of (the
    /// catalog, the assessment plan), for the `href: "#uuid"` that the models require.
    fn reference(&self, kind: &str, title: &str, description: String) -> (String, Resource) {
        let uuid = self.local(kind);
        let href = format!("#{uuid}");
        let resource = Resource {
            uuid,
            title: title.to_owned(),
            description: Some(description),
            props: props([prop("kind", kind)]),
            rlinks: Vec::new(),
        };
        (href, resource)
    }
}

/// An isms property, or `None` when the value is blank.
fn prop(name: &str, value: impl AsRef<str>) -> Option<Prop> {
    line(value.as_ref()).map(|value| Prop {
        name: name.to_owned(),
        ns: NS,
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

/// A relative path as a URI reference: bytes outside the unreserved set and `/` are
/// percent-encoded (a space or a `:` in a file name would otherwise break or change it).
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
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
