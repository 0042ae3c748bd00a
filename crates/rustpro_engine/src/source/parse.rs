//! The only module that names the parser crate (`ra_ap_syntax`, pinned to an exact version
//! because its API changes between releases). Everything else uses the re-exports below.
//!
//! The parser gets LF text and the package's edition. It never fails: a file with syntax
//! errors still yields a full tree in which the broken parts are `ERROR` nodes.
//!
//! Trees are built with `rowan`, the tree crate under `ra_ap_syntax` (pinned to the version
//! it uses): a file's with its node cache, except very deep trees; fragments (macro
//! arguments) without (see [`LinearBuilder`]). A fragment of a file without syntax errors
//! is parsed from the file's tokens, which its tree then shares (see [`parse_items_of`]);
//! else from its text.
//!
//! The parser's separate validation pass is skipped: it costs about a quarter of the parse
//! time and only finds semantic errors (misplaced `unsafe`, bad literals) that rules do
//! not need.

pub use ra_ap_syntax::{
    AstNode, AstToken, Direction, NodeOrToken, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken, T,
    TextRange, TextSize, WalkEvent, ast, match_ast,
};

use ra_ap_parser::{LexedStr, Step, StrStep, TopEntryPoint};
use ra_ap_syntax::RustLanguage;
use rowan::Language;
use smallvec::SmallVec;

use std::borrow::Cow;

use crate::project::Edition;

/// A syntax error reported by the parser or the lexer.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
}

/// A parsed file or fragment: the tree and the syntax errors met on the way.
#[derive(Debug)]
pub struct Parsed {
    pub root: SyntaxNode,
    pub errors: Vec<SyntaxError>,
}

fn edition(edition: Edition) -> ra_ap_syntax::Edition {
    match edition {
        Edition::E2015 => ra_ap_syntax::Edition::Edition2015,
        Edition::E2018 => ra_ap_syntax::Edition::Edition2018,
        Edition::E2021 => ra_ap_syntax::Edition::Edition2021,
        Edition::E2024 => ra_ap_syntax::Edition::Edition2024,
    }
}

/// Stack for threads that parse and walk trees: the recursive-descent parser recurses once
/// per nesting level, and 10,000 nested parentheses are a valid file.
pub const PARSER_STACK_SIZE: usize = 256 << 20;

/// Runs `f` on a thread with [`PARSER_STACK_SIZE`] of stack, for parses outside the check's
/// workers (the caller's thread may be a test thread with 2 MB, or a small main thread). On
/// the current thread when no thread can be started; a panic in `f` is passed on.
pub fn with_parser_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let mut task = Some(f);
    let joined = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .stack_size(PARSER_STACK_SIZE)
            .spawn_scoped(scope, || task.take().map(|f| f()));
        spawned.ok().map(|handle| handle.join())
    });
    match (joined, task) {
        (Some(Ok(Some(result))), _) => result,
        (Some(Err(payload)), _) => std::panic::resume_unwind(payload),
        (_, Some(f)) => f(),
        // The thread took the task and returned: it yielded `Some`, handled above.
        (Some(Ok(None)), None) | (None, None) => unreachable!("the task ran but gave no result"),
    }
}

/// Parses a whole file.
pub fn parse_file(text: &str, ed: Edition) -> Parsed {
    parse_at(text, TopEntryPoint::SourceFile, ed)
}

/// Parses `text` as one expression; `None` when it is not exactly one well-formed expression.
pub fn parse_expr(text: &str, ed: Edition) -> Option<SyntaxNode> {
    // Attributes with nothing after them (`#[repr(C)]` passed to a macro) make the tree
    // builder assert. An expression led by attributes is rare in macro arguments: skip them
    // all rather than rely on catching the assertion (which stays as a safety net).
    if text.trim_start().starts_with('#') {
        return None;
    }
    // The root is the expression itself, or an `ERROR` node holding what did not fit.
    std::panic::catch_unwind(|| {
        parse_fragment(text, TopEntryPoint::Expr, ed, |root| root != SyntaxKind::ERROR)
    })
    .ok()
    .flatten()
}

/// Parses `text` as a sequence of items (a macro body in item position); `None` when it
/// does not parse cleanly.
pub fn parse_items(text: &str, ed: Edition) -> Option<SyntaxNode> {
    std::panic::catch_unwind(|| {
        parse_fragment(text, TopEntryPoint::MacroItems, ed, |root| root == SyntaxKind::MACRO_ITEMS)
    })
    .ok()
    .flatten()
}

/// Parses a fragment (a macro argument or body) that is of use only when it has no syntax
/// error and its root is of a kind `root_ok` takes: one that is not gives `None` before its
/// tree is built, and one with a lexer error before it is parsed. Half of the item bodies
/// of real macros do not parse as items (`cfg_if! { if #[cfg(..)] { .. } }`).
fn parse_fragment(
    text: &str,
    entry: TopEntryPoint,
    ed: Edition,
    root_ok: impl Fn(SyntaxKind) -> bool,
) -> Option<SyntaxNode> {
    let ed = edition(ed);
    let lexed = LexedStr::new(ed, text);
    if lexed.errors().next().is_some() {
        return None;
    }
    let output = entry.parse(&lexed.to_input(ed));
    let mut shape = TreeShape::default();
    for step in output.iter() {
        if matches!(step, Step::Error { .. }) {
            return None;
        }
        shape.step(&step);
    }
    // Without a lexer or a parser error, the tree is built without errors.
    shape.root.is_some_and(root_ok).then(|| build(&lexed, &output, entry, shape.max_depth).root)
}

/// What the tree of a parser's output will be like, read from its steps.
#[derive(Default)]
struct TreeShape {
    depth: usize,
    max_depth: usize,
    /// The kind of the first node entered.
    root: Option<SyntaxKind>,
}

