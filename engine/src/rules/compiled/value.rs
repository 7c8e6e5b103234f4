//! Values of the compiled evaluator: unboxed scalars and views borrowed from the engine's
//! records, so evaluating a rule allocates nothing unless the rule builds new text or lists.
//!
//! The semantics follow the `cel` crate's interpreter, which the differential tests compare
//! against: numbers of different kinds compare and test equal by value, arithmetic needs
//! operands of one kind and fails on overflow, `&&`/`||` absorb an error on one side when the
//! other side decides the result.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::rc::Rc;

use crate::model::{Asset, AssetIdx, AttrValue, Attributes, Cia};

/// A failure while evaluating on one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault(pub String);

pub type Result<T> = std::result::Result<T, Fault>;

pub fn fault<T>(message: impl Into<String>) -> Result<T> {
    Err(Fault(message.into()))
}

/// A constant of the rule source: literals, and list and map literals made only of constants,
/// folded at compile time so that `x in ["a", "b"]` costs no allocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(Box<str>),
    List(Box<[Const]>),
    Map(Box<[(Const, Const)]>),
}

/// A value during evaluation; `'a` is the lifetime of the records and the compiled rule.
#[derive(Debug, Clone)]
pub enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    Str(Cow<'a, str>),
    List(List<'a>),
    Map(MapVal<'a>),
}

/// A list, viewed where it lives.
#[derive(Debug, Clone)]
pub enum List<'a> {
    /// Tags and other lists of text held by a record.
    Texts(&'a [String]),
    /// Fixed lists such as a threat's affected properties.
    Static(&'static [&'static str]),
    /// Asset dependencies (indices into the first slice), shown as asset ids.
    Assets(&'a [Asset], &'a [AssetIdx]),
    Consts(&'a [Const]),
    /// Built during evaluation (list literals with variables, `map`, `filter`, `+`).
    Built(Rc<Vec<Val<'a>>>),
}

/// A map, viewed where it lives.
#[derive(Debug, Clone)]
pub enum MapVal<'a> {
    Attributes(&'a Attributes),
    Cia(Cia),
    Counts(&'a [(&'a str, i64)]),
    Consts(&'a [(Const, Const)]),
    Built(Rc<Vec<(Val<'a>, Val<'a>)>>),
}

impl Const {
    pub fn val(&self) -> Val<'_> {
        match self {
            Const::Null => Val::Null,
            Const::Bool(b) => Val::Bool(*b),
            Const::Int(i) => Val::Int(*i),
            Const::UInt(u) => Val::UInt(*u),
            Const::Double(d) => Val::Double(*d),
            Const::Str(s) => Val::Str(Cow::Borrowed(s)),
            Const::List(l) => Val::List(List::Consts(l)),
            Const::Map(m) => Val::Map(MapVal::Consts(m)),
        }
    }
}

impl<'a> Val<'a> {
    pub fn text(s: &'a str) -> Val<'a> {
        Val::Str(Cow::Borrowed(s))
    }

    pub fn opt_text(s: Option<&'a str>) -> Val<'a> {
        s.map_or(Val::Null, Val::text)
    }

    pub fn attr(v: &'a AttrValue) -> Val<'a> {
        match v {
            AttrValue::Bool(b) => Val::Bool(*b),
            AttrValue::Int(i) => Val::Int(*i),
            AttrValue::Float(f) => Val::Double(*f),
            AttrValue::Text(t) => Val::text(t),
        }
    }

    /// The CEL type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null_type",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::UInt(_) => "uint",
            Val::Double(_) => "double",
            Val::Str(_) => "string",
            Val::List(_) => "list",
            Val::Map(_) => "map",
        }
    }

    pub fn as_bool(&self) -> Result<bool> {
        match self {
            Val::Bool(b) => Ok(*b),
            other => fault(format!("expected bool, got {}", other.type_name())),
        }
    }
}

impl<'a> List<'a> {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> usize {
        match self {
            List::Texts(t) => t.len(),
            List::Static(s) => s.len(),
            List::Assets(_, a) => a.len(),
            List::Consts(c) => c.len(),
            List::Built(b) => b.len(),
        }
    }

    pub fn get(&self, i: usize) -> Val<'a> {
        match self {
            List::Texts(t) => Val::text(&t[i]),
            List::Static(s) => Val::text(s[i]),
            List::Assets(all, a) => Val::text(&all[a[i].index()].id),
            List::Consts(c) => c[i].val(),
            List::Built(b) => b[i].clone(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Val<'a>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn contains(&self, needle: &Val<'_>) -> bool {
        // Text lists are the common case: compare borrowed strings without building values.
        match (self, needle) {
            (List::Texts(t), Val::Str(s)) => t.iter().any(|x| x == s),
            (List::Static(t), Val::Str(s)) => t.iter().any(|x| x == s),
            _ => self.iter().any(|x| equal(&x, needle)),
        }
    }
}

impl<'a> MapVal<'a> {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> usize {
        match self {
            MapVal::Attributes(m) => m.len(),
            MapVal::Cia(_) => 3,
            MapVal::Counts(c) => c.len(),
            MapVal::Consts(c) => c.len(),
            MapVal::Built(b) => b.len(),
        }
    }

    /// The keys in the map's order.
    pub fn keys(&self) -> Vec<Val<'a>> {
        match self {
            MapVal::Attributes(m) => m.keys().map(Val::text).collect(),
            MapVal::Cia(_) => CIA_KEYS.iter().map(|k| Val::text(k)).collect(),
            MapVal::Counts(c) => c.iter().map(|(k, _)| Val::text(k)).collect(),
            MapVal::Consts(c) => c.iter().map(|(k, _)| k.val()).collect(),
            MapVal::Built(b) => b.iter().map(|(k, _)| k.clone()).collect(),
        }
    }

    /// The value under a key; `None` when absent.
    pub fn get(&self, key: &Val<'_>) -> Option<Val<'a>> {
        let text = match key {
            Val::Str(s) => Some(s.as_ref()),
            _ => None,
        };
        match self {
            MapVal::Attributes(m) => m.get(text?).map(Val::attr),
            MapVal::Cia(c) => {
                let v = match text? {
                    "confidentiality" => c.confidentiality,
                    "integrity" => c.integrity,
                    "availability" => c.availability,
                    _ => return None,
                };
                Some(Val::Int(i64::from(v)))
            }
            MapVal::Counts(c) => {
                let t = text?;
                c.iter().find(|(k, _)| *k == t).map(|(_, v)| Val::Int(*v))
            }
            MapVal::Consts(c) => c
                .iter()
                .find(|(k, _)| equal(&k.val(), key))
                .map(|(_, v)| v.val()),
            MapVal::Built(b) => b
                .iter()
                .find(|(k, _)| equal(k, key))
                .map(|(_, v)| v.clone()),
        }
    }
}

const CIA_KEYS: [&str; 3] = ["confidentiality", "integrity", "availability"];

/// CEL equality: by value, across numeric kinds; values of different types are unequal.
pub fn equal(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::List(x), Val::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equal(&p, &q))
        }
        (Val::Map(x), Val::Map(y)) => {
            x.len() == y.len()
                && x.keys().iter().all(|k| match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => equal(&p, &q),
                    _ => false,
                })
        }
        _ => numeric_order(a, b) == Some(Ordering::Equal),
    }
}

