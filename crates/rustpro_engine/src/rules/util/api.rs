//! Whether an item is part of a library's public API.

use crate::rule::FileCx;
use crate::source::parse::ast::{HasDocComments, HasVisibility};
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, ast, node_text, with_green};

/// Whether a visibility is exactly `pub` (not `pub(crate)`, `pub(super)`, `pub(in ..)`).
pub(crate) fn is_exactly_pub(visibility: Option<ast::Visibility>) -> bool {
    visibility.is_some_and(|v| v.pub_token().is_some() && v.visibility_inner().is_none())
}

/// [`is_exactly_pub`] for the visibility of an item, read from the green tree.
fn has_exactly_pub(item: GreenRef<'_>) -> bool {
    item.child(SyntaxKind::VISIBILITY)
        .is_some_and(|v| v.has_token(SyntaxKind::PUB_KW) && v.child(SyntaxKind::VISIBILITY_INNER).is_none())
}

/// Whether a `pub` function is part of the file's public API as far as the file can tell:
/// its own visibility is exactly `pub`, it is not nested in a function body, every inline
/// module around it is `pub`, and if it is a method, its `impl` is inherent (trait impl
/// methods carry no visibility of their own).
pub(crate) fn is_public_fn(function: &ast::Fn, cx: &FileCx<'_>) -> bool {
    if !is_exactly_pub(function.visibility()) {
        return false;
    }
    is_public_position(function.syntax(), cx)
}

/// Whether an item that is `pub` itself sits where `pub` reaches outside the file: see
/// [`is_public_fn`].
pub(crate) fn is_public_position(item: &SyntaxNode, cx: &FileCx<'_>) -> bool {
    // The item at the top of the file that holds `item` (itself, an impl, an inline module).
    let mut top = item.clone();
    for ancestor in item.ancestors().skip(1) {
        match ancestor.kind() {
            SyntaxKind::SOURCE_FILE => {
                return cx.in_public_module()
                    || top_level_name(&top).is_some_and(|name| cx.is_reexported(&name));
            }
            SyntaxKind::ITEM_LIST | SyntaxKind::ASSOC_ITEM_LIST => {}
            // Read from the green tree: asked for every item checked.
            SyntaxKind::MODULE => {
                if !with_green(&ancestor, has_exactly_pub) {
                    return false;
                }
            }
            // A trait impl (an impl has a trait only with `for`).
            SyntaxKind::IMPL => {
                if with_green(&ancestor, |imp| imp.has_token(SyntaxKind::FOR_KW)) {
                    return false;
                }
            }
            // Function bodies, traits, extern blocks, macro input: not a public path.
            _ => return false,
        }
        top = ancestor;
    }
    // A fragment (macro input) with no file around it.
    false
}

/// The name a top-level item is re-exported by: its own name, or for an inherent impl the
/// name of the type it implements.
fn top_level_name(item: &SyntaxNode) -> Option<String> {
    if let Some(imp) = ast::Impl::cast(item.clone()) {
        let ty = node_text(imp.self_ty()?.syntax());
        let name =
            ty.split('<').next().unwrap_or(&ty).rsplit("::").next().unwrap_or_default().trim().to_owned();
        return (!name.is_empty()).then_some(name);
    }
    let named = ast::AnyHasName::cast(item.clone())?;
    Some(ast::HasName::name(&named)?.text().to_string())
}

/// Whether the package builds a proc-macro library (`proc-macro = true` in `[lib]`): its
/// library has no API but its macros, and a panic in it is a compile error, not a crash.
pub(crate) fn is_proc_macro_package(cx: &FileCx<'_>) -> bool {
    cx.package().is_proc_macro
}

