//! The risk matrix: likelihood and impact scales, the level grid and acceptance per level.
//!
//! The default is the ISO 27005-style 5x5 matrix of `rulesets/risk/matrix_5x5_iso27005.csv`;
//! a workspace can name its own CSV of the same shape (any N x M).

use serde::Serialize;

use crate::diag::Diagnostics;
use crate::input::{Format, SourceFile, for_each_record};
use crate::model::vocabulary;

/// The default matrix, compiled into the binary.
pub const BUILTIN_5X5: &str = include_str!("../../../rulesets/risk/matrix_5x5_iso27005.csv");

vocabulary!(
    /// What the acceptance criteria say of a level.
    Acceptability {
        Acceptable => "acceptable",
        Tolerable => "tolerable",
        Unacceptable => "unacceptable",
    }
);

/// A risk level with its name and acceptance criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level {
    pub value: u8,
    pub name: String,
    pub acceptability: Acceptability,
}

/// An N x M risk matrix.
#[derive(Debug, Clone, Serialize)]
pub struct RiskMatrix {
    /// Names of likelihood values 1..=N.
    pub likelihoods: Vec<String>,
    /// Names of impact values 1..=M.
    pub impacts: Vec<String>,
    /// Levels 1..=K, ascending.
    pub levels: Vec<Level>,
    /// Level value of each cell, row-major by likelihood.
    grid: Vec<u8>,
}

impl RiskMatrix {
    /// The built-in ISO 27005-style 5x5 matrix.
    pub fn builtin() -> RiskMatrix {
        let source = SourceFile::from_bytes(
            "builtin:matrix_5x5_iso27005.csv".into(),
            "builtin:matrix_5x5_iso27005.csv".into(),
            BUILTIN_5X5.as_bytes(),
        );
        let mut diags = Diagnostics::default();
        // The built-in data is tested to parse; an empty matrix would be a build defect.
        #[allow(clippy::panic)]
        source
            .ok()
            .and_then(|s| RiskMatrix::from_csv(&s, &mut diags))
            .unwrap_or_else(|| panic!("built-in risk matrix is malformed: {diags:?}"))
    }

