use crate::declare_rule;
use crate::rule::tested::PublicFn;
use crate::rule::{FileCx, Rule, WorkspaceCx};
use crate::rules::util::{is_exactly_pub, is_hidden_or_deprecated, is_public_position};
use crate::source::parse::ast::{HasName, HasVisibility};
use crate::source::parse::{AstNode, SyntaxKind, SyntaxNode, TextRange, ast};

declare_rule! {
    /// ## What it does
    /// Finds public functions of a library that no test names: neither the package's own
    /// test code (unit tests in `#[cfg(test)]` modules, inline or in their own file,
    /// `#[test]`-like functions, integration tests under `tests/`, runnable doc tests in
    /// the library's doc comments or in files they include with `#![doc =
    /// include_str!(..)]`) nor the test code of another package of the workspace that
    /// depends on it (a separate test-only package).
    ///
    /// Public means part of the library's API: a free function that is exactly `pub`,
    /// reached from the crate root through `pub mod`s or re-exported with `pub use` (a glob
    /// too), not nested in a function body or a private inline module; or an inherent
    /// method that is exactly `pub` of a public type, wherever its `impl` is (a type
    /// declared in another file counts as public when the package declares a public type
    /// of that name). Trait impl methods are left out (the trait's tests cover them), and
    /// so are `#[doc(hidden)]` and `#[deprecated]` functions, a library's `pub fn main`,
    /// proc-macro crates (which export only macros), binaries, and functions that macros
    /// define.
    ///
    /// Naming is by name only, so it over-approximates: an identifier anywhere in test code
    /// (a call, a method call, a path segment, an import, a macro argument such as
    /// `assert_eq!(parse(1), 2)`) counts for every public function of that name. A test
    /// that names `len` covers every public `len`. What it cannot see is a function called
    /// only through another one: the finding asks whether the function deserves a test of
    /// its own. Examples and benchmarks are not tests (`cargo test` only builds them), and
    /// neither are `no_run`, `ignore` or `compile_fail` doc examples, which run no code.
    ///
    /// `--statistics` shows, per package, how many public functions tests name, also when
    /// this rule is not selected.
    ///
    /// ## Why is this bad?
    /// A public function is a promise to every caller. Without a test, a change that breaks
    /// it (a refactoring, a new edge case, a dependency update) is found by a user, not by
    /// `cargo test`. A test also documents how the function is meant to be called.
    ///
    /// ## Example
    /// ```rust
    /// pub fn parse_port(text: &str) -> Option<u16> {
    ///     text.trim().parse().ok()
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// pub fn parse_port(text: &str) -> Option<u16> {
    ///     text.trim().parse().ok()
    /// }
    ///
    /// #[cfg(test)]
    /// mod tests {
    ///     #[test]
    ///     fn ports_are_trimmed() {
    ///         assert_eq!(super::parse_port(" 8080 "), Some(8080));
    ///     }
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: what to test, and how, is for a person to decide.
    pub struct UntestedPublicFn {
        name: "untested_public_fn",
        category: Testing,
        level: Pedantic,
        fix: None,
        clippy: [],
        summary: "public library fn that no test code names",
        kinds: [FN],
    }
}

impl Rule for UntestedPublicFn {
    /// Functions.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["fn"])
    }

    /// A library's public API only, never test code.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        let Some(function) = public_api_fn(node, cx) else { return };
        let shown = match &function.owner {
            Some(owner) => format!("{owner}::{}", function.written),
            None => function.written.clone(),
        };
        let what = if function.owner.is_some() { "method" } else { "function" };
        cx.report(
            function.range,
            format!("no test names the public {what} `{shown}`: a change that breaks it reaches users first"),
        )
        .help(
            "write a test that calls it: a `#[test]` in a `#[cfg(test)] mod tests`, an integration test \
             under `tests/`, or a doc example that runs",
        )
        .defer(function.key);
    }

    fn finish(&self, cx: &mut WorkspaceCx<'_>) {
        for item in cx.take_items() {
            let Some(finding) = item.finding else { continue };
            let Some(key) = item.data.get::<PublicFn>() else { continue };
            if cx.tests().is_public(item.package, key)
                && !cx.tests().is_named_by_tests(item.package, &key.name)
            {
                cx.report(*finding);
            }
        }
    }
}

/// A public function of a library's API, as this rule and `--statistics` count them.
#[derive(Debug)]
pub(crate) struct ApiFn {
    /// The name as written (`r#match`).
    pub written: String,
    /// The type of an inherent method.
    pub owner: Option<String>,
    /// The function's name in the tree being walked.
    pub range: TextRange,
    /// What the workspace stage needs to know about it.
    pub key: PublicFn,
}