/// Whether an item or one of the items around it carries `#[doc(hidden)]` or
/// `#[deprecated]`: not part of the API a library invites callers to use.
pub(crate) fn is_hidden_or_deprecated(item: &SyntaxNode) -> bool {
    item.ancestors().any(|owner| {
        crate::rule::leading_attrs(&owner).any(|attr| {
            // Read as tokens: the shape of attributes in the tree differs between parser releases.
            let Some(meta) = attr.meta() else { return false };
            // Most attributes are neither (`#[inline]`, `#[must_use]`): skip them before
            // building their text.
            let first = meta.syntax().first_token();
            if !first.is_some_and(|t| matches!(t.text(), "doc" | "deprecated")) {
                return false;
            }
            let text: String = meta
                .syntax()
                .descendants_with_tokens()
                .filter_map(|e| e.into_token())
                .filter(|t| !t.kind().is_trivia())
                .map(|t| t.text().to_owned())
                .collect();
            text == "doc(hidden)"
                || text == "deprecated"
                || text.starts_with("deprecated(")
                || text.starts_with("deprecated=")
        })
    })
}

/// Whether an item's doc comments have a section with the given heading (`# Panics`).
pub(crate) fn has_doc_section(item: &SyntaxNode, heading: &str) -> bool {
    let Some(owner) = ast::AnyHasDocComments::cast(item.clone()) else { return false };
    owner.doc_comments().any(|comment| {
        comment.doc_comment().is_some_and(|(text, _)| {
            text.lines().any(|line| line.trim_start_matches([' ', '*', '!']).trim_end() == heading)
        })
    })
}

/// A public library API item whose type a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApiItem {
    /// A function: its return type.
    Function,
    /// A type alias: the aliased type.
    TypeAlias,
}

impl ApiItem {
    /// "public function returns" / "public type alias is", to put before a type.
    pub(crate) fn is_phrase(self) -> &'static str {
        match self {
            ApiItem::Function => "public function returns",
            ApiItem::TypeAlias => "public type alias is",
        }
    }

    /// "public function's return type contains" / "public type alias contains".
    pub(crate) fn contains_phrase(self) -> &'static str {
        match self {
            ApiItem::Function => "public function's return type contains",
            ApiItem::TypeAlias => "public type alias contains",
        }
    }
}

/// Whether a file can hold what [`public_api_type`] finds: production code of a library
/// that is no proc-macro package.
pub(crate) fn may_hold_public_api(cx: &FileCx<'_>) -> bool {
    cx.is_library_production() && !is_proc_macro_package(cx)
}

/// Whether [`public_api_type`] may find something at a node, judged on the green tree: a
/// function that is exactly `pub` and declares a return type, a type alias that is exactly
/// `pub`.
pub(crate) fn may_be_public_api_type(node: GreenRef<'_>) -> bool {
    has_exactly_pub(node) && (node.kind() != SyntaxKind::FN || node.child(SyntaxKind::RET_TYPE).is_some())
}

/// The type a public library API item exposes, for rules about return types: the return
/// type of a public function (see [`is_public_fn`]) or the aliased type of a public type
/// alias. `None` outside library production code and in proc-macro crates. Callers check
/// [`is_hidden_or_deprecated`] last, once they know they have a finding: it is the costly test.
pub(crate) fn public_api_type(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<(ApiItem, ast::Type)> {
    if !may_hold_public_api(cx) {
        return None;
    }
    if let Some(function) = ast::Fn::cast(node.clone()) {
        if !is_public_fn(&function, cx) {
            return None;
        }
        return Some((ApiItem::Function, function.ret_type()?.ty()?));
    }
    let alias = ast::TypeAlias::cast(node.clone())?;
    if !is_exactly_pub(alias.visibility()) || !is_public_position(node, cx) {
        return None;
    }
    Some((ApiItem::TypeAlias, alias.ty()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Edition;
    use crate::source::parse::parse_file;

    #[test]
    fn only_exactly_pub_functions_with_a_return_type_and_aliases_may_be_api_types() {
        let text = "pub fn a() -> R {}\npub(crate) fn b() -> R {}\nfn c() -> R {}\npub fn d() {}\n\
                    pub type E = R;\npub(super) type F = R;\n#[doc(hidden)]\npub unsafe fn g() -> R {}\n";
        let root = parse_file(text, Edition::E2021).root;
        let found: Vec<bool> = root
            .children()
            .filter(|n| matches!(n.kind(), SyntaxKind::FN | SyntaxKind::TYPE_ALIAS))
            .map(|n| may_be_public_api_type(GreenRef::of(&n)))
            .collect();
        assert_eq!(found, [true, false, false, false, true, false, true]);
    }
}
