//! What a gap is: its code, severity, message, action and the objects it concerns. Kept apart
//! from the checks so that the stages reading gaps (readiness, framework coverage) do not
//! depend on the checks that find them.

use serde::{Deserialize, Serialize};

use crate::diag::RecordLocation;
use crate::model::Severity;

/// The kind of object a gap concerns.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ObjectKind {
    Control,
    Risk,
    Asset,
    Action,
    Requirement,
    Rule,
    Plugin,
    /// A clause of the standard or a mandatory document of the 2022 list, by its id.
    Clause,
    Audit,
    Finding,
    CorrectiveAction,
    Review,
    Document,
    Person,
    Account,
}

impl ObjectKind {
    /// The kind in words, for people (`corrective action`).
    pub fn noun(self) -> &'static str {
        match self {
            ObjectKind::Control => "control",
            ObjectKind::Risk => "risk",
            ObjectKind::Asset => "asset",
            ObjectKind::Action => "action",
            ObjectKind::Requirement => "requirement",
            ObjectKind::Rule => "rule",
            ObjectKind::Plugin => "plugin",
            ObjectKind::Clause => "clause",
            ObjectKind::Audit => "audit",
            ObjectKind::Finding => "finding",
            ObjectKind::CorrectiveAction => "corrective action",
            ObjectKind::Review => "review",
            ObjectKind::Document => "document",
            ObjectKind::Person => "person",
            ObjectKind::Account => "account",
        }
    }
}

/// An object a gap concerns.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub id: String,
}

pub(super) fn obj(kind: ObjectKind, id: impl Into<String>) -> ObjectRef {
    ObjectRef {
        kind,
        id: id.into(),
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct Gap {
    /// Stable code, e.g. `GAP-PLAN-CONTROL-EXCLUDED`, or a custom check's id.
    pub code: String,
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub action: String,
    pub objects: Vec<ObjectRef>,
    /// The record to open first.
    pub at: Option<RecordLocation>,
}
