//! Evaluation of a compiled program: a match over the node tree, with values borrowed from
//! the records and the program.

use std::borrow::Cow;
use std::rc::Rc;

use super::value::{self, Const, Fault, List, MapVal, Result, Val, fault};
use super::{BY_NAME, Fold, Func, Node};
use crate::rules::rank::rank_of;

/// A record a rule variable is bound to (`asset`, `threat`, ...).
pub trait Record: Sync {
    /// The field in `slot` of the variable's field list, or, when `slot` is [`BY_NAME`], the
    /// field called `name`; `None` when the record has no such field.
    fn field(&self, slot: u16, name: &str) -> Option<Val<'_>>;
}

/// The failure of reading a variable a kind of rule does not bind.
fn not_bound() -> Fault {
    Fault("the variable is not available to this kind of rule".into())
}

/// The message rule authors see for a missing field.
pub fn no_such_field(name: &str) -> Fault {
    Fault(format!(
        "no field `{name}` on this record (guard optional fields with has(), e.g. has(asset.attributes.{name}))"
    ))
}

pub use crate::rules::meter::ITERATION_BUDGET;

/// What a program reads its variables' fields from: the engine's bindings of records. A trait
/// (monomorphised, so the calls stay static) keeps this evaluator below the record layer.
pub trait Variables<'a> {
    /// Field `slot` (or `name`) of variable `var`: `None` when the variable is not bound,
    /// `Some(None)` when the record has no such field.
    fn field(&self, var: u8, slot: u16, name: &str) -> Option<Option<Val<'a>>>;
}

struct Frame<'a, 'v, V: ?Sized> {
    vars: &'v V,
    locals: Vec<Val<'a>>,
    /// Comprehension iterations run so far.
    iterations: u32,
}

pub(super) fn run_bool<'a, V: Variables<'a> + ?Sized>(
    root: &'a Node,
    locals: usize,
    vars: &'a V,
) -> Result<std::result::Result<bool, Val<'a>>> {
    let mut frame = Frame::new(locals, vars);
    match root {
        // Boolean-shaped roots: the fast path.
        Node::And(_)
        | Node::Or(_)
        | Node::Not(_)
        | Node::EqConst(..)
        | Node::CmpConst(..)
        | Node::GuardedEq(..)
        | Node::InConsts(..)
        | Node::ConstIn(..)
        | Node::HasField { .. } => frame.eval_bool(root).map(Ok),
        _ => match frame.eval(root)? {
            Val::Bool(b) => Ok(Ok(b)),
            other => Ok(Err(other)),
        },
    }
}

pub(super) fn run<'a, V: Variables<'a> + ?Sized>(
    root: &'a Node,
    locals: usize,
    vars: &'a V,
) -> Result<Val<'a>> {
    Frame::new(locals, vars).eval(root)
}

