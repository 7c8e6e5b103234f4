//! The compiled path against the `cel` interpreter: hand-picked rules, then a property-based
//! differential test over generated expressions and records.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::model::*;
use crate::rules::bindings::Bindings;
use crate::rules::expr::{Evaluator, Expr, Interpreter, Path};
use crate::rules::records::{AssetRecord, OrgRecord, RiskFields, RiskId, RiskRecord, ThreatRecord};

/// A small world: two assets (the second depends on the first), a threat, a profile.
#[derive(Debug)]
struct World {
    assets: Vec<Asset>,
    threat: Threat,
    profile: Profile,
}

fn asset(id: &str, attributes: BTreeMap<String, AttrValue>, tags: Vec<String>) -> Asset {
    Asset {
        id: id.into(),
        name: format!("{id} name"),
        kind: AssetKind::ALL[id.len() % AssetKind::ALL.len()],
        subtype: Some("laptop".into()),
        owner: None,
        location: Some("aws-eu".into()),
        business_unit: None,
        classification: Some(Classification::Restricted),
        cia: Cia {
            confidentiality: 4,
            integrity: 2,
            availability: 5,
        },
        status: AssetStatus::Active,
        tags,
        attributes: attributes.into(),
        depends_on: Vec::new(),
        origin: Origin {
            source: SourceIdx(0),
            line: 1,
        },
    }
}

fn world(attributes: BTreeMap<String, AttrValue>, tags: Vec<String>, affects: Affects) -> World {
    let mut dependent = asset("A-2", BTreeMap::new(), vec!["x".into()]);
    dependent.depends_on = vec![AssetIdx(0)];
    let mut facts = BTreeMap::new();
    facts.insert("remote_work".to_owned(), FactValue::Bool(true));
    facts.insert("employees".to_owned(), FactValue::Int(120));
    World {
        assets: vec![asset("A-1", attributes, tags), dependent],
        threat: Threat {
            id: "TH-02".into(),
            name: "Credential theft".into(),
            category: Some("technical attack".into()),
            applies_to: "true".into(),
            likelihood: 3,
            affects,
            description: None,
            origin: Origin {
                source: SourceIdx(0),
                line: 1,
            },
        },
        profile: Profile {
            name: "Acme".into(),
            sector: None,
            facts,
            requirements: Vec::new(),
            risk_appetite: 2,
            certification_date: None,
            frameworks: Vec::new(),
        },
    }
}

fn default_world() -> World {
    let attributes = BTreeMap::from([
        ("internet_facing".to_owned(), AttrValue::Bool(true)),
        ("patch_level".to_owned(), AttrValue::Text("outdated".into())),
        ("score".to_owned(), AttrValue::Float(2.5)),
    ]);
    world(attributes, vec!["prod".into(), "gdpr".into()], Affects::ALL)
}

/// Evaluates on both paths: (compiled, interpreter).
fn both(w: &World, src: &str) -> (Result<cel::Value, String>, Result<cel::Value, String>) {
    let expr = Expr::compile(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
    let a = AssetRecord::new(&w.assets, AssetIdx(0), w.assets[0].cia, true);
    let t = ThreatRecord::new(Some(&w.threat));
    let o = OrgRecord::new(&w.profile);
    let r = RiskRecord::new(RiskFields {
        id: RiskId::Generated {
            asset: "A-1",
            threat: "TH-02",
        },
        source: "generated",
        likelihood: 3,
        impact: 4,
        treatment: None,
        owner: Some("ciso"),
        asset_count: 1,
    });
    let b = Bindings {
        asset: Some(&a),
        threat: Some(&t),
        risk: Some(&r),
        org: Some(&o),
        inventory: None,
    };
    let interp = Interpreter::default();
    let compiled = expr
        .eval_compiled(&b)
        .unwrap_or_else(|| panic!("{src} is not compiled: {:?}", expr.path()));
    (
        compiled.map_err(|e| e.0),
        expr.interpret(&interp, &b).map_err(|e| e.0),
    )
}

fn same(a: &Result<cel::Value, String>, b: &Result<cel::Value, String>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => values_equal(x, y),
        (Err(_), Err(_)) => true,
        _ => false,
    }
}