impl TreeShape {
    fn step(&mut self, step: &Step<'_>) {
        match step {
            Step::Enter { kind } => {
                self.root.get_or_insert(*kind);
                self.depth += 1;
                self.max_depth = self.max_depth.max(self.depth);
            }
            Step::Exit => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }
}

fn parse_at(text: &str, entry: TopEntryPoint, ed: Edition) -> Parsed {
    let ed = edition(ed);
    let lexed = LexedStr::new(ed, text);
    let output = entry.parse(&lexed.to_input(ed));
    let mut shape = TreeShape::default();
    for step in output.iter() {
        shape.step(&step);
    }
    build(&lexed, &output, entry, shape.max_depth)
}

/// Builds the tree of a parser's output, with the lexer's and the parser's errors.
fn build(
    lexed: &LexedStr<'_>,
    output: &ra_ap_parser::Output,
    entry: TopEntryPoint,
    max_depth: usize,
) -> Parsed {
    // A fragment's tree lives only while the walk reads it: sharing its nodes would save
    // little memory, and setting up the cache costs more than it saves.
    let mut builder = if max_depth > DEEP_TREE || !matches!(entry, TopEntryPoint::SourceFile) {
        Builder::Linear(LinearBuilder::default())
    } else {
        Builder::Cached(rowan::GreenNodeBuilder::new())
    };
    let mut errors = Vec::new();
    lexed.intersperse_trivia(output, &mut |step| match step {
        StrStep::Token { kind, text } => builder.token(kind, text),
        StrStep::Enter { kind } => builder.start_node(kind),
        StrStep::Exit => builder.finish_node(),
        StrStep::Error { msg, pos } => {
            errors.push(SyntaxError { range: TextRange::empty(offset(pos)), message: msg.to_owned() })
        }
    });
    for (index, message) in lexed.errors() {
        let range = lexed.text_range(index);
        errors.push(SyntaxError {
            range: TextRange::new(offset(range.start), offset(range.end)),
            message: message.to_owned(),
        });
    }
    Parsed { root: builder.finish(), errors }
}

/// Node depth above which a tree is built without rowan's node cache ([`LinearBuilder`]);
/// real files stay far below it.
const DEEP_TREE: usize = 1_000;

/// rowan's own builder, not `ra_ap_syntax`'s wrapper: the wrapper's result hands every tree
/// it drops to a background thread with a small stack, which overflows on a deep tree.
enum Builder {
    Cached(rowan::GreenNodeBuilder<'static>),
    Linear(LinearBuilder),
}

impl Builder {
    fn token(&mut self, kind: SyntaxKind, text: &str) {
        match self {
            Builder::Cached(builder) => builder.token(RustLanguage::kind_to_raw(kind), text),
            Builder::Linear(builder) => builder.token(kind, text),
        }
    }

    fn start_node(&mut self, kind: SyntaxKind) {
        match self {
            Builder::Cached(builder) => builder.start_node(RustLanguage::kind_to_raw(kind)),
            Builder::Linear(builder) => builder.start_node(kind),
        }
    }

    fn finish_node(&mut self) {
        match self {
            Builder::Cached(builder) => builder.finish_node(),
            Builder::Linear(builder) => builder.finish_node(),
        }
    }

    fn finish(self) -> SyntaxNode {
        match self {
            Builder::Cached(builder) => SyntaxNode::new_root(builder.finish()),
            Builder::Linear(builder) => builder.finish(),
        }
    }
}

/// Builds a green tree without rowan's node cache. The cache shares equal small subtrees
/// by their hash, and re-hashes every cached subtree in full each time its table grows: on
/// a deep chain of small nodes (10,000 nested parentheses, `Vec<Vec<..>>`, `&&..&T`) that
/// is quadratic, minutes for one file. This builder is linear; it shares nothing, which
/// costs memory, so it is kept for deep trees and for fragments, whose trees are short-lived.
#[derive(Default)]
struct LinearBuilder {
    /// Open nodes: kind and where their children start in `children`.
    parents: Vec<(rowan::SyntaxKind, usize)>,
    children: Vec<rowan::NodeOrToken<rowan::GreenNode, rowan::GreenToken>>,
}

impl LinearBuilder {
    fn start_node(&mut self, kind: SyntaxKind) {
        self.parents.push((RustLanguage::kind_to_raw(kind), self.children.len()));
    }

    fn finish_node(&mut self) {
        let Some((kind, first)) = self.parents.pop() else { return };
        let node = rowan::GreenNode::new(kind, self.children.drain(first..));
        self.children.push(node.into());
    }

    fn token(&mut self, kind: SyntaxKind, text: &str) {
        self.children.push(rowan::GreenToken::new(RustLanguage::kind_to_raw(kind), text).into());
    }

    /// A token of another tree, shared (no copy is made).
    fn shared_token(&mut self, token: &rowan::GreenTokenData) {
        self.children.push(token.to_owned().into());
    }

    fn finish(mut self) -> SyntaxNode {
        while !self.parents.is_empty() {
            self.finish_node();
        }
        let root = match self.children.pop() {
            Some(rowan::NodeOrToken::Node(node)) => node,
            _ => rowan::GreenNode::new(RustLanguage::kind_to_raw(SyntaxKind::ERROR), []),
        };
        SyntaxNode::new_root(root)
    }
}

/// [`parse_items`] of `text`, the part at `range` of `tt` (a token tree): from `tt`'s tokens
/// when they are as the lexer made them without error (`as_lexed`: a file without syntax
/// errors, or a fragment), which its tree then shares; else, or where the tokens could give
/// another tree than the text, from the text.
pub fn parse_items_of(
    tt: &SyntaxNode,
    range: TextRange,
    text: &str,
    ed: Edition,
    as_lexed: bool,
) -> Option<SyntaxNode> {
    match as_lexed.then(|| parse_tokens_as_items(tt, range, ed)) {
        Some(Ok(parsed)) => parsed,
        Some(Err(FromText)) | None => parse_items(text, ed),
    }
}

/// [`parse_expr`] of `text`, the part at `range` of `tt`, as [`parse_items_of`].
pub fn parse_expr_of(
    tt: &SyntaxNode,
    range: TextRange,
    text: &str,
    ed: Edition,
    as_lexed: bool,
) -> Option<SyntaxNode> {
    match as_lexed.then(|| parse_tokens_as_expr(tt, range, ed)) {
        Some(Ok(parsed)) => parsed,
        Some(Err(FromText)) | None => parse_expr(text, ed),
    }
}

/// Why a fragment is not parsed from the tokens of the tree it lies in, but from its text
/// (see [`parse_tokens_as_items`]).
#[derive(Debug)]
struct FromText;

/// [`parse_items`] on the tokens of `tt` (a token tree, the ones nested in it included)
/// that lie in `range` (offsets in the tree `tt` is in), reusing them: the file's lexer
/// made them already, and lexing the text again would give the same tokens. Only for a
/// tree whose tokens the lexer made without error (a file with no syntax error, or a
/// fragment): an error is not seen on the token. `Err` where the text must be parsed
/// instead (see [`TokenParse::parse`]).
fn parse_tokens_as_items(
    tt: &SyntaxNode,
    range: TextRange,
    ed: Edition,
) -> Result<Option<SyntaxNode>, FromText> {
    TokenParse::of(tt, range).parse(TopEntryPoint::MacroItems, ed, |root| root == SyntaxKind::MACRO_ITEMS)
}

/// [`parse_expr`] on the tokens of `tt` in `range`, as [`parse_tokens_as_items`].
fn parse_tokens_as_expr(
    tt: &SyntaxNode,
    range: TextRange,
    ed: Edition,
) -> Result<Option<SyntaxNode>, FromText> {
    let parse = TokenParse::of(tt, range);
    // As `parse_expr`: attributes first, or nothing but them.
    let first = parse.tokens.iter().find(|token| kind_of(token) != SyntaxKind::WHITESPACE);
    if first.is_some_and(|token| token.text() == "#") {
        return Ok(None);
    }
    parse.parse(TopEntryPoint::Expr, ed, |root| root != SyntaxKind::ERROR)
}

fn kind_of(token: &rowan::GreenTokenData) -> SyntaxKind {
    RustLanguage::kind_from_raw(token.kind())
}

/// The tokens of a fragment, trivia included, in order.
struct TokenParse<'a> {
    tokens: Vec<&'a rowan::GreenTokenData>,
}

impl<'a> TokenParse<'a> {
    fn of(tt: &'a SyntaxNode, range: TextRange) -> Self {
        let mut tokens = Vec::new();
        let mut offset = tt.text_range().start();
        // Children still to visit, of the nodes entered: token trees nest.
        let mut stack = vec![tt.green().children()];
        while let Some(children) = stack.last_mut() {
            let Some(child) = children.next() else {
                stack.pop();
                continue;
            };
            let end = offset + child.text_len();
            if end <= range.start() {
                // Wholly before the range: passed over without being entered.
                offset = end;
                continue;
            }
            if offset >= range.end() {
                break;
            }
            match child {
                NodeOrToken::Node(node) => stack.push(node.children()),
                NodeOrToken::Token(token) => {
                    tokens.push(token);
                    offset = end;
                }
            }
        }
        TokenParse { tokens }
    }

