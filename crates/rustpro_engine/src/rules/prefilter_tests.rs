//! The rules' green-tree prefilters (`Rule::accepts`): each must let through every node its
//! rule reports on, and is worth having only if it turns down the common ones.

use crate::project::Edition;
use crate::rule::Rule;
use crate::source::parse::{AstNode, SyntaxKind, ast, parse_file, with_green};

/// Whether `rule` accepts the first node of `kind` in `text` (function bodies aside).
fn accepts(rule: &dyn Rule, text: &str, kind: SyntaxKind) -> bool {
    let root = parse_file(text, Edition::E2021).root;
    let is_body = |n: &crate::source::parse::SyntaxNode| {
        n.kind() == K::BLOCK_EXPR && n.parent().is_some_and(|p| p.kind() == K::FN)
    };
    let node = root.descendants().find(|n| n.kind() == kind && !is_body(n));
    let node = node.unwrap_or_else(|| panic!("no {kind:?} in {text}"));
    with_green(&node, |green| rule.accepts(green))
}

/// `(source, kind, accepted)` for one rule.
fn check(rule: &dyn Rule, cases: &[(&str, SyntaxKind, bool)]) {
    for (text, kind, expected) in cases {
        assert_eq!(accepts(rule, text, *kind), *expected, "{} on `{text}`", rule.meta().name);
    }
}

use SyntaxKind as K;

#[test]
fn method_call_rules_accept_their_method_names() {
    use crate::rules::async_code::lock_across_await::LockAcrossAwait;
    use crate::rules::errors::expect_in_production::ExpectInProduction;
    use crate::rules::errors::unwrap_in_production::UnwrapInProduction;
    let unwrap = [
        ("fn f() { x.unwrap(); }", K::METHOD_CALL_EXPR, true),
        ("fn f() { x.y.unwrap_err(); }", K::METHOD_CALL_EXPR, true),
        ("fn f() { x.unwrap_or(1); }", K::METHOD_CALL_EXPR, false),
        ("fn f() { unwrap.map(f); }", K::METHOD_CALL_EXPR, false),
    ];
    check(&UnwrapInProduction, &unwrap);
    let expect = [
        ("fn f() { x.expect(\"x\"); }", K::METHOD_CALL_EXPR, true),
        ("fn f() { x.expect_err(\"x\"); }", K::METHOD_CALL_EXPR, true),
        ("fn f() { x.unwrap(); }", K::METHOD_CALL_EXPR, false),
    ];
    check(&ExpectInProduction, &expect);
    let lock = [
        ("fn f() { m.lock(); }", K::METHOD_CALL_EXPR, true),
        ("fn f() { m.write(); }", K::METHOD_CALL_EXPR, true),
        ("fn f() { m.get(); }", K::METHOD_CALL_EXPR, false),
    ];
    check(&LockAcrossAwait, &lock);
}

#[test]
fn expression_rules_accept_their_shapes() {
    use crate::rules::api::clone_then_borrow::CloneThenBorrow;
    use crate::rules::errors::ignored_error::IgnoredError;
    use crate::rules::errors::panic_in_library::PanicInLibrary;
    use crate::rules::unsafe_code::undocumented_unsafe_block::UndocumentedUnsafeBlock;
    let clone = [
        ("fn f() { g(&x.clone()); }", K::REF_EXPR, true),
        ("fn f() { g(&x.to_string()); }", K::REF_EXPR, true),
        ("fn f() { g(&x); }", K::REF_EXPR, false),
        ("fn f() { g(&x.len()); }", K::REF_EXPR, false),
    ];
    check(&CloneThenBorrow, &clone);
    let ignored = [
        ("fn f() { if let Ok(x) = g() {} }", K::IF_EXPR, true),
        ("fn f() { if a && let Ok(x) = g() {} }", K::IF_EXPR, true),
        ("fn f() { if a {} }", K::IF_EXPR, false),
        ("fn f() { g().ok(); }", K::EXPR_STMT, true),
        ("fn f() { g().unwrap(); }", K::EXPR_STMT, false),
    ];
    check(&IgnoredError, &ignored);
    let panics = [
        ("fn f() { panic!(\"x\") }", K::MACRO_CALL, true),
        ("fn f() { std::todo!() }", K::MACRO_CALL, true),
        ("fn f() { println!(\"x\") }", K::MACRO_CALL, false),
    ];
    check(&PanicInLibrary, &panics);
    let unsafe_blocks = [
        ("fn f() { unsafe { g() } }", K::BLOCK_EXPR, true),
        ("fn f() { { g() } }", K::BLOCK_EXPR, false),
        ("macro_rules! m { () => {} }", K::MACRO_RULES, true),
    ];
    check(&UndocumentedUnsafeBlock, &unsafe_blocks);
}

