//! Everything a plugin may spend or allocate, the host's ceiling for each, and the store's
//! resource limiter that enforces the allocation limits while a plugin runs.
//!
//! A limit can be set in two places: the workspace's `[plugin_limits]` (the operator's
//! setting for every plugin) and the plugin's own `plugin.toml` `[limits]` (what its author
//! says it needs). A plugin runs under the tighter of the two, the built-in default when
//! neither sets it, and never above the host maximum: a value outside `1..=max` is a load
//! error located at the value.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diag::Diagnostics;
use crate::input::SourceFile;

/// Sandbox limits of one plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Fuel per call (about one unit per WebAssembly instruction, one per byte that a bulk
    /// memory or table operation touches). The deterministic budget.
    pub fuel: u64,
    /// Fuel for all `evaluate` calls of one run together; the plugin fails for the run when
    /// its batches, counted in order, spend more.
    pub run_fuel: u64,
    /// Wall-clock backstop per call. Reaching it fails the plugin for the whole run.
    pub deadline: Duration,
    /// Linear memory, in bytes, summed over all of the plugin's memories.
    pub memory: usize,
    /// Linear memories.
    pub memories: usize,
    /// Tables.
    pub tables: usize,
    /// Table elements, summed over all tables.
    pub table_elements: usize,
    /// Core and component instances.
    pub instances: usize,
    /// Size of the component file, checked before it is compiled.
    pub module_size: usize,
    /// Functions defined by the component's modules, checked before compilation.
    pub functions: usize,
    /// Size of the largest function body, checked before compilation. Compilation time grows
    /// faster than linearly within one function, so this bounds the cost of each.
    pub function_size: usize,
    /// Scenarios per `evaluate` call.
    pub batch_size: usize,
    /// Longest text a plugin may return (reasons, messages, codes), in bytes.
    pub max_text: usize,
    /// Bytes the host copies out of the plugin for one call's results (strings and lists,
    /// counted as lifted: aliased strings count each time).
    pub result_size: usize,
}

/// The WebAssembly stack cap of every call. It is a property of the engine that all plugins
/// share, so it is fixed rather than set per plugin.
pub const STACK: usize = 512 << 10;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 1_000_000_000,
            run_fuel: 50_000_000_000,
            deadline: Duration::from_secs(30),
            memory: 64 << 20,
            memories: 1,
            tables: 2,
            table_elements: 100_000,
            instances: 4,
            module_size: 8 << 20,
            functions: 20_000,
            function_size: 256 << 10,
            batch_size: 2000,
            max_text: 4096,
            result_size: 16 << 20,
        }
    }
}

/// One configurable limit: its key, the host maximum (in the key's unit) and how a value in
/// that unit is stored in [`Limits`].
#[cfg_attr(not(feature = "plugins"), allow(dead_code))]
#[derive(Debug)]
struct Knob {
    key: &'static str,
    max: u64,
    set: fn(&mut Limits, u64),
}

/// A limit kept in [`Limits`] as a `usize` of bytes or items, set in units of `1 << shift`
/// (MiB: 20, KiB: 10, items: 0).
macro_rules! sized {
    ($key:literal, $max:expr, $field:ident, $shift:expr) => {
        Knob {
            key: $key,
            max: $max,
            set: |l, v| l.$field = (v as usize) << $shift,
        }
    };
}

