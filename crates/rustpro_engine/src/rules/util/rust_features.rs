//! Language, standard-library and Cargo-manifest features with the Rust release that
//! stabilised each, and how rustpro sees them without compiling. One line per feature; every
//! version is the one the official release notes (`RELEASES.md`) give.
//!
//! Heuristics behind the [`Detect`] kinds (see `feature_use.rs`):
//! - `Path`: a path whose segments, after expanding the first one through the `use` imports
//!   in scope, equal one of the paths or start with it (`std::sync::LazyLock::new`). A type
//!   of the crate's own named `LazyLock` is not std's; a glob import (`use std::sync::*`)
//!   is not followed.
//! - `Method`: a method call with this name and argument count, unless the file defines a
//!   `fn` of that name (an extension trait of its own). Only names that no common crate
//!   defines for older toolchains are listed (`div_ceil`, `is_sorted`, `inspect_err` are not).
//! - `Syntax`: a syntax node; see [`Syntax`].
//! - `Manifest`, `Edition`: keys of `Cargo.toml`.
//!
//! Only code a default build compiles is counted: not test code, and not code under a `cfg`
//! that a default build leaves off (an opt-in feature, a condition a build script sets such
//! as `#[cfg(has_foo)]`, `docsrs`) or under `#[rustversion::..]`: that is how crates use
//! newer features while keeping an older `rust-version`. Such a `cfg` on a `mod`
//! declaration covers the module's file, and the files of its own modules.
//!
//! Left out on purpose: the `[lints]` table (1.74; older Cargo ignores it with a warning, so
//! the build still works — many crates rely on that), `#[diagnostic::do_not_recommend]`
//! (1.85; older compilers from 1.78 on warn about unknown `diagnostic` attributes), trait
//! upcasting (1.86; needs types to see).

use crate::project::Edition;

/// A Rust release `1.minor`.
pub(crate) type Minor = u32;

/// One stabilised feature.
#[derive(Debug)]
pub(crate) struct Feature {
    /// How a message names it, in Markdown (`` `std::sync::LazyLock` ``).
    pub name: &'static str,
    /// The release that stabilised it: `1.minor`.
    pub minor: Minor,
    pub detect: Detect,
}

/// How a feature is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detect {
    /// A standard-library item, by its full paths.
    Path(&'static [&'static str]),
    /// A method call: name and argument count.
    Method(&'static str, usize),
    Syntax(Syntax),
    Manifest(ManifestKey),
    Edition(Edition),
}

/// Syntax rustpro recognises in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// `async fn`, `async { }` blocks.
    Async,
    /// `const N: usize` generic parameters.
    ConstGenerics,
    /// `{name}` in the format string of `format!`, `println!`, `write!` and friends (and, from
    /// edition 2021, `panic!`, `assert!` and friends) with no `name = ..` argument.
    InlineFormatArgs,
    /// `(a, b) = ..`, `[a, b] = ..`, `S { a, .. } = ..`, `_ = ..`.
    DestructuringAssignment,
    /// `#[default]` on a variant of an enum that has `#[derive(.., Default, ..)]`.
    DefaultVariant,
    LetElse,
    /// `type Item<'a>` in a trait or impl.
    GenericAssociatedTypes,
    /// `'label: { .. break 'label .. }` (a block, not a loop).
    LabeledBlock,
    /// `async fn` in a trait, or in a trait impl, neither carrying an attribute macro
    /// (`#[async_trait]` rewrites them).
    AsyncFnInTrait,
    /// `-> impl Trait` in a trait or trait impl method, no attribute macro on them.
    ImplTraitInTrait,
    /// `c"..."`, `cr"..."`.
    CStringLiteral,
    /// `#[diagnostic::on_unimplemented]` and the rest of the `diagnostic` namespace.
    DiagnosticAttribute,
    /// `const { .. }` in an expression (not `thread_local!`'s `= const { .. }`, older syntax).
    InlineConst,
    /// `T: Iterator<Item: Copy>`.
    AssociatedTypeBounds,
    /// `a..b` and `..b` in patterns.
    ExclusiveRangePattern,
    /// `#[expect(..)]` (not inside `cfg_attr`).
    ExpectAttribute,
    /// `&raw const x`, `&raw mut x`.
    RawRef,
    /// `unsafe extern "C" { .. }`.
    UnsafeExtern,
    /// `#[unsafe(no_mangle)]`.
    UnsafeAttribute,
    /// `impl Trait + use<'a, T>`.
    PreciseCapturing,
    /// `use<..>` in a trait or trait impl method's `impl Trait`.
    PreciseCapturingInTrait,
    /// `async |x| ..`, `async move |x| ..`.
    AsyncClosure,
    /// `AsyncFn(..)`, `AsyncFnMut(..)`, `AsyncFnOnce(..)` bounds (parenthesised, which only the
    /// language's own traits allow).
    AsyncFnBound,
    /// `if let .. && ..`, `while let .. && ..` (edition 2024).
    LetChains,
    /// `#[cfg(true)]`, `#[cfg(false)]`.
    CfgBooleanLiterals,
    /// `Some(x) if let Ok(y) = f(x) =>` in a match arm.
    IfLetGuards,
}