    /// Parses the tokens at `entry`; `Ok(None)` as [`parse_fragment`] gives `None` (a
    /// syntax error, or a root that `root_ok` turns down). `Err` where parsing the text
    /// could give another tree: a fragment that starts as a file may (`#!`, `---`), and a
    /// float literal split in a field access (`t.0.1`) is left to the parser crate.
    fn parse(
        &self,
        entry: TopEntryPoint,
        ed: Edition,
        root_ok: impl Fn(SyntaxKind) -> bool,
    ) -> Result<Option<SyntaxNode>, FromText> {
        let mut code = self.tokens.iter().map(|token| kind_of(token)).filter(|kind| !kind.is_trivia());
        match (code.next(), code.next()) {
            (Some(T![#]), Some(T![!])) | (Some(T![-]), _) => return Err(FromText),
            _ => {}
        }
        let ed = edition(ed);
        let input = self.input(ed);
        let output = std::panic::catch_unwind(|| entry.parse(&input)).map_err(|_| FromText)?;
        let mut shape = TreeShape::default();
        for step in output.iter() {
            match step {
                Step::Error { .. } => return Ok(None),
                Step::FloatSplit { .. } => return Err(FromText),
                _ => shape.step(&step),
            }
        }
        if !shape.root.is_some_and(root_ok) {
            return Ok(None);
        }
        self.build(&output).map(Some)
    }

    /// The parser's input: the tokens without trivia, each punctuation marked as joint to
    /// the next token when nothing lies between them (`>` `>` read as `>>` where an
    /// expression allows it), and identifiers with the contextual keyword they may be.
    fn input(&self, ed: ra_ap_syntax::Edition) -> ra_ap_parser::Input {
        let mut input = ra_ap_parser::Input::with_capacity(self.tokens.len());
        // Whether the last token pushed is punctuation or a literal with nothing after it.
        let mut joint = false;
        for token in &self.tokens {
            let kind = kind_of(token);
            if kind.is_trivia() {
                joint = false;
            } else if kind == SyntaxKind::IDENT {
                let contextual = SyntaxKind::from_contextual_keyword(token.text(), ed);
                input.push_ident(contextual.unwrap_or(SyntaxKind::IDENT), ed);
            } else {
                if joint {
                    input.was_joint();
                }
                input.push(kind, ed);
                // A float with a fractional part is joint to what follows (the parser
                // splits `0.1` of `t.0.1`); one ending in `.` is not.
                joint = kind != SyntaxKind::FLOAT_NUMBER;
                if kind == SyntaxKind::FLOAT_NUMBER && !token.text().ends_with('.') {
                    input.was_joint();
                }
            }
        }
        input
    }

    /// The tree of the parser's output, with the trivia between its tokens placed as the
    /// parser crate places them in a file's tree: before a node, but for the comments
    /// that belong to an item (see [`attached_trivia`]); at the end, inside the root.
    fn build(&self, output: &ra_ap_parser::Output) -> Result<SyntaxNode, FromText> {
        #[derive(PartialEq)]
        enum Pending {
            /// Nothing entered yet.
            Root,
            /// A node was left: closed at the next step, after trivia for a token.
            Exit,
            None,
        }
        let mut builder = LinearBuilder::default();
        let mut at = 0;
        let mut pending = Pending::Root;
        let mut glued = String::new();
        for step in output.iter() {
            match step {
                Step::Token { kind, n_input_tokens } => {
                    if std::mem::replace(&mut pending, Pending::None) == Pending::Exit {
                        builder.finish_node();
                    }
                    at = self.trivia(at, usize::MAX, &mut builder);
                    let n = usize::from(n_input_tokens);
                    let raw = self.tokens.get(at..at + n).ok_or(FromText)?;
                    match raw {
                        [token] if kind_of(token) == kind => builder.shared_token(token),
                        // Joint tokens read as one (`::`, `>>=`), or an identifier read as
                        // a contextual keyword (`union`, `auto`).
                        _ => {
                            glued.clear();
                            raw.iter().for_each(|token| glued.push_str(token.text()));
                            builder.token(kind, &glued);
                        }
                    }
                    at += n;
                }
                Step::Enter { kind } => {
                    match std::mem::replace(&mut pending, Pending::None) {
                        Pending::Root => {
                            builder.start_node(kind);
                            continue;
                        }
                        Pending::Exit => builder.finish_node(),
                        Pending::None => {}
                    }
                    let trivia =
                        self.tokens[at..].iter().take_while(|token| kind_of(token).is_trivia()).count();
                    let attached = attached_trivia(kind, &self.tokens[at..at + trivia]);
                    at = self.trivia(at, trivia - attached, &mut builder);
                    builder.start_node(kind);
                    at = self.trivia(at, attached, &mut builder);
                }
                Step::Exit => {
                    if std::mem::replace(&mut pending, Pending::Exit) == Pending::Exit {
                        builder.finish_node();
                    }
                }
                Step::FloatSplit { .. } | Step::Error { .. } => return Err(FromText),
            }
        }
        if pending == Pending::Exit {
            self.trivia(at, usize::MAX, &mut builder);
            builder.finish_node();
        }
        Ok(builder.finish())
    }

    /// Adds up to `most` trivia tokens from `at` to the tree; returns where it stopped.
    fn trivia(&self, mut at: usize, most: usize, builder: &mut LinearBuilder) -> usize {
        let mut added = 0;
        while added < most
            && let Some(token) = self.tokens.get(at)
            && kind_of(token).is_trivia()
        {
            builder.shared_token(token);
            at += 1;
            added += 1;
        }
        at
    }
}

/// How many of the trivia tokens before a node of `kind` (`trivia`, in order) go inside it:
/// for an item, a variant or a field, the comments just before it and the whitespace
/// between them, up to a blank line (which a doc comment after it does not end) or an
/// inner doc comment. None for other nodes.
fn attached_trivia(kind: SyntaxKind, trivia: &[&rowan::GreenTokenData]) -> usize {
    use SyntaxKind as K;
    let takes_comments = matches!(
        kind,
        K::CONST
            | K::ENUM
            | K::FN
            | K::IMPL
            | K::MACRO_CALL
            | K::MACRO_DEF
            | K::MACRO_RULES
            | K::MODULE
            | K::RECORD_FIELD
            | K::STATIC
            | K::STRUCT
            | K::TRAIT
            | K::TUPLE_FIELD
            | K::TYPE_ALIAS
            | K::UNION
            | K::USE
            | K::VARIANT
            | K::EXTERN_CRATE
    );
    if !takes_comments {
        return 0;
    }
    let is_outer_doc = |text: &str| {
        (text.starts_with("///") && !text.starts_with("////"))
            || (text.starts_with("/**") && !text.starts_with("/***"))
    };
    let mut attached = 0;
    // From the nearest to the node.
    let mut nearest_first = trivia.iter().rev().enumerate().peekable();
    while let Some((index, token)) = nearest_first.next() {
        let text = token.text();
        match kind_of(token) {
            K::WHITESPACE if text.contains("\n\n") => {
                let doc_follows = nearest_first
                    .peek()
                    .is_some_and(|(_, next)| kind_of(next) == K::COMMENT && is_outer_doc(next.text()));
                if !doc_follows {
                    break;
                }
            }
            K::COMMENT if text.starts_with("//!") || text.starts_with("/*!") => break,
            K::COMMENT => attached = index + 1,
            _ => {}
        }
    }
    attached
}

fn offset(pos: usize) -> TextSize {
    TextSize::from(u32::try_from(pos).unwrap_or(u32::MAX))
}

/// The kind of a node's first child node, read from the green tree: unlike
/// `first_child()`, this allocates no node, which matters on a walk over every node.
pub fn first_child_node_kind(node: &SyntaxNode) -> Option<SyntaxKind> {
    let green = node.green();
    green.children().find_map(|child| child.into_node()).map(|child| SyntaxKind::from(child.kind().0))
}

/// Whether a node has a child node of `kind`, read from the green tree (no node is created).
pub fn has_child_of_kind(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    let raw = RustLanguage::kind_to_raw(kind);
    node.green().children().any(|child| child.into_node().is_some_and(|child| child.kind() == raw))
}

/// Whether a segment name of a path (`a::b::c`: `c`, then its qualifiers `b` and `a`, not
/// the paths in generic arguments) satisfies `wanted`. Read from the green tree, so that a
/// rule can pass over the many paths it has no interest in without creating their nodes.
pub fn any_path_segment_name(path: &SyntaxNode, wanted: impl FnMut(&str) -> bool) -> bool {
    GreenRef(path.green()).any_path_segment_name(wanted)
}

/// A node of the green tree: its kind and children, without parent or position. Rules read
/// it to pass over nodes cheaply before the walk creates them (`Rule::accepts`); reading
/// it allocates nothing.
#[derive(Debug, Clone, Copy)]
pub struct GreenRef<'a>(&'a rowan::GreenNodeData);

impl<'a> GreenRef<'a> {
    /// The green node under `node`.
    pub fn of(node: &'a SyntaxNode) -> Self {
        GreenRef(node.green())
    }

    pub fn kind(self) -> SyntaxKind {
        SyntaxKind::from(self.0.kind().0)
    }

    /// The child nodes, in order.
    pub fn child_nodes(self) -> impl Iterator<Item = GreenRef<'a>> {
        self.0.children().filter_map(|child| child.into_node()).map(GreenRef)
    }

    /// The first child node of `kind` (what the typed tree's accessors return).
    pub fn child(self, kind: SyntaxKind) -> Option<GreenRef<'a>> {
        self.child_nodes().find(|child| child.kind() == kind)
    }

