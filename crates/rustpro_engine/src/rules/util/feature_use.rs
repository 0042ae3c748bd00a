//! Seeing the features of [`super::rust_features`] in code: one look at each node of the
//! kinds in [`FEATURE_KINDS`], during the file walk every rule shares.

use super::rust_features::{Detect, FEATURES, Feature, Minor, Syntax, feature, newest};
use super::traits::attr_parts;
use super::{ancestors_in_file, macro_name, path_text};
use crate::project::Edition;
use crate::rule::FileCx;
use crate::source::parse::ast::{HasArgList, HasAttrs, HasGenericParams, HasName};
use crate::source::parse::{
    AstNode, GreenRef, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize, ast, with_green,
};
use std::sync::LazyLock;

/// The node kinds features are seen in.
pub(crate) const FEATURE_KINDS: [SyntaxKind; 19] = [
    SyntaxKind::PATH,
    SyntaxKind::USE_TREE,
    SyntaxKind::METHOD_CALL_EXPR,
    SyntaxKind::MACRO_CALL,
    SyntaxKind::ATTR,
    SyntaxKind::FN,
    SyntaxKind::BLOCK_EXPR,
    SyntaxKind::CLOSURE_EXPR,
    SyntaxKind::LET_ELSE,
    SyntaxKind::LET_EXPR,
    SyntaxKind::TYPE_ALIAS,
    SyntaxKind::CONST_PARAM,
    SyntaxKind::REF_EXPR,
    SyntaxKind::EXTERN_BLOCK,
    SyntaxKind::USE_BOUND_GENERIC_ARGS,
    SyntaxKind::LITERAL,
    SyntaxKind::RANGE_PAT,
    SyntaxKind::ASSOC_TYPE_ARG,
    SyntaxKind::BIN_EXPR,
];

/// A feature seen in code, and where (a range of the tree being walked).
#[derive(Debug)]
pub(crate) struct FeatureUse {
    pub feature: &'static Feature,
    pub range: TextRange,
}

/// The feature newer than `1.floor` that `node` uses, if any. Test code does not count, nor
/// code a default build leaves out (see [`is_outside_default_build`]).
pub(crate) fn feature_use(node: &SyntaxNode, cx: &FileCx<'_>, floor: Minor) -> Option<FeatureUse> {
    if floor >= newest() || cx.in_test_code() {
        return None;
    }
    let (feature, range) = detect(node, cx, floor)?;
    // `#[cfg(false)]` is itself the feature, whatever it leaves out.
    let is_cfg_literal = feature.detect == Detect::Syntax(Syntax::CfgBooleanLiterals);
    if feature.minor <= floor || (!is_cfg_literal && is_outside_default_build(node, cx)) {
        return None;
    }
    Some(FeatureUse { feature, range })
}

/// Whether [`feature_use`] could find a feature at `node` (of one of [`FEATURE_KINDS`]),
/// judged from the green tree: the cheap first tests of [`detect`], so that the walk passes
/// over the many paths, blocks, literals and operators that use nothing of the table.
pub(crate) fn may_use_feature(node: GreenRef<'_>) -> bool {
    use SyntaxKind as K;
    match node.kind() {
        // What `path_use` reads: an `AsyncFn*` bound, or a qualified path with a segment
        // naming an item of the table (a single segment is an item imported by name, whose
        // `use` is read).
        K::PATH => {
            // Most paths are too short to hold either (`x`, `self`, `Ok`).
            if node.text_len() < shortest_path_of_interest() {
                return false;
            }
            if node.child(K::PATH).is_some() {
                node.any_path_segment_name(|name| names_std_item(name) || name.starts_with("AsyncFn"))
            } else {
                let name = node.child(K::PATH_SEGMENT).and_then(|segment| segment.name_ref_text());
                name.is_some_and(|name| name.starts_with("AsyncFn"))
            }
        }
        K::METHOD_CALL_EXPR => node.name_ref_text().is_some_and(is_table_method),
        K::MACRO_CALL => {
            node.any_path_segment_name(|name| FORMAT_MACROS.contains(&name) || PANIC_MACROS.contains(&name))
        }
        K::ATTR => starts_with_attr_word(node),
        K::BLOCK_EXPR => {
            node.has_token(K::CONST_KW) || node.has_token(K::ASYNC_KW) || node.has_child_in(&[K::LABEL])
        }
        K::CLOSURE_EXPR => node.has_token(K::ASYNC_KW),
        // `use_tree_use` looks at the leaves of a `use` only.
        K::USE_TREE => !node.has_child_in(&[K::USE_TREE_LIST]) && !node.has_token(K::STAR),
        // What `fn_use` needs: `async`, or `-> impl Trait` (in a trait or trait impl).
        K::FN => {
            node.has_token(K::ASYNC_KW)
                || node.child(K::RET_TYPE).is_some_and(|ret| {
                    ret.find_map_node(|n| (n.kind() == K::IMPL_TRAIT_TYPE).then_some(())).is_some()
                })
        }
        K::TYPE_ALIAS => node.has_child_in(&[K::GENERIC_PARAM_LIST]),
        K::REF_EXPR => node.has_token(K::RAW_KW),
        K::EXTERN_BLOCK => node.has_token(K::UNSAFE_KW),
        K::LITERAL => node.has_token(K::C_STRING),
        K::RANGE_PAT => node.has_token(K::DOT2),
        K::ASSOC_TYPE_ARG => node.has_child_in(&[K::TYPE_BOUND_LIST]),
        // A destructuring assignment: `=` with a tuple, array, struct, call or `_` on the left.
        K::BIN_EXPR => {
            let lhs = node.child_nodes().find(|child| child.kind() != K::ATTR).map(|child| child.kind());
            node.has_token(K::EQ)
                && lhs.is_some_and(|kind| {
                    matches!(
                        kind,
                        K::TUPLE_EXPR | K::ARRAY_EXPR | K::RECORD_EXPR | K::CALL_EXPR | K::UNDERSCORE_EXPR
                    )
                })
        }
        _ => true,
    }
}

