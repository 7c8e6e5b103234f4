//! `isms completions` and `isms man`: generated from the command-line definition, so they
//! never fall behind it.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::EXIT_OK;
use crate::exit::Failure;
use crate::output;

pub fn completions(shell: clap_complete::Shell) -> Result<u8, Failure> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "isms", &mut out);
    output::emit(None, &out)?;
    Ok(EXIT_OK)
}

pub fn man(path: Option<&Path>) -> Result<u8, Failure> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut out)
        .and_then(|()| man.render_name_section(&mut out))
        .and_then(|()| man.render_synopsis_section(&mut out))
        .and_then(|()| man.render_description_section(&mut out))
        .and_then(|()| man.render_options_section(&mut out))
        .map_err(|e| Failure::Io(format!("cannot render the manual page: {e}")))?;
    // One section for every subcommand (and nested ones), with its synopsis and options.
    out.extend_from_slice(b".SH COMMANDS\n");
    for sub in cmd.get_subcommands() {
        subcommand(&mut out, "isms", sub);
    }
    man.render_version_section(&mut out)
        .map_err(|e| Failure::Io(format!("cannot render the manual page: {e}")))?;
    output::emit(path, &out)?;
    Ok(EXIT_OK)
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
    for sub in cmd.get_subcommands() {
        subcommand(out, &name, sub);
    }
}