    /// Whether a child node has one of `kinds`.
    pub fn has_child_in(self, kinds: &[SyntaxKind]) -> bool {
        self.child_nodes().any(|child| kinds.contains(&child.kind()))
    }

    /// Whether a child token (not a token of a child node) has `kind`.
    pub fn has_token(self, kind: SyntaxKind) -> bool {
        let raw = RustLanguage::kind_to_raw(kind);
        self.0.children().any(|child| child.into_token().is_some_and(|token| token.kind() == raw))
    }

    /// The length of its text, trivia included (kept in the node: nothing is read).
    pub fn text_len(self) -> TextSize {
        self.0.text_len()
    }

    /// The text of the first token of the subtree, trivia included.
    pub fn first_token_text(self) -> Option<&'a str> {
        let mut node = self.0;
        loop {
            match node.children().next()? {
                NodeOrToken::Node(child) => node = child,
                NodeOrToken::Token(token) => return Some(token.text()),
            }
        }
    }

    /// The name of a method call, a field or a path segment: the text of the first
    /// `NAME_REF` child.
    pub fn name_ref_text(self) -> Option<&'a str> {
        self.child(SyntaxKind::NAME_REF)?.first_token_text()
    }

    /// Whether a segment name of the node's path satisfies `wanted`: the node itself when it
    /// is a `PATH`, else its first `PATH` child (of a path expression, a path type, a macro
    /// call). See [`any_path_segment_name`].
    pub fn any_path_segment_name(self, mut wanted: impl FnMut(&str) -> bool) -> bool {
        let mut current =
            if self.kind() == SyntaxKind::PATH { Some(self) } else { self.child(SyntaxKind::PATH) };
        while let Some(path) = current.take() {
            for child in path.child_nodes() {
                match child.kind() {
                    SyntaxKind::PATH => current = Some(child),
                    SyntaxKind::PATH_SEGMENT if child.name_ref_text().is_some_and(&mut wanted) => {
                        return true;
                    }
                    _ => {}
                }
            }
        }
        false
    }

    /// The path of an attribute (an `ATTR` node) as written, without spaces: the tokens of
    /// its meta up to the first `(`, `=`, `[` or `{` (`tokio::test`, `cfg`); `None` when it
    /// has no meta. What `rule::attr_tokens` reads as the path, without creating a node.
    pub fn attr_path(self) -> Option<Cow<'a, str>> {
        self.attr_parts().map(|(path, _)| path)
    }

    /// An attribute split as `rule::attr_tokens` splits it: the path, then an iterator over
    /// the meta's other tokens (trivia left out), from the `(`, `=`, `[` or `{` that ends
    /// the path; `None` when it has no meta.
    /// The path borrows the token's text when it is one token (`derive`, `cfg`), as most are.
    pub fn attr_parts(self) -> Option<(Cow<'a, str>, impl Iterator<Item = (SyntaxKind, &'a str)>)> {
        let meta = self.child_nodes().find(|child| ast::Meta::can_cast(child.kind()))?;
        let mut tokens = meta.tokens().filter(|(kind, _)| !kind.is_trivia()).peekable();
        let mut path = Cow::Borrowed("");
        while let Some((_, text)) = tokens.next_if(|(_, text)| !matches!(*text, "(" | "=" | "[" | "{")) {
            if path.is_empty() {
                path = Cow::Borrowed(text);
            } else {
                path.to_mut().push_str(text);
            }
        }
        Some((path, tokens))
    }

    /// The text of the subtree without its whitespace characters (`Vec<u8>`, `a::b`), inside
    /// tokens too.
    pub fn text_without_spaces(self) -> String {
        self.tokens().flat_map(|(_, text)| text.chars()).filter(|c| !c.is_whitespace()).collect()
    }

    /// The tokens of the subtree in order, with their kinds.
    pub fn tokens(self) -> GreenTokens<'a> {
        GreenTokens { top: self.0.children(), below: SmallVec::new() }
    }

    /// The first value `f` gives for a node of the subtree (itself included), in preorder.
    pub fn find_map_node<T>(self, mut f: impl FnMut(GreenRef<'a>) -> Option<T>) -> Option<T> {
        // Children are pushed last first, so that the first is taken next: the stack keeps
        // this linear however deep the tree.
        let mut stack: SmallVec<[GreenRef<'a>; 16]> = smallvec::smallvec![self];
        while let Some(node) = stack.pop() {
            if let Some(found) = f(node) {
                return Some(found);
            }
            let first = stack.len();
            stack.extend(node.child_nodes());
            stack[first..].reverse();
        }
        None
    }

    /// The children, tokens included, in order: each one's kind, length, and green node
    /// when it is a node.
    pub fn elements(self) -> impl Iterator<Item = (SyntaxKind, TextSize, Option<GreenRef<'a>>)> {
        self.0.children().map(|child| {
            (SyntaxKind::from(child.kind().0), child.text_len(), child.as_node().map(|node| GreenRef(node)))
        })
    }

    /// The token that covers `offset` (from the start of the node), with its kind and text;
    /// at a boundary between two tokens, the one that starts there (what
    /// `token_at_offset(..).right_biased()` gives, without creating a node on the way down).
    /// `None` at the end of the node.
    pub fn token_at(self, mut offset: TextSize) -> Option<(SyntaxKind, &'a str)> {
        let mut node = self.0;
        'down: loop {
            for child in node.children() {
                let len = child.text_len();
                if offset < len {
                    match child {
                        NodeOrToken::Node(inner) => {
                            node = inner;
                            continue 'down;
                        }
                        NodeOrToken::Token(token) => {
                            return Some((SyntaxKind::from(token.kind().0), token.text()));
                        }
                    }
                }
                offset -= len;
            }
            return None;
        }
    }

    /// Whether the first child node is an attribute (as `rule::attrs::has_attrs` reads it).
    pub fn starts_with_attrs(self) -> bool {
        self.child_nodes().next().is_some_and(|child| child.kind() == SyntaxKind::ATTR)
    }

    /// Whether some token of the subtree satisfies `wanted` (with its kind and text).
    pub fn any_token(self, mut wanted: impl FnMut(SyntaxKind, &str) -> bool) -> bool {
        self.tokens().any(|(kind, text)| wanted(kind, text))
    }
}