/// The function at `node` if it is part of its library's public API (see the rule's docs).
/// A method whose type is declared in another file is public if the package declares a
/// public type of that name ([`PublicFn::type_to_check`]).
pub(crate) fn public_api_fn(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<ApiFn> {
    if !cx.is_library_production() {
        return None;
    }
    let function = ast::Fn::cast(node.clone())?;
    if !is_exactly_pub(function.visibility()) || cx.package().is_proc_macro {
        return None;
    }
    let name = function.name()?;
    let written = name.text().to_string();
    if written == "main" {
        return None;
    }
    let imp = node.parent().filter(|p| p.kind() == SyntaxKind::ASSOC_ITEM_LIST).and_then(|l| l.parent());
    let (owner, type_to_check) = match imp.and_then(ast::Impl::cast) {
        // A method: public when its type is, wherever the `impl` is.
        Some(imp) => {
            if imp.trait_().is_some() || !in_module_scope(imp.syntax()) {
                return None;
            }
            let owner = self_type_name(&imp)?;
            match declared_beside(&imp, &owner) {
                Some(ty) if is_public_type(&ty, cx) => (Some(owner), None),
                Some(_) => return None,
                None => (Some(owner.clone()), Some(owner)),
            }
        }
        None if is_public_position(node, cx) => (None, None),
        None => return None,
    };
    // Checked last: it looks at every item around the function.
    if is_hidden_or_deprecated(node) {
        return None;
    }
    let bare = written.strip_prefix("r#").unwrap_or(&written).to_owned();
    let key = PublicFn { name: bare, type_to_check };
    Some(ApiFn { written, owner, range: name.syntax().text_range(), key })
}

/// The names of the public types (structs, enums, unions, type aliases) a library file
/// declares at the top or in `pub` inline modules, for methods implemented in other files.
pub(crate) fn public_type_names(root: &SyntaxNode, cx: &FileCx<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if !cx.is_library_production() || cx.package().is_proc_macro {
        return out;
    }
    let mut lists = vec![root.clone()];
    while let Some(list) = lists.pop() {
        for item in list.children() {
            if item.kind() == SyntaxKind::MODULE {
                let Some(module) = ast::Module::cast(item) else { continue };
                if is_exactly_pub(module.visibility())
                    && let Some(items) = module.item_list()
                {
                    lists.push(items.syntax().clone());
                }
            } else if is_type_item(&item)
                && is_public_type(&item, cx)
                && let Some(name) = ast::AnyHasName::cast(item).and_then(|item| item.name())
            {
                out.push(name.text().to_string());
            }
        }
    }
    out
}

fn is_type_item(item: &SyntaxNode) -> bool {
    matches!(item.kind(), SyntaxKind::STRUCT | SyntaxKind::ENUM | SyntaxKind::UNION | SyntaxKind::TYPE_ALIAS)
}

/// Whether a type declaration is part of the library's API.
fn is_public_type(item: &SyntaxNode, cx: &FileCx<'_>) -> bool {
    let visible =
        ast::AnyHasVisibility::cast(item.clone()).is_some_and(|item| is_exactly_pub(item.visibility()));
    visible && is_public_position(item, cx) && !is_hidden_or_deprecated(item)
}

/// Whether an item sits in a module (not in a function body or macro input).
fn in_module_scope(item: &SyntaxNode) -> bool {
    item.ancestors()
        .skip(1)
        .all(|a| matches!(a.kind(), SyntaxKind::ITEM_LIST | SyntaxKind::MODULE | SyntaxKind::SOURCE_FILE))
        && item.ancestors().last().is_some_and(|root| root.kind() == SyntaxKind::SOURCE_FILE)
}

/// `Config` for `impl<T> Config<T>` or `impl crate::Config`.
fn self_type_name(imp: &ast::Impl) -> Option<String> {
    let ast::Type::PathType(path) = imp.self_ty()? else { return None };
    let segment = path.path()?.segment()?;
    Some(segment.name_ref()?.text().to_string())
}

/// The declaration of the type named `name` next to the `impl` (in the same module).
fn declared_beside(imp: &ast::Impl, name: &str) -> Option<SyntaxNode> {
    imp.syntax().parent()?.children().filter(is_type_item).find(|item| {
        ast::AnyHasName::cast(item.clone()).and_then(|item| item.name()).is_some_and(|n| n.text() == name)
    })
}
