//! Reading the attributes that change how code is judged: `#[cfg(test)]`, `#[test]`-like
//! attributes, `#[allow]`/`#[expect]` of lints, `#[path]` on modules and
//! `#![forbid(unsafe_code)]`.

use crate::source::parse::{
    AstNode, SyntaxKind, SyntaxNode, SyntaxToken, ast, first_child_node_kind, with_green,
};

/// What the outer attributes of an item (or the inner attributes of a file) say.
#[derive(Debug, Default)]
pub(crate) struct ScopeAttrs {
    /// The item is test code: `#[cfg(test)]`, `#[test]`, `#[tokio::test]`, ...
    pub test: bool,
    /// Lints named by `#[allow(..)]` / `#[expect(..)]`, as written (`clippy::unwrap_used`).
    pub allows: Vec<String>,
    /// `#[path = ".."]`.
    pub path: Option<String>,
    /// `forbid(unsafe_code)` or `deny(unsafe_code)`.
    pub forbids_unsafe_code: bool,
    /// `#[doc(hidden)]`: not part of the API a crate invites callers to use.
    pub doc_hidden: bool,
}

/// Attribute-macro names that turn a function into a test.
const TEST_ATTRS: &[&str] =
    &["test", "bench", "rstest", "test_case", "test_matrix", "quickcheck", "wasm_bindgen_test", "proptest"];

/// Whether a node starts with attributes and so opens a scope (a cheap check: attributes
/// are the first child nodes of the node that carries them).
pub(crate) fn has_attrs(node: &SyntaxNode) -> bool {
    first_child_node_kind(node) == Some(SyntaxKind::ATTR)
}

/// The attributes of a node, read from its first child nodes only. `ast::HasAttrs::attrs`
/// looks at every child, which for a file or a module body means every item in it: code
/// that asks this of each ancestor of each item would be quadratic.
pub(crate) fn leading_attrs(node: &SyntaxNode) -> impl Iterator<Item = ast::Attr> {
    node.children().take_while(|c| c.kind() == SyntaxKind::ATTR).filter_map(ast::Attr::cast)
}

/// An attribute read as tokens (its shape in the tree differs between parser releases): the
/// path as written without spaces (`async_trait::async_trait`) and the tokens after it.
pub(crate) fn attr_tokens(attr: &ast::Attr) -> Option<(String, Vec<SyntaxToken>)> {
    let meta = attr.meta()?;
    let mut tokens: Vec<SyntaxToken> = meta
        .syntax()
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .collect();
    let path_len = tokens.iter().take_while(|t| !matches!(t.text(), "(" | "=" | "[" | "{")).count();
    let rest = tokens.split_off(path_len);
    let path: String = tokens.iter().map(SyntaxToken::text).collect();
    Some((path, rest))
}

pub(crate) fn scope_attrs(node: &SyntaxNode) -> ScopeAttrs {
    let mut out = ScopeAttrs::default();
    // Read from the green tree: attributes are on most items, and reading them should not
    // create a node for each of their tokens.
    with_green(node, |node| {
        for attr in node.child_nodes().take_while(|child| child.kind() == SyntaxKind::ATTR) {
            if let Some((path, rest)) = attr.attr_parts() {
                read_scope_attr(&path, rest, &mut out);
            }
        }
    });
    out
}

