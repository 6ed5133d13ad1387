//! `cargo xtask`: the infoflow lab's command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    xtask::lab::cli::main_with(std::env::args_os(), &xtask::experiments::registry())
}
