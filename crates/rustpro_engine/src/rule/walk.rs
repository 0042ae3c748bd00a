//! The one traversal per file: scopes (test code, allowed lints, inline modules) are tracked
//! on the way down, nodes go to the rules that declared their kind, and the arguments of
//! expression-like macros are parsed and walked at their true location.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::attrs::{ScopeAttrs, has_attrs, scope_attrs};
use super::context::FileCx;
use super::tested;
use super::{NodeFilter, Rule, RuleMeta};
use crate::project::{Edition, ModuleDecl, TargetKind};
use crate::source::parse::ast::HasName;
use crate::source::parse::ast::HasVisibility;
use crate::source::parse::{
    AstNode, ChildOffsets, GreenChild, GreenChildren, GreenRef, KIND_COUNT, SyntaxKind, SyntaxNode,
    TextRange, TextSize, ast, children_of_kind, kind_index, node_text, parse_expr_of, parse_items_of,
    red_child, with_green,
};

/// Rules indexed by the node kinds they look at.
pub(crate) struct Dispatch {
    rules: Vec<&'static dyn Rule>,
    /// The kinds some rule declared (as indices), each with the indices in `rules` of the
    /// rules that declared it.
    by_kind: Vec<(usize, Vec<usize>)>,
    any: bool,
    /// What the walk does with each kind whatever the file (see [`Active::class`]): it
    /// reaches the kinds it always reaches, and passes over the kinds no rule looks at whose
    /// nodes hold tokens only (see [`TOKENS_ONLY`]) and token trees (macro arguments are
    /// parsed apart); each file's table starts from this one.
    classes: [Class; KIND_COUNT],
    /// Kinds reached whatever the rules accept (see [`Dispatch::new`]).
    always: Vec<bool>,
    /// Whether walks gather what test code names and the library's public functions and
    /// types (see `TestFacts`); else test code is read only as far as needed to know whether
    /// there is a test.
    test_names: bool,
    /// The words of the rules that name them (see `Rule::words`), each with the rules
    /// that name it ([`rule_bit`]).
    words: rustc_hash::FxHashMap<&'static str, u64>,
}

impl Dispatch {
    /// Dispatches to `rules`; `test_names` as [`Dispatch::test_names`].
    pub(crate) fn new(rules: &[&'static dyn Rule], test_names: bool) -> Self {
        let mut of_kind: Vec<Vec<usize>> = (0..KIND_COUNT).map(|_| Vec::new()).collect();
        for (index, rule) in rules.iter().enumerate() {
            for kind in rule.node_kinds() {
                of_kind[kind_index(*kind)].push(index);
            }
        }
        // Kinds walks may reach: those of the rules, and those reached on their own.
        let mut reach: Vec<bool> = of_kind.iter().map(|rules| !rules.is_empty()).collect();
        let by_kind: Vec<(usize, Vec<usize>)> =
            of_kind.into_iter().enumerate().filter(|(_, rules)| !rules.is_empty()).collect();
        let any = !by_kind.is_empty();
        let mut always = vec![false; KIND_COUNT];
        // Functions too: `#[test]`s are looked for on every run (a function with attributes
        // opens a scope; every function is wanted when the library's public functions are
        // counted, see `test_names`).
        for kind in [SyntaxKind::MODULE, SyntaxKind::MACRO_CALL, SyntaxKind::SOURCE_FILE, SyntaxKind::FN] {
            reach[kind_index(kind)] = true;
            always[kind_index(kind)] = true;
        }
        let mut classes = [Class::Look; KIND_COUNT];
        for (kind, class) in classes.iter_mut().enumerate() {
            if always[kind] {
                *class = Class::Reach;
            }
        }
        for kind in TOKENS_ONLY.iter().chain([&SyntaxKind::TOKEN_TREE]) {
            if !reach[kind_index(*kind)] {
                classes[kind_index(*kind)] = Class::Pass;
            }
        }
        let mut words = rustc_hash::FxHashMap::default();
        for (index, rule) in rules.iter().enumerate() {
            for word in rule.words().unwrap_or_default() {
                *words.entry(*word).or_default() |= rule_bit(index);
            }
        }
        Dispatch { rules: rules.to_vec(), by_kind, any, classes, always, test_names, words }
    }

    /// Whether walks gather what test code names (see the field).
    pub(crate) fn test_names(&self) -> bool {
        self.test_names
    }

    /// Which rules look at which kinds in the file (rules that apply to it, kinds they look
    /// at there), and per kind whether the walk may want its nodes (a kind always reached, or
    /// one an applying rule looks at): asked once before the file's walk, and once more if
    /// the walk meets test code, for the rules that look at test code (`in_test`).
    fn active_in(&self, cx: &FileCx<'_>, in_test: bool) -> Active {
        let applies: Vec<bool> = self.rules.iter().map(|rule| rule.applies_to_file(cx)).collect();
        // Whether each rule looks at some kind in the file.
        let mut looks = vec![false; self.rules.len()];
        let mut rules = Vec::new();
        let mut spans = [[0u32; 2]; KIND_COUNT];
        let mut classes = self.classes;
        for (index, of_kind) in &self.by_kind {
            let start = rules.len();
            let kind = SyntaxKind::from(u16::try_from(*index).unwrap_or(u16::MAX));
            for &rule in of_kind {
                let rule_of = self.rules[rule];
                if applies[rule]
                    && rule_of.looks_at_kind(kind, cx)
                    && (!in_test || rule_of.looks_in_test_code(kind))
                {
                    rules.push(rule);
                    looks[rule] = true;
                }
            }
            if rules.len() > start {
                let at = |len: usize| u32::try_from(len).unwrap_or(u32::MAX);
                spans[*index] = [at(start), at(rules.len())];
                classes[*index] = Class::Reach;
            }
        }
        let filters = looks
            .iter()
            .zip(&self.rules)
            .map(|(looks, rule)| if *looks { rule.file_filter(cx) } else { None })
            .collect();
        // Rules without kinds (package and workspace rules) see no nodes.
        let mut marks = Some(Vec::new());
        let mut word_rules = 0;
        for (index, rule) in self.rules.iter().enumerate().filter(|(index, _)| looks[*index]) {
            word_rules |= rule_bit(index);
            match (rule.words(), marks.as_mut()) {
                (Some(_), Some(all)) => all.extend_from_slice(rule.marks()),
                _ => marks = None,
            }
        }
        Active { rules, spans, classes, marks, word_rules, filters, in_test }
    }

    /// Whether the walk must reach `node`, of a kind it reaches in the file and scope (see
    /// [`Active::reaches`]): a kind it always reaches, or one a rule looks at there and
    /// accepts.
    fn wants(&self, active: &Active, node: GreenRef<'_>) -> bool {
        let kind = node.kind();
        let always = self.always[kind_index(kind)]
            && match kind {
                SyntaxKind::MACRO_CALL => macro_args_may_be_walked(node),
                // For the public API, when the walk gathers it, and for attributes (a test):
                // those open a scope, and entering it first costs less than on leaving.
                SyntaxKind::FN => self.test_names || node.starts_with_attrs(),
                _ => true,
            };
        always || active.rules_of(kind).iter().any(|&i| active.accepts(self.rules[i], i, node))
    }
}

/// What the walk does with a node of a kind, in a file and scope (see [`Active::class`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Passed over: it holds nothing to reach, whatever the file (see [`Dispatch::classes`]).
    Pass,
    /// Not reached, but what it holds may be: looked into.
    Look,
    /// Reached: offered to the rules that look at the kind, if it is not always wanted.
    Reach,
}