/// Equality that holds NaN equal to itself: both paths computing NaN agree.
fn values_equal(x: &cel::Value, y: &cel::Value) -> bool {
    use cel::Value as V;
    match (x, y) {
        (V::Float(a), V::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
        (V::List(a), V::List(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(p, q)| values_equal(p, q))
        }
        (V::Map(a), V::Map(b)) => {
            a.map.len() == b.map.len()
                && a.map
                    .iter()
                    .all(|(k, v)| b.map.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => x == y,
    }
}

#[test]
fn rules_of_the_default_rule_set_agree() {
    let w = default_world();
    for src in [
        r#"has(asset.attributes.internet_facing) && asset.attributes.internet_facing == true && threat.category in ["technical attack", "malware"]"#,
        r#"has(asset.attributes.mfa) && asset.attributes.mfa == true && threat.id in ["TH-02", "TH-08", "TH-28"]"#,
        r#"org.remote_work == true && threat.id == "TH-11" && asset.subtype in ["laptop", "phone", "tablet"]"#,
        r#"asset.classification == "restricted" && "c" in threat.affects"#,
        r#"asset.classification == "public" && threat.affects == ["c"]"#,
        r#"asset.availability >= 5 && "a" in threat.affects"#,
        r#"has(asset.attributes.patch_level) && asset.attributes.patch_level == "unsupported" && max_cia(asset) >= 4"#,
        r#"risk.source == "register" && risk.owner == null"#,
        r#"rank(asset.classification) >= rank("confidential")"#,
        r#"asset.tags.exists(t, t.startsWith("pr")) && asset.tags.all(t, size(t) > 1)"#,
        r#"asset.tags.map(t, t + "!") == ["prod!", "gdpr!"]"#,
        r#"asset.tags.filter(t, t.contains("d")).size() == 2"#,
        r#"asset.declared.integrity == 2 && asset.depends_on == [] && risk.id == "A-1:TH-02""#,
        r#"{"a": asset.integrity}["a"] + 1 == 3 && org.employees > 100 && org.uses_cloud == false"#,
        r#"asset.attributes.score > 2 && int(asset.attributes.score) == 2"#,
    ] {
        let (c, i) = both(&w, src);
        assert!(same(&c, &i), "{src}: compiled {c:?}, interpreter {i:?}");
        assert!(c.is_ok(), "{src}: {c:?}");
    }
}

#[test]
fn errors_agree_including_absorption_by_logical_operators() {
    let w = default_world();
    for src in [
        "asset.attributes.missing == 1",
        "asset.attributes.missing == 1 && false",
        "false && asset.attributes.missing == 1",
        "asset.attributes.missing == 1 || true",
        "asset.attributes.missing == 1 || false",
        "asset.tags.all(t, t == asset.attributes.missing)",
        "[1, 2].exists(x, x / 0 == 1 || x == 2)",
        "1 / 0 == 0",
        "asset.confidentiality + 'x' == 1",
        "rank('purple') > 1",
        "9223372036854775807 + 1 > 0",
        "asset.name < 1",
    ] {
        let (c, i) = both(&w, src);
        assert!(same(&c, &i), "{src}: compiled {c:?}, interpreter {i:?}");
    }
}

#[test]
fn nested_comprehensions_stop_at_the_iteration_budget_on_both_paths() {
    let w = default_world();
    let thousand = format!(
        "[{}]",
        (0..1000)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let a = AssetRecord::new(&w.assets, AssetIdx(0), w.assets[0].cia, true);
    let b = Bindings {
        asset: Some(&a),
        ..Default::default()
    };
    let compiled = Interpreter::default();
    let interpreter = Interpreter::new(Evaluator::Interpreter);
    // 1,000 x 1,000 iterations of each macro's shape (the interpreter runs map and filter on
    // its in-place path, all and exists on its generic one): over the budget, an error on
    // the record, not a stall. The last one is outside the compiled subset (`matches`), so
    // it falls back to the interpreter even on the compiled path.
    // Each outer fold runs to the end: `all` over inner folds that hold, `exists` over ones
    // that do not.
    for (outer, inner, holds) in [
        ("all", format!("{thousand}.all(y, x + y >= 0)"), true),
        ("exists", format!("{thousand}.exists(y, x + y < 0)"), false),
        (
            "exists",
            format!("{thousand}.exists_one(y, x + y < 0)"),
            false,
        ),
        ("all", format!("size({thousand}.map(y, x + y)) > 0"), true),
        (
            "all",
            format!("size({thousand}.filter(y, x + y < 0)) == 0"),
            true,
        ),
        (
            "all",
            format!("size({thousand}.map(y, y > 0, x + y)) > 0"),
            true,
        ),
        (
            "all",
            format!("{thousand}.all(y, !string(y).matches('^-'))"),
            true,
        ),
    ] {
        let src = format!("{thousand}.{outer}(x, {inner})");
        let expr = Expr::compile(&src).unwrap();
        for (path, interp) in [("compiled", &compiled), ("interpreter", &interpreter)] {
            let e = expr.eval_bool(interp, &b).unwrap_err();
            assert!(e.0.contains("evaluation budget"), "{path}: {src}: {e}");
        }
        // Within the budget the same shape evaluates, and the count starts again for each
        // evaluation.
        let small = src.replacen(&thousand, "[1, 2, 3]", 1);
        let expr = Expr::compile(&small).unwrap();
        for (path, interp) in [("compiled", &compiled), ("interpreter", &interpreter)] {
            for _ in 0..3 {
                assert_eq!(expr.eval_bool(interp, &b), Ok(holds), "{path}: {small}");
            }
        }
    }
}

#[test]
fn outside_the_subset_falls_back_with_a_reason() {
    let e = Expr::compile("asset.name.matches('^A')").unwrap();
    assert_eq!(e.path(), Path::Interpreter("function `matches`".into()));
    let e = Expr::compile("size(asset) > 2").unwrap();
    assert!(matches!(e.path(), Path::Interpreter(why) if why.contains("whole `asset`")));
    assert_eq!(
        Expr::compile("asset.type == 'x'").unwrap().path(),
        Path::Compiled
    );
}

// --- differential test over generated expressions and records -----------------------------

const TEXTS: &[&str] = &[
    "",
    "c",
    "prod",
    "gdpr",
    "technical attack",
    "restricted",
    "A-1",
];

/// The kinds of expression the generator builds; `Any` mixes kinds to exercise errors.
#[derive(Clone, Copy)]
enum Kind {
    Bool,
    Int,
    Text,
    List,
    Any,
}

/// Builds random, mostly well-typed rule expressions (so that most evaluate to values and
/// the comparison is about values, not only about both paths failing).
struct Gen(rand_chacha::ChaCha8Rng);

impl Gen {
    fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        use rand::RngExt;
        options[self.0.random_range(0..options.len())]
    }

    fn below(&mut self, n: usize) -> usize {
        use rand::RngExt;
        self.0.random_range(0..n)
    }

    fn expr(&mut self, kind: Kind, depth: u32) -> String {
        let leaf = depth == 0 || self.below(3) == 0;
        match kind {
            Kind::Any => {
                let k = [Kind::Bool, Kind::Int, Kind::Text, Kind::List][self.below(4)];
                self.expr(k, depth)
            }
            Kind::Bool if leaf => match self.below(6) {
                0 => self.pick(&["true", "false"]).into(),
                1 => self
                    .pick(&["asset.in_scope", "org.remote_work", "org.uses_cloud"])
                    .into(),
                2 => format!(
                    "has(asset.attributes.{})",
                    self.pick(&["internet_facing", "patch_level", "score", "nope"])
                ),
                3 => "asset.attributes.internet_facing".into(),
                4 => "asset.owner == null".into(),
                _ => "risk.owner != null".into(),
            },
            Kind::Bool => {
                let d = depth - 1;
                match self.below(11) {
                    0 => format!(
                        "({} && {})",
                        self.expr(Kind::Bool, d),
                        self.expr(Kind::Bool, d)
                    ),
                    1 => format!(
                        "({} || {})",
                        self.expr(Kind::Bool, d),
                        self.expr(Kind::Bool, d)
                    ),
                    2 => format!("!{}", self.expr(Kind::Bool, d)),
                    3 => {
                        let op = self.pick(&["==", "!=", "<", "<=", ">", ">="]);
                        format!(
                            "({} {op} {})",
                            self.expr(Kind::Int, d),
                            self.expr(Kind::Int, d)
                        )
                    }
                    4 => {
                        let op = self.pick(&["==", "!=", "<", ">="]);
                        format!(
                            "({} {op} {})",
                            self.expr(Kind::Text, d),
                            self.expr(Kind::Text, d)
                        )
                    }
                    5 => format!(
                        "({} in {})",
                        self.expr(Kind::Text, d),
                        self.expr(Kind::List, d)
                    ),
                    6 => {
                        let m = self.pick(&["exists", "all", "exists_one"]);
                        let l = self.expr(Kind::List, d);
                        format!("{l}.{m}(x, x == {})", self.expr(Kind::Text, d))
                    }
                    7 => {
                        let f = self.pick(&["startsWith", "endsWith", "contains"]);
                        format!(
                            "{}.{f}({})",
                            self.expr(Kind::Text, d),
                            self.expr(Kind::Text, d)
                        )
                    }
                    8 => format!(
                        "({} ? {} : {})",
                        self.expr(Kind::Bool, d),
                        self.expr(Kind::Bool, d),
                        self.expr(Kind::Bool, d)
                    ),
                    9 => format!(
                        "({} == {})",
                        self.expr(Kind::List, d),
                        self.expr(Kind::List, d)
                    ),
                    _ => {
                        let op = self.pick(&["==", "!=", "<", "&&", "||", "in"]);
                        format!(
                            "({} {op} {})",
                            self.expr(Kind::Any, d),
                            self.expr(Kind::Any, d)
                        )
                    }
                }
            }
            Kind::Int if leaf => match self.below(5) {
                0 => self.pick(&["0", "1", "-2", "5", "3u", "2.5"]).into(),
                1 => self
                    .pick(&[
                        "asset.confidentiality",
                        "asset.availability",
                        "asset.declared.integrity",
                        "threat.likelihood",
                        "risk.likelihood",
                        "org.employees",
                    ])
                    .into(),
                2 => "max_cia(asset)".into(),
                3 => format!("size({})", self.expr(Kind::List, 0)),
                _ => "asset.attributes.score".into(),
            },
            Kind::Int => {
                let d = depth - 1;
                match self.below(5) {
                    0..=1 => {
                        let op = self.pick(&["+", "-", "*", "/", "%"]);
                        format!(
                            "({} {op} {})",
                            self.expr(Kind::Int, d),
                            self.expr(Kind::Int, d)
                        )
                    }
                    2 => format!("-{}", self.expr(Kind::Int, d)),
                    3 => format!("rank({})", self.expr(Kind::Text, d)),
                    _ => format!(
                        "({} ? {} : {})",
                        self.expr(Kind::Bool, d),
                        self.expr(Kind::Int, d),
                        self.expr(Kind::Int, d)
                    ),
                }
            }
            Kind::Text if leaf => match self.below(3) {
                0 => format!("{:?}", self.pick(TEXTS)),
                1 => self
                    .pick(&[
                        "asset.id",
                        "asset.type",
                        "asset.classification",
                        "threat.id",
                        "threat.category",
                        "risk.id",
                        "org.name",
                        "asset.attributes.patch_level",
                    ])
                    .into(),
                _ => format!("{:?}", self.pick(&["restricted", "high", "low"])),
            },
            Kind::Text => {
                let d = depth - 1;
                match self.below(4) {
                    0 => format!(
                        "({} + {})",
                        self.expr(Kind::Text, d),
                        self.expr(Kind::Text, d)
                    ),
                    1 => format!("string({})", self.expr(Kind::Any, d)),
                    2 => format!("string({})", self.expr(Kind::Int, d)),
                    _ => format!("{}[0]", self.expr(Kind::List, d)),
                }
            }
            Kind::List if leaf => match self.below(3) {
                0 => self
                    .pick(&["asset.tags", "threat.affects", "asset.depends_on"])
                    .into(),
                1 => self.pick(&["[]", "[\"c\"]", "[\"prod\", \"x\"]"]).into(),
                _ => format!(
                    "[{}, {}]",
                    self.expr(Kind::Text, 0),
                    self.expr(Kind::Text, 0)
                ),
            },
            Kind::List => {
                let d = depth - 1;
                match self.below(3) {
                    0 => format!(
                        "{}.filter(x, x != {})",
                        self.expr(Kind::List, d),
                        self.expr(Kind::Text, d)
                    ),
                    1 => format!("{}.map(x, x + \"!\")", self.expr(Kind::List, d)),
                    _ => format!(
                        "({} + {})",
                        self.expr(Kind::List, d),
                        self.expr(Kind::List, d)
                    ),
                }
            }
        }
    }
}

fn expression() -> impl Strategy<Value = String> {
    use rand::SeedableRng;
    (any::<u64>(), 1u32..5).prop_map(|(seed, depth)| {
        Gen(rand_chacha::ChaCha8Rng::seed_from_u64(seed)).expr(Kind::Bool, depth)
    })
}

fn attr_value() -> impl Strategy<Value = AttrValue> {
    prop_oneof![
        any::<bool>().prop_map(AttrValue::Bool),
        (-2i64..6).prop_map(AttrValue::Int),
        prop_oneof![Just(0.5), Just(2.0), Just(-1.0)].prop_map(AttrValue::Float),
        prop::sample::select(TEXTS).prop_map(|s| AttrValue::Text(s.to_owned())),
    ]
}

fn random_world() -> impl Strategy<Value = World> {
    let keys = prop::sample::select(&["internet_facing", "patch_level", "score", "weight"][..]);
    (
        prop::collection::btree_map(keys.prop_map(str::to_owned), attr_value(), 0..4),
        prop::collection::vec(prop::sample::select(TEXTS).prop_map(str::to_owned), 0..4),
        (any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(|(attributes, tags, (c, i, a))| {
            world(
                attributes,
                tags,
                Affects {
                    confidentiality: c,
                    integrity: i,
                    availability: a,
                },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn compiled_agrees_with_the_interpreter(src in expression(), w in random_world()) {
        // Generated text can be outside CEL's grammar or the engine's checks: not a case.
        let Ok(expr) = Expr::compile(&src) else { return Ok(()) };
        prop_assume!(expr.path() == Path::Compiled);
        let (c, i) = both(&w, &src);
        prop_assert!(same(&c, &i), "{}: compiled {:?}, interpreter {:?}", src, c, i);
    }
}
