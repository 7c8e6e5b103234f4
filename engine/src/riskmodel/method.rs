//! Scoring methods: from likelihood and impact (on the matrix scales) to a level.
//!
//! - `matrix`: the level of the matrix cell (ISO 27005 style).
//! - `classic`: a score from a formula (likelihood x impact, likelihood + impact, or
//!   likelihood x impact x asset value) cut into levels by thresholds.
//! - `quantitative`: annualised loss by Monte Carlo. Each likelihood value stands for a 90%
//!   confidence range of events per year and each impact value for a 90% range of loss per
//!   event; both are lognormal (the usual choice in FAIR-style tools, as losses and
//!   frequencies are positive and right-skewed), fitted so that the ranges are their 5th and
//!   95th percentiles. A trial multiplies one draw of each; the mean over trials is the
//!   annualised loss expectancy, cut into levels by thresholds. The draws are seeded per
//!   scenario, so results do not depend on thread scheduling.

use serde::Serialize;

use super::matrix::RiskMatrix;

/// The formula of the classic method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Formula {
    /// likelihood x impact
    Product,
    /// likelihood + impact
    Sum,
    /// likelihood x impact x asset value (the highest C/I/A value of the asset)
    ProductWithValue,
}

impl Formula {
    pub fn parse(text: &str) -> Option<Formula> {
        match text {
            "product" => Some(Formula::Product),
            "sum" => Some(Formula::Sum),
            "product_with_value" => Some(Formula::ProductWithValue),
            _ => None,
        }
    }

    /// Thresholds that cut the formula's range into five levels of similar width.
    pub fn default_thresholds(self) -> Vec<f64> {
        match self {
            Formula::Product => vec![3.0, 6.0, 12.0, 16.0],
            Formula::Sum => vec![3.0, 5.0, 7.0, 8.0],
            Formula::ProductWithValue => vec![8.0, 27.0, 64.0, 100.0],
        }
    }
}

/// Settings of the quantitative method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantitative {
    pub iterations: u32,
    pub seed: u64,
    /// 90% range of events per year, per likelihood value.
    pub frequency: Vec<(f64, f64)>,
    /// 90% range of loss per event, per impact value.
    pub magnitude: Vec<(f64, f64)>,
    /// Upper bounds of annualised loss of each level but the last.
    pub thresholds: Vec<f64>,
}

impl Quantitative {
    /// Defaults for a 5x5 matrix: from once a century to several times a month, and from a
    /// thousand to ten million (in the organisation's currency).
    pub fn defaults() -> Quantitative {
        Quantitative {
            iterations: 1000,
            seed: 1,
            frequency: vec![(0.01, 0.1), (0.1, 0.5), (0.5, 2.0), (2.0, 6.0), (6.0, 24.0)],
            magnitude: vec![
                (1e3, 1e4),
                (1e4, 5e4),
                (5e4, 2.5e5),
                (2.5e5, 1e6),
                (1e6, 1e7),
            ],
            thresholds: vec![1e4, 1e5, 1e6, 1e7],
        }
    }
}

/// How levels are computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Method {
    Matrix,
    Classic {
        formula: Formula,
        thresholds: Vec<f64>,
    },
    Quantitative(Quantitative),
}

/// A computed level and the number it came from (the score or the annualised loss; for the
/// matrix method, the level itself).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    pub likelihood: u8,
    pub impact: u8,
    pub level: u8,
    pub value: f64,
}

/// Level for a value: 1 + the number of thresholds it exceeds.
fn cut(value: f64, thresholds: &[f64]) -> u8 {
    1 + thresholds.iter().filter(|t| value > **t).count() as u8
}

