//! Output too large to build whole (a report's gaps, every scenario of `isms risks`):
//! rendered in parallel by the rayon pool a window at a time, while the window before is
//! written, in the items' order. Whatever the number of threads, the bytes are those of
//! rendering the items one after the other.

use std::io::{self, Write};

use rayon::prelude::*;

/// Items one task renders: enough to outweigh the cost of a task.
pub const CHUNK: usize = 256;
/// Items rendered while the previous window is written: bounds the memory held.
pub const WINDOW: usize = 32 * CHUNK;

/// Writes `items` in order, each [`CHUNK`] of them rendered by `render` (given the index of
/// the chunk's first item among all `items`) on the rayon pool.
pub fn in_order<T: Sync>(
    w: &mut dyn Write,
    items: &[T],
    render: impl Fn(&mut Vec<u8>, usize, &[T]) -> io::Result<()> + Sync,
) -> io::Result<()> {
    let render_window = |window: &[T], first: usize| -> Vec<io::Result<Vec<u8>>> {
        window
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(k, chunk)| {
                let mut out = Vec::with_capacity(chunk.len() * 256);
                render(&mut out, first + k * CHUNK, chunk)?;
                Ok(out)
            })
            .collect()
    };
    let mut windows = items.chunks(WINDOW).enumerate();
    let mut ready = windows
        .next()
        .map_or_else(Vec::new, |(_, first)| render_window(first, 0));
    for (n, window) in windows {
        let mut next = Vec::new();
        let written = rayon::in_place_scope(|s| {
            s.spawn(|_| next = render_window(window, n * WINDOW));
            write_parts(w, &ready)
        });
        written?;
        ready = next;
    }
    write_parts(w, &ready)
}

fn write_parts(w: &mut dyn Write, parts: &[io::Result<Vec<u8>>]) -> io::Result<()> {
    for part in parts {
        match part {
            Ok(bytes) => w.write_all(bytes)?,
            Err(e) => return Err(io::Error::new(e.kind(), e.to_string())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any number of items around the chunk and window bounds comes out whole and in order.
    #[test]
    fn items_come_out_in_order() {
        for n in [0, 1, CHUNK, CHUNK + 1, WINDOW, WINDOW + 1, 3 * WINDOW + 5] {
            let items: Vec<usize> = (0..n).collect();
            let mut out = Vec::new();
            in_order(&mut out, &items, |buf, first, chunk| {
                for (j, i) in chunk.iter().enumerate() {
                    assert_eq!(first + j, *i);
                    writeln!(buf, "{i}")?;
                }
                Ok(())
            })
            .unwrap();
            let expected: String = items.iter().map(|i| format!("{i}\n")).collect();
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{n} items");
        }
    }
}
