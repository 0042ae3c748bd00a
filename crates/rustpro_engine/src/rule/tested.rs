//! What test code names, per package: the facts behind the testing rules and the counts of
//! `--statistics`. Gathered during the one walk of every file, whatever rules are selected,
//! and cheap: test code is scanned token by token on the green tree (nothing allocated but
//! the names), doc comments line by line.
//!
//! Test code here is code that `cargo test` runs: test targets, `#[cfg(test)]` and
//! `#[test]`-like items of libraries and binaries, and runnable doc tests of a library.
//! Examples, benchmarks and build scripts are not (cargo only builds them).
//!
//! Naming is by name only: an identifier anywhere in test code (a path segment, a call, a
//! method call, a macro argument, an import) names every function of that name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::project::{Package, TargetKind, normalize};
use crate::source::parse::{SyntaxKind, SyntaxNode, for_each_token_around};
use crate::source::text::{text_contains, text_find};

/// A set of identifiers. Hundreds of thousands of short names are gathered, stored in the
/// result cache and merged per package on every run: a fast non-cryptographic hash.
pub(crate) type Names = rustc_hash::FxHashSet<String>;

/// What one file adds to its package's test facts (and, merged, what a package has). The
/// result cache keeps a file's part with the rest of its results.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct TestFacts {
    /// Identifiers used in test code.
    pub names: Names,
    /// The library's public functions (see `untested_public_fn`).
    pub public_fns: Vec<PublicFn>,
    /// The names of the library's public types, for methods implemented in other files.
    pub public_types: Names,
    /// Files that doc attributes include (`#![doc = include_str!("../README.md")]`): their
    /// code blocks are doc tests too.
    pub doc_includes: Vec<PathBuf>,
    /// Whether the walk gathered `names`, `public_fns` and `public_types` (see
    /// `Dispatch::test_names`): a cached file's facts serve a run that needs them only then.
    pub gathered: bool,
}

impl TestFacts {
    /// Whether the file adds nothing.
    pub(crate) fn is_empty(&self) -> bool {
        // Every field named, so that a new one cannot be left out.
        let TestFacts { names, public_fns, public_types, doc_includes, gathered: _ } = self;
        names.is_empty() && public_fns.is_empty() && public_types.is_empty() && doc_includes.is_empty()
    }

    pub(crate) fn merge(&mut self, other: TestFacts) {
        if self.names.is_empty() {
            self.names = other.names;
        } else {
            self.names.extend(other.names);
        }
        self.public_fns.extend(other.public_fns);
        self.public_types.extend(other.public_types);
        self.doc_includes.extend(other.doc_includes);
    }
}

/// A public function of a library, as the index counts it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PublicFn {
    /// Its name, as tests write it (without `r#`).
    pub name: String,
    /// For a method of a type declared in another file: the type, which must be one of the
    /// package's public types for the method to count.
    pub type_to_check: Option<String>,
}

/// Whether `cargo test` runs the tests of a target of this kind (it only builds examples
/// and benchmarks, and never runs a build script).
pub(crate) fn runs_tests(kind: TargetKind) -> bool {
    matches!(kind, TargetKind::Lib | TargetKind::Bin | TargetKind::Test)
}

/// Attribute names that make a function a test (the last path segment: `#[tokio::test]`).
const TEST_FN_ATTRS: &[&str] =
    &["test", "rstest", "test_case", "test_matrix", "quickcheck", "wasm_bindgen_test", "proptest"];

/// Macros whose input defines tests without a `#[test]` on each (`quickcheck! { fn p(..) }`).
const TEST_MACROS: &[&str] = &["quickcheck", "proptest"];

