//! The evaluation as an OSCAL Assessment Plan, which the assessment results must import: it
//! reviews every control of the SSP, with the rule sets and plugins of its back matter.

use super::model::{AssessmentPlan, Empty, IncludeAll, ReviewedControls};
use super::{Doc, Model};

pub(super) fn build(doc: &Doc) -> AssessmentPlan {
    let r = doc.report;
    AssessmentPlan {
        uuid: doc.uuid.clone(),
        metadata: doc.metadata(format!(
            "isms evaluation of {} as of {} ({} risk method)",
            doc.organisation(),
            r.options.as_of,
            r.options.method
        )),
        import_ssp: doc.import(Model::Ssp),
        reviewed_controls: every_control(),
        back_matter: doc.back_matter(),
    }
}

/// Every control: `{"control-selections": [{"include-all": {}}]}`.
pub(super) fn every_control() -> ReviewedControls {
    ReviewedControls {
        control_selections: [IncludeAll {
            include_all: Empty {},
        }],
    }
}
