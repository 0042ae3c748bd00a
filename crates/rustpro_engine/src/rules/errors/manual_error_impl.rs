use crate::declare_rule;
use crate::rule::{FileCx, Rule, WorkspaceCx};
use crate::rules::util::error_impls::{ErrorFact, read_fact, unread_type};
use crate::rules::util::error_plan::{Pieces, convert};
use crate::rules::util::{may_report_unused_import, report_unused_imports};
use crate::source::parse::{GreenRef, SyntaxKind, SyntaxNode};

declare_rule! {
    /// ## What it does
    /// Finds error types of the package that implement both `Display` and
    /// `std::error::Error` (or `core::error::Error`) by hand, in any spelling of the trait
    /// paths (`fmt::Display`, imported or renamed names). The type and its impls may live in
    /// different files of the package. Types in test code are left alone. The finding is on
    /// the `Error` impl.
    ///
    /// ## Why is this bad?
    /// The two impls are boilerplate that `#[derive(thiserror::Error)]` writes from one
    /// `#[error("..")]` attribute per variant, next to the variant it describes: the message
    /// cannot drift from the variant's fields, `source()` comes from `#[source]` or
    /// `#[from]` instead of a second `match`, and `From` conversions from `#[from]`.
    ///
    /// ## Example
    /// ```rust
    /// use std::fmt;
    ///
    /// #[derive(Debug)]
    /// pub enum ConfigError {
    ///     Missing(String),
    ///     Io(std::io::Error),
    /// }
    ///
    /// impl fmt::Display for ConfigError {
    ///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    ///         match self {
    ///             ConfigError::Missing(key) => write!(f, "missing key {key}"),
    ///             ConfigError::Io(_) => f.write_str("cannot read the configuration"),
    ///         }
    ///     }
    /// }
    ///
    /// impl std::error::Error for ConfigError {
    ///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
    ///         match self {
    ///             ConfigError::Io(e) => Some(e),
    ///             _ => None,
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// #[derive(Debug, thiserror::Error)]
    /// pub enum ConfigError {
    ///     #[error("missing key {0}")]
    ///     Missing(String),
    ///     #[error("cannot read the configuration")]
    ///     Io(#[source] std::io::Error),
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// The fix is unsafe: it adds the `thiserror` dependency (`thiserror = "2"`, or
    /// `thiserror.workspace = true` when the workspace declares it) and replaces code. It is
    /// offered only when thiserror writes exactly what the hand-written impls do: every
    /// `Display` arm writes string literals and fields of its variant (`write!`,
    /// `writeln!`, `f.write_str`, with format specs such as `{0:?}` or `{:>8}` kept, and
    /// `path.display()` of a path field), `source()` returns a field (`#[source]`), nothing,
    /// or forwards to a field whose `Display` is forwarded too (`#[error(transparent)]`). A
    /// `From` impl that only wraps the source field of a one-field variant becomes
    /// `#[from]`. The derive is merged into an existing `#[derive(..)]` as
    /// `thiserror::Error`, the impls are deleted, and imports left unused are reported
    /// (and removed) afterwards.
    ///
    /// The message says why no fix is offered otherwise: logic in `Display`, a wildcard
    /// arm, arguments that are not fields, a field named `source` that `source()` does not
    /// return (thiserror would make it the source), generic types, `description()` or
    /// `cause()` overrides, impls under `cfg` or inside macro calls, `no_std` crates.
    ///
    /// A `Display` arm that forwards to a field (`e.fmt(f)`) becomes `#[error("{0}")]`:
    /// the same text, except that width and fill flags given by the caller
    /// (`format!("{err:>20}")`) no longer reach the field.
    pub struct ManualErrorImpl {
        name: "manual_error_impl",
        category: Errors,
        level: Warn,
        fix: Unsafe,
        clippy: [],
        summary: "hand-written `Display` and `Error` impls that `#[derive(thiserror::Error)]` writes",
        kinds: [STRUCT, ENUM, IMPL, SOURCE_FILE, USE],
    }
}

