//! CEL expressions behind an engine-owned interface.
//!
//! Rules see five variables: `asset`, `threat`, `risk`, `org` and `inventory`. This module
//! parses an expression once (with the `cel` crate), checks at compile time that it names only
//! those variables and known functions (so a typo is a load error with its span, not a run-time
//! error on every record), compiles it for the engine's records ([`super::compiled`]) and
//! evaluates it against [`Bindings`]. An expression outside the compiled subset, or every
//! expression when [`Evaluator::Interpreter`] is chosen, runs on the `cel` interpreter instead.
//! Callers never touch the `cel` crate.

use std::sync::Arc;

use cel::common::ast::{EntryExpr, Expr as Ast, IdedExpr, LiteralValue};
use cel::objects::Key;
use cel::{Context, ExecutionError, Program, Value};

use super::bindings::Bindings;
use super::compiled;
use super::meter;
use super::rank::rank_of;
use super::records;

/// The variables a rule can read.
pub const VARIABLES: [&str; 5] = ["asset", "threat", "risk", "org", "inventory"];

/// Functions the engine adds to CEL's standard library.
pub const ENGINE_FUNCTIONS: [&str; 2] = ["rank", "max_cia"];

/// Standard-library functions and operators accepted in rules.
const STD_FUNCTIONS: &[&str] = &[
    "_==_",
    "_!=_",
    "_<_",
    "_<=_",
    "_>_",
    "_>=_",
    "_&&_",
    "_||_",
    "!_",
    "-_",
    "_+_",
    "_-_",
    "_*_",
    "_/_",
    "_%_",
    "_?_:_",
    "_[_]",
    "@in",
    "@not_strictly_false",
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "type",
    "has",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
    "dyn",
    "_?._",
    "_[?_]",
    "or",
    "orValue",
    "optional.of",
    "optional.none",
    "hasValue",
    "value",
    "in",
];

/// Which variables an expression reads; rules that read only `asset` and `org` are evaluated
/// once per asset instead of once per scenario.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uses {
    pub asset: bool,
    pub threat: bool,
    pub risk: bool,
    pub org: bool,
    pub inventory: bool,
}

pub use super::error::{CompileError, EvalError};

/// Which evaluator runs the rules.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Evaluator {
    /// The compiled path, with the interpreter for rules outside its subset.
    #[default]
    Compiled,
    /// The `cel` interpreter for every rule: to compare the two paths end to end.
    Interpreter,
}

/// Which path an expression runs on when the compiled evaluator is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Path {
    Compiled,
    /// On the interpreter, with what kept it off the compiled path.
    Interpreter(String),
}

/// A compiled expression.
#[derive(Debug)]
pub struct Expr {
    source: Arc<str>,
    /// The expression the interpreter runs: the parsed one, metered (see [`meter`]).
    interpreted: IdedExpr,
    compiled: Result<compiled::Program, compiled::Unsupported>,
    uses: Uses,
    reads: Vec<String>,
}

