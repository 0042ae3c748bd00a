use crate::declare_rule;
use crate::rule::{FileCx, Rule};
use crate::rules::util::{ancestors_in_file, has_doc_section, is_proc_macro_package, macro_name, type_name};
use crate::source::parse::{AstNode, GreenRef, SyntaxKind, SyntaxNode, TextRange, ast};

declare_rule! {
    /// ## What it does
    /// Finds `panic!`, `todo!` and `unimplemented!` (also written `std::panic!` or
    /// `core::panic!`) in the production code of a library target.
    ///
    /// Not flagged:
    /// - code evaluated at compile time, where a panic is a build error (the usual way to
    ///   write a static assertion): `const` and `static` initializers (but not closures in
    ///   them, which run later), inline `const { .. }` blocks, and `const fn` bodies, which
    ///   use `panic!` as the `unwrap` of constant evaluation (a `const fn` called at run
    ///   time can still panic: that case is let through);
    /// - `panic!` where it is the documented contract: in a function whose docs have a
    ///   `# Panics` section, and in operator trait impls (`Div`, `Index`, `Neg`, ...) whose
    ///   signatures leave no room for an error, as in the standard library;
    /// - proc-macro crates, where a panic becomes a compile error at the macro's use;
    /// - binaries, where the author owns the process and a panic at startup can be the
    ///   right answer; test code, examples, benchmarks and build scripts.
    ///
    /// `todo!` and `unimplemented!` are flagged even under `# Panics` and in operator
    /// impls. `unreachable!` and `assert!` state invariants and are not flagged.
    ///
    /// ## Why is this bad?
    /// A library does not own the process it runs in. A panic unwinds through the caller's
    /// code (or aborts it, with `panic = "abort"`), and the caller has no way to handle it:
    /// a web server loses a request, a GUI loses its state. Errors a caller can hit belong in
    /// the return type. `todo!` and `unimplemented!` are unfinished code that ships: a caller
    /// who reaches them gets a crash instead of a compile error.
    ///
    /// ## Example
    /// ```rust
    /// pub fn percent(value: u32) -> u8 {
    ///     if value > 100 {
    ///         panic!("{value} is not a percentage");
    ///     }
    ///     value as u8
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// #[derive(Debug)]
    /// pub struct NotAPercentage(pub u32);
    ///
    /// pub fn percent(value: u32) -> Result<u8, NotAPercentage> {
    ///     if value > 100 {
    ///         return Err(NotAPercentage(value));
    ///     }
    ///     Ok(value as u8)
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: the error type and the callers' handling are design decisions.
    /// A panic on a broken precondition that the caller can check (an index out of bounds)
    /// is best documented under `# Panics`, which also quiets this rule; elsewhere
    /// `// rustpro:allow(panic_in_library) <why>` keeps it. `#[allow(clippy::panic)]`,
    /// `#[allow(clippy::todo)]` and `#[allow(clippy::unimplemented)]` on an enclosing item
    /// are honoured.
    pub struct PanicInLibrary {
        name: "panic_in_library",
        category: Errors,
        level: Warn,
        fix: None,
        clippy: ["panic", "todo", "unimplemented"],
        summary: "`panic!`, `todo!` or `unimplemented!` in library code",
        kinds: [MACRO_CALL],
    }
}

/// The macros reported.
const PANICKING_MACROS: &[&str] = &["panic", "todo", "unimplemented"];