/// Manifest keys rustpro recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ManifestKey {
    /// `strip` in a `[profile.*]` table.
    ProfileStrip,
    /// `"dep:name"` or `"name?/feature"` in `[features]`.
    NamespacedFeatures,
    /// `key.workspace = true` in a package, `[workspace.package]` / `[workspace.dependencies]`.
    WorkspaceInheritance,
    /// `resolver = "3"`.
    ResolverV3,
}

use Detect::{Edition as Ed, Manifest, Method, Path, Syntax as Syn};

const fn f(minor: Minor, name: &'static str, detect: Detect) -> Feature {
    Feature { name, minor, detect }
}

/// Every feature rustpro knows, oldest first.
#[rustfmt::skip]
pub(crate) static FEATURES: &[Feature] = &[
    f(31, "edition 2018", Ed(Edition::E2018)),
    f(39, "`async fn` and `async` blocks", Syn(Syntax::Async)),
    f(51, "const generics", Syn(Syntax::ConstGenerics)),
    f(56, "edition 2021", Ed(Edition::E2021)),
    f(58, "identifiers captured in format strings (`{name}`)", Syn(Syntax::InlineFormatArgs)),
    f(59, "destructuring assignment", Syn(Syntax::DestructuringAssignment)),
    f(59, "`std::iter::zip`", Path(&["std::iter::zip", "core::iter::zip"])),
    f(59, "`strip` in a profile", Manifest(ManifestKey::ProfileStrip)),
    f(60, "`dep:` and `?/` in features", Manifest(ManifestKey::NamespacedFeatures)),
    f(62, "`#[default]` on an enum variant for `derive(Default)`", Syn(Syntax::DefaultVariant)),
    f(62, "`bool::then_some`", Method("then_some", 1)),
    f(63, "`std::thread::scope`", Path(&["std::thread::scope"])),
    f(63, "`std::array::from_fn`", Path(&["std::array::from_fn", "core::array::from_fn"])),
    f(64, "workspace inheritance (`workspace = true`)", Manifest(ManifestKey::WorkspaceInheritance)),
    f(64, "`std::future::IntoFuture`", Path(&["std::future::IntoFuture", "core::future::IntoFuture"])),
    f(64, "`std::future::poll_fn`", Path(&["std::future::poll_fn", "core::future::poll_fn"])),
    f(64, "`std::task::ready!`", Path(&["std::task::ready", "core::task::ready"])),
    f(64, "`core::ffi::CStr`", Path(&["core::ffi::CStr"])),
    f(65, "`let .. else`", Syn(Syntax::LetElse)),
    f(65, "generic associated types", Syn(Syntax::GenericAssociatedTypes)),
    f(65, "`break` from a labeled block", Syn(Syntax::LabeledBlock)),
    f(65, "`std::backtrace::Backtrace`", Path(&["std::backtrace::Backtrace"])),
    f(65, "`std::io::read_to_string`", Path(&["std::io::read_to_string"])),
    f(66, "`std::hint::black_box`", Path(&["std::hint::black_box", "core::hint::black_box"])),
    f(68, "`std::pin::pin!`", Path(&["std::pin::pin", "core::pin::pin"])),
    f(70, "`std::sync::OnceLock`", Path(&["std::sync::OnceLock"])),
    f(70, "`std::cell::OnceCell`", Path(&["std::cell::OnceCell", "core::cell::OnceCell"])),
    f(70, "`std::io::IsTerminal`", Path(&["std::io::IsTerminal"])),
    f(70, "`Option::is_some_and`", Method("is_some_and", 1)),
    f(70, "`Result::is_ok_and`", Method("is_ok_and", 1)),
    f(70, "`Result::is_err_and`", Method("is_err_and", 1)),
    f(75, "`async fn` in traits", Syn(Syntax::AsyncFnInTrait)),
    f(75, "return-position `impl Trait` in traits", Syn(Syntax::ImplTraitInTrait)),
    f(76, "`std::hash::DefaultHasher`", Path(&["std::hash::DefaultHasher"])),
    f(76, "`std::hash::RandomState`", Path(&["std::hash::RandomState"])),
    f(77, "C-string literals (`c\"..\"`)", Syn(Syntax::CStringLiteral)),
    f(77, "`std::mem::offset_of!`", Path(&["std::mem::offset_of", "core::mem::offset_of"])),
    f(78, "`#[diagnostic::..]` attributes", Syn(Syntax::DiagnosticAttribute)),
    f(79, "inline `const { .. }` blocks", Syn(Syntax::InlineConst)),
    f(79, "associated type bounds (`Iterator<Item: Bound>`)", Syn(Syntax::AssociatedTypeBounds)),
    f(79, "`std::num::NonZero<T>`", Path(&["std::num::NonZero", "core::num::NonZero"])),
    f(80, "`std::sync::LazyLock`", Path(&["std::sync::LazyLock"])),
    f(80, "`std::cell::LazyCell`", Path(&["std::cell::LazyCell", "core::cell::LazyCell"])),
    f(80, "exclusive range patterns (`a..b`)", Syn(Syntax::ExclusiveRangePattern)),
    f(81, "`#[expect(..)]`", Syn(Syntax::ExpectAttribute)),
    f(81, "`core::error`", Path(&["core::error"])),
    f(81, "`std::fs::exists`", Path(&["std::fs::exists"])),
    f(82, "`&raw const` / `&raw mut`", Syn(Syntax::RawRef)),
    f(82, "`unsafe extern` blocks", Syn(Syntax::UnsafeExtern)),
    f(82, "unsafe attributes (`#[unsafe(..)]`)", Syn(Syntax::UnsafeAttribute)),
    f(82, "precise capturing (`use<..>`)", Syn(Syntax::PreciseCapturing)),
    f(82, "`std::iter::repeat_n`", Path(&["std::iter::repeat_n", "core::iter::repeat_n"])),
    f(82, "`Option::is_none_or`", Method("is_none_or", 1)),
    f(84, "`resolver = \"3\"`", Manifest(ManifestKey::ResolverV3)),
    f(85, "edition 2024", Ed(Edition::E2024)),
    f(85, "async closures", Syn(Syntax::AsyncClosure)),
    f(85, "`AsyncFn*` bounds", Syn(Syntax::AsyncFnBound)),
    f(87, "precise capturing (`use<..>`) in traits", Syn(Syntax::PreciseCapturingInTrait)),
    f(88, "let chains", Syn(Syntax::LetChains)),
    f(88, "`cfg(true)` / `cfg(false)`", Syn(Syntax::CfgBooleanLiterals)),
    f(95, "`if let` guards", Syn(Syntax::IfLetGuards)),
];

