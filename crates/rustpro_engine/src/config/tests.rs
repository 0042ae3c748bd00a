use std::fs;

use super::*;

fn settings(text: &str) -> Result<Settings, ConfigError> {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("rustpro.toml"), text).expect("write");
    load(dir.path(), None, &CliSettings::default())
}

fn index(name: &str) -> usize {
    registry::index_of(name).expect("a rule")
}

#[test]
fn defaults_enable_warn_rules() {
    let settings = Settings::defaults(Path::new("/x"), &CliSettings::default()).expect("defaults");
    let file = Path::new("/x/src/lib.rs");
    assert_eq!(settings.level(index("unwrap_in_production"), file), Some(Severity::Warning));
}

#[test]
fn select_ignore_levels_and_overrides() {
    let settings = settings(
        "select = [\"errors\"]\nignore = [\"expect_in_production\"]\nexclude = [\"generated\"]\n\
         [rules]\nunwrap_in_production = \"deny\"\nundocumented_unsafe_block = { level = \"warn\" }\n\
         [[overrides]]\nfiles = [\"src/bin/**\"]\nrules = { unwrap_in_production = \"allow\" }\n",
    )
    .expect("valid");
    let root = settings.root.clone();
    let lib = root.join("src/lib.rs");
    assert_eq!(settings.level(index("unwrap_in_production"), &lib), Some(Severity::Error));
    assert_eq!(settings.level(index("expect_in_production"), &lib), None);
    assert_eq!(settings.level(index("undocumented_unsafe_block"), &lib), Some(Severity::Warning));
    assert_eq!(settings.level(index("unwrap_in_production"), &root.join("src/bin/tool.rs")), None);
    assert!(settings.enabled_anywhere(index("unwrap_in_production")));
    assert!(settings.is_excluded(&root.join("generated/a.rs")));
    assert!(!settings.is_excluded(&lib));
}

#[test]
fn unknown_keys_and_rules_say_where_and_suggest() {
    let err = settings("selct = [\"all\"]\n").expect_err("unknown key");
    assert_eq!(err.line_col, Some((1, 1)));
    assert!(err.message.contains("did you mean `select`?"), "{}", err.message);
    let err = settings("\n[rules]\nunwrap_in_prod = \"deny\"\n").expect_err("unknown rule");
    assert_eq!(err.line_col, Some((3, 1)));
    assert!(err.message.contains("did you mean `unwrap_in_production`?"), "{}", err.message);
    let err = settings("select = [\"eror\"]").expect_err("unknown selector");
    assert!(err.message.contains("did you mean `errors`?"), "{}", err.message);
    let err = settings("[rules]\nunwrap_in_production = \"loud\"\n").expect_err("bad level");
    assert!(err.message.contains("\"allow\", \"warn\" or \"deny\""), "{}", err.message);
    let err = settings("select = \"all\"").expect_err("not a list");
    assert!(err.message.contains("array of strings"), "{}", err.message);
    let err = settings("select = [").expect_err("bad toml");
    assert!(err.message.starts_with("invalid TOML"), "{}", err.message);
}

#[test]
fn command_line_wins() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("rustpro.toml"), "[rules]\nunwrap_in_production = \"deny\"\n").expect("write");
    let cli = CliSettings { ignore: vec!["unwrap_in_production".into()], ..Default::default() };
    let settings = load(dir.path(), None, &cli).expect("valid");
    assert_eq!(settings.level(index("unwrap_in_production"), &dir.path().join("src/lib.rs")), None);
    let cli = CliSettings { select: Some(vec!["unsafe".into()]), ..Default::default() };
    let settings = load(dir.path(), None, &cli).expect("valid");
    let lib = dir.path().join("src/lib.rs");
    assert_eq!(settings.level(index("undocumented_unsafe_block"), &lib), Some(Severity::Warning));
    assert_eq!(settings.level(index("expect_in_production"), &lib), None);
}

#[test]
fn manifest_metadata_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = "[package]\nname = \"p\"\n\n[package.metadata.rustpro]\nignore = [\"unsafe\"]\n";
    let path = dir.path().join("Cargo.toml");
    let settings = load(dir.path(), Some((&path, manifest)), &CliSettings::default()).expect("valid");
    let lib = dir.path().join("src/lib.rs");
    assert_eq!(settings.level(index("undocumented_unsafe_block"), &lib), None);
    assert_eq!(settings.level(index("unwrap_in_production"), &lib), Some(Severity::Warning));
    let bad = "[workspace]\n[workspace.metadata.rustpro]\nrulez = {}\n";
    let err = load(dir.path(), Some((&path, bad)), &CliSettings::default()).expect_err("unknown key");
    assert_eq!(err.line_col, Some((3, 1)));
    assert!(err.message.contains("did you mean `rules`?"), "{}", err.message);
}