/// What applies to the file being walked (see [`Dispatch::active_in`]).
struct Active {
    /// The rules (by index in the dispatch's) that look at each kind in the file, kind after
    /// kind: those of the kind at index `k` from `spans[k][0]` to `spans[k][1]`.
    rules: Vec<usize>,
    spans: [[u32; 2]; KIND_COUNT],
    /// By kind: what the walk does with its nodes.
    classes: [Class; KIND_COUNT],
    /// The marks of the rules that look at some kind in the file, when all of them name
    /// their words (see `Rule::words`; the words are the dispatch's).
    marks: Option<Vec<&'static str>>,
    /// The rules that look at some kind in the file, as [`rule_bit`]s: only their words
    /// let a macro argument through.
    word_rules: u64,
    /// By rule (index in the dispatch's): what the rule tests of nodes in this file besides
    /// [`Rule::accepts`] (see [`Rule::file_filter`]).
    filters: Vec<Option<NodeFilter>>,
    /// Whether it is the test code's (see [`Rule::looks_in_test_code`]).
    in_test: bool,
}

impl Active {
    /// Whether `rule`, at index `index` in the dispatch's rules, takes `node` in this file.
    fn accepts(&self, rule: &dyn Rule, index: usize, node: GreenRef<'_>) -> bool {
        rule.accepts(node)
            && self.filters.get(index).and_then(Option::as_ref).is_none_or(|passes| passes(node))
    }

    /// What applies when nothing does: no rule looks at anything, nothing is reached.
    fn none() -> Self {
        Active {
            rules: Vec::new(),
            spans: [[0; 2]; KIND_COUNT],
            classes: [Class::Look; KIND_COUNT],
            marks: None,
            word_rules: 0,
            filters: Vec::new(),
            in_test: false,
        }
    }

    /// What the walk does with nodes of `kind` in this file and scope: it reaches a kind it
    /// always reaches, or one a rule that applies to the file looks at there; subtrees
    /// holding none are passed over.
    fn class(&self, kind: SyntaxKind) -> Class {
        self.classes[kind_index(kind)]
    }

    /// Whether the walk reaches nodes of `kind` in this file and scope (see [`Active::class`]).
    fn reaches(&self, kind: SyntaxKind) -> bool {
        self.class(kind) == Class::Reach
    }

    /// Whether `node`'s child nodes (if any) are all passed over.
    fn holds_nothing(&self, node: GreenRef<'_>) -> bool {
        node.child_nodes().all(|child| self.class(child.kind()) == Class::Pass)
    }

    /// Whether `node`'s subtree holds nothing to reach, looking two levels down: each child
    /// node is passed over, or holds only nodes that are (a path's segment holding its name).
    fn holds_nothing_below(&self, node: GreenRef<'_>) -> bool {
        node.child_nodes().all(|child| match self.class(child.kind()) {
            Class::Pass => true,
            Class::Look => self.holds_nothing(child),
            Class::Reach => false,
        })
    }

    /// Where the rules that look at nodes of `kind` lie in `rules`.
    fn span_of(&self, kind: SyntaxKind) -> std::ops::Range<usize> {
        let [start, end] = self.spans[kind_index(kind)];
        start as usize..end as usize
    }

    /// The rules that look at nodes of `kind`.
    fn rules_of(&self, kind: SyntaxKind) -> &[usize] {
        &self.rules[self.span_of(kind)]
    }
}

/// Words and marks of which every node the rules accept holds one (see `Rule::words`).
pub(crate) struct Words<'a> {
    /// Each word, with the rules that name it.
    words: &'a rustc_hash::FxHashMap<&'static str, u64>,
    /// The rules whose words count.
    rules: u64,
    marks: &'a [&'static str],
    /// Whether the argument is in test code.
    in_test: bool,
}

impl<'a> Words<'a> {
    pub(crate) fn new(
        words: &'a rustc_hash::FxHashMap<&'static str, u64>,
        rules: u64,
        marks: &'a [&'static str],
    ) -> Self {
        Words { words, rules, marks, in_test: false }
    }

    /// For an argument in test code (`in_test`).
    pub(crate) fn in_test_code(self, in_test: bool) -> Self {
        Words { in_test, ..self }
    }

    fn counts(&self, word: &str) -> bool {
        self.words.get(word).is_some_and(|rules| rules & self.rules != 0)
    }
}

/// A rule, by its index in the dispatch's rules, as a bit of a set of rules: the 64th and
/// later share the last bit (any of them counts for all).
fn rule_bit(index: usize) -> u64 {
    1 << index.min(63)
}

/// A rule that panicked on this file: reported once, and not run again on the file.
#[derive(Debug)]
pub(crate) struct RulePanic {
    pub rule: &'static RuleMeta,
    pub message: String,
}

/// State of one walk beside the context rules see.
pub(crate) struct Walker<'d> {
    pub dispatch: &'d Dispatch,
    pub edition: Edition,
    pub text: &'d str,
    /// Out-of-line module declarations met in the file.
    pub modules: Vec<ChildModule>,
    pub panics: Vec<RulePanic>,
    /// The open inline modules (`mod a { .. }`), each with whether it is public.
    inline_modules: Vec<(String, bool)>,
    /// Whether the file's tokens are as its lexer made them without error, so that macro
    /// arguments are parsed from them rather than from their text (see
    /// [`Walker::tokens_as_lexed`]).
    tokens_as_lexed: bool,
    /// What of the dispatch applies to the file being walked, in the scope the walk is in
    /// (test code or not).
    active: Active,
    /// What applies in the other scope, once the walk has been there.
    other_active: Option<Active>,
    /// The ranges of the nodes entered, in order (see [`Walker::enter`]).
    #[cfg(test)]
    entered: Vec<TextRange>,
}

