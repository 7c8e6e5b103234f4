//! The report as indented JSON, byte for byte what `serde_json::to_writer_pretty` writes, but
//! rendered in parallel and streamed: at 100,000 assets the report runs to tens of megabytes,
//! most of it in a few long arrays (risks, gaps). Their elements go through
//! [`stream::in_order`], so the document is never whole in memory and the writing overlaps
//! the rendering.

use std::io::{self, Write};

use isms_engine::report::Report;
use serde::Serialize;

use crate::stream;

/// serde_json's pretty indentation step.
const INDENT: &[u8] = b"  ";

/// Writes `report` as indented JSON with a final newline.
pub fn report(w: &mut dyn Write, report: &Report) -> io::Result<()> {
    let r = report;
    // The readiness checklist (megabytes of gap references at scale) is rendered on a worker
    // while the fields before it stream.
    let mut readiness: io::Result<Vec<u8>> = Ok(Vec::new());
    let mut head: io::Result<()> = Ok(());
    rayon::in_place_scope(|s| {
        s.spawn(|_| readiness = value_at(&r.readiness, 1));
        head = (|| {
            w.write_all(b"{")?;
            field(w, true, "schema", &r.schema)?;
            field(w, false, "engine_version", &r.engine_version)?;
            field(w, false, "workspace", &r.workspace)?;
            field(w, false, "organisation", &r.organisation)?;
            field(w, false, "catalog", &r.catalog)?;
            field(w, false, "options", &r.options)?;
            field(w, false, "appetite", &r.appetite)?;
            field(w, false, "inputs", &r.inputs)?;
            field(w, false, "rulesets", &r.rulesets)?;
            field(w, false, "plugins", &r.plugins)?;
            field(w, false, "summary", &r.summary)?;
            field(w, false, "heatmap", &r.heatmap)?;
            key(w, false, "risks")?;
            array(w, &r.risks, 1)?;
            key(w, false, "soa")?;
            array(w, &r.soa, 1)?;
            key(w, false, "gaps")?;
            array(w, &r.gaps, 1)?;
            field(w, false, "rule_failures", &r.rule_failures)?;
            field(w, false, "plugin_influence", &r.plugin_influence)
        })();
    });
    head?;
    key(w, false, "readiness")?;
    w.write_all(&readiness?)?;
    field(w, false, "coverage", &r.coverage)?;
    w.write_all(b"\n}\n")
}

/// Writes the key of one of the report's own members, after the separator from the member
/// before it unless it is the `first`.
fn key(w: &mut dyn Write, first: bool, name: &str) -> io::Result<()> {
    let mut out = Vec::with_capacity(name.len() + 16);
    out.extend_from_slice(if first { b"\n" } else { b",\n" });
    write_indent(&mut out, 1)?;
    serde_json::to_writer(&mut out, name)?;
    out.extend_from_slice(b": ");
    w.write_all(&out)
}

/// A member of the report whose value is small enough to render where it stands.
fn field(w: &mut dyn Write, first: bool, name: &str, value: &impl Serialize) -> io::Result<()> {
    key(w, first, name)?;
    w.write_all(&value_at(value, 1)?)
}

/// `value` in serde_json's pretty layout as it reads `level` containers deep.
fn value_at(value: &impl Serialize, level: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    append_at(&mut out, value, level)?;
    Ok(out)
}

/// Appends `value` as [`value_at`] renders it.
fn append_at(out: &mut Vec<u8>, value: &impl Serialize, level: usize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, Indented::at(level));
    Ok(value.serialize(&mut serializer)?)
}

/// serde_json's `PrettyFormatter` (two spaces a level), starting `level` containers deep:
/// a value rendered alone then reads as it does inside the whole document.
struct Indented {
    level: usize,
    has_value: bool,
}

impl Indented {
    fn at(level: usize) -> Self {
        Indented {
            level,
            has_value: false,
        }
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            write_indent(w, self.level)?;
        }
        w.write_all(bracket)
    }

    fn next<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        write_indent(w, self.level)
    }
}