#[test]
fn rule_tables_set_levels_and_options() {
    let builtin = &RuleOptions::builtin().blocking_calls;
    assert!(builtin.iter().any(|c| c == "std::thread::sleep"));
    let plain = settings("[rules]\nblocking_in_async = \"deny\"\n").expect("valid");
    let lib = plain.root.join("src/lib.rs");
    assert_eq!(plain.level(index("blocking_in_async"), &lib), Some(Severity::Error));
    assert_eq!(&plain.rule_options.blocking_calls, builtin);

    let extended = settings(
        "[rules.blocking_in_async]\nextend-blocking-calls = [\"my_crate::db::query_sync\", \"::legacy::*\"]\n",
    )
    .expect("valid");
    // A table without `level` keeps the default level.
    assert_eq!(extended.level(index("blocking_in_async"), &lib), Some(Severity::Warning));
    assert_eq!(extended.rule_options.blocking_calls.len(), builtin.len() + 2);
    assert!(extended.rule_options.blocking_calls.iter().any(|c| c == "legacy::*"));

    let replaced =
        settings("[rules]\nblocking_in_async = { level = \"deny\", blocking-calls = [\"*::query_sync\"] }\n")
            .expect("valid");
    assert_eq!(replaced.level(index("blocking_in_async"), &lib), Some(Severity::Error));
    assert_eq!(replaced.rule_options.blocking_calls, vec!["*::query_sync".to_owned()]);
}

#[test]
fn bad_rule_options_say_where_and_suggest() {
    let err = settings("[rules.blocking_in_async]\nextend-blocking-call = [\"a::b\"]\n").expect_err("typo");
    assert_eq!(err.line_col, Some((2, 1)));
    assert!(err.message.contains("did you mean `extend-blocking-calls`?"), "{}", err.message);
    let err = settings("[rules.unwrap_in_production]\nlevel = \"deny\"\nfoo = 1\n").expect_err("no options");
    assert_eq!(err.line_col, Some((3, 1)));
    assert!(err.message.contains("unknown key `foo`"), "{}", err.message);
    let err =
        settings("[rules.blocking_in_async]\nextend-blocking-calls = [\"sleep\"]\n").expect_err("no path");
    assert_eq!(err.line_col, Some((2, 26)));
    assert!(err.message.contains("is not a call path"), "{}", err.message);
    let err = settings("[rules.blocking_in_async]\nblocking-calls = \"a::b\"\n").expect_err("not a list");
    assert!(err.message.contains("array of strings"), "{}", err.message);
    let err = settings("[rules.blocking_in_asink]\nlevel = \"deny\"\n").expect_err("unknown rule");
    assert_eq!(err.line_col, Some((1, 8)));
    assert!(err.message.contains("did you mean `blocking_in_async`?"), "{}", err.message);
    let err = settings(
        "[[overrides]]\nfiles = [\"src/**\"]\nrules = { blocking_in_async = { extend-blocking-calls = [\"a::b\"] } }\n",
    )
    .expect_err("options per path");
    assert!(err.message.contains("apply to the whole workspace"), "{}", err.message);
    let err = settings("[[overrides]]\nfiles = [\"src/**\"]\nrules = { blocking_in_async = {} }\n")
        .expect_err("no level");
    assert!(err.message.contains("needs a `level`"), "{}", err.message);
}

#[test]
fn configured_levels_never_add_to_a_command_line_selection() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("rustpro.toml"),
        "[rules]\nuntested_public_fn = \"warn\"\nunwrap_in_production = \"deny\"\n\
         [[overrides]]\nfiles = [\"src/**\"]\nrules = { missing_deny_config = \"warn\" }\n",
    )
    .expect("write");
    let cli = CliSettings { select: Some(vec!["unwrap_in_production".to_owned()]), ..Default::default() };
    let settings = load(dir.path(), None, &cli).expect("valid");
    let lib = settings.root.join("src/lib.rs");
    assert_eq!(settings.level(index("unwrap_in_production"), &lib), Some(Severity::Error));
    assert_eq!(settings.level(index("untested_public_fn"), &lib), None);
    assert_eq!(settings.level(index("missing_deny_config"), &lib), None);
    // Without `--select`, the configuration turns them on.
    let settings = load(dir.path(), None, &CliSettings::default()).expect("valid");
    assert_eq!(settings.level(index("untested_public_fn"), &lib), Some(Severity::Warning));
    assert_eq!(settings.level(index("missing_deny_config"), &lib), Some(Severity::Warning));
}
