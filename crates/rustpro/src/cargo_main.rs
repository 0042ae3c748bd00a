//! `cargo rustpro ...`: cargo runs `cargo-rustpro rustpro ...`; drop the repeated name.

// Syntax trees allocate many small nodes; mimalloc makes that markedly cheaper.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "rustpro") {
        args.remove(1);
    }
    rustpro::run(args)
}
