use rustc_hash::FxHashSet;

use crate::declare_rule;
use crate::rule::{FileCx, NodeFilter, Rule};
use crate::rules::util::{enclosing_async_body, macro_call_in_file, path_text};
use crate::source::parse::ast::HasName;
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, TextRange, ast};
use crate::source::text::text_find_all;

declare_rule! {
    /// ## What it does
    /// Finds calls that block the thread inside async code (`async fn`, `async` blocks and
    /// async closures) of production code:
    /// - `std::thread::sleep`;
    /// - file system calls of `std::fs` (`read`, `read_to_string`, `write`, `copy`,
    ///   `File::open`, `File::create`, `create_dir_all`, `metadata`, `read_dir`, ..., and
    ///   `OpenOptions::open`);
    /// - network calls of `std::net` that wait on the network (`TcpStream::connect`,
    ///   `TcpListener::accept`, `UdpSocket::recv`); binding a socket does not wait and is
    ///   not flagged (binding a `std` listener and handing it to the runtime is common);
    /// - `output()` and `status()` of a `std::process::Command`;
    /// - `reqwest::blocking` and `ureq` requests;
    /// - `block_on` of any executor (`futures::executor::block_on`, `Runtime::block_on`,
    ///   `Handle::block_on`, `pollster::block_on`, `smol::block_on`, ...), as a function or
    ///   a method.
    ///
    /// Names are resolved through the file's `use` imports and renames (`use std::fs;
    /// fs::read(..)`, `use std::fs::read_to_string as read; read(..)`). A method call is
    /// matched when the type of its receiver is plain from the code: a chain that starts
    /// with `Command::new(..)`, or a variable bound by `let` from such a chain or declared
    /// with its type (`cmd: &mut Command`).
    ///
    /// Not flagged:
    /// - code in a plain (not `async`) closure, unless the closure runs on the spot: called
    ///   right away, or given to an iterator adapter or an `Option`/`Result` combinator
    ///   (`map`, `and_then`, `for_each`, `unwrap_or_else`, ...). A closure given to any other
    ///   function may run on another thread (`spawn_blocking`, `block_in_place`,
    ///   `thread::spawn`, a helper that wraps them) or later, so the rule gives it the
    ///   benefit of the doubt;
    /// - code in a function nested in an async function (unless it is `async` itself);
    /// - the async APIs (`tokio::fs`, `tokio::time::sleep`, `tokio::process::Command`);
    /// - test code (`#[cfg(test)]`, `#[tokio::test]`, test and bench targets, examples): a
    ///   test that blocks its own runtime only slows itself down.
    ///
    /// ## Configuration
    /// The list of blocking calls can be extended or replaced in `rustpro.toml`:
    /// ```toml
    /// [rules.blocking_in_async]
    /// extend-blocking-calls = ["my_crate::db::query_sync", "my_crate::legacy::*", "*::wait_blocking"]
    /// # blocking-calls = [..]      # replaces the built-in list
    /// ```
    /// An entry is a path (`my_crate::db::query_sync`, `my_crate::db::Pool::get` for a
    /// method), a path ending in `::*` (everything below it), or `*::name` (any function
    /// or method of that name). `crate::` in the code is read as the package's name.
    ///
    /// ## Why is this bad?
    /// An async runtime runs many tasks on a few threads. A task that blocks its thread
    /// stops every other task scheduled there: requests stall, timers fire late, and with
    /// one worker thread (`current_thread`, `#[tokio::main(flavor = "current_thread")]`) the
    /// whole program freezes. `block_on` inside async code is worse: it panics on a tokio
    /// runtime thread, and can deadlock on others.
    ///
    /// ## Example
    /// ```rust
    /// use std::time::Duration;
    ///
    /// pub async fn poll_status(url: &str) -> std::io::Result<String> {
    ///     std::thread::sleep(Duration::from_secs(1));
    ///     std::fs::read_to_string(url)
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// use std::time::Duration;
    ///
    /// pub async fn poll_status(url: &str) -> std::io::Result<String> {
    ///     tokio::time::sleep(Duration::from_secs(1)).await;
    ///     tokio::fs::read_to_string(url).await
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: the async replacement depends on the runtime, and moving work into
    /// `spawn_blocking` needs owned data.
    pub struct BlockingInAsync {
        name: "blocking_in_async",
        category: Async,
        level: Warn,
        fix: None,
        clippy: [],
        summary: "blocking call (`thread::sleep`, `std::fs`, `block_on`, ...) inside async code",
        kinds: [CALL_EXPR, METHOD_CALL_EXPR],
    }
}

