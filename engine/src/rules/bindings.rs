//! The records bound to the rule variables for one evaluation, as both evaluators read them.

use cel::common::value::CowVal;
use cel::context::VariableResolver;

use super::compiled::{Record, Val, Variables};
use super::records::{
    AssetRecord, InventoryRecord, OrgRecord, RiskRecord, RuleRecord, ThreatRecord,
};

/// Records bound to the rule variables for one evaluation, borrowed from the caller. The
/// types are the engine's own records, so the compiled path reads their fields with static
/// calls the compiler can inline.
#[derive(Default, Clone, Copy)]
pub struct Bindings<'a> {
    pub asset: Option<&'a AssetRecord<'a>>,
    pub threat: Option<&'a ThreatRecord<'a>>,
    pub risk: Option<&'a RiskRecord<'a>>,
    pub org: Option<&'a OrgRecord<'a>>,
    pub inventory: Option<&'a InventoryRecord>,
}

impl<'a> Variables<'a> for Bindings<'a> {
    /// Variable `var` is the one at that index in [`super::expr::VARIABLES`].
    #[inline]
    fn field(&self, var: u8, slot: u16, name: &str) -> Option<Option<Val<'a>>> {
        Some(match var {
            0 => self.asset?.field(slot, name),
            1 => self.threat?.field(slot, name),
            2 => self.risk?.field(slot, name),
            3 => self.org?.field(slot, name),
            _ => self.inventory?.field(slot, name),
        })
    }
}

impl<'a> Bindings<'a> {
    fn record(&self, variable: &str) -> Option<&'a dyn RuleRecord> {
        Some(match variable {
            "asset" => self.asset?,
            "threat" => self.threat?,
            "risk" => self.risk?,
            "org" => self.org?,
            "inventory" => self.inventory?,
            _ => return None,
        })
    }
}

impl VariableResolver for Bindings<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        Some(CowVal::Borrowed(self.record(variable)?.cel().as_val()))
    }
}