impl Expr {
    /// Parses and checks an expression.
    pub fn compile(source: &str) -> Result<Expr, Vec<CompileError>> {
        super::guard::check(source).map_err(|e| vec![e])?;
        let program = Program::compile(source).map_err(|errors| {
            errors
                .errors
                .iter()
                .map(|e| CompileError {
                    message: e.msg.clone(),
                    offset: offset_of(source, e.pos.0, e.pos.1),
                    len: 1,
                })
                .collect::<Vec<_>>()
        })?;
        let mut check = Checker {
            source,
            info: program.source_info(),
            bound: Vec::new(),
            errors: Vec::new(),
            uses: Uses::default(),
            reads: Vec::new(),
        };
        check.walk(program.expression());
        if !check.errors.is_empty() {
            return Err(check.errors);
        }
        let uses = check.uses;
        let mut reads = check.reads;
        reads.sort_unstable();
        reads.dedup();
        let compiled = compiled::Program::compile(program.expression(), records::SCHEMA);
        Ok(Expr {
            source: Arc::from(source),
            interpreted: meter::metered(program.expression()),
            compiled,
            uses,
            reads,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Which variables the expression reads.
    pub fn uses(&self) -> Uses {
        self.uses
    }

    /// The paths the expression reads, sorted, each from a variable down to the deepest field
    /// named in the text: `asset.attributes.internet_facing`, `org.uses_cloud`,
    /// `inventory.types.supplier`; `has()` tests count as reads, `max_cia(asset)` reads the
    /// three effective values, and a variable used whole (`size(asset.tags)` aside) is its
    /// bare name. What `isms rules` lists and `isms init` writes into the profile.
    pub fn reads(&self) -> &[String] {
        &self.reads
    }

    /// The part of the expression that reads only the `allowed` variables (see
    /// [`compiled::Program::gate`]); `None` off the compiled path or when no part qualifies.
    pub fn gate(&self, allowed: &[&str]) -> Option<Gate> {
        let program = self.compiled.as_ref().ok()?;
        let keep = |v: u8| allowed.contains(&VARIABLES[usize::from(v)]);
        program.gate(&keep).map(Gate)
    }

    /// The path the expression runs on under the compiled evaluator.
    pub fn path(&self) -> Path {
        match &self.compiled {
            Ok(_) => Path::Compiled,
            Err(why) => Path::Interpreter(why.0.clone()),
        }
    }

    /// Evaluates to a boolean; any other result is an error.
    pub fn eval_bool(
        &self,
        interp: &Interpreter,
        bindings: &Bindings<'_>,
    ) -> Result<bool, EvalError> {
        if let (Evaluator::Compiled, Ok(program)) = (interp.evaluator, &self.compiled) {
            return match program.eval_bool(bindings) {
                Ok(Ok(b)) => Ok(b),
                Ok(Err(other)) => Err(not_a_bool(&Value::from(&other))),
                Err(e) => Err(EvalError(e.0)),
            };
        }
        match self.interpret(interp, bindings)? {
            Value::Bool(b) => Ok(b),
            other => Err(not_a_bool(&other)),
        }
    }

    /// Evaluates to a CEL value on the interpreter.
    pub fn interpret(
        &self,
        interp: &Interpreter,
        bindings: &Bindings<'_>,
    ) -> Result<Value, EvalError> {
        let mut scope = interp.root.new_inner_scope();
        scope.set_variable_resolver(bindings);
        meter::reset();
        Value::resolve(&self.interpreted, &scope).map_err(|e| EvalError(explain(&e)))
    }

    /// Evaluates to a CEL value on the compiled path; `None` when the expression is outside
    /// its subset.
    pub fn eval_compiled(&self, bindings: &Bindings<'_>) -> Option<Result<Value, EvalError>> {
        let program = self.compiled.as_ref().ok()?;
        Some(
            program
                .eval(bindings)
                .map(|v| Value::from(&v))
                .map_err(|e| EvalError(e.0)),
        )
    }
}

/// A necessary condition of a rule, evaluated ahead for many scenarios at once.
#[derive(Debug, Clone)]
pub struct Gate(compiled::Program);

impl Gate {
    /// False only when the rule is certainly false for every scenario sharing these records.
    pub fn may_hold(&self, bindings: &Bindings<'_>) -> bool {
        !matches!(self.0.eval_bool(bindings), Ok(Ok(false)))
    }
}

fn not_a_bool(v: &Value) -> EvalError {
    EvalError(format!(
        "expected true or false, the expression gave {}",
        describe(v)
    ))
}

/// A value as CEL would write it (`true`, `12`, `"aws"`), for justifications.
pub fn literal(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Null => "null".to_owned(),
        Value::List(items) => {
            let shown: Vec<String> = items.iter().take(5).map(literal).collect();
            let more = if items.len() > 5 { ", ..." } else { "" };
            format!("[{}{more}]", shown.join(", "))
        }
        other => format!("{other:?}"),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Int(i) => format!("the number {i}"),
        Value::String(s) => format!("the text {s:?}"),
        Value::Null => "null".to_owned(),
        other => format!("{other:?}"),
    }
}

/// Rewords the interpreter's errors for rule authors.
fn explain(e: &ExecutionError) -> String {
    match e {
        ExecutionError::NoSuchKey(k) => compiled::no_such_field(k).0,
        ExecutionError::FunctionError { function, message } if function == meter::STEP => {
            message.clone()
        }
        other => other.to_string(),
    }
}

/// Byte offset of a 1-based line and column in `source`.
fn offset_of(source: &str, line: isize, column: isize) -> usize {
    let line_start: usize = source
        .split_inclusive('\n')
        .take((line.max(1) - 1) as usize)
        .map(str::len)
        .sum();
    let rest = &source[line_start.min(source.len())..];
    let col: usize = rest
        .chars()
        .take((column.max(1) - 1) as usize)
        .map(char::len_utf8)
        .sum();
    (line_start + col).min(source.len())
}

/// Walks the AST to find the variables and functions an expression uses.
struct Checker<'a> {
    source: &'a str,
    info: &'a cel::common::ast::SourceInfo,
    /// Comprehension variables in scope.
    bound: Vec<String>,
    errors: Vec<CompileError>,
    uses: Uses,
    /// Paths read, as written (`asset.attributes.mfa`); sorted and deduplicated at the end.
    reads: Vec<String>,
}

impl Checker<'_> {
    fn error(&mut self, node: &IdedExpr, name: &str, message: String) {
        let offset = self
            .info
            .offset_for(node.id)
            .map_or(0, |(start, _)| start as usize)
            .min(self.source.len());
        // The node's offset may be at a call's parenthesis or a select's dot: point at the
        // nearest occurrence of the name itself.
        let offset = self
            .source
            .match_indices(name)
            .map(|(i, _)| i)
            .filter(|_| !name.is_empty())
            .min_by_key(|i| i.abs_diff(offset))
            .unwrap_or(offset);
        self.errors.push(CompileError {
            message,
            offset,
            len: name.len(),
        });
    }

