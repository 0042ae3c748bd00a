#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use super::{CacheOptions, store};
use crate::rule::DeferredData;
use crate::{CheckRequest, Outcome, check};

fn run(root: &Path, cache: Option<CacheOptions>) -> Outcome {
    check(&CheckRequest { paths: vec![root.to_path_buf()], cache, ..CheckRequest::default() }).expect("check")
}

/// The findings in source files.
fn summary(outcome: &Outcome) -> Vec<(PathBuf, &'static str, String)> {
    outcome
        .findings
        .iter()
        .filter(|f| f.path.extension().is_some_and(|x| x == "rs"))
        .map(|f| (f.path.clone(), f.rule, f.message.clone()))
        .collect()
}

/// A forged entry (the record of another file under `lib.rs`'s keys) is used under the key
/// it was written with, which shows the check below can see a cached record, and ignored
/// under any other program key.
#[test]
fn entries_of_another_program_are_never_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache_dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    fs::write(root.join("Cargo.toml"), "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
        .expect("write");
    fs::create_dir_all(root.join("src")).expect("mkdir");
    fs::write(root.join("src/lib.rs"), "mod quiet;\npub fn f(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n")
        .expect("write");
    fs::write(root.join("src/quiet.rs"), "pub fn g() {}\n").expect("write");
    let options = |program_key| CacheOptions { program_key, user_dir: Some(cache_dir.path().to_path_buf()) };
    let expected = summary(&run(&root, None));
    assert!(expected.iter().any(|(_, rule, _)| *rule == "unwrap_in_production"), "{expected:?}");
    run(&root, Some(options(1)));

    let locations = store::locations(&root, Some(cache_dir.path()));
    let bytes = store::read(&locations, 1);
    let mut entries = store::decode(&bytes).expect("entries");
    let quiet = entries.iter().find(|e| e.path.ends_with("quiet.rs")).expect("quiet.rs").record;
    for entry in entries.iter_mut().filter(|e| e.path.ends_with("lib.rs")) {
        entry.record = quiet;
    }
    assert!(store::write(&locations, 1, &entries));

    let forged = run(&root, Some(options(1)));
    assert!(summary(&forged).is_empty(), "the forged entry was not used: {:?}", summary(&forged));
    assert!(store::write(&locations, 1, &entries));
    let other = run(&root, Some(options(2)));
    assert_eq!(summary(&other), expected);
    assert_eq!(other.cache.hits, 0);
}

#[test]
fn kept_values_come_back_as_their_own_type_only() {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    enum Kept {
        Trait { name: String, line: usize },
        Dyn(String),
    }
    let values = [Kept::Trait { name: "Shapes".into(), line: 3 }, Kept::Dyn("Shapes".into())];
    for value in values {
        let kept = DeferredData::new(value);
        let (kind, bytes) = kept.encoded().expect("encodes");
        let stored = DeferredData::stored(kind.to_owned(), bytes.into_owned());
        assert_eq!(stored.get::<Kept>(), kept.get::<Kept>());
        assert!(stored.get::<Kept>().is_some());
        assert_eq!(stored.get::<String>(), None);
    }
}