/// An out-of-line module declaration with what its file inherits from the declaration.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ChildModule {
    pub decl: ModuleDecl,
    pub in_test: bool,
    pub allows: Vec<String>,
    /// `pub mod` (not hidden) inside `pub` inline modules only; a glob `pub use` in the
    /// declaring file can still make it public (see [`reexports`]).
    pub public: bool,
    /// Items of a private module that the declaring file re-exports by name.
    pub public_items: Vec<String>,
    /// The declaration, or the file declaring it, is under a `cfg` that a default build
    /// leaves off (see `rust_version_too_low`): so is the whole module.
    pub outside_default_build: bool,
}

/// Kinds whose nodes hold tokens only, as the parser builds them (names, lifetimes, `cfg`
/// atoms, `_`, `!`, ABIs).
pub(crate) const TOKENS_ONLY: &[SyntaxKind] = &[
    SyntaxKind::NAME,
    SyntaxKind::NAME_REF,
    SyntaxKind::LIFETIME,
    SyntaxKind::CFG_ATOM,
    SyntaxKind::ABI,
    SyntaxKind::NEVER_TYPE,
    SyntaxKind::INFER_TYPE,
    SyntaxKind::WILDCARD_PAT,
];

/// Macros whose input is code to be emitted or matched, not code that runs here.
const QUOTING_MACROS: &[&str] =
    &["quote", "quote_spanned", "parse_quote", "parse_quote_spanned", "format_ident", "macro_rules"];

/// How deep macro arguments are followed into nested macro calls.
const MAX_MACRO_DEPTH: usize = 16;

struct Frame {
    test: bool,
    allows: usize,
}

/// A node of the green tree on the walk's stack (see [`Walker::walk`]).
struct Open<'g> {
    /// The node, and where it lies under its parent (the walk's root is at the bottom).
    green: GreenChild<'g>,
    /// Its child nodes still to visit.
    children: GreenChildren<'g>,
    /// Whether its subtree, as far as visited, holds a node of a kind the walk reaches.
    holds_reach: bool,
}

/// A node of the walk's stack once entered, kept apart: the entered nodes are the bottom of
/// the stack, and most nodes pushed are never entered.
struct Entered {
    /// Its node of the tree.
    node: SyntaxNode,
    /// Where its children lie.
    offsets: ChildOffsets,
    /// Whether entering it opened a scope frame.
    opened: bool,
}

impl<'d> Walker<'d> {
    pub(crate) fn new(dispatch: &'d Dispatch, edition: Edition, text: &'d str) -> Self {
        Walker {
            dispatch,
            edition,
            text,
            modules: Vec::new(),
            panics: Vec::new(),
            inline_modules: Vec::new(),
            tokens_as_lexed: false,
            active: Active::none(),
            other_active: None,
            #[cfg(test)]
            entered: Vec::new(),
        }
    }

    /// Tells the walk that the file parsed without a syntax error: its tokens are the lexer's,
    /// none of them in error, and macro arguments are parsed from them (a lexer error, which
    /// makes the text of an argument be turned down, is not seen on its token).
    pub(crate) fn tokens_as_lexed(&mut self, clean: bool) {
        self.tokens_as_lexed = clean;
    }

    /// Walks the file tree.
    pub(crate) fn walk_file(&mut self, cx: &mut FileCx<'_>) {
        let root = cx.root.clone();
        let test_names = self.dispatch.test_names;
        cx.tests.gathered = test_names;
        if cx.in_test_code() && tested::runs_tests(cx.target) {
            self.scan_for_tests(cx, |names| tested::scan_test_code(&root, names));
        }
        if test_names {
            let types = crate::rules::testing::untested_public_fn::public_type_names(&root, cx);
            cx.tests.public_types.extend(types);
        }
        let lib = cx.package.targets.iter().find(|t| t.kind == TargetKind::Lib);
        if cx.target == TargetKind::Lib && lib.is_some_and(|lib| lib.doctest) {
            self.scan_for_tests(cx, |names| tested::scan_doc_tests(self.text, false, names));
            cx.tests.doc_includes = tested::doc_includes(self.text, cx.path, &cx.package.dir);
        }
        self.active = self.dispatch.active_in(cx, cx.in_test_code());
        self.other_active = None;
        self.walk(&root, cx, 0);
    }

    /// Walks `root`. The walk goes down the green tree, which creates nothing, and enters a
    /// node (creates its node of the tree, opens its scope, gives it to the rules; see
    /// [`Walker::enter`]) only when its subtree holds a node the walk must reach (see
    /// [`Dispatch::wants`]), or when it starts with attributes and holds a node of a kind the
    /// walk reaches in the file and scope (see [`Active::reaches`]), wanted or not: its
    /// attributes open a scope (test code, allowed lints), and what the walk records on
    /// entering test code must not depend on which nodes the rules turned down. Nodes are
    /// entered in preorder, each after its ancestors: a node is entered, with every ancestor
    /// not yet entered, once the walk meets a node that wants it. A node is not even pushed
    /// on the walk's stack when nothing below it can be reached (see [`Active::class`]): a
    /// node of a kind passed over, one not reached whose child nodes all are, one reached but
    /// not wanted with nothing to reach two levels down (most paths).
    fn walk(&mut self, root: &SyntaxNode, cx: &mut FileCx<'_>, macro_depth: usize) {
        let mut frames: Vec<Frame> = Vec::new();
        let green = GreenChild::root(root);
        let mut stack = vec![Open {
            green,
            children: green.children(),
            holds_reach: self.active.reaches(green.node.kind()),
        }];
        // The nodes at the bottom of the stack that are entered.
        let mut entered: Vec<Entered> = Vec::new();
        if stack[0].holds_reach && self.dispatch.wants(&self.active, green.node) {
            self.enter_open(root, &stack, &mut entered, &mut frames, cx, macro_depth);
        }
        while let Some(open) = stack.last_mut() {
            // The next child that holds something to reach, and whether a rule wants it.
            let next = loop {
                let Some(child) = open.children.next() else { break None };
                match self.active.class(child.node.kind()) {
                    Class::Pass => {}
                    Class::Look => {
                        if !self.active.holds_nothing(child.node) {
                            break Some((child, false, false));
                        }
                    }
                    Class::Reach => {
                        open.holds_reach = true;
                        let wanted = self.dispatch.wants(&self.active, child.node);
                        // Pushed only if wanted, or to look below (it can open no scope:
                        // attributes are nodes that are not passed over).
                        if wanted || !self.active.holds_nothing_below(child.node) {
                            break Some((child, true, wanted));
                        }
                    }
                }
            };
            if let Some((child, reach, wanted)) = next {
                stack.push(Open { green: child, children: child.children(), holds_reach: reach });
                if wanted {
                    self.enter_open(root, &stack, &mut entered, &mut frames, cx, macro_depth);
                }
                continue;
            }
            let scope_to_enter = open.holds_reach && open.green.node.starts_with_attrs();
            if scope_to_enter && entered.len() < stack.len() {
                self.enter_open(root, &stack, &mut entered, &mut frames, cx, macro_depth);
            }
            let Some(open) = stack.pop() else { break };
            if let Some(parent) = stack.last_mut() {
                parent.holds_reach |= open.holds_reach;
            }
            if entered.len() > stack.len()
                && let Some(left) = entered.pop()
            {
                self.leave(&left.node, left.opened, &mut frames, cx);
            }
        }
    }

