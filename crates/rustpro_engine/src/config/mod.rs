//! Configuration: `rustpro.toml` / `.rustpro.toml` at the workspace root, or
//! `[workspace.metadata.rustpro]` / `[package.metadata.rustpro]` in `Cargo.toml`, resolved
//! with the command line into [`Settings`]: which rules run, at which level, where.
//!
//! ```toml
//! select = ["errors", "unsafe"]        # rule names, categories, "pedantic" or "all"
//! ignore = ["ignored_error"]
//! exclude = ["src/generated/**"]       # globs relative to the workspace root
//! max-file-size = 10_000_000           # bytes; larger files are skipped with a note
//!
//! [rules]
//! unwrap_in_production = "deny"        # allow | warn | deny
//!
//! [rules.blocking_in_async]            # a table: optional `level` and the rule's options
//! extend-blocking-calls = ["my_crate::db::query_sync"]
//!
//! [[overrides]]
//! files = ["src/bin/**"]
//! rules = { unwrap_in_production = "allow" }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml_edit::{ImDocument, Item, Table};

use crate::diagnostic::Severity;
use crate::registry::{self, Selector};
use crate::rules::async_code::blocking_in_async::BUILTIN_BLOCKING_CALLS;
use crate::source::LineIndex;

/// The names of configuration files, in the order they are looked for.
pub const CONFIG_FILES: [&str; 2] = ["rustpro.toml", ".rustpro.toml"];

/// Files larger than this are skipped with a note unless configured otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// A configuration error: where it is and what to change.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line_col: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

// rustpro:allow(manual_error_impl) the engine keeps its dependencies few
impl std::error::Error for ConfigError {}

/// Settings given on the command line; they win over configuration files.
#[derive(Debug, Clone, Default)]
pub struct CliSettings {
    /// `--config FILE`: use this file instead of looking for one.
    pub config_file: Option<PathBuf>,
    /// `--select`: replaces the configured selection.
    pub select: Option<Vec<String>>,
    /// `--ignore`: added to the configured ignores.
    pub ignore: Vec<String>,
}

/// A rule's level as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleLevel {
    Allow,
    Warn,
    Deny,
}

impl RuleLevel {
    fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Allow => None,
            RuleLevel::Warn => Some(Severity::Warning),
            RuleLevel::Deny => Some(Severity::Error),
        }
    }
}

/// Where the configuration came from, for messages.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    pub path: PathBuf,
    /// The key prefix inside the file (`workspace.metadata.rustpro`), empty for rustpro.toml.
    pub prefix: &'static str,
}

/// Effective settings for one workspace.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Folder the `exclude` and `overrides` globs are relative to.
    pub root: PathBuf,
    /// Per rule (registry order): `None` when off.
    levels: Vec<Option<Severity>>,
    overrides: Vec<Override>,
    exclude: GlobSet,
    pub max_file_size: u64,
    pub source: Option<ConfigSource>,
    /// Options of individual rules.
    pub rule_options: RuleOptions,
}

/// Options of individual rules (`[rules.NAME]` tables), resolved once per workspace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleOptions {
    /// `blocking_in_async`: the calls that block, as paths (`std::thread::sleep`), module or
    /// type wildcards (`reqwest::blocking::*`) or name wildcards (`*::block_on`): the
    /// built-in list, or `blocking-calls`, plus `extend-blocking-calls`.
    pub blocking_calls: Vec<String>,
}

impl RuleOptions {
    /// The options when nothing is configured.
    pub fn builtin() -> &'static RuleOptions {
        static BUILTIN: LazyLock<RuleOptions> = LazyLock::new(|| RuleOptions {
            blocking_calls: BUILTIN_BLOCKING_CALLS.iter().map(|c| (*c).to_owned()).collect(),
        });
        &BUILTIN
    }
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions::builtin().clone()
    }
}

