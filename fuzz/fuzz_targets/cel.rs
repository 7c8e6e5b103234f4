//! The CEL rule compiler and evaluator: arbitrary text as a rule, compiled, evaluated on fixed
//! records on both paths, which must agree (the differential property of the test suite, on
//! inputs no generator thought of).

#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use isms_engine::model::*;
use isms_engine::rules::bindings::Bindings;
use isms_engine::rules::expr::{Evaluator, Expr, Interpreter};
use isms_engine::rules::records::{AssetRecord, OrgRecord, ThreatRecord};

/// The standard library is built once, as the engine does per run.
fn interpreter(evaluator: Evaluator) -> &'static Interpreter {
    static COMPILED: OnceLock<Interpreter> = OnceLock::new();
    static INTERPRETED: OnceLock<Interpreter> = OnceLock::new();
    let cell = match evaluator {
        Evaluator::Compiled => &COMPILED,
        Evaluator::Interpreter => &INTERPRETED,
    };
    cell.get_or_init(|| Interpreter::new(evaluator))
}

fn origin() -> Origin {
    Origin {
        source: SourceIdx(0),
        line: 1,
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(expr) = Expr::compile(src) else {
        return;
    };
    let asset = Asset {
        id: "A-1".into(),
        name: "Payroll".into(),
        kind: AssetKind::Information,
        subtype: Some("database".into()),
        owner: None,
        location: Some("aws-eu".into()),
        business_unit: None,
        classification: Some(Classification::Confidential),
        cia: Cia {
            confidentiality: 4,
            integrity: 3,
            availability: 5,
        },
        status: AssetStatus::Active,
        tags: vec!["prod".into(), "gdpr".into()],
        attributes: [
            ("internet_facing", AttrValue::Bool(true)),
            ("score", AttrValue::Float(2.5)),
            ("patch_level", AttrValue::Text("outdated".into())),
        ]
        .into_iter()
        .collect(),
        depends_on: Vec::new(),
        origin: origin(),
    };
    let threat = Threat {
        id: "TH-01".into(),
        name: "Ransomware".into(),
        category: Some("malware".into()),
        applies_to: "true".into(),
        likelihood: 3,
        affects: Affects::ALL,
        description: None,
        origin: origin(),
    };
    let profile = Profile {
        name: "Fuzz Ltd".into(),
        sector: None,
        facts: BTreeMap::from([("remote_work".to_owned(), FactValue::Bool(true))]),
        requirements: Vec::new(),
        risk_appetite: 2,
        certification_date: None,
        frameworks: Vec::new(),
    };
    let assets = [asset];
    let a = AssetRecord::new(&assets, AssetIdx(0), assets[0].cia, true);
    let t = ThreatRecord::new(Some(&threat));
    let o = OrgRecord::new(&profile);
    let b = Bindings {
        asset: Some(&a),
        threat: Some(&t),
        org: Some(&o),
        ..Default::default()
    };
    let compiled = expr.eval_bool(interpreter(Evaluator::Compiled), &b);
    let interpreted = expr.eval_bool(interpreter(Evaluator::Interpreter), &b);
    assert_eq!(
        compiled.is_ok(),
        interpreted.is_ok(),
        "{src}: {compiled:?} vs {interpreted:?}"
    );
    assert_eq!(compiled.ok(), interpreted.ok(), "{src}");
});