    /// Enters the nodes of `stack` not yet entered, from the lowest one not entered up:
    /// creates each one's node from its parent's, and [`Walker::enter`]s it.
    fn enter_open(
        &mut self,
        root: &SyntaxNode,
        stack: &[Open<'_>],
        entered: &mut Vec<Entered>,
        frames: &mut Vec<Frame>,
        cx: &mut FileCx<'_>,
        macro_depth: usize,
    ) {
        for open in &stack[entered.len()..] {
            let node = match entered.last_mut() {
                None => Some(root.clone()),
                // The parent was entered just before (or earlier).
                Some(parent) => red_child(&parent.node, open.green, &mut parent.offsets),
            };
            // A green child is always its parent's: nothing to enter otherwise.
            let Some(node) = node else { return };
            let opened = self.enter(&node, cx, frames, macro_depth);
            entered.push(Entered { offsets: ChildOffsets::of(&node), node, opened });
        }
    }

    /// What entering a node does: its attributes open a scope, a function may be public API,
    /// a module is declared, the rules that want the node check it, and a macro call's
    /// arguments are walked. Returns whether a scope frame was opened.
    fn enter(
        &mut self,
        node: &SyntaxNode,
        cx: &mut FileCx<'_>,
        frames: &mut Vec<Frame>,
        macro_depth: usize,
    ) -> bool {
        #[cfg(test)]
        self.entered.push(node.text_range() + cx.base);
        let kind = node.kind();
        // Read once: scopes and module declarations both need them.
        let attrs = has_attrs(node).then(|| scope_attrs(node));
        let module_attrs = attrs.as_ref().map(|a| (a.path.clone(), a.doc_hidden));
        let opened = attrs.is_some();
        if let Some(attrs) = attrs {
            let was_test = cx.in_test_code();
            frames.push(enter_scope(kind, attrs, cx));
            // Where test code starts inside a library or binary (a test target's files were
            // read whole).
            if !was_test && cx.in_test_code() {
                self.scan_for_tests(cx, |names| tested::scan_test_code(node, names));
            }
            self.follow_scope(cx);
        }
        if kind == SyntaxKind::FN
            && self.dispatch.test_names
            && let Some(function) = crate::rules::testing::untested_public_fn::public_api_fn(node, cx)
        {
            cx.tests.public_fns.push(function.key);
        }
        // After the scope: a module's own `#[cfg(test)]` applies to its file.
        if kind == SyntaxKind::MODULE {
            let (path_attr, doc_hidden) = module_attrs.unwrap_or_default();
            self.enter_module(node, path_attr, doc_hidden, cx);
        }
        if self.dispatch.any {
            self.dispatch_node(node, kind, cx);
        }
        if kind == SyntaxKind::MACRO_CALL && macro_depth < MAX_MACRO_DEPTH {
            self.walk_macro_args(node, cx, macro_depth + 1);
        }
        opened
    }

    /// Runs `scan` (of test code or doc comments) for whether the file has a test, with the
    /// names to gather when the walk gathers them. Without names, once the file has a test
    /// no scan can add anything, and none runs.
    fn scan_for_tests(&self, cx: &mut FileCx<'_>, scan: impl FnOnce(Option<&mut tested::Names>) -> bool) {
        let gather = self.dispatch.test_names;
        if gather || !cx.facts.has_tests {
            cx.facts.has_tests |= scan(gather.then_some(&mut cx.tests.names));
        }
    }

    /// Leaving an entered node: closes its inline module and its scope frame.
    fn leave(&mut self, node: &SyntaxNode, opened: bool, frames: &mut Vec<Frame>, cx: &mut FileCx<'_>) {
        if node.kind() == SyntaxKind::MODULE && is_inline_module(node) {
            self.inline_modules.pop();
        }
        if opened && let Some(frame) = frames.pop() {
            cx.test_depth -= usize::from(frame.test);
            cx.allows.truncate(cx.allows.len() - frame.allows);
            self.follow_scope(cx);
        }
    }

    /// Makes what applies follow the scope, once the walk enters or leaves test code.
    fn follow_scope(&mut self, cx: &FileCx<'_>) {
        let in_test = cx.in_test_code();
        if self.active.in_test != in_test {
            let other = match self.other_active.take() {
                Some(other) => other,
                None => self.dispatch.active_in(cx, in_test),
            };
            self.other_active = Some(std::mem::replace(&mut self.active, other));
        }
    }

    fn enter_module(
        &mut self,
        node: &SyntaxNode,
        path_attr: Option<String>,
        doc_hidden: bool,
        cx: &FileCx<'_>,
    ) {
        let Some(module) = ast::Module::cast(node.clone()) else { return };
        let Some(name) = module.name() else { return };
        let name = name.text().to_string();
        // `pub mod` exactly (not `pub(crate)`), and not `#[doc(hidden)]`.
        let exactly_pub = module.visibility().is_some_and(|v| v.syntax().text() == "pub");
        let public_here = exactly_pub && !doc_hidden;
        if module.item_list().is_some() {
            self.inline_modules.push((name, public_here));
            return;
        }
        let inline_path = self.inline_modules.iter().map(|(name, _)| name.clone()).collect();
        let decl = ModuleDecl { name, path_attr, inline_path };
        let public = public_here && self.inline_modules.iter().all(|(_, public)| *public);
        // True in a file whose own module is outside already.
        let outside_default_build = crate::rules::util::feature_use::is_outside_default_build(node, cx);
        self.modules.push(ChildModule {
            decl,
            in_test: cx.test_depth > 0,
            allows: cx.allows.clone(),
            public,
            public_items: Vec::new(),
            outside_default_build,
        });
    }

    fn dispatch_node(&mut self, node: &SyntaxNode, kind: SyntaxKind, cx: &mut FileCx<'_>) {
        let dispatch = self.dispatch;
        cx.forget_node_memo();
        for at in self.active.span_of(kind) {
            let index = self.active.rules[at];
            let rule = dispatch.rules[index];
            if !with_green(node, |g| self.active.accepts(rule, index, g)) {
                continue;
            }
            let meta = rule.meta();
            if self.panics.iter().any(|p| std::ptr::eq(p.rule, meta)) {
                continue;
            }
            cx.current = meta;
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| rule.check_node(node, cx))) {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                self.panics.push(RulePanic { rule: meta, message });
            }
        }
    }

    /// Parses the arguments of a macro call as expressions and walks the ones that parse.
    fn walk_macro_args(&mut self, call: &SyntaxNode, cx: &mut FileCx<'_>, depth: usize) {
        let Some(call) = ast::MacroCall::cast(call.clone()) else { return };
        let Some(name) = call.path().and_then(|p| p.segment()).and_then(|s| s.name_ref()) else { return };
        let name = name.text().to_string();
        if QUOTING_MACROS.contains(&name.as_str()) {
            return;
        }
        let Some(tt) = call.token_tree() else { return };
        if is_item_position(call.syntax()) {
            self.walk_macro_items(tt.syntax(), cx, depth);
            return;
        }
        let json = name == "json";
        let mut segments = Vec::new();
        split_segments(tt.syntax(), json, &mut segments);
        for range in segments {
            let start = cx.base + range.start();
            let file_range = TextRange::at(start, range.len());
            let Some(text) = self.text.get(std::ops::Range::<usize>::from(file_range)) else { continue };
            let words = self
                .active
                .marks
                .as_deref()
                .map(|marks| Words::new(&self.dispatch.words, self.active.word_rules, marks))
                .map(|words| words.in_test_code(self.active.in_test));
            if words.is_some_and(|words| !may_matter(text, &words)) {
                continue;
            }
            let Some(expr) = parse_expr_of(tt.syntax(), range, text, self.edition, self.tokens_as_lexed)
            else {
                continue;
            };
            self.walk_fragment(&expr, call.syntax(), start, cx, depth);
        }
    }
}