impl Settings {
    /// Defaults (every `warn` rule) with the command line applied; no configuration file.
    pub fn defaults(root: &Path, cli: &CliSettings) -> Result<Settings, ConfigError> {
        let cli_source = ConfigSource { path: PathBuf::from("--select/--ignore"), prefix: "" };
        resolve(root, Options::default(), cli, &cli_source, None)
    }

    /// The level of rule `index` (registry order) for a file, or `None` when the rule is off there.
    pub fn level(&self, index: usize, file: &Path) -> Option<Severity> {
        let mut level = self.levels.get(index).copied().flatten();
        if !self.overrides.is_empty() {
            let relative = file.strip_prefix(&self.root).unwrap_or(file);
            for (globs, levels) in &self.overrides {
                if globs.is_match(relative) {
                    for (rule, override_level) in levels {
                        if *rule == index {
                            level = *override_level;
                        }
                    }
                }
            }
        }
        level
    }

    /// Hashes every setting that changes what checking `file` gives, for the result cache:
    /// each rule's level there, the rule options and the size limit. A new setting that
    /// changes a file's findings belongs here.
    pub(crate) fn hash_for_file(&self, file: &Path, state: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        for index in 0..self.levels.len() {
            self.level(index, file).hash(state);
        }
        self.rule_options.hash(state);
        self.max_file_size.hash(state);
    }

    /// Whether a rule is on anywhere (globally or in an override).
    pub fn enabled_anywhere(&self, index: usize) -> bool {
        self.levels.get(index).copied().flatten().is_some()
            || self.overrides.iter().any(|(_, levels)| levels.iter().any(|(r, l)| *r == index && l.is_some()))
    }

    /// Whether a file is excluded by configuration.
    pub fn is_excluded(&self, file: &Path) -> bool {
        let relative = file.strip_prefix(&self.root).unwrap_or(file);
        self.exclude.is_match(relative)
    }
}

/// Rule levels for files matching globs.
type Override = (GlobSet, Vec<(usize, Option<Severity>)>);

/// Rule levels as written, for files matching the written globs.
type RawOverride = (Vec<Spanned<String>>, Vec<(Spanned<String>, RuleLevel)>);

/// The raw options of one configuration source.
#[derive(Debug, Default)]
struct Options {
    select: Option<Vec<Spanned<String>>>,
    ignore: Vec<Spanned<String>>,
    exclude: Vec<Spanned<String>>,
    max_file_size: Option<u64>,
    /// Rule levels of `[rules]`; `None` for a rule table that sets options only.
    rules: Vec<RuleEntry>,
    overrides: Vec<RawOverride>,
    /// `blocking-calls` of `[rules.blocking_in_async]`: replaces the built-in list.
    blocking_calls: Option<Vec<Spanned<String>>>,
    /// `extend-blocking-calls` of `[rules.blocking_in_async]`.
    extend_blocking_calls: Vec<Spanned<String>>,
}

#[derive(Debug, Clone)]
struct Spanned<T> {
    value: T,
    span: Option<std::ops::Range<usize>>,
}

/// Finds and reads the configuration for a workspace rooted at `root`, whose root manifest
/// is `manifest` (if any), and resolves it with the command line.
pub fn load(
    root: &Path,
    manifest: Option<(&Path, &str)>,
    cli: &CliSettings,
) -> Result<Settings, ConfigError> {
    let (path, text, prefix) = if let Some(path) = &cli.config_file {
        let text = std::fs::read_to_string(path).map_err(|err| ConfigError {
            path: path.clone(),
            line_col: None,
            message: format!("cannot read the configuration file: {err}"),
        })?;
        let prefix =
            if path.file_name().is_some_and(|n| n == "Cargo.toml") { metadata_prefix(&text) } else { "" };
        (path.clone(), text, prefix)
    } else if let Some(found) = CONFIG_FILES.iter().map(|name| root.join(name)).find(|p| p.is_file()) {
        let text = std::fs::read_to_string(&found).map_err(|err| ConfigError {
            path: found.clone(),
            line_col: None,
            message: format!("cannot read the configuration file: {err}"),
        })?;
        (found, text, "")
    } else if let Some((path, text)) = manifest.filter(|(_, text)| !metadata_prefix(text).is_empty()) {
        (path.to_path_buf(), text.to_owned(), metadata_prefix(text))
    } else {
        return Settings::defaults(root, cli);
    };
    let source = ConfigSource { path: path.clone(), prefix };
    let options =
        parse_options(&text, prefix).map_err(|(span, message)| locate(&path, &text, span, message))?;
    resolve(root, options, cli, &source, Some(&text))
}