#[test]
fn path_rules_accept_their_names() {
    use crate::rules::api::shared_string_buffer::SharedStringBuffer;
    use crate::rules::async_code::blocking_in_async::BlockingInAsync;
    use crate::rules::manifest::axum_route_syntax::AxumRouteSyntax;
    let shared = [
        ("fn f(x: Arc<String>) {}", K::PATH_TYPE, true),
        ("fn f(x: std::rc::Rc<Vec<u8>>) {}", K::PATH_TYPE, true),
        ("fn f(x: Vec<u8>) {}", K::PATH_TYPE, false),
        ("fn f() { Arc::make_mut(&mut x); }", K::PATH_EXPR, true),
        ("fn f() { Arc::new(x); }", K::PATH_EXPR, false),
    ];
    check(&SharedStringBuffer, &shared);
    let blocking = [
        ("fn f() { std::thread::sleep(d); }", K::CALL_EXPR, true),
        ("fn f() { (g)(d); }", K::CALL_EXPR, false),
        ("fn f() { x.read(b); }", K::METHOD_CALL_EXPR, true),
    ];
    check(&BlockingInAsync, &blocking);
    let axum = [
        ("fn f() { r.route(\"/:id\", g); }", K::METHOD_CALL_EXPR, true),
        ("fn f() { r.layer(g); }", K::METHOD_CALL_EXPR, false),
        ("fn f() { axum::Server::bind(a); }", K::PATH_EXPR, true),
        ("fn f() { axum::serve(a); }", K::PATH_EXPR, false),
    ];
    check(&AxumRouteSyntax, &axum);
}

#[test]
fn string_error_accepts_public_results_that_may_carry_text() {
    use crate::rules::errors::string_error::StringError;
    let cases = [
        ("pub fn a() -> Result<u8, String> {}", K::FN, true),
        ("pub fn b() -> Result<u8, &'static str> {}", K::FN, true),
        ("pub fn c() -> std::result::Result<(), Box<dyn Error + Send>> {}", K::FN, true),
        ("pub fn d() -> Result<u8, std::string::String> {}", K::FN, true),
        ("pub fn e() -> io::Result<()> {}", K::FN, false),
        ("pub fn f() -> Result<String, Error> {}", K::FN, true),
        ("pub fn g() -> String {}", K::FN, false),
        ("pub fn h(s: String) -> Result<(), E> {}", K::FN, false),
        ("pub fn i() {}", K::FN, false),
        ("fn j() -> Result<u8, String> {}", K::FN, false),
        ("pub type R<T> = Result<T, String>;", K::TYPE_ALIAS, true),
        ("pub type S = Result<u8, Error>;", K::TYPE_ALIAS, false),
        ("pub type T = Box<u8>;", K::TYPE_ALIAS, false),
    ];
    check(&StringError, &cases);
}

#[test]
fn error_rules_accept_trait_impls_and_the_imports_they_may_leave() {
    use crate::rules::errors::manual_error_impl::ManualErrorImpl;
    use crate::rules::errors::manual_from_error::ManualFromError;
    let items = [
        ("impl fmt::Display for A {}", K::IMPL, true),
        ("impl<T> From<T> for A {}", K::IMPL, true),
        ("impl Iterator for A {}", K::IMPL, true),
        ("impl A { fn f() {} }", K::IMPL, false),
        ("impl !Error for A {}", K::IMPL, false),
        ("struct A;", K::STRUCT, true),
        ("enum A {}", K::ENUM, true),
    ];
    check(&ManualErrorImpl, &items);
    check(&ManualFromError, &items);
    let imports = [
        ("use std::fmt;", K::USE, true),
        ("use core::error::Error as E;", K::USE, true),
        ("use std::{fmt::{self, Display}, io};", K::USE, true),
        ("use {std::fmt};", K::USE, false),
        ("use ::std::fmt::Formatter;", K::USE, true),
        ("use std::io;", K::USE, false),
        ("pub use std::fmt;", K::USE, false),
        ("#[cfg(x)] use std::fmt;", K::USE, false),
        ("use anyhow::Error;", K::USE, false),
    ];
    check(&ManualErrorImpl, &imports);
}

