use crate::declare_rule;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{first_code_token, is_exactly_pub, is_public_fn, is_public_position, path_text};
use crate::source::parse::ast::{HasName, HasVisibility};
use crate::source::parse::{
    AstNode, AstToken, GreenRef, NodeOrToken, SyntaxKind, SyntaxNode, TextRange, ast,
};

declare_rule! {
    /// ## What it does
    /// Finds public `unsafe fn`s and `unsafe trait`s of a library whose documentation has no
    /// `# Safety` section: free functions and methods of inherent impls that are `pub` (in
    /// modules that are `pub` as far as the file shows), methods of `pub` traits, and `pub`
    /// unsafe traits.
    ///
    /// The section is a Markdown heading of any level whose text is `Safety` (or `SAFETY`,
    /// `Implementation safety`), written in `///` or `/** */` comments or `#[doc = ".."]`
    /// attributes; a heading inside a code block does not count. Items marked
    /// `#[doc(hidden)]`, or inside such items, are not public documentation and are skipped,
    /// as are methods of trait impls (the trait documents them), test code and binaries.
    ///
    /// ## Why is this bad?
    /// Calling an `unsafe fn` is sound only if the caller upholds conditions the compiler
    /// cannot check. If the documentation does not list them, every caller has to guess or
    /// read the implementation, and the conditions change silently with it. The same goes
    /// for implementing an `unsafe trait`.
    ///
    /// ## Example
    /// ```rust
    /// /// Reads the byte at `index`.
    /// pub unsafe fn byte_at(bytes: &[u8], index: usize) -> u8 {
    ///     // SAFETY: the caller guarantees that `index` is in bounds.
    ///     unsafe { *bytes.get_unchecked(index) }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// /// Reads the byte at `index`.
    /// ///
    /// /// # Safety
    /// ///
    /// /// `index` must be less than `bytes.len()`.
    /// pub unsafe fn byte_at(bytes: &[u8], index: usize) -> u8 {
    ///     // SAFETY: the caller guarantees that `index` is in bounds.
    ///     unsafe { *bytes.get_unchecked(index) }
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: only a person can state the conditions. `#[allow(clippy::missing_safety_doc)]`
    /// on the item or an enclosing item is honoured.
    pub struct UnsafeFnMissingSafetyDoc {
        name: "unsafe_fn_missing_safety_doc",
        category: Unsafe,
        level: Warn,
        fix: None,
        clippy: ["missing_safety_doc"],
        summary: "public `unsafe fn` or `unsafe trait` without a `# Safety` doc section",
        kinds: [FN, TRAIT],
    }
}

impl Rule for UnsafeFnMissingSafetyDoc {
    /// `unsafe` functions and traits.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["unsafe"])
    }

    /// Every place it reports holds the `unsafe` keyword.
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        cx.file_mentions("unsafe")
    }

    /// An `unsafe fn` or `unsafe trait`.
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        node.has_token(SyntaxKind::UNSAFE_KW)
    }

    /// A library's production code only.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if !cx.is_library_production() {
            return;
        }
        let (item, name, who) = if let Some(function) = ast::Fn::cast(node.clone()) {
            if function.unsafe_token().is_none() || !is_public_unsafe_fn(&function, cx) {
                return;
            }
            ("fn", function.name(), Who::Callers)
        } else if let Some(tr) = ast::Trait::cast(node.clone()) {
            if tr.unsafe_token().is_none()
                || !is_exactly_pub(tr.visibility())
                || !is_public_position(node, cx)
            {
                return;
            }
            ("trait", tr.name(), Who::Implementors)
        } else {
            return;
        };
        let Some(name) = name else { return };
        if is_doc_hidden(node) {
            return;
        }
        match safety_section(node) {
            Docs::HasSection | Docs::Unreadable => return,
            Docs::NoSection => {}
        }
        let Some(first) = first_code_token(node) else { return };
        let range = TextRange::new(first.text_range().start(), name.syntax().text_range().end());
        let (who, help) = match who {
            Who::Callers => (
                "callers",
                "add a `# Safety` section to the doc comment that lists the conditions a caller must \
                 uphold for a call to be sound",
            ),
            Who::Implementors => (
                "implementors",
                "add a `# Safety` section to the doc comment that lists what an implementation must \
                 guarantee",
            ),
        };
        cx.report(
            range,
            format!(
                "public `unsafe {item} {name}` has no `# Safety` section in its docs: {who} cannot know \
                 what they must guarantee"
            ),
        )
        .help(help);
    }
}

/// Who must uphold what the `# Safety` section says.
enum Who {
    Callers,
    Implementors,
}