impl Rule for PanicInLibrary {
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(PANICKING_MACROS)
    }

    /// Test code stays test code down the tree; the target is the file's.
    fn applies_to_file(&self, cx: &FileCx<'_>) -> bool {
        cx.is_library_production()
    }

    /// A macro called by one of the panicking names (its path ends with the macro's name).
    fn accepts(&self, node: GreenRef<'_>) -> bool {
        node.any_path_segment_name(|name| PANICKING_MACROS.contains(&name))
    }

    /// A library's production code only.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        if !cx.is_library_production() {
            return;
        }
        let Some(call) = ast::MacroCall::cast(node.clone()) else { return };
        let Some((qualifier, name)) = macro_name(&call) else { return };
        if !matches!(qualifier.trim_start_matches("::"), "" | "std" | "core") {
            return;
        }
        let message = match name.as_str() {
            "panic" => {
                "`panic!` in library code crashes the caller instead of returning an error it can handle"
            }
            "todo" => "`todo!` in library code: unfinished code that panics when a caller reaches it",
            "unimplemented" => "`unimplemented!` in library code panics when a caller reaches it",
            _ => return,
        };
        // Seen through the macro call when the panic is in a macro's arguments.
        match panic_context(&ancestors_in_file(node, cx)) {
            Context::CompileTime => return,
            Context::Contract if name == "panic" => return,
            _ => {}
        }
        if is_proc_macro_package(cx) {
            return;
        }
        let Some(path) = call.path() else { return };
        let end = call.excl_token().map_or(path.syntax().text_range().end(), |t| t.text_range().end());
        let range = TextRange::new(path.syntax().text_range().start(), end);
        let help = if name == "panic" {
            "return a `Result` with an error type the caller can match on (a `thiserror` enum); \
             for a broken precondition the caller can check, document it under `# Panics`"
        } else {
            "finish the code, or return an error (or leave the item out) until it is implemented"
        };
        cx.report_as_twin(&name, range, message).help(help);
    }
}

/// Where a panic sits, as far as the rule cares.
#[derive(Debug, PartialEq, Eq)]
enum Context {
    /// Evaluated at compile time: a panic there is a build error.
    CompileTime,
    /// A function that documents its panics (`# Panics`), or an operator trait impl whose
    /// signature leaves no room for an error (`Div`, `Index`, ...): the panic is the contract.
    Contract,
    Runtime,
}

/// Operator traits whose methods cannot return an error: panicking on a broken precondition
/// (division by zero, an index out of bounds) is what the standard library does too.
const OPERATOR_TRAITS: &[&str] = &[
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Rem",
    "Neg",
    "Not",
    "Shl",
    "Shr",
    "BitAnd",
    "BitOr",
    "BitXor",
    "AddAssign",
    "SubAssign",
    "MulAssign",
    "DivAssign",
    "RemAssign",
    "ShlAssign",
    "ShrAssign",
    "BitAndAssign",
    "BitOrAssign",
    "BitXorAssign",
    "Index",
    "IndexMut",
];

fn panic_context(ancestors: &[SyntaxNode]) -> Context {
    let mut in_function = false;
    for ancestor in ancestors {
        match ancestor.kind() {
            SyntaxKind::CONST | SyntaxKind::STATIC if !in_function => return Context::CompileTime,
            SyntaxKind::BLOCK_EXPR
                if !in_function
                    && ast::BlockExpr::cast(ancestor.clone()).is_some_and(|b| b.const_token().is_some()) =>
            {
                return Context::CompileTime;
            }
            // A closure runs when it is called, even in a `static`'s initializer.
            SyntaxKind::CLOSURE_EXPR => in_function = true,
            SyntaxKind::FN => {
                if has_doc_section(ancestor, "# Panics") {
                    return Context::Contract;
                }
                // The `unwrap` of constant evaluation: in a `const` item a failure is a build
                // error (a `const fn` called at run time can still panic: a known blind spot).
                if !in_function && ast::Fn::cast(ancestor.clone()).is_some_and(|f| f.const_token().is_some())
                {
                    return Context::CompileTime;
                }
                in_function = true;
            }
            SyntaxKind::IMPL => {
                let trait_name =
                    ast::Impl::cast(ancestor.clone()).and_then(|i| i.trait_()).and_then(|t| type_name(&t));
                if trait_name.is_some_and(|t| OPERATOR_TRAITS.contains(&t.as_str())) {
                    return Context::Contract;
                }
                return Context::Runtime;
            }
            _ => {}
        }
    }
    Context::Runtime
}