/// The node kinds at which [`detect`] finds the uses of a feature detected so.
fn detected_at(detect: &Detect) -> &'static [SyntaxKind] {
    use SyntaxKind as K;
    match detect {
        Detect::Path(_) => &[K::PATH, K::USE_TREE],
        Detect::Method(..) => &[K::METHOD_CALL_EXPR],
        Detect::Syntax(syntax) => match syntax {
            Syntax::Async => &[K::FN, K::BLOCK_EXPR],
            Syntax::AsyncFnInTrait | Syntax::ImplTraitInTrait => &[K::FN],
            Syntax::LabeledBlock | Syntax::InlineConst => &[K::BLOCK_EXPR],
            Syntax::DefaultVariant
            | Syntax::DiagnosticAttribute
            | Syntax::ExpectAttribute
            | Syntax::UnsafeAttribute
            | Syntax::CfgBooleanLiterals => &[K::ATTR],
            Syntax::ConstGenerics => &[K::CONST_PARAM],
            Syntax::InlineFormatArgs => &[K::MACRO_CALL],
            Syntax::DestructuringAssignment => &[K::BIN_EXPR],
            Syntax::LetElse => &[K::LET_ELSE],
            Syntax::GenericAssociatedTypes => &[K::TYPE_ALIAS],
            Syntax::CStringLiteral => &[K::LITERAL],
            Syntax::AssociatedTypeBounds => &[K::ASSOC_TYPE_ARG],
            Syntax::ExclusiveRangePattern => &[K::RANGE_PAT],
            Syntax::RawRef => &[K::REF_EXPR],
            Syntax::UnsafeExtern => &[K::EXTERN_BLOCK],
            Syntax::PreciseCapturing | Syntax::PreciseCapturingInTrait => &[K::USE_BOUND_GENERIC_ARGS],
            Syntax::AsyncClosure => &[K::CLOSURE_EXPR],
            Syntax::AsyncFnBound => &[K::PATH],
            Syntax::LetChains | Syntax::IfLetGuards => &[K::LET_EXPR],
        },
        Detect::Manifest(_) | Detect::Edition(_) => &[],
    }
}

/// Whether a feature newer than `1.floor` may be found at a node of `kind`: most packages
/// promise a toolchain newer than what most kinds can show (format string captures, 1.58,
/// at every `println!`), and the walk then passes over those kinds.
pub(crate) fn newer_at(kind: SyntaxKind, floor: Minor) -> bool {
    static NEWEST: LazyLock<Vec<Minor>> = LazyLock::new(|| {
        let mut newest = vec![0; crate::source::parse::KIND_COUNT];
        for feature in FEATURES {
            for &kind in detected_at(&feature.detect) {
                let at = &mut newest[crate::source::parse::kind_index(kind)];
                *at = (*at).max(feature.minor);
            }
        }
        newest
    });
    NEWEST.get(crate::source::parse::kind_index(kind)).is_some_and(|&newest| newest > floor)
}

/// The words of which every node [`may_use_feature`] takes holds one, or else one of
/// [`FEATURE_MARKS`] (see `Rule::words`): the names of the table's items and methods, the
/// macros whose arguments it reads, and the keywords of the syntax it dates.
pub(crate) fn feature_words() -> &'static [&'static str] {
    static WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let mut words: Vec<&'static str> = std_item_names().collect();
        words.extend(FEATURES.iter().filter_map(|f| match f.detect {
            Detect::Method(name, _) => Some(name),
            _ => None,
        }));
        words.extend_from_slice(FORMAT_MACROS);
        words.extend_from_slice(PANIC_MACROS);
        words.extend_from_slice(&["use", "const", "async", "let", "type", "raw", "extern", "fn"]);
        words.sort_unstable();
        words.dedup();
        words
    });
    &WORDS
}