/// The calls that block, unless configured otherwise (see the rule's documentation for the
/// forms of an entry).
pub const BUILTIN_BLOCKING_CALLS: &[&str] = &[
    "std::thread::sleep",
    "std::fs::canonicalize",
    "std::fs::copy",
    "std::fs::create_dir",
    "std::fs::create_dir_all",
    "std::fs::exists",
    "std::fs::hard_link",
    "std::fs::metadata",
    "std::fs::read",
    "std::fs::read_dir",
    "std::fs::read_link",
    "std::fs::read_to_string",
    "std::fs::remove_dir",
    "std::fs::remove_dir_all",
    "std::fs::remove_file",
    "std::fs::rename",
    "std::fs::set_permissions",
    "std::fs::soft_link",
    "std::fs::symlink_metadata",
    "std::fs::write",
    "std::fs::File::open",
    "std::fs::File::create",
    "std::fs::File::create_new",
    "std::fs::OpenOptions::open",
    "std::fs::DirBuilder::create",
    "std::net::TcpStream::connect",
    "std::net::TcpStream::connect_timeout",
    "std::net::TcpListener::accept",
    "std::net::UdpSocket::recv",
    "std::net::UdpSocket::recv_from",
    "std::process::Command::output",
    "std::process::Command::status",
    "reqwest::blocking::*",
    "ureq::get",
    "ureq::post",
    "ureq::put",
    "ureq::patch",
    "ureq::delete",
    "ureq::head",
    "ureq::request",
    "*::block_on",
];

impl Rule for BlockingInAsync {
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        cx.is_production() && cx.file_mentions("async")
    }

    /// A method call, or a call of a path (the only calls [`blocking_call`] resolves).
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        node.kind() == SyntaxKind::METHOD_CALL_EXPR || node.has_child_in(&[SyntaxKind::PATH_EXPR])
    }

    /// The names a blocking call may have in this file: the last segment of each configured
    /// entry (a function's or a method's name), and each name the file gives with `as` (a
    /// renamed import). None when an entry `prefix::*` may match here, whatever the name:
    /// the file names each segment of the prefix (a path is expanded through the file's
    /// imports, which name them), but for the package's own name (`crate::`).
    fn file_filter(&self, cx: &FileCx<'_>) -> Option<NodeFilter> {
        // Without the file's text (as for `FileCx::file_mentions`), any name may be given.
        if cx.text.is_empty() {
            return None;
        }
        let entries = Entries::of(&cx.options().blocking_calls);
        let crate_name = cx.package().name.replace('-', "_");
        let prefix_named = |prefix: &[Box<str>]| {
            prefix.iter().all(|segment| **segment == *crate_name || has_word(cx.text, segment))
        };
        if entries.prefixes.iter().any(|prefix| prefix_named(prefix)) {
            return None;
        }
        let given: FxHashSet<Box<str>> = names_given_with_as(cx.text)
            .filter(|name| !entries.names.contains(*name))
            .map(Box::from)
            .collect();
        Some(Box::new(move |node| {
            call_name(node).is_some_and(|name| entries.names.contains(name) || given.contains(name))
        }))
    }

    /// Production code only.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if !cx.is_production() || !cx.file_mentions("async") {
            return;
        }
        // Finding the async body is cheaper than resolving the call's path.
        if enclosing_async_body(node, cx).is_none() {
            return;
        }
        let Some((path, range)) = blocking_call(node, cx) else { return };
        let family = Family::of(path.trim_end_matches("(..)"));
        let shown = path;
        let message = match family {
            Family::BlockOn => format!(
                "`{shown}` inside async code blocks the executor thread until the future completes: \
                 it panics on a tokio runtime and can deadlock on others"
            ),
            _ => format!("`{shown}` blocks the executor thread inside async code"),
        };
        cx.report(range, message).help(family.help());
    }
}