/// Order of two numbers of any kinds; `None` for non-numbers and NaN.
fn numeric_order(a: &Val<'_>, b: &Val<'_>) -> Option<Ordering> {
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::UInt(x), Val::UInt(y)) => Some(x.cmp(y)),
        (Val::Double(x), Val::Double(y)) => x.partial_cmp(y),
        (Val::Int(x), Val::UInt(y)) => Some(u64::try_from(*x).map_or(Ordering::Less, |x| x.cmp(y))),
        (Val::UInt(x), Val::Int(y)) => {
            Some(i64::try_from(*x).map_or(Ordering::Greater, |x| x.cmp(y)))
        }
        (Val::Int(x), Val::Double(y)) => (*x as f64).partial_cmp(y),
        (Val::Double(x), Val::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Val::UInt(x), Val::Double(y)) => (*x as f64).partial_cmp(y),
        (Val::Double(x), Val::UInt(y)) => x.partial_cmp(&(*y as f64)),
        _ => None,
    }
}

/// `<`, `<=`, `>`, `>=`: numbers (across kinds), text, booleans.
pub fn compare(a: &Val<'_>, b: &Val<'_>) -> Result<Ordering> {
    let order = match (a, b) {
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        _ => numeric_order(a, b),
    };
    order.map_or_else(
        || {
            fault(format!(
                "no such overload: cannot compare {} with {}",
                a.type_name(),
                b.type_name()
            ))
        },
        Ok,
    )
}

/// The arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl Arith {
    fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Div => "/",
            Arith::Rem => "%",
        }
    }
}