impl<'a, 'v, V: Variables<'a> + ?Sized> Frame<'a, 'v, V> {
    fn new(locals: usize, vars: &'v V) -> Self {
        Frame {
            vars,
            iterations: 0,
            // Empty (no allocation) unless the rule has comprehensions.
            locals: if locals == 0 {
                Vec::new()
            } else {
                vec![Val::Null; locals]
            },
        }
    }

    /// Applies `test` to the value of `x`, read in place when `x` is a record field: the
    /// tests of most rules then never move a [`Val`] around.
    #[inline]
    fn operand<R>(&mut self, x: &'a Node, test: impl FnOnce(&Val<'a>) -> R) -> Result<R> {
        match x {
            // Matched as the record gives it: converting the nested options to a `Result`
            // first costs a stall on moving the value (a store the next load cannot forward).
            Node::Field { var, slot, name } => match self.vars.field(*var, *slot, name) {
                Some(Some(v)) => Ok(test(&v)),
                Some(None) => Err(no_such_field(name)),
                None => Err(not_bound()),
            },
            other => Ok(test(&self.eval(other)?)),
        }
    }

    /// Field `slot` (or `name`) of variable `var`: `Ok(None)` when the record has no such
    /// field, an error when the variable is not bound for this kind of rule.
    #[inline]
    fn field(&self, var: u8, slot: u16, name: &str) -> Result<Option<Val<'a>>> {
        self.vars.field(var, slot, name).ok_or_else(not_bound)
    }

    /// Evaluates a node that must give a boolean. Boolean-shaped nodes are answered here
    /// without building a [`Val`]: rules are mostly such nodes.
    fn eval_bool(&mut self, n: &'a Node) -> Result<bool> {
        match n {
            Node::Const(Const::Bool(b)) => Ok(*b),
            Node::And(xs) => self.logical(xs, false),
            Node::Or(xs) => self.logical(xs, true),
            Node::GuardedEq(x, k, c, negate) => self.operand(x, |v| match v {
                Val::Map(m) => Ok(match m.get(&Val::text(k)) {
                    Some(v) => equal_const(&v, c) != *negate,
                    None => false,
                }),
                other => fault(format!(
                    "has(): cannot test field `{k}` of {}",
                    other.type_name()
                )),
            })?,
            Node::Not(x) => Ok(!self.eval_bool(x)?),
            Node::EqConst(x, c, negate) => self.operand(x, |v| equal_const(v, c) != *negate),
            Node::CmpConst(op, x, c, const_first) => {
                let c = c.val();
                let order = self.operand(x, |v| {
                    if *const_first {
                        value::compare(&c, v)
                    } else {
                        value::compare(v, &c)
                    }
                })??;
                Ok(op.holds(order))
            }
            Node::InConsts(x, items) => {
                self.operand(x, |v| items.iter().any(|c| equal_const(v, c)))
            }
            Node::ConstIn(c, x) => self.operand(x, |v| match v {
                Val::List(l) => Ok(l.contains(&c.val())),
                Val::Map(m) => Ok(m.get(&c.val()).is_some()),
                other => fault(format!(
                    "no such overload: {} in {}",
                    c.val().type_name(),
                    other.type_name()
                )),
            })?,
            Node::HasField { var, slot, name } => Ok(self.field(*var, *slot, name)?.is_some()),
            Node::Cond(abc) => {
                if self.eval_bool(&abc[0])? {
                    self.eval_bool(&abc[1])
                } else {
                    self.eval_bool(&abc[2])
                }
            }
            other => self.eval(other)?.as_bool(),
        }
    }

    fn eval(&mut self, n: &'a Node) -> Result<Val<'a>> {
        match n {
            Node::Const(c) => Ok(c.val()),
            Node::Field { var, slot, name } => self
                .field(*var, *slot, name)?
                .ok_or_else(|| no_such_field(name)),
            Node::HasField { var, slot, name } => {
                Ok(Val::Bool(self.field(*var, *slot, name)?.is_some()))
            }
            Node::MaxCia(var) => {
                let mut best = i64::MIN;
                for name in ["confidentiality", "integrity", "availability"] {
                    match self.field(*var, BY_NAME, name)? {
                        Some(Val::Int(i)) => best = best.max(i),
                        _ => return fault(format!("max_cia: the record has no `{name}` value")),
                    }
                }
                Ok(Val::Int(best))
            }
            Node::Local(i) => Ok(self.locals[usize::from(*i)].clone()),
            Node::Select(operand, field) => match self.eval(operand)? {
                Val::Map(m) => m.get(&Val::text(field)).ok_or_else(|| no_such_field(field)),
                other => fault(format!(
                    "cannot select field `{field}` from {}",
                    other.type_name()
                )),
            },
            Node::Has(operand, field) => match self.eval(operand)? {
                Val::Map(m) => Ok(Val::Bool(m.get(&Val::text(field)).is_some())),
                other => fault(format!(
                    "has(): cannot test field `{field}` of {}",
                    other.type_name()
                )),
            },
            Node::Not(x) => Ok(Val::Bool(!self.eval_bool(x)?)),
            Node::Neg(x) => match self.eval(x)? {
                Val::Int(i) => i
                    .checked_neg()
                    .map(Val::Int)
                    .ok_or_else(|| Fault("integer overflow in -".into())),
                Val::Double(d) => Ok(Val::Double(-d)),
                other => fault(format!("no such overload: -{}", other.type_name())),
            },
            Node::NotStrictlyFalse(x) => Ok(Val::Bool(self.eval_bool(x).unwrap_or(true))),
            Node::And(xs) => Ok(Val::Bool(self.logical(xs, false)?)),
            Node::Or(xs) => Ok(Val::Bool(self.logical(xs, true)?)),
            Node::GuardedEq(..) => Ok(Val::Bool(self.eval_bool(n)?)),
            Node::Cond(abc) => {
                if self.eval_bool(&abc[0])? {
                    self.eval(&abc[1])
                } else {
                    self.eval(&abc[2])
                }
            }
            Node::EqConst(..) | Node::CmpConst(..) | Node::InConsts(..) | Node::ConstIn(..) => {
                Ok(Val::Bool(self.eval_bool(n)?))
            }
            Node::Eq(ab) => {
                let (a, b) = (self.eval(&ab[0])?, self.eval(&ab[1])?);
                Ok(Val::Bool(value::equal(&a, &b)))
            }
            Node::Ne(ab) => {
                let (a, b) = (self.eval(&ab[0])?, self.eval(&ab[1])?);
                Ok(Val::Bool(!value::equal(&a, &b)))
            }
            Node::Cmp(op, ab) => {
                let (a, b) = (self.eval(&ab[0])?, self.eval(&ab[1])?);
                Ok(Val::Bool(op.holds(value::compare(&a, &b)?)))
            }
            Node::Arith(op, ab) => {
                let (a, b) = (self.eval(&ab[0])?, self.eval(&ab[1])?);
                value::arith(*op, a, b)
            }
            Node::In(ab) => {
                let (needle, hay) = (self.eval(&ab[0])?, self.eval(&ab[1])?);
                match hay {
                    Val::List(l) => Ok(Val::Bool(l.contains(&needle))),
                    Val::Map(m) => Ok(Val::Bool(m.get(&needle).is_some())),
                    other => fault(format!(
                        "no such overload: {} in {}",
                        needle.type_name(),
                        other.type_name()
                    )),
                }
            }
            Node::Index(ab) => {
                let (c, i) = (self.eval(&ab[0])?, self.eval(&ab[1])?);
                index(c, &i)
            }
            Node::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items.iter() {
                    out.push(self.eval(i)?);
                }
                Ok(Val::List(List::Built(Rc::new(out))))
            }
            Node::Map(entries) => {
                let mut out: Vec<(Val<'a>, Val<'a>)> = Vec::with_capacity(entries.len());
                for (k, v) in entries.iter() {
                    let key = self.eval(k)?;
                    if !matches!(key, Val::Str(_) | Val::Int(_) | Val::UInt(_) | Val::Bool(_)) {
                        return fault(format!("unsupported map key type {}", key.type_name()));
                    }
                    if out.iter().any(|(x, _)| value::equal(x, &key)) {
                        return fault("duplicate map key");
                    }
                    let v = self.eval(v)?;
                    out.push((key, v));
                }
                Ok(Val::Map(MapVal::Built(Rc::new(out))))
            }
            Node::Call(f, args) => {
                let mut vals = [Val::Null, Val::Null];
                for (slot, a) in vals.iter_mut().zip(args.iter()) {
                    *slot = self.eval(a)?;
                }
                let [a, b] = vals;
                call(*f, a, b)
            }
            Node::Fold(f) => self.fold(f),
        }
    }

    /// `&&` (`or == false`) and `||` (`or == true`) with the interpreter's error absorption: the
    /// left side decides alone when it is the absorbing value; an error on the left is dropped
    /// when the right side is the absorbing value.
    ///
    /// Over a flattened chain this is the same as the nested binary operators: the first
    /// absorbing value decides; otherwise an error met on the way is the result.
    fn logical(&mut self, items: &'a [Node], or: bool) -> Result<bool> {
        let mut pending = None;
        for n in items {
            match self.eval_bool(n) {
                Ok(v) if v == or => return Ok(or),
                Ok(_) => {}
                Err(e) => pending = Some(e),
            }
        }
        pending.map_or(Ok(!or), Err)
    }

    fn fold(&mut self, f: &'a Fold) -> Result<Val<'a>> {
        let init = self.eval(&f.init)?;
        let items: Vec<Val<'a>> = match self.eval(&f.range)? {
            Val::List(l) => l.iter().collect(),
            Val::Map(m) => m.keys(),
            other => return fault(format!("cannot iterate over {}", other.type_name())),
        };
        let (iter, accu) = (usize::from(f.iter), usize::from(f.accu));
        self.locals[accu] = init;
        let mut pending: Option<Fault> = None;
        for item in items {
            self.iterations += 1;
            if self.iterations > ITERATION_BUDGET {
                return fault(crate::rules::meter::budget_breach());
            }
            if !self.eval_bool(&f.cond)? {
                break;
            }
            self.locals[iter] = item;
            let step = self.eval(&f.step);
            match (step, f.logical) {
                (Err(e), Some(_)) => pending = Some(e),
                (Err(e), None) => return Err(e),
                (Ok(v), Some(and)) if pending.is_some() => {
                    // Only the absorbing value (false for all, true for exists) overrides
                    // an earlier error.
                    if matches!(v, Val::Bool(b) if b != and) {
                        pending = None;
                        self.locals[accu] = v;
                    }
                }
                (Ok(v), _) => self.locals[accu] = v,
            }
        }
        if let Some(e) = pending {
            return Err(e);
        }
        self.eval(&f.result)
    }
}

