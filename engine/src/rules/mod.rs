//! Rule sets of CEL expressions: compiled once at load, evaluated in the risk and gap stages.

pub mod checks;
pub mod compiled;
pub mod expr;
pub mod guard;
pub mod meter;
pub mod plan;
pub mod records;
pub mod ruleset;
