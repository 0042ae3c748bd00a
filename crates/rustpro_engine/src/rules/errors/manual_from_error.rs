use crate::declare_rule;
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::rule::{Deferred, FileCx, Rule, WorkspaceCx};
use crate::rules::errors::manual_error_impl::{error_rules_accept, error_rules_look_at, keep_error_fact};
use crate::rules::util::error_impls::{ErrorFact, FromFact, Member, TypeBody, TypeFact};
use crate::rules::util::error_plan::{Pieces, TypeRef, convert, edits_of};
use crate::source::parse::{GreenRef, SyntaxKind, SyntaxNode};

declare_rule! {
    /// ## What it does
    /// Finds hand-written `From<E>` impls for an error type (one that derives
    /// `thiserror::Error` or implements `std::error::Error`) whose `from` only wraps its
    /// argument in a variant (`Self::Io(e)`, `Error::Parse { source: e }`) or in a
    /// single-field struct. Impls in test code are left alone.
    ///
    /// ## Why is this bad?
    /// With thiserror, `#[from]` on the field writes the same impl and marks the field as
    /// the error's source in one word; a hand-written copy is boilerplate that can drift
    /// from the variant.
    ///
    /// ## Example
    /// ```rust
    /// #[derive(Debug, thiserror::Error)]
    /// pub enum LoadError {
    ///     #[error("cannot read the file")]
    ///     Io(#[source] std::io::Error),
    /// }
    ///
    /// impl From<std::io::Error> for LoadError {
    ///     fn from(e: std::io::Error) -> Self {
    ///         LoadError::Io(e)
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// #[derive(Debug, thiserror::Error)]
    /// pub enum LoadError {
    ///     #[error("cannot read the file")]
    ///     Io(#[from] std::io::Error),
    /// }
    /// ```
    ///
    /// ## Fix safety
    /// The fix (for a type that already derives `thiserror::Error`) adds `#[from]` to the
    /// field and deletes the impl. It is unsafe because it replaces code, and it is offered
    /// only when the result is the same: the variant has that one field, of the type the
    /// impl converts from, and the field already is the variant's source (`#[source]`, a
    /// field named `source`, or an `#[error(transparent)]` variant), since `#[from]` makes
    /// it one. For a type whose `Display` and `Error` impls are hand-written, the fix of
    /// `manual_error_impl` converts such `From` impls together with the type; the message
    /// says so, or why it cannot.
    pub struct ManualFromError {
        name: "manual_from_error",
        category: Errors,
        level: Warn,
        fix: Unsafe,
        clippy: [],
        summary: "a hand-written `From<E>` for an error type that `#[from]` writes",
        kinds: [STRUCT, ENUM, IMPL, SOURCE_FILE],
    }
}

