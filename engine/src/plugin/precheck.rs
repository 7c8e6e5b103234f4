//! Checks of a component's shape before it is compiled, so that compilation is bounded.
//!
//! Cranelift's cost per function is roughly linear in its size but has a large fixed part (a
//! component of 80,000 one-line functions, 0.9 MB, took 3.7 s and 640 MB to compile, where a
//! plugin built with the SDK has a few hundred functions). Bounding the file size, the number
//! of functions and the size of the largest body bounds the time and memory of compilation.
//! The scan itself is linear and allocates nothing per function.

use wasmparser::{Parser, Payload};

use super::Limits;

/// What the scan found: the numbers `isms plugin test` shows, so an author sees the margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub size: usize,
    pub functions: usize,
    pub largest_function: usize,
}

/// Scans a component (or module) and checks it against the limits; the error names the limit
/// and the key that raises it.
pub(crate) fn check(bytes: &[u8], limits: &Limits) -> Result<Shape, String> {
    if bytes.len() > limits.module_size {
        return Err(format!(
            "is {} bytes, above its limit of {} MiB (`module_mib`)",
            bytes.len(),
            limits.module_size >> 20
        ));
    }
    let mut shape = Shape {
        size: bytes.len(),
        functions: 0,
        largest_function: 0,
    };
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| format!("is not valid WebAssembly: {e}"))?;
        if let Payload::CodeSectionEntry(body) = payload {
            shape.functions += 1;
            let size = body.range().len();
            shape.largest_function = shape.largest_function.max(size);
            if shape.functions > limits.functions {
                return Err(format!(
                    "defines more than {} functions (`functions`)",
                    limits.functions
                ));
            }
            if size > limits.function_size {
                return Err(format!(
                    "has a function body of {size} bytes, above its limit of {} KiB (`function_kib`)",
                    limits.function_size >> 10
                ));
            }
        }
    }
    Ok(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(functions: usize, body_ops: usize) -> Vec<u8> {
        let body = "(i32.add (i32.const 1) (i32.const 2)) drop ".repeat(body_ops);
        let funcs: String = (0..functions).map(|_| format!("(func {body})")).collect();
        wat::parse_str(format!("(module {funcs})")).unwrap()
    }

    #[test]
    fn counts_functions_and_the_largest_body() {
        let shape = check(&module(3, 10), &Limits::default()).unwrap();
        assert_eq!(shape.functions, 3);
        assert!(shape.largest_function > 10 * 5, "{shape:?}");
    }

    #[test]
    fn refuses_too_many_functions_too_big_a_body_and_too_big_a_file() {
        let tight = |f: fn(&mut Limits)| {
            let mut l = Limits::default();
            f(&mut l);
            l
        };
        let e = check(&module(11, 1), &tight(|l| l.functions = 10)).unwrap_err();
        assert!(e.contains("more than 10 functions"), "{e}");
        let e = check(&module(1, 400), &tight(|l| l.function_size = 1024)).unwrap_err();
        assert!(e.contains("`function_kib`"), "{e}");
        let e = check(&vec![0u8; 2 << 20], &tight(|l| l.module_size = 1 << 20)).unwrap_err();
        assert!(e.contains("`module_mib`"), "{e}");
        let e = check(b"\0asm garbage", &Limits::default()).unwrap_err();
        assert!(e.contains("not valid WebAssembly"), "{e}");
    }
}