/// The name a call is made by, read from the green tree: a method's, or the last segment of
/// a called path (`fs::read` in `fs::read(p)`).
fn call_name(node: GreenRef<'_>) -> Option<&str> {
    if node.kind() == SyntaxKind::METHOD_CALL_EXPR {
        return node.name_ref_text();
    }
    let path = node.child(SyntaxKind::PATH_EXPR)?.child(SyntaxKind::PATH)?;
    path.child(SyntaxKind::PATH_SEGMENT)?.name_ref_text()
}

/// The configured entries (`blocking_calls`), split once per run (rather than once per file):
/// the last segment of each path, and the segments of each `prefix::*`.
struct Entries {
    calls: Vec<String>,
    names: FxHashSet<Box<str>>,
    prefixes: Vec<Vec<Box<str>>>,
}

impl Entries {
    /// Those of `calls`, split again only when they are not the ones split last on this
    /// thread.
    fn of(calls: &[String]) -> std::rc::Rc<Entries> {
        thread_local! {
            static LAST: std::cell::RefCell<Option<std::rc::Rc<Entries>>> = const { std::cell::RefCell::new(None) };
        }
        LAST.with_borrow_mut(|last| match last {
            Some(entries) if entries.calls == calls => entries.clone(),
            _ => last.insert(std::rc::Rc::new(Entries::split(calls))).clone(),
        })
    }

    fn split(calls: &[String]) -> Entries {
        let mut names = FxHashSet::default();
        let mut prefixes = Vec::new();
        for entry in calls {
            match entry.strip_suffix("::*") {
                Some(prefix) => prefixes.push(prefix.split("::").map(Box::from).collect()),
                None => {
                    names.insert(entry.rsplit("::").next().unwrap_or(entry).into());
                }
            }
        }
        Entries { calls: calls.to_vec(), names, prefixes }
    }
}

/// Whether `word` occurs in `text` as a whole identifier.
fn has_word(text: &str, word: &str) -> bool {
    !word.is_empty()
        && text_find_all(text, word).any(|at| {
            let before = text[..at].bytes().next_back();
            let after = text.as_bytes().get(at + word.len()).copied();
            !before.is_some_and(is_ident_byte) && !after.is_some_and(is_ident_byte)
        })
}

/// The identifiers that follow the keyword `as` anywhere in `text` (comments and casts
/// too): among them every name a `use` item gives (`use std::fs::read as slurp;`).
fn names_given_with_as(text: &str) -> impl Iterator<Item = &str> {
    text_find_all(text, "as").filter_map(|at| {
        if text[..at].bytes().next_back().is_some_and(is_ident_byte) {
            return None;
        }
        let rest = &text[at + 2..];
        let name = rest.trim_start();
        if name.len() == rest.len() {
            // `as` is followed by a space before the name (`as_ref`, `as;` are not this).
            return None;
        }
        let end = name.bytes().position(|b| !is_ident_byte(b) && b != b'#').unwrap_or(name.len());
        (end > 0).then(|| &name[..end])
    })
}

fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || !byte.is_ascii()
}

/// The kind of blocking call, for advice that fits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Sleep,
    Fs,
    Net,
    Process,
    Http,
    BlockOn,
    Other,
}

impl Family {
    fn of(path: &str) -> Family {
        if path.ends_with("block_on") && !path.ends_with("_block_on") {
            Family::BlockOn
        } else if path == "std::thread::sleep" {
            Family::Sleep
        } else if path.starts_with("std::fs::") {
            Family::Fs
        } else if path.starts_with("std::net::") {
            Family::Net
        } else if path.starts_with("std::process::") {
            Family::Process
        } else if path.starts_with("reqwest::blocking::") || path.starts_with("ureq::") {
            Family::Http
        } else {
            Family::Other
        }
    }

    fn help(self) -> &'static str {
        match self {
            Family::Sleep => {
                "use `tokio::time::sleep(..).await` (or your runtime's async sleep): other tasks run while this one waits"
            }
            Family::Fs => {
                "use `tokio::fs` (or your runtime's async file API), or move the work into `tokio::task::spawn_blocking`"
            }
            Family::Net => {
                "use `tokio::net` (or your runtime's async sockets), or move the work into `tokio::task::spawn_blocking`"
            }
            Family::Process => {
                "use `tokio::process::Command` and `.await` it, or move the call into `tokio::task::spawn_blocking`"
            }
            Family::Http => "use the async `reqwest::Client` and `.await` the request",
            Family::BlockOn => {
                "`.await` the future instead; if sync code in between needs the result, make it async or run it \
                 in `tokio::task::spawn_blocking`"
            }
            Family::Other => {
                "move the call into `tokio::task::spawn_blocking`, or use an async equivalent and `.await` it"
            }
        }
    }
}

