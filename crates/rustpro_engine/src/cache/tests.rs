#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use super::{CacheOptions, store};
use crate::diagnostic::ProblemKind;
use crate::rule::DeferredData;
use crate::{CheckRequest, Outcome, check};

fn run(root: &Path, cache: Option<CacheOptions>) -> Outcome {
    check(&CheckRequest { paths: vec![root.to_path_buf()], cache, ..CheckRequest::default() }).expect("check")
}

/// A package `p` (edition 2021) with `files`, and a cache folder: the folders (kept alive)
/// and the package's canonical path.
fn package(files: &[(&str, &str)]) -> (tempfile::TempDir, tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache_dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    fs::write(root.join("Cargo.toml"), "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
        .expect("write");
    for (path, text) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }
    (dir, cache_dir, root)
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
    let (_dir, cache_dir, root) = package(&[
        ("src/lib.rs", "mod quiet;\npub fn f(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n"),
        ("src/quiet.rs", "pub fn g() {}\n"),
    ]);
    let options = |program_key| CacheOptions::new(program_key, Some(cache_dir.path().to_path_buf()));
    let expected = summary(&run(&root, None));
    assert!(expected.iter().any(|(_, rule, _)| *rule == "unwrap_in_production"), "{expected:?}");
    run(&root, Some(options(1)));

    let locations = store::locations(&root, Some(cache_dir.path()));
    let file = store::read(&locations, 1);
    let items = file.items.bytes().expect("items").clone();
    let mut entries = store::decode(&file.entries).expect("entries");
    let quiet = *entries.iter().find(|e| e.path.ends_with("quiet.rs")).expect("quiet.rs");
    for entry in entries.iter_mut().filter(|e| e.path.ends_with("lib.rs")) {
        entry.record = quiet.record;
        entry.items = quiet.items;
    }
    assert!(store::write(&locations, 1, &entries, &items));

    let forged = run(&root, Some(options(1)));
    assert!(summary(&forged).is_empty(), "the forged entry was not used: {:?}", summary(&forged));
    assert!(store::write(&locations, 1, &entries, &items));
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
        // Stored values are read in place, from a cache file in memory.
        let mut file = b"header".to_vec();
        file.extend_from_slice(&bytes);
        file.extend_from_slice(b"next entry");
        let stored = DeferredData::stored(kind, std::sync::Arc::from(file), 6..6 + bytes.len());
        assert_eq!(stored.get::<Kept>(), kept.get::<Kept>());
        assert!(stored.get::<Kept>().is_some());
        assert_eq!(stored.get::<String>(), None);
    }
}

