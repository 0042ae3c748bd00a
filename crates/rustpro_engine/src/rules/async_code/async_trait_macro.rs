use std::collections::HashMap;

use crate::declare_rule;
use crate::diagnostic::{Applicability, Edit};
use crate::fix::manifest::edit_manifest;
use crate::project::DependencyKind;
use crate::rule::{Deferred, FileCx, FileFix, PackageCx, Rule, WorkspaceCx};
use crate::rules::util::{
    DynUse, add_impl_edits, attr_parts, dyn_trait_names, future_path, is_exactly_pub, is_public_position,
    line_indent, relative_path, removal_range,
};
use crate::source::parse::ast::{HasAttrs, HasGenericParams, HasName, HasTypeBounds, HasVisibility};
use crate::source::parse::{AstNode, SyntaxKind, SyntaxNode, TextRange, ast, node_text, text_without_spaces};

declare_rule! {
    /// ## What it does
    /// Finds `#[async_trait]` on traits defined in the workspace (written as
    /// `#[async_trait]`, `#[async_trait::async_trait]`, or through a crate that re-exports
    /// it, such as `#[tower_lsp::async_trait]`), now that Rust (1.75) has native `async fn`
    /// in traits. The finding is on the trait; its fix converts the trait and every impl of
    /// it in the workspace together. Impls of traits defined elsewhere (a dependency's
    /// `#[async_trait]` trait) are left alone: they must keep the macro as long as the trait
    /// does. Once nothing uses the macro any more, the `use async_trait::async_trait;`
    /// imports and the `async-trait` dependency are reported (and removed by the fix).
    ///
    /// ## Why is this bad?
    /// The macro rewrites every `async fn` into a method returning
    /// `Pin<Box<dyn Future + Send + '_>>`: one heap allocation and one dynamic call per
    /// call, signatures that rustdoc and rust-analyzer show in their expanded form, and a
    /// proc-macro dependency that slows every build. Native async fns in traits have none
    /// of that.
    ///
    /// ## Example
    /// ```rust
    /// use async_trait::async_trait;
    ///
    /// #[async_trait]
    /// trait Store {
    ///     async fn get(&self, key: &str) -> Option<String>;
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// trait Store {
    ///     fn get(&self, key: &str) -> impl std::future::Future<Output = Option<String>> + Send;
    /// }
    /// ```
    /// Impls keep writing `async fn get(&self, key: &str) -> Option<String> { .. }`; the
    /// compiler checks that their futures are `Send`.
    ///
    /// ## Fix safety
    /// The fix removes the attribute from the trait and from every impl in the workspace.
    /// In the trait, the default (`Send`) form keeps the promise the macro made: each
    /// `async fn m(..) -> T` becomes `fn m(..) -> impl Future<Output = T> + Send`, so generic
    /// callers that spawn the future on a multi-threaded runtime still compile; a default
    /// body becomes an `async move` block, with the `where Self: Sync` (for `&self`) or
    /// `where Self: Send` bound the macro used to add. The `?Send` form becomes plain
    /// `async fn` (or `fn .. -> impl Future<Output = T>` in a `pub` trait, which rustc's
    /// `async_fn_in_trait` lint asks for). Lifetimes and generics stay as written.
    ///
    /// No fix is offered when the trait is used as `dyn Trait` anywhere in the workspace
    /// (native async fns are not dyn-compatible: error E0038); the message names the use.
    /// Keep the macro there, or, when only other methods are called through `dyn`, add
    /// `where Self: Sized` to the async methods by hand. No fix either when two traits in
    /// the workspace share the name, or the attribute sits in `cfg_attr`.
    ///
    /// The fix is safe for traits that are not part of a library's public API, and unsafe
    /// for public ones: implementors in other crates must drop the macro from their impls
    /// at the same time (a breaking change). Run `rustpro fix --verify` to build before and
    /// after; the conversion matches what the macro did, but shapes the compiler still
    /// rejects (some higher-ranked lifetimes) exist.
    pub struct AsyncTraitMacro {
        name: "async_trait_macro",
        category: Async,
        level: Warn,
        fix: Unsafe,
        clippy: [],
        summary: "`#[async_trait]` where native async fns in traits do",
        kinds: [TRAIT, IMPL, DYN_TRAIT_TYPE, USE, MACRO_RULES, MACRO_DEF],
    }
}

