//! Helpers for rules that change traits together with their impls: `dyn` uses, attribute
//! shapes, and edits that remove a whole line or keep indentation.

use std::path::Path;

use crate::project::Edition;
use crate::rule::{FileCx, WorkspaceCx};
use crate::source::parse::ast::HasVisibility;
use crate::source::parse::{AstNode, SyntaxKind, SyntaxNode, TextRange, TextSize, ast};

/// A use of a trait as a trait object (`dyn Name`), kept for a workspace stage: native
/// async fns and `impl Trait` returns make a trait dyn-incompatible, so such a trait must
/// not be converted.
#[derive(Debug, Clone)]
pub(crate) struct DynUse {
    /// The trait's name (the last path segment, after expanding imports).
    pub name: String,
    pub line: usize,
}

/// The traits a `dyn` type names (`dyn Store + Send + 'a` gives `Store`, `Send`), by the
/// last segment of their path, a renamed import expanded (`use crate::Store as S; dyn S`).
pub(crate) fn dyn_trait_names(node: &SyntaxNode, cx: &FileCx<'_>) -> Vec<String> {
    /// Standard traits: never a workspace's trait, and most `dyn` types name one.
    const STD: &[&str] = &[
        "Any", "Debug", "Display", "Error", "Fn", "FnMut", "FnOnce", "Future", "Iterator", "Read", "Send",
        "Sync", "Unpin", "Write",
    ];
    let Some(dyn_type) = ast::DynTraitType::cast(node.clone()) else { return Vec::new() };
    let Some(bounds) = dyn_type.type_bound_list() else { return Vec::new() };
    bounds
        .bounds()
        .filter_map(|bound| match bound.ty()? {
            ast::Type::PathType(path) => path.path(),
            _ => None,
        })
        .filter_map(|path| {
            let segment = path.segment()?;
            let name = segment.name_ref()?.text().to_string();
            if STD.contains(&name.as_str()) {
                return None;
            }
            if path.qualifier().is_some() || !cx.imports().covers(&name) {
                return Some(name);
            }
            // A renamed import (`use crate::Store as S; dyn S`): the file's imports are
            // enough, block-level renames of traits are rare.
            let expanded = cx.imports().expand(&name);
            Some(expanded.rsplit("::").next().unwrap_or(&name).to_owned())
        })
        .collect()
}

/// The path of an attribute as written without spaces (`async_trait::async_trait`) and the
/// texts of the tokens after it (`(`, `?`, `Send`, `)`).
pub(crate) fn attr_parts(attr: &ast::Attr) -> Option<(String, Vec<String>)> {
    let (path, rest) = crate::rule::attr_tokens(attr)?;
    Some((path, rest.iter().map(|t| t.text().to_owned()).collect()))
}

/// Adds the edits every impl was kept with to the trait's fix; returns "N impl(s)" for the
/// fix's title.
pub(crate) fn add_impl_edits(fix: &mut crate::diagnostic::Fix, impls: &[&crate::rule::Deferred]) -> String {
    for impl_item in impls {
        if let Some(edits) = &impl_item.edits {
            fix.edits.extend(edits.edits.iter().cloned());
        }
    }
    let count = impls.len();
    format!("{count} impl{}", if count == 1 { "" } else { "s" })
}