/// What a node [`may_use_feature`] takes may hold instead of one of [`feature_words`]: an
/// `AsyncFn*` trait, a label, a range pattern, an assignment, an associated type's bounds
/// (inside `<..>`), a C string.
pub(crate) const FEATURE_MARKS: &[&str] = &["AsyncFn", "'", "..", "=", "<", "c\"", "cr\"", "cr#"];

/// Whether features newer than `1.floor` can be found in the file at all: never in test
/// code, which stays test code down the tree.
pub(crate) fn features_apply(cx: &FileCx<'_>, floor: Minor) -> bool {
    floor < newest() && !cx.in_test_code()
}

/// The first words of the attributes [`attr_use`] looks at.
const ATTR_WORDS: &[&str] = &["unsafe", "expect", "cfg", "default", "diagnostic"];

/// Whether the first token of an attribute that starts like a word (its path's first
/// segment) is one of [`ATTR_WORDS`], as [`attr_use`] first asks.
fn starts_with_attr_word(node: GreenRef<'_>) -> bool {
    let mut known = false;
    node.any_token(|_, text| {
        let word = text.starts_with(|c: char| c.is_alphabetic() || c == '_');
        if word {
            known = ATTR_WORDS.contains(&text);
        }
        word
    });
    known
}

/// Whether a method of that name is in the table (at any release): asked of every method
/// call the walk meets.
fn is_table_method(name: &str) -> bool {
    static METHODS: LazyLock<StdNames> = LazyLock::new(|| {
        StdNames::new(FEATURES.iter().filter_map(|f| match f.detect {
            Detect::Method(name, _) => Some(name),
            _ => None,
        }))
    });
    METHODS.contains(name)
}

pub(crate) fn detect(
    node: &SyntaxNode,
    cx: &FileCx<'_>,
    floor: Minor,
) -> Option<(&'static Feature, TextRange)> {
    let syntax = |s: Syntax| feature(Detect::Syntax(s));
    let whole = node.text_range();
    match node.kind() {
        SyntaxKind::PATH => {
            // Most paths name nothing of the table: decide that on the green tree.
            let candidate = crate::source::parse::any_path_segment_name(node, |name| {
                names_std_item(name) || name.starts_with("AsyncFn")
            });
            if !candidate {
                return None;
            }
            path_use(node, cx)
        }
        SyntaxKind::USE_TREE => use_tree_use(node),
        SyntaxKind::METHOD_CALL_EXPR => method_use(node, cx, floor),
        SyntaxKind::MACRO_CALL => format_capture(node, cx).map(|r| (syntax(Syntax::InlineFormatArgs), r)),
        SyntaxKind::ATTR => attr_use(node).map(|s| (syntax(s), whole)),
        SyntaxKind::FN => fn_use(node),
        SyntaxKind::BLOCK_EXPR => block_use(node, cx),
        SyntaxKind::CLOSURE_EXPR => {
            let token = ast::ClosureExpr::cast(node.clone())?.async_token()?;
            Some((syntax(Syntax::AsyncClosure), token.text_range()))
        }
        SyntaxKind::LET_ELSE => Some((syntax(Syntax::LetElse), first_token_range(node))),
        SyntaxKind::LET_EXPR => let_use(node, cx).map(|s| (syntax(s), first_token_range(node))),
        SyntaxKind::TYPE_ALIAS => {
            let alias = ast::TypeAlias::cast(node.clone())?;
            let in_trait_or_impl = node.parent()?.kind() == SyntaxKind::ASSOC_ITEM_LIST;
            let params = alias.generic_param_list().filter(|_| in_trait_or_impl)?;
            let start = alias.name().map_or(whole.start(), |n| n.syntax().text_range().start());
            let range = TextRange::new(start, params.syntax().text_range().end());
            Some((syntax(Syntax::GenericAssociatedTypes), range))
        }
        SyntaxKind::CONST_PARAM => Some((syntax(Syntax::ConstGenerics), whole)),
        SyntaxKind::REF_EXPR => {
            let reference = ast::RefExpr::cast(node.clone())?;
            let raw = reference.raw_token()?;
            Some((syntax(Syntax::RawRef), TextRange::new(whole.start(), raw.text_range().end())))
        }
        SyntaxKind::EXTERN_BLOCK => {
            let token = ast::ExternBlock::cast(node.clone())?.unsafe_token()?;
            Some((syntax(Syntax::UnsafeExtern), token.text_range()))
        }
        SyntaxKind::USE_BOUND_GENERIC_ARGS => {
            let range = node.parent().map_or(whole, |bound| bound.text_range());
            let in_trait = node.ancestors().find(|a| a.kind() == SyntaxKind::FN).is_some_and(|f| {
                trait_or_trait_impl(&f).is_some() && f.children().any(|c| c.kind() == SyntaxKind::RET_TYPE)
            });
            let s = if in_trait { Syntax::PreciseCapturingInTrait } else { Syntax::PreciseCapturing };
            Some((syntax(s), range))
        }
        SyntaxKind::LITERAL => {
            let token = node.first_token().filter(|t| t.kind() == SyntaxKind::C_STRING)?;
            Some((syntax(Syntax::CStringLiteral), token.text_range()))
        }
        SyntaxKind::RANGE_PAT => {
            // `a..b` / `..b`: a `..` with a pattern after it (`a..` is older).
            let dots = node.children_with_tokens().find(|e| e.kind() == SyntaxKind::DOT2)?;
            let end = dots.next_sibling_or_token();
            let has_end =
                std::iter::successors(end, |e| e.next_sibling_or_token()).any(|e| e.as_node().is_some());
            has_end.then(|| (syntax(Syntax::ExclusiveRangePattern), whole))
        }
        SyntaxKind::ASSOC_TYPE_ARG => {
            let bounds = node.children().any(|c| c.kind() == SyntaxKind::TYPE_BOUND_LIST);
            bounds.then(|| (syntax(Syntax::AssociatedTypeBounds), whole))
        }
        SyntaxKind::BIN_EXPR => {
            let expr = ast::BinExpr::cast(node.clone())?;
            let assignment = matches!(expr.op_kind()?, ast::BinaryOp::Assignment { op: None });
            let destructures = matches!(
                expr.lhs()?,
                ast::Expr::TupleExpr(_)
                    | ast::Expr::ArrayExpr(_)
                    | ast::Expr::RecordExpr(_)
                    | ast::Expr::CallExpr(_)
                    | ast::Expr::UnderscoreExpr(_)
            );
            let lhs = expr.lhs()?.syntax().text_range();
            (assignment && destructures).then(|| (syntax(Syntax::DestructuringAssignment), lhs))
        }
        _ => None,
    }
}