/// Adds the identifiers of a subtree of test code to `names` (not the names it defines: a
/// test helper called `parse` does not test the library's `parse`). Returns whether the
/// subtree holds a test: a `#[test]`-like attribute or a test-defining macro, also inside
/// macro input, but not inside a function body or block (the test harness cannot name a
/// test there, and runs none). Without `names`, reads only as far as the first test, and
/// passes over bodies and blocks.
pub(crate) fn scan_test_code(node: &SyntaxNode, mut names: Option<&mut Names>) -> bool {
    let mut has_test = false;
    let mut last = SyntaxKind::EOF;
    let mut before = SyntaxKind::EOF;
    // Inside the path of an attribute (`#[tokio::test`): whether its last segment so far
    // names a test attribute. In macro input `::` is two `:` tokens.
    let mut attr_path: Option<bool> = None;
    // The last token was the name of a test-defining macro.
    let mut test_macro = false;
    let fence = (SyntaxKind::STMT_LIST, names.is_some());
    for_each_token_around(node, Some(fence), |parent, kind, text, in_body| {
        if kind.is_trivia() {
            return true;
        }
        let ident = kind == SyntaxKind::IDENT;
        if ident
            && parent != SyntaxKind::NAME
            && let Some(names) = names.as_deref_mut()
        {
            let name = text.strip_prefix("r#").unwrap_or(text);
            if !names.contains(name) {
                names.insert(name.to_owned());
            }
        }
        if in_body {
            return true;
        }
        has_test |= test_macro && kind == SyntaxKind::BANG;
        attr_path = match kind {
            SyntaxKind::L_BRACK
                if last == SyntaxKind::POUND || (last == SyntaxKind::BANG && before == SyntaxKind::POUND) =>
            {
                Some(false)
            }
            SyntaxKind::IDENT if attr_path.is_some() => Some(TEST_FN_ATTRS.contains(&text)),
            SyntaxKind::COLON | SyntaxKind::COLON2 if attr_path.is_some() => attr_path,
            SyntaxKind::R_BRACK | SyntaxKind::L_PAREN => {
                has_test |= attr_path == Some(true);
                None
            }
            _ => None,
        };
        test_macro = ident && TEST_MACROS.contains(&text);
        before = last;
        last = kind;
        names.is_some() || !has_test
    });
    has_test
}

/// Adds the identifiers of the runnable doc tests in the doc comments of `text` (`///`,
/// `//!`, `/** .. */`, `/*! .. */`) to `names`, or of every fenced code block when
/// `markdown` (a file that a doc attribute includes). Returns whether there is one. Blocks
/// marked `ignore`, `no_run`, `compile_fail`, or with another language (`text`, `toml`,
/// `sh`, ..) run no code. Without `names`, reads only as far as the first doc test.
pub(crate) fn scan_doc_tests(text: &str, markdown: bool, mut names: Option<&mut Names>) -> bool {
    let backticks = text_contains(text, "```");
    let tildes = text_contains(text, "~~~");
    if !backticks && !tildes {
        return false;
    }
    if markdown {
        return scan_fenced_lines(text, Scan::Markdown, names).0;
    }
    // Block doc comments need every line read in order; otherwise only the lines from each
    // fence on matter, which skips most of a file.
    if text_contains(text, "/**") || text_contains(text, "/*!") {
        return scan_fenced_lines(text, Scan::Comments, names).0;
    }
    let mut found = false;
    let mut from = 0;
    loop {
        let rest = &text[from..];
        let next = [backticks.then(|| text_find(rest, "```")), tildes.then(|| text_find(rest, "~~~"))]
            .into_iter()
            .flatten()
            .flatten()
            .min();
        let Some(at) = next else { break };
        let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
        let (found_here, read) = scan_fenced_lines(&rest[line_start..], Scan::OneBlock, names.as_deref_mut());
        found |= found_here;
        if found && names.is_none() {
            break;
        }
        from += line_start + read.max(at - line_start + 3);
    }
    found
}

/// What [`scan_fenced_lines`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// A Markdown file: every line.
    Markdown,
    /// The doc comments of a Rust file.
    Comments,
    /// One fenced block of a doc comment, from the line where it opens.
    OneBlock,
}