impl Walker<'_> {
    /// A macro call in item position (`cfg_if! { .. }`, `lazy_static! { .. }`, helper macros
    /// that wrap `fn` items): walk its body as items when it parses as items, else each
    /// braced group in it that does (the branches of `cfg_if!`).
    fn walk_macro_items(&mut self, tt: &SyntaxNode, cx: &mut FileCx<'_>, depth: usize) {
        // Item bodies are braced (`name! { .. }`); `name!(..);` in item position is a call
        // with its own grammar (`link!("dll" "system" fn ..)`), and trying costs a parse each.
        if tt.first_token().is_none_or(|t| t.kind() != SyntaxKind::L_CURLY) {
            return;
        }
        if self.walk_items_of(tt, cx, depth) {
            return;
        }
        for group in tt.children().filter(|c| c.kind() == SyntaxKind::TOKEN_TREE) {
            if group.first_token().is_some_and(|t| t.kind() == SyntaxKind::L_CURLY) {
                self.walk_items_of(&group, cx, depth);
            }
        }
    }

    /// Walks the inside of a delimited token tree as items; false when it does not parse as such.
    fn walk_items_of(&mut self, tt: &SyntaxNode, cx: &mut FileCx<'_>, depth: usize) -> bool {
        let range = tt.text_range();
        if range.len() < TextSize::from(2) {
            return false;
        }
        // Inside the delimiters.
        let inner = TextRange::new(range.start() + TextSize::from(1), range.end() - TextSize::from(1));
        let start = cx.base + inner.start();
        let Some(text) = self.text.get(std::ops::Range::<usize>::from(TextRange::at(start, inner.len())))
        else {
            return false;
        };
        let Some(items) = parse_items_of(tt, inner, text, self.edition, self.tokens_as_lexed) else {
            return false;
        };
        let call = tt.parent().unwrap_or_else(|| tt.clone());
        self.walk_fragment(&items, &call, start, cx, depth);
        true
    }

    /// Walks a fragment parsed from the arguments of `call`, placed at `start` in the file.
    fn walk_fragment(
        &mut self,
        fragment: &SyntaxNode,
        call: &SyntaxNode,
        start: TextSize,
        cx: &mut FileCx<'_>,
        depth: usize,
    ) {
        let saved_base = cx.base;
        // Only a call of the file tree is recorded: a call inside a fragment lies within it.
        let saved_call =
            if cx.file_macro_call.is_none() { cx.file_macro_call.replace(call.clone()) } else { None };
        let at_file_level = saved_base == TextSize::from(0);
        cx.base = start;
        self.walk(fragment, cx, depth);
        cx.base = saved_base;
        if at_file_level {
            cx.file_macro_call = saved_call;
        }
    }
}

/// Whether [`Walker::walk_macro_args`] could parse anything of a macro call: a braced body
/// (items, where the call stands where items do) or a delimited group in its arguments (only
/// segments holding one are parsed). Calls with neither (`println!("{}", x)`) are reached
/// only when a rule wants them or something under them.
fn macro_args_may_be_walked(call: GreenRef<'_>) -> bool {
    let Some(tt) = call.child(SyntaxKind::TOKEN_TREE) else { return false };
    tt.first_token_text() == Some("{") || tt.child(SyntaxKind::TOKEN_TREE).is_some()
}

/// Whether a macro argument could hold anything the walk acts on, given the words every
/// node the rules accept holds one of (or else a mark): one of those words or marks, or
/// what the walk follows on its own (modules; outside test code, functions and attributes,
/// for tests and public API). Read from the text, comments and strings included, which can
/// only let more through.
pub(crate) fn may_matter(text: &str, words: &Words<'_>) -> bool {
    let outside_tests = !words.in_test;
    (outside_tests && text.contains('#'))
        || words.marks.iter().any(|mark| text.contains(mark))
        || text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| (outside_tests && word == "fn") || word == "mod" || words.counts(word))
}