/// `workspace.metadata.rustpro` or `package.metadata.rustpro` when the manifest has it.
fn metadata_prefix(manifest: &str) -> &'static str {
    // Most manifests never name rustpro: those need not be parsed here.
    if !manifest.contains("rustpro") {
        return "";
    }
    let Some(doc) = crate::project::parsed_manifest(manifest) else { return "" };
    let has = |section: &str| {
        doc.get(section).and_then(|s| s.get("metadata")).and_then(|m| m.get("rustpro")).is_some()
    };
    if has("workspace") {
        "workspace.metadata.rustpro"
    } else if has("package") {
        "package.metadata.rustpro"
    } else {
        ""
    }
}

fn locate(path: &Path, text: &str, span: Option<std::ops::Range<usize>>, message: String) -> ConfigError {
    let line_col = span.map(|span| {
        let index = LineIndex::new(text);
        let lc = index.line_col(text, span.start);
        (lc.line, lc.column)
    });
    ConfigError { path: path.to_path_buf(), line_col, message }
}

type ParseError = (Option<std::ops::Range<usize>>, String);

const TOP_KEYS: &[&str] = &["select", "ignore", "exclude", "max-file-size", "rules", "overrides"];
const OVERRIDE_KEYS: &[&str] = &["files", "rules"];

/// The option keys each rule's `[rules.NAME]` table takes besides `level`.
const RULE_OPTION_KEYS: &[(&str, &[&str])] =
    &[("blocking_in_async", &["blocking-calls", "extend-blocking-calls"])];

fn parse_options(text: &str, prefix: &str) -> Result<Options, ParseError> {
    let doc = ImDocument::parse(text)
        .map_err(|err| (err.span(), format!("invalid TOML: {}", err.message().trim())))?;
    let mut table: &Table = doc.as_table();
    for key in prefix.split('.').filter(|k| !k.is_empty()) {
        table = table
            .get(key)
            .and_then(Item::as_table)
            .ok_or_else(|| (None, format!("`{prefix}` must be a table")))?;
    }
    let mut options = Options::default();
    for (key, item) in table.iter() {
        let key_span = table.key(key).and_then(|k| k.span());
        match key {
            "select" => options.select = Some(string_list(item, key)?),
            "ignore" => options.ignore = string_list(item, key)?,
            "exclude" => options.exclude = string_list(item, key)?,
            "max-file-size" => {
                let size = item.as_integer().filter(|n| *n > 0).ok_or_else(|| {
                    (
                        item.span().or(key_span.clone()),
                        "`max-file-size` must be a positive number of bytes".to_owned(),
                    )
                })?;
                options.max_file_size = Some(size as u64);
            }
            "rules" => {
                let mut rule_options = RawRuleOptions::default();
                options.rules = rule_entries(item, Some(&mut rule_options))?;
                options.blocking_calls = rule_options.blocking_calls;
                options.extend_blocking_calls = rule_options.extend_blocking_calls;
            }
            "overrides" => {
                let Some(array) = item.as_array_of_tables() else {
                    return Err((
                        item.span(),
                        "`overrides` must be an array of tables: `[[overrides]]`".into(),
                    ));
                };
                for entry in array.iter() {
                    for (key, _) in entry.iter() {
                        if !OVERRIDE_KEYS.contains(&key) {
                            let span = entry.key(key).and_then(|k| k.span());
                            return Err((span, unknown("key in `[[overrides]]`", key, OVERRIDE_KEYS)));
                        }
                    }
                    let files =
                        entry.get("files").map(|i| string_list(i, "files")).transpose()?.ok_or_else(
                            || (entry.span(), "`[[overrides]]` needs `files = [..]`".to_owned()),
                        )?;
                    let rules = entry.get("rules").map(|r| rule_entries(r, None)).transpose()?;
                    let mut levels = Vec::new();
                    for (name, level) in rules.unwrap_or_default() {
                        let Some(level) = level else {
                            let message = format!("the override of `{}` needs a `level`", name.value);
                            return Err((name.span, message));
                        };
                        levels.push((name, level));
                    }
                    options.overrides.push((files, levels));
                }
            }
            _ => return Err((key_span, unknown("configuration key", key, TOP_KEYS))),
        }
    }
    Ok(options)
}

