//! The rule compiler: a CEL expression (parsed by the `cel` crate) turned into a tree of
//! typed operations over the engine's own records.
//!
//! Field access is resolved at compile time to a slot of the record's field list, literals are
//! folded into constants, and values stay unboxed ([`Val`]) and borrowed from the records, so
//! a typical risk rule evaluates without allocating. The subset covers what rule sets use;
//! anything else is refused with the reason, and the caller runs that rule on the `cel`
//! interpreter instead.

mod eval;
pub mod value;

use cel::common::ast::{EntryExpr, Expr as Ast, IdedExpr, LiteralValue};

pub use eval::{ITERATION_BUDGET, Record, Variables, no_such_field};

pub use value::{Arith, Const, Fault, Val};

/// The variables a compiled rule may read, with the fields each record knows; `slot` values
/// index these lists.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub variables: &'static [(&'static str, &'static [&'static str])],
}

/// Field slot meaning "not in the record's field list: look the name up".
pub const BY_NAME: u16 = u16::MAX;

/// A compiled expression.
#[derive(Debug, Clone)]
pub struct Program {
    root: Node,
    /// Comprehension variables (iteration and accumulator) the program needs.
    locals: usize,
}

/// Why an expression cannot be compiled: it stays on the interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    /// Whether an ordering satisfies the comparison.
    fn holds(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Greater, Less};
        match self {
            Cmp::Lt => o == Less,
            Cmp::Le => o != Greater,
            Cmp::Gt => o == Greater,
            Cmp::Ge => o != Less,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Size,
    Contains,
    StartsWith,
    EndsWith,
    Int,
    UInt,
    Double,
    String,
    Bool,
    Dyn,
    Rank,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Const(Const),
    Field {
        var: u8,
        slot: u16,
        name: Box<str>,
    },
    HasField {
        var: u8,
        slot: u16,
        name: Box<str>,
    },
    MaxCia(u8),
    Local(u8),
    Select(Box<Node>, Box<str>),
    Has(Box<Node>, Box<str>),
    Not(Box<Node>),
    Neg(Box<Node>),
    NotStrictlyFalse(Box<Node>),
    /// `a && b && ...`, flattened: CEL's `&&` is associative, errors included.
    And(Box<[Node]>),
    /// `a || b || ...`, flattened.
    Or(Box<[Node]>),
    /// `has(x.k) && x.k == c` (`!=` with the flag): the guarded read of an optional
    /// attribute, with one lookup instead of two.
    GuardedEq(Box<Node>, Box<str>, Const, bool),
    Cond(Box<[Node; 3]>),
    Eq(Box<[Node; 2]>),
    Ne(Box<[Node; 2]>),
    /// `x == c` (or `!=` when the flag is set) against a constant: the most common rule test.
    EqConst(Box<Node>, Const, bool),
    /// `x in [c1, c2, ...]` over constants.
    InConsts(Box<Node>, Box<[Const]>),
    /// `c in x` with a constant needle.
    ConstIn(Const, Box<Node>),
    Cmp(Cmp, Box<[Node; 2]>),
    /// `x < c` (or another ordering) against a constant, `c < x` when the flag is set: the
    /// field is compared in place (`asset.availability >= 4`).
    CmpConst(Cmp, Box<Node>, Const, bool),
    Arith(Arith, Box<[Node; 2]>),
    In(Box<[Node; 2]>),
    Index(Box<[Node; 2]>),
    List(Box<[Node]>),
    Map(Box<[(Node, Node)]>),
    Call(Func, Box<[Node]>),
    Fold(Box<Fold>),
}

/// A comprehension (the expansion of `all`, `exists`, `exists_one`, `map`, `filter`).
#[derive(Debug, Clone, PartialEq)]
struct Fold {
    range: Node,
    iter: u8,
    accu: u8,
    init: Node,
    cond: Node,
    step: Node,
    result: Node,
    /// For `all`/`exists`: the step is `accu && x` (true) or `accu || x` (false), whose errors
    /// a later element can override.
    logical: Option<bool>,
}

impl Program {
    /// Compiles a parsed expression against the variables of `schema`.
    pub fn compile(ast: &IdedExpr, schema: Schema) -> Result<Program, Unsupported> {
        let mut c = Compiler {
            schema,
            scope: Vec::new(),
            locals: 0,
        };
        let root = c.node(ast)?;
        Ok(Program {
            root,
            locals: c.locals,
        })
    }