fn write_indent<W: ?Sized + Write>(w: &mut W, level: usize) -> io::Result<()> {
    for _ in 0..level {
        w.write_all(INDENT)?;
    }
    Ok(())
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.next(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.next(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes `items` as a pretty JSON array standing `level` containers deep, its elements
/// rendered in parallel; the bytes are those of serde_json, whatever the number of threads.
pub fn array<T: Serialize + Sync>(w: &mut dyn Write, items: &[T], level: usize) -> io::Result<()> {
    if items.is_empty() {
        return w.write_all(b"[]");
    }
    w.write_all(b"[")?;
    stream::in_order(w, items, |out, first, chunk| {
        for (j, item) in chunk.iter().enumerate() {
            out.extend_from_slice(if first + j == 0 { b"\n" } else { b",\n" });
            write_indent(out, level + 1)?;
            append_at(out, item, level + 1)?;
        }
        Ok(())
    })?;
    let mut end = b"\n".to_vec();
    write_indent(&mut end, level)?;
    end.push(b']');
    w.write_all(&end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::{CHUNK, WINDOW};

    #[derive(Serialize)]
    struct Row {
        id: String,
        text: String,
        list: Vec<u32>,
        empty: Vec<u32>,
        nested: Option<Box<Row>>,
    }

    #[derive(Serialize)]
    struct Outer<'a> {
        a: Inner<'a>,
    }

    #[derive(Serialize)]
    struct Inner<'a> {
        rows: &'a [Row],
    }

    fn row(i: usize) -> Row {
        Row {
            id: format!("R-{i}"),
            text: "line one\nline two \"quoted\" \t tab".repeat(i % 3),
            list: (0..(i % 4) as u32).collect(),
            empty: Vec::new(),
            nested: i.is_multiple_of(5).then(|| Box::new(row(i + 1))),
        }
    }

    /// Arrays of every size around the chunk and window bounds, at several depths, give
    /// serde_json's own bytes.
    #[test]
    fn arrays_match_serde_json_at_any_size_and_depth() {
        for n in [
            0,
            1,
            2,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            WINDOW,
            WINDOW + 1,
            2 * WINDOW + 7,
        ] {
            let rows: Vec<Row> = (0..n).map(row).collect();
            let expected = serde_json::to_vec_pretty(&Outer {
                a: Inner { rows: &rows },
            })
            .unwrap();
            let mut got = b"{\n  \"a\": {\n    \"rows\": ".to_vec();
            array(&mut got, &rows, 2).unwrap();
            got.extend_from_slice(b"\n  }\n}");
            assert_eq!(
                String::from_utf8(got).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{n} rows"
            );
        }
    }

    /// Every field of the report, in its order: a field added to `Report` but not here
    /// fails this test.
    #[test]
    fn the_report_is_serde_jsons_pretty_output() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/acme"));
        let ws = isms_engine::load(dir).unwrap().workspace;
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let r = isms_engine::build_report(
            &ws,
            &isms_engine::evaluate(&ws, isms_engine::Options::new(as_of)),
        );
        assert!(!r.risks.is_empty() && !r.gaps.is_empty());
        let mut expected = serde_json::to_vec_pretty(&r).unwrap();
        expected.push(b'\n');
        let mut got = Vec::new();
        report(&mut got, &r).unwrap();
        assert!(
            got == expected,
            "the streamed report differs from serde_json's"
        );
    }

    #[test]
    fn values_are_reindented_to_their_depth() {
        let value = serde_json::json!({ "x": [1, {"y": "a\nb"}], "z": {} });
        let expected = serde_json::to_vec_pretty(&serde_json::json!([[value]])).unwrap();
        let mut got = b"[\n  [\n    ".to_vec();
        got.extend_from_slice(&value_at(&value, 2).unwrap());
        got.extend_from_slice(b"\n  ]\n]");
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(expected).unwrap()
        );
    }
}