#[test]
fn feature_rules_accept_what_may_use_a_feature() {
    use crate::rules::manifest::missing_rust_version::MissingRustVersion;
    use crate::rules::manifest::rust_version_too_low::RustVersionTooLow;
    let cases = [
        ("fn f() { std::sync::LazyLock::new(g); }", K::PATH, true),
        ("fn f() { std::vec::Vec::new(); }", K::PATH, false),
        ("fn f() { x.is_some_and(g); }", K::METHOD_CALL_EXPR, true),
        ("fn f() { x.is_some(); }", K::METHOD_CALL_EXPR, false),
        ("fn f() { println!(\"{x}\"); }", K::MACRO_CALL, true),
        ("fn f() { vec![1]; }", K::MACRO_CALL, false),
        ("#[expect(dead_code)] fn f() {}", K::ATTR, true),
        ("#[inline] fn f() {}", K::ATTR, false),
        ("fn f() { const { 1 }; }", K::BLOCK_EXPR, true),
        ("fn f() { 'a: { 1 }; }", K::BLOCK_EXPR, true),
        ("fn f() { async { 1 }; }", K::BLOCK_EXPR, true),
        ("fn f() { { 1 }; }", K::BLOCK_EXPR, false),
        ("fn f() { async || 1; }", K::CLOSURE_EXPR, true),
        ("fn f() { || 1; }", K::CLOSURE_EXPR, false),
        ("fn f() { &raw const x; }", K::REF_EXPR, true),
        ("fn f() { &x; }", K::REF_EXPR, false),
        ("fn f() { c\"x\"; }", K::LITERAL, true),
        ("fn f() { \"x\"; }", K::LITERAL, false),
        ("fn f() { (a, b) = g(); }", K::BIN_EXPR, true),
        ("fn f() { a = g(); }", K::BIN_EXPR, false),
        ("fn f() { (a, b) == g(); }", K::BIN_EXPR, false),
        ("fn f() { match x { 1..5 => {} } }", K::RANGE_PAT, true),
        ("fn f() { match x { 1..=5 => {} } }", K::RANGE_PAT, false),
        ("trait T { type A<'a>; }", K::TYPE_ALIAS, true),
        ("trait T { type A; }", K::TYPE_ALIAS, false),
        ("unsafe extern \"C\" {}", K::EXTERN_BLOCK, true),
        ("extern \"C\" {}", K::EXTERN_BLOCK, false),
        ("fn f() { let Some(x) = y else { return }; }", K::LET_ELSE, true),
    ];
    check(&RustVersionTooLow, &cases);
    check(&MissingRustVersion, &cases);
}

/// Every node a rule with words accepts holds one of them or a mark (see `Rule::words`), in
/// every fixture and in code that uses each kind of feature without naming an item: else
/// the walk would pass over a macro argument that holds such a node. A node that is part of
/// an expression, statement or item (a `use` tree, the `else` of a `let`) is read with the
/// smallest one that holds it: a macro argument holds that one whole.
#[test]
fn words_cover_every_node_their_rule_accepts() {
    use crate::rule::walk::{Words, may_matter};
    let texts = fixture_texts();
    let roots: Vec<_> = texts.iter().map(|text| parse_file(text, Edition::E2021).root).collect();
    for rule in crate::registry::all() {
        let Some(named) = rule.words() else { continue };
        let named = named.iter().map(|word| (*word, 1)).collect();
        let words = Words::new(&named, 1, rule.marks());
        for node in roots.iter().flat_map(|root| root.descendants()) {
            // A macro argument is an expression or items, never a file.
            if node.kind() == K::SOURCE_FILE || !rule.node_kinds().contains(&node.kind()) {
                continue;
            }
            if with_green(&node, |green| rule.accepts(green)) {
                let whole = node.ancestors().find(|n| {
                    ast::Expr::can_cast(n.kind())
                        || ast::Stmt::can_cast(n.kind())
                        || ast::Item::can_cast(n.kind())
                });
                let text = whole.unwrap_or(node).text().to_string();
                assert!(
                    may_matter(&text, &words),
                    "{} accepts `{text}`, which holds none of its words",
                    rule.meta().name
                );
            }
        }
    }
}