/// Whether a macro call stands where items do (module level, impl and trait bodies).
fn is_item_position(call: &SyntaxNode) -> bool {
    call.parent().is_some_and(|p| {
        matches!(
            p.kind(),
            SyntaxKind::SOURCE_FILE
                | SyntaxKind::ITEM_LIST
                | SyntaxKind::ASSOC_ITEM_LIST
                | SyntaxKind::MACRO_ITEMS
        )
    })
}

/// What the file's top-level `pub use` items re-export from its child modules: the whole
/// module for a glob (`pub use self::imp::*;`, `(module, None)`), one item for a named
/// re-export (`pub use imp::Thing;`, `(module, Some("Thing"))`). Such items are public API
/// even when their module is private.
pub(crate) fn reexports(root: &SyntaxNode) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for item in children_of_kind(root, SyntaxKind::USE).filter_map(ast::Use::cast) {
        if !item.visibility().is_some_and(|v| v.syntax().text() == "pub") {
            continue;
        }
        let Some(tree) = item.use_tree() else { continue };
        // (tree, module segments written before it)
        let mut trees = vec![(tree, Vec::<String>::new())];
        while let Some((tree, mut prefix)) = trees.pop() {
            if let Some(path) = tree.path() {
                let text = node_text(path.syntax());
                prefix.extend(
                    text.split("::")
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !matches!(s.as_str(), "" | "self" | "crate")),
                );
            }
            if let Some(list) = tree.use_tree_list() {
                trees.extend(list.use_trees().map(|sub| (sub, prefix.clone())));
            } else if tree.star_token().is_some() {
                if let [module] = prefix.as_slice() {
                    out.push((module.clone(), None));
                }
            } else if let [module, item] = prefix.as_slice() {
                out.push((module.clone(), Some(item.clone())));
            }
        }
    }
    out
}

/// Applies an item's attributes to the context: test code, allowed lints, and for a file
/// `#![forbid(unsafe_code)]`.
fn enter_scope(kind: SyntaxKind, attrs: ScopeAttrs, cx: &mut FileCx<'_>) -> Frame {
    if kind == SyntaxKind::SOURCE_FILE && attrs.forbids_unsafe_code {
        cx.facts.forbids_unsafe_code = true;
    }
    cx.test_depth += usize::from(attrs.test);
    let allows = attrs.allows.len();
    cx.allows.extend(attrs.allows);
    Frame { test: attrs.test, allows }
}

fn is_inline_module(node: &SyntaxNode) -> bool {
    ast::Module::cast(node.clone()).is_some_and(|m| m.item_list().is_some() && m.name().is_some())
}

/// Splits a token tree's contents at top-level `,`, `;` and `=>` into segment ranges
/// (relative to the tree being walked), trimmed of trivia. For `json!`, objects and arrays
/// are split further at `:` so their values are walked.
///
/// Only segments holding a delimited group (`(..)`, `[..]`, `{..}`) are kept: every node a
/// rule looks at (calls, method calls, blocks, macro calls) needs one, and the rest (format
/// strings, plain names, literals) are most segments, each of which would cost a parse.
fn split_segments(tt: &SyntaxNode, json: bool, out: &mut Vec<TextRange>) {
    split_green_segments(GreenRef::of(tt), tt.text_range().start(), json, out);
}

/// [`split_segments`] on the green tree, for a token tree starting at `start`: no node is
/// created for the many tokens of macro arguments.
fn split_green_segments(tt: GreenRef<'_>, start: TextSize, json: bool, out: &mut Vec<TextRange>) {
    let mut offset = start;
    let children: Vec<GreenElement<'_>> = tt
        .elements()
        .map(|(kind, len, node)| {
            let range = TextRange::at(offset, len);
            offset += len;
            GreenElement { kind, range, node }
        })
        .collect();
    if children.len() < 2 {
        return;
    }
    let inner = &children[1..children.len() - 1];
    let mut segment = Segment::default();
    let mut i = 0;
    while i < inner.len() {
        let element = &inner[i];
        let kind = element.kind;
        let is_sep = match kind {
            SyntaxKind::COMMA | SyntaxKind::SEMICOLON | SyntaxKind::FAT_ARROW => true,
            SyntaxKind::EQ => inner
                .get(i + 1)
                .is_some_and(|n| n.kind == SyntaxKind::R_ANGLE && n.range.start() == element.range.end()),
            SyntaxKind::COLON if json => {
                let prev_colon = i > 0 && inner[i - 1].kind == SyntaxKind::COLON;
                let next_colon = inner.get(i + 1).is_some_and(|n| n.kind == SyntaxKind::COLON);
                !prev_colon && !next_colon
            }
            _ => false,
        };
        if is_sep {
            segment.flush(out);
            if kind == SyntaxKind::EQ {
                i += 1;
            }
        } else if !kind.is_trivia() {
            segment.has_group |= kind == SyntaxKind::TOKEN_TREE;
            if json
                && kind == SyntaxKind::TOKEN_TREE
                && let Some(node) = element.node
                && matches!(node.first_token_text(), Some("{" | "["))
            {
                split_green_segments(node, element.range.start(), json, out);
                segment.consumed = true;
            }
            segment.start.get_or_insert(element.range.start());
            segment.end = element.range.end();
        }
        i += 1;
    }
    segment.flush(out);
}

/// A child of a token tree, tokens included, placed in the file (see
/// [`split_green_segments`]).
struct GreenElement<'g> {
    kind: SyntaxKind,
    range: TextRange,
    node: Option<GreenRef<'g>>,
}

/// The macro-argument segment being collected by [`split_segments`].
#[derive(Default)]
struct Segment {
    start: Option<TextSize>,
    end: TextSize,
    /// A `json!` object or array was split into its values: the segment itself is JSON.
    consumed: bool,
    has_group: bool,
}