/// The feature detected as `detect`.
pub(crate) fn feature(detect: Detect) -> &'static Feature {
    FEATURES.iter().find(|f| f.detect == detect).unwrap_or(&FEATURES[0])
}

/// The newest release any feature needs: nothing is newer than a `rust-version` at or above it.
pub(crate) fn newest() -> Minor {
    FEATURES.iter().map(|f| f.minor).max().unwrap_or(0)
}

/// The release an edition needs.
pub(crate) fn edition_minor(edition: Edition) -> Minor {
    match edition {
        Edition::E2015 => 0,
        other => feature(Detect::Edition(other)).minor,
    }
}

/// The `minor` of a `rust-version` such as `1.70`, `1.70.0` or `1`; `None` when it is not a
/// 1.x version rustpro can read.
pub(crate) fn parse_rust_version(text: &str) -> Option<Minor> {
    let mut parts = text.trim().split('.');
    if parts.next()?.parse::<u32>().ok()? != 1 {
        return None;
    }
    match parts.next() {
        Some(minor) => minor.parse().ok(),
        None => Some(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_syntax_and_key_has_one_entry_and_the_table_is_sorted() {
        for (i, a) in FEATURES.iter().enumerate() {
            assert!(FEATURES[i + 1..].iter().all(|b| b.detect != a.detect), "{} twice", a.name);
        }
        assert!(FEATURES.windows(2).all(|w| w[0].minor <= w[1].minor), "sorted by version");
        assert!(FEATURES.len() >= 25);
        assert_eq!(feature(Detect::Syntax(Syntax::LetChains)).minor, 88);
        assert_eq!(edition_minor(Edition::E2024), 85);
        assert_eq!(edition_minor(Edition::E2015), 0);
    }

    #[test]
    fn reads_rust_versions() {
        assert_eq!(parse_rust_version("1.70"), Some(70));
        assert_eq!(parse_rust_version("1.65.0"), Some(65));
        assert_eq!(parse_rust_version(" 1.85 "), Some(85));
        assert_eq!(parse_rust_version("2.0"), None);
        assert_eq!(parse_rust_version("1.x"), None);
    }
}
