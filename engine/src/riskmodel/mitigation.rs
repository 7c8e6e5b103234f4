//! How existing controls lower a threat's likelihood and impact (`[risk.controls]` in
//! isms.toml), and the threat -> control links the rule sets declare (`[[mitigation]]`).
//!
//! The model, chosen so that an auditor can redo every step by hand: each threat lists the
//! controls that reduce its likelihood and those that reduce its impact. Each control counts
//! with the effectiveness of its SoA status (implemented 1, partial 0.5, ...; halved when the
//! SoA names no evidence). A factor's reduction is `steps x (sum of effectiveness) / (number
//! of listed controls)`, rounded half up: with every listed control implemented the
//! likelihood falls by `likelihood_steps` (default 2) and the impact by `impact_steps`
//! (default 1); with half of them in place, by half as much.

use serde::Serialize;

use crate::catalog::ControlIdx;
use crate::model::ImplementationStatus;

/// What a register risk's assessed likelihood and impact mean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterValues {
    /// Assessed in view of the controls already in place (ISO/IEC 27005): existing controls
    /// do not lower them again; only done treatment actions do. The default.
    #[default]
    Current,
    /// Assessed before any control: existing controls lower them like a generated scenario's.
    Inherent,
}

/// The effect of existing controls (`[risk.controls]`).
#[derive(Debug, Clone, Serialize)]
pub struct ControlSettings {
    /// Likelihood steps removed when every control listed for the threat is fully effective.
    pub likelihood_steps: u8,
    /// Impact steps removed when every control listed for the threat is fully effective.
    pub impact_steps: u8,
    /// Effectiveness of an implemented control (0 to 1).
    pub implemented: f64,
    /// Effectiveness of a partially implemented control.
    pub partial: f64,
    /// Effectiveness of a planned control.
    pub planned: f64,
    /// Effectiveness of a control that is not implemented.
    pub not_implemented: f64,
    /// Effectiveness of a control the SoA excludes.
    pub excluded: f64,
    /// Factor on the effectiveness of a control whose SoA row names no evidence.
    pub missing_evidence: f64,
    /// Factor when the evidence names a document of the register that is past its review
    /// or not approved on the evaluation date.
    pub stale_evidence: f64,
    /// What the register's assessed values mean.
    pub register: RegisterValues,
}

impl Default for ControlSettings {
    fn default() -> Self {
        ControlSettings {
            likelihood_steps: 2,
            impact_steps: 1,
            implemented: 1.0,
            partial: 0.5,
            planned: 0.0,
            not_implemented: 0.0,
            excluded: 0.0,
            missing_evidence: 0.5,
            stale_evidence: 0.75,
            register: RegisterValues::Current,
        }
    }
}

impl ControlSettings {
    /// The effectiveness of a control with this status, before the evidence factor.
    pub fn effectiveness(&self, status: Option<ImplementationStatus>) -> f64 {
        match status {
            None => self.excluded,
            Some(ImplementationStatus::Implemented) => self.implemented,
            Some(ImplementationStatus::Partial) => self.partial,
            Some(ImplementationStatus::Planned) => self.planned,
            Some(ImplementationStatus::NotImplemented) => self.not_implemented,
        }
    }
}

/// The controls that mitigate one threat, merged over the rule sets that name it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ThreatMitigation {
    /// Controls that make the threat less likely, in first-named order.
    pub likelihood: Vec<ControlIdx>,
    /// Controls that limit the harm when it happens.
    pub impact: Vec<ControlIdx>,
    /// Why, as each rule set explains it: (`file:line`, text).
    pub why: Vec<(String, String)>,
}

impl ThreatMitigation {
    /// Adds controls, keeping each control once per factor.
    pub fn add(&mut self, likelihood: &[ControlIdx], impact: &[ControlIdx]) {
        for (list, new) in [
            (&mut self.likelihood, likelihood),
            (&mut self.impact, impact),
        ] {
            for c in new {
                if !list.contains(c) {
                    list.push(*c);
                }
            }
        }
    }

    /// Whether the control mitigates the threat, on either factor.
    pub fn names(&self, c: ControlIdx) -> bool {
        self.likelihood.contains(&c) || self.impact.contains(&c)
    }
}

/// Steps removed from a factor: `steps x sum / count`, rounded half up (0 when none listed).
pub fn reduction(steps: u8, effectiveness_sum: f64, count: usize) -> u8 {
    if count == 0 {
        return 0;
    }
    let exact = f64::from(steps) * effectiveness_sum / count as f64;
    // Effectiveness is at most 1 per control, so the result stays within `steps`.
    (exact + 0.5).floor().clamp(0.0, f64::from(steps)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduction_is_proportional_and_rounds_half_up() {
        assert_eq!(reduction(2, 4.0, 4), 2);
        assert_eq!(reduction(2, 3.0, 4), 2, "1.5 rounds up");
        assert_eq!(reduction(2, 1.0, 4), 1, "0.5 rounds up");
        assert_eq!(reduction(2, 0.9, 4), 0);
        assert_eq!(reduction(1, 1.0, 2), 1);
        assert_eq!(reduction(3, 0.0, 0), 0);
        assert_eq!(
            reduction(2, 9.0, 4),
            2,
            "never more than the configured steps"
        );
    }

    #[test]
    fn effectiveness_follows_the_status() {
        let s = ControlSettings::default();
        assert_eq!(
            s.effectiveness(Some(ImplementationStatus::Implemented)),
            1.0
        );
        assert_eq!(s.effectiveness(Some(ImplementationStatus::Partial)), 0.5);
        assert_eq!(s.effectiveness(Some(ImplementationStatus::Planned)), 0.0);
        assert_eq!(s.effectiveness(None), 0.0);
    }

    #[test]
    fn controls_are_merged_once() {
        let mut m = ThreatMitigation::default();
        m.add(&[ControlIdx(1), ControlIdx(2)], &[ControlIdx(3)]);
        m.add(&[ControlIdx(2), ControlIdx(4)], &[ControlIdx(3)]);
        assert_eq!(
            m.likelihood,
            vec![ControlIdx(1), ControlIdx(2), ControlIdx(4)]
        );
        assert_eq!(m.impact, vec![ControlIdx(3)]);
        assert!(m.names(ControlIdx(4)) && !m.names(ControlIdx(5)));
    }
}
