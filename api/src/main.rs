//! The `markaz` binary: everything lives in the library (`markaz_api::cli`).

/// mimalloc instead of the system allocator: a request allocates and frees
/// many small buffers on whichever worker thread runs it, and glibc's malloc
/// spent about a tenth of the server's CPU time under load (see
/// `docs/benchmarks.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    markaz_api::cli::main()
}