    /// The conjuncts of the top-level `&&` chain that read only variables `keep` accepts, as a
    /// program of their own (`None` when there are none). When it gives `false`, so does the
    /// whole expression, whatever errors its other conjuncts would raise: CEL's `&&` is false
    /// as soon as one operand is. The risk stage evaluates such gates once per asset or per
    /// threat and skips a rule for every scenario a gate rules out.
    pub fn gate(&self, keep: &dyn Fn(u8) -> bool) -> Option<Program> {
        let mut conjuncts = Vec::new();
        flatten_and(&self.root, &mut conjuncts);
        let mut kept = conjuncts.into_iter().filter(|c| {
            let mut vars = Vec::new();
            reads(c, &mut vars);
            vars.iter().all(|v| keep(*v))
        });
        let first = kept.next()?.clone();
        let root = kept.fold(first, |acc, c| logical(acc, c.clone(), false));
        Some(Program {
            root,
            locals: self.locals,
        })
    }

    /// Evaluates with `vars[i]` bound to the schema's i-th variable.
    pub fn eval<'a, V: Variables<'a> + ?Sized>(&'a self, vars: &'a V) -> Result<Val<'a>, Fault> {
        eval::run(&self.root, self.locals, vars)
    }

    /// Evaluates a condition: `Ok(Err(value))` when it gives something other than a boolean.
    pub fn eval_bool<'a, V: Variables<'a> + ?Sized>(
        &'a self,
        vars: &'a V,
    ) -> Result<Result<bool, Val<'a>>, Fault> {
        eval::run_bool(&self.root, self.locals, vars)
    }
}

struct Compiler {
    schema: Schema,
    /// Comprehension variables in scope, innermost last, with their local slots.
    scope: Vec<(String, u8)>,
    locals: usize,
}

fn unsupported<T>(what: impl Into<String>) -> Result<T, Unsupported> {
    Err(Unsupported(what.into()))
}

fn pair(a: Node, b: Node) -> Box<[Node; 2]> {
    Box::new([a, b])
}