/// How deep receivers are followed through `let` bindings.
const MAX_RECEIVER_DEPTH: usize = 8;

/// The blocking call `node` makes: its resolved path (`Type::method` for a method, `.name(..)`
/// for a method matched by name only) and the range to report.
fn blocking_call(node: &SyntaxNode, cx: &FileCx<'_>) -> Option<(String, TextRange)> {
    let calls = &cx.options().blocking_calls;
    if let Some(call) = ast::CallExpr::cast(node.clone()) {
        let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
        let path = resolve_path(&callee.path()?, node, cx);
        return calls.iter().any(|c| matches(c, &path)).then(|| (path, node.text_range()));
    }
    let call = ast::MethodCallExpr::cast(node.clone())?;
    let name = call.name_ref()?;
    let name = name.text().to_string();
    let range = TextRange::new(call.name_ref()?.syntax().text_range().start(), node.text_range().end());
    // `*::name` entries match a method of that name whatever its receiver.
    if calls.iter().any(|c| c.strip_prefix("*::").is_some_and(|n| n == name)) {
        return Some((format!(".{name}(..)"), range));
    }
    let receiver = receiver_type(&call.receiver()?, cx, 0)?;
    if receiver.root_blocks {
        // The chain starts with a blocking call, which is reported itself.
        return None;
    }
    let path = format!("{}::{name}", receiver.ty);
    calls.iter().any(|c| matches(c, &path)).then_some((path, range))
}

/// Whether a configured entry matches a resolved path.
fn matches(entry: &str, path: &str) -> bool {
    if let Some(tail) = entry.strip_prefix("*::") {
        return path == tail || path.strip_suffix(tail).is_some_and(|head| head.ends_with("::"));
    }
    if let Some(prefix) = entry.strip_suffix("::*") {
        return path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with("::"));
    }
    entry == path
}

/// A path as written at `node`, expanded through the imports in scope; `crate::` becomes
/// the package's name.
fn resolve_path(path: &ast::Path, node: &SyntaxNode, cx: &FileCx<'_>) -> String {
    let text = path_text(path);
    // Macro arguments are parsed on their own: the imports are around the macro call.
    let anchor = macro_call_in_file(cx).unwrap_or_else(|| node.clone());
    let expanded = cx.expand_path_at(&anchor, &text);
    match expanded.strip_prefix("crate::") {
        Some(rest) => format!("{}::{rest}", cx.package().name.replace('-', "_")),
        None => expanded,
    }
}

/// The type of a method call's receiver, as far as the code shows it.
struct Receiver {
    /// The type's resolved path (`std::process::Command`).
    ty: String,
    /// The chain starts with a call that is blocking itself (`File::open(p)?.read(..)`).
    root_blocks: bool,
}

/// The type of `expr` when the code makes it plain: a chain of method calls (taken to
/// keep the type, as builders do) that starts with `Type::function(..)`, or a variable
/// bound from one or declared with a type.
fn receiver_type(expr: &ast::Expr, cx: &FileCx<'_>, depth: usize) -> Option<Receiver> {
    if depth > MAX_RECEIVER_DEPTH {
        return None;
    }
    match expr {
        ast::Expr::MethodCallExpr(call) => receiver_type(&call.receiver()?, cx, depth + 1),
        ast::Expr::TryExpr(inner) => receiver_type(&inner.expr()?, cx, depth + 1),
        ast::Expr::ParenExpr(inner) => receiver_type(&inner.expr()?, cx, depth + 1),
        ast::Expr::RefExpr(inner) => receiver_type(&inner.expr()?, cx, depth + 1),
        ast::Expr::CallExpr(call) => {
            let ast::Expr::PathExpr(callee) = call.expr()? else { return None };
            let path = callee.path()?;
            let qualifier = path.qualifier()?;
            let type_name = qualifier.segment()?.name_ref()?;
            if !type_name.text().starts_with(|c: char| c.is_ascii_uppercase()) {
                return None;
            }
            let full = resolve_path(&path, call.syntax(), cx);
            let root_blocks = cx.options().blocking_calls.iter().any(|c| matches(c, &full));
            let (ty, _) = full.rsplit_once("::")?;
            Some(Receiver { ty: ty.to_owned(), root_blocks })
        }
        ast::Expr::PathExpr(path) => {
            let path = path.path()?;
            if path.qualifier().is_some() {
                return None;
            }
            let name = path.segment()?.name_ref()?.text().to_string();
            binding_type(&name, expr.syntax(), cx, depth)
        }
        _ => None,
    }
}

