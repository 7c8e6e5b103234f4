//! The errors of the CEL layer, beside it: compiling an expression, evaluating it.

/// A problem found while compiling an expression: a message and the byte span in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub message: String,
    pub offset: usize,
    pub len: usize,
}

/// A failure while evaluating an expression on one record.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError(pub String);

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
