//! The whole pipeline over one fuzzed text: parse, every rule, every fix, re-parse, every
//! report format. The first input byte picks the edition, the target and the fix level
//! (`rustpro_engine::fix::sandbox::Input::from_bytes`).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rustpro_engine::fix::sandbox::{Input, Sandbox};

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        // Runs only read the package's files from memory, so processes can share it.
        let dir = std::env::temp_dir().join("rustpro-fuzz-sandbox");
        match Sandbox::create(&dir) {
            Ok(sandbox) => sandbox,
            Err(err) => panic!("cannot create the sandbox package in {}: {err}", dir.display()),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    if let Err(failure) = sandbox().run(&Input::from_bytes(data)) {
        panic!("{failure}");
    }
});
