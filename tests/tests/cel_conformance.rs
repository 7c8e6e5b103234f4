//! The compiled rule path on the CEL specification's conformance cases, committed in
//! `tests/data/cel-conformance` (Apache-2.0, with its licence). A missing corpus fails the
//! test: it is the main guard of the compiled evaluator and must never pass by running nothing.
//!
//! Every case either passes, or is skipped with a named reason: outside the compiled subset
//! (the rule then runs on the interpreter), bindings of arbitrary variables (rules bind only
//! the engine's records), protobuf types, or a result on which the compiled path agrees with
//! the `cel` interpreter it is differentially tested against while both differ from the
//! specification. Any other disagreement fails the test. The pass count per file is printed
//! (`cargo test --test cel_conformance -- --nocapture`) and may not fall below the floor
//! pinned here.

use std::collections::BTreeMap;
use std::path::PathBuf;

use isms_engine::rules::bindings::Bindings;
use isms_engine::rules::compiled::{Program, Schema};
use serde_json::Value as Json;

fn corpus() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/cel-conformance");
    assert!(
        dir.join("LICENSE").is_file() && dir.join("basic.json").is_file(),
        "the CEL conformance corpus is missing from {}",
        dir.display()
    );
    dir
}

/// The expected value as the interpreter's value; `Err` names why it is outside the subset.
fn expected(v: &Json) -> Result<cel::Value, String> {
    use cel::Value as V;
    use std::sync::Arc;
    let (kind, x) = v
        .as_object()
        .and_then(|o| o.iter().next())
        .ok_or("an empty value")?;
    Ok(match kind.as_str() {
        "int64_value" => V::Int(
            x.as_i64()
                .or_else(|| x.as_str()?.parse().ok())
                .ok_or("int")?,
        ),
        "uint64_value" => V::UInt(
            x.as_u64()
                .or_else(|| x.as_str()?.parse().ok())
                .ok_or("uint")?,
        ),
        "double_value" => V::Float(match x.as_str() {
            Some("inf") => f64::INFINITY,
            Some("-inf") => f64::NEG_INFINITY,
            Some("nan") => f64::NAN,
            _ => x.as_f64().ok_or("double")?,
        }),
        "string_value" => V::String(Arc::new(x.as_str().ok_or("string")?.to_owned())),
        "bool_value" => V::Bool(x.as_bool().ok_or("bool")?),
        "null_value" => V::Null,
        "list_value" => V::List(Arc::new(
            x.get("values")
                .and_then(Json::as_array)
                .map(|a| a.iter().map(expected).collect::<Result<Vec<_>, _>>())
                .transpose()?
                .unwrap_or_default(),
        )),
        "map_value" => {
            let mut map = std::collections::HashMap::new();
            for e in x
                .get("entries")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let key = match expected(&e["key"])? {
                    V::String(s) => cel::objects::Key::String(s),
                    V::Int(i) => cel::objects::Key::Int(i),
                    V::UInt(u) => cel::objects::Key::Uint(u),
                    V::Bool(b) => cel::objects::Key::Bool(b),
                    _ => return Err("a map with keys of another type".into()),
                };
                map.insert(key, expected(&e["value"])?);
            }
            V::Map(cel::objects::Map { map: Arc::new(map) })
        }
        other => return Err(format!("expects a {other}")),
    })
}

/// Equality that holds NaN equal to itself.
fn same(x: &cel::Value, y: &cel::Value) -> bool {
    use cel::Value as V;
    match (x, y) {
        (V::Float(a), V::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
        (V::List(a), V::List(b)) => {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(p, q)| same(p, q))
        }
        (V::Map(a), V::Map(b)) => {
            a.map.len() == b.map.len()
                && a.map
                    .iter()
                    .all(|(k, v)| b.map.get(k).is_some_and(|w| same(v, w)))
        }
        _ => x == y,
    }
}

#[derive(Default)]
struct Tally {
    passed: usize,
    skipped: BTreeMap<String, usize>,
    failed: Vec<String>,
}

enum Outcome {
    Pass,
    Skip(String),
    Fail(String),
}