/// `v == c`, with the common text and boolean cases compared directly.
#[inline]
fn equal_const(v: &Val<'_>, c: &Const) -> bool {
    match (v, c) {
        (Val::Str(s), Const::Str(t)) => s.as_ref() == t.as_ref(),
        (Val::Bool(a), Const::Bool(b)) => a == b,
        _ => value::equal(v, &c.val()),
    }
}

fn index<'a>(container: Val<'a>, i: &Val<'_>) -> Result<Val<'a>> {
    match container {
        Val::List(l) => {
            let at = match i {
                Val::Int(n) => usize::try_from(*n).ok(),
                Val::UInt(n) => usize::try_from(*n).ok(),
                Val::Double(d) if d.fract() == 0.0 && *d >= 0.0 => Some(*d as usize),
                other => {
                    return fault(format!("no such overload: list[{}]", other.type_name()));
                }
            };
            match at {
                Some(n) if n < l.len() => Ok(l.get(n)),
                _ => fault("index out of bounds"),
            }
        }
        Val::Map(m) => m.get(i).ok_or_else(|| match i {
            Val::Str(s) => no_such_field(s),
            _ => Fault("no such key".into()),
        }),
        other => fault(format!("cannot index {}", other.type_name())),
    }
}

fn text_arg<'b>(v: &'b Val<'_>, f: &str) -> Result<&'b str> {
    match v {
        Val::Str(s) => Ok(s),
        other => fault(format!("no such overload: {f}({})", other.type_name())),
    }
}

