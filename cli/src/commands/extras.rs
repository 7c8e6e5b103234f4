//! `isms completions` and `isms man`: generated from the command-line definition, so they
//! never fall behind it.

use std::path::Path;

use crate::cli::{EXIT_STATUS, command};
use crate::exit::{EXIT_OK, Failure};
use crate::output;

pub fn completions(shell: clap_complete::Shell) -> Result<u8, Failure> {
    let mut cmd = command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "isms", &mut out);
    output::emit(None, &out)?;
    Ok(EXIT_OK)
}

fn render_failed(e: std::io::Error) -> Failure {
    Failure::Io(format!("cannot render the manual page: {e}"))
}

/// The overview page: the main options, then every command (nested ones too) with its usage
/// and options, then the exit status.
pub fn man(path: Option<&Path>) -> Result<u8, Failure> {
    let cmd = command();
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut out)
        .and_then(|()| man.render_name_section(&mut out))
        .and_then(|()| man.render_synopsis_section(&mut out))
        .and_then(|()| man.render_description_section(&mut out))
        .and_then(|()| man.render_options_section(&mut out))
        .map_err(render_failed)?;
    out.extend_from_slice(b".SH COMMANDS\n");
    for sub in cmd.get_subcommands() {
        subcommand(&mut out, "isms", sub);
    }
    exit_status(&mut out);
    man.render_version_section(&mut out)
        .map_err(render_failed)?;
    output::emit(path, &out)?;
    Ok(EXIT_OK)
}

/// One page per command, as git ships them: `isms.1`, `isms-gaps.1`, `isms-plugin-new.1`.
pub fn man_pages(dir: &Path) -> Result<u8, Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Io(format!("cannot create {}: {e}", dir.display())))?;
    let mut pages = Vec::new();
    collect_pages(command(), "isms", &mut pages);
    for (name, cmd) in pages {
        let mut out = Vec::new();
        let page = cmd.display_name(&name).bin_name(name.replace('-', " "));
        clap_mangen::Man::new(page)
            .render(&mut out)
            .map_err(render_failed)?;
        exit_status(&mut out);
        output::write_atomic(&dir.join(format!("{name}.1")), &out)?;
    }
    Ok(EXIT_OK)
}

fn collect_pages(cmd: clap::Command, name: &str, pages: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        collect_pages(sub.clone(), &format!("{name}-{}", sub.get_name()), pages);
    }
    pages.push((name.to_owned(), cmd));
}

fn exit_status(out: &mut Vec<u8>) {
    out.extend_from_slice(format!(".SH \"EXIT STATUS\"\n{}\n", escape(EXIT_STATUS)).as_bytes());
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('-', "\\-")
        .replace('\n', " ")
}

fn subcommand(out: &mut Vec<u8>, parent: &str, cmd: &clap::Command) {
    let name = format!("{parent} {}", cmd.get_name());
    let usage = cmd
        .clone()
        .bin_name(&name)
        .render_usage()
        .to_string()
        .trim_start_matches("Usage: ")
        .to_owned();
    out.extend_from_slice(format!(".TP\n\\fB{}\\fR\n", escape(&name)).as_bytes());
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        out.extend_from_slice(format!("{}\n.br\n", escape(&about.to_string())).as_bytes());
    }
    out.extend_from_slice(format!("Usage: {}\n", escape(&usage)).as_bytes());
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        option(out, arg);
    }
    for sub in cmd.get_subcommands() {
        subcommand(out, &name, sub);
    }
}

/// One option of a command in the overview page: its flags and values, then its help.
fn option(out: &mut Vec<u8>, arg: &clap::Arg) {
    let mut flags: Vec<String> = Vec::new();
    if let Some(short) = arg.get_short() {
        flags.push(format!("-{short}"));
    }
    if let Some(long) = arg.get_long() {
        flags.push(format!("--{long}"));
    }
    let values = arg
        .get_value_names()
        .map(|v| {
            v.iter()
                .map(|n| format!("<{n}>"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let head = match (flags.is_empty(), values.is_empty()) {
        (true, _) => values,
        (false, true) => flags.join(", "),
        (false, false) => format!("{} {values}", flags.join(", ")),
    };
    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_owned())
        .collect();
    let possible = if possible.is_empty() || !arg.get_action().takes_values() {
        String::new()
    } else {
        format!(" [possible values: {}]", possible.join(", "))
    };
    out.extend_from_slice(
        format!(
            ".RS\n.TP\n{}\n{}{}\n.RE\n",
            escape(&head),
            escape(&help),
            escape(&possible)
        )
        .as_bytes(),
    );
}