/// Reads lines in order, tracking code fences: adds the words of runnable blocks to
/// `names`. Returns whether a runnable block was found and how many bytes were read (for
/// [`Scan::OneBlock`], up to the end of the block, or of the doc comment holding it).
/// Without `names`, stops at the first runnable block.
fn scan_fenced_lines(text: &str, scan: Scan, mut names: Option<&mut Names>) -> (bool, usize) {
    let mut found = false;
    // The open fence: its character, its length, and whether the block runs.
    let mut fence: Option<(char, usize, bool)> = None;
    let mut in_block_comment = false;
    let mut read = 0;
    for raw in text.split_inclusive('\n') {
        read += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let content = match scan {
            Scan::Markdown => Some(line),
            Scan::Comments | Scan::OneBlock => doc_comment_line(line, &mut in_block_comment),
        };
        let Some(content) = content else {
            // Code blocks do not run across items.
            if fence.take().is_some() && scan == Scan::OneBlock {
                return (found, read - raw.len());
            }
            if scan == Scan::OneBlock {
                return (found, read);
            }
            continue;
        };
        let trimmed = content.trim_start();
        match fence {
            None => match fence_start(trimmed) {
                Some((ch, len)) => {
                    let runs = block_runs(&trimmed[len..]);
                    if runs && names.is_none() {
                        return (true, read);
                    }
                    found |= runs;
                    fence = Some((ch, len, runs));
                }
                None if scan == Scan::OneBlock => return (found, read),
                None => {}
            },
            Some((ch, len, runs)) => {
                if fence_start(trimmed).is_some_and(|(c, l)| c == ch && l >= len)
                    && trimmed.trim_start_matches(ch).trim().is_empty()
                {
                    fence = None;
                    if scan == Scan::OneBlock {
                        return (found, read);
                    }
                } else if runs && let Some(names) = names.as_deref_mut() {
                    add_words(content, names);
                }
            }
        }
    }
    (found, read)
}

/// The text of a doc comment line: `///` (not `////`), `//!`, or a line of a `/** .. */` or
/// `/*! .. */` block (whose leading `*` is dropped); `None` for any other line.
fn doc_comment_line<'l>(line: &'l str, in_block: &mut bool) -> Option<&'l str> {
    let trimmed = line.trim_start();
    if *in_block {
        let (content, closed) = match trimmed.find("*/") {
            Some(end) => (&trimmed[..end], true),
            None => (trimmed, false),
        };
        *in_block = !closed;
        return Some(content.strip_prefix('*').unwrap_or(content));
    }
    if let Some(rest) = trimmed.strip_prefix("/*!").or_else(|| trimmed.strip_prefix("/**")) {
        // `/**/` and `/***` are no doc comments.
        if rest.starts_with(['*', '/']) {
            return None;
        }
        match rest.find("*/") {
            Some(end) => return Some(&rest[..end]),
            None => {
                *in_block = true;
                return Some(rest);
            }
        }
    }
    match trimmed.strip_prefix("///") {
        Some(rest) if rest.starts_with('/') => None,
        Some(rest) => Some(rest),
        None => trimmed.strip_prefix("//!"),
    }
}

/// A code fence at the start of `line`: its character and length (3 or more).
fn fence_start(line: &str) -> Option<(char, usize)> {
    let ch = line.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = line.chars().take_while(|&c| c == ch).count();
    (len >= 3).then_some((ch, len))
}

/// Whether a code block with this info string is a doc test that runs.
fn block_runs(info: &str) -> bool {
    info.split(|c: char| c == ',' || c.is_whitespace()).filter(|t| !t.is_empty()).all(|token| {
        matches!(token, "rust" | "should_panic" | "test_harness" | "standalone_crate")
            || token.starts_with("edition")
    })
}

/// Adds the identifier-like words of a line of code to `names`.
fn add_words(line: &str, names: &mut Names) {
    for word in line.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        if word.starts_with(|c: char| c.is_alphabetic() || c == '_') && !names.contains(word) {
            names.insert(word.to_owned());
        }
    }
}

/// The files that `#![doc = include_str!("..")]` / `#[doc = include_str!("..")]` lines of
/// `text` include, resolved like rustc does: relative to the file, or to the package when
/// the path starts with `env!("CARGO_MANIFEST_DIR")`.
pub(crate) fn doc_includes(text: &str, file: &Path, package_dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if !text_contains(text, "include_str!") {
        return out;
    }
    for line in text.lines() {
        let line = line.trim_start();
        let Some(attr) = line.strip_prefix("#![doc").or_else(|| line.strip_prefix("#[doc")) else { continue };
        let Some(at) = attr.find("include_str!") else { continue };
        let args = &attr[at..];
        // The string literals, in order: `concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")`.
        let literals: Vec<&str> = args.split('"').skip(1).step_by(2).collect();
        let from_package = literals.first() == Some(&"CARGO_MANIFEST_DIR");
        let relative: String = literals.iter().skip(usize::from(from_package)).copied().collect();
        let base = if from_package { Some(package_dir) } else { file.parent() };
        if let Some(path) = base.and_then(|base| normalize(&base.join(relative.trim_start_matches('/')))) {
            out.push(path);
        }
    }
    out
}