    /// Reads a matrix from a CSV with the columns `likelihood, likelihood_name, impact,
    /// impact_name, risk_level, risk_name, acceptance`, one row per cell.
    pub fn from_csv(source: &SourceFile, diags: &mut Diagnostics) -> Option<RiskMatrix> {
        struct Cell {
            l: u8,
            i: u8,
            level: u8,
        }
        let errors_before = diags.error_count();
        let mut cells = Vec::new();
        let mut likelihoods: Vec<Option<String>> = Vec::new();
        let mut impacts: Vec<Option<String>> = Vec::new();
        let mut levels: Vec<Option<(String, Acceptability)>> = Vec::new();
        fn put<T: Clone + PartialEq>(names: &mut Vec<Option<T>>, at: u8, value: T) -> bool {
            let at = usize::from(at) - 1;
            if names.len() <= at {
                names.resize(at + 1, None);
            }
            match &names[at] {
                Some(existing) => *existing == value,
                None => {
                    names[at] = Some(value);
                    true
                }
            }
        }
        for_each_record(source, Format::Csv, diags, |r| {
            let l = r.int("likelihood", 1..=20).map(|v| v as u8);
            let i = r.int("impact", 1..=20).map(|v| v as u8);
            let level = r.int("risk_level", 1..=20).map(|v| v as u8);
            let lname = r.required("likelihood_name");
            let iname = r.required("impact_name");
            let rname = r.required("risk_name");
            let acc = r.vocab("acceptance", Acceptability::parse, Acceptability::expected);
            let (Some(l), Some(i), Some(level), Some(lname), Some(iname), Some(rname), Some(acc)) =
                (l, i, level, lname, iname, rname, acc)
            else {
                if r.text("likelihood").is_none()
                    || r.text("impact").is_none()
                    || r.text("risk_level").is_none()
                {
                    r.error(
                        "load::missing-field",
                        "likelihood",
                        "every cell needs likelihood, impact and risk_level",
                    );
                }
                return;
            };
            if !put(&mut likelihoods, l, lname) {
                r.error(
                    "load::value",
                    "likelihood_name",
                    format!("likelihood {l} has two different names"),
                );
            }
            if !put(&mut impacts, i, iname) {
                r.error(
                    "load::value",
                    "impact_name",
                    format!("impact {i} has two different names"),
                );
            }
            if !put(&mut levels, level, (rname, acc)) {
                r.error(
                    "load::value",
                    "risk_name",
                    format!("risk level {level} has two different names or acceptances"),
                );
            }
            cells.push(Cell { l, i, level });
        });
        let (n, m) = (likelihoods.len(), impacts.len());
        let mut grid = vec![0u8; n * m];
        for c in &cells {
            let at = (usize::from(c.l) - 1) * m + usize::from(c.i) - 1;
            if grid[at] != 0 {
                diags.push(source.error_at(
                    "load::duplicate-id",
                    0,
                    0,
                    None,
                    format!(
                        "the cell likelihood {} x impact {} is given twice",
                        c.l, c.i
                    ),
                ));
            }
            grid[at] = c.level;
        }
        let complete = |names: &[Option<String>], what: &str, diags: &mut Diagnostics| {
            if let Some(gap) = names.iter().position(Option::is_none) {
                diags.push(source.error_at(
                    "load::value",
                    0,
                    0,
                    None,
                    format!("the {what} scale has no value {}", gap + 1),
                ));
            }
        };
        complete(&likelihoods, "likelihood", diags);
        complete(&impacts, "impact", diags);
        if let Some(gap) = levels.iter().position(Option::is_none) {
            diags.push(source.error_at(
                "load::value",
                0,
                0,
                None,
                format!("risk level {} is used by no cell", gap + 1),
            ));
        }
        if let Some(at) = grid.iter().position(|v| *v == 0) {
            diags.push(source.error_at(
                "load::value",
                0,
                0,
                None,
                format!(
                    "the cell likelihood {} x impact {} is missing",
                    at / m.max(1) + 1,
                    at % m.max(1) + 1
                ),
            ));
        }
        if n < 2 || m < 2 {
            diags.push(source.error_at(
                "load::value",
                0,
                0,
                None,
                "a risk matrix needs at least 2 likelihood and 2 impact values",
            ));
        }
        if diags.error_count() != errors_before {
            return None;
        }
        Some(RiskMatrix {
            likelihoods: likelihoods.into_iter().flatten().collect(),
            impacts: impacts.into_iter().flatten().collect(),
            levels: levels
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(v, (name, acceptability))| Level {
                    value: v as u8 + 1,
                    name,
                    acceptability,
                })
                .collect(),
            grid,
        })
    }

    /// Highest likelihood value.
    pub fn max_likelihood(&self) -> u8 {
        self.likelihoods.len() as u8
    }

    /// Highest impact value.
    pub fn max_impact(&self) -> u8 {
        self.impacts.len() as u8
    }

    /// Highest level value.
    pub fn max_level(&self) -> u8 {
        self.levels.len() as u8
    }

    /// The level of a cell; values are clamped to the scales.
    pub fn level(&self, likelihood: u8, impact: u8) -> u8 {
        let l = usize::from(likelihood.clamp(1, self.max_likelihood())) - 1;
        let i = usize::from(impact.clamp(1, self.max_impact())) - 1;
        self.grid[l * self.impacts.len() + i]
    }

    /// The level a user names: its value (`4`) or its name in any case, with `-`, `_` or a
    /// space between words (`very high`, `Very-High`); `None` when no level matches.
    pub fn level_named(&self, text: &str) -> Option<u8> {
        let fold = |s: &str| s.trim().to_lowercase().replace(['-', '_'], " ");
        let wanted = fold(text);
        if let Ok(value) = wanted.parse::<u8>() {
            return (1..=self.max_level()).contains(&value).then_some(value);
        }
        self.levels
            .iter()
            .find(|l| fold(&l.name) == wanted)
            .map(|l| l.value)
    }

    /// The level with a value (clamped).
    pub fn level_info(&self, value: u8) -> &Level {
        &self.levels[usize::from(value.clamp(1, self.max_level())) - 1]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn levels_are_named_by_value_or_by_name() {
        let m = super::RiskMatrix::builtin();
        assert_eq!(m.level_named("4"), Some(4));
        assert_eq!(m.level_named(&m.level_info(4).name.to_uppercase()), Some(4));
        assert_eq!(m.level_named("0"), None);
        assert_eq!(m.level_named("99"), None);
        assert_eq!(m.level_named("nonsense"), None);
    }

    use super::*;

    #[test]
    fn builtin_matches_the_reference_cells() {
        let m = RiskMatrix::builtin();
        assert_eq!(
            (m.max_likelihood(), m.max_impact(), m.max_level()),
            (5, 5, 5)
        );
        assert_eq!(m.level(1, 1), 1);
        assert_eq!(m.level(2, 4), 3);
        assert_eq!(m.level(3, 4), 4);
        assert_eq!(m.level(4, 5), 5);
        assert_eq!(m.level(5, 1), 3);
        assert_eq!(m.level(9, 9), 5, "values beyond the scale are clamped");
        assert_eq!(m.level_info(3).name, "medium");
        assert_eq!(m.level_info(3).acceptability, Acceptability::Tolerable);
        assert_eq!(m.likelihoods[4], "almost certain");
    }

    #[test]
    fn custom_3x3_and_broken_matrices() {
        let csv = "likelihood,likelihood_name,impact,impact_name,risk_level,risk_name,acceptance\n\
                   1,low,1,minor,1,low,acceptable\n1,low,2,major,1,low,acceptable\n1,low,3,severe,2,high,unacceptable\n\
                   2,high,1,minor,1,low,acceptable\n2,high,2,major,2,high,unacceptable\n2,high,3,severe,2,high,unacceptable\n";
        let s = SourceFile::from_bytes("m.csv".into(), "m.csv".into(), csv.as_bytes()).unwrap();
        let mut d = Diagnostics::default();
        let m = RiskMatrix::from_csv(&s, &mut d).unwrap();
        assert_eq!(
            (m.max_likelihood(), m.max_impact(), m.max_level()),
            (2, 3, 2)
        );
        assert_eq!(m.level(2, 2), 2);

        let broken = csv.lines().take(6).collect::<Vec<_>>().join("\n");
        let s = SourceFile::from_bytes("m.csv".into(), "m.csv".into(), broken.as_bytes()).unwrap();
        let mut d = Diagnostics::default();
        assert!(RiskMatrix::from_csv(&s, &mut d).is_none());
        assert!(
            d.iter()
                .any(|e| e.message.contains("likelihood 2 x impact 3 is missing")),
            "{d:?}"
        );
    }
}