/// What the file walk keeps for the workspace stage.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
enum Kept {
    /// A converted trait (its finding carries the trait's own edits), with which lifetime
    /// parameters of each async method are early-bound.
    Trait {
        name: String,
        methods: Vec<(String, Vec<bool>)>,
    },
    /// An impl of a trait named `trait_name`, with the edits that convert it.
    Impl {
        trait_name: String,
        line: usize,
        methods: Vec<(String, Vec<bool>)>,
    },
    Dyn(DynUse),
    /// A macro definition whose body uses `async_trait` and names these identifiers: an
    /// impl it generates cannot be seen, so a trait it names is not converted.
    Macro {
        idents: Vec<String>,
        line: usize,
    },
}

impl Rule for AsyncTraitMacro {
    /// The kinds it reads, by their keywords.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["trait", "impl", "dyn", "use", "macro_rules", "macro"])
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        // Only `dyn` uses matter in files that never name the macro.
        if node.kind() != SyntaxKind::DYN_TRAIT_TYPE && !cx.file_mentions("async_trait") {
            return;
        }
        match node.kind() {
            SyntaxKind::TRAIT => check_trait(node, cx),
            SyntaxKind::IMPL => check_impl(node, cx),
            SyntaxKind::DYN_TRAIT_TYPE => {
                let names = dyn_trait_names(node, cx);
                if names.is_empty() {
                    return;
                }
                let line = cx.line_of(node.text_range().start());
                for name in names {
                    cx.defer(Kept::Dyn(DynUse { name, line }));
                }
            }
            SyntaxKind::USE => check_import(node, cx),
            SyntaxKind::MACRO_RULES | SyntaxKind::MACRO_DEF if async_trait_idents(node) > 0 => {
                let idents = node
                    .descendants_with_tokens()
                    .filter_map(|e| e.into_token())
                    .filter(|t| t.kind() == SyntaxKind::IDENT)
                    .map(|t| t.text().to_owned())
                    .collect();
                let line = cx.line_of(node.text_range().start());
                cx.defer(Kept::Macro { idents, line });
            }
            _ => {}
        }
    }

    fn check_package(&self, cx: &mut PackageCx<'_>) {
        check_dependency(cx);
    }

    fn finish(&self, cx: &mut WorkspaceCx<'_>) {
        let items = cx.take_items();
        let mut dyn_uses: HashMap<&str, (&Deferred, usize)> = HashMap::new();
        let mut impls: HashMap<&str, Vec<&Deferred>> = HashMap::new();
        let mut traits: Vec<(&str, &Deferred)> = Vec::new();
        let mut macros: Vec<(&Deferred, &[String], usize)> = Vec::new();
        for item in &items {
            match item.data.get::<Kept>() {
                Some(Kept::Dyn(use_)) => {
                    dyn_uses.entry(use_.name.as_str()).or_insert((item, use_.line));
                }
                Some(Kept::Impl { trait_name, .. }) => {
                    impls.entry(trait_name.as_str()).or_default().push(item)
                }
                Some(Kept::Trait { name, .. }) => traits.push((name.as_str(), item)),
                Some(Kept::Macro { idents, line }) => macros.push((item, idents, *line)),
                None => {}
            }
        }
        for (name, item) in &traits {
            let Some(finding) = &item.finding else { continue };
            let mut finding = finding.clone();
            let namesakes = traits.iter().filter(|(other, _)| other == name).count();
            if namesakes > 1 {
                finding.fix = None;
                finding.help = Some(format!(
                    "{namesakes} traits in the workspace are named `{name}`; rustpro cannot tell their \
                     impls apart: convert them by hand"
                ));
            } else if let Some((use_item, line)) = dyn_uses.get(name) {
                let at = relative_path(&use_item.path, cx);
                finding.fix = None;
                finding.message =
                    format!("`#[async_trait]` on `{name}`, which is used as `dyn {name}` (at {at}:{line})");
                finding.help = Some(
                    "native async fns are not dyn-compatible (E0038): keep `#[async_trait]` here, or, if \
                     only other methods are called through `dyn`, add `where Self: Sized` to the async \
                     methods"
                        .to_owned(),
                );
            } else if let Some((macro_item, _, line)) =
                macros.iter().find(|(_, idents, _)| idents.iter().any(|i| i == name))
            {
                let at = relative_path(&macro_item.path, cx);
                finding.fix = None;
                finding.help = Some(format!(
                    "a macro defined at {at}:{line} uses `async_trait` and names `{name}`: the impls it \
                     generates cannot be converted automatically; convert the trait, the impls and the \
                     macro together by hand"
                ));
            } else if let Some((impl_item, line, method)) = lifetime_mismatch(item, impls.get(name)) {
                let at = relative_path(&impl_item.path, cx);
                finding.fix = None;
                finding.help = Some(format!(
                    "the impl at {at}:{line} binds the lifetimes of `{method}` differently from the trait \
                     (a lifetime used in a bound is early-bound): without the macro that is error E0195; \
                     make the bounds agree, then convert"
                ));
            } else if let Some(fix) = &mut finding.fix {
                let impls = add_impl_edits(fix, impls.get(name).map(Vec::as_slice).unwrap_or_default());
                fix.title =
                    format!("replace `#[async_trait]` with native async fns in `{name}` and its {impls}");
            }
            cx.report(*finding);
        }
    }
}