/// Arithmetic on operands of one kind; integer overflow and division by zero fail.
pub fn arith<'a>(op: Arith, a: Val<'a>, b: Val<'a>) -> Result<Val<'a>> {
    let overflow = || Fault(format!("integer overflow in {}", op.symbol()));
    let by_zero = || match op {
        Arith::Rem => Fault("modulus by zero".into()),
        _ => Fault("division by zero".into()),
    };
    // The same checked arithmetic for both integer kinds.
    macro_rules! checked {
        ($x:expr, $y:expr, $kind:path) => {{
            if $y == 0 && matches!(op, Arith::Div | Arith::Rem) {
                return Err(by_zero());
            }
            let r = match op {
                Arith::Add => $x.checked_add($y),
                Arith::Sub => $x.checked_sub($y),
                Arith::Mul => $x.checked_mul($y),
                Arith::Div => $x.checked_div($y),
                Arith::Rem => $x.checked_rem($y),
            };
            r.map($kind).ok_or_else(overflow)
        }};
    }
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => checked!(x, y, Val::Int),
        (Val::UInt(x), Val::UInt(y)) => checked!(x, y, Val::UInt),
        (Val::Double(x), Val::Double(y)) if op != Arith::Rem => Ok(Val::Double(match op {
            Arith::Add => x + y,
            Arith::Sub => x - y,
            Arith::Mul => x * y,
            _ => x / y,
        })),
        (Val::Str(x), Val::Str(y)) if op == Arith::Add => {
            Ok(Val::Str(Cow::Owned(format!("{x}{y}"))))
        }
        (Val::List(x), Val::List(y)) if op == Arith::Add => Ok(Val::List(List::Built(Rc::new(
            x.iter().chain(y.iter()).collect(),
        )))),
        (a, b) => fault(format!(
            "no such overload: {} {} {}",
            a.type_name(),
            op.symbol(),
            b.type_name()
        )),
    }
}

/// Conversion to the interpreter's values: how the differential tests compare results.
impl From<&Val<'_>> for cel::Value {
    fn from(v: &Val<'_>) -> cel::Value {
        use std::sync::Arc;
        match v {
            Val::Null => cel::Value::Null,
            Val::Bool(b) => cel::Value::Bool(*b),
            Val::Int(i) => cel::Value::Int(*i),
            Val::UInt(u) => cel::Value::UInt(*u),
            Val::Double(d) => cel::Value::Float(*d),
            Val::Str(s) => cel::Value::String(Arc::new(s.to_string())),
            Val::List(l) => cel::Value::List(Arc::new(l.iter().map(|x| (&x).into()).collect())),
            Val::Map(m) => {
                let map = m
                    .keys()
                    .into_iter()
                    .filter_map(|k| {
                        let v = m.get(&k)?;
                        let key = match &k {
                            Val::Str(s) => cel::objects::Key::String(Arc::new(s.to_string())),
                            Val::Int(i) => cel::objects::Key::Int(*i),
                            Val::UInt(u) => cel::objects::Key::Uint(*u),
                            Val::Bool(b) => cel::objects::Key::Bool(*b),
                            _ => return None,
                        };
                        Some((key, (&v).into()))
                    })
                    .collect();
                cel::Value::Map(cel::objects::Map { map: Arc::new(map) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_across_kinds() {
        assert!(equal(&Val::Int(1), &Val::UInt(1)));
        assert!(equal(&Val::Int(2), &Val::Double(2.0)));
        assert!(!equal(&Val::Int(-1), &Val::UInt(u64::MAX)));
        assert!(!equal(&Val::Double(f64::NAN), &Val::Double(f64::NAN)));
        assert_eq!(compare(&Val::Int(-1), &Val::UInt(0)), Ok(Ordering::Less));
        assert!(compare(&Val::Int(1), &Val::text("1")).is_err());
        assert!(!equal(&Val::Int(1), &Val::text("1")));
    }

    #[test]
    fn arithmetic_fails_on_overflow_and_mixed_kinds() {
        assert!(arith(Arith::Add, Val::Int(i64::MAX), Val::Int(1)).is_err());
        assert!(arith(Arith::Div, Val::Int(1), Val::Int(0)).is_err());
        assert!(arith(Arith::Add, Val::Int(1), Val::Double(1.0)).is_err());
        assert!(arith(Arith::Rem, Val::Double(1.0), Val::Double(1.0)).is_err());
        let Ok(Val::Str(s)) = arith(Arith::Add, Val::text("a"), Val::text("b")) else {
            panic!("text concatenation")
        };
        assert_eq!(s, "ab");
    }

    #[test]
    fn lists_and_maps_compare_by_content() {
        let tags = vec!["c".to_owned()];
        let lit = [Const::Str("c".into())];
        assert!(equal(
            &Val::List(List::Texts(&tags)),
            &Val::List(List::Consts(&lit))
        ));
        assert!(equal(
            &Val::List(List::Static(&["c"])),
            &Val::List(List::Texts(&tags))
        ));
        let cia = Cia {
            confidentiality: 1,
            integrity: 2,
            availability: 3,
        };
        let m = MapVal::Cia(cia);
        assert!(matches!(m.get(&Val::text("integrity")), Some(Val::Int(2))));
        assert!(m.get(&Val::text("x")).is_none());
    }
}