/// Every configurable limit. The maxima keep each cost bounded whatever a manifest says:
/// about 100 s of computation per call, 4 GiB of memory (all a 32-bit memory can address),
/// and a compilation linear in the component (about 45 us and 8 KB per function measured, so
/// some 10 s and 2 GB at the maxima; the defaults allow a tenth of that).
const KNOBS: &[Knob] = &[
    Knob {
        key: "fuel",
        max: 100_000_000_000,
        set: |l, v| l.fuel = v,
    },
    Knob {
        key: "run_fuel",
        max: 10_000_000_000_000,
        set: |l, v| l.run_fuel = v,
    },
    Knob {
        key: "deadline_seconds",
        max: 3600,
        set: |l, v| l.deadline = Duration::from_secs(v),
    },
    sized!("memory_mib", 4096, memory, 20),
    sized!("memories", 4, memories, 0),
    sized!("tables", 16, tables, 0),
    sized!("table_elements", 10_000_000, table_elements, 0),
    sized!("instances", 16, instances, 0),
    sized!("module_mib", 64, module_size, 20),
    sized!("functions", 200_000, functions, 0),
    sized!("function_kib", 1024, function_size, 10),
    sized!("batch_size", 1_000_000, batch_size, 0),
    sized!("max_text", 65_536, max_text, 0),
    sized!("result_mib", 1024, result_size, 20),
];

/// A `[plugin_limits]` (isms.toml) or `[limits]` (plugin.toml) table: limits a manifest sets,
/// by key, each with its place for located errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct LimitSettings(BTreeMap<String, Spanned<u64>>);

