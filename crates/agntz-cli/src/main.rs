//! `agntz`: the command-line tool for the Agntz agent worker.
//!
//! Runs published agents (to completion or streamed), follows, starts and
//! cancels durable runs, reads traces, runs evals and publishes manifests,
//! with the official CLI's commands, flags, JSON output and credentials
//! file. See `agntz --help`.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod config;
mod error;
mod output;
mod raw;
mod stream;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Usage errors exit with 2, `--help` and `--version` with 0 (clap).
    let cli = cli::Cli::parse();
    let styles = output::Styles::detect();
    match commands::dispatch(cli, styles) {
        Ok(exit) => exit.into(),
        Err(error) => {
            error.report(&styles);
            error.exit.into()
        }
    }
}