/// A rule that does not look at a kind in test code (`Rule::looks_in_test_code`) does
/// nothing with a node of that kind there: over every fixture, each such node checked in
/// test code (inside `#[cfg(test)]` of a library, and in a file of a test target) reports
/// nothing and keeps nothing (findings, facts for the workspace stage, the toolchain the
/// file needs). Each rule that claims it must report or keep something at
/// some of those nodes in production code, or the fixtures would prove nothing.
#[test]
fn rules_that_skip_test_code_do_nothing_there() {
    use crate::project::TargetKind;
    use crate::rule::FileCx;
    let texts = fixture_texts();
    let roots: Vec<_> = texts.iter().map(|text| parse_file(text, Edition::E2021).root).collect();
    // With and without a `rust-version`: the two rules about it need one or the other.
    let mut declared = crate::rule::walk::tests::package();
    declared.rust_version = Some("1.56".to_owned());
    let packages = [crate::rule::walk::tests::package(), declared];
    let path = std::path::Path::new("/p/src/lib.rs");
    let mut claiming = 0;
    for rule in crate::registry::all() {
        let skipped: Vec<SyntaxKind> =
            rule.node_kinds().iter().copied().filter(|kind| !rule.looks_in_test_code(*kind)).collect();
        if skipped.is_empty() {
            continue;
        }
        claiming += 1;
        let mut in_production = 0;
        for (text, root) in texts.iter().zip(&roots) {
            let nodes: Vec<_> = root.descendants().filter(|node| skipped.contains(&node.kind())).collect();
            for package in &packages {
                // (target, in test code, whether the rule may act)
                for (target, in_test, acts) in [
                    (TargetKind::Lib, false, true),
                    (TargetKind::Lib, true, false),
                    (TargetKind::Test, false, false),
                ] {
                    let mut cx = FileCx::new(path, package, target, root, in_test, Vec::new(), rule.meta());
                    cx.text = text;
                    for node in &nodes {
                        rule.check_node(node, &mut cx);
                        let kept_fact = cx.facts.required_rust.take().is_some();
                        let did = cx.raw.len() + cx.deferred.len() + usize::from(kept_fact);
                        assert!(
                            acts || did == 0,
                            "{} acts on a {:?} in test code: `{}`",
                            rule.meta().name,
                            node.kind(),
                            node.text()
                        );
                        in_production += did;
                        cx.raw.clear();
                        cx.deferred.clear();
                    }
                }
            }
        }
        assert!(in_production > 0, "{} acts on no node of the fixtures", rule.meta().name);
    }
    assert!(claiming >= 10, "{claiming} rules skip test code");
}