impl Rule for ManualFromError {
    /// The kinds it reads, by their keywords.
    fn words(&self) -> Option<&'static [&'static str]> {
        Some(&["struct", "enum", "impl"])
    }

    /// Error types of production code only.
    fn looks_in_test_code(&self, _kind: SyntaxKind) -> bool {
        false
    }

    fn looks_at_kind(&self, kind: SyntaxKind, cx: &FileCx<'_>) -> bool {
        error_rules_look_at(kind, cx)
    }

    fn accepts(&self, node: GreenRef<'_>) -> bool {
        error_rules_accept(node)
    }

    fn check_node(&self, node: &SyntaxNode, cx: &mut FileCx<'_>) {
        keep_error_fact(node, cx, |fact| match fact {
            ErrorFact::From(from) => Some(format!(
                "`From<{}>` for `{}` only wraps the error in a field",
                from.source_ty, from.self_name
            )),
            _ => None,
        });
    }

    fn finish(&self, cx: &mut WorkspaceCx<'_>) {
        let items = cx.take_items();
        let pieces = Pieces::gather(&items);
        let mut out = Vec::new();
        for (index, (item, from)) in pieces.froms.iter().enumerate() {
            let Some(finding) = &item.finding else { continue };
            let Ok(type_ref) = pieces.type_of(item, &from.self_name, cx) else { continue };
            let ty = type_ref.fact;
            let mut finding = finding.clone();
            finding.fix = None;
            if ty.derives_thiserror {
                match from_fix(item, from, &type_ref) {
                    Ok(fix) => {
                        finding.help = Some("put `#[from]` on the field and delete the impl".to_owned());
                        finding.fix = Some(fix);
                    }
                    Err(reason) => finding.help = Some(format!("no automatic fix: {reason}")),
                }
                out.push(finding);
                continue;
            }
            let errors = pieces.errors_of(item, &from.self_name);
            let Some((error_item, error)) = errors.first() else { continue };
            let help = match convert(&pieces, error_item, error, cx) {
                // `Display` is derived some other way: the type is an error, not for thiserror.
                None => {
                    "with `#[derive(thiserror::Error)]`, `#[from]` on the field writes this impl".to_owned()
                }
                Some(Ok(conversion)) if conversion.froms.contains(&index) => format!(
                    "the fix of `manual_error_impl` for `{}` replaces this impl with `#[from]`",
                    from.self_name
                ),
                Some(Ok(_)) => format!(
                    "with `#[derive(thiserror::Error)]`, `#[from]` would not write the same: {}",
                    why_not_from(from, ty)
                ),
                Some(Err(reason)) => format!(
                    "`#[from]` needs `#[derive(thiserror::Error)]`, which `manual_error_impl` cannot add \
                     automatically: {reason}"
                ),
            };
            finding.help = Some(help);
            out.push(finding);
        }
        for finding in out {
            cx.report(*finding);
        }
    }
}

/// `#[from]` on the field of a type that derives `thiserror::Error`, or why not.
fn from_fix(item: &Deferred, from: &FromFact, type_ref: &TypeRef<'_>) -> Result<Fix, String> {
    let ty = type_ref.fact;
    if let Some(blocker) = from.blocker.as_ref().or(ty.blocker.as_ref()) {
        return Err(blocker.clone());
    }
    let fields =
        ty.fields_of(from.variant.as_deref()).ok_or("the impl builds something rustpro does not see")?;
    let transparent = match (&ty.body, &from.variant) {
        (TypeBody::Enum(variants), Some(name)) => variants.iter().any(|v| v.name == *name && v.transparent),
        _ => ty.transparent,
    };
    let field = fields
        .iter()
        .find(|f| f.member == from.member)
        .ok_or("the impl sets a field rustpro does not see")?;
    if field.from_attr {
        return Err("the field already has `#[from]`".to_owned());
    }
    if fields.len() != 1 || from.fields_set != 1 {
        return Err(format!("{}: `#[from]` needs a variant with that field only", why_not_from(from, ty)));
    }
    if field.ty != from.source_ty {
        return Err(format!("the field's type `{}` is not written as `{}`", field.ty, from.source_ty));
    }
    let is_source = transparent || field.source_attr || field.member == Member::Named("source".to_owned());
    if !is_source {
        return Err(
            "`#[from]` would also make the field the variant's source, which it is not now".to_owned()
        );
    }
    let anchor = type_ref.anchors.get(field.anchor).ok_or("the field cannot be located")?;
    let mut edits = vec![Edit { replacement: format!("#[from]{}", field.separator), ..anchor.clone() }];
    edits.extend(edits_of(item));
    Ok(Fix {
        title: "replace the `From` impl with `#[from]`".to_owned(),
        applicability: Applicability::Unsafe,
        edits,
    })
}

/// Why `#[from]` does not fit a hand-written error type that thiserror could derive.
fn why_not_from(from: &FromFact, ty: &TypeFact) -> String {
    let Some(fields) = ty.fields_of(from.variant.as_deref()) else {
        return "the impl builds something rustpro does not see".to_owned();
    };
    if fields.len() != 1 || from.fields_set != 1 {
        return "the variant has other fields".to_owned();
    }
    match fields.iter().find(|f| f.member == from.member) {
        Some(field) if field.ty != from.source_ty => {
            format!("the field's type `{}` is not written as `{}`", field.ty, from.source_ty)
        }
        _ => "`#[from]` also makes the field the source, which `source()` does not return".to_owned(),
    }
}
