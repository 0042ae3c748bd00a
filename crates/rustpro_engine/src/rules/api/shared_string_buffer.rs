use std::collections::HashSet;

use crate::declare_rule;
use crate::rule::{FileCx, Rule, WorkspaceCx};
use crate::rules::util::{path_text, type_args};
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, ast, node_text};

declare_rule! {
    /// ## What it does
    /// Finds `Arc<String>`, `Rc<String>`, `Arc<Vec<T>>` and `Rc<Vec<T>>` written as a type
    /// anywhere in production code: fields, parameters, return types, `let` annotations,
    /// type aliases, generic arguments. `Arc` and `Rc` are read through the file's imports
    /// (`std::sync::Arc`, `std::rc::Rc` and their `alloc` paths; a bare name counts when the
    /// file imports from `std::sync` / `std::rc` with a glob).
    ///
    /// Not reported: test code (a test's extra allocation costs nothing), and packages that
    /// take a buffer back out of the pointer or mutate it in place through `Arc::make_mut`,
    /// `Arc::get_mut`, `Arc::try_unwrap`, `Arc::into_inner` or `Arc::unwrap_or_clone` (or the
    /// `Rc` ones) anywhere, test code included: there the growable buffer may be what the
    /// code needs. Without types the rule cannot tell which value such a call is about, so
    /// the test is per package, to stay quiet.
    ///
    /// ## Why is this bad?
    /// A `String` or `Vec<T>` behind a shared pointer can no longer grow: nobody can push to
    /// it without cloning it out first. What remains is the cost of the buffer type: two
    /// allocations (the pointer's block holding the `String`, which points to its bytes), a
    /// second pointer hop on every read, and a capacity field nobody uses. `Arc<str>` and
    /// `Arc<[T]>` keep the bytes or elements in the pointer's own block: one allocation, one
    /// hop, and the same `Deref` to `&str` / `&[T]` for readers.
    ///
    /// ## Example
    /// ```rust
    /// use std::sync::Arc;
    ///
    /// struct Config {
    ///     name: Arc<String>,
    ///     hosts: Arc<Vec<String>>,
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// use std::sync::Arc;
    ///
    /// struct Config {
    ///     name: Arc<str>,
    ///     hosts: Arc<[String]>,
    /// }
    /// ```
    /// Build them with `Arc::from(string)` / `string.into()` and `Arc::from(vec)`.
    ///
    /// ## Fix safety
    /// No automatic fix: every place that builds the value (`Arc::new(s)` becomes
    /// `Arc::from(s)`) and every place that relies on `String` or `Vec` methods through the
    /// pointer has to change with the type. `#[allow(clippy::rc_buffer)]` on an enclosing
    /// item is honoured.
    pub struct SharedStringBuffer {
        name: "shared_string_buffer",
        category: Api,
        level: Warn,
        fix: None,
        clippy: ["rc_buffer"],
        summary: "`Arc<String>`, `Rc<String>`, `Arc<Vec<T>>` or `Rc<Vec<T>>`",
        kinds: [PATH_TYPE, PATH_EXPR],
    }
}

/// Functions of `Arc` / `Rc` that need the buffer itself behind the pointer: mutation in
/// place, or taking it back.
const BUFFER_USES: &[&str] = &["make_mut", "get_mut", "try_unwrap", "into_inner", "unwrap_or_clone"];

/// The names of the paths it reads: the pointers' uses, and the pointers.
const WORDS: &[&str] = &["make_mut", "get_mut", "try_unwrap", "into_inner", "unwrap_or_clone", "Arc", "Rc"];

/// What the rule keeps for its workspace stage.
#[derive(serde::Serialize, serde::Deserialize)]
enum Kept {
    /// A finding, decided on once the package's buffer uses are known.
    Finding,
    /// The package calls one of [`BUFFER_USES`].
    BufferUse,
}