/// Adds what one attribute (its path, then its other tokens without trivia) says. The other
/// tokens are read only for the attributes that can say something: most (`derive`, `repr`,
/// `inline`, ..) do not.
fn read_scope_attr<'a>(
    path: &str,
    mut rest: impl Iterator<Item = (SyntaxKind, &'a str)>,
    out: &mut ScopeAttrs,
) {
    match path {
        // Most predicates are short: kept on the stack.
        "cfg" => {
            let texts: smallvec::SmallVec<[&str; 32]> = rest.map(|(_, text)| text).collect();
            out.test |= cfg_requires_test(&texts);
        }
        "allow" | "expect" => out.allows.extend(lint_paths(rest)),
        "forbid" | "deny" => out.forbids_unsafe_code |= lint_paths(rest).iter().any(|l| l == "unsafe_code"),
        "doc" => out.doc_hidden |= rest.any(|(_, text)| text == "hidden"),
        // `#![cfg_attr(not(feature = "simd"), forbid(unsafe_code))]`: a package that
        // forbids `unsafe` in some builds has decided about it; allows under a condition
        // are not honoured, since the condition may be off.
        "cfg_attr" => {
            let texts: smallvec::SmallVec<[&str; 32]> = rest.map(|(_, text)| text).collect();
            out.forbids_unsafe_code |= texts
                .windows(3)
                .any(|w| matches!(w[0], "forbid" | "deny") && w[1] == "(" && texts.contains(&"unsafe_code"));
        }
        "path" => {
            out.path = rest
                .find(|(kind, _)| *kind == SyntaxKind::STRING)
                .map(|(_, text)| text.trim_matches('"').to_owned())
        }
        // The last segment (`tokio::test`): a path holds no single `:`.
        _ if TEST_ATTRS.contains(&path.rsplit(':').next().unwrap_or(path)) => out.test = true,
        _ => {}
    }
}

/// Whether a `cfg(..)` predicate only holds in test builds: `test`, `all(.., test, ..)`, or
/// `any(..)` whose every alternative is test-only. `any(test, feature = "std")` is not: that
/// code ships whenever the feature is on. `not(..)` never is.
fn cfg_requires_test(texts: &[&str]) -> bool {
    // `texts` starts with the `(` of `cfg(..)`.
    match texts.split_first() {
        Some((&"(", rest)) => {
            // Code that is off whenever `test` is off, whatever else is on.
            let mut pos = 0;
            let test_off =
                |name: &str, value: Option<&str>| (name == "test" && value.is_none()).then_some(false);
            eval_cfg(rest, &mut pos, 0, &test_off) == Some(false)
        }
        _ => false,
    }
}

/// Evaluates the `cfg` predicate at `pos` (leaving `pos` after it) in three values:
/// `Some(true)` / `Some(false)` when known, `None` when it depends on what `leaf` cannot
/// tell. `leaf` gets each option's name and, for `key = "value"`, the value unquoted.
pub(crate) fn eval_cfg(
    tokens: &[&str],
    pos: &mut usize,
    depth: usize,
    leaf: &dyn Fn(&str, Option<&str>) -> Option<bool>,
) -> Option<bool> {
    let name = *tokens.get(*pos)?;
    *pos += 1;
    match tokens.get(*pos).copied() {
        Some("=") => {
            let value = tokens.get(*pos + 1).map(|v| v.trim_matches('"'));
            *pos += 2;
            leaf(name, Some(value.unwrap_or_default()))
        }
        Some("(") => {
            if depth >= 32 {
                return None;
            }
            *pos += 1;
            let mut values = Vec::new();
            while let Some(&token) = tokens.get(*pos) {
                match token {
                    ")" => {
                        *pos += 1;
                        break;
                    }
                    "," => *pos += 1,
                    _ => values.push(eval_cfg(tokens, pos, depth + 1, leaf)),
                }
            }
            match name {
                "all" if values.contains(&Some(false)) => Some(false),
                "all" => values.iter().all(|v| *v == Some(true)).then_some(true),
                "any" if values.contains(&Some(true)) => Some(true),
                "any" => (!values.is_empty() && values.iter().all(|v| *v == Some(false))).then_some(false),
                "not" => values.first().copied().flatten().map(|v| !v),
                _ => None,
            }
        }
        _ => leaf(name, None),
    }
}

