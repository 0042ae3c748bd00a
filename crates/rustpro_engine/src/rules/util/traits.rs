//! Helpers for rules that change traits together with their impls: `dyn` uses, attribute
//! shapes, and edits that remove a whole line or keep indentation.

use std::path::Path;

use crate::diagnostic::Applicability;
use crate::project::Edition;
use crate::rule::{FileCx, FileFix, WorkspaceCx};
use crate::source::parse::ast::{HasAttrs, HasName, HasVisibility};
use crate::source::parse::{
    AstNode, GreenRef, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize, ast, node_text,
};

/// A use of a trait as a trait object (`dyn Name`), kept for a workspace stage: native
/// async fns and `impl Trait` returns make a trait dyn-incompatible, so such a trait must
/// not be converted.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
/// Read from the green tree, as `rule::attr_tokens` splits it.
pub(crate) fn attr_parts(attr: &ast::Attr) -> Option<(String, Vec<String>)> {
    crate::source::parse::with_green(attr.syntax(), |attr| {
        attr.attr_parts()
            .map(|(path, rest)| (path.into_owned(), rest.map(|(_, text)| text.to_owned()).collect()))
    })
}

/// Adds the edits every impl was kept with to the trait's fix; returns "N impl(s)" for the
/// fix's title.
pub(crate) fn add_impl_edits(fix: &mut crate::diagnostic::Fix, impls: &[&crate::rule::Deferred]) -> String {
    for impl_item in impls {
        if let Some(edits) = impl_item.edits() {
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

/// Whether [`report_unused_imports`] could report `node`, a `use` item, judged on the green
/// tree (which creates no node): a private import without attributes, of a path that starts
/// with one of `crates` (or `::`), that holds one of `names`. Most imports are of other
/// crates and turned down before their names are read.
pub(crate) fn may_report_unused_import(node: GreenRef<'_>, names: &[&str], crates: &[&str]) -> bool {
    !node.has_child_in(&[SyntaxKind::VISIBILITY, SyntaxKind::ATTR])
        && node
            .child(SyntaxKind::USE_TREE)
            .and_then(|tree| tree.child(SyntaxKind::PATH))
            .and_then(|path| path.first_token_text())
            .is_some_and(|first| first == "::" || crates.contains(&first))
        && node.any_token(|kind, text| kind == SyntaxKind::IDENT && names.contains(&text))
}

/// Imports a conversion left unused (`use std::pin::Pin;`, `use std::fmt::{self, Display};`):
/// rustc would warn about them, which fails builds with `-D warnings`. Reports a private
/// import whose name is one of `names`, from a path that starts with one of `crates`, when
/// nothing else in the file names it; the fix removes the name, or the whole `use` when
/// nothing of it is left. `trait_methods` lists, per trait name, methods whose calls keep
/// the import (a trait is also used by calling its methods).
pub(crate) fn report_unused_imports(
    node: &SyntaxNode,
    cx: &mut FileCx<'_>,
    names: &[&str],
    crates: &[&str],
    trait_methods: &[(&str, &[&str])],
) {
    let Some(item) = ast::Use::cast(node.clone()) else { return };
    if item.visibility().is_some() || cx.file_macro_call().is_some() || item.attrs().next().is_some() {
        return;
    }

    let Some(tree) = item.use_tree() else { return };
    let Some(prefix) = tree.path() else { return };
    let Some(first) = prefix.syntax().first_token() else { return };
    let first = if first.text() == "::" { first.next_token() } else { Some(first) };
    if !first.is_some_and(|f| crates.contains(&f.text())) {
        return;
    }
    // Child modules may use an imported module of their parent (`use crate::error;` where
    // the crate root has `use std::error;`): such imports stay in files that declare modules.
    // Asked only for an import that looks unused; read on the green tree, which creates no node.
    let declares_modules = std::cell::OnceCell::new();
    let has_children = |cx: &FileCx<'_>| {
        *declares_modules.get_or_init(|| {
            let mut found = false;
            crate::source::parse::for_each_token(cx.root, |parent, _, _| {
                found |= parent == SyntaxKind::MODULE
            });
            found
        })
    };
    let unused = |name: &str, cx: &FileCx<'_>| {
        if !names.contains(&name) || is_used(cx, name, node) {
            return false;
        }
        if name.starts_with(|c: char| c.is_lowercase()) && has_children(cx) {
            return false;
        }
        let methods = trait_methods.iter().filter(|(t, _)| *t == name).flat_map(|(_, m)| m.iter());
        !methods.into_iter().any(|m| method_called(cx, m))
    };
    let Some(list) = tree.use_tree_list() else {
        if tree.star_token().is_some() {
            return;
        }
        let Some(name) = prefix.segment().and_then(|s| s.name_ref()).map(|n| n.text().to_string()) else {
            return;
        };
        // `use std::error::Error as StdError;`: the file uses the new name.
        let local = match tree.rename() {
            Some(rename) => match rename.name() {
                Some(local) if names.contains(&name.as_str()) => local.text().to_string(),
                _ => return,
            },
            None if names.contains(&name.as_str()) => name.clone(),
            None => return,
        };
        let still_used = is_used(cx, &local, node)
            || (local.starts_with(|c: char| c.is_lowercase()) && has_children(cx))
            || trait_methods
                .iter()
                .filter(|(t, _)| *t == name)
                .any(|(_, m)| m.iter().any(|m| method_called(cx, m)));
        if names.contains(&name.as_str()) && !still_used {
            let name = local;
            cx.report(node.text_range(), format!("`{name}` is imported but not used"))
                .help("remove the import")
                .fix(
                    FileFix::new(format!("remove the unused `{name}` import"), Applicability::Safe)
                        .delete(removal_range(node)),
                );
        }
        return;
    };
    // `use std::fmt::{self, Display};`: the unused names go, or the whole `use`.
    let module =
        prefix.segment().and_then(|s| s.name_ref()).map(|n| n.text().to_string()).unwrap_or_default();
    let members: Vec<ast::UseTree> = list.use_trees().collect();
    let unused_members: Vec<(usize, String)> = members
        .iter()
        .enumerate()
        .filter_map(|(index, member)| {
            let simple = member.use_tree_list().is_none()
                && member.rename().is_none()
                && member.star_token().is_none();
            let path = member.path().filter(|p| simple && p.qualifier().is_none())?;
            let name = path.segment()?.name_ref()?.text().to_string();
            let name = if name == "self" { module.clone() } else { name };
            unused(&name, cx).then_some((index, name))
        })
        .collect();
    if !unused_members.is_empty() && unused_members.len() == members.len() {
        let names: Vec<String> = unused_members.iter().map(|(_, n)| format!("`{n}`")).collect();
        let names = names.join(", ");
        let verb = if unused_members.len() == 1 { "is" } else { "are" };
        cx.report(node.text_range(), format!("{names} {verb} imported but not used"))
            .help("remove the import")
            .fix(FileFix::new("remove the unused import", Applicability::Safe).delete(removal_range(node)));
        return;
    }
    // One name left: without the braces, which `unused_import_braces` asks for.
    if members.len() >= 2 && unused_members.len() == members.len() - 1 {
        let Some(kept) = members.iter().enumerate().find(|(i, _)| unused_members.iter().all(|(u, _)| u != i))
        else {
            return;
        };
        let kept = node_text(kept.1.syntax());
        let (range, replacement) = if kept == "self" {
            (
                TextRange::new(prefix.syntax().text_range().end(), list.syntax().text_range().end()),
                String::new(),
            )
        } else {
            (list.syntax().text_range(), kept)
        };
        let names: Vec<String> = unused_members.iter().map(|(_, n)| format!("`{n}`")).collect();
        let names = names.join(", ");
        let verb = if unused_members.len() == 1 { "is" } else { "are" };
        cx.report(list.syntax().text_range(), format!("{names} {verb} imported but not used"))
            .help("remove it from the import")
            .fix(FileFix::new("remove the unused import", Applicability::Safe).replace(range, replacement));
        return;
    }
    for (index, name) in unused_members {
        let member = &members[index];
        // With the comma and space after it, or before it for the last member.
        let range = match members.get(index + 1) {
            Some(next) => {
                TextRange::new(member.syntax().text_range().start(), next.syntax().text_range().start())
            }
            None if index > 0 => TextRange::new(
                members[index - 1].syntax().text_range().end(),
                member.syntax().text_range().end(),
            ),
            None => continue,
        };
        cx.report(member.syntax().text_range(), format!("`{name}` is imported but not used"))
            .help("remove it from the import")
            .fix(
                FileFix::new(format!("remove the unused `{name}` import"), Applicability::Safe).delete(range),
            );
    }
}

/// Whether the file uses the name `name` the way an import is used: as the first segment
/// of a path, or anywhere in macro input (which cannot be told apart). Definitions
/// (`fn fmt`), later path segments (`thiserror::Error`) and method or field names do not
/// count, nor does anything inside `outside` (the import itself).
fn is_used(cx: &FileCx<'_>, name: &str, outside: &SyntaxNode) -> bool {
    let skip = outside.text_range();
    let uses = |t: SyntaxToken| {
        let Some(parent) = t.parent() else { return true };
        match parent.kind() {
            SyntaxKind::NAME => false,
            SyntaxKind::NAME_REF => {
                let Some(owner) = parent.parent() else { return true };
                match owner.kind() {
                    SyntaxKind::METHOD_CALL_EXPR | SyntaxKind::FIELD_EXPR => false,
                    SyntaxKind::PATH_SEGMENT => {
                        owner.parent().and_then(ast::Path::cast).is_none_or(|path| path.qualifier().is_none())
                    }
                    _ => true,
                }
            }
            _ => {
                // Token trees keep `::` as two `:` tokens.
                let mut before = std::iter::successors(t.prev_token(), |p| p.prev_token())
                    .filter(|p| !p.kind().is_trivia())
                    .map(|p| p.text().to_owned());
                match before.next().as_deref() {
                    Some("::" | ".") => false,
                    Some(":") => before.next().as_deref() != Some(":"),
                    _ => true,
                }
            }
        }
    };
    // The file's identifiers of that name, found in its text (most names are used early in
    // a file, and only those occurrences are looked up in the tree).
    let whole = cx.root.text_range();
    let owned;
    let text = if TextSize::of(cx.text) == whole.len() {
        cx.text
    } else {
        owned = node_text(cx.root);
        owned.as_str()
    };
    crate::source::text::text_find_all(text, name).any(|at| {
        let Ok(at) = u32::try_from(at) else { return false };
        let range = TextRange::at(whole.start() + TextSize::from(at), TextSize::of(name));
        !skip.contains_range(range)
            && cx
                .root
                .covering_element(range)
                .into_token()
                .is_some_and(|t| t.kind() == SyntaxKind::IDENT && t.text_range() == range && uses(t))
    })
}

/// Whether the file calls a method named `name` (`.name(`), in code or in macro input.
fn method_called(cx: &FileCx<'_>, name: &str) -> bool {
    // The last two tokens that are not trivia: `.`, then `name`, then `(`. Read on the green
    // tree, which creates no node.
    let (mut dot, mut named, mut found) = (false, false, false);
    crate::source::parse::for_each_token(cx.root, |_, kind, text| {
        if found || kind.is_trivia() {
            return;
        }
        found = named && text == "(";
        named = dot && text == name;
        dot = text == ".";
    });
    found
}
