//! Hand-written error types, read for `manual_error_impl` and `manual_from_error`: the type
//! with its variants and fields, and what its `Display`, `Error` and `From` impls do, in
//! terms `#[derive(thiserror::Error)]` can express. The file walk reads each piece where it
//! is written; [`super::error_plan`] puts the pieces of one type together.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::rule::{FileCx, FileFix, Lazy};
use crate::rules::util::removal_range;
use crate::rules::util::traits::attr_parts;
use crate::source::parse::ast::{HasArgList, HasAttrs, HasGenericArgs, HasGenericParams, HasName};
use crate::source::parse::{
    AstNode, AstToken, GreenRef, SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize, ast, parse_expr,
    start_after_attrs, text_without_spaces, with_green,
};

/// A field as thiserror names it: `0` or `name` (raw identifiers without `r#`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Member {
    Index(usize),
    Named(String),
}

impl Member {
    /// The name in a format string: `0`, `code`.
    pub fn text(&self) -> String {
        match self {
            Member::Index(i) => i.to_string(),
            Member::Named(n) => n.clone(),
        }
    }
}

/// What the file walk keeps about the error types of a package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum ErrorFact {
    /// A struct or enum: its name, and the rest decoded only for the types that impls name.
    Type {
        name: String,
        fact: Lazy<TypeFact>,
    },
    /// A struct or enum that no impl of its file names: most types are never asked for, and
    /// reading each in full would cost more than the rest of both rules. The workspace
    /// stage reads it where it lies, should an impl in another file name it (see
    /// [`read_unread_type`]).
    Unread {
        name: String,
        at: UnreadAt,
    },
    /// The types of a file still kept unread at the end of its walk, as one fact (see
    /// [`read_named_types`]): one item per file instead of one per type, for the many
    /// files whose types no impl names.
    UnreadTypes(UnreadTypes),
    Display(ImplFact<MessageBody>),
    Error(ImplFact<SourceBody>),
    From(FromFact),
    /// A crate root of the package is `#![no_std]` (possibly under `cfg_attr`).
    NoStd,
}

/// Where a type kept unread lies: its range in its file's normalised text, and the hash of
/// that text. The hash stands for what reading the type would give (the type, and the
/// imports its fields are read through): the workspace stage's results are reused only
/// while the facts it was given are unchanged, and it reads the type only from that same
/// text.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct UnreadAt {
    start: u32,
    end: u32,
    text_hash: u64,
}

/// Types of one file kept unread (see [`ErrorFact::UnreadTypes`]), in the walk's order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct UnreadTypes {
    /// Each type's name, followed by a line break (names have none): one allocation for all.
    names: String,
    at: Vec<UnreadAt>,
}

impl UnreadTypes {
    fn push(&mut self, name: &str, at: UnreadAt) {
        self.names.push_str(name);
        self.names.push('\n');
        self.at.push(at);
    }

    /// Each type's name and where it lies, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, UnreadAt)> {
        self.names.split_terminator('\n').zip(self.at.iter().copied())
    }
}

/// A struct or enum of the package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TypeFact {
    pub name: String,
    /// Why thiserror cannot take the type over exactly, if it cannot.
    pub blocker: Option<String>,
    /// `#[derive(thiserror::Error)]` (also `#[derive(Error)]` with `use thiserror::Error`).
    pub derives_thiserror: bool,
    /// `#[error(transparent)]` on a struct.
    pub transparent: bool,
    pub body: TypeBody,
    /// What follows an attribute put above the item: a line break and its indentation.
    pub separator: String,
    /// What goes before `thiserror::Error` in the existing `#[derive(..)]` list (`, `), if
    /// there is one; its edit is the second anchor.
    pub derive_separator: Option<String>,
}

/// The anchors of a type, in the order of the edits it is kept with: the item's start
/// (after its doc comments and attributes), the end of its derive list (when it has one),
/// then every variant and every field in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum TypeBody {
    Struct(Vec<FieldFact>),
    Enum(Vec<VariantFact>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VariantFact {
    pub name: String,
    pub fields: Vec<FieldFact>,
    /// The line break and indentation that put an attribute on a line of its own, or a
    /// space when the variant shares its line.
    pub separator: String,
    /// `#[error(transparent)]`.
    pub transparent: bool,
    pub anchor: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FieldFact {
    pub member: Member,
    /// The type as written, without spaces.
    pub ty: String,
    pub separator: String,
    /// `#[source]`.
    pub source_attr: bool,
    /// `#[from]`.
    pub from_attr: bool,
    pub anchor: usize,
}

impl TypeFact {
    pub fn fields_of(&self, variant: Option<&str>) -> Option<&[FieldFact]> {
        match (&self.body, variant) {
            (TypeBody::Struct(fields), None) => Some(fields),
            (TypeBody::Enum(variants), Some(name)) => {
                variants.iter().find(|v| v.name == name).map(|v| v.fields.as_slice())
            }
            _ => None,
        }
    }
}

/// A `Display` or `Error` impl: the type it is for and what its body does.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ImplFact<B> {
    pub self_name: String,
    /// Why the impl cannot be replaced exactly (generics, `cfg`, a macro), if it cannot.
    pub blocker: Option<String>,
    pub body: Result<B, String>,
}

/// The arms of a `match self` (or the one value of a body without it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Arms<T> {
    Whole(T),
    /// Each arm's patterns (none for a wildcard) and value.
    Match(Vec<(Vec<VariantPat>, T)>),
}

pub(crate) type MessageBody = Arms<Message>;
/// `None` for an `Error` impl without `source()`.
pub(crate) type SourceBody = Option<Arms<SourceValue>>;

/// A pattern that names one variant (or the struct itself) and binds some of its fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VariantPat {
    /// The last path segment: the variant (or the type, for `Self { .. }`).
    pub name: String,
    /// The path before the name (`Self`, `Kind`), empty for a bare name.
    pub qualifier: String,
    /// A bare identifier: a unit variant, or a binding that matches anything.
    pub bare: bool,
    pub bindings: Vec<(String, Member)>,
}

/// What a field-like expression names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Arg {
    /// A name bound by the arm's pattern (or a captured name in a format string).
    Binding(String),
    /// `self.field`.
    SelfField(Member),
    /// `x.display()`, which thiserror writes for `{x}` when `x` is a path.
    PathDisplay(Box<Arg>),
}

/// A message as `Display` writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Message {
    Pieces(Vec<Piece>),
    /// `x.fmt(f)` / `Display::fmt(x, f)`: the field's own `Display`, with the caller's flags.
    Forward(Arg),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Piece {
    Text(String),
    /// A placeholder with its format spec (after the `:`, empty for none).
    Arg(Arg, String),
}

/// What `source()` returns for a variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum SourceValue {
    None,
    /// `Some(x)`; `deref` when written `Some(x.as_ref())` or `Some(&**x)`.
    Some(Arg, bool),
    /// `x.source()`: the field's own source, as `#[error(transparent)]` does.
    Forward(Arg),
}

/// A `From<E>` impl whose `from` only puts its argument into a variant (or the struct).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FromFact {
    pub self_name: String,
    pub blocker: Option<String>,
    /// `E`, without spaces and expanded through the imports.
    pub source_ty: String,
    /// The variant (`None` for the struct itself) and the field the argument goes to.
    pub variant: Option<String>,
    pub member: Member,
    /// How many fields the constructor sets.
    pub fields_set: usize,
}