/// The tokens of a green subtree in order (see [`GreenRef::tokens`]). The children being read
/// are kept apart from those of the nodes above them, so that a token costs no access to
/// the stack: it is touched only on entering and leaving a node.
#[derive(Debug, Clone)]
pub struct GreenTokens<'a> {
    top: rowan::Children<'a>,
    /// The children left of each node above, held inline as deep as most subtrees go (most
    /// calls read an attribute or a path).
    below: SmallVec<[rowan::Children<'a>; 12]>,
}

impl<'a> Iterator for GreenTokens<'a> {
    type Item = (SyntaxKind, &'a str);

    #[inline]
    fn next(&mut self) -> Option<(SyntaxKind, &'a str)> {
        loop {
            match self.top.next() {
                Some(NodeOrToken::Token(token)) => {
                    return Some((SyntaxKind::from(token.kind().0), token.text()));
                }
                Some(NodeOrToken::Node(child)) => {
                    self.below.push(std::mem::replace(&mut self.top, child.children()))
                }
                None => self.top = self.below.pop()?,
            }
        }
    }
}

/// The text of a node, as `node.text().to_string()` gives it, read from the green tree
/// (which creates no token on the way).
pub fn node_text(node: &SyntaxNode) -> String {
    let green = GreenRef(node.green());
    let mut out = String::with_capacity(u32::from(green.0.text_len()) as usize);
    green.tokens().for_each(|(_, text)| out.push_str(text));
    out
}

/// The text of a node without its whitespace characters (`Vec<u8>`, `a::b`), inside tokens
/// too, read from the green tree.
pub fn text_without_spaces(node: &SyntaxNode) -> String {
    GreenRef(node.green()).text_without_spaces()
}

/// Whether `node` has a child token (not a token of a child node) of `kind`: what the typed
/// tree's `..._token()` accessors find, without creating a node for each child on the way.
pub fn has_token(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    GreenRef::of(node).has_token(kind)
}

/// Runs `f` on the green node under `node`.
pub fn with_green<R>(node: &SyntaxNode, f: impl FnOnce(GreenRef<'_>) -> R) -> R {
    f(GreenRef(node.green()))
}

/// A child node in the green tree: its index among its parent's children (tokens counted).
/// [`red_child`] makes its node of the tree.
#[derive(Debug, Clone, Copy)]
pub struct GreenChild<'a> {
    pub node: GreenRef<'a>,
    index: usize,
}

impl<'a> GreenChild<'a> {
    /// `root` itself, the first node of a walk down its green tree.
    pub fn root(root: &'a SyntaxNode) -> Self {
        GreenChild { node: GreenRef::of(root), index: root.index() }
    }

    /// Its own child nodes.
    pub fn children(self) -> GreenChildren<'a> {
        GreenChildren { children: self.node.0.children(), index: 0 }
    }
}

/// The child nodes of a green node (see [`GreenChild`]); tokens are passed over without
/// being read.
#[derive(Debug, Clone)]
pub struct GreenChildren<'a> {
    children: rowan::Children<'a>,
    /// Index of the next child.
    index: usize,
}

impl<'a> Iterator for GreenChildren<'a> {
    type Item = GreenChild<'a>;

    fn next(&mut self) -> Option<GreenChild<'a>> {
        loop {
            let child = self.children.next()?;
            let index = self.index;
            self.index += 1;
            if let NodeOrToken::Node(node) = child {
                return Some(GreenChild { node: GreenRef(node), index });
            }
        }
    }
}

/// Where the children of one node of the tree lie, worked out as [`red_child`] asks, in
/// order: each child's length is read once at most, and only up to the last child asked
/// for. A walk that passes over most children (and their tokens, kept elsewhere in memory)
/// reads none of them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChildOffsets {
    start: TextSize,
    /// The next child whose offset is known, and that offset.
    index: usize,
    offset: TextSize,
}

impl ChildOffsets {
    /// For the children of `parent`.
    pub fn of(parent: &SyntaxNode) -> Self {
        let start = parent.text_range().start();
        ChildOffsets { start, index: 0, offset: start }
    }

    /// The offset of child `index` of `parent` (the green node of the node these offsets are
    /// for).
    fn at(&mut self, parent: GreenRef<'_>, index: usize) -> TextSize {
        if index < self.index {
            // Asked out of order: from the first child again.
            (self.index, self.offset) = (0, self.start);
        }
        let before = parent.0.children().skip(self.index).take(index - self.index);
        self.offset += before.map(|child| child.text_len()).sum::<TextSize>();
        self.index = index;
        self.offset
    }
}