/// The test facts of every package of a run, and which packages depend on which.
#[derive(Debug, Default)]
pub struct TestIndex {
    /// Per package: the identifiers its test code uses.
    names: Vec<Names>,
    /// Per package: the names of its library's public types.
    public_types: Vec<Names>,
    /// Per package: the packages of the run that depend on it (members of the same
    /// workspace, or by a path), each with the name its code gives the library.
    dependents: Vec<Vec<(usize, String)>>,
}

impl TestIndex {
    pub(crate) fn new(packages: &[Package], names: Vec<Names>, public_types: Vec<Names>) -> TestIndex {
        TestIndex { dependents: dependents(packages), names, public_types }
    }

    /// Hashes everything the index holds (for the stage memo's key), whatever order its
    /// sets iterate in.
    pub(crate) fn hash_into(&self, key: &mut crate::cache::StageKey) {
        let TestIndex { names, public_types, dependents } = self;
        for (names, types) in names.iter().zip(public_types) {
            key.add_set(names.iter());
            key.add_set(types.iter());
        }
        key.add((names.len(), public_types.len(), dependents));
    }

    /// Whether a function is public: a method of a type declared in another file only if
    /// the package has a public type of that name.
    pub fn is_public(&self, package: usize, function: &PublicFn) -> bool {
        function
            .type_to_check
            .as_ref()
            .is_none_or(|ty| self.public_types.get(package).is_some_and(|types| types.contains(ty)))
    }

    /// Whether test code of the package, or of a package that depends on it, uses `name`.
    pub fn is_named_by_tests(&self, package: usize, name: &str) -> bool {
        let named = |p: usize| self.names.get(p).is_some_and(|names| names.contains(name));
        named(package) || self.dependents.get(package).is_some_and(|d| d.iter().any(|(p, _)| named(*p)))
    }

    /// A package that depends on this one and whose test code names its library: tests of
    /// this package that live in a separate (test-only) package.
    pub fn tested_from(&self, package: usize) -> Option<usize> {
        self.dependents.get(package)?.iter().find_map(|(dependent, crate_name)| {
            self.names.get(*dependent).is_some_and(|names| names.contains(crate_name)).then_some(*dependent)
        })
    }
}

