//! The evaluation budget on the `cel` interpreter: the same limit the compiled path counts
//! ([`ITERATION_BUDGET`] comprehension iterations per evaluation), so no rule stalls a batch
//! on either path.
//!
//! The interpreter has no hook of its own, so the expression it runs is rewritten once: every
//! comprehension calls [`STEP`] on each iteration, a function that counts on the evaluating
//! thread and fails past the budget. The call sits where the interpreter evaluates once per
//! element and keeps its fast paths: in the loop condition of `all`/`exists`, and as the
//! guard of the `map`/`filter` shape (`cond ? @result + [x] : @result`), which the
//! interpreter appends in place only while it recognises that shape.

use std::cell::Cell;

use cel::ExecutionError;
use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr as Ast, IdedEntryExpr, IdedExpr, operators,
};

/// How many comprehension iterations one evaluation may run. Only comprehensions loop, so
/// this bounds every evaluation: a rule nesting macros over large lists fails on the record
/// (and is reported with the rule's other failures) instead of stalling the batch.
pub const ITERATION_BUDGET: u32 = 100_000;

/// The counting function's name; `@` cannot start a name in CEL source, so no rule can call
/// or shadow it.
pub const STEP: &str = "@isms_step";

thread_local! {
    static ITERATIONS: Cell<u32> = const { Cell::new(0) };
}

/// Starts a new evaluation's count on this thread.
pub fn reset() {
    ITERATIONS.with(|n| n.set(0));
}

/// [`STEP`]: true while the evaluation is within the budget, an error after.
pub fn step() -> Result<bool, ExecutionError> {
    let n = ITERATIONS.with(|n| {
        let next = n.get().saturating_add(1);
        n.set(next);
        next
    });
    if n > ITERATION_BUDGET {
        return Err(ExecutionError::function_error(STEP, budget_breach()));
    }
    Ok(true)
}

/// What a rule stopped by the budget reports, on either path.
pub fn budget_breach() -> String {
    format!(
        "the rule ran more than {ITERATION_BUDGET} comprehension iterations on this record and was stopped (the evaluation budget)"
    )
}

/// The expression with a [`STEP`] call in every comprehension.
pub fn metered(expr: &IdedExpr) -> IdedExpr {
    let mut expr = expr.clone();
    meter(&mut expr);
    expr
}

fn meter(e: &mut IdedExpr) {
    match &mut e.expr {
        Ast::Call(call) => {
            if let Some(target) = call.target.as_deref_mut() {
                meter(target);
            }
            call.args.iter_mut().for_each(meter);
        }
        Ast::Select(s) => meter(&mut s.operand),
        Ast::List(l) => l.elements.iter_mut().for_each(meter),
        Ast::Map(m) => m.entries.iter_mut().for_each(meter_entry),
        Ast::Struct(s) => s.entries.iter_mut().for_each(meter_entry),
        Ast::Comprehension(c) => {
            for part in [
                &mut c.iter_range,
                &mut c.accu_init,
                &mut c.loop_cond,
                &mut c.loop_step,
                &mut c.result,
            ] {
                meter(part);
            }
            count_iterations(c);
        }
        Ast::Literal(_) | Ast::Ident(_) | Ast::Unspecified => {}
    }
}

fn meter_entry(entry: &mut IdedEntryExpr) {
    match &mut entry.expr {
        EntryExpr::MapEntry(me) => {
            meter(&mut me.key);
            meter(&mut me.value);
        }
        EntryExpr::StructField(f) => meter(&mut f.value),
    }
}

fn count_iterations(c: &mut ComprehensionExpr) {
    let accu = c.accu_var.clone();
    let is_accu = |e: &IdedExpr| matches!(&e.expr, Ast::Ident(n) if *n == accu);
    let appends = |e: &IdedExpr| match &e.expr {
        Ast::Call(call) if call.func_name == operators::ADD && call.target.is_none() => {
            matches!(call.args.as_slice(), [l, r] if is_accu(l) && matches!(r.expr, Ast::List(_)))
        }
        _ => false,
    };
    let append_shape = is_accu(&c.result) && matches!(c.loop_cond.expr, Ast::Literal(_));
    let guarded = match &c.loop_step.expr {
        Ast::Call(call) => {
            call.func_name == operators::CONDITIONAL
                && call.target.is_none()
                && matches!(call.args.as_slice(), [_, s, o] if appends(s) && is_accu(o))
        }
        _ => false,
    };
    if append_shape && guarded {
        // `cond ? @result + [x] : @result` (filter): count in the guard.
        if let Ast::Call(call) = &mut c.loop_step.expr {
            let guard = std::mem::take(&mut call.args[0]);
            call.args[0] = counted(guard);
        }
    } else if append_shape && appends(&c.loop_step) {
        // `@result + [x]` (map): guard it with the count.
        let step = std::mem::take(&mut c.loop_step);
        c.loop_step = conditional(call_step(), step, ident(&accu));
    } else {
        // Any other fold evaluates its condition once per element.
        let cond = std::mem::take(&mut c.loop_cond);
        c.loop_cond = counted(cond);
    }
}

/// `@isms_step() ? e : false`: `e` once counted (an error, unlike `&&`, is never absorbed).
fn counted(e: IdedExpr) -> IdedExpr {
    conditional(
        call_step(),
        e,
        node(Ast::Literal(cel::common::ast::LiteralValue::Boolean(
            false.into(),
        ))),
    )
}

fn conditional(cond: IdedExpr, then: IdedExpr, otherwise: IdedExpr) -> IdedExpr {
    node(Ast::Call(CallExpr {
        func_name: operators::CONDITIONAL.to_owned(),
        target: None,
        args: vec![cond, then, otherwise],
    }))
}

fn call_step() -> IdedExpr {
    node(Ast::Call(CallExpr {
        func_name: STEP.to_owned(),
        target: None,
        args: Vec::new(),
    }))
}

fn ident(name: &str) -> IdedExpr {
    node(Ast::Ident(name.to_owned()))
}

/// Nodes added by the rewrite have no place in the source (id 0).
fn node(expr: Ast) -> IdedExpr {
    IdedExpr { id: 0, expr }
}