/// The items a cached file kept for the workspace stage are read and decoded only when the
/// stages run; items that cannot be (they do not decode, or their section is damaged) give
/// one problem per file, the rest of the run goes on, no stage results are kept from that
/// run, and the next run checks those files again.
#[test]
fn stored_items_are_read_when_the_stages_run_and_unreadable_ones_are_checked_again() {
    let (_dir, cache_dir, root) = package(&[
        ("src/lib.rs", "mod shapes;\npub fn f(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n"),
        // `boxed_return_in_trait` keeps the trait for the workspace stage.
        (
            "src/shapes.rs",
            "pub trait Shapes {\n    fn items(&self) -> Box<dyn Iterator<Item = u8> + '_>;\n}\n",
        ),
    ]);
    let options = CacheOptions::new(1, Some(cache_dir.path().to_path_buf()));
    let expected = summary(&run(&root, None));
    assert!(expected.iter().any(|(_, rule, _)| *rule == "boxed_return_in_trait"), "{expected:?}");
    run(&root, Some(options.clone()));
    let forget_stages = || {
        for path in store::stage_locations(&[root.as_path()], Some(cache_dir.path())) {
            let _ = fs::remove_file(path);
        }
    };

    // Every file from the cache, the stages run again: the stored items are decoded.
    forget_stages();
    let decoded = run(&root, Some(options.clone()));
    assert_eq!((decoded.cache.hits, decoded.cache.misses, decoded.cache.stages_reused), (2, 0, false));
    assert_eq!(summary(&decoded), expected);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);

    // Items that do not decode (three items, the first one cut short), for one file.
    let locations = store::locations(&root, Some(cache_dir.path()));
    let file = store::read(&locations, 1);
    let mut items = file.items.bytes().expect("items").to_vec();
    let mut entries = store::decode(&file.entries).expect("entries");
    for entry in entries.iter_mut().filter(|e| e.path.ends_with("shapes.rs")) {
        entry.items.start = items.len() as u64;
        entry.items.len = 3;
        items.extend_from_slice(&[3, 0xff, 0xff]);
    }
    assert!(store::write(&locations, 1, &entries, &items));
    forget_stages();
    let broken = run(&root, Some(options.clone()));
    assert_eq!(broken.cache.hits, 2);
    let problems: Vec<_> =
        broken.problems.iter().map(|p| (p.kind, p.path.ends_with("src/shapes.rs"))).collect();
    assert_eq!(problems, [(ProblemKind::Internal, true)], "{:?}", broken.problems);
    assert!(summary(&broken).iter().all(|(_, rule, _)| *rule != "boxed_return_in_trait"));
    assert!(summary(&broken).iter().any(|(_, rule, _)| *rule == "unwrap_in_production"));
    // Stage results made without the file's items were not kept, and the file is checked
    // again.
    let again = run(&root, Some(options.clone()));
    assert!(!again.cache.stages_reused);
    assert_eq!((again.cache.hits, again.cache.misses), (1, 1));
    assert_eq!(summary(&again), expected);
    assert!(again.problems.is_empty(), "{:?}", again.problems);

    // A damaged items section: unread while the stage results are reused; reported (and
    // its entries dropped) when the stages need it.
    let [cache_file] = store::locations(&root, Some(cache_dir.path())).try_into().expect("one location");
    let mut bytes = fs::read(&cache_file).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    fs::write(&cache_file, &bytes).expect("damage");
    let unread = run(&root, Some(options.clone()));
    assert!(unread.cache.stages_reused);
    assert_eq!(summary(&unread), expected);
    forget_stages();
    let broken = run(&root, Some(options.clone()));
    let problems: Vec<_> =
        broken.problems.iter().map(|p| (p.kind, p.path.ends_with("src/shapes.rs"))).collect();
    assert_eq!(problems, [(ProblemKind::Internal, true)], "{:?}", broken.problems);
    assert_eq!(broken.cache.files_written, 1);
    let again = run(&root, Some(options));
    assert_eq!((again.cache.hits, again.cache.misses), (1, 1));
    assert_eq!(summary(&again), expected);
    assert!(again.problems.is_empty(), "{:?}", again.problems);
}

/// Items a file walk kept are held encoded in memory until the workspace stage: they come
/// back as they were, values, edits and hash alike, and an item the walk kept for another
/// file (which cannot be encoded as this file's) is refused.
#[test]
fn items_held_in_memory_come_back_as_they_were_kept() {
    use std::sync::Arc;

    use crate::diagnostic::{Applicability, Edit, Fix, Origin};
    use crate::rule::{Deferred, KeptEdits};

    let path: Arc<Path> = Arc::from(Path::new("/p/src/lib.rs"));
    let fix = Fix {
        title: "t".into(),
        applicability: Applicability::Unsafe,
        edits: vec![Edit { path: path.to_path_buf(), range: 3..5, replacement: "x".into() }],
    };
    let item = |value: (String, u32), fix: Option<Fix>| Deferred {
        path: path.clone(),
        package: 0,
        finding: None,
        kept_edits: KeptEdits::made(fix, &path),
        data: DeferredData::new(value),
    };
    let items = vec![(1, item(("A".into(), 7), Some(fix.clone()))), (2, item(("B".into(), 9), None))];
    let bytes = super::encode_items(&items, &path).expect("encodes");
    let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
    let stored = super::StoredItems::in_memory(bytes);
    assert_eq!(stored.hash(), hash);
    let origin = Arc::new(Origin {
        package: "p".into(),
        version: None,
        manifest_path: "/p/Cargo.toml".into(),
        target_kind: crate::project::TargetKind::Lib,
        target_name: "p".into(),
        target_root: "/p/src/lib.rs".into(),
        edition: "2021",
    });
    let back = stored.decode(&path, 0, &origin).expect("decodes");
    assert_eq!(back.len(), 2);
    for ((rule, kept), (back_rule, back)) in items.iter().zip(&back) {
        assert_eq!(rule, back_rule);
        assert_eq!(kept.data.get::<(String, u32)>(), back.data.get::<(String, u32)>());
        assert_eq!(format!("{:?}", kept.edits()), format!("{:?}", back.edits()));
    }
    assert_eq!(back[0].1.edits().map(|f| f.edits[0].range.clone()), Some(3..5));
    let elsewhere = Deferred { path: Arc::from(Path::new("/p/src/other.rs")), ..item(("C".into(), 1), None) };
    assert!(super::encode_items(&[(1, elsewhere)], &path).is_none());
}
