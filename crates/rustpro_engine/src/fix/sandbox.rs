//! The whole pipeline over one text, with its invariants checked: a fixed package on disk
//! whose manifest and source file come from memory (the overlay), so a run writes nothing.
//! One run checks the text with every rule, verifies every applicable fix on its own, runs
//! the fix loop, re-parses the result and renders every report format (once). The fuzz target and
//! the robustness tests drive it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::CliSettings;
use crate::diagnostic::{Edit, Finding, ProblemKind};
use crate::fix::{FixRequest, apply, apply_edits, is_applicable};
use crate::project::{Edition, Overlay};
use crate::report::{self, Format, RenderOptions};
use crate::source::SourceText;
use crate::source::parse::{parse_file, with_parser_stack};
use crate::{CheckRequest, Outcome, check};

/// One input: a source text and the package around it.
#[derive(Debug, Clone)]
pub struct Input {
    pub edition: Edition,
    /// The text is the binary's root (`src/main.rs`) instead of the library's.
    pub bin: bool,
    /// Unsafe fixes are applied too.
    pub unsafe_fixes: bool,
    /// The manifest already has what manifest rules ask for (`rust-version`, `[lints]`),
    /// so only the source file is fixed.
    pub complete_manifest: bool,
    pub text: String,
}

impl Input {
    /// The first byte chooses the package (edition, target, fixes, manifest), the rest is
    /// the text (invalid UTF-8 replaced, as the checker never sees it: it skips such files).
    pub fn from_bytes(bytes: &[u8]) -> Input {
        let (first, rest) = bytes.split_first().map_or((0, bytes), |(first, rest)| (*first, rest));
        Input {
            edition: Edition::ALL[usize::from(first & 3)],
            bin: first & 4 != 0,
            unsafe_fixes: first & 8 != 0,
            complete_manifest: first & 16 != 0,
            text: String::from_utf8_lossy(rest).into_owned(),
        }
    }

    /// A text as a library of `edition`, safe fixes only, with a bare manifest.
    pub fn library(text: &str, edition: Edition) -> Input {
        Input { edition, bin: false, unsafe_fixes: false, complete_manifest: false, text: text.to_owned() }
    }

    fn manifest(&self) -> String {
        let mut manifest = format!(
            "[package]\nname = \"sandbox\"\nversion = \"0.1.0\"\nedition = \"{}\"\n",
            self.edition.as_str()
        );
        if self.complete_manifest {
            manifest.push_str("rust-version = \"1.85\"\n\n[lints.rust]\nunsafe_code = \"forbid\"\n");
        }
        manifest
    }
}

/// What a run that kept every invariant did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub findings: usize,
    pub fixes_applied: usize,
    /// Whether the text parsed without syntax errors.
    pub clean: bool,
}