/// The lint paths of an `allow(..)`-like list: `clippy::unwrap_used`, `dead_code`, ...
fn lint_paths<'a>(tokens: impl Iterator<Item = (SyntaxKind, &'a str)>) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_value = false;
    for (kind, text) in tokens {
        match text {
            "(" => current.clear(),
            "," | ")" => {
                if !current.is_empty() && !in_value {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
                in_value = false;
            }
            // `reason = "..."` is no lint.
            "=" => in_value = true,
            text if kind == SyntaxKind::IDENT || text == ":" => current.push_str(text),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Edition;
    use crate::source::parse::parse_file;

    fn attrs_of_first_item(src: &str) -> ScopeAttrs {
        let parsed = parse_file(src, Edition::E2021);
        let item = parsed.root.first_child().expect("an item");
        assert!(has_attrs(&item));
        scope_attrs(&item)
    }

    #[test]
    fn test_markers() {
        assert!(attrs_of_first_item("#[cfg(test)] mod tests {}").test);
        assert!(attrs_of_first_item("#[cfg(all(test, unix))] mod tests {}").test);
        assert!(!attrs_of_first_item("#[cfg(any(test, feature = \"std\"))] mod t {}").test);
        assert!(!attrs_of_first_item("#[cfg(any(feature = \"alloc\", test))] mod t {}").test);
        assert!(attrs_of_first_item("#[cfg(any(test, all(test, unix)))] mod t {}").test);
        assert!(attrs_of_first_item("#[cfg(all(not(miri), any(test, test)))] mod t {}").test);
        assert!(!attrs_of_first_item("#[cfg(not(all(test, unix)))] mod t {}").test);
        assert!(!attrs_of_first_item("#[cfg(not(test))] mod t {}").test);
        assert!(!attrs_of_first_item("#[cfg(feature = \"test\")] mod t {}").test);
        assert!(attrs_of_first_item("#[tokio::test(flavor = \"multi_thread\")] async fn t() {}").test);
        assert!(attrs_of_first_item("#[test]\n#[should_panic] fn t() {}").test);
        assert!(!attrs_of_first_item("#[inline] fn t() {}").test);
    }

    #[test]
    fn the_green_split_is_the_split_of_the_tokens() {
        let src = "#![cfg_attr(test, allow(x))]\n#[tokio :: test(flavor = \"current_thread\")]\n#[doc = \"d\"]\n\
                   #[unsafe(no_mangle)]\n#[derive(Debug)]\n#[rustfmt::skip]\n#[path=\"a.rs\"]\n#[x{y}]\n#[a::b[c]]\n\
                   #[allow(\n    dead_code // why\n)]\n#[]\nfn f() {}";
        let parsed = parse_file(src, Edition::E2021);
        let attrs: Vec<ast::Attr> = parsed.root.descendants().filter_map(ast::Attr::cast).collect();
        assert_eq!(attrs.len(), 11);
        for attr in attrs {
            let green = with_green(attr.syntax(), |g| {
                g.attr_parts()
                    .map(|(path, rest)| (path.into_owned(), rest.map(|(_, text)| text.to_owned()).collect()))
            });
            let red: Option<(String, Vec<String>)> = attr_tokens(&attr)
                .map(|(path, rest)| (path, rest.iter().map(|t| t.text().to_owned()).collect()));
            assert_eq!(green, red, "{}", attr.syntax());
        }
        assert!(attrs_of_first_item("#[inline]\n#[tokio::test]\nasync fn t() {}").test);
        assert!(!attrs_of_first_item("#[inline]\n#[my::helper]\nasync fn t() {}").test);
    }

    #[test]
    fn allows_path_and_forbid() {
        let attrs = attrs_of_first_item(
            "#[allow(dead_code, clippy::unwrap_used)]\n#[expect(clippy::expect_used, reason = \"x\")]\n#[path = \"other.rs\"] mod m;",
        );
        assert_eq!(attrs.allows, ["dead_code", "clippy::unwrap_used", "clippy::expect_used"]);
        assert_eq!(attrs.path.as_deref(), Some("other.rs"));
        let parsed = parse_file("#![forbid(unsafe_code)]\nfn main() {}", Edition::E2021);
        assert!(scope_attrs(&parsed.root).forbids_unsafe_code);
        let parsed =
            parse_file("#![cfg_attr(not(feature = \"simd\"), forbid(unsafe_code))]\n", Edition::E2021);
        assert!(scope_attrs(&parsed.root).forbids_unsafe_code);
        let parsed = parse_file("#![cfg_attr(test, allow(unsafe_code))]\n", Edition::E2021);
        assert!(!scope_attrs(&parsed.root).forbids_unsafe_code);
    }
}
