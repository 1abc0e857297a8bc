//! The `markaz` binary: everything lives in the library (`markaz_api::cli`).

fn main() -> std::process::ExitCode {
    markaz_api::cli::main()
}