/// The range that removes `node`: with its whole line when nothing else is on it (the
/// line's indentation and its line break go too), else the node and the spaces after it.
pub(crate) fn removal_range(node: &SyntaxNode) -> TextRange {
    let range = node.text_range();
    let before = node.first_token().and_then(|t| t.prev_token());
    let after = node.last_token().and_then(|t| t.next_token());
    let indent_start = match &before {
        None => Some(range.start()),
        Some(ws) if ws.kind() == SyntaxKind::WHITESPACE => ws
            .text()
            .rfind('\n')
            .map(|at| ws.text_range().start() + TextSize::from(u32::try_from(at + 1).unwrap_or(0))),
        _ => None,
    };
    match (&after, indent_start) {
        (Some(ws), Some(start)) if ws.kind() == SyntaxKind::WHITESPACE && ws.text().contains('\n') => {
            let text = ws.text();
            let mut newline = text.find('\n').unwrap_or(0);
            // Between two blank lines (or the file's start and a blank line), one goes too.
            let blank_before = before.as_ref().is_none_or(|b| {
                let t = b.text();
                t.rfind('\n').is_some_and(|last| t[..last].trim_end_matches([' ', '\t']).ends_with('\n'))
            });
            let rest = &text[newline + 1..];
            let blank_after = rest.trim_start_matches([' ', '\t']).starts_with('\n');
            if blank_before && blank_after {
                newline += 1 + rest.find('\n').unwrap_or(0);
            }
            let end = ws.text_range().start() + TextSize::from(u32::try_from(newline + 1).unwrap_or(0));
            TextRange::new(start, end)
        }
        (Some(ws), _) if ws.kind() == SyntaxKind::WHITESPACE && !ws.text().contains('\n') => {
            TextRange::new(range.start(), ws.text_range().end())
        }
        _ => range,
    }
}

/// The indentation of the line on which `node` starts.
pub(crate) fn line_indent(node: &SyntaxNode) -> String {
    let mut token = node.first_token().and_then(|t| t.prev_token());
    while let Some(t) = token {
        if let Some(at) = t.text().rfind('\n') {
            return t.text()[at + 1..].chars().take_while(|c| c.is_whitespace()).collect();
        }
        token = t.prev_token();
    }
    String::new()
}

/// How to name `Future` in the file: the 2024 prelude has it; an import may bring it.
pub(crate) fn future_path(cx: &FileCx<'_>) -> String {
    if cx.package().edition >= Edition::E2024 {
        return "Future".to_owned();
    }
    let imported = cx.imports().expand("Future");
    if imported.ends_with("future::Future") { "Future".to_owned() } else { "std::future::Future".to_owned() }
}

/// A file's path relative to the root of the workspace that holds it (for messages that
/// name another file: "used as `dyn Store` (at src/app.rs:12)").
pub(crate) fn relative_path(path: &Path, cx: &WorkspaceCx<'_>) -> String {
    let root = cx.packages().iter().filter(|p| path.starts_with(&p.dir)).map(|p| {
        p.workspace_manifest
            .as_ref()
            .and_then(|m| m.parent().map(|d| d.to_path_buf()))
            .unwrap_or(p.dir.clone())
    });
    let root = root.min_by_key(|r| r.as_os_str().len());
    match root.and_then(|r| path.strip_prefix(r).ok().map(|p| p.display().to_string())) {
        Some(relative) => relative,
        None => path.display().to_string(),
    }
}

/// A private `use` of exactly one path (`use std::pin::Pin;`) whose last segment is one of
/// `names` and whose first is one of `crates`, when nothing else in the file names it (a
/// conversion removed its last use). Returns the name.
pub(crate) fn unused_single_import(
    node: &SyntaxNode,
    cx: &FileCx<'_>,
    names: &[&str],
    crates: &[&str],
) -> Option<String> {
    let item = ast::Use::cast(node.clone())?;
    if item.visibility().is_some() || cx.file_macro_call().is_some() {
        return None;
    }
    let tree = item.use_tree()?;
    if tree.use_tree_list().is_some() || tree.star_token().is_some() || tree.rename().is_some() {
        return None;
    }
    let path = tree.path()?;
    let name = path.segment()?.name_ref()?.text().to_string();
    if !names.contains(&name.as_str()) {
        return None;
    }
    let first = path.syntax().first_token()?;
    let first = if first.text() == "::" { first.next_token()? } else { first };
    if !crates.contains(&first.text()) {
        return None;
    }
    (crate::source::parse::count_idents(cx.root, &name) == 1).then_some(name)
}