fn unknown(what: &str, name: &str, known: &[&str]) -> String {
    match did_you_mean(name, known.iter().copied()) {
        Some(best) => format!("unknown {what} `{name}`; did you mean `{best}`?"),
        None => format!("unknown {what} `{name}`; expected one of: {}", known.join(", ")),
    }
}

/// The closest known name, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

fn string_list(item: &Item, key: &str) -> Result<Vec<Spanned<String>>, ParseError> {
    let Some(array) = item.as_array() else {
        return Err((item.span(), format!("`{key}` must be an array of strings")));
    };
    array
        .iter()
        .map(|value| match value.as_str() {
            Some(text) => Ok(Spanned { value: text.to_owned(), span: value.span() }),
            None => Err((value.span(), format!("`{key}` must hold strings"))),
        })
        .collect()
}

/// A rule named in a `rules` table, with its level if the entry sets one.
type RuleEntry = (Spanned<String>, Option<RuleLevel>);

/// Rule options as written, before they are resolved.
#[derive(Debug, Default)]
struct RawRuleOptions {
    blocking_calls: Option<Vec<Spanned<String>>>,
    extend_blocking_calls: Vec<Spanned<String>>,
}

/// The entries of a `rules` table: `name = "level"` or `name = { level = "..", option = .. }`
/// (also written as a `[rules.name]` table). Options are read into `options`; where that is
/// `None` (per-path overrides), a rule table may only hold `level`.
fn rule_entries(item: &Item, mut options: Option<&mut RawRuleOptions>) -> Result<Vec<RuleEntry>, ParseError> {
    let Some(table) = item.as_table_like() else {
        return Err((
            item.span(),
            "`rules` must be a table of `rule_name = \"allow\" | \"warn\" | \"deny\"`".into(),
        ));
    };
    let mut out = Vec::new();
    for (name, value) in table.iter() {
        let span = table.key(name).and_then(|k| k.span());
        let Some(entry) = value.as_table_like() else {
            out.push((
                Spanned { value: name.to_owned(), span: span.clone() },
                Some(level_of(name, value, span)?),
            ));
            continue;
        };
        if registry::index_of(name).is_none() {
            return Err((span, registry::unknown_rule_message(name)));
        }
        let option_keys = match options {
            Some(_) => {
                RULE_OPTION_KEYS.iter().find(|(rule, _)| *rule == name).map_or(&[][..], |(_, keys)| *keys)
            }
            None => &[],
        };
        let mut level = None;
        for (key, option) in entry.iter() {
            let key_span = entry.key(key).and_then(|k| k.span()).or(span.clone());
            if key == "level" {
                level = Some(level_of(name, option, key_span)?);
                continue;
            }
            let Some(raw) = options.as_deref_mut().filter(|_| option_keys.contains(&key)) else {
                let known: Vec<&str> = std::iter::once("level").chain(option_keys.iter().copied()).collect();
                let message = if options.is_none()
                    && RULE_OPTION_KEYS.iter().any(|(_, keys)| keys.contains(&key))
                {
                    format!(
                        "rule options apply to the whole workspace: set `{key}` under `[rules.{name}]`, not in `[[overrides]]`"
                    )
                } else {
                    match did_you_mean(key, known.iter().copied()) {
                        Some(best) => {
                            format!("unknown key `{key}` in `[rules.{name}]`; did you mean `{best}`?")
                        }
                        None => format!(
                            "unknown key `{key}` in `[rules.{name}]`; expected one of: {}",
                            known.join(", ")
                        ),
                    }
                };
                return Err((key_span, message));
            };
            let calls = call_paths(option, key)?;
            match key {
                "blocking-calls" => raw.blocking_calls = Some(calls),
                _ => raw.extend_blocking_calls.extend(calls),
            }
        }
        out.push((Spanned { value: name.to_owned(), span }, level));
    }
    Ok(out)
}