/// An invariant a run broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The configuration was refused (the sandbox's own is always valid).
    Config(String),
    /// A rule or the parser panicked and the engine reported it.
    Internal(String),
    /// A finding's range is not a range of its file.
    BadRange { rule: &'static str, range: std::ops::Range<usize> },
    /// A fix edits outside its file, off character boundaries, or twice the same bytes.
    BadEdit { rule: &'static str, reason: String },
    /// Applying a fix changed bytes outside its edits.
    OutsideEdits { rule: &'static str, offset: usize },
    /// A fix turned a text without syntax errors into one with errors.
    BreaksSyntax { rule: &'static str, error: String },
    /// The fix loop still found fixes after its last pass.
    NotConverged { applied: Vec<&'static str> },
    /// A report format failed to render.
    Render(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Config(message) => write!(f, "configuration refused: {message}"),
            Failure::Internal(message) => write!(f, "internal error: {message}"),
            Failure::BadRange { rule, range } => write!(f, "`{rule}` reports the invalid range {range:?}"),
            Failure::BadEdit { rule, reason } => write!(f, "`{rule}` offers a bad edit: {reason}"),
            Failure::OutsideEdits { rule, offset } => {
                write!(f, "the fix of `{rule}` changed byte {offset}, outside its edits")
            }
            Failure::BreaksSyntax { rule, error } => {
                write!(f, "the fix of `{rule}` breaks the file: {error}")
            }
            Failure::NotConverged { applied } => {
                write!(f, "fixes did not converge; applied: {}", applied.join(", "))
            }
            Failure::Render(message) => write!(f, "rendering failed: {message}"),
        }
    }
}

// rustpro:allow(manual_error_impl) the engine keeps its dependencies few
impl std::error::Error for Failure {}

/// A package on disk (`Cargo.toml`, `src/lib.rs`, `src/main.rs`) whose files a run reads
/// from memory. Create it once and run it many times.
#[derive(Debug, Clone)]
pub struct Sandbox {
    dir: PathBuf,
    manifest: PathBuf,
    lib: PathBuf,
    main: PathBuf,
}

impl Sandbox {
    /// Writes the package's files under `dir` (created if needed).
    pub fn create(dir: &Path) -> std::io::Result<Sandbox> {
        std::fs::create_dir_all(dir.join("src"))?;
        let dir = dir.canonicalize()?;
        let sandbox = Sandbox {
            manifest: dir.join("Cargo.toml"),
            lib: dir.join("src/lib.rs"),
            main: dir.join("src/main.rs"),
            dir,
        };
        std::fs::write(&sandbox.manifest, Input::library("", Edition::E2021).manifest())?;
        std::fs::write(&sandbox.lib, "")?;
        std::fs::write(&sandbox.main, "")?;
        Ok(sandbox)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs the whole pipeline over `input`; the first broken invariant is the error.
    pub fn run(&self, input: &Input) -> Result<Summary, Failure> {
        let file = if input.bin { &self.main } else { &self.lib };
        let mut overlay = Overlay::default();
        overlay.insert(self.manifest.clone(), input.manifest());
        overlay.insert(self.lib.clone(), String::new());
        overlay.insert(self.main.clone(), String::new());
        overlay.insert(file.clone(), input.text.clone());
        let request = CheckRequest {
            paths: vec![self.dir.clone()],
            cli: CliSettings { select: Some(vec!["all".to_owned()]), ..CliSettings::default() },
            threads: 1,
            overlay: Arc::new(overlay.clone()),
            ..CheckRequest::default()
        };
        let first = check(&request).map_err(|err| Failure::Config(err.to_string()))?;
        no_internal_error(&first)?;
        let clean = syntax_errors(&input.text, input.edition).is_empty();
        for finding in &first.findings {
            let text = overlay.get(&finding.path).unwrap_or_default();
            let valid = finding.range.start <= finding.range.end
                && finding.range.end <= text.len()
                && text.is_char_boundary(finding.range.start)
                && text.is_char_boundary(finding.range.end);
            if !valid {
                return Err(Failure::BadRange { rule: finding.rule, range: finding.range.clone() });
            }
            if finding.fix.as_ref().is_some_and(|fix| is_applicable(fix, input.unsafe_fixes)) {
                verify_fix(finding, &overlay, input.edition, clean)?;
            }
        }
        // Rendering costs as much as the rest of a run, mostly for the rule catalog (SARIF),
        // which does not depend on the text: once per run is enough.
        render_all(&first)?;

        let fixed = crate::fix::fix(&FixRequest { check: request, unsafe_fixes: input.unsafe_fixes })
            .map_err(|err| Failure::Config(err.to_string()))?;
        no_internal_error(&fixed.remaining)?;
        let applied = || fixed.applied.iter().map(|a| a.rule).collect();
        if !fixed.converged {
            return Err(Failure::NotConverged { applied: applied() });
        }
        if clean {
            if let Some(failed) = fixed.failed.first() {
                return Err(Failure::BreaksSyntax { rule: failed.rule, error: failed.reason.clone() });
            }
            if let Some(changed) = fixed.files.iter().find(|f| f.path == *file) {
                let errors = syntax_errors(&changed.fixed, input.edition);
                if let Some(error) = errors.first() {
                    let rules: Vec<&str> = applied();
                    return Err(Failure::BreaksSyntax {
                        rule: rules.first().copied().unwrap_or_default(),
                        error: format!("after the fix loop ({}): {}", rules.join(", "), error.message),
                    });
                }
            }
        }
        Ok(Summary { findings: first.findings.len(), fixes_applied: fixed.applied.len(), clean })
    }
}

fn syntax_errors(text: &str, edition: Edition) -> Vec<crate::source::parse::SyntaxError> {
    with_parser_stack(|| parse_file(SourceText::new(text.to_owned()).normalized(), edition).errors)
}

fn no_internal_error(outcome: &Outcome) -> Result<(), Failure> {
    match outcome.problems.iter().find(|p| p.kind == ProblemKind::Internal) {
        Some(problem) => Err(Failure::Internal(problem.message.clone())),
        None => Ok(()),
    }
}

/// One fix applied alone to the texts the check saw: its edits are valid, bytes outside
/// them do not change, and a file without syntax errors stays so.
fn verify_fix(finding: &Finding, overlay: &Overlay, edition: Edition, clean: bool) -> Result<(), Failure> {
    let rule = finding.rule;
    let Some(fix) = &finding.fix else { return Ok(()) };
    let bad = |reason: String| Failure::BadEdit { rule, reason };
    for (index, edit) in fix.edits.iter().enumerate() {
        let Some(text) = overlay.get(&edit.path) else {
            return Err(bad(format!("{} is not a file of the package", edit.path.display())));
        };
        let range = &edit.range;
        if range.start > range.end
            || range.end > text.len()
            || !text.is_char_boundary(range.start)
            || !text.is_char_boundary(range.end)
        {
            return Err(bad(format!("{range:?} is not a range of {}", edit.path.display())));
        }
        if let Some(other) = fix.edits[..index].iter().find(|other| super::overlaps(edit, other)) {
            return Err(bad(format!("{range:?} overlaps {:?}", other.range)));
        }
    }
    let mut paths: Vec<&PathBuf> = fix.edits.iter().map(|e| &e.path).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let before = overlay.get(path).unwrap_or_default();
        let mut edits: Vec<&Edit> = fix.edits.iter().filter(|e| e.path == *path).collect();
        let owned: Vec<Edit> = edits.iter().map(|e| (*e).clone()).collect();
        let after = apply_edits(before, &owned);
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        // Walk the unedited gaps: each must reappear unchanged, shifted by the edits before it.
        let (mut old, mut new) = (0, 0);
        for edit in edits.iter().map(Some).chain([None]) {
            let gap_end = edit.map_or(before.len(), |e| e.range.start);
            let gap = &before.as_bytes()[old..gap_end];
            let kept = after.as_bytes().get(new..new + gap.len());
            if kept != Some(gap) {
                let offset = gap.iter().zip(kept.unwrap_or_default()).take_while(|(a, b)| a == b).count();
                return Err(Failure::OutsideEdits { rule, offset: old + offset });
            }
            new += gap.len();
            if let Some(edit) = edit {
                new += edit.replacement.len();
                old = edit.range.end;
            }
        }
        if new != after.len() {
            return Err(Failure::OutsideEdits { rule, offset: before.len() });
        }
        let is_source = path.extension().is_some_and(|x| x == "rs");
        if is_source && !clean {
            continue;
        }
        if let Some(error) = apply::new_syntax_error(path, before, &after, edition) {
            return Err(Failure::BreaksSyntax { rule, error });
        }
    }
    Ok(())
}

fn render_all(outcome: &Outcome) -> Result<(), Failure> {
    for format in Format::ALL {
        // Only whether rendering succeeds matters here, and a report can be large (cargo's
        // format repeats the whole source line for each finding on it).
        report::render(format, outcome, &RenderOptions::default(), &mut std::io::sink())
            .map_err(|err| Failure::Render(format!("{}: {err}", format.name())))?;
    }
    Ok(())
}

/// Hostile texts by name: `depth` levels of nesting of every kind the parser and the rules'
/// recursive helpers meet (generics, closures, match arms, modules, method and field chains,
/// `&&` chains, references, `use` trees, parenthesised calls, `json!`, `cfg` predicates,
/// block comments), unterminated literals and comments, and files that are only a BOM or
/// only line breaks. The robustness tests and the never-panic sweep check them.
pub fn hostile_texts(depth: usize) -> Vec<(&'static str, String)> {
    let rep = |s: &str| s.repeat(depth);
    vec![
        ("generics", format!("pub type T = {}u8{};\n", rep("Vec<"), rep(">"))),
        ("closures", format!("pub fn f() {{ let g = {}0; }}\n", rep("|x| "))),
        (
            "match_arms",
            format!(
                "pub fn f(x: Option<u8>) -> u8 {{ {}x.unwrap(){} }}\n",
                rep("match x { _ => "),
                rep(" }")
            ),
        ),
        (
            "modules",
            format!("{}pub fn f(x: Option<u8>) {{ x.unwrap(); }}{}\n", rep("pub mod m { "), rep(" }")),
        ),
        (
            "unsafe_blocks",
            format!("pub fn f(p: *const u8) -> u8 {{ {}*p{} }}\n", rep("unsafe { "), rep(" }")),
        ),
        ("field_chain", format!("pub fn f(x: &S) {{ g(&x{}.clone()); }}\n", rep(".a"))),
        ("method_chain", format!("pub fn f(x: &S) {{ g(&x{}.clone()); }}\n", rep(".a()"))),
        ("and_chain", format!("pub fn f() {{ if let Ok(a) = b() {}{{ c(a); }} }}\n", rep("&& c "))),
        (
            "refs",
            format!(
                "pub fn f(_: {}u8) {{}}\npub struct F;\nimpl std::future::Future for F {{ type Output = (); fn poll(self: Pin<&mut Self>, cx: {}Context<'_>) -> Poll<()> {{ Poll::Ready(()) }} }}\n",
                rep("&"),
                rep("&mut ")
            ),
        ),
        ("derefs", format!("pub fn f(x: &R) {{ if let Ok(v) = {}x {{ g(v); }} }}\n", rep("*"))),
        ("use_tree", format!("use a::{{{}b{};\n", rep("c::{"), rep("}"))),
        (
            "paren_calls",
            format!("pub async fn f() {{ let _ = {}std::thread::sleep(d){}.await; }}\n", rep("("), rep(")")),
        ),
        ("json", format!("pub fn f() {{ let _ = json!({}1{}); }}\n", rep("["), rep("]"))),
        (
            "cfg",
            format!("#[cfg({}test{})]\npub fn f(x: Option<u8>) {{ x.unwrap(); }}\n", rep("all("), rep(")")),
        ),
        ("block_comments", rep("/* ")),
        ("unterminated_string", "pub fn f() -> &'static str { \"never closed\n".to_owned()),
        ("unterminated_raw_string", "pub fn f() -> &'static str { r##\"never closed\"#\n".to_owned()),
        ("unterminated_byte_string", "pub const B: &[u8] = b\"never closed\\\n".to_owned()),
        ("unterminated_comment", "pub fn f() {}\n/* never closed /* nested */\n".to_owned()),
        ("unterminated_char", "pub const C: char = '\\u{1F600\n".to_owned()),
        ("bom_only", "\u{feff}".to_owned()),
        ("crlf_only", "\r\n".repeat(depth)),
        ("lone_cr", "pub fn f() {}\r\r\rpub fn g() {}\r".to_owned()),
    ]
}