fn first_token_range(node: &SyntaxNode) -> TextRange {
    node.first_token().map_or(node.text_range(), |t| t.text_range())
}

/// The last segment of each std path in the table (with repeats).
fn std_item_names() -> impl Iterator<Item = &'static str> {
    FEATURES
        .iter()
        .filter_map(|f| match f.detect {
            Detect::Path(paths) => Some(paths),
            _ => None,
        })
        .flatten()
        .map(|p| p.rsplit_once("::").map_or(*p, |(_, last)| last))
}

/// The length of the shortest path [`may_use_feature`] may take: `AsyncFn` alone, or a
/// qualifier, `::` and the shortest name of the table (`x::zip`).
fn shortest_path_of_interest() -> TextSize {
    static SHORTEST: LazyLock<TextSize> = LazyLock::new(|| {
        let shortest_name = std_item_names().map(str::len).min().unwrap_or(0);
        let shortest = "AsyncFn".len().min("x::".len() + shortest_name);
        TextSize::try_from(shortest).unwrap_or_default()
    });
    *SHORTEST
}

/// The last segment names of the std paths in the table: a path naming none of them is
/// skipped without expanding its imports. Asked of every path segment the walk meets, so
/// the first byte and the length turn most names down before the search.
fn names_std_item(name: &str) -> bool {
    static NAMES: LazyLock<StdNames> = LazyLock::new(|| StdNames::new(std_item_names()));
    NAMES.contains(name)
}

/// A sorted set of names with a cheap first test: the lengths of the names that start with
/// each byte.
struct StdNames {
    names: Vec<&'static str>,
    /// Per first byte: bit `n` (n < 64) for a name of `n` bytes; bit 63 also for longer ones.
    lengths: [u64; 256],
}

impl StdNames {
    fn new(names: impl Iterator<Item = &'static str>) -> StdNames {
        let mut names: Vec<&'static str> = names.collect();
        names.sort_unstable();
        names.dedup();
        let mut lengths = [0u64; 256];
        for name in &names {
            if let Some(&byte) = name.as_bytes().first() {
                lengths[usize::from(byte)] |= 1 << name.len().min(63);
            }
        }
        StdNames { names, lengths }
    }

    fn contains(&self, name: &str) -> bool {
        let Some(&byte) = name.as_bytes().first() else { return self.names.contains(&name) };
        self.lengths[usize::from(byte)] & (1 << name.len().min(63)) != 0
            && self.names.binary_search(&name).is_ok()
    }
}