/// A public `unsafe fn`: `pub` and reachable as far as the file tells (see `is_public_fn`),
/// or a method of a `pub` trait.
fn is_public_unsafe_fn(function: &ast::Fn, cx: &FileCx<'_>) -> bool {
    let node = function.syntax();
    let in_trait = node
        .parent()
        .filter(|p| p.kind() == SyntaxKind::ASSOC_ITEM_LIST)
        .and_then(|list| list.parent())
        .and_then(ast::Trait::cast);
    match in_trait {
        Some(tr) => is_exactly_pub(tr.visibility()) && is_public_position(tr.syntax(), cx),
        None => is_public_fn(function, cx),
    }
}

/// Whether the item, an item around it in the file, or the file itself is `#[doc(hidden)]`.
fn is_doc_hidden(node: &SyntaxNode) -> bool {
    node.ancestors().any(|owner| {
        crate::rule::leading_attrs(&owner).any(|attr| {
            let Some(ast::Meta::TokenTreeMeta(meta)) = attr.meta() else { return false };
            meta.path().is_some_and(|p| path_text(&p) == "doc")
                && meta.token_tree().is_some_and(|tt| {
                    tt.syntax()
                        .children_with_tokens()
                        .any(|t| t.kind() == SyntaxKind::IDENT && t.to_string() == "hidden")
                })
        })
    })
}

enum Docs {
    HasSection,
    NoSection,
    /// Some documentation is not written in the source (`#[doc = include_str!(..)]`).
    Unreadable,
}

/// Whether the item's outer documentation has a `# Safety` section.
fn safety_section(node: &SyntaxNode) -> Docs {
    let mut markdown = String::new();
    for element in node.children_with_tokens() {
        match element {
            NodeOrToken::Token(token) => {
                let Some(comment) = ast::Comment::cast(token) else { continue };
                if !comment.is_outer() {
                    continue;
                }
                let Some((text, _)) = comment.doc_comment() else { continue };
                if comment.kind().shape.is_block() {
                    for line in text.lines() {
                        let line = line.trim_start();
                        markdown.push_str(line.strip_prefix('*').unwrap_or(line));
                        markdown.push('\n');
                    }
                } else {
                    markdown.push_str(text);
                    markdown.push('\n');
                }
            }
            NodeOrToken::Node(child) => {
                let Some(attr) = ast::Attr::cast(child) else { continue };
                if attr.excl_token().is_some() {
                    continue;
                }
                let Some(meta) = attr.meta() else { continue };
                for meta in meta.skip_cfg_attrs() {
                    let ast::Meta::KeyValueMeta(meta) = meta else { continue };
                    if meta.path().is_none_or(|p| path_text(&p) != "doc") {
                        continue;
                    }
                    match string_value(meta.expr()) {
                        Some(text) => {
                            markdown.push_str(&text);
                            markdown.push('\n');
                        }
                        None => return Docs::Unreadable,
                    }
                }
            }
        }
    }
    if has_safety_heading(&markdown) { Docs::HasSection } else { Docs::NoSection }
}

/// The value of a string literal expression.
fn string_value(expr: Option<ast::Expr>) -> Option<String> {
    let ast::Expr::Literal(literal) = expr? else { return None };
    let ast::LiteralKind::String(string) = literal.kind() else { return None };
    string.value().ok().map(|value| value.into_owned())
}

/// Whether Markdown text has a heading (ATX `#`..`######` or setext) whose text is a safety
/// section's title, outside fenced code blocks.
fn has_safety_heading(markdown: &str) -> bool {
    let mut fence: Option<&str> = None;
    let mut previous: Option<&str> = None;
    for line in markdown.lines() {
        let trimmed = line.trim();
        if let Some(open) = fence {
            if trimmed.starts_with(open) {
                fence = None;
            }
            previous = None;
            continue;
        }
        if let Some(open) = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f)) {
            fence = Some(open);
            previous = None;
            continue;
        }
        if let Some(title) = atx_heading(trimmed) {
            if is_safety_title(title) {
                return true;
            }
            previous = None;
            continue;
        }
        let underline =
            !trimmed.is_empty() && (trimmed.chars().all(|c| c == '=') || trimmed.chars().all(|c| c == '-'));
        if underline && previous.is_some_and(is_safety_title) {
            return true;
        }
        previous = (!trimmed.is_empty()).then_some(trimmed);
    }
    false
}

/// The text of an ATX heading line (`## Safety ##` gives `Safety`).
fn atx_heading(line: &str) -> Option<&str> {
    let level = line.chars().take_while(|&c| c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &line[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some(rest.trim().trim_end_matches('#').trim_end())
}

fn is_safety_title(title: &str) -> bool {
    let title = title.trim().trim_matches(['*', '_']).trim();
    matches!(title, "Safety" | "SAFETY" | "Implementation safety" | "Implementation Safety")
}