/// The attribute, if it is `#[async_trait]` in any spelling: whether it is the `?Send` form.
pub(crate) fn async_trait_attr(item: &impl HasAttrs) -> Option<(ast::Attr, bool)> {
    // Most items have no attribute, or none that names the macro: decide without allocating.
    item.attrs().filter(|attr| async_trait_idents(attr.syntax()) > 0).find_map(|attr| {
        let (path, rest) = attr_parts(&attr)?;
        let last = path.rsplit("::").next().unwrap_or(&path);
        (last == "async_trait").then(|| (attr.clone(), rest.iter().any(|t| t == "?")))
    })
}

/// `#[cfg_attr(.., async_trait)]`: the macro applies in some builds only.
fn has_conditional_attr(item: &impl HasAttrs) -> bool {
    item.attrs().filter(|attr| async_trait_idents(attr.syntax()) > 0).any(|attr| {
        attr_parts(&attr)
            .is_some_and(|(path, rest)| path == "cfg_attr" && rest.iter().any(|t| t == "async_trait"))
    })
}

fn check_trait(node: &SyntaxNode, cx: &mut FileCx<'_>) {
    let Some(tr) = ast::Trait::cast(node.clone()) else { return };
    let Some(name) = tr.name().map(|n| n.text().to_string()) else { return };
    let conditional = has_conditional_attr(&tr);
    let Some((attr, not_send)) = async_trait_attr(&tr) else {
        if conditional {
            let range = tr.trait_token().map_or(node.text_range(), |t| t.text_range());
            cx.report(range, format!("`#[async_trait]` on `{name}` under `cfg_attr`"))
                .help("native async fns in traits replace it; convert it by hand, for every configuration");
        }
        return;
    };
    let public =
        cx.is_library_production() && is_exactly_pub(tr.visibility()) && is_public_position(node, cx);
    let mut fix = FileFix::new(
        "replace `#[async_trait]` with native async fns",
        if public { Applicability::Unsafe } else { Applicability::Safe },
    )
    .delete(removal_range(attr.syntax()));
    let future = future_path(cx);
    let supertraits = tr.type_bound_list().map(|b| node_text(b.syntax())).unwrap_or_default();
    let is_pub = tr.visibility().is_some();
    let methods =
        tr.assoc_item_list().into_iter().flat_map(|l| l.assoc_items()).filter_map(|item| match item {
            ast::AssocItem::Fn(f) => Some(f),
            _ => None,
        });
    for method in methods {
        if method.async_token().is_none() {
            continue;
        }
        if not_send && !is_pub {
            // Plain `async fn` is exactly the `?Send` form.
            continue;
        }
        fix = convert_method(fix, &method, &future, !not_send, &supertraits);
    }
    let range = attr.syntax().text_range();
    let message =
        format!("`#[async_trait]` boxes every future of `{name}`: native async fns in traits replace it");
    let help = if public {
        "remove the macro from the trait and its impls; the trait is public, so implementors in other \
         crates must drop it too (a breaking change)"
    } else {
        "remove the macro from the trait and its impls: `fn m(..) -> impl Future<Output = T> + Send` in \
         the trait keeps the `Send` promise, impls keep `async fn`"
    };
    let methods = async_methods(tr.assoc_item_list());
    cx.report(range, message).help(help).fix(fix).defer(Kept::Trait { name, methods });
}