/// The valid values of a [`LimitSettings`], each with its limit.
#[derive(Debug, Clone, Default)]
pub(crate) struct CheckedLimits(Vec<(&'static Knob, u64)>);

#[cfg_attr(not(feature = "plugins"), allow(dead_code))]
impl LimitSettings {
    /// Checks every key and value (`1..=host maximum`), reporting each bad one at its place in
    /// `source`; keeps the valid values.
    pub(crate) fn checked(&self, source: &SourceFile, diags: &mut Diagnostics) -> CheckedLimits {
        let mut out = Vec::new();
        for (key, v) in &self.0 {
            let value = *v.get_ref();
            let at = v.span();
            let problem = match KNOBS.iter().find(|k| k.key == key) {
                Some(knob) if (1..=knob.max).contains(&value) => {
                    out.push((knob, value));
                    continue;
                }
                Some(knob) => format!(
                    "`{key}` = {value} is outside 1..={} (the host maximum)",
                    knob.max
                ),
                None => format!(
                    "`{key}` is not a plugin limit; the limits are {}",
                    KNOBS.iter().map(|k| k.key).collect::<Vec<_>>().join(", ")
                ),
            };
            diags.push(
                source
                    .error_at("load::plugin-limit", at.start, at.len(), None, problem)
                    .with_help("plugin limits bound what a third-party plugin may cost"),
            );
        }
        CheckedLimits(out)
    }
}

/// The limits a plugin runs under: for each limit, the tightest of the settings (the
/// workspace's and the plugin's own), the default when none sets it.
#[cfg_attr(not(feature = "plugins"), allow(dead_code))]
pub(crate) fn resolve(settings: &[&CheckedLimits]) -> Limits {
    let mut limits = Limits::default();
    for knob in KNOBS {
        let values = settings.iter().flat_map(|s| &s.0);
        let tightest = values
            .filter(|(k, _)| k.key == knob.key)
            .map(|(_, v)| *v)
            .min();
        if let Some(v) = tightest {
            (knob.set)(&mut limits, v);
        }
    }
    limits
}

/// Which allocation limit a plugin ran into.
#[cfg(feature = "plugins")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Breach {
    Memory { requested: usize },
    TableElements { requested: usize },
}

/// The store's state: the plugin's limits and what it holds now. Enforces the totals over all
/// memories and tables, which wasmtime's own `StoreLimits` counts per memory and per table.
#[cfg(feature = "plugins")]
pub(crate) struct Sandbox {
    limits: Limits,
    memory: usize,
    table_elements: usize,
    /// The first limit the plugin ran into, to name it in the failure.
    pub(crate) breach: Option<Breach>,
}

#[cfg(feature = "plugins")]
impl Sandbox {
    pub(crate) fn new(limits: Limits) -> Self {
        Sandbox {
            limits,
            memory: 0,
            table_elements: 0,
            breach: None,
        }
    }
}

#[cfg(feature = "plugins")]
impl wasmtime::ResourceLimiter for Sandbox {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = (self.memory - current.min(self.memory)).saturating_add(desired);
        if total > self.limits.memory {
            self.breach
                .get_or_insert(Breach::Memory { requested: total });
            return Err(wasmtime::format_err!(
                "memory limit: {total} bytes requested in all, {} allowed",
                self.limits.memory
            ));
        }
        self.memory = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total =
            (self.table_elements - current.min(self.table_elements)).saturating_add(desired);
        if total > self.limits.table_elements {
            self.breach
                .get_or_insert(Breach::TableElements { requested: total });
            return Err(wasmtime::format_err!(
                "table limit: {total} elements requested in all, {} allowed",
                self.limits.table_elements
            ));
        }
        self.table_elements = total;
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.limits.instances
    }

    fn tables(&self) -> usize {
        self.limits.tables
    }

    fn memories(&self) -> usize {
        self.limits.memories
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> SourceFile {
        SourceFile::from_bytes("plugin.toml".into(), "plugin.toml".into(), text.as_bytes()).unwrap()
    }

    fn settings(text: &str) -> LimitSettings {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn unknown_keys_are_located_errors() {
        let src = source("fuel = 5\nfule = 6\n");
        let mut diags = Diagnostics::default();
        let l = resolve(&[&settings("fuel = 5\nfule = 6\n").checked(&src, &mut diags)]);
        let messages: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].starts_with("plugin.toml:2:8: `fule` is not a plugin limit"),
            "{messages:?}"
        );
        assert_eq!(l.fuel, 5);
    }

    #[test]
    fn the_tighter_setting_wins_and_defaults_fill_the_rest() {
        let (ws, ws_src) = (settings("fuel = 500\nmemory_mib = 32"), source(""));
        let (pl, pl_src) = (
            settings("fuel = 900\nmemory_mib = 16\ntables = 1"),
            source(""),
        );
        let mut diags = Diagnostics::default();
        let checked = [
            ws.checked(&ws_src, &mut diags),
            pl.checked(&pl_src, &mut diags),
        ];
        let l = resolve(&[&checked[0], &checked[1]]);
        assert!(diags.is_empty());
        assert_eq!((l.fuel, l.memory, l.tables), (500, 16 << 20, 1));
        assert_eq!(l.batch_size, Limits::default().batch_size);
    }

    #[test]
    fn values_outside_the_host_range_are_located_errors() {
        // A deadline that would overflow a `Duration` in milliseconds, and a zero budget.
        let text = "deadline_seconds = 18446744073709551615\nfuel = 0\n";
        let src = source(text);
        let mut diags = Diagnostics::default();
        let l = resolve(&[&settings(text).checked(&src, &mut diags)]);
        let messages: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("plugin.toml:1:20: `deadline_seconds`")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("plugin.toml:2:8: `fuel` = 0")),
            "{messages:?}"
        );
        assert_eq!(l, Limits::default(), "bad values are ignored");
    }

    #[cfg(feature = "plugins")]
    #[test]
    fn memory_and_tables_are_capped_in_total_not_per_instance() {
        use wasmtime::ResourceLimiter;
        let mut s = Sandbox::new(Limits {
            memory: 100,
            table_elements: 10,
            ..Limits::default()
        });
        assert!(s.memory_growing(0, 60, None).unwrap());
        // A second memory of 60 would be within a per-memory cap of 100, not the total.
        assert!(s.memory_growing(0, 60, None).is_err());
        assert_eq!(s.breach, Some(Breach::Memory { requested: 120 }));
        let mut s = Sandbox::new(Limits {
            table_elements: 10,
            ..Limits::default()
        });
        assert!(s.table_growing(1, 8, None).unwrap());
        assert!(s.table_growing(0, 4, None).is_err());
        assert!(matches!(s.breach, Some(Breach::TableElements { .. })));
    }
}