fn run_case(case: &Json) -> Outcome {
    let src = case["expr"].as_str().unwrap_or_default();
    for (key, why) in [
        ("check_only", "a type-check-only case"),
        ("container", "names a protobuf container"),
        (
            "bindings",
            "binds variables of its own (rules bind only the engine's records)",
        ),
    ] {
        if case.get(key).is_some() {
            return Outcome::Skip(why.into());
        }
    }
    let Ok(parsed) = cel::Program::compile(src) else {
        return Outcome::Skip("the cel 0.15 parser rejects the expression".into());
    };
    let program = match Program::compile(parsed.expression(), Schema { variables: &[] }) {
        Ok(p) => p,
        Err(why) => return Outcome::Skip(format!("outside the compiled subset: {}", why.0)),
    };
    let want: Result<cel::Value, ()> = if let Some(v) = case.get("value") {
        match expected(v) {
            Ok(v) => Ok(v),
            Err(why) => return Outcome::Skip(format!("expected value outside the subset: {why}")),
        }
    } else if case.get("eval_error").is_some() || case.get("any_eval_errors").is_some() {
        Err(())
    } else {
        return Outcome::Skip("expects a static type only".into());
    };
    let got = program
        .eval(&Bindings::default())
        .map(|v| cel::Value::from(&v))
        .map_err(|_| ());
    let agree = match (&got, &want) {
        (Ok(g), Ok(w)) => same(g, w),
        (Err(()), Err(())) => true,
        _ => false,
    };
    if agree {
        return Outcome::Pass;
    }
    let interpreted = parsed.execute(&cel::Context::default()).map_err(|_| ());
    let like_interpreter = match (&got, &interpreted) {
        (Ok(g), Ok(i)) => same(g, i),
        (Err(()), Err(())) => true,
        _ => false,
    };
    if like_interpreter {
        Outcome::Skip(
            "the cel interpreter gives the same result, which differs from the specification"
                .into(),
        )
    } else {
        Outcome::Fail(format!(
            "{src}: compiled {got:?}, expected {want:?}, interpreter {interpreted:?}"
        ))
    }
}

/// The least number of passing cases per file: a regression in the compiled path shows here.
const FLOORS: &[(&str, usize)] = &[
    ("basic", 32),
    ("comparisons", 304),
    ("conversions", 66),
    ("fields", 36),
    ("fp_math", 30),
    ("integer_math", 64),
    ("lists", 39),
    ("logic", 30),
    ("macros", 44),
    ("parse", 111),
    ("plumbing", 4),
    ("string", 36),
];

#[test]
fn conformance_cases_pass_or_are_skipped_with_a_reason() {
    // The parser and the interpreter recurse per nesting level; the deepest cases need more
    // than a test thread's default stack in a debug build.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run_corpus)
        .unwrap()
        .join()
        .unwrap();
}

fn run_corpus() {
    let dir = corpus();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut totals = (0, 0);
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for (floor_file, _) in FLOORS {
        assert!(
            names.iter().any(|n| n == floor_file),
            "{floor_file}.json is missing from {}",
            dir.display()
        );
    }
    eprintln!(
        "{:<22} {:>6} {:>6} {:>6}",
        "file", "cases", "passed", "skipped"
    );
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let doc: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut tally = Tally::default();
        for section in doc["section"].as_array().into_iter().flatten() {
            for case in section["test"].as_array().into_iter().flatten() {
                match run_case(case) {
                    Outcome::Pass => tally.passed += 1,
                    Outcome::Skip(why) => *tally.skipped.entry(why).or_default() += 1,
                    Outcome::Fail(what) => tally.failed.push(format!(
                        "{name}/{}/{}: {what}",
                        section["name"].as_str().unwrap_or(""),
                        case["name"].as_str().unwrap_or("")
                    )),
                }
            }
        }
        let skipped: usize = tally.skipped.values().sum();
        eprintln!(
            "{name:<22} {:>6} {:>6} {:>6}",
            tally.passed + skipped + tally.failed.len(),
            tally.passed,
            skipped
        );
        for (why, n) in &tally.skipped {
            eprintln!("    skipped {n:>4}: {why}");
        }
        if let Some((_, floor)) = FLOORS.iter().find(|(f, _)| *f == name) {
            assert!(
                tally.passed >= *floor,
                "{name}: {} passed, floor {floor}",
                tally.passed
            );
        }
        totals.0 += tally.passed;
        totals.1 += skipped;
        failures.extend(tally.failed);
    }
    // The count is the evidence that the corpus ran: `scripts/test` prints this line.
    println!(
        "cel conformance: {} cases passed, {} skipped with a reason",
        totals.0, totals.1
    );
    eprintln!("total: {} passed, {} skipped", totals.0, totals.1);
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