/// What the file walk keeps of a struct or enum at first: the name alone, for a type that
/// may turn out to be read in full at the end of the walk (see [`read_named_types`]). `None`
/// for a type to read at once: one inside a macro call (its tree is gone by then), or one
/// without a name.
pub(crate) fn unread_type(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<ErrorFact> {
    if !matches!(node.kind(), SyntaxKind::STRUCT | SyntaxKind::ENUM) || cx.file_macro_call().is_some() {
        return None;
    }
    let name = with_green(node, |green| {
        green.child(SyntaxKind::NAME).and_then(|name| name.first_token_text()).map(str::to_owned)
    })?;
    let range = node.text_range();
    let text_hash = cx.memo_for_file(|| TextHash::of(cx.text)).0;
    let at = UnreadAt { start: range.start().into(), end: range.end().into(), text_hash };
    Some(ErrorFact::Unread { name, at })
}

/// The hash of a file's normalised text, as [`UnreadAt`] keeps it (a type of its own, to be
/// worked out once per file): the half of the text's hash that a stub keeps.
struct TextHash(u64);

impl TextHash {
    fn of(text: &str) -> TextHash {
        TextHash(crate::cache::hash_text(text) as u64)
    }
}

/// At the end of a file's walk: reads in full the types kept unread (see [`unread_type`])
/// that an impl of the file names, in their place among the facts the walk kept. The rest
/// stay unread, for the workspace stage to read should an impl in another file name them:
/// each rule's as one fact, where its first one was (see [`ErrorFact::UnreadTypes`]).
pub(crate) fn read_named_types(cx: &mut FileCx<'_>) {
    if cx.unread_types.is_empty() {
        return;
    }
    read_types_named_in_file(cx);
    merge_unread_types(cx);
}

/// Each rule's facts of types still unread, merged into one in the place of the first.
fn merge_unread_types(cx: &mut FileCx<'_>) {
    type Entry = (&'static crate::rule::RuleMeta, crate::rule::DeferredData, Option<FileFix>);
    let mut kept: Vec<Entry> = Vec::with_capacity(cx.deferred.len());
    // Per rule: where its merged fact goes in `kept`, and the types it holds.
    let mut merged: Vec<(&'static crate::rule::RuleMeta, usize, UnreadTypes)> = Vec::new();
    for (rule, data, edits) in std::mem::take(&mut cx.deferred) {
        let Some(ErrorFact::Unread { name, at }) = data.get::<ErrorFact>() else {
            kept.push((rule, data, edits));
            continue;
        };
        match merged.iter_mut().find(|(r, _, _)| std::ptr::eq(*r, rule)) {
            Some((_, _, types)) => types.push(name, *at),
            None => {
                let mut types = UnreadTypes::default();
                types.push(name, *at);
                merged.push((rule, kept.len(), types));
                // A place holder, replaced below.
                kept.push((rule, data, edits));
            }
        }
    }
    for (rule, place, types) in merged {
        if let Some(slot) = kept.get_mut(place) {
            *slot = (rule, crate::rule::DeferredData::new(ErrorFact::UnreadTypes(types)), None);
        }
    }
    cx.deferred = kept;
}

/// The part of [`read_named_types`] that reads the types an impl of the file names.
fn read_types_named_in_file(cx: &mut FileCx<'_>) {
    let impl_name = |data: &crate::rule::DeferredData| match data.get::<ErrorFact>() {
        Some(ErrorFact::Display(fact)) => Some(fact.self_name.clone()),
        Some(ErrorFact::Error(fact)) => Some(fact.self_name.clone()),
        Some(ErrorFact::From(fact)) => Some(fact.self_name.clone()),
        _ => None,
    };
    let named: std::collections::HashSet<String> = cx
        .deferred
        .iter()
        .map(|(_, data, _)| data)
        .chain(cx.raw.iter().filter_map(|finding| finding.deferred.as_ref()))
        .filter_map(impl_name)
        .collect();
    if named.is_empty() {
        return;
    }
    let unread = std::mem::take(&mut cx.unread_types);
    // Both error rules keep each type: read once.
    let mut read: Vec<(TextRange, Option<(ErrorFact, FileFix)>)> = Vec::new();
    for (index, node) in unread {
        let wanted = matches!(
            cx.deferred.get(index).and_then(|(_, data, _)| data.get::<ErrorFact>()),
            Some(ErrorFact::Unread { name, .. }) if named.contains(name)
        );
        if !wanted {
            continue;
        }
        let range = node.text_range();
        let fact = match read.iter().find(|(at, _)| *at == range) {
            Some((_, fact)) => fact.clone(),
            None => {
                let fact = read_type(&node, cx).map(|(fact, fix, _)| (fact, fix));
                read.push((range, fact.clone()));
                fact
            }
        };
        if let (Some((fact, fix)), Some(slot)) = (fact, cx.deferred.get_mut(index)) {
            slot.1 = crate::rule::DeferredData::new(fact);
            slot.2 = Some(fix);
        }
    }
}

/// Reads a type the file walk kept unread (see [`unread_type`]), in the file read and
/// parsed again by the workspace stage (`cx`): the fact and its edits, as the walk would
/// have kept them. `None` when the file's text is not the one the walk read, or no struct
/// or enum has that range.
pub(crate) fn read_unread_type(at: UnreadAt, cx: &FileCx<'_>) -> Option<(TypeFact, FileFix)> {
    if TextHash::of(cx.text).0 != at.text_hash {
        return None;
    }
    let root = cx.root;
    let range = TextRange::new(TextSize::from(at.start), TextSize::from(at.end));
    if range.end() > root.text_range().end() {
        return None;
    }
    let node = match root.covering_element(range) {
        crate::source::parse::NodeOrToken::Node(node) => node,
        crate::source::parse::NodeOrToken::Token(token) => token.parent()?,
    };
    let node = node
        .ancestors()
        .take_while(|n| n.text_range() == range)
        .find(|n| matches!(n.kind(), SyntaxKind::STRUCT | SyntaxKind::ENUM))?;
    let (ErrorFact::Type { fact, .. }, fix, _) = read_type(&node, cx)? else { return None };
    Some((fact.get()?.clone(), fix))
}

/// Reads an item of an error type if `node` is one.
pub(crate) fn read_fact(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<(ErrorFact, FileFix, TextRange)> {
    match node.kind() {
        SyntaxKind::STRUCT | SyntaxKind::ENUM => read_type(node, cx),
        SyntaxKind::IMPL => read_impl(node, cx),
        SyntaxKind::SOURCE_FILE => is_no_std(node).then(|| {
            (ErrorFact::NoStd, FileFix::new("", crate::diagnostic::Applicability::Safe), node.text_range())
        }),
        _ => None,
    }
}

fn is_no_std(root: &SyntaxNode) -> bool {
    with_green(root, |root| {
        root.child_nodes().filter(|child| child.kind() == SyntaxKind::ATTR).any(|attr| {
            attr.attr_parts().is_some_and(|(path, mut rest)| {
                path == "no_std" || (path == "cfg_attr" && rest.any(|(_, text)| text == "no_std"))
            })
        })
    })
}

/// A placeholder edit that marks where the fix may insert text.
fn anchor(fix: FileFix, at: crate::source::parse::TextSize) -> FileFix {
    fix.insert(at, "")
}

/// The paths of an item's attributes (`derive`, `cfg`, `error`, ..).
fn attr_paths(item: &impl HasAttrs) -> Vec<(String, Vec<String>)> {
    item.attrs().filter_map(|a| attr_parts(&a)).collect()
}

/// Attributes thiserror reads, which a type without its derive cannot have for thiserror.
const THISERROR_ATTRS: &[&str] = &["error", "source", "from", "backtrace"];

/// Types at least this long are looked up in the file's [`ThiserrorAttrs`] rather than
/// walked: in a file that lost its closing braces, each type holds all the types after it.
const INDEXED_FROM: TextSize = TextSize::new(16 * 1024);

/// The path of the first attribute in `node` (itself included) that thiserror reads.
fn first_thiserror_attr(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<String> {
    let range = node.text_range();
    if range.len() >= INDEXED_FROM && cx.base() == TextSize::from(0) {
        return cx.memo_for_file(|| ThiserrorAttrs::of_tree(cx.root)).first_in(range);
    }
    first_thiserror_attr_under(node)
}

/// [`first_thiserror_attr`] read from the green tree: most types have no such attribute,
/// and finding that out should not create a node for each of theirs.
fn first_thiserror_attr_under(node: &SyntaxNode) -> Option<String> {
    with_green(node, |node| {
        node.find_map_node(|node| {
            let path = if node.kind() == SyntaxKind::ATTR { node.attr_path() } else { None };
            path.filter(|path| THISERROR_ATTRS.contains(&&**path)).map(Cow::into_owned)
        })
    })
}

/// The attributes thiserror reads in the tree under `node`, in preorder, with where each
/// starts.
fn thiserror_attrs(node: &SyntaxNode) -> impl Iterator<Item = (TextSize, String)> {
    node.descendants().filter_map(ast::Attr::cast).filter_map(|attr| {
        let (path, _) = crate::rule::attr_tokens(&attr)?;
        THISERROR_ATTRS.contains(&path.as_str()).then(|| (attr.syntax().text_range().start(), path))
    })
}

/// The attributes thiserror reads in the file tree, by where they start: those of a node
/// are those that start within its range (attributes start with `#`, so one nested in
/// another starts after it, and preorder is the order of their starts).
struct ThiserrorAttrs(Vec<(TextSize, String)>);

impl ThiserrorAttrs {
    fn of_tree(root: &SyntaxNode) -> ThiserrorAttrs {
        ThiserrorAttrs(thiserror_attrs(root).collect())
    }

    fn first_in(&self, range: TextRange) -> Option<String> {
        let index = self.0.partition_point(|(start, _)| *start < range.start());
        self.0.get(index).filter(|(start, _)| *start < range.end()).map(|(_, path)| path.clone())
    }
}

fn read_type(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<(ErrorFact, FileFix, TextRange)> {
    let adt = ast::Adt::cast(node.clone())?;
    let name = adt.name()?.text().to_string();
    let mut blocker = None;
    if adt.generic_param_list().is_some_and(|g| g.generic_params().next().is_some()) {
        blocker = Some(format!("`{name}` is generic"));
    }
    if cx.file_macro_call().is_some() {
        blocker = Some(format!("`{name}` is defined inside a macro call"));
    }
    let attrs = attr_paths(&adt);
    let mut derives_thiserror = false;
    let mut transparent = false;
    for (path, rest) in &attrs {
        match path.as_str() {
            "derive" => {
                let text: String = rest.concat();
                let text = text.trim_start_matches('(').trim_end_matches(')');
                for entry in text.split(',').map(|e| e.trim_start_matches("::")) {
                    let via_thiserror = match entry {
                        "thiserror::Error" => true,
                        "Error" => cx.expand_path_at(node, "Error") == "thiserror::Error",
                        _ if entry.ends_with("::Error") => false,
                        _ => continue,
                    };
                    if via_thiserror {
                        derives_thiserror = true;
                    } else {
                        blocker = Some(format!("`{name}` derives another `Error`"));
                    }
                }
            }
            "error" => transparent |= rest.iter().any(|t| t == "transparent"),
            "cfg_attr" if rest.iter().any(|t| t == "derive") => {
                blocker = Some(format!("`{name}` derives traits under `cfg_attr`"));
            }
            _ => {}
        }
    }
    let mut fix = anchor(FileFix::new("", crate::diagnostic::Applicability::Unsafe), start_after_attrs(node));
    let derive =
        adt.attrs().find(|a| with_green(a.syntax(), |a| a.attr_path().is_some_and(|p| p == "derive")));
    let mut derive_separator = None;
    if let Some(derive) = derive {
        let close = derive
            .syntax()
            .descendants_with_tokens()
            .filter_map(|e| e.into_token())
            .filter(|t| t.text() == ")")
            .last()?;
        let before =
            std::iter::successors(close.prev_token(), |t| t.prev_token()).find(|t| !t.kind().is_trivia())?;
        derive_separator = Some(match before.text() {
            "(" => String::new(),
            "," => " ".to_owned(),
            _ => ", ".to_owned(),
        });
        fix = anchor(fix, before.text_range().end());
    }
    let mut next_anchor = if derive_separator.is_some() { 2 } else { 1 };
    let body = match &adt {
        ast::Adt::Struct(s) => {
            TypeBody::Struct(read_fields(cx, s.field_list(), &name, &mut fix, &mut blocker, &mut next_anchor))
        }
        ast::Adt::Enum(e) => {
            let mut variants = Vec::new();
            for variant in e.variant_list().into_iter().flat_map(|l| l.variants()) {
                let Some(vname) = variant.name().map(|n| n.text().to_string()) else { continue };
                let vattrs = attr_paths(&variant);
                if vattrs.iter().any(|(p, _)| p == "cfg" || p == "cfg_attr") {
                    blocker = Some(format!("variant `{vname}` is under `cfg`"));
                }
                fix = anchor(fix, start_after_attrs(variant.syntax()));
                let anchor_index = next_anchor;
                next_anchor += 1;
                let fields =
                    read_fields(cx, variant.field_list(), &name, &mut fix, &mut blocker, &mut next_anchor);
                variants.push(VariantFact {
                    name: vname,
                    fields,
                    separator: separator_before(variant.syntax()),
                    transparent: vattrs
                        .iter()
                        .any(|(p, r)| p == "error" && r.iter().any(|t| t == "transparent")),
                    anchor: anchor_index,
                });
            }
            TypeBody::Enum(variants)
        }
        ast::Adt::Union(_) => return None,
    };
    if !derives_thiserror && let Some(path) = first_thiserror_attr(node, cx) {
        blocker = Some(format!("`{name}` already has a `#[{path}]` attribute that thiserror would read"));
    }
    let fact = TypeFact {
        name,
        blocker,
        derives_thiserror,
        transparent,
        body,
        separator: separator_before(node),
        derive_separator,
    };
    Some((ErrorFact::Type { name: fact.name.clone(), fact: Lazy::new(fact) }, fix, node.text_range()))
}

/// The fields of a struct or variant, each with an anchor before it.
fn read_fields(
    cx: &FileCx<'_>,
    list: Option<ast::FieldList>,
    name: &str,
    fix: &mut FileFix,
    blocker: &mut Option<String>,
    next_anchor: &mut usize,
) -> Vec<FieldFact> {
    let fields: Vec<(Member, Option<ast::Type>, SyntaxNode)> = match list {
        Some(ast::FieldList::RecordFieldList(list)) => list
            .fields()
            .filter_map(|f| {
                let field = f.name()?.text().to_string();
                let field = field.strip_prefix("r#").unwrap_or(&field).to_owned();
                Some((Member::Named(field), f.ty(), f.syntax().clone()))
            })
            .collect(),
        Some(ast::FieldList::TupleFieldList(list)) => {
            list.fields().enumerate().map(|(i, f)| (Member::Index(i), f.ty(), f.syntax().clone())).collect()
        }
        None => Vec::new(),
    };
    // Kept until the workspace stage for every type of the package: no room to spare.
    let mut out = Vec::with_capacity(fields.len());
    for (member, ty, syntax) in fields {
        // Only their paths matter, read from the green tree.
        let field_attrs: Vec<String> = with_green(&syntax, |field| {
            field
                .child_nodes()
                .filter(|c| c.kind() == SyntaxKind::ATTR)
                .filter_map(|a| a.attr_path().map(Cow::into_owned))
                .collect()
        });
        if field_attrs.iter().any(|p| p == "cfg" || p == "cfg_attr") {
            *blocker = Some(format!("a field of `{name}` is under `cfg`"));
        }
        let placeholder = FileFix::new("", crate::diagnostic::Applicability::Unsafe);
        *fix = anchor(std::mem::replace(fix, placeholder), start_after_attrs(&syntax));
        let ty = ty.map(|t| text_without_spaces(t.syntax())).unwrap_or_default();
        let ty = cx.expand_path_at(&syntax, &ty);
        out.push(FieldFact {
            separator: separator_before(&syntax),
            source_attr: field_attrs.iter().any(|p| p == "source"),
            from_attr: field_attrs.iter().any(|p| p == "from"),
            member,
            ty,
            anchor: *next_anchor,
        });
        *next_anchor += 1;
    }
    out
}

fn first_after_attrs(node: &SyntaxNode) -> Option<crate::source::parse::SyntaxElement> {
    node.children_with_tokens()
        .find(|e| !matches!(e.kind(), SyntaxKind::ATTR | SyntaxKind::COMMENT | SyntaxKind::WHITESPACE))
}

/// A line break with the indentation of `node`'s line when `node` starts its line, else a space.
fn separator_before(node: &SyntaxNode) -> String {
    let token = first_after_attrs(node).and_then(|e| match e {
        crate::source::parse::NodeOrToken::Node(n) => n.first_token(),
        crate::source::parse::NodeOrToken::Token(t) => Some(t),
    });
    let prev = token.and_then(|t| t.prev_token());
    match prev {
        Some(ws) if ws.kind() == SyntaxKind::WHITESPACE && ws.text().contains('\n') => {
            let indent = ws.text().rsplit('\n').next().unwrap_or_default();
            format!("\n{indent}")
        }
        _ => " ".to_owned(),
    }
}

/// Which standard trait an impl is for: `Display`, `Error` or `From`, through the imports.
fn trait_kind(
    imp: &ast::Impl,
    node: &SyntaxNode,
    cx: &FileCx<'_>,
) -> Option<(&'static str, Option<ast::Type>)> {
    // Most impls are of other traits: turned down on the green tree, where asking for the
    // trait creates no node.
    let named = trait_name(GreenRef::of(node))?;
    if !matches!(named, "Display" | "Error" | "From") && cx.imports().resolve(named).is_none() {
        return None;
    }
    let ast::Type::PathType(path) = imp.trait_()? else { return None };
    let path = path.path()?;
    let segment = path.segment()?;
    let written = super::path_text(&path);
    let full = cx.expand_path_at(node, &written);
    let std = |rest: &str| {
        full == rest
            || ["std", "core", "alloc"]
                .iter()
                .any(|c| full.strip_prefix(c).and_then(|full| full.strip_prefix("::")) == Some(rest))
    };
    if std("fmt::Display") {
        return Some(("Display", None));
    }
    if std("error::Error") {
        return Some(("Error", None));
    }
    if std("convert::From") || full == "From" {
        let arg = segment.generic_arg_list()?.generic_args().next()?;
        let ast::GenericArg::TypeArg(arg) = arg else { return None };
        return Some(("From", arg.ty()));
    }
    None
}

/// The last segment of the trait an impl implements (`Display` of `impl fmt::Display for
/// T`), read as `ast::Impl::trait_` finds the trait: the first of two types. `None` for an
/// inherent impl, or a trait that is not a path.
fn trait_name(imp: GreenRef<'_>) -> Option<&str> {
    let mut types = imp.child_nodes().filter(|child| ast::Type::can_cast(child.kind()));
    let (first, _self_ty) = (types.next()?, types.next()?);
    if first.kind() != SyntaxKind::PATH_TYPE {
        return None;
    }
    first.child(SyntaxKind::PATH)?.child(SyntaxKind::PATH_SEGMENT)?.name_ref_text()
}

fn read_impl(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<(ErrorFact, FileFix, TextRange)> {
    // Only a trait impl (`for`) that is not negative (`!`): most impls are inherent, and
    // the typed accessors below would create a node for each of their tokens to find out.
    if !with_green(node, |imp| imp.has_token(SyntaxKind::FOR_KW) && !imp.has_token(SyntaxKind::BANG)) {
        return None;
    }
    let imp = ast::Impl::cast(node.clone())?;
    let (kind, from_ty) = trait_kind(&imp, node, cx)?;
    let ast::Type::PathType(self_path) = imp.self_ty()? else { return None };
    let self_segment = self_path.path()?.segment()?;
    let self_name = self_segment.name_ref()?.text().to_string();
    let mut blocker = None;
    if imp.generic_param_list().is_some_and(|g| g.generic_params().next().is_some())
        || self_segment.generic_arg_list().is_some()
    {
        blocker = Some(format!("the `{kind}` impl is generic"));
    }
    if imp.where_clause().is_some() {
        blocker = Some(format!("the `{kind}` impl has a `where` clause"));
    }
    if attr_paths(&imp).iter().any(|(p, _)| p == "cfg" || p == "cfg_attr") {
        blocker = Some(format!("the `{kind}` impl is under `cfg`"));
    }
    if cx.file_macro_call().is_some() {
        blocker = Some(format!("the `{kind}` impl is inside a macro call"));
    }
    let range = TextRange::new(
        imp.impl_token().map_or(node.text_range().start(), |t| t.text_range().start()),
        imp.self_ty().map_or(node.text_range().end(), |t| t.syntax().text_range().end()),
    );
    let fix = FileFix::new("", crate::diagnostic::Applicability::Unsafe).delete(removal_range(node));
    let methods: Vec<ast::AssocItem> =
        imp.assoc_item_list().into_iter().flat_map(|l| l.assoc_items()).collect();
    let method = |name: &str| {
        methods.iter().find_map(|item| match item {
            ast::AssocItem::Fn(f) if f.name().is_some_and(|n| n.text() == name) => Some(f.clone()),
            _ => None,
        })
    };
    let other = |known: &[&str]| {
        methods.iter().find_map(|item| match item {
            ast::AssocItem::Fn(f) => {
                let name = f.name()?.text().to_string();
                (!known.contains(&name.as_str())).then_some(name)
            }
            _ => Some("an associated item".to_owned()),
        })
    };
    let fact = match kind {
        "Display" => {
            let body = match (other(&["fmt"]), method("fmt")) {
                (Some(name), _) => Err(format!("the `Display` impl has `{name}` besides `fmt`")),
                (None, Some(fmt)) => read_display(&fmt, cx),
                (None, None) => Err("the `Display` impl has no `fmt`".to_owned()),
            };
            ErrorFact::Display(ImplFact { self_name, blocker, body })
        }
        "Error" => {
            let body = match (other(&["source"]), method("source")) {
                (Some(name), _) => {
                    Err(format!("the `Error` impl overrides `{name}`, which thiserror does not write"))
                }
                (None, Some(source)) => read_source(&source, cx).map(Some),
                (None, None) => Ok(None),
            };
            ErrorFact::Error(ImplFact { self_name, blocker, body })
        }
        _ => {
            let ty = from_ty?;
            let source_ty = cx.expand_path_at(node, &text_without_spaces(ty.syntax()));
            let from = method("from")?;
            let (variant, member, fields_set) = read_from(&from, &self_name)?;
            ErrorFact::From(FromFact { self_name, blocker, source_ty, variant, member, fields_set })
        }
    };
    Some((fact, fix, range))
}

/// The one expression of a body without statements.
fn only_expr(body: &ast::BlockExpr) -> Option<ast::Expr> {
    let list = body.stmt_list()?;
    if list.statements().next().is_some() {
        return None;
    }
    list.tail_expr()
}

/// The name of a simple parameter pattern (`f`, `mut f`).
fn param_name(param: &ast::Param) -> Option<String> {
    match param.pat()? {
        ast::Pat::IdentPat(p) if p.pat().is_none() => Some(p.name()?.text().to_string()),
        _ => None,
    }
}

/// `fn from(e: E) -> Self { Self::V(e) }` (or `T::V { field: e }`, `Self(e)`, `T { field }`):
/// the variant, the field, and how many fields the constructor sets.
fn read_from(from: &ast::Fn, self_name: &str) -> Option<(Option<String>, Member, usize)> {
    let param = from.param_list()?.params().next()?;
    let param = param_name(&param)?;
    let expr = only_expr(&from.body()?)?;
    let is_param = |e: &ast::Expr| matches!(e, ast::Expr::PathExpr(p) if p.syntax().text() == param.as_str());
    let (path, member, count) = match &expr {
        ast::Expr::CallExpr(call) => {
            let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
            let args: Vec<ast::Expr> = call.arg_list()?.args().collect();
            let index = args.iter().position(is_param)?;
            (callee.path()?, Member::Index(index), args.len())
        }
        ast::Expr::RecordExpr(record) => {
            let list = record.record_expr_field_list()?;
            if list.spread().is_some() {
                return None;
            }
            let fields: Vec<ast::RecordExprField> = list.fields().collect();
            let field = fields.iter().find(|f| {
                f.expr().is_some_and(|e| is_param(&e))
                    || (f.expr().is_none() && f.name_ref().is_some_and(|n| n.text() == param.as_str()))
            })?;
            let name = field.field_name()?.text().to_string();
            let member = match name.parse::<usize>() {
                Ok(i) => Member::Index(i),
                Err(_) => Member::Named(name.strip_prefix("r#").unwrap_or(&name).to_owned()),
            };
            (record.path()?, member, fields.len())
        }
        _ => return None,
    };
    let last = path.segment()?.name_ref()?.text().to_string();
    match path.qualifier() {
        None if last == "Self" || last == self_name => Some((None, member, count)),
        Some(q) if matches!(super::path_text(&q).rsplit("::").next(), Some(n) if n == "Self" || n == self_name) => {
            Some((Some(last), member, count))
        }
        _ => None,
    }
}

/// Whether `expr` is `self`, `*self`, `&self` or `&*self`.
fn is_self(expr: &ast::Expr) -> bool {
    match expr {
        ast::Expr::PathExpr(p) => p.syntax().text() == "self",
        ast::Expr::PrefixExpr(p) => p.expr().is_some_and(|e| is_self(&e)),
        ast::Expr::RefExpr(r) => r.expr().is_some_and(|e| is_self(&e)),
        ast::Expr::ParenExpr(p) => p.expr().is_some_and(|e| is_self(&e)),
        _ => false,
    }
}

/// The arms of `match self { .. }`, each read with `read`.
fn read_arms<T>(
    expr: &ast::Expr,
    mut read: impl FnMut(&ast::Expr) -> Result<T, String>,
) -> Result<Arms<T>, String> {
    let ast::Expr::MatchExpr(m) = expr else { return read(expr).map(Arms::Whole) };
    if !m.expr().is_some_and(|e| is_self(&e)) {
        return Err("it matches on something other than `self`".to_owned());
    }
    let mut arms = Vec::new();
    for arm in m.match_arm_list().into_iter().flat_map(|l| l.arms()) {
        if arm.guard().is_some() {
            return Err("a match arm has a guard".to_owned());
        }
        if arm.attrs().next().is_some() {
            return Err("a match arm has attributes".to_owned());
        }
        let pats = read_pat(&arm.pat().ok_or("a match arm has no pattern")?)?;
        let value = read(&arm.expr().ok_or("a match arm has no value")?)?;
        arms.push((pats, value));
    }
    Ok(Arms::Match(arms))
}

/// The variants a pattern matches (none for `_`).
fn read_pat(pat: &ast::Pat) -> Result<Vec<VariantPat>, String> {
    let path_parts = |path: &ast::Path| -> Result<(String, String), String> {
        let name = path.segment().and_then(|s| s.name_ref()).ok_or("a pattern has an unusual path")?;
        let qualifier = path.qualifier().map(|q| super::path_text(&q)).unwrap_or_default();
        Ok((name.text().to_string(), qualifier))
    };
    let binding = |p: &ast::Pat| -> Result<Option<String>, String> {
        match p {
            ast::Pat::IdentPat(ident) if ident.pat().is_none() => {
                Ok(ident.name().map(|n| n.text().to_string().trim_start_matches("r#").to_owned()))
            }
            ast::Pat::WildcardPat(_) => Ok(None),
            _ => Err("a pattern matches on the value of a field".to_owned()),
        }
    };
    match pat {
        ast::Pat::WildcardPat(_) => Ok(Vec::new()),
        ast::Pat::RefPat(r) => read_pat(&r.pat().ok_or("an empty pattern")?),
        ast::Pat::OrPat(or) => {
            let mut out = Vec::new();
            for p in or.pats() {
                let mut more = read_pat(&p)?;
                if more.is_empty() {
                    return Ok(Vec::new());
                }
                out.append(&mut more);
            }
            Ok(out)
        }
        ast::Pat::PathPat(p) => {
            let (name, qualifier) = path_parts(&p.path().ok_or("a pattern without a path")?)?;
            Ok(vec![VariantPat { name, qualifier, bare: false, bindings: Vec::new() }])
        }
        ast::Pat::IdentPat(p) if p.pat().is_none() && p.ref_token().is_none() && p.mut_token().is_none() => {
            let name = p.name().ok_or("a pattern without a name")?.text().to_string();
            Ok(vec![VariantPat { name, qualifier: String::new(), bare: true, bindings: Vec::new() }])
        }
        ast::Pat::TupleStructPat(p) => {
            let (name, qualifier) = path_parts(&p.path().ok_or("a pattern without a path")?)?;
            let fields: Vec<ast::Pat> = p.fields().collect();
            let mut bindings = Vec::new();
            for (i, field) in fields.iter().enumerate() {
                if matches!(field, ast::Pat::RestPat(_)) {
                    if i + 1 != fields.len() {
                        return Err("a pattern skips fields with `..` before others".to_owned());
                    }
                    continue;
                }
                if let Some(b) = binding(field)? {
                    bindings.push((b, Member::Index(i)));
                }
            }
            Ok(vec![VariantPat { name, qualifier, bare: false, bindings }])
        }
        ast::Pat::RecordPat(p) => {
            let (name, qualifier) = path_parts(&p.path().ok_or("a pattern without a path")?)?;
            let mut bindings = Vec::new();
            for field in p.record_pat_field_list().into_iter().flat_map(|l| l.fields()) {
                let pat = field.pat().ok_or("a field pattern without a pattern")?;
                let field_name = match field.name_ref() {
                    Some(n) => n.text().to_string(),
                    None => match &pat {
                        ast::Pat::IdentPat(i) => i.name().map(|n| n.text().to_string()).unwrap_or_default(),
                        _ => return Err("a field pattern is unusual".to_owned()),
                    },
                };
                let member = match field_name.parse::<usize>() {
                    Ok(i) => Member::Index(i),
                    Err(_) => Member::Named(field_name.trim_start_matches("r#").to_owned()),
                };
                if let Some(b) = binding(&pat)? {
                    bindings.push((b, member));
                }
            }
            Ok(vec![VariantPat { name, qualifier, bare: false, bindings }])
        }
        _ => Err("a match arm has a pattern other than a variant".to_owned()),
    }
}

/// Reads `fmt`: the message of every arm.
fn read_display(fmt: &ast::Fn, cx: &FileCx<'_>) -> Result<MessageBody, String> {
    let params: Vec<ast::Param> = fmt.param_list().into_iter().flat_map(|l| l.params()).collect();
    let formatter = params.first().and_then(param_name).ok_or("the formatter parameter is a pattern")?;
    let body = fmt.body().ok_or("`fmt` has no body")?;
    let reader = MessageReader { formatter, cx };
    match only_expr(&body) {
        Some(expr) => read_arms(&expr, |e| reader.message(e)),
        None => reader.message(&ast::Expr::BlockExpr(body)).map(Arms::Whole),
    }
}

struct MessageReader<'a, 'c> {
    formatter: String,
    cx: &'a FileCx<'c>,
}

impl MessageReader<'_, '_> {
    fn is_formatter(&self, expr: Option<ast::Expr>) -> bool {
        matches!(expr, Some(ast::Expr::PathExpr(p)) if p.syntax().text() == self.formatter.as_str())
    }

    /// The message an expression writes to the formatter.
    fn message(&self, expr: &ast::Expr) -> Result<Message, String> {
        let unusual = || format!("`Display` does more than write a message (`{}`)", shorten(expr.syntax()));
        match expr {
            ast::Expr::BlockExpr(block) => {
                if block.modifier().is_some() {
                    return Err(unusual());
                }
                let list = block.stmt_list().ok_or_else(unusual)?;
                let mut pieces = Vec::new();
                for stmt in list.statements() {
                    let ast::Stmt::ExprStmt(stmt) = stmt else { return Err(unusual()) };
                    let Some(ast::Expr::TryExpr(inner)) = stmt.expr() else { return Err(unusual()) };
                    pieces.extend(self.pieces(&inner.expr().ok_or_else(unusual)?)?);
                }
                match list.tail_expr() {
                    Some(tail) if is_ok_unit(&tail) => {}
                    Some(tail) if pieces.is_empty() => return self.message(&tail),
                    Some(tail) => pieces.extend(self.pieces(&tail)?),
                    None => return Err(unusual()),
                }
                Ok(Message::Pieces(pieces))
            }
            ast::Expr::MethodCallExpr(call) if call.name_ref().is_some_and(|n| n.text() == "fmt") => {
                let args: Vec<ast::Expr> = call.arg_list().into_iter().flat_map(|l| l.args()).collect();
                if args.len() != 1 || !self.is_formatter(args.first().cloned()) {
                    return Err(unusual());
                }
                let arg = read_arg(&call.receiver().ok_or_else(unusual)?).ok_or_else(unusual)?;
                Ok(Message::Forward(arg.0))
            }
            ast::Expr::CallExpr(call) => {
                let callee = match call.expr() {
                    Some(ast::Expr::PathExpr(p)) => {
                        p.path().map(|p| super::path_text(&p)).unwrap_or_default()
                    }
                    _ => String::new(),
                };
                let full = self.cx.expand_path_at(call.syntax(), &callee);
                if !full.ends_with("fmt::Display::fmt") && callee != "Display::fmt" {
                    return Err(unusual());
                }
                let args: Vec<ast::Expr> = call.arg_list().into_iter().flat_map(|l| l.args()).collect();
                if args.len() != 2 || !self.is_formatter(args.get(1).cloned()) {
                    return Err(unusual());
                }
                let arg = read_arg(&args[0]).ok_or_else(unusual)?;
                Ok(Message::Forward(arg.0))
            }
            _ => self.pieces(expr).map(Message::Pieces),
        }
    }

    /// What one write (`write!`, `writeln!`, `f.write_str(..)`) adds to the message.
    fn pieces(&self, expr: &ast::Expr) -> Result<Vec<Piece>, String> {
        let unusual = || format!("`Display` does more than write a message (`{}`)", shorten(expr.syntax()));
        match expr {
            ast::Expr::MacroExpr(m) => {
                let call = m.macro_call().ok_or_else(unusual)?;
                let (_, name) = super::macro_name(&call).ok_or_else(unusual)?;
                if name != "write" && name != "writeln" {
                    return Err(unusual());
                }
                let args = macro_args(&call).ok_or_else(unusual)?;
                let (target, rest) = args.split_first().ok_or_else(unusual)?;
                if target.len() != 1 || target[0].text() != self.formatter {
                    return Err(unusual());
                }
                let mut pieces = self.format(rest)?;
                if name == "writeln" {
                    pieces.push(Piece::Text("\n".to_owned()));
                }
                Ok(pieces)
            }
            ast::Expr::MethodCallExpr(call) => {
                let method = call.name_ref().map(|n| n.text().to_string()).unwrap_or_default();
                if !self.is_formatter(call.receiver()) {
                    return Err(unusual());
                }
                let args: Vec<ast::Expr> = call.arg_list().into_iter().flat_map(|l| l.args()).collect();
                let [arg] = args.as_slice() else { return Err(unusual()) };
                match method.as_str() {
                    "write_str" => {
                        if let Some(text) = string_value(arg) {
                            return Ok(vec![Piece::Text(text)]);
                        }
                        let arg = read_arg(arg).ok_or_else(unusual)?;
                        Ok(vec![Piece::Arg(arg.0, String::new())])
                    }
                    "write_fmt" => {
                        let ast::Expr::MacroExpr(m) = arg else { return Err(unusual()) };
                        let call = m.macro_call().ok_or_else(unusual)?;
                        if super::macro_name(&call).is_none_or(|(_, n)| n != "format_args") {
                            return Err(unusual());
                        }
                        self.format(&macro_args(&call).ok_or_else(unusual)?)
                    }
                    _ => Err(unusual()),
                }
            }
            _ => Err(unusual()),
        }
    }

    /// A format string and its arguments (the tokens of each, split at top-level commas).
    fn format(&self, args: &[Vec<SyntaxToken>]) -> Result<Vec<Piece>, String> {
        let (literal, rest) = args.split_first().ok_or("`write!` without a format string")?;
        let [token] = literal.as_slice() else {
            return Err("the format string is not a string literal".to_owned());
        };
        let value = ast::String::cast(token.clone())
            .and_then(|s| s.value().ok().map(|v| v.into_owned()))
            .ok_or("the format string is not a string literal")?;
        let mut positional = Vec::new();
        let mut named = Vec::new();
        for arg in rest {
            let is_named = arg.len() > 2 && arg[0].kind() == SyntaxKind::IDENT && arg[1].text() == "=";
            let (name, tokens) =
                if is_named { (Some(arg[0].text().to_owned()), &arg[2..]) } else { (None, &arg[..]) };
            let text = tokens_text(tokens);
            let value = match string_token_value(tokens) {
                Some(s) => Ok(FormatArg::Text(s)),
                None => parse_expr(&text, self.cx.package().edition)
                    .and_then(ast::Expr::cast)
                    .and_then(|e| read_arg(&e))
                    .map(|(a, _)| FormatArg::Arg(a))
                    .ok_or_else(|| format!("the message formats `{}`, which is not a field", text)),
            };
            match name {
                Some(name) => named.push((name, value)),
                None => positional.push(value),
            }
        }
        let spans = parse_format_string(&value)
            .ok_or("the format string uses widths or precisions from arguments")?;
        let mut pieces = Vec::new();
        let mut next = 0;
        for span in spans {
            let (which, spec) = match span {
                FormatSpan::Text(t) => {
                    pieces.push(Piece::Text(t));
                    continue;
                }
                FormatSpan::Next(spec) => {
                    next += 1;
                    (positional.get(next - 1).cloned(), spec)
                }
                FormatSpan::Index(i, spec) => (positional.get(i).cloned(), spec),
                FormatSpan::Name(n, spec) => match named.iter().find(|(name, _)| *name == n) {
                    Some((_, value)) => (Some(value.clone()), spec),
                    None => (Some(Ok(FormatArg::Arg(Arg::Binding(n)))), spec),
                },
            };
            match which.ok_or("the format string and its arguments do not match")?? {
                FormatArg::Text(text) if spec.is_empty() => pieces.push(Piece::Text(text)),
                FormatArg::Text(_) => return Err("a string argument has a format spec".to_owned()),
                FormatArg::Arg(arg) => pieces.push(Piece::Arg(arg, spec)),
            }
        }
        Ok(pieces)
    }
}

#[derive(Debug, Clone)]
enum FormatArg {
    Text(String),
    Arg(Arg),
}

/// Tokens as written: a space only where the source has whitespace.
fn tokens_text(tokens: &[SyntaxToken]) -> String {
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 && token.prev_token().is_some_and(|p| p.kind().is_trivia()) {
            out.push(' ');
        }
        out.push_str(token.text());
    }
    out
}

/// A string literal written as the whole argument.
fn string_token_value(tokens: &[SyntaxToken]) -> Option<String> {
    let [token] = tokens else { return None };
    ast::String::cast(token.clone())?.value().ok().map(|v| v.into_owned())
}

fn string_value(expr: &ast::Expr) -> Option<String> {
    let ast::Expr::Literal(lit) = expr else { return None };
    string_token_value(&[lit.token()])
}

fn is_ok_unit(expr: &ast::Expr) -> bool {
    text_without_spaces(expr.syntax()) == "Ok(())"
}

/// The tokens of each top-level, comma-separated argument of a macro call.
pub(crate) fn macro_args(call: &ast::MacroCall) -> Option<Vec<Vec<SyntaxToken>>> {
    let tree = call.token_tree()?;
    let mut out = vec![Vec::new()];
    let mut depth = 0usize;
    let tokens: Vec<SyntaxToken> = tree
        .syntax()
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .collect();
    let inner = tokens.get(1..tokens.len().checked_sub(1)?)?;
    for token in inner {
        match token.text() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                out.push(Vec::new());
                continue;
            }
            _ => {}
        }
        out.last_mut()?.push(token.clone());
    }
    if out.last().is_some_and(Vec::is_empty) {
        out.pop();
    }
    Some(out)
}

/// A field-like expression: a binding, `self.field`, through `&`, `*`, casts and parentheses;
/// also whether it was dereferenced (`&**x`, `x.as_ref()`, `x.deref()`).
fn read_arg(expr: &ast::Expr) -> Option<(Arg, bool)> {
    match expr {
        ast::Expr::PathExpr(p) => {
            let path = p.path()?;
            if path.qualifier().is_some() {
                return None;
            }
            let name = path.segment()?.name_ref()?.text().to_string();
            (name != "self").then(|| (Arg::Binding(name.trim_start_matches("r#").to_owned()), false))
        }
        ast::Expr::FieldExpr(f) => {
            if !matches!(f.expr()?, ast::Expr::PathExpr(p) if p.syntax().text() == "self") {
                return None;
            }
            let name = f.name_ref()?.text().to_string();
            let member = match name.parse::<usize>() {
                Ok(i) => Member::Index(i),
                Err(_) => Member::Named(name.trim_start_matches("r#").to_owned()),
            };
            Some((Arg::SelfField(member), false))
        }
        ast::Expr::RefExpr(r) if r.mut_token().is_none() => {
            let (arg, deref) = read_arg(&r.expr()?)?;
            Some((arg, deref))
        }
        ast::Expr::PrefixExpr(p) if p.op_kind() == Some(ast::UnaryOp::Deref) => {
            let inner = p.expr()?;
            let (arg, _) = read_arg(&inner)?;
            // `*x` of a binding bound by reference is the field itself; `**x` goes further.
            let deeper = matches!(inner, ast::Expr::PrefixExpr(_));
            Some((arg, deeper))
        }
        ast::Expr::ParenExpr(p) => read_arg(&p.expr()?),
        ast::Expr::CastExpr(c) => read_arg(&c.expr()?),
        ast::Expr::MethodCallExpr(call) if call.arg_list().is_some_and(|l| l.args().next().is_none()) => {
            let name = call.name_ref()?.text().to_string();
            let (arg, _) = read_arg(&call.receiver()?)?;
            match name.as_str() {
                "as_ref" | "deref" => Some((arg, true)),
                "display" => Some((Arg::PathDisplay(Box::new(arg)), false)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A piece of a format string.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FormatSpan {
    Text(String),
    /// `{}` / `{:spec}`.
    Next(String),
    /// `{0}` / `{0:spec}`.
    Index(usize, String),
    /// `{name}` / `{name:spec}`.
    Name(String, String),
}

/// Splits a format string (its value, escapes resolved) into text and placeholders; `None`
/// when a placeholder takes a width or precision from an argument (`{:1$}`, `{:.*}`) or
/// is malformed.
pub(crate) fn parse_format_string(value: &str) -> Option<Vec<FormatSpan>> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '}' => return None,
            '{' => {
                let mut inner = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        '{' => return None,
                        ch => inner.push(ch),
                    }
                }
                let (arg, spec) = inner.split_once(':').unwrap_or((&inner, ""));
                if spec.contains(['$', '*']) {
                    return None;
                }
                if !text.is_empty() {
                    out.push(FormatSpan::Text(std::mem::take(&mut text)));
                }
                let arg = arg.trim();
                let spec = spec.to_owned();
                out.push(if arg.is_empty() {
                    FormatSpan::Next(spec)
                } else if let Ok(index) = arg.parse::<usize>() {
                    FormatSpan::Index(index, spec)
                } else if arg.chars().all(|ch| ch.is_alphanumeric() || ch == '_')
                    && !arg.starts_with(|ch: char| ch.is_ascii_digit())
                {
                    FormatSpan::Name(arg.to_owned(), spec)
                } else {
                    return None;
                });
            }
            _ => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(FormatSpan::Text(text));
    }
    Some(out)
}

/// Reads `source()`: what it returns for each arm.
fn read_source(source: &ast::Fn, _cx: &FileCx<'_>) -> Result<Arms<SourceValue>, String> {
    let body = source.body().ok_or("`source` has no body")?;
    let expr = only_expr(&body).ok_or("`source()` does more than return a field")?;
    // `if let Self::V(e) = self { Some(e) } else { None }`
    if let ast::Expr::IfExpr(if_expr) = &expr {
        let unusual = || "`source()` does more than return a field".to_owned();
        let Some(ast::Expr::LetExpr(cond)) = if_expr.condition() else { return Err(unusual()) };
        if !cond.expr().is_some_and(|e| is_self(&e)) {
            return Err(unusual());
        }
        let pats = read_pat(&cond.pat().ok_or_else(unusual)?)?;
        let then = only_expr(&if_expr.then_branch().ok_or_else(unusual)?).ok_or_else(unusual)?;
        let Some(ast::ElseBranch::Block(otherwise)) = if_expr.else_branch() else { return Err(unusual()) };
        let otherwise = only_expr(&otherwise).ok_or_else(unusual)?;
        if read_source_value(&otherwise)? != SourceValue::None || pats.is_empty() {
            return Err(unusual());
        }
        return Ok(Arms::Match(vec![(pats, read_source_value(&then)?), (Vec::new(), SourceValue::None)]));
    }
    read_arms(&expr, read_source_value)
}

fn read_source_value(expr: &ast::Expr) -> Result<SourceValue, String> {
    let unusual = || format!("`source()` does more than return a field (`{}`)", shorten(expr.syntax()));
    match expr {
        ast::Expr::PathExpr(p) if p.syntax().text() == "None" => Ok(SourceValue::None),
        ast::Expr::CallExpr(call) => {
            if !matches!(call.expr(), Some(ast::Expr::PathExpr(p)) if p.syntax().text() == "Some") {
                return Err(unusual());
            }
            let args: Vec<ast::Expr> = call.arg_list().into_iter().flat_map(|l| l.args()).collect();
            let [arg] = args.as_slice() else { return Err(unusual()) };
            let (arg, deref) = read_arg(arg).ok_or_else(unusual)?;
            Ok(SourceValue::Some(arg, deref))
        }
        ast::Expr::MethodCallExpr(call) if call.name_ref().is_some_and(|n| n.text() == "source") => {
            let (arg, _) = read_arg(&call.receiver().ok_or_else(unusual)?).ok_or_else(unusual)?;
            Ok(SourceValue::Forward(arg))
        }
        ast::Expr::BlockExpr(block) if block.modifier().is_none() => {
            read_source_value(&only_expr(block).ok_or_else(unusual)?)
        }
        _ => Err(unusual()),
    }
}

/// One line of at most 40 characters.
fn shorten(node: &SyntaxNode) -> String {
    let text = node.text().to_string();
    let line = text.lines().next().unwrap_or_default().trim();
    let short: String = line.chars().take(40).collect();
    if short.len() < text.trim().len() { format!("{short}..") } else { short }
}

/// A string literal with `value` as its value.
pub(crate) fn string_literal(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_strings_split_into_text_and_placeholders() {
        let spans = parse_format_string("a {{b}} {} {0:?} {name:>8} c").unwrap();
        assert_eq!(
            spans,
            vec![
                FormatSpan::Text("a {b} ".to_owned()),
                FormatSpan::Next(String::new()),
                FormatSpan::Text(" ".to_owned()),
                FormatSpan::Index(0, "?".to_owned()),
                FormatSpan::Text(" ".to_owned()),
                FormatSpan::Name("name".to_owned(), ">8".to_owned()),
                FormatSpan::Text(" c".to_owned()),
            ]
        );
        assert!(parse_format_string("{:1$}").is_none());
        assert!(parse_format_string("{:.*}").is_none());
        assert!(parse_format_string("unclosed {").is_none());
        assert!(parse_format_string("stray }").is_none());
    }

    /// In a file without closing braces, each type holds all the types after it: the index
    /// finds the attribute thiserror reads that walking the type finds.
    #[test]
    fn the_attribute_index_finds_what_the_walk_finds() {
        let item = |i: usize| match i % 4 {
            0 => format!("pub struct S{i} {{ a: u8,\n"),
            1 => format!("#[derive(Debug)] pub enum E{i} {{ #[error(\"e\")] A,\n"),
            2 => format!("pub struct T{i} {{ #[source] b: E,\n"),
            _ => format!("impl X for S{i} {{ fn f(&self) {{ #[from] let x = 1;\n"),
        };
        let text: String = (0..400).map(item).collect();
        let root = crate::source::parse::parse_file(&text, crate::project::Edition::E2021).root;
        let index = ThiserrorAttrs::of_tree(&root);
        let mut found = 0;
        for node in root.descendants().filter(|n| ast::Adt::can_cast(n.kind())) {
            let walked = thiserror_attrs(&node).next().map(|(_, path)| path);
            assert_eq!(index.first_in(node.text_range()), walked, "{:?}", node.text_range());
            assert_eq!(first_thiserror_attr_under(&node), walked, "{:?}", node.text_range());
            found += usize::from(walked.is_some());
        }
        assert!(found > 100, "{found} types with such an attribute");
    }

    /// What `manual_error_impl` kept of each type of `text` (see [`walked_facts`]), in order:
    /// its name, whether it was read in full, and whether its edits were kept with it.
    fn kept_types(text: &str) -> Vec<(String, bool, bool)> {
        walked_facts(text)
            .into_iter()
            .filter(|(rule, _, _)| *rule == "manual_error_impl")
            .filter_map(|(_, fact, edits)| match fact {
                ErrorFact::Type { name, .. } => Some(vec![(name, true, edits)]),
                ErrorFact::Unread { name, .. } => Some(vec![(name, false, edits)]),
                ErrorFact::UnreadTypes(types) => {
                    Some(types.iter().map(|(name, _)| (name.to_owned(), false, edits)).collect())
                }
                _ => None,
            })
            .flatten()
            .collect()
    }

    const TYPES: &str = "use std::fmt;
pub enum Named { A }
pub struct Unnamed { code: u8 }
impl fmt::Display for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(\"a\") }
}
macro_rules! m { ($($t:tt)*) => { $($t)* } }
m! { pub struct InMacro; }
pub struct Converted(u8);
impl From<u8> for Converted { fn from(v: u8) -> Self { Converted(v) } }
";

    /// Types an impl of their file names are read in full at the end of the walk, in their
    /// place; those inside macro calls at once (their tree is gone by the end); the rest stay
    /// unread, without edits, for the workspace stage.
    #[test]
    fn only_types_an_impl_of_the_file_names_are_read_in_full() {
        let kept = kept_types(TYPES);
        let expected = [
            ("Named", true, true),
            ("Unnamed", false, false),
            ("InMacro", true, true),
            ("Converted", true, true),
        ];
        let expected: Vec<_> = expected.iter().map(|&(n, read, edits)| (n.to_owned(), read, edits)).collect();
        assert_eq!(kept, expected);
        // Nothing names a type: nothing is read.
        let kept = kept_types("pub struct A;\npub enum B { X }\nfn f() -> fmt::Error { todo!() }\n");
        assert!(kept.iter().all(|(_, read, _)| !read), "{kept:?}");
    }

    /// The types left unread leave the file as one fact per rule, in the place of the
    /// first of them, holding each of them in order with where it lies.
    #[test]
    fn types_left_unread_are_kept_as_one_fact_per_rule() {
        let text = "use std::fmt;\npub struct A;\npub enum Named { X }\npub struct B(u8);\n\
                    impl fmt::Display for Named {\n    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { Ok(()) }\n}\n\
                    pub enum C { Y }\n";
        let facts = walked_facts(text);
        for rule in ["manual_error_impl", "manual_from_error"] {
            let of_rule: Vec<&ErrorFact> =
                facts.iter().filter(|(name, _, _)| *name == rule).map(|(_, fact, _)| fact).collect();
            let merged: Vec<&UnreadTypes> = of_rule
                .iter()
                .filter_map(|fact| match fact {
                    ErrorFact::UnreadTypes(types) => Some(types),
                    _ => None,
                })
                .collect();
            assert_eq!(merged.len(), 1, "{rule}: {of_rule:?}");
            assert!(of_rule.iter().all(|fact| !matches!(fact, ErrorFact::Unread { .. })), "{of_rule:?}");
            // In the place of `A`, the first: before the fact of `Named`, read in full.
            assert!(matches!(of_rule[0], ErrorFact::UnreadTypes(_)), "{rule}: {of_rule:?}");
            let names: Vec<(&str, usize)> =
                merged[0].iter().map(|(name, at)| (name, at.start as usize)).collect();
            let at = |s: &str| text.find(s).unwrap_or(usize::MAX);
            assert_eq!(
                names,
                [("A", at("pub struct A")), ("B", at("pub struct B")), ("C", at("pub enum C"))]
            );
        }
    }

    /// Walks `text` as a library file with the two error rules, as a check does: what they
    /// kept, in order, by rule name, with whether edits were kept with it.
    fn walked_facts(text: &str) -> Vec<(&'static str, ErrorFact, bool)> {
        use crate::rule::walk::{Dispatch, Walker};
        let rules: Vec<&'static dyn crate::rule::Rule> = crate::registry::all()
            .iter()
            .copied()
            .filter(|rule| matches!(rule.meta().name, "manual_error_impl" | "manual_from_error"))
            .collect();
        let parsed = crate::source::parse::parse_file(text, crate::project::Edition::E2021);
        let package = crate::rule::walk::tests::package();
        let path = std::path::Path::new("/p/src/lib.rs");
        let lib = crate::project::TargetKind::Lib;
        let mut cx = FileCx::new(path, &package, lib, &parsed.root, false, Vec::new(), rules[0].meta());
        cx.text = text;
        let dispatch = Dispatch::new(&rules, false);
        Walker::new(&dispatch, crate::project::Edition::E2021, text).walk_file(&mut cx);
        read_named_types(&mut cx);
        cx.deferred
            .iter()
            .filter_map(|(rule, data, edits)| {
                Some((rule.name, data.get::<ErrorFact>()?.clone(), edits.is_some()))
            })
            .collect()
    }

    /// A type kept unread reads again, from its range in a new tree of the file, into what
    /// the walk would have kept; a range that no type has any more reads as nothing.
    #[test]
    fn a_type_kept_unread_reads_again_as_the_walk_would_have_read_it() {
        let root = crate::source::parse::parse_file(TYPES, crate::project::Edition::E2021).root;
        let package = crate::rule::walk::tests::package();
        let meta = crate::registry::all()[0].meta();
        let lib = crate::project::TargetKind::Lib;
        let mut cx =
            FileCx::new(std::path::Path::new("/p/src/lib.rs"), &package, lib, &root, false, Vec::new(), meta);
        cx.text = TYPES;
        let node = root.descendants().find(|n| n.kind() == SyntaxKind::STRUCT).expect("Unnamed");
        let range = node.text_range();
        let Some((ErrorFact::Type { fact, .. }, fix, _)) = read_type(&node, &cx) else { panic!("not read") };
        let at = |start: u32, end: u32| UnreadAt { start, end, text_hash: TextHash::of(TYPES).0 };
        let (again, again_fix) =
            read_unread_type(at(range.start().into(), range.end().into()), &cx).expect("read again");
        assert_eq!(format!("{again:?}"), format!("{:?}", fact.get().expect("decodes")));
        assert_eq!(format!("{again_fix:?}"), format!("{fix:?}"));
        assert_eq!(again.name, "Unnamed");
        // The range of something else, part of the type, or past the end of the file.
        let end = u32::from(root.text_range().end());
        for range in [(0, 12), (range.start().into(), u32::from(range.end()) - 1), (end, end + 10)] {
            assert!(read_unread_type(at(range.0, range.1), &cx).is_none(), "{range:?}");
        }
    }

    #[test]
    fn trait_names_read_on_the_green_tree_are_those_of_the_typed_tree() {
        let text = "impl fmt::Display for A {}\nimpl<T: Into<u8>> From<T> for B<T> where T: Copy {}\n\
                    impl C {}\nimpl !Send for D {}\nimpl std::error::Error for &E {}\n\
                    impl r#Error for F {}\n#[cfg(x)] unsafe impl<'a> ::core::marker::Sync for G<'a> {}\n\
                    impl dyn Tr {}\nimpl (A, B) {}\nimpl Fn() for H {}\nimpl <X as Y>::Z for I {}\n";
        let root = crate::source::parse::parse_file(text, crate::project::Edition::E2021).root;
        let mut names = Vec::new();
        for imp in root.descendants().filter_map(ast::Impl::cast) {
            let typed = match imp.trait_() {
                Some(ast::Type::PathType(path)) => path
                    .path()
                    .and_then(|p| p.segment())
                    .and_then(|s| s.name_ref())
                    .map(|n| n.text().to_string()),
                _ => None,
            };
            let green = trait_name(GreenRef::of(imp.syntax())).map(str::to_owned);
            assert_eq!(green, typed, "{}", imp.syntax());
            names.push(green);
        }
        let names: Vec<Option<&str>> = names.iter().map(Option::as_deref).collect();
        assert_eq!(
            names,
            [
                Some("Display"),
                Some("From"),
                None,
                Some("Send"),
                Some("Error"),
                Some("r#Error"),
                Some("Sync"),
                None,
                None,
                Some("Fn"),
                Some("Z")
            ]
        );
    }

    #[test]
    fn literals_escape_what_they_must() {
        assert_eq!(string_literal("a \"b\" \\ \n\t{"), "\"a \\\"b\\\" \\\\ \\n\\t{\"");
    }
}
