//! The risk model, as configuration: the matrix (scales, level grid, acceptance), the
//! scoring method, and whether threats are built in and scenarios generated. The risk stage
//! (`crate::risk`) evaluates scenarios with it; loading builds it from `[risk]` in isms.toml.

pub mod matrix;
pub mod method;
pub mod mitigation;

use serde::Serialize;

pub use matrix::{Acceptability, Level, RiskMatrix};
pub use method::{Formula, Method, Quantitative, Score};
pub use mitigation::{ControlSettings, RegisterValues, ThreatMitigation};

/// The risk model of a workspace (`[risk]` in isms.toml).
#[derive(Debug, Clone, Serialize)]
pub struct RiskModel {
    pub matrix: RiskMatrix,
    pub method: Method,
    /// Whether the built-in threat catalog is part of the workspace's catalog.
    pub builtin_threats: bool,
    /// Whether asset x threat scenarios are generated besides the register.
    pub generate_scenarios: bool,
    /// How existing controls lower likelihood and impact (`[risk.controls]`).
    pub controls: ControlSettings,
    /// The share of the scenarios a plugin sees that it may move across the appetite line
    /// before an informational gap names it (`[risk] plugin_appetite_share`).
    pub plugin_appetite_share: f64,
}

impl Default for RiskModel {
    fn default() -> Self {
        RiskModel {
            matrix: RiskMatrix::builtin(),
            method: Method::Matrix,
            builtin_threats: true,
            generate_scenarios: true,
            controls: ControlSettings::default(),
            plugin_appetite_share: 0.1,
        }
    }
}