/// Rewrites one `async fn` of the trait: `fn m(..) -> impl Future<Output = T> [+ Send]`,
/// a default body wrapped in `async move`, with the bound on `Self` the macro added.
fn convert_method(
    mut fix: FileFix,
    method: &ast::Fn,
    future: &str,
    send: bool,
    supertraits: &str,
) -> FileFix {
    let Some(async_token) = method.async_token() else { return fix };
    let mut async_range = async_token.text_range();
    if let Some(ws) = async_token.next_token().filter(|t| t.kind() == SyntaxKind::WHITESPACE) {
        async_range = TextRange::new(async_range.start(), ws.text_range().end());
    }
    fix = fix.delete(async_range);
    let send_bound = if send { " + Send" } else { "" };
    match method.ret_type().and_then(|r| r.ty()) {
        Some(ty) => {
            let text = format!("impl {future}<Output = {}>{send_bound}", ty.syntax().text());
            fix = fix.replace(ty.syntax().text_range(), text);
        }
        None => {
            let Some(params) = method.param_list() else { return fix };
            fix = fix.insert(
                params.syntax().text_range().end(),
                format!(" -> impl {future}<Output = ()>{send_bound}"),
            );
        }
    }
    let Some(body) = method.syntax().children().find_map(ast::BlockExpr::cast) else { return fix };
    if send {
        let bounds = self_bounds(method, supertraits);
        if !bounds.is_empty() {
            let predicate = format!("Self: {}", bounds.join(" + "));
            fix = match method.where_clause() {
                Some(clause) => {
                    let sep = if node_text(clause.syntax()).trim_end().ends_with(',') { " " } else { ", " };
                    fix.insert(clause.syntax().text_range().end(), format!("{sep}{predicate}"))
                }
                None => fix.insert(body.syntax().text_range().start(), format!("where {predicate} ")),
            };
        }
    }
    let indent = line_indent(method.syntax());
    let mut body_text = node_text(body.syntax());
    // One level deeper, unless a string literal spans lines (its text would change).
    let multi_line_literal = body
        .syntax()
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .any(|t| t.kind().is_literal() && t.text().contains('\n'));
    if !multi_line_literal {
        body_text = body_text.replace('\n', "\n    ").replace("\n    \n", "\n\n");
    }
    let wrapped = format!("{{\n{indent}    async move {body_text}\n{indent}}}");
    fix.replace(body.syntax().text_range(), wrapped)
}

/// The bounds on `Self` that a `Send` future of a default method needs, as the macro added
/// them: `Sync` for `&self`, `Send` for `&mut self` and `self`; none for associated
/// functions. Bounds the supertraits already state are left out.
fn self_bounds(method: &ast::Fn, supertraits: &str) -> Vec<&'static str> {
    let Some(receiver) = method.param_list().and_then(|p| p.self_param()) else { return Vec::new() };
    let shared_ref =
        receiver.amp_token().is_some() && receiver.mut_token().is_none() && receiver.ty().is_none();
    let wanted: &[&str] = if shared_ref { &["Sync"] } else { &["Send"] };
    let stated =
        |bound: &str| supertraits.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| w == bound);
    wanted.iter().copied().filter(|b| !stated(b)).collect()
}

fn check_impl(node: &SyntaxNode, cx: &mut FileCx<'_>) {
    let Some(im) = ast::Impl::cast(node.clone()) else { return };
    let Some((attr, _)) = async_trait_attr(&im) else { return };
    let Some(ast::Type::PathType(path)) = im.trait_() else { return };
    let Some(trait_name) = path.path().and_then(|p| p.segment()).and_then(|s| s.name_ref()) else { return };
    let trait_name = trait_name.text().to_string();
    let edits = FileFix::new("remove `#[async_trait]` from the impl", Applicability::Safe)
        .delete(removal_range(attr.syntax()));
    let line = cx.line_of(node.text_range().start());
    let methods = async_methods(im.assoc_item_list());
    cx.defer_with_edits(Kept::Impl { trait_name, line, methods }, edits);
}

/// `use async_trait::async_trait;` in a file that no longer uses the attribute.
fn check_import(node: &SyntaxNode, cx: &mut FileCx<'_>) {
    let Some(item) = ast::Use::cast(node.clone()) else { return };
    if item.visibility().is_some() || cx.file_macro_call().is_some() || async_trait_idents(node) != 2 {
        return;
    }
    let Some(tree) = item.use_tree() else { return };
    let text = text_without_spaces(tree.syntax());
    if !matches!(text.as_str(), "async_trait::async_trait" | "::async_trait::async_trait") {
        return;
    }
    // Any other use of `async_trait` in the file (an attribute on a foreign trait's impl, a
    // path) keeps the import; comments do not count.
    if async_trait_idents(cx.root) > 2 {
        return;
    }
    cx.report(node.text_range(), "`async_trait` is imported but no longer used")
        .help("remove the import")
        .fix(
            FileFix::new("remove the unused `async_trait` import", Applicability::Safe)
                .delete(removal_range(node)),
        );
}

