//! The `use` imports of a file, to resolve names such as `Result` (from `use anyhow::Result`)
//! or `thread::sleep` (from `use std::thread`) to full paths.

use crate::source::parse::{GreenRef, SyntaxKind, SyntaxNode, with_green};

/// Local names brought in by top-level `use` items, with the paths they stand for.
#[derive(Debug, Default)]
pub struct Imports {
    entries: Vec<(String, String)>,
}

impl Imports {
    pub(crate) fn of_file(root: &SyntaxNode) -> Imports {
        Imports::of_scope(root)
    }

    /// The `use` items directly in a scope: a file, a module's item list or a block. Read
    /// from the green tree: a file can import hundreds of names, and creating a node for
    /// each part of each import cost more than the rest of the lookup.
    pub(crate) fn of_scope(scope: &SyntaxNode) -> Imports {
        let mut imports = Imports::default();
        with_green(scope, |scope| {
            for item in scope.child_nodes().filter(|child| child.kind() == SyntaxKind::USE) {
                if let Some(tree) = item.child(SyntaxKind::USE_TREE) {
                    imports.add_tree(tree, "");
                }
            }
        });
        imports
    }

    fn add_tree(&mut self, tree: GreenRef<'_>, prefix: &str) {
        let path = tree.child(SyntaxKind::PATH).map(GreenRef::text_without_spaces);
        let full = match (&path, prefix.is_empty()) {
            (Some(path), true) => path.clone(),
            (Some(path), false) => format!("{prefix}::{path}"),
            (None, _) => prefix.to_owned(),
        };
        if let Some(list) = tree.child(SyntaxKind::USE_TREE_LIST) {
            for sub in list.child_nodes().filter(|child| child.kind() == SyntaxKind::USE_TREE) {
                self.add_tree(sub, &full);
            }
            return;
        }
        if tree.has_token(SyntaxKind::STAR) {
            return;
        }
        let local = match tree.child(SyntaxKind::RENAME) {
            Some(rename) => match rename.child(SyntaxKind::NAME).and_then(GreenRef::first_token_text) {
                Some(name) => name.to_owned(),
                None => return,
            },
            None => match full.rsplit("::").next() {
                Some("self") => full.rsplit("::").nth(1).unwrap_or_default().to_owned(),
                Some(last) => last.to_owned(),
                None => return,
            },
        };
        let full = full.strip_suffix("::self").unwrap_or(&full).trim_start_matches("::").to_owned();
        self.entries.push((local, full));
    }

    /// Whether `path`'s first segment is imported here.
    pub(crate) fn covers(&self, path: &str) -> bool {
        let first = path.split("::").next().unwrap_or(path);
        self.resolve(first).is_some()
    }

    /// The full path a local name stands for.
    pub fn resolve(&self, local: &str) -> Option<&str> {
        self.entries.iter().rev().find(|(l, _)| l == local).map(|(_, full)| full.as_str())
    }

    /// Expands the first segment of `path` through the imports (`thread::sleep` with
    /// `use std::thread` gives `std::thread::sleep`).
    pub fn expand(&self, path: &str) -> String {
        let (first, rest) = path.split_once("::").map_or((path, None), |(f, r)| (f, Some(r)));
        match (self.resolve(first), rest) {
            (Some(full), Some(rest)) => format!("{full}::{rest}"),
            (Some(full), None) => full.to_owned(),
            (None, _) => path.trim_start_matches("::").to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Edition;
    use crate::source::parse::parse_file;

    #[test]
    fn resolves_renames_groups_and_self() {
        let parsed = parse_file(
            "use anyhow::Result;\nuse std::{thread, fs::read_to_string as read, io::{self, Write}};\nuse ::core::fmt;",
            Edition::E2021,
        );
        let imports = Imports::of_file(&parsed.root);
        assert_eq!(imports.resolve("Result"), Some("anyhow::Result"));
        assert_eq!(imports.expand("thread::sleep"), "std::thread::sleep");
        assert_eq!(imports.resolve("read"), Some("std::fs::read_to_string"));
        assert_eq!(imports.resolve("io"), Some("std::io"));
        assert_eq!(imports.resolve("Write"), Some("std::io::Write"));
        assert_eq!(imports.resolve("fmt"), Some("core::fmt"));
        assert_eq!(imports.expand("Vec::new"), "Vec::new");
    }
}