/// The node of the tree for `child`, a child of `parent` in the green tree: one node is
/// created, not one for each sibling before it. `offsets` are `parent`'s, kept from one call
/// to the next. `None` when `child` is not `parent`'s.
pub fn red_child(
    parent: &SyntaxNode,
    child: GreenChild<'_>,
    offsets: &mut ChildOffsets,
) -> Option<SyntaxNode> {
    let offset = offsets.at(GreenRef::of(parent), child.index);
    let range = TextRange::at(offset, child.node.0.text_len());
    // Looked up by range (a binary search), which only an empty node can make ambiguous.
    if !range.is_empty()
        && let Some(NodeOrToken::Node(node)) = parent.child_or_token_at_range(range)
        && node.index() == child.index
    {
        return Some(node);
    }
    parent.children_with_tokens().nth(child.index)?.into_node()
}

/// The child nodes of `node` of `kind`, in order: a node is created for each of them only,
/// not for the children of other kinds passed over (most items of a file, when looking for
/// its `use` items).
pub fn children_of_kind(node: &SyntaxNode, kind: SyntaxKind) -> impl Iterator<Item = SyntaxNode> + '_ {
    let mut offsets = ChildOffsets::of(node);
    GreenChild::root(node)
        .children()
        .filter(move |child| child.node.kind() == kind)
        .filter_map(move |child| red_child(node, child, &mut offsets))
}

/// Where `node`'s first child that is not an attribute, a comment or whitespace starts
/// (after its doc comments and attributes); its start when it has none. Read from the
/// green tree.
pub fn start_after_attrs(node: &SyntaxNode) -> TextSize {
    let start = node.text_range().start();
    let mut offset = start;
    for (kind, len, _) in GreenRef::of(node).elements() {
        if !matches!(kind, SyntaxKind::ATTR | SyntaxKind::COMMENT | SyntaxKind::WHITESPACE) {
            return offset;
        }
        offset += len;
    }
    start
}

/// Calls `f` with every token of `node`'s subtree, in order: the kind of the node that holds
/// the token, the token's kind and its text. Reads the green tree, which allocates nothing,
/// so that scanning a whole file stays cheap.
pub fn for_each_token(node: &SyntaxNode, mut f: impl FnMut(SyntaxKind, SyntaxKind, &str)) {
    for_each_token_around(node, None, |parent, kind, text, _| {
        f(parent, kind, text);
        true
    });
}

/// [`for_each_token`] until `f` returns false, telling `f` whether the token lies under a
/// node of kind `fence` below `node` (function bodies, say). With `fence` as
/// `Some((kind, false))` those subtrees are passed over.
pub fn for_each_token_around(
    node: &SyntaxNode,
    fence: Option<(SyntaxKind, bool)>,
    mut f: impl FnMut(SyntaxKind, SyntaxKind, &str, bool) -> bool,
) {
    let green = node.green();
    // An explicit stack of (kind of the node, its children still to visit): trees can be
    // 10,000 levels deep.
    let mut stack = vec![(SyntaxKind::from(green.kind().0), green.children())];
    // How many nodes on the stack are of the fenced kind.
    let mut fenced = 0usize;
    while let Some((parent, children)) = stack.last_mut() {
        let parent = *parent;
        match children.next() {
            Some(NodeOrToken::Node(child)) => {
                let kind = SyntaxKind::from(child.kind().0);
                match fence {
                    Some((fence, enter)) if kind == fence => {
                        if enter {
                            fenced += 1;
                            stack.push((kind, child.children()));
                        }
                    }
                    _ => stack.push((kind, child.children())),
                }
            }
            Some(NodeOrToken::Token(token)) => {
                if !f(parent, SyntaxKind::from(token.kind().0), token.text(), fenced > 0) {
                    return;
                }
            }
            None => {
                if fence.is_some_and(|(fence, _)| fence == parent) && stack.len() > 1 {
                    fenced -= 1;
                }
                stack.pop();
            }
        }
    }
}

/// Whether a token is the `unsafe` keyword: a keyword from edition 2018 on, an identifier
/// that reads `unsafe` in 2015 token trees.
pub fn is_unsafe_keyword(kind: SyntaxKind, text: &str) -> bool {
    kind == SyntaxKind::UNSAFE_KW || (kind == SyntaxKind::IDENT && text == "unsafe")
}

/// How many identifier tokens under `node` read `name` (comments and strings aside).
pub fn count_idents(node: &SyntaxNode, name: &str) -> usize {
    let mut count = 0;
    for_each_token(node, |_, kind, text| count += usize::from(kind == SyntaxKind::IDENT && text == name));
    count
}

/// Number of syntax kinds, for tables indexed by kind.
pub const KIND_COUNT: usize = SyntaxKind::__LAST as usize + 1;

