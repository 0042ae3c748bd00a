//! The nearest ancestor of some kind, asked for many nodes of one deep tree.

use std::collections::HashMap;

use crate::source::parse::SyntaxNode;

/// How many nodes a lookup looks at before it turns to the memo: real code nests far less
/// deep, so only a deep tree (10,000 nested blocks or generics) fills the memo, where
/// walking all the ancestors of every node would be quadratic.
const DIRECT_STEPS: usize = 64;

/// Remembers, for the nodes a deep lookup went through, the nearest node (themselves or an
/// ancestor) that satisfies one fixed test, so the next lookups from below stop there.
/// A node of another tree never equals one of these (nodes compare by their green node and
/// offset, and the memo keeps its trees alive), so one memo can serve several trees.
#[derive(Debug, Default)]
pub(crate) struct NearestAncestors {
    known: HashMap<SyntaxNode, Option<SyntaxNode>>,
    /// Nodes looked at by all lookups so far (tests check the work stays linear).
    #[cfg(test)]
    looked_at: usize,
}

impl NearestAncestors {
    /// The nearest of `node` and its ancestors for which `is_target` holds. Every call on
    /// one memo must pass the same test.
    pub(crate) fn find(
        &mut self,
        node: &SyntaxNode,
        is_target: impl Fn(&SyntaxNode) -> bool,
    ) -> Option<SyntaxNode> {
        let mut current = node.clone();
        for _ in 0..DIRECT_STEPS {
            #[cfg(test)]
            {
                self.looked_at += 1;
            }
            if is_target(&current) {
                return Some(current);
            }
            current = current.parent()?;
        }
        let mut passed = Vec::new();
        let found = loop {
            #[cfg(test)]
            {
                self.looked_at += 1;
            }
            if let Some(known) = self.known.get(&current) {
                break known.clone();
            }
            if is_target(&current) {
                break Some(current);
            }
            let parent = current.parent();
            passed.push(current);
            match parent {
                Some(parent) => current = parent,
                None => break None,
            }
        };
        for node in passed {
            self.known.insert(node, found.clone());
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Edition;
    use crate::source::parse::{SyntaxKind, parse_file};

    /// The nearest function of each of 3,000 nested blocks, and of a shallow one.
    fn lookups(depth: usize) -> (usize, usize) {
        let text = format!("fn f() {{ {}{} }}", "{ ".repeat(depth), " }".repeat(depth));
        let root = parse_file(&text, Edition::E2021).root;
        let mut memo = NearestAncestors::default();
        let mut found = 0;
        for node in root.descendants().filter(|n| n.kind() == SyntaxKind::BLOCK_EXPR) {
            let function = memo.find(&node, |n| n.kind() == SyntaxKind::FN);
            assert_eq!(function.map(|f| f.kind()), Some(SyntaxKind::FN));
            found += 1;
        }
        (found, memo.looked_at)
    }

    /// Every block of a deep nest finds its function, and the lookups share the work: each
    /// looks at a bounded number of nodes instead of all the blocks around it (which would
    /// be 4.5 million nodes here).
    #[test]
    fn deep_lookups_are_linear() {
        let depth = 3_000;
        // The parser recurses once per level: a stack to match.
        let (found, looked_at) = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || lookups(depth))
            .and_then(|thread| thread.join().map_err(|_| std::io::Error::other("panicked")))
            .unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(found, depth + 1);
        assert!(looked_at <= (DIRECT_STEPS + 4) * found, "{looked_at} nodes looked at");
    }
}