impl Compiler {
    fn variable(&self, name: &str) -> Option<(u8, &'static [&'static str])> {
        self.schema
            .variables
            .iter()
            .position(|(v, _)| *v == name)
            .map(|i| (i as u8, self.schema.variables[i].1))
    }

    fn local(&self, name: &str) -> Option<u8> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, s)| *s)
    }

    /// A record variable read directly (`asset.type`): its index and the field's slot.
    fn record_field(&self, operand: &IdedExpr, field: &str) -> Option<(u8, u16)> {
        let Ast::Ident(name) = &operand.expr else {
            return None;
        };
        if self.local(name).is_some() {
            return None;
        }
        let (var, fields) = self.variable(name)?;
        let slot = fields
            .iter()
            .position(|f| *f == field)
            .map_or(BY_NAME, |s| s as u16);
        Some((var, slot))
    }

    fn node(&mut self, e: &IdedExpr) -> Result<Node, Unsupported> {
        let node = match &e.expr {
            Ast::Literal(l) => Node::Const(literal(l)?),
            Ast::Ident(name) => match self.local(name) {
                Some(slot) => Node::Local(slot),
                None if self.variable(name).is_some() => {
                    return unsupported(format!("uses the whole `{name}` record as a value"));
                }
                None => return unsupported(format!("identifier `{name}`")),
            },
            Ast::Select(s) => {
                let field: Box<str> = s.field.as_str().into();
                match (self.record_field(&s.operand, &s.field), s.test) {
                    (Some((var, slot)), false) => Node::Field {
                        var,
                        slot,
                        name: field,
                    },
                    (Some((var, slot)), true) => Node::HasField {
                        var,
                        slot,
                        name: field,
                    },
                    (None, false) => Node::Select(Box::new(self.node(&s.operand)?), field),
                    (None, true) => Node::Has(Box::new(self.node(&s.operand)?), field),
                }
            }
            Ast::List(l) => {
                if !l.optional_indices.is_empty() {
                    return unsupported("optional list elements");
                }
                let items = l
                    .elements
                    .iter()
                    .map(|x| self.node(x))
                    .collect::<Result<Vec<_>, _>>()?;
                match items
                    .iter()
                    .map(|n| match n {
                        Node::Const(c) => Some(c.clone()),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()
                {
                    Some(consts) => Node::Const(Const::List(consts.into())),
                    None => Node::List(items.into()),
                }
            }
            Ast::Map(m) => {
                let mut entries = Vec::new();
                for entry in &m.entries {
                    let EntryExpr::MapEntry(me) = &entry.expr else {
                        return unsupported("message fields");
                    };
                    if me.optional {
                        return unsupported("optional map entries");
                    }
                    entries.push((self.node(&me.key)?, self.node(&me.value)?));
                }
                // Literal maps stay built at run time: key checks (duplicates, key types)
                // are the interpreter's, and they are rare in rules.
                Node::Map(entries.into())
            }
            Ast::Call(call) => self.call(&call.func_name, call.target.as_deref(), &call.args)?,
            Ast::Comprehension(c) => {
                if c.iter_var2.is_some() {
                    return unsupported("two-variable comprehensions");
                }
                let range = self.node(&c.iter_range)?;
                let init = self.node(&c.accu_init)?;
                let (iter, accu) = (self.locals as u8, self.locals as u8 + 1);
                self.locals += 2;
                self.scope.push((c.accu_var.clone(), accu));
                self.scope.push((c.iter_var.clone(), iter));
                let cond = self.node(&c.loop_cond)?;
                let step = self.node(&c.loop_step)?;
                self.scope.pop();
                let result = self.node(&c.result)?;
                self.scope.pop();
                let logical = match &c.loop_step.expr {
                    Ast::Call(call)
                        if call.target.is_none()
                            && matches!(call.args.first().map(|a| &a.expr),
                                Some(Ast::Ident(n)) if *n == c.accu_var) =>
                    {
                        match call.func_name.as_str() {
                            "_&&_" => Some(true),
                            "_||_" => Some(false),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                Node::Fold(Box::new(Fold {
                    range,
                    iter,
                    accu,
                    init,
                    cond,
                    step,
                    result,
                    logical,
                }))
            }
            Ast::Struct(_) => return unsupported("message construction"),
            Ast::Unspecified => return unsupported("an empty expression"),
        };
        if self.locals > usize::from(u8::MAX) {
            return unsupported("too many nested comprehensions");
        }
        Ok(node)
    }

    fn call(
        &mut self,
        name: &str,
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> Result<Node, Unsupported> {
        // `max_cia(asset)` reads the record's C, I and A: the one call that takes a record.
        if name == "max_cia" && target.is_none() && args.len() == 1 {
            if let Ast::Ident(v) = &args[0].expr
                && self.local(v).is_none()
                && let Some((var, _)) = self.variable(v)
            {
                return Ok(Node::MaxCia(var));
            }
            return unsupported("max_cia() of something other than a record");
        }
        let mut operands = Vec::with_capacity(args.len() + 1);
        if let Some(t) = target {
            operands.push(self.node(t)?);
        }
        for a in args {
            operands.push(self.node(a)?);
        }
        let mut it = operands.into_iter();
        let mut next = || it.next().unwrap_or(Node::Const(Const::Null));
        let global = target.is_none();
        let member = target.is_some();
        let node = match (name, args.len()) {
            ("_&&_", 2) if global => logical(next(), next(), false),
            ("_||_", 2) if global => logical(next(), next(), true),
            ("_?_:_", 3) if global => Node::Cond(Box::new([next(), next(), next()])),
            ("_==_", 2) if global => equality(next(), next(), false),
            ("_!=_", 2) if global => equality(next(), next(), true),
            ("_<_", 2) if global => ordering(Cmp::Lt, next(), next()),
            ("_<=_", 2) if global => ordering(Cmp::Le, next(), next()),
            ("_>_", 2) if global => ordering(Cmp::Gt, next(), next()),
            ("_>=_", 2) if global => ordering(Cmp::Ge, next(), next()),
            ("_+_", 2) if global => Node::Arith(Arith::Add, pair(next(), next())),
            ("_-_", 2) if global => Node::Arith(Arith::Sub, pair(next(), next())),
            ("_*_", 2) if global => Node::Arith(Arith::Mul, pair(next(), next())),
            ("_/_", 2) if global => Node::Arith(Arith::Div, pair(next(), next())),
            ("_%_", 2) if global => Node::Arith(Arith::Rem, pair(next(), next())),
            ("@in", 2) if global => match (next(), next()) {
                (x, Node::Const(Const::List(items))) => Node::InConsts(Box::new(x), items),
                (Node::Const(c), x) => Node::ConstIn(c, Box::new(x)),
                (a, b) => Node::In(pair(a, b)),
            },
            ("_[_]", 2) if global => Node::Index(pair(next(), next())),
            ("!_", 1) if global => Node::Not(Box::new(next())),
            ("-_", 1) if global => Node::Neg(Box::new(next())),
            ("@not_strictly_false", 1) if global => Node::NotStrictlyFalse(Box::new(next())),
            ("size", 1) if global => Node::Call(Func::Size, Box::new([next()])),
            ("size", 0) if member => Node::Call(Func::Size, Box::new([next()])),
            ("contains", 1) if member => Node::Call(Func::Contains, pair(next(), next())),
            ("startsWith", 1) if member => Node::Call(Func::StartsWith, pair(next(), next())),
            ("endsWith", 1) if member => Node::Call(Func::EndsWith, pair(next(), next())),
            ("int", 1) if global => Node::Call(Func::Int, Box::new([next()])),
            ("uint", 1) if global => Node::Call(Func::UInt, Box::new([next()])),
            ("double", 1) if global => Node::Call(Func::Double, Box::new([next()])),
            ("string", 1) if global => Node::Call(Func::String, Box::new([next()])),
            ("bool", 1) if global => Node::Call(Func::Bool, Box::new([next()])),
            ("dyn", 1) if global => Node::Call(Func::Dyn, Box::new([next()])),
            ("rank", 1) if global => Node::Call(Func::Rank, Box::new([next()])),
            _ => return unsupported(format!("function `{name}`")),
        };
        Ok(node)
    }
}

/// `a == b` (`!=` when `negate`), specialised when one side is a constant.
fn equality(a: Node, b: Node, negate: bool) -> Node {
    match (a, b) {
        (x, Node::Const(c)) | (Node::Const(c), x) => Node::EqConst(Box::new(x), c, negate),
        (a, b) if negate => Node::Ne(pair(a, b)),
        (a, b) => Node::Eq(pair(a, b)),
    }
}

/// `a < b` and the other orderings, specialised when one side is a constant.
fn ordering(op: Cmp, a: Node, b: Node) -> Node {
    match (a, b) {
        (x, Node::Const(c)) => Node::CmpConst(op, Box::new(x), c, false),
        (Node::Const(c), x) => Node::CmpConst(op, Box::new(x), c, true),
        (a, b) => Node::Cmp(op, pair(a, b)),
    }
}

/// `a && b` (`a || b` when `or`), flattened into one n-ary node, with guarded reads fused.
fn logical(a: Node, b: Node, or: bool) -> Node {
    let mut items = Vec::new();
    for n in [a, b] {
        match n {
            Node::And(xs) if !or => items.extend(xs.into_vec()),
            Node::Or(xs) if or => items.extend(xs.into_vec()),
            other => items.push(other),
        }
    }
    if or {
        return Node::Or(items.into());
    }
    let mut fused: Vec<Node> = Vec::with_capacity(items.len());
    for n in items {
        let guard = match (fused.last(), &n) {
            (Some(Node::Has(x, k)), Node::EqConst(read, c, negate))
                if **read == Node::Select(x.clone(), k.clone()) =>
            {
                Some(Node::GuardedEq(x.clone(), k.clone(), c.clone(), *negate))
            }
            _ => None,
        };
        match guard {
            Some(g) => {
                fused.pop();
                fused.push(g);
            }
            None => fused.push(n),
        }
    }
    if fused.len() == 1 {
        return fused.pop().unwrap_or(Node::Const(Const::Bool(true)));
    }
    Node::And(fused.into())
}

fn flatten_and<'n>(n: &'n Node, out: &mut Vec<&'n Node>) {
    match n {
        Node::And(xs) => xs.iter().for_each(|x| flatten_and(x, out)),
        other => out.push(other),
    }
}

/// The variables a node reads.
fn reads(n: &Node, out: &mut Vec<u8>) {
    let all = |nodes: &[&Node], out: &mut Vec<u8>| nodes.iter().for_each(|x| reads(x, out));
    match n {
        Node::Const(_) | Node::Local(_) => {}
        Node::Field { var, .. } | Node::HasField { var, .. } | Node::MaxCia(var) => out.push(*var),
        Node::Select(x, _)
        | Node::GuardedEq(x, _, _, _)
        | Node::EqConst(x, _, _)
        | Node::CmpConst(_, x, _, _)
        | Node::InConsts(x, _)
        | Node::ConstIn(_, x)
        | Node::Has(x, _)
        | Node::Not(x)
        | Node::Neg(x)
        | Node::NotStrictlyFalse(x) => reads(x, out),
        Node::And(xs) | Node::Or(xs) => xs.iter().for_each(|x| reads(x, out)),
        Node::Eq(ab)
        | Node::Ne(ab)
        | Node::Cmp(_, ab)
        | Node::Arith(_, ab)
        | Node::In(ab)
        | Node::Index(ab) => all(&[&ab[0], &ab[1]], out),
        Node::Cond(abc) => all(&[&abc[0], &abc[1], &abc[2]], out),
        Node::List(items) | Node::Call(_, items) => items.iter().for_each(|x| reads(x, out)),
        Node::Map(entries) => entries.iter().for_each(|(k, v)| all(&[k, v], out)),
        Node::Fold(f) => all(&[&f.range, &f.init, &f.cond, &f.step, &f.result], out),
    }
}

fn literal(l: &LiteralValue) -> Result<Const, Unsupported> {
    Ok(match l {
        LiteralValue::Boolean(b) => Const::Bool(*b.inner()),
        LiteralValue::Int(i) => Const::Int(*i.inner()),
        LiteralValue::UInt(u) => Const::UInt(*u.inner()),
        LiteralValue::Double(d) => Const::Double(*d.inner()),
        LiteralValue::String(s) => Const::Str(s.inner().into()),
        LiteralValue::Null => Const::Null,
        LiteralValue::Bytes(_) => return unsupported("bytes literals"),
    })
}

#[cfg(test)]
mod tests;