/// A kind as a table index.
pub fn kind_index(kind: SyntaxKind) -> usize {
    kind as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_the_given_edition() {
        // `async` is a keyword from 2018 on; `dyn` too. In 2015 this is a plain identifier.
        let src = "fn f() { let async = 1; }";
        assert!(parse_file(src, Edition::E2015).errors.is_empty());
        assert!(!parse_file(src, Edition::E2021).errors.is_empty());
    }

    #[test]
    fn path_segment_names_follow_qualifiers_not_generic_arguments() {
        let parsed = parse_file("type A = std::sync::LazyLock<Vec<OnceLock<u8>>>;", Edition::E2021);
        let outer = parsed.root.descendants().find(|n| n.kind() == SyntaxKind::PATH).expect("a path");
        let mut seen = Vec::new();
        assert!(!any_path_segment_name(&outer, |name| {
            seen.push(name.to_owned());
            false
        }));
        // The last segment first (with its generic arguments unread), then the qualifiers.
        assert_eq!(seen, ["LazyLock", "sync", "std"]);
        assert!(any_path_segment_name(&outer, |name| name == "sync"));
        assert!(!any_path_segment_name(&outer, |name| name == "OnceLock"));
    }

    #[test]
    fn green_token_at_is_the_right_biased_token_at_every_offset() {
        let text = "/// unsafe\n#[cfg(test)]\nmod t { fn f() { unsafe { g(\"unsafe\") } } }\n";
        let root = parse_file(text, Edition::E2021).root;
        let file = GreenRef::of(&root);
        let block = root.descendants().find(|n| n.kind() == SyntaxKind::BLOCK_EXPR).expect("a block");
        for at in 0..text.len() {
            let offset = TextSize::from(u32::try_from(at).expect("small"));
            let red = root.token_at_offset(offset).right_biased().map(|t| (t.kind(), t.text().to_owned()));
            let green = file.token_at(offset).map(|(kind, text)| (kind, text.to_owned()));
            assert_eq!(green, red, "at {at}");
            // From a node inside the file: offsets count from the node's start.
            let range = block.text_range();
            if range.contains(offset) {
                let inner = GreenRef::of(&block).token_at(offset - range.start());
                assert_eq!(inner.map(|(kind, text)| (kind, text.to_owned())), red, "in the block, at {at}");
            }
        }
        // The end is no token's (where `token_at_offset` gives the last one).
        assert_eq!(file.token_at(TextSize::of(text)), None);
    }

    #[test]
    fn children_of_kind_are_the_children_of_that_kind() {
        let text =
            "#![no_std]\nuse a::b;\n/// Doc.\nfn f() {}\nuse c::{d, e};\nmod m { use f::g; }\nuse h as i;\n";
        let root = parse_file(text, Edition::E2021).root;
        for kind in
            [SyntaxKind::USE, SyntaxKind::FN, SyntaxKind::ATTR, SyntaxKind::MODULE, SyntaxKind::STRUCT]
        {
            let expected: Vec<SyntaxNode> = root.children().filter(|c| c.kind() == kind).collect();
            assert_eq!(children_of_kind(&root, kind).collect::<Vec<_>>(), expected, "{kind:?}");
        }
        assert_eq!(children_of_kind(&root, SyntaxKind::USE).count(), 3);
    }

    #[test]
    fn items_start_after_their_doc_comments_and_attributes() {
        let text = "/// Doc.\n#[derive(Debug)]\n// note\npub struct S {\n    /// A field.\n    #[source] a: u8,\n    b: u8,\n}\n";
        let root = parse_file(text, Edition::E2021).root;
        let starts: Vec<usize> = root
            .descendants()
            .filter(|n| matches!(n.kind(), SyntaxKind::STRUCT | SyntaxKind::RECORD_FIELD))
            .map(|n| usize::from(start_after_attrs(&n)))
            .collect();
        let at = |s: &str| text.find(s).expect("in the text");
        assert_eq!(starts, [at("pub struct"), at("a: u8"), at("b: u8")]);
        // Nothing but attributes: the node's own start.
        let only_attrs = parse_file("#[cfg(test)]", Edition::E2021).root;
        assert_eq!(start_after_attrs(&only_attrs), TextSize::from(0));
    }

    #[test]
    fn green_nodes_read_names_tokens_and_children() {
        let root = parse_file("fn f() { unsafe { a.b.unwrap() } }", Edition::E2021).root;
        let find = |kind| root.descendants().find(|n| n.kind() == kind).expect("a node");
        let call = find(SyntaxKind::METHOD_CALL_EXPR);
        with_green(&call, |green| {
            assert_eq!(green.kind(), SyntaxKind::METHOD_CALL_EXPR);
            // The method's name, not the field's of the receiver.
            assert_eq!(green.name_ref_text(), Some("unwrap"));
            assert_eq!(green.first_token_text(), Some("a"));
            assert!(green.has_child_in(&[SyntaxKind::ARG_LIST]));
            assert!(!green.has_token(SyntaxKind::IDENT), "the name is a token of a child node");
            assert!(green.any_token(|kind, text| kind == SyntaxKind::IDENT && text == "b"));
        });
        let block = find(SyntaxKind::STMT_LIST).children().find(|n| n.kind() == SyntaxKind::BLOCK_EXPR);
        let block = block.expect("the unsafe block");
        assert!(with_green(&block, |green| green.has_token(SyntaxKind::UNSAFE_KW)));
    }

    #[test]
    fn red_children_are_the_children_of_the_tree() {
        // Empty nodes of broken code (the meta of `#[]`, the bounds of a bare `impl`) share
        // their range with a sibling.
        let src = "#[]\nfn f(a: u8) -> impl { g(x.h()); }\nimpl S { fn g(&self) {} }\nstruct T(u8);\n";
        let root = parse_file(src, Edition::E2021).root;
        // Every node reached through the green children, in preorder.
        let mut reached = Vec::new();
        let mut stack = vec![(root.clone(), GreenChild::root(&root).children(), ChildOffsets::of(&root))];
        reached.push(root.clone());
        while let Some((parent, children, offsets)) = stack.last_mut() {
            match children.next() {
                Some(child) => {
                    let node = red_child(parent, child, offsets).expect("a child of its parent");
                    assert_eq!(node.kind(), child.node.kind());
                    reached.push(node.clone());
                    let offsets = ChildOffsets::of(&node);
                    stack.push((node, child.children(), offsets));
                }
                None => {
                    stack.pop();
                }
            }
        }
        let all: Vec<SyntaxNode> = root.descendants().collect();
        assert_eq!(reached, all);
        assert!(all.iter().any(|node| node.text_range().is_empty()), "the source has an empty node");
        // Children asked for with some passed over, or out of order.
        for parent in &all {
            let children: Vec<SyntaxNode> = parent.children().collect();
            let green: Vec<GreenChild<'_>> =
                GreenChild { node: GreenRef::of(parent), index: 0 }.children().collect();
            let mut offsets = ChildOffsets::of(parent);
            for (at, child) in green.iter().enumerate().rev() {
                assert_eq!(red_child(parent, *child, &mut offsets).as_ref(), Some(&children[at]));
            }
            let mut offsets = ChildOffsets::of(parent);
            for (at, child) in green.iter().enumerate().step_by(2) {
                assert_eq!(red_child(parent, *child, &mut offsets).as_ref(), Some(&children[at]));
            }
        }
    }

    /// The tokens of `root`'s tree, with their kinds, as the tree itself gives them.
    fn red_tokens(root: &SyntaxNode) -> Vec<(SyntaxKind, String)> {
        root.descendants_with_tokens()
            .filter_map(|element| element.into_token())
            .map(|token| (token.kind(), token.text().to_owned()))
            .collect()
    }

    #[test]
    fn green_token_walk_matches_the_red_one() {
        let src = "macro_rules! m { ($x:ident) => { impl Pin for $x {} } }\n// Pin\nfn f(p: Pin<&mut u8>) { \"Pin\"; }";
        let root = parse_file(src, Edition::E2021).root;
        let red = red_tokens(&root);
        let mut green = Vec::new();
        for_each_token(&root, |_, kind, text| green.push((kind, text.to_owned())));
        assert_eq!(red, green);
        assert_eq!(count_idents(&root, "Pin"), 2);
    }

    #[test]
    fn broken_files_still_give_a_tree() {
        let parsed = parse_file("fn a() { let x = ; }\nfn b() { x.unwrap() }", Edition::E2021);
        assert!(!parsed.errors.is_empty());
        assert!(parsed.root.to_string().contains("unwrap"));
        assert_eq!(parsed.root.descendants().filter(|n| n.kind() == SyntaxKind::FN).count(), 2);
    }

    #[test]
    fn green_tokens_are_the_tokens_of_the_tree() {
        // Nested deeper than the stack held inline, and back out, twice.
        let deep = format!("fn f() {{ {}x{} }}", "(".repeat(40), ")".repeat(40));
        for text in [
            "",
            "fn f() {}",
            "/// doc\n#[a(b = \"c\")]\nstruct S { x: u8 } // end",
            deep.as_str(),
            &deep.repeat(2),
        ] {
            let root = parse_file(text, Edition::E2021).root;
            let expected = red_tokens(&root);
            let green: Vec<(SyntaxKind, String)> =
                GreenRef::of(&root).tokens().map(|(kind, text)| (kind, text.to_owned())).collect();
            assert_eq!(green, expected, "{text}");
        }
    }

    #[test]
    fn tokens_come_in_order_with_their_parent() {
        let parsed = parse_file("fn f() { g(x) }", Edition::E2021);
        let fn_node = parsed.root.first_child().expect("fn");
        let mut idents = Vec::new();
        for_each_token(&fn_node, |parent, kind, text| {
            if kind == SyntaxKind::IDENT {
                idents.push((parent, text.to_owned()));
            }
        });
        assert_eq!(
            idents,
            [
                (SyntaxKind::NAME, "f".to_owned()),
                (SyntaxKind::NAME_REF, "g".to_owned()),
                (SyntaxKind::NAME_REF, "x".to_owned())
            ]
        );
    }

    /// Every delimited group of `text`'s macro calls, as the ranges inside its delimiters:
    /// the whole inside, and each part between top-level commas and semicolons.
    fn group_ranges(root: &SyntaxNode) -> Vec<(SyntaxNode, TextRange)> {
        let mut out = Vec::new();
        for tt in root.descendants().filter(|node| node.kind() == SyntaxKind::TOKEN_TREE) {
            let range = tt.text_range();
            if range.len() < TextSize::from(2) {
                continue;
            }
            let inner = TextRange::new(range.start() + TextSize::from(1), range.end() - TextSize::from(1));
            out.push((tt.clone(), inner));
            let mut start = inner.start();
            for token in tt.children_with_tokens().filter_map(|child| child.into_token()) {
                let at = token.text_range();
                if matches!(token.kind(), T![,] | T![;]) || at.end() == range.end() {
                    out.push((tt.clone(), TextRange::new(start, at.start().max(start))));
                    start = at.end();
                }
            }
        }
        out
    }

    /// Parsing a group of a file's tokens gives the tree that parsing its text gives, token
    /// for token (kinds, texts, where comments and whitespace go), or asks for the text.
    fn assert_token_parses_match(text: &str, ed: Edition) -> (usize, usize) {
        let parsed = parse_file(text, ed);
        assert!(parsed.errors.is_empty(), "{:?} in {text}", parsed.errors);
        let (mut same, mut from_text) = (0, 0);
        for (tt, range) in group_ranges(&parsed.root) {
            let part = &text[std::ops::Range::<usize>::from(range)];
            let dump = |node: Option<SyntaxNode>| node.map(|node| format!("{node:#?}"));
            match parse_tokens_as_items(&tt, range, ed) {
                Ok(tree) => {
                    assert_eq!(dump(tree), dump(parse_items(part, ed)), "items `{part}`");
                    same += 1;
                }
                Err(FromText) => from_text += 1,
            }
            match parse_tokens_as_expr(&tt, range, ed) {
                Ok(tree) => {
                    assert_eq!(dump(tree), dump(parse_expr(part, ed)), "expression `{part}`");
                    same += 1;
                }
                Err(FromText) => from_text += 1,
            }
        }
        (same, from_text)
    }

    #[test]
    fn fragments_parsed_from_tokens_are_the_trees_of_their_text() {
        let cases = [
            // Comments and blank lines before items, inner doc comments, trailing trivia.
            "m! {\n    // a\n    /// b\n\n    /// c\n    fn f() {}\n\n    // d\n\n    struct S;\n    //! e\n    enum E { /// v\n A }\n  // end\n}",
            "m! { /** a */ const A: u8 = 1; /*** b */ static B: u8 = 2; //// c\n type T = u8; }",
            // Joint punctuation, contextual keywords, floats, lifetimes, raw identifiers.
            "m!(a::b::<Vec<Vec<u8>>>(), x >>= 1, y -> z, 1..=2, a || b && c, 'l: loop {}, r#fn(1.5, 2., 3e4));",
            "m! { union U { a: u8 } auto trait T {} macro_rules! n { () => {} } impl<'a> T for &'a u8 {} }",
            "m!(t.0, t.0.1, x.0 .1, |a| a.await?, async move { 1 }, unsafe { f() }, #[cfg(x)] y);",
            "m!(#!/x, - 1, --- a, #![allow(x)] fn f() {});",
            "m!({ let x = 1; x }, [1, 2; 3], (a, b), vec![c; 4], matches!(d, Some(_) | None));",
            "m! { fn f() -> impl Fn(u8) -> u8 + 'static { |x| x } }",
            "m!(s.len() as u64 >> 2, a << b, c<d>::e, f::<g>, &&h, ..i, j.., k?, !l, -m, *n);",
            "m!(  ) ; n!( a ) ; o!(/* c */ f(x) /* d */);",
        ];
        let (mut same, mut from_text) = (0, 0);
        for case in cases {
            let text = format!("fn main() {{ {case} }}");
            for ed in [Edition::E2015, Edition::E2021, Edition::E2024] {
                if parse_file(&text, ed).errors.is_empty() {
                    let (s, f) = assert_token_parses_match(&text, ed);
                    same += s;
                    from_text += f;
                }
            }
        }
        // The fixtures' macro calls, as real code uses them.
        let mut files = Vec::new();
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut dirs = vec![fixtures];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 100, "fixtures not found");
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            if parse_file(&text, Edition::E2021).errors.is_empty() {
                let (s, f) = assert_token_parses_match(&text, Edition::E2021);
                same += s;
                from_text += f;
            }
        }
        assert!(same > 2_000, "{same} fragments compared");
        // `#!`, `---` and `t.0.1` are parsed from their text.
        assert!(from_text >= 4, "{from_text} fragments parsed from text");
    }

    #[test]
    fn expression_fragments() {
        assert!(parse_expr("x.unwrap()", Edition::E2021).is_some());
        assert!(parse_expr("x.unwrap(", Edition::E2021).is_none());
        assert!(parse_expr("a b", Edition::E2021).is_none());
        assert!(parse_expr("#x", Edition::E2021).is_none());
        assert!(parse_expr("#[cfg(feature = \"x\")]", Edition::E2021).is_none());
        assert!(parse_expr("#[repr(C)]\n#[repr(u8)]", Edition::E2021).is_none());
        assert!(parse_items("unsafe fn f(&self) {}\npub struct S;", Edition::E2021).is_some());
        assert!(parse_items("if #[cfg(unix)] { mod a; }", Edition::E2021).is_none());
        // Turned down before the tree is built: a lexer error, a parser error, a root of
        // the wrong kind without an error.
        assert!(parse_expr("f(\"open)", Edition::E2021).is_none());
        assert!(parse_items("fn f() {} 'a'b", Edition::E2021).is_none());
        assert!(parse_items("fn f() {}\nlet x = 1;", Edition::E2021).is_none());
        // A fragment that parses is whole, trivia included.
        let expr = parse_expr("g( x ) // c", Edition::E2021).map(|e| (e.kind(), e.to_string()));
        assert_eq!(expr, Some((SyntaxKind::CALL_EXPR, "g( x ) // c".to_owned())));
        let items = parse_items(" fn f() {}\nstruct S;", Edition::E2021).map(|i| (i.kind(), i.to_string()));
        assert_eq!(items, Some((SyntaxKind::MACRO_ITEMS, " fn f() {}\nstruct S;".to_owned())));
    }
}