/// For every package, the packages of the run that depend on it, with the name their code
/// uses for its library (the dependency key when renamed, else the library's name).
fn dependents(packages: &[Package]) -> Vec<Vec<(usize, String)>> {
    let mut out = vec![Vec::new(); packages.len()];
    let by_dir: HashMap<&Path, usize> =
        packages.iter().enumerate().map(|(i, p)| (p.dir.as_path(), i)).collect();
    let by_name: HashMap<(Option<&Path>, &str), usize> = packages
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.workspace_manifest.as_deref(), p.name.as_str()), i))
        .collect();
    for (index, package) in packages.iter().enumerate() {
        let workspace = package.workspace_manifest.as_deref();
        for dep in &package.dependencies {
            let by_path = dep.path.as_deref().and_then(|path| normalize(&package.dir.join(path)));
            let found = match by_path {
                Some(dir) => by_dir.get(dir.as_path()).copied(),
                // `dep.workspace = true` names a path dependency of the workspace's table.
                None if dep.workspace && workspace.is_some() => {
                    by_name.get(&(workspace, dep.package_name())).copied()
                }
                None => None,
            };
            let Some(found) = found.filter(|&f| f != index) else { continue };
            let target = packages[found].targets.iter().find(|t| t.kind == TargetKind::Lib);
            let Some(lib) = target else { continue };
            let crate_name =
                if dep.package.is_some() { dep.name.replace('-', "_") } else { lib.name.replace('-', "_") };
            if !out[found].iter().any(|(p, _)| *p == index) {
                out[found].push((index, crate_name));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Edition;
    use crate::source::parse::parse_file;

    /// What `scan_test_code` finds, checked to be what the scan without names finds.
    fn scan(src: &str) -> (bool, Vec<String>) {
        let parsed = parse_file(src, Edition::E2021);
        let mut names = Names::default();
        let found = scan_test_code(&parsed.root, Some(&mut names));
        assert_eq!(scan_test_code(&parsed.root, None), found, "{src}");
        let mut names: Vec<String> = names.into_iter().collect();
        names.sort();
        (found, names)
    }

    /// `scan_doc_tests`, checked to find what the scan without names finds.
    fn doc_tests(text: &str, markdown: bool, names: &mut Names) -> bool {
        let found = scan_doc_tests(text, markdown, Some(names));
        assert_eq!(scan_doc_tests(text, markdown, None), found, "{text}");
        found
    }

    #[test]
    fn test_code_names_and_markers() {
        let (found, names) = scan("#[test]\nfn helper_named_parse() { assert_eq!(lib::parse(1), r#try()); }");
        assert!(found);
        assert_eq!(names, ["assert_eq", "lib", "parse", "test", "try"]);
        assert!(scan("#[tokio::test(flavor = \"multi_thread\")] async fn t() {}").0);
        assert!(scan("#[rstest] fn t() {}").0);
        assert!(scan("proptest! { #[test] fn t(x in 0..1) {} }").0);
        assert!(scan("quickcheck! { fn p(x: u8) -> bool { true } }").0);
        assert!(!scan("#[cfg(test)] mod tests { fn helper() {} }").0);
        assert!(!scan("fn f() { test!(); }").0);
        assert!(!scan("fn f() { super::test(); x[test] }").0);
        // Tests inside a body or block are not run; their names still count.
        let (found, names) = scan("fn f() { #[test] fn t() { inner(); } proptest! { #[test] fn p() {} } }");
        assert!(!found);
        assert!(names.contains(&"inner".to_owned()) && names.contains(&"proptest".to_owned()));
        assert!(scan("fn helper() { body(); }\n#[tokio::test] async fn t() { helper(); }").0);
        assert!(scan("#![test_case(1)] fn t() {}").0);
        // Without names the scan stops at the first test; with them it reads on.
        let (found, names) = scan("#[test] fn a() {}\n#[test] fn b() { later(); }");
        assert!(found && names.contains(&"later".to_owned()));
    }

    #[test]
    fn doc_tests_that_run() {
        let text = "/// ```\n/// assert_eq!(demo::add(1, 2), 3);\n/// ```\n/// ```no_run\n/// demo::serve();\n/// ```\n/// ```text\n/// not_code\n/// ```\n//// ```\n//// quadruple()\n//// ```\npub fn add() {}\n";
        let mut names = Names::default();
        assert!(doc_tests(text, false, &mut names));
        let mut names: Vec<_> = names.into_iter().collect();
        names.sort();
        assert_eq!(names, ["add", "assert_eq", "demo"]);
        let mut names = Names::default();
        assert!(!doc_tests("/// ```ignore\n/// x()\n/// ```\n", false, &mut names));
        assert!(doc_tests(
            "/// ```text\n/// x\n/// ```\n/// ```\n/// second();\n/// ```\nfn f() {}\n",
            false,
            &mut names
        ));
        assert!(names.contains("second"));
        assert!(doc_tests("# Title\n\n```rust,edition2021\nuse demo::run;\n```\n", true, &mut names));
        assert!(names.contains("run"));
        let block =
            "/*!\nText.\n\n```\nblock_doc();\n```\n*/\n/**\n * ```\n * starred();\n * ```\n */\nfn f() {}\n";
        assert!(doc_tests(block, false, &mut names));
        assert!(names.contains("block_doc") && names.contains("starred"));
        let mut names = Names::default();
        assert!(!doc_tests("/* ```\nplain();\n``` */\n/***\n```\nstars();\n```\n*/\n", false, &mut names));
    }

    #[test]
    fn included_docs_resolve_like_rustc() {
        let text = "#![doc = include_str!(\"../README.md\")]\n#![doc = include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/docs/intro.md\"))]\n// include_str!(\"nothing\")\n";
        let found = doc_includes(text, Path::new("/p/src/lib.rs"), Path::new("/p"));
        assert_eq!(found, [PathBuf::from("/p/README.md"), PathBuf::from("/p/docs/intro.md")]);
    }
}