    /// `asset.attributes.mfa`, `org["uses_cloud"]`: the path of a field read rooted at a
    /// rule variable (not a comprehension variable), or `None`.
    fn path(&self, node: &IdedExpr) -> Option<String> {
        match &node.expr {
            Ast::Ident(name) => (VARIABLES.contains(&name.as_str())
                && !self.bound.iter().any(|b| b == name))
            .then(|| name.clone()),
            Ast::Select(sel) => Some(format!("{}.{}", self.path(&sel.operand)?, sel.field)),
            Ast::Call(call) if call.func_name == "_[_]" && call.args.len() == 2 => {
                match &call.args[1].expr {
                    Ast::Literal(LiteralValue::String(key)) => {
                        Some(format!("{}.{}", self.path(&call.args[0])?, key.inner()))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Marks the variable a read path starts with as used.
    fn mark(&mut self, path: &str) {
        match path.split('.').next() {
            Some("asset") => self.uses.asset = true,
            Some("threat") => self.uses.threat = true,
            Some("risk") => self.uses.risk = true,
            Some("org") => self.uses.org = true,
            Some("inventory") => self.uses.inventory = true,
            _ => {}
        }
    }

    fn walk(&mut self, node: &IdedExpr) {
        if let Some(path) = self.path(node) {
            self.mark(&path);
            self.reads.push(path);
            return;
        }
        match &node.expr {
            Ast::Ident(name) => {
                if self.bound.iter().any(|b| b == name) {
                    return;
                }
                match name.as_str() {
                    "asset" => self.uses.asset = true,
                    "threat" => self.uses.threat = true,
                    "risk" => self.uses.risk = true,
                    "org" => self.uses.org = true,
                    "inventory" => self.uses.inventory = true,
                    "int" | "uint" | "double" | "string" | "bool" | "list" | "map"
                    | "null_type" | "type" | "bytes" => {}
                    _ => self.error(
                        node,
                        name,
                        format!(
                            "unknown variable `{name}`: rules can read {}",
                            VARIABLES.join(", ")
                        ),
                    ),
                }
            }
            Ast::Call(call) => {
                let name = call.func_name.as_str();
                if !STD_FUNCTIONS.contains(&name) && !ENGINE_FUNCTIONS.contains(&name) {
                    self.error(node, name, format!("unknown function `{name}`"));
                }
                if name == "max_cia"
                    && let [arg] = call.args.as_slice()
                    && let Some(record) = self.path(arg)
                {
                    self.mark(&record);
                    for field in ["confidentiality", "integrity", "availability"] {
                        self.reads.push(format!("{record}.{field}"));
                    }
                    return;
                }
                if let Some(t) = &call.target {
                    self.walk(t);
                }
                for a in &call.args {
                    self.walk(a);
                }
            }
            Ast::Select(s) => self.walk(&s.operand),
            Ast::List(l) => l.elements.iter().for_each(|e| self.walk(e)),
            Ast::Map(m) => {
                for entry in &m.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        self.walk(&e.key);
                        self.walk(&e.value);
                    }
                }
            }
            Ast::Struct(_) => self.error(
                node,
                "",
                "message construction is not available in rules".to_owned(),
            ),
            Ast::Comprehension(c) => {
                self.walk(&c.iter_range);
                self.walk(&c.accu_init);
                self.bound.push(c.iter_var.clone());
                if let Some(v) = &c.iter_var2 {
                    self.bound.push(v.clone());
                }
                self.bound.push(c.accu_var.clone());
                self.walk(&c.loop_cond);
                self.walk(&c.loop_step);
                self.walk(&c.result);
                self.bound
                    .truncate(self.bound.len() - 2 - usize::from(c.iter_var2.is_some()));
            }
            Ast::Literal(_) | Ast::Unspecified => {}
        }
    }
}

/// The standard library plus the engine's functions, built once and shared by all threads,
/// and the choice of evaluator.
pub struct Interpreter {
    root: Context<'static, 'static>,
    evaluator: Evaluator,
}

impl std::fmt::Debug for Interpreter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interpreter")
    }
}

impl Default for Interpreter {
    fn default() -> Self {
        Interpreter::new(Evaluator::default())
    }
}

impl Interpreter {
    pub fn new(evaluator: Evaluator) -> Self {
        let mut root = Context::default();
        // Names are checked not to collide with the standard library, so these cannot fail.
        let _ = root.add_function("rank", rank);
        let _ = root.add_function("max_cia", max_cia);
        let _ = root.add_function(meter::STEP, meter::step);
        Interpreter { root, evaluator }
    }
}

fn rank(name: Arc<String>) -> Result<i64, ExecutionError> {
    rank_of(&name).ok_or_else(|| {
        ExecutionError::function_error(
            "rank",
            format!("`{name}` is not a classification or risk level name"),
        )
    })
}

fn max_cia(record: Value) -> Result<i64, ExecutionError> {
    let Value::Map(m) = record else {
        return Err(ExecutionError::function_error(
            "max_cia",
            "expects an asset",
        ));
    };
    ["confidentiality", "integrity", "availability"]
        .iter()
        .map(
            |k| match m.map.get(&Key::String(Arc::new((*k).to_owned()))) {
                Some(Value::Int(i)) => Ok(*i),
                _ => Err(ExecutionError::function_error(
                    "max_cia",
                    format!("the record has no `{k}` value"),
                )),
            },
        )
        .try_fold(0, |acc, v| v.map(|v| acc.max(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_errors_have_spans() {
        let e = Expr::compile("asset.type == 'x' &&").unwrap_err();
        assert_eq!(e[0].offset, 20);
        let e = Expr::compile("asset.type == 'x' && asets.size > 1").unwrap_err();
        assert_eq!((e[0].offset, e[0].len), (21, 5));
        assert!(e[0].message.contains("unknown variable `asets`"));
        let e = Expr::compile("frobnicate(asset) > 1").unwrap_err();
        assert_eq!((e[0].offset, e[0].len), (0, 10));
        // Comprehension variables are in scope inside the macro only.
        assert!(Expr::compile("asset.tags.all(t, t != '')").is_ok());
        assert!(Expr::compile("asset.tags.all(t, t != '') && t == ''").is_err());
    }

    #[test]
    fn uses_are_recorded() {
        let u = Expr::compile("asset.type == 'x' && org.uses_cloud")
            .unwrap()
            .uses();
        assert!(u.asset && u.org && !u.threat && !u.risk);
        let u = Expr::compile("threat.id == 'TH-01'").unwrap().uses();
        assert!(u.threat && !u.asset);
    }

    #[test]
    fn reads_name_the_deepest_field_of_each_path() {
        let e = Expr::compile(
            "has(asset.attributes.internet_facing) && asset.attributes.internet_facing == true \
             && org.uses_cloud && asset[\"owner\"] == null && max_cia(asset) >= 4 \
             && asset.tags.exists(t, t.startsWith(threat.category)) && inventory.types.supplier > 0",
        )
        .unwrap();
        assert_eq!(
            e.reads(),
            [
                "asset.attributes.internet_facing",
                "asset.availability",
                "asset.confidentiality",
                "asset.integrity",
                "asset.owner",
                "asset.tags",
                "inventory.types.supplier",
                "org.uses_cloud",
                "threat.category",
            ]
        );
        let u = e.uses();
        assert!(u.asset && u.org && u.threat && u.inventory && !u.risk);
        // A comprehension variable shadows nothing outside it and is not a read.
        let e = Expr::compile("[1, 2].all(asset, asset > 0)").unwrap();
        assert!(e.reads().is_empty() && !e.uses().asset);
    }
}
