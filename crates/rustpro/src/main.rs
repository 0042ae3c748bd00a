//! `rustpro`: a senior Rust reviewer as a command-line tool.

// Syntax trees allocate many small nodes; mimalloc makes that markedly cheaper.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rustpro::run(std::env::args_os())
}