impl Rule for SharedStringBuffer {
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(WORDS)
    }

    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        cx.file_mentions("Arc") || cx.file_mentions("Rc")
    }

    /// A path naming one of [`BUFFER_USES`], or a type naming `Arc` or `Rc`.
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        match node.kind() {
            SyntaxKind::PATH_EXPR => node.any_path_segment_name(|name| BUFFER_USES.contains(&name)),
            _ => node.any_path_segment_name(|name| name == "Arc" || name == "Rc"),
        }
    }

    /// Types of production code only; uses of the buffer anywhere.
    fn looks_in_test_code(&self, kind: SyntaxKind) -> bool {
        kind != SyntaxKind::PATH_TYPE
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if !(cx.file_mentions("Arc") || cx.file_mentions("Rc")) {
            return;
        }
        if let Some(path) = ast::PathExpr::cast(node.clone()).and_then(|p| p.path()) {
            if is_buffer_use(&path) {
                cx.defer(Kept::BufferUse);
            }
            return;
        }
        if !cx.is_production() {
            return;
        }
        let Some(ty) = ast::PathType::cast(node.clone()) else { return };
        let Some(path) = ty.path() else { return };
        let Some(pointer) = shared_pointer(&path, node, cx) else { return };
        let args = type_args(&ast::Type::PathType(ty));
        let [inner] = args.as_slice() else { return };
        let Some((buffer, suggestion)) = buffer_kind(inner, node, cx) else { return };
        cx.report(
            node.text_range(),
            format!(
                "`{pointer}<{buffer}>` shares a buffer that can no longer grow, at the cost of a second \
                 allocation and a second pointer hop on every read"
            ),
        )
        .help(format!(
            "use `{pointer}<{suggestion}>`, built with `{pointer}::from(..)`: one allocation, same reads"
        ))
        .defer(Kept::Finding);
    }

    fn finish(&self, cx: &mut WorkspaceCx<'_>) {
        let items = cx.take_items();
        let mutating: HashSet<usize> = items
            .iter()
            .filter(|item| matches!(item.data.get::<Kept>(), Some(Kept::BufferUse)))
            .map(|item| item.package)
            .collect();
        for item in items {
            if mutating.contains(&item.package) {
                continue;
            }
            if let Some(finding) = item.finding {
                cx.report(*finding);
            }
        }
    }
}

/// `Arc::make_mut`, `Rc::get_mut`, `std::sync::Arc::try_unwrap`, ..
fn is_buffer_use(path: &ast::Path) -> bool {
    let Some(name) = path.segment().and_then(|s| s.name_ref()) else { return false };
    if !BUFFER_USES.contains(&name.text().to_string().as_str()) {
        return false;
    }
    path.qualifier()
        .and_then(|q| q.segment())
        .and_then(|s| s.name_ref())
        .is_some_and(|q| matches!(q.text().to_string().as_str(), "Arc" | "Rc"))
}

/// `Arc` or `Rc` when `path` names the standard shared pointer (generic arguments aside).
fn shared_pointer(path: &ast::Path, node: &SyntaxNode, cx: &FileCx<'_>) -> Option<&'static str> {
    let name = path.segment()?.name_ref()?;
    let pointer = match name.text().to_string().as_str() {
        "Arc" => "Arc",
        "Rc" => "Rc",
        _ => return None,
    };
    let full = cx.expand_path_at(node, &path_text(path));
    let module = if pointer == "Arc" { "sync" } else { "rc" };
    let known = [format!("std::{module}::{pointer}"), format!("alloc::{module}::{pointer}")];
    if known.contains(&full) {
        return Some(pointer);
    }
    // A bare name no import explains: a glob import of the standard module brings it.
    let globbed =
        cx.file_mentions("std::sync") || cx.file_mentions("alloc::sync") || cx.file_mentions("std::rc");
    (full == pointer && globbed && !defines_type(cx, pointer)).then_some(pointer)
}

/// Whether the file declares its own type with that name.
fn defines_type(cx: &FileCx<'_>, name: &str) -> bool {
    cx.root
        .descendants()
        .filter_map(ast::Adt::cast)
        .any(|adt| ast::HasName::name(&adt).is_some_and(|n| n.text() == name))
}

/// `("String", "str")` or `("Vec<T>", "[T]")` for a standard `String` or `Vec<T>`.
fn buffer_kind(ty: &ast::Type, node: &SyntaxNode, cx: &FileCx<'_>) -> Option<(String, String)> {
    let ast::Type::PathType(path_type) = ty else { return None };
    let path = path_type.path()?;
    let full = cx.expand_path_at(node, &path_text(&path));
    match full.as_str() {
        "String" | "std::string::String" | "alloc::string::String" => Some(("String".into(), "str".into())),
        "Vec" | "std::vec::Vec" | "alloc::vec::Vec" => {
            let args = type_args(ty);
            let [element] = args.as_slice() else { return None };
            let element = node_text(element.syntax());
            Some((format!("Vec<{element}>"), format!("[{element}]")))
        }
        _ => None,
    }
}