impl Rule for ManualErrorImpl {
    /// The kinds it reads, by their keywords.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["struct", "enum", "impl", "use"])
    }

    /// Imports, for what the fix leaves unused; error types of production code only.
    fn looks_in_test_code(&self, kind: SyntaxKind) -> bool {
        kind == SyntaxKind::USE
    }

    /// Imports in a file that names `fmt` or `error`; the rest as [`error_rules_look_at`].
    fn looks_at_kind(&self, kind: SyntaxKind, cx: &FileCx<'_>) -> bool {
        match kind {
            SyntaxKind::USE => cx.file_mentions("fmt") || cx.file_mentions("error"),
            _ => error_rules_look_at(kind, cx),
        }
    }

    /// Imports [`check_import`] may report; the rest as [`error_rules_accept`].
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        match node.kind() {
            SyntaxKind::USE => may_report_unused_import(node, IMPORTED_NAMES, IMPORTING_CRATES),
            _ => error_rules_accept(node),
        }
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if node.kind() == SyntaxKind::USE {
            check_import(node, cx);
            return;
        }
        keep_error_fact(node, cx, |fact| match fact {
            ErrorFact::Error(e) => {
                Some(format!("`{}` implements `Display` and `Error` by hand", e.self_name))
            }
            _ => None,
        });
    }

    fn finish(&self, cx: &mut WorkspaceCx<'_>) {
        let items = cx.take_items();
        let pieces = Pieces::gather(&items);
        let mut out = Vec::new();
        for (item, error) in &pieces.errors {
            let Some(finding) = &item.finding else { continue };
            let Some(conversion) = convert(&pieces, item, error, cx) else { continue };
            let mut finding = finding.clone();
            match conversion {
                Ok(conversion) => {
                    finding.help = Some(
                        "derive both with `#[derive(thiserror::Error)]` and an `#[error(\"..\")]` message per \
                         variant"
                            .to_owned(),
                    );
                    finding.fix = Some(conversion.fix);
                }
                Err(reason) => {
                    finding.fix = None;
                    finding.help = Some(format!(
                        "derive both with `#[derive(thiserror::Error)]`; no automatic fix: {reason}"
                    ));
                }
            }
            out.push(finding);
        }
        for finding in out {
            cx.report(*finding);
        }
    }
}

/// Keeps what the file says about error types for the workspace stage; `report` gives the
/// message of the facts the rule reports (in production code).
pub(crate) fn keep_error_fact(
    node: &SyntaxNode,
    cx: &mut FileCx<'_>,
    report: impl Fn(&ErrorFact) -> Option<String>,
) {
    if !error_rules_look_at(node.kind(), cx) {
        return;
    }
    if !cx.is_production() {
        return;
    }
    // Most types are named by no impl: kept unread until the end of the walk, and read
    // then only if an impl of the file names them (see `read_named_types`).
    if let Some(unread) = unread_type(node, cx) {
        let index = cx.deferred.len();
        cx.defer(unread);
        cx.unread_types.push((index, node.clone()));
        return;
    }
    // Both error rules keep the facts of each type and impl: read once.
    let Some((fact, edits, range)) = cx.memo_for_node(|| read_fact(node, cx)) else { return };
    match report(&fact) {
        Some(message) => cx.report(range, message).fix(edits).defer(fact),
        None => cx.defer_with_edits(fact, edits),
    }
}

/// Whether the error rules look at nodes of `kind` in the file ([`keep_error_fact`]): the
/// file's root always (`#![no_std]`), types and impls only in a file that names `Error`,
/// `Display` or `From`.
pub(crate) fn error_rules_look_at(kind: SyntaxKind, cx: &FileCx<'_>) -> bool {
    kind == SyntaxKind::SOURCE_FILE
        || cx.file_mentions("Error")
        || cx.file_mentions("Display")
        || cx.file_mentions("From")
}

/// What [`keep_error_fact`] reads, judged on the green tree: every type, and the impls of a
/// trait (`impl .. for ..`, not negative); most impls are inherent.
pub(crate) fn error_rules_accept(node: GreenRef<'_>) -> bool {
    node.kind() != SyntaxKind::IMPL
        || (node.has_token(SyntaxKind::FOR_KW) && !node.has_token(SyntaxKind::BANG))
}

/// The names of the imports an error conversion can leave unused, and their crates.
const IMPORTED_NAMES: &[&str] = &["fmt", "Display", "Formatter", "Error", "error"];
const IMPORTING_CRATES: &[&str] = &["std", "core", "alloc"];

/// `use std::fmt;`, `use std::error::Error;` and the like, left unused once the impls are gone.
fn check_import(node: &SyntaxNode, cx: &mut FileCx<'_>) {
    const TRAIT_METHODS: &[(&str, &[&str])] =
        &[("Error", &["source", "description", "cause", "provide"]), ("Display", &["fmt"])];
    if !cx.file_mentions("fmt") && !cx.file_mentions("error") {
        return;
    }
    report_unused_imports(node, cx, IMPORTED_NAMES, IMPORTING_CRATES, TRAIT_METHODS);
}