/// The text of every fixture, and code that uses each kind of feature without naming an
/// item (what words and marks are for).
fn fixture_texts() -> Vec<String> {
    let mut files = Vec::new();
    list_rs(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"), &mut files);
    assert!(files.len() > 100, "fixtures not found");
    let mut texts: Vec<String> = files.iter().filter_map(|path| std::fs::read_to_string(path).ok()).collect();
    texts.extend(
        [
            "fn f() { 'a: { break 'a 1 }; match x { 1.. => {} } (a, b) = g(); }",
            "fn f() { let _ = c\"x\"; let _ = cr\"y\"; let _ = cr#\"z\"#; let _ = &raw const x; }",
            "fn f(g: impl AsyncFnMut()) { async || 1; const { 1 }; async { 1 }; }",
            "fn f() -> impl Iterator<Item: Copy> { x } type A<'a> = B; unsafe extern \"C\" {}",
            "fn f() { if let Some(x) = y && x > 1 {} let Some(z) = w else { return }; }",
            "fn f<const N: usize>() -> impl Sized + use<'a> { x.is_some_and(g); println!(\"{x}\") }",
            "use std::io::IsTerminal; fn f() { std::hint::black_box(1); x.ok(); }",
            "unsafe impl Send for X {} unsafe fn g() {} unsafe trait T {} fn h() { unsafe { 1 }; }",
            "fn f() { Arc::make_mut(&mut a); let b: Rc<String> = c; app.route(\"/\", g); Server::bind(a); }",
            "#[diagnostic::on_unimplemented(message = \"x\")] trait T { async fn f(); fn g() -> impl Sized; }",
            "#[unsafe(no_mangle)] fn f() { match x { Some(y) if let Ok(z) = g(y) => {} _ => {} } }",
            "#[cfg(true)] fn f() {} #[derive(Default)] enum E { #[default] A } #[expect(unused)] fn g() {}",
            "use std::task::ready; fn f() { std::iter::zip(a, b); std::pin::pin!(x); x.then_some(1); }",
        ]
        .map(str::to_owned),
    );
    texts
}

/// The walk passes over nodes of the kinds it takes to hold tokens only, without looking
/// under them (`TOKENS_ONLY`): over every fixture, the code above, the fuzzing crashes and
/// code with syntax errors, in every edition, no node of those kinds holds a node.
#[test]
fn kinds_taken_to_hold_tokens_only_hold_no_node() {
    use crate::rule::walk::TOKENS_ONLY;
    let mut texts = fixture_texts();
    let crashes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/robustness");
    let entries = std::fs::read_dir(crashes).expect("the fuzzing crashes");
    texts.extend(
        entries
            .filter_map(|entry| std::fs::read(entry.ok()?.path()).ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    );
    texts.extend(
        [
            "fn f( { let x = ; 'a: x::<>.y:: } struct S { a: , 'b } impl for {}",
            "fn f() -> ! { extern \"C\" fn g(_: _, #[a] 'b: u8) {} } #[cfg(all(x = , , y))] mod m",
            "fn 'a f<'b, 'static>(self: Self, crate::x) { r#fn; super::super; match _ { _ => ! } }",
            "use {a, ::b::{self as c, d::*, e as _}}; extern crate self as x; type T = impl;",
        ]
        .map(str::to_owned),
    );
    let mut seen = 0;
    for edition in [Edition::E2015, Edition::E2018, Edition::E2021, Edition::E2024] {
        for text in &texts {
            let root = parse_file(text, edition).root;
            for node in root.descendants().filter(|node| TOKENS_ONLY.contains(&node.kind())) {
                seen += 1;
                assert!(node.first_child().is_none(), "{:?} holds a node: {node:#?}", node.kind());
            }
        }
    }
    // Every kind of the list was seen.
    for kind in TOKENS_ONLY {
        let present = texts
            .iter()
            .any(|text| parse_file(text, Edition::E2021).root.descendants().any(|node| node.kind() == *kind));
        assert!(present, "no node of {kind:?} in the texts");
    }
    assert!(seen > 10_000, "{seen}");
}

/// A rule that looks at a kind in a file only from some toolchain on (see
/// `Rule::looks_at_kind`) must look at every kind where a feature newer than its floor is
/// found: over every fixture and the code above, in editions 2021 and 2024, each feature
/// found at a node is one that `newer_at` counts for the node's kind.
#[test]
fn features_are_found_only_at_the_kinds_counted_for_them() {
    use crate::rules::util::feature_use::{FEATURE_KINDS, detect, newer_at};
    let texts = fixture_texts();
    let mut found = 0;
    for edition in [Edition::E2021, Edition::E2024] {
        let mut package = crate::rule::walk::tests::package();
        package.edition = edition;
        for text in &texts {
            let root = parse_file(text, edition).root;
            let path = std::path::Path::new("/p/src/lib.rs");
            let meta = crate::registry::all()[0].meta();
            let lib = crate::project::TargetKind::Lib;
            let mut cx = crate::rule::FileCx::new(path, &package, lib, &root, false, Vec::new(), meta);
            cx.text = text;
            for node in root.descendants().filter(|node| FEATURE_KINDS.contains(&node.kind())) {
                let Some((feature, _)) = detect(&node, &cx, 0) else { continue };
                found += 1;
                assert!(
                    newer_at(node.kind(), feature.minor - 1),
                    "{} found at a {:?}: `{}`",
                    feature.name,
                    node.kind(),
                    node.text()
                );
            }
        }
    }
    assert!(found > 100, "{found} features found");
    // Format string captures are 1.58: every `println!` of a package promising 1.58 or later
    // is passed over.
    assert!(newer_at(K::MACRO_CALL, 57) && !newer_at(K::MACRO_CALL, 58));
    assert!(newer_at(K::PATH, 84) && !newer_at(K::PATH, 85));
    assert!(!newer_at(K::IMPL, 0));
}

fn list_rs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            list_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}