fn call<'a>(f: Func, a: Val<'a>, b: Val<'a>) -> Result<Val<'a>> {
    Ok(match f {
        Func::Size => Val::Int(match &a {
            Val::Str(s) => s.chars().count() as i64,
            Val::List(l) => l.len() as i64,
            Val::Map(m) => m.len() as i64,
            other => return fault(format!("no such overload: size({})", other.type_name())),
        }),
        Func::Contains => Val::Bool(text_arg(&a, "contains")?.contains(text_arg(&b, "contains")?)),
        Func::StartsWith => {
            Val::Bool(text_arg(&a, "startsWith")?.starts_with(text_arg(&b, "startsWith")?))
        }
        Func::EndsWith => Val::Bool(text_arg(&a, "endsWith")?.ends_with(text_arg(&b, "endsWith")?)),
        Func::Rank => {
            let name = text_arg(&a, "rank")?;
            Val::Int(rank_of(name).ok_or_else(|| {
                Fault(format!(
                    "`{name}` is not a classification or risk level name"
                ))
            })?)
        }
        Func::Int => Val::Int(match a {
            Val::Int(i) => i,
            Val::UInt(u) => i64::try_from(u).map_err(|_| Fault("int() range error".into()))?,
            Val::Double(d)
                if d.is_finite()
                    && d > -9.223_372_036_854_776e18
                    && d < 9.223_372_036_854_776e18 =>
            {
                d as i64
            }
            Val::Double(_) => return fault("int() range error"),
            Val::Str(s) => s
                .parse()
                .map_err(|_| Fault(format!("cannot convert {s:?} to int")))?,
            other => return fault(format!("no such overload: int({})", other.type_name())),
        }),
        Func::UInt => Val::UInt(match a {
            Val::UInt(u) => u,
            Val::Int(i) => u64::try_from(i).map_err(|_| Fault("uint() range error".into()))?,
            Val::Double(d) if (0.0..1.844_674_407_370_955_2e19).contains(&d) => d as u64,
            Val::Double(_) => return fault("uint() range error"),
            Val::Str(s) => s
                .parse()
                .map_err(|_| Fault(format!("cannot convert {s:?} to uint")))?,
            other => return fault(format!("no such overload: uint({})", other.type_name())),
        }),
        Func::Double => Val::Double(match a {
            Val::Double(d) => d,
            Val::Int(i) => i as f64,
            Val::UInt(u) => u as f64,
            Val::Str(s) => s
                .parse()
                .map_err(|_| Fault(format!("cannot convert {s:?} to double")))?,
            other => return fault(format!("no such overload: double({})", other.type_name())),
        }),
        Func::Dyn => a,
        Func::Bool => match a {
            Val::Bool(b) => Val::Bool(b),
            Val::Str(s) => Val::Bool(match s.as_ref() {
                "1" | "t" | "true" | "TRUE" | "True" => true,
                "0" | "f" | "false" | "FALSE" | "False" => false,
                other => return fault(format!("cannot convert {other:?} to bool")),
            }),
            other => return fault(format!("no such overload: bool({})", other.type_name())),
        },
        Func::String => match a {
            Val::Str(s) => Val::Str(s),
            Val::Int(i) => Val::Str(Cow::Owned(i.to_string())),
            Val::UInt(u) => Val::Str(Cow::Owned(u.to_string())),
            Val::Bool(b) => Val::Str(Cow::Borrowed(if b { "true" } else { "false" })),
            Val::Double(d) => Val::Str(Cow::Owned(d.to_string())),
            other => return fault(format!("no such overload: string({})", other.type_name())),
        },
    })
}