/// The type of the variable `name` as seen at `at`: from the nearest `let` before it in the
/// enclosing blocks, or a parameter of the enclosing function or closure.
fn binding_type(name: &str, at: &SyntaxNode, cx: &FileCx<'_>, depth: usize) -> Option<Receiver> {
    let start = at.text_range().start();
    for ancestor in at.ancestors() {
        match ancestor.kind() {
            SyntaxKind::STMT_LIST => {
                let found = ancestor
                    .children()
                    .filter(|s| s.text_range().end() <= start)
                    .filter_map(ast::LetStmt::cast)
                    .filter(|l| binds(l.pat(), name))
                    .last();
                if let Some(stmt) = found {
                    if let Some(ty) = stmt.ty() {
                        return annotated_type(&ty, stmt.syntax(), cx);
                    }
                    return receiver_type(&stmt.initializer()?, cx, depth + 1);
                }
            }
            SyntaxKind::PARAM_LIST => {}
            SyntaxKind::FN | SyntaxKind::CLOSURE_EXPR => {
                let params = ancestor.children().find(|c| c.kind() == SyntaxKind::PARAM_LIST)?;
                let param = params.children().filter_map(ast::Param::cast).find(|p| binds(p.pat(), name));
                match param {
                    Some(param) => return annotated_type(&param.ty()?, param.syntax(), cx),
                    None if ancestor.kind() == SyntaxKind::FN => return None,
                    None => {}
                }
            }
            kind if ast::Item::can_cast(kind) => return None,
            _ => {}
        }
    }
    None
}

fn binds(pat: Option<ast::Pat>, name: &str) -> bool {
    let Some(ast::Pat::IdentPat(pat)) = pat else { return false };
    pat.name().is_some_and(|n| n.text() == name)
}

fn annotated_type(ty: &ast::Type, at: &SyntaxNode, cx: &FileCx<'_>) -> Option<Receiver> {
    let ty = match ty {
        ast::Type::RefType(inner) => inner.ty()?,
        other => other.clone(),
    };
    let ast::Type::PathType(path) = ty else { return None };
    let ty = resolve_path(&path.path()?, at, cx);
    Some(Receiver { ty, root_blocks: false })
}

#[cfg(test)]
mod tests {
    use super::{has_word, matches, names_given_with_as};

    #[test]
    fn renamed_imports_and_whole_words_are_found_in_text() {
        let text = "use a::{b as c, d as\n  e};\nfn f() { x.as_ref(); (y as u8, z as r#type); has a; }";
        let names: Vec<&str> = names_given_with_as(text).collect();
        assert_eq!(names, ["c", "e", "u8", "r#type"]);
        assert!(has_word("use reqwest::blocking;", "blocking"));
        assert!(!has_word("spawn_blocking(f)", "blocking"));
        assert!(!has_word("blockings", "blocking"));
        assert!(!has_word("anything", ""));
    }

    #[test]
    fn entries_match_paths_prefixes_and_names() {
        assert!(matches("std::fs::read", "std::fs::read"));
        assert!(!matches("std::fs::read", "std::fs::read_dir"));
        assert!(matches("reqwest::blocking::*", "reqwest::blocking::Client::new"));
        assert!(!matches("reqwest::blocking::*", "reqwest::blockingly"));
        assert!(matches("*::block_on", "futures::executor::block_on"));
        assert!(matches("*::block_on", "block_on"));
        assert!(!matches("*::block_on", "my_block_on"));
    }
}
