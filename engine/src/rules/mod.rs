//! Rule sets of CEL expressions: compiled once at load, evaluated in the risk and gap stages.
//! The language layer only: compiling, evaluating and metering; the stages that run rules
//! (risk, soa, checks) live above it.

pub mod bindings;
pub mod compiled;
pub mod error;
pub mod expr;
pub mod guard;
pub mod meter;
pub mod plan;
pub mod rank;
pub mod reads;
pub mod records;
pub mod ruleset;