/// An `async-trait` dependency that no source file of the package names any more.
fn check_dependency(cx: &mut PackageCx<'_>) {
    if cx.facts().mentions_async_trait {
        return;
    }
    let package = cx.package();
    let Some(dep) = package.dependencies.iter().find(|d| d.name == "async-trait" && d.package.is_none())
    else {
        return;
    };
    // Named again elsewhere in the manifest (a feature that enables it, a workspace table):
    // leave it to a person.
    if package.manifest_text.matches("async-trait").count() != 1 {
        return;
    }
    let Some(span) = dep.span.clone() else { return };
    let section = match dep.kind {
        DependencyKind::Normal => "dependencies",
        DependencyKind::Dev => "dev-dependencies",
        DependencyKind::Build => "build-dependencies",
    };
    let target = dep.target.clone();
    let edit: Option<Edit> = edit_manifest(&package.manifest_path, &package.manifest_text, |doc| {
        let table = match &target {
            Some(target) => doc
                .get_mut("target")
                .and_then(|t| t.get_mut(target.as_str()))
                .and_then(|t| t.get_mut(section)),
            None => doc.get_mut(section),
        };
        table.and_then(|t| t.as_table_like_mut()).and_then(|t| t.remove("async-trait")).is_some()
    });
    let report = cx
        .report(span, "the `async-trait` dependency is no longer used: no source file names `async_trait`")
        .help("remove it from `Cargo.toml`");
    report.safe_fix("remove the unused `async-trait` dependency".to_owned(), edit);
}

/// How many times the identifier `async_trait` occurs in the tree (comments aside).
pub(crate) fn async_trait_idents(root: &SyntaxNode) -> usize {
    crate::source::parse::count_idents(root, "async_trait")
}

/// The async methods of a trait or impl, each with which of its lifetime parameters are
/// early-bound (named in a bound or a `where` clause).
fn async_methods(list: Option<ast::AssocItemList>) -> Vec<(String, Vec<bool>)> {
    let methods = list.into_iter().flat_map(|l| l.assoc_items()).filter_map(|item| match item {
        ast::AssocItem::Fn(f) if f.async_token().is_some() => Some(f),
        _ => None,
    });
    methods
        .filter_map(|method| {
            let name = method.name()?.text().to_string();
            Some((name, early_bound_lifetimes(&method)))
        })
        .collect()
}

/// For each lifetime parameter of `method`, in order: whether it is early-bound.
fn early_bound_lifetimes(method: &ast::Fn) -> Vec<bool> {
    let Some(params) = method.generic_param_list() else { return Vec::new() };
    let where_text = method.where_clause().map(|w| node_text(w.syntax())).unwrap_or_default();
    let all: Vec<ast::GenericParam> = params.generic_params().collect();
    all.iter()
        .filter_map(|param| match param {
            ast::GenericParam::LifetimeParam(l) => Some(l),
            _ => None,
        })
        .map(|lifetime| {
            let Some(name) = lifetime.lifetime().map(|l| l.text().to_string()) else { return false };
            let named_in = |text: &str| {
                text.match_indices(name.as_str()).any(|(at, _)| {
                    !text[at + name.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            };
            let own_bounds = lifetime.type_bound_list().is_some();
            let others = all
                .iter()
                .filter(|p| p.syntax() != lifetime.syntax())
                .any(|p| named_in(&node_text(p.syntax())));
            own_bounds || others || named_in(&where_text)
        })
        .collect()
}

/// An impl whose async method binds its lifetimes differently from the trait's method.
fn lifetime_mismatch<'d>(
    trait_item: &Deferred,
    impls: Option<&Vec<&'d Deferred>>,
) -> Option<(&'d Deferred, usize, String)> {
    let Some(Kept::Trait { methods, .. }) = trait_item.data.get::<Kept>() else { return None };
    for impl_item in impls.into_iter().flatten() {
        let Some(Kept::Impl { line, methods: impl_methods, .. }) = impl_item.data.get::<Kept>() else {
            continue;
        };
        for (name, early) in impl_methods {
            let differs =
                methods.iter().any(|(trait_name, trait_early)| trait_name == name && trait_early != early);
            if differs {
                return Some((impl_item, *line, name.clone()));
            }
        }
    }
    None
}