impl Segment {
    fn flush(&mut self, out: &mut Vec<TextRange>) {
        if let Some(start) = self.start.take()
            && self.end > start
            && !self.consumed
            && self.has_group
        {
            out.push(TextRange::new(start, self.end));
        }
        self.consumed = false;
        self.has_group = false;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::project::{Edition, Package};
    use crate::source::parse::parse_file;

    crate::declare_rule! {
        /// A rule with a bug: it panics on every function.
        pub struct Panics {
            name: "test_panics",
            category: Meta,
            level: Warn,
            fix: None,
            clippy: [],
            summary: "panics",
            kinds: [FN],
        }
    }

    impl Rule for Panics {
        fn check_node(&self, _node: &SyntaxNode, _cx: &mut FileCx<'_>) {
            panic!("index out of bounds in test_panics");
        }
    }

    crate::declare_rule! {
        /// Reports every method call.
        pub struct Calls {
            name: "test_calls",
            category: Meta,
            level: Warn,
            fix: None,
            clippy: [],
            summary: "calls",
            kinds: [METHOD_CALL_EXPR],
        }
    }

    impl Rule for Calls {
        fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
            cx.report(node.text_range(), "a call");
        }
    }

    crate::declare_rule! {
        /// Reports the method calls it accepts: those named `h`.
        pub struct CallsOfH {
            name: "test_calls_of_h",
            category: Meta,
            level: Warn,
            fix: None,
            clippy: [],
            summary: "calls of h",
            kinds: [METHOD_CALL_EXPR],
        }
    }

    impl Rule for CallsOfH {
        fn accepts(&self, node: GreenRef<'_>) -> bool {
            node.name_ref_text() == Some("h")
        }

        fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
            cx.report(node.text_range(), "a call of h");
        }
    }

    crate::declare_rule! {
        /// Reports the method calls named `h` it is given; claims to look at production
        /// code only, so that a call reported in test code is one the walk should not have
        /// offered.
        pub struct ProductionCallsOfH {
            name: "test_production_calls_of_h",
            category: Meta,
            level: Warn,
            fix: None,
            clippy: [],
            summary: "calls of h in production code",
            kinds: [METHOD_CALL_EXPR],
        }
    }

    impl Rule for ProductionCallsOfH {
        fn words(&self) -> Option<&'static [&'static str]> {
            Some(&["h"])
        }

        fn accepts(&self, node: GreenRef<'_>) -> bool {
            node.name_ref_text() == Some("h")
        }

        fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
            false
        }

        fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
            cx.report(node.text_range(), "a call of h");
        }
    }

    crate::declare_rule! {
        /// Reports the method calls named `g`, in test code too.
        pub struct CallsOfG {
            name: "test_calls_of_g",
            category: Meta,
            level: Warn,
            fix: None,
            clippy: [],
            summary: "calls of g",
            kinds: [METHOD_CALL_EXPR],
        }
    }

    impl Rule for CallsOfG {
        fn words(&self) -> Option<&'static [&'static str]> {
            Some(&["g"])
        }

        fn accepts(&self, node: GreenRef<'_>) -> bool {
            node.name_ref_text() == Some("g")
        }

        fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
            cx.report(node.text_range(), "a call of g");
        }
    }

    /// A library package with no manifest, for tests that walk a file.
    pub(crate) fn package() -> Package {
        Package {
            name: "p".into(),
            version: None,
            dir: "/p".into(),
            manifest_path: "/p/Cargo.toml".into(),
            manifest_text: String::new(),
            edition: Edition::E2021,
            edition_inherited: false,
            rust_version: None,
            rust_version_inherited: false,
            targets: Vec::new(),
            is_proc_macro: false,
            lints: Default::default(),
            lints_inherited: false,
            dependencies: Vec::new(),
            default_features: Vec::new(),
            workspace_manifest: None,
            package_span: None,
        }
    }

    /// What a walk of a file did: the rule panics, the ranges of what the rules reported, and
    /// the ranges of the nodes entered.
    struct Walked {
        panics: Vec<RulePanic>,
        found: Vec<std::ops::Range<usize>>,
        entered: Vec<std::ops::Range<usize>>,
    }

    /// Walks `text` as a library file with `rules`.
    fn walk_lib_file(text: &str, rules: &[&'static dyn Rule]) -> Walked {
        let parsed = parse_file(text, Edition::E2021);
        let dispatch = Dispatch::new(rules, true);
        let package = package();
        let path = std::path::Path::new("/p/src/lib.rs");
        let mut cx = FileCx::new(
            path,
            &package,
            crate::project::TargetKind::Lib,
            &parsed.root,
            false,
            Vec::new(),
            rules[0].meta(),
        );
        let mut walker = Walker::new(&dispatch, Edition::E2021, text);
        walker.tokens_as_lexed(parsed.errors.is_empty());
        walker.walk_file(&mut cx);
        let found = cx.raw.iter().map(|f| std::ops::Range::<usize>::from(f.range)).collect();
        let entered = walker.entered.iter().map(|&range| std::ops::Range::<usize>::from(range)).collect();
        Walked { panics: walker.panics, found, entered }
    }

    /// A function with attributes is entered even when no rule wants it or anything in it
    /// (its attributes open a scope), so that a file's tests are found whatever the rules
    /// look at.
    #[test]
    fn tests_are_found_where_no_rule_looks() {
        let has_tests = |text: &str| {
            let parsed = parse_file(text, Edition::E2021);
            let dispatch = Dispatch::new(&[&Calls], false);
            let package = package();
            let path = std::path::Path::new("/p/src/lib.rs");
            let lib = crate::project::TargetKind::Lib;
            let meta = (&Calls as &dyn Rule).meta();
            let mut cx = FileCx::new(path, &package, lib, &parsed.root, false, Vec::new(), meta);
            let mut walker = Walker::new(&dispatch, Edition::E2021, text);
            walker.walk_file(&mut cx);
            cx.facts.has_tests
        };
        assert!(has_tests("fn a() {}\n#[test]\nfn t() {}\n"));
        assert!(has_tests("#[cfg(test)]\nmod tests {\n    #[tokio::test]\n    async fn t() {}\n}\n"));
        assert!(has_tests("impl A {\n    #[test]\n    fn t() {}\n}\n"));
        assert!(!has_tests("fn a() {}\n#[inline]\nfn b() { x.f(); }\n"));
    }

    #[test]
    fn macro_arguments_split_into_the_segments_that_hold_a_group() {
        let segments = |text: &str, json: bool| -> Vec<String> {
            let root = parse_file(text, Edition::E2021).root;
            let tt = root.descendants().find(|n| n.kind() == SyntaxKind::TOKEN_TREE).expect("a token tree");
            let mut out = Vec::new();
            split_segments(&tt, json, &mut out);
            out.into_iter().map(|r| text[std::ops::Range::<usize>::from(r)].to_owned()).collect()
        };
        // Segments without a group (names, literals) are left out. `,`, `;` and `=>` split;
        // `=` and `>` with a space between do not.
        assert_eq!(
            segments("m!(f(a), \"{}\", x; g(b) => h(c), k, p = > q(d));", false),
            ["f(a)", "g(b)", "h(c)", "p = > q(d)"]
        );
        // `json!` objects and arrays are split down to their values.
        assert_eq!(
            segments("json!({\"a\": f(1), \"b\": [g(2), 3], \"c\": x::y(4)});", true),
            ["f(1)", "g(2)", "x::y(4)"]
        );
        assert!(segments("m!();", false).is_empty());
    }

    #[test]
    fn a_panicking_rule_is_caught_once_and_the_others_still_run() {
        // The panic is expected; keep the default hook from printing it in test output.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let text = "fn a() { x.f(); }\nfn b() { y.g(); println!(\"{}\", z.h()); }\n";
        let Walked { panics, found, .. } = walk_lib_file(text, &[&Panics, &Calls]);
        std::panic::set_hook(hook);
        assert_eq!(panics.len(), 1, "reported once per rule and file");
        assert_eq!(panics[0].rule.name, "test_panics");
        assert!(panics[0].message.contains("index out of bounds"));
        // Three calls, one of them inside `println!`'s arguments.
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn rules_that_skip_test_code_are_not_offered_its_nodes() {
        let text = "fn a() { x.h(); m!(w.h()); }\n\
                    #[cfg(test)]\nmod tests {\n    fn b() { y.h(); z.g(); m!(v.h()); m!(u.g()); }\n    \
                    #[test]\n    fn c() { t.h(); }\n}\n\
                    fn d() { s.h(); }\n#[test]\nfn e() { r.h(); q.g(); }\nfn f() { p.h(); }\n";
        let Walked { found, entered, .. } = walk_lib_file(text, &[&ProductionCallsOfH, &CallsOfG]);
        let found: Vec<&str> = found.into_iter().map(|range| &text[range]).collect();
        // In production code before and after the test module and the test function.
        assert_eq!(found, ["x.h()", "w.h()", "z.g()", "u.g()", "s.h()", "q.g()", "p.h()"]);
        // The argument that names only the production rule's word is not even parsed in
        // test code; the one that names the other rule's is.
        let entered: Vec<&str> = entered.into_iter().map(|range| &text[range]).collect();
        assert!(!entered.contains(&"v.h()"), "{entered:?}");
        assert!(entered.contains(&"u.g()"), "{entered:?}");
        // Without the rule that looks in test code, the test module holds nothing to reach.
        let Walked { found, entered, .. } = walk_lib_file(text, &[&ProductionCallsOfH]);
        assert_eq!(found.len(), 4);
        assert!(!entered.iter().any(|range| text[range.clone()].starts_with("y.h")));
    }

    #[test]
    fn nodes_a_rule_turns_down_are_not_checked() {
        let text = "fn a() { x.f(); }\nfn b() { y.h(); println!(\"{}\", z.h().g()); }\n";
        let Walked { found, .. } = walk_lib_file(text, &[&CallsOfH]);
        let found: Vec<&str> = found.into_iter().map(|range| &text[range]).collect();
        // The one inside `println!`'s arguments too, and not the call of `g` on it.
        assert_eq!(found, ["y.h()", "z.h()"]);
    }

    #[test]
    fn nodes_are_entered_for_what_is_wanted_under_them_and_for_scopes() {
        let text = "fn f() { a.g(); }\n#[cfg(test)]\nconst C: u8 = { b.g() };\nconst D: u8 = c.h();\n";
        let walked = walk_lib_file(text, &[&CallsOfH]);
        let entered: Vec<&str> = walked.entered.into_iter().map(|range| &text[range]).collect();
        assert_eq!(
            entered,
            [
                text,
                // Functions are always entered, not the calls in them that no rule wants.
                "fn f() { a.g(); }",
                // `C` starts with attributes and holds a call: its scope is entered, not its call.
                "#[cfg(test)]\nconst C: u8 = { b.g() };",
                // `D` holds a wanted call.
                "const D: u8 = c.h();",
                "c.h()",
            ]
        );
        assert_eq!(walked.found.len(), 1);
    }

    #[test]
    fn macro_arguments_matter_when_they_name_a_word() {
        let named = [("unwrap", 1), ("lock", 2)].into_iter().collect();
        let words = Words::new(&named, 1, &[".."]);
        assert!(may_matter("x.unwrap()", &words));
        assert!(may_matter("f(|| { fn g() {} })", &words));
        assert!(may_matter("{ #[cfg(test)] mod t {} }", &words));
        assert!(may_matter("matches!(x, 1..)", &words));
        assert!(!may_matter("x.unwrap_or(1)", &words));
        assert!(!may_matter("format(a, b.len())", &words));
        // A word of a rule that does not count.
        assert!(!may_matter("m.lock()", &words));
        assert!(may_matter("m.lock()", &Words::new(&named, 3, &[])));
        // In test code, functions and attributes alone do not count; modules do.
        let in_test = Words::new(&named, 1, &[]).in_test_code(true);
        assert!(!may_matter("f(|| { fn g() {} })", &in_test));
        assert!(!may_matter("{ #[cfg(test)] let x = 1; }", &in_test));
        assert!(may_matter("{ mod t; }", &in_test));
        assert!(may_matter("{ #[allow(x)] x.unwrap() }", &in_test));
    }

    #[test]
    fn macro_calls_without_a_group_or_a_body_are_passed_over() {
        let text = "fn f() {\n    println!(\"{}\", x);\n    println!(\"{}\", y.h());\n    assert!(z);\n    m!();\n}\n\
                    m! { fn g() { w.h(); } }\nn! { struct S; }\nvec![a, [b]];\n";
        let root = parse_file(text, Edition::E2021).root;
        let calls: Vec<(String, bool)> = root
            .descendants()
            .filter(|node| node.kind() == SyntaxKind::MACRO_CALL)
            .map(|call| (call.to_string(), with_green(&call, macro_args_may_be_walked)))
            .collect();
        let walked: Vec<&str> = calls.iter().filter(|(_, walked)| *walked).map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            walked,
            ["println!(\"{}\", y.h())", "m! { fn g() { w.h(); } }", "n! { struct S; }", "vec![a, [b]];"]
        );
        // What is under a call passed over is still reached through the rules that want it.
        let Walked { found, .. } = walk_lib_file(text, &[&CallsOfH]);
        let found: Vec<&str> = found.into_iter().map(|range| &text[range]).collect();
        assert_eq!(found, ["y.h()", "w.h()"]);
    }
}