/// Hash of a scenario key and the seed, for per-scenario random streams (FNV-1a then a
/// SplitMix64 finaliser to spread the bits).
pub fn stream_seed(seed: u64, key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in key.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    splitmix(&mut h)
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform draw in (0, 1].
fn uniform(state: &mut u64) -> f64 {
    ((splitmix(state) >> 11) as f64 + 1.0) / (1u64 << 53) as f64
}

/// z of the 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;

/// Lognormal parameters (mu, sigma) whose 5th and 95th percentiles are `low` and `high`.
pub fn lognormal_from_90ci(low: f64, high: f64) -> (f64, f64) {
    let (a, b) = (
        low.max(f64::MIN_POSITIVE).ln(),
        high.max(low).max(f64::MIN_POSITIVE).ln(),
    );
    ((a + b) / 2.0, (b - a) / (2.0 * Z95))
}

/// Mean annualised loss over `iterations` trials (Box-Muller normal draws).
pub fn monte_carlo_ale(q: &Quantitative, likelihood: u8, impact: u8, seed: u64) -> f64 {
    let f = q.frequency[(usize::from(likelihood.max(1)) - 1).min(q.frequency.len() - 1)];
    let m = q.magnitude[(usize::from(impact.max(1)) - 1).min(q.magnitude.len() - 1)];
    let (fm, fs) = lognormal_from_90ci(f.0, f.1);
    let (mm, ms) = lognormal_from_90ci(m.0, m.1);
    let mut state = seed;
    let mut total = 0.0;
    for _ in 0..q.iterations.max(1) {
        let (u1, u2) = (uniform(&mut state), uniform(&mut state));
        let r = (-2.0 * u1.ln()).sqrt();
        let (z1, z2) = (
            r * (std::f64::consts::TAU * u2).cos(),
            r * (std::f64::consts::TAU * u2).sin(),
        );
        total += (fm + fs * z1).exp() * (mm + ms * z2).exp();
    }
    total / f64::from(q.iterations.max(1))
}

impl Method {
    /// Scores a likelihood and impact; `asset_value` feeds `product_with_value`, `key` seeds
    /// the Monte Carlo stream of the scenario.
    pub fn score(
        &self,
        matrix: &RiskMatrix,
        likelihood: u8,
        impact: u8,
        asset_value: u8,
        key: &str,
    ) -> Score {
        let (l, i) = (f64::from(likelihood), f64::from(impact));
        let (value, level) = match self {
            Method::Matrix => {
                let level = matrix.level(likelihood, impact);
                (f64::from(level), level)
            }
            Method::Classic {
                formula,
                thresholds,
            } => {
                let value = match formula {
                    Formula::Product => l * i,
                    Formula::Sum => l + i,
                    Formula::ProductWithValue => l * i * f64::from(asset_value.max(1)),
                };
                (value, cut(value, thresholds))
            }
            Method::Quantitative(q) => {
                let ale = monte_carlo_ale(q, likelihood, impact, stream_seed(q.seed, key));
                (ale, cut(ale, &q.thresholds))
            }
        };
        Score {
            likelihood,
            impact,
            level: level.min(matrix.max_level()),
            value,
        }
    }

    /// The method's name as configured.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Matrix => "matrix",
            Method::Classic { .. } => "classic",
            Method::Quantitative(_) => "quantitative",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_formulas_against_hand_computed_values() {
        let m = RiskMatrix::builtin();
        let product = Method::Classic {
            formula: Formula::Product,
            thresholds: Formula::Product.default_thresholds(),
        };
        // 3 x 4 = 12 -> exceeds 3 and 6, not 12 -> level 3
        assert_eq!(
            product.score(&m, 3, 4, 1, "k"),
            Score {
                likelihood: 3,
                impact: 4,
                level: 3,
                value: 12.0
            }
        );
        // 4 x 4 = 16 -> level 4; 5 x 4 = 20 -> level 5
        assert_eq!(product.score(&m, 4, 4, 1, "k").level, 4);
        assert_eq!(product.score(&m, 5, 4, 1, "k").level, 5);
        let sum = Method::Classic {
            formula: Formula::Sum,
            thresholds: Formula::Sum.default_thresholds(),
        };
        // 2 + 3 = 5 -> exceeds 3 only -> level 2
        assert_eq!(sum.score(&m, 2, 3, 1, "k").level, 2);
        assert_eq!(sum.score(&m, 2, 3, 1, "k").value, 5.0);
        let valued = Method::Classic {
            formula: Formula::ProductWithValue,
            thresholds: Formula::ProductWithValue.default_thresholds(),
        };
        // 2 x 3 x 5 = 30 -> exceeds 8 and 27 -> level 3
        assert_eq!(valued.score(&m, 2, 3, 5, "k").value, 30.0);
        assert_eq!(valued.score(&m, 2, 3, 5, "k").level, 3);
    }

    #[test]
    fn matrix_method_reads_the_cell() {
        let m = RiskMatrix::builtin();
        assert_eq!(Method::Matrix.score(&m, 3, 4, 1, "k").level, 4);
        assert_eq!(Method::Matrix.score(&m, 2, 2, 1, "k").level, 2);
    }

    #[test]
    fn lognormal_fit_hits_the_percentiles() {
        let (mu, sigma) = lognormal_from_90ci(10.0, 1000.0);
        assert!(
            (mu.exp() - 100.0).abs() < 1e-9,
            "median is the geometric mean"
        );
        assert!(((mu + Z95 * sigma).exp() - 1000.0).abs() < 1e-6);
    }

    #[test]
    fn monte_carlo_converges_to_the_analytic_mean_and_is_reproducible() {
        let q = Quantitative {
            iterations: 200_000,
            ..Quantitative::defaults()
        };
        // Product of independent lognormals: mean = exp(mu_f + mu_m + (s_f^2 + s_m^2) / 2).
        let (fm, fs) = lognormal_from_90ci(0.5, 2.0);
        let (mm, ms) = lognormal_from_90ci(5e4, 2.5e5);
        let analytic = (fm + mm + (fs * fs + ms * ms) / 2.0).exp();
        let ale = monte_carlo_ale(&q, 3, 3, 42);
        assert!(
            (ale / analytic - 1.0).abs() < 0.02,
            "ale {ale} analytic {analytic}"
        );
        assert_eq!(ale, monte_carlo_ale(&q, 3, 3, 42));
        assert_ne!(ale, monte_carlo_ale(&q, 3, 3, 43));
        let m = RiskMatrix::builtin();
        let method = Method::Quantitative(Quantitative::defaults());
        // About 1.3e5 a year: above 1e5, below 1e6 -> level 3.
        assert_eq!(method.score(&m, 3, 3, 1, "A1:TH-01").level, 3);
    }
}