fn level_of(name: &str, value: &Item, span: Option<std::ops::Range<usize>>) -> Result<RuleLevel, ParseError> {
    match value.as_str() {
        Some("allow") => Ok(RuleLevel::Allow),
        Some("warn") => Ok(RuleLevel::Warn),
        Some("deny") => Ok(RuleLevel::Deny),
        _ => Err((
            value.span().or(span),
            format!("the level of `{name}` must be \"allow\", \"warn\" or \"deny\""),
        )),
    }
}

/// A list of call paths: `a::b::f`, `a::b::*` (everything below `a::b`) or `*::f` (anything
/// named `f`).
fn call_paths(item: &Item, key: &str) -> Result<Vec<Spanned<String>>, ParseError> {
    let paths = string_list(item, key)?;
    for path in &paths {
        if !is_call_pattern(&path.value) {
            return Err((
                path.span.clone(),
                format!(
                    "`{}` is not a call path: write `my_crate::db::query_sync`, `my_crate::sync_api::*` \
                     or `*::query_sync`",
                    path.value
                ),
            ));
        }
    }
    Ok(paths)
}

fn is_call_pattern(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches("::").split("::").collect();
    let is_ident = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    let last = segments.len() - 1;
    segments.len() >= 2
        && segments.iter().enumerate().all(|(i, s)| is_ident(s) || (*s == "*" && (i == 0 || i == last)))
        && !(segments[0] == "*" && segments[last] == "*")
}

