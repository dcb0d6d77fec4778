//! The `capsim` binary: parse arguments, run, map errors to exit codes.

fn main() {
    let code = match capsim::cli::main() {
        Ok(()) => 0,
        Err(capsim::error::Error::ClosedPipe) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