/// The std path feature `full` (a path with imports expanded) is or starts with.
fn std_path_feature(full: &str) -> Option<&'static Feature> {
    let full = full.trim_start_matches("::");
    FEATURES.iter().find(|f| match f.detect {
        Detect::Path(paths) => paths
            .iter()
            .any(|p| full.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))),
        _ => false,
    })
}

/// A path in code (not in a `use`, which [`use_tree_use`] sees whole): `AsyncFn(..)` bounds,
/// and qualified paths to std items (`std::sync::LazyLock::new`, `sync::OnceLock` with
/// `use std::sync`). A one-segment path names an import (seen at the `use`) or a local item.
fn path_use(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<(&'static Feature, TextRange)> {
    let parent = node.parent()?;
    if matches!(parent.kind(), SyntaxKind::PATH | SyntaxKind::USE_TREE) {
        return None;
    }
    let path = ast::Path::cast(node.clone())?;
    let segment = path.segment()?;
    let name = segment.name_ref()?;
    let name = name.text();
    if matches!(name, "AsyncFn" | "AsyncFnMut" | "AsyncFnOnce") && segment.parenthesized_arg_list().is_some()
    {
        return Some((feature(Detect::Syntax(Syntax::AsyncFnBound)), node.text_range()));
    }
    path.qualifier()?;
    let mut named = false;
    let mut current = Some(path.clone());
    while let Some(p) = current {
        if p.segment().and_then(|s| s.name_ref()).is_some_and(|n| names_std_item(n.text())) {
            named = true;
            break;
        }
        current = p.qualifier();
    }
    if !named {
        return None;
    }
    let full = cx.expand_path_at(node, &path_text(&path));
    std_path_feature(&full).map(|f| (f, node.text_range()))
}

/// A leaf of a `use` tree naming a std item: `use std::sync::{Arc, LazyLock};`.
fn use_tree_use(node: &SyntaxNode) -> Option<(&'static Feature, TextRange)> {
    let green = GreenRef::of(node);
    if green.child(SyntaxKind::USE_TREE_LIST).is_some() || green.has_token(SyntaxKind::STAR) {
        return None;
    }
    // The trees from the leaf up to the root of the `use`.
    let trees = || {
        node.ancestors()
            .take_while(|tree| matches!(tree.kind(), SyntaxKind::USE_TREE | SyntaxKind::USE_TREE_LIST))
            .filter(|tree| tree.kind() == SyntaxKind::USE_TREE)
    };
    // Most imports name nothing of the table: skip them on the green tree, before creating
    // a node of their paths.
    let names_item = trees().any(|tree| {
        with_green(&tree, |tree| {
            tree.child(SyntaxKind::PATH)
                .is_some_and(|path| path.any_path_segment_name(|name| name == "self" || names_std_item(name)))
        })
    });
    if !names_item {
        return None;
    }
    let path = ast::UseTree::cast(node.clone())?.path()?;
    let paths: Vec<ast::Path> = trees().filter_map(|tree| ast::UseTree::cast(tree)?.path()).collect();
    let full = paths.iter().rev().map(path_text).collect::<Vec<_>>().join("::");
    std_path_feature(&full).map(|f| (f, path.syntax().text_range()))
}

/// A method of the table, unless the file defines a `fn` of that name (its own extension
/// trait, or a polyfill).
fn method_use(node: &SyntaxNode, cx: &FileCx<'_>, floor: Minor) -> Option<(&'static Feature, TextRange)> {
    let call = ast::MethodCallExpr::cast(node.clone())?;
    let name = call.name_ref()?;
    let name_text = name.text();
    let feature = FEATURES
        .iter()
        .find(|f| f.minor > floor && matches!(f.detect, Detect::Method(m, _) if m == name_text))?;
    let Detect::Method(method, args) = feature.detect else { return None };
    if call.arg_list()?.args().count() != args {
        return None;
    }
    if !cx.text.is_empty() && defines_fn(cx.text, method) {
        return None;
    }
    let range = TextRange::new(name.syntax().text_range().start(), call.syntax().text_range().end());
    Some((feature, range))
}

/// Whether `text` has `fn name` followed by something that ends the name.
fn defines_fn(text: &str, name: &str) -> bool {
    text.match_indices("fn ").any(|(at, _)| {
        let rest = text[at + 3..].trim_start();
        rest.strip_prefix(name)
            .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    })
}

/// Macros whose first string is a format string, in every edition.
const FORMAT_MACROS: &[&str] =
    &["format", "format_args", "print", "println", "eprint", "eprintln", "write", "writeln"];

/// Macros that format their message from edition 2021 on (before, one argument is printed as is).
const PANIC_MACROS: &[&str] = &[
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "unreachable",
    "todo",
    "unimplemented",
];

/// A `{name}` capture in the format string of a std formatting macro, with no `name = ..`
/// argument: the range of the string.
fn format_capture(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<TextRange> {
    let call = ast::MacroCall::cast(node.clone())?;
    let (qualifier, name) = macro_name(&call)?;
    if !matches!(qualifier.trim_start_matches("::"), "" | "std" | "core" | "alloc") {
        return None;
    }
    let formats = FORMAT_MACROS.contains(&name.as_str())
        || (cx.package().edition >= Edition::E2021 && PANIC_MACROS.contains(&name.as_str()));
    if !formats {
        return None;
    }
    let tt = call.token_tree()?;
    let tokens: Vec<SyntaxToken> = tt
        .syntax()
        .children_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .collect();
    let named: Vec<&str> = tokens
        .windows(3)
        .filter(|w| {
            w[0].kind() == SyntaxKind::IDENT && w[1].kind() == SyntaxKind::EQ && w[2].kind() != SyntaxKind::EQ
        })
        .map(|w| w[0].text())
        .collect();
    let string = tokens.iter().find(|t| t.kind() == SyntaxKind::STRING)?;
    captures(string.text()).iter().any(|c| !named.contains(c)).then(|| string.text_range())
}

/// The identifiers a format string captures: `{name}`, `{name:?}`, `{:width$}`.
fn captures(literal: &str) -> Vec<&str> {
    let body = literal.find('"').map_or(literal, |at| &literal[at + 1..]);
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(after) = rest.strip_prefix('{') {
            rest = after;
            continue;
        }
        let Some(close) = rest.find('}') else { break };
        let inner = &rest[..close];
        rest = &rest[close + 1..];
        let (arg, spec) = inner.split_once(':').unwrap_or((inner, ""));
        let mut names = vec![arg.trim()];
        names.extend(spec.split('$').rev().skip(1).map(|s| {
            let start = s.rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
            &s[start..]
        }));
        out.extend(names.into_iter().filter(|n| is_identifier(n)));
    }
    out
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && text != "_"
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn attr_use(node: &SyntaxNode) -> Option<Syntax> {
    // The first word decides (`#[cfg(..)]`, `#![expect(..)]`): most attributes are passed
    // over before the rest of their tokens are read.
    if !starts_with_attr_word(GreenRef::of(node)) {
        return None;
    }
    // Read from the green tree: no node for each token, and no list of them.
    let (path, mut rest) = GreenRef::of(node).attr_parts()?;
    match &*path {
        // Only these attributes are unsafe; `#[unsafe(other)]` in macro input is a macro's own syntax.
        "unsafe"
            if rest
                .nth(1)
                .is_some_and(|(_, text)| matches!(text, "no_mangle" | "export_name" | "link_section")) =>
        {
            Some(Syntax::UnsafeAttribute)
        }
        "expect" => Some(Syntax::ExpectAttribute),
        "cfg" if rest.any(|(kind, _)| matches!(kind, SyntaxKind::TRUE_KW | SyntaxKind::FALSE_KW)) => {
            Some(Syntax::CfgBooleanLiterals)
        }
        "default" if rest.next().is_none() => {
            let variant = node.parent().filter(|p| p.kind() == SyntaxKind::VARIANT)?;
            let adt = variant.ancestors().find_map(ast::Enum::cast)?;
            derives_default(&adt).then_some(Syntax::DefaultVariant)
        }
        _ if path.starts_with("diagnostic::") => Some(Syntax::DiagnosticAttribute),
        _ => None,
    }
}

/// `#[derive(.., Default, ..)]` (std's derive, not `SmartDefault` and the like).
fn derives_default(item: &impl HasAttrs) -> bool {
    item.attrs().any(|attr| {
        attr_parts(&attr).is_some_and(|(path, rest)| {
            path == "derive"
                && rest.iter().enumerate().any(|(i, t)| {
                    t == "Default" && (i == 0 || matches!(rest[i - 1].as_str(), "(" | "," | ":"))
                })
        })
    })
}

/// `async fn` (in a trait: native async fn in traits) and `-> impl Trait` in a trait.
fn fn_use(node: &SyntaxNode) -> Option<(&'static Feature, TextRange)> {
    let func = ast::Fn::cast(node.clone())?;
    let in_trait = trait_or_trait_impl(node).is_some_and(|container| !has_attribute_macro(&container));
    let name_range = func.name().map_or(node.text_range(), |n| n.syntax().text_range());
    if in_trait {
        if let Some(token) = func.async_token() {
            let range = TextRange::new(token.text_range().start(), name_range.end());
            return Some((feature(Detect::Syntax(Syntax::AsyncFnInTrait)), range));
        }
        let ret = func.ret_type()?;
        if ret.syntax().descendants().any(|d| d.kind() == SyntaxKind::IMPL_TRAIT_TYPE) {
            return Some((feature(Detect::Syntax(Syntax::ImplTraitInTrait)), ret.syntax().text_range()));
        }
        return None;
    }
    let token = func.async_token()?;
    Some((
        feature(Detect::Syntax(Syntax::Async)),
        TextRange::new(token.text_range().start(), name_range.end()),
    ))
}

/// The trait, or the impl of a trait, whose item `item` is.
fn trait_or_trait_impl(item: &SyntaxNode) -> Option<SyntaxNode> {
    let container = item.parent().filter(|p| p.kind() == SyntaxKind::ASSOC_ITEM_LIST)?.parent()?;
    match container.kind() {
        SyntaxKind::TRAIT => Some(container),
        SyntaxKind::IMPL if ast::Impl::cast(container.clone())?.for_token().is_some() => Some(container),
        _ => None,
    }
}

/// Attributes that do not rewrite the item they sit on.
const INERT_ATTRS: &[&str] = &[
    "doc",
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "cfg",
    "must_use",
    "deprecated",
    "automatically_derived",
];

/// Whether an attribute on `node` may be a macro that rewrites it (`#[async_trait]`,
/// `#[cfg_attr(.., async_trait)]`): its async fns are then not the language's.
fn has_attribute_macro(node: &SyntaxNode) -> bool {
    with_green(node, |node| {
        node.child_nodes().filter(|child| child.kind() == SyntaxKind::ATTR).any(|attr| {
            attr.attr_path().is_none_or(|path| {
                !INERT_ATTRS.contains(&&*path)
                    && !path.starts_with("diagnostic::")
                    && !path.starts_with("rustfmt::")
            })
        })
    })
}

fn block_use(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<(&'static Feature, TextRange)> {
    let block = ast::BlockExpr::cast(node.clone())?;
    let syntax = |s: Syntax| feature(Detect::Syntax(s));
    if let Some(token) = block.const_token() {
        // `thread_local! { static X: T = const { .. } }` is that macro's own, older syntax.
        let in_thread_local = cx
            .file_macro_call()
            .and_then(|call| ast::MacroCall::cast(call.clone()))
            .and_then(|call| macro_name(&call))
            .is_some_and(|(_, name)| name == "thread_local");
        // A `static` or `const` initializer is a const context already: `const { .. }` there
        // is `thread_local!`'s syntax, met inside other macros (`cfg_if!`) too.
        let in_const_item =
            node.parent().is_some_and(|p| matches!(p.kind(), SyntaxKind::CONST | SyntaxKind::STATIC));
        return (!in_thread_local && !in_const_item)
            .then(|| (syntax(Syntax::InlineConst), token.text_range()));
    }
    if let Some(label) = block.label() {
        return Some((syntax(Syntax::LabeledBlock), label.syntax().text_range()));
    }
    let token = block.async_token()?;
    Some((syntax(Syntax::Async), token.text_range()))
}

/// A `let` in a chain (`if let A = b && c`, edition 2024) or in a match guard.
fn let_use(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<Syntax> {
    let mut chained = false;
    for ancestor in node.ancestors().skip(1) {
        match ancestor.kind() {
            SyntaxKind::BIN_EXPR => chained = true,
            SyntaxKind::MATCH_GUARD => return Some(Syntax::IfLetGuards),
            _ => break,
        }
    }
    (chained && cx.package().edition >= Edition::E2024).then_some(Syntax::LetChains)
}

/// `cfg` conditions rustc and Cargo define; any other name (`has_lazy_lock`, `docsrs`,
/// `rust_1_80`) is set by a build script or a flag, usually to hide newer code from older
/// compilers.
const KNOWN_CFGS: &[&str] = &[
    "all",
    "any",
    "not",
    "test",
    "debug_assertions",
    "feature",
    "unix",
    "windows",
    "doc",
    "doctest",
    "miri",
    "panic",
    "proc_macro",
    "overflow_checks",
    "target_arch",
    "target_os",
    "target_family",
    "target_env",
    "target_abi",
    "target_endian",
    "target_pointer_width",
    "target_vendor",
    "target_has_atomic",
    "target_feature",
];

/// Whether `node` is outside the code a default build of the promised toolchain compiles:
/// under `#[cfg(..)]` naming a condition rustc does not define (the crate decides by
/// toolchain version itself), under a `cfg` that a default build leaves off (an opt-in
/// feature, often documented as needing a newer Rust, or `not(feature = "std")`), or under a
/// `#[rustversion::..]` attribute. The whole file is when its module was declared so (the
/// `mod` item, or one in a parent module).
pub(crate) fn is_outside_default_build(node: &SyntaxNode, cx: &FileCx<'_>) -> bool {
    if cx.outside_default_build {
        return true;
    }
    let defaults = &cx.package().default_features;
    ancestors_in_file(node, cx).iter().any(|ancestor| {
        with_green(ancestor, |ancestor| {
            ancestor.child_nodes().take_while(|c| c.kind() == SyntaxKind::ATTR).any(|attr| {
                let Some((path, rest)) = attr.attr_parts() else { return false };
                if path != "cfg" {
                    return path.starts_with("rustversion::");
                }
                let rest: Vec<(SyntaxKind, &str)> = rest.collect();
                if rest.iter().any(|(kind, text)| *kind == SyntaxKind::IDENT && !KNOWN_CFGS.contains(text)) {
                    return true;
                }
                let texts: Vec<&str> = rest.iter().map(|(_, text)| *text).collect();
                let mut pos = 1;
                texts.first() == Some(&"(") && cfg_value(&texts, &mut pos, defaults, 0) == Some(false)
            })
        })
    })
}

/// A `cfg` predicate at `pos` in a default build: `Some(true)` / `Some(false)` when known,
/// `None` when it depends on the target or the build (`unix`, `debug_assertions`).
fn cfg_value(tokens: &[&str], pos: &mut usize, defaults: &[String], depth: usize) -> Option<bool> {
    let leaf = |name: &str, value: Option<&str>| match (name, value) {
        ("feature", Some(value)) => Some(defaults.iter().any(|d| d == value)),
        ("test" | "false", None) => Some(false),
        ("true", None) => Some(true),
        _ => None,
    };
    crate::rule::eval_cfg(tokens, pos, depth, &leaf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_captures() {
        assert_eq!(captures("\"{x} and {y:?} but not {} {0} {{z}}\""), ["x", "y"]);
        assert_eq!(captures("r#\"{:>width$} {n:.prec$}\"#"), ["width", "n", "prec"]);
        assert!(captures("\"\\u{1F600} {_}\"").is_empty());
    }

    #[test]
    fn cfg_values_in_a_default_build() {
        let defaults = ["default".to_owned(), "std".to_owned()];
        let value = |cfg: &str| {
            let tokens: Vec<&str> = cfg.split(' ').collect();
            cfg_value(&tokens, &mut 0, &defaults, 0)
        };
        assert_eq!(value("feature = \"std\""), Some(true));
        assert_eq!(value("feature = \"core-error\""), Some(false));
        assert_eq!(value("not ( feature = \"std\" )"), Some(false));
        assert_eq!(value("all ( unix , feature = \"extra\" )"), Some(false));
        assert_eq!(value("any ( unix , feature = \"extra\" )"), None);
        assert_eq!(value("unix"), None);
    }

    #[test]
    fn std_item_names_pass_the_quick_test() {
        assert!(names_std_item("LazyLock"));
        assert!(names_std_item("OnceLock"));
        assert!(!names_std_item("Vec"));
        assert!(!names_std_item("LazyLocks"));
        assert!(!names_std_item(""));
        // Every last segment of the table passes; a name of the same first byte and length
        // that is none of them does not.
        for feature in FEATURES {
            let Detect::Path(paths) = feature.detect else { continue };
            for path in paths {
                let last = path.rsplit("::").next().unwrap_or(path);
                assert!(names_std_item(last), "{last}");
            }
        }
        assert!(!names_std_item("zap") && !names_std_item("error_"));
    }

    #[test]
    fn table_methods_and_short_paths() {
        let mut methods = 0;
        for feature in FEATURES {
            if let Detect::Method(name, _) = feature.detect {
                assert!(is_table_method(name), "{name}");
                assert!(!is_table_method(&format!("{name}_")), "{name}_");
                methods += 1;
            }
        }
        assert!(methods > 0);
        assert!(!is_table_method("clone") && !is_table_method(""));
        // No path of the table is shorter than the quick test lets through, qualified as
        // little as it can be.
        for name in std_item_names() {
            assert!(TextSize::of(format!("x::{name}").as_str()) >= shortest_path_of_interest(), "{name}");
        }
        assert!(TextSize::of("AsyncFn") >= shortest_path_of_interest());
        let paths = |text: &str| {
            let root = crate::source::parse::parse_file(text, crate::project::Edition::E2021).root;
            root.descendants()
                .filter(|node| node.kind() == SyntaxKind::PATH)
                .map(|node| may_use_feature(GreenRef::of(&node)))
                .collect::<Vec<_>>()
        };
        // `x::zip`, its qualifier `x`; `Ok`; `AsyncFn`; `iter::zip`, `iter`.
        assert_eq!(
            paths("fn f() { x::zip(); Ok(()); } fn g(_: impl AsyncFn()) {} fn h() { iter::zip(); }"),
            [true, false, false, true, true, false]
        );
    }

    #[test]
    fn defined_functions() {
        assert!(defines_fn("trait E { fn is_none_or(self) -> bool; }", "is_none_or"));
        assert!(!defines_fn("fn is_none_or_else() {}", "is_none_or"));
    }
}