fn resolve(
    root: &Path,
    options: Options,
    cli: &CliSettings,
    source: &ConfigSource,
    text: Option<&str>,
) -> Result<Settings, ConfigError> {
    let located = |span: Option<std::ops::Range<usize>>, message: String| match text {
        Some(text) => locate(&source.path, text, span, message),
        None => ConfigError { path: source.path.clone(), line_col: None, message },
    };
    let rules = registry::all();
    let selectors = |names: &[Spanned<String>]| -> Result<Vec<Selector>, ConfigError> {
        names
            .iter()
            .map(|n| Selector::parse(&n.value).map_err(|err| located(n.span.clone(), err.message)))
            .collect()
    };
    let cli_selectors = |names: &[String]| -> Result<Vec<Selector>, ConfigError> {
        names
            .iter()
            .map(|n| {
                Selector::parse(n).map_err(|err| ConfigError {
                    path: PathBuf::from("--select/--ignore"),
                    line_col: None,
                    message: err.message,
                })
            })
            .collect()
    };
    let mut levels: Vec<Option<Severity>> = match (&cli.select, &options.select) {
        (Some(cli_select), _) => enabled_by(&cli_selectors(cli_select)?),
        (None, Some(select)) => enabled_by(&selectors(select)?),
        (None, None) => rules
            .iter()
            .map(|r| (r.meta().default_level == crate::rule::DefaultLevel::Warn).then_some(Severity::Warning))
            .collect(),
    };
    let mut ignored = selectors(&options.ignore)?;
    ignored.extend(cli_selectors(&cli.ignore)?);
    for (index, rule) in rules.iter().enumerate() {
        if ignored.iter().any(|s| s.matches(rule.meta())) {
            levels[index] = None;
        }
    }
    // `--select` has the last word on which rules run: a configured level then only changes
    // how a selected rule reports (or turns it off), it never adds one.
    let selected_on_cli = cli.select.as_ref().map(|_| levels.iter().map(Option::is_some).collect::<Vec<_>>());
    let adds = |index: usize| selected_on_cli.as_ref().is_none_or(|selected| selected[index]);
    for (name, level) in &options.rules {
        let index = rule_index(name, &located)?;
        if let Some(level) = level
            && adds(index)
        {
            levels[index] = level.severity();
        }
    }
    // The command line has the last word on what is ignored.
    let cli_ignored = cli_selectors(&cli.ignore)?;
    for (index, rule) in rules.iter().enumerate() {
        if cli_ignored.iter().any(|s| s.matches(rule.meta())) {
            levels[index] = None;
        }
    }
    let mut overrides = Vec::new();
    for (files, rule_levels) in &options.overrides {
        let globs = glob_set(files, &located)?;
        let mut levels = Vec::new();
        for (name, level) in rule_levels {
            let index = rule_index(name, &located)?;
            if adds(index) || level.severity().is_none() {
                levels.push((index, level.severity()));
            }
        }
        overrides.push((globs, levels));
    }
    Ok(Settings {
        root: root.to_path_buf(),
        levels,
        overrides,
        exclude: glob_set(&options.exclude, &located)?,
        max_file_size: options.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        source: text.map(|_| source.clone()),
        rule_options: rule_options(&options),
    })
}

fn rule_options(options: &Options) -> RuleOptions {
    let mut blocking_calls: Vec<String> = match &options.blocking_calls {
        Some(calls) => calls.iter().map(|c| c.value.trim_start_matches("::").to_owned()).collect(),
        None => RuleOptions::builtin().blocking_calls.clone(),
    };
    for call in &options.extend_blocking_calls {
        let call = call.value.trim_start_matches("::");
        if !blocking_calls.iter().any(|c| c == call) {
            blocking_calls.push(call.to_owned());
        }
    }
    RuleOptions { blocking_calls }
}

fn enabled_by(selectors: &[Selector]) -> Vec<Option<Severity>> {
    registry::all()
        .iter()
        .map(|r| selectors.iter().any(|s| s.matches(r.meta())).then_some(Severity::Warning))
        .collect()
}

fn rule_index(
    name: &Spanned<String>,
    located: &dyn Fn(Option<std::ops::Range<usize>>, String) -> ConfigError,
) -> Result<usize, ConfigError> {
    registry::index_of(&name.value)
        .ok_or_else(|| located(name.span.clone(), registry::unknown_rule_message(&name.value)))
}

fn glob_set(
    patterns: &[Spanned<String>],
    located: &dyn Fn(Option<std::ops::Range<usize>>, String) -> ConfigError,
) -> Result<GlobSet, ConfigError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(&pattern.value).map_err(|err| {
            located(pattern.span.clone(), format!("invalid glob `{}`: {err}", pattern.value))
        })?;
        builder.add(glob);
        // `dir` and `dir/` also mean everything below the folder. Appending `/**` to a valid
        // glob keeps it valid, so this cannot fail where the pattern itself did not.
        let below = format!("{}/**", pattern.value.trim_end_matches('/'));
        let below = Glob::new(&below).map_err(|err| {
            located(pattern.span.clone(), format!("invalid glob `{}`: {err}", pattern.value))
        })?;
        builder.add(below);
    }
    builder.build().map_err(|err| located(None, format!("invalid globs: {err}")))
}

#[cfg(test)]
mod tests;
