//! The workspace stage of the error rules: the pieces of one hand-written error type (the
//! type, its `Display`, `Error` and `From` impls, possibly in different files) put together
//! into `#[derive(thiserror::Error)]` attributes, when thiserror writes exactly what the
//! hand-written impls do.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::error_impls::{
    Arg, Arms, ErrorFact, FieldFact, FromFact, ImplFact, Member, Message, MessageBody, Piece, SourceBody,
    SourceValue, TypeBody, TypeFact, UnreadAt, VariantPat, read_unread_type, string_literal,
};
use crate::diagnostic::{Edit, Fix};
use crate::fix::manifest::{edit_manifest, table_at};
use crate::project::{DependencyKind, Edition, Package, workspace_dependencies};
use crate::rule::{Deferred, Lazy, WorkspaceCx};

/// Every error fact of one workspace, by kind.
pub(crate) struct Pieces<'a> {
    /// Every type, by name (the rest of its facts decoded, or read again, for the types
    /// asked for).
    types: Vec<(&'a Deferred, &'a str, TypeSource<'a>)>,
    /// Where in `types` the types of each package and name are, in order, made on the first
    /// ask: a workspace may have tens of thousands of types, and each impl asks for its own.
    types_named: OnceLock<HashMap<(usize, &'a str), Vec<usize>>>,
    pub displays: Vec<(&'a Deferred, &'a ImplFact<MessageBody>)>,
    pub errors: Vec<(&'a Deferred, &'a ImplFact<SourceBody>)>,
    pub froms: Vec<(&'a Deferred, &'a FromFact)>,
    no_std: HashSet<usize>,
    /// Per package: the `thiserror` dependency to add, worked out once (editing the manifest
    /// costs a TOML parse and print).
    dependencies: RefCell<HashMap<usize, Result<Option<Edit>, String>>>,
}

/// Where a type's facts are: kept by the file walk, or, for a type the walk kept unread
/// (see `error_impls::read_named_types`), where it lies, read again on the first ask. `None` there: the file changed since, or the type
/// does not read (as the walk would not have kept it).
enum TypeSource<'a> {
    Kept(&'a Lazy<TypeFact>),
    Unread(UnreadAt, OnceLock<Option<Box<(TypeFact, Fix)>>>),
}

/// A type of the package, with the edits it was kept with (anchors where fixes insert).
pub(crate) struct TypeRef<'p> {
    pub item: &'p Deferred,
    pub fact: &'p TypeFact,
    pub anchors: &'p [Edit],
}

impl<'a> Pieces<'a> {
    pub fn gather(items: &'a [Deferred]) -> Pieces<'a> {
        let mut pieces = Pieces {
            types: Vec::new(),
            types_named: OnceLock::new(),
            displays: Vec::new(),
            errors: Vec::new(),
            froms: Vec::new(),
            no_std: HashSet::new(),
            dependencies: RefCell::new(HashMap::new()),
        };
        for item in items {
            match item.data.get::<ErrorFact>() {
                Some(ErrorFact::Type { name, fact }) => {
                    pieces.types.push((item, name, TypeSource::Kept(fact)))
                }
                Some(ErrorFact::Unread { name, at }) => {
                    pieces.types.push((item, name, TypeSource::Unread(*at, OnceLock::new())));
                }
                Some(ErrorFact::UnreadTypes(types)) => {
                    for (name, at) in types.iter() {
                        pieces.types.push((item, name, TypeSource::Unread(at, OnceLock::new())));
                    }
                }
                Some(ErrorFact::Display(d)) => pieces.displays.push((item, d)),
                Some(ErrorFact::Error(e)) => pieces.errors.push((item, e)),
                Some(ErrorFact::From(f)) => pieces.froms.push((item, f)),
                Some(ErrorFact::NoStd) => {
                    pieces.no_std.insert(item.package);
                }
                None => {}
            }
        }
        pieces
    }

    /// The type an impl in `item`'s package names: the one in the same file, else the only
    /// one of the package with that name. Types kept unread are read again only as far as
    /// the answer needs.
    pub fn type_of<'p>(
        &'p self,
        item: &Deferred,
        name: &str,
        cx: &WorkspaceCx<'_>,
    ) -> Result<TypeRef<'p>, String> {
        let types_named = self.types_named.get_or_init(|| {
            let mut named: HashMap<(usize, &'a str), Vec<usize>> = HashMap::new();
            for (index, (item, name, _)) in self.types.iter().enumerate() {
                named.entry((item.package, *name)).or_default().push(index);
            }
            named
        });
        let candidates: Vec<_> = types_named
            .get(&(item.package, name))
            .into_iter()
            .flatten()
            .filter_map(|&index| self.types.get(index))
            .map(|(t, _, source)| (*t, source))
            .collect();
        // A type kept unread that does not read again is not there, as the walk would not
        // have kept it; one kept read always is.
        let read = |(t, source): (&'a Deferred, &'p TypeSource<'a>)| -> Option<Result<TypeRef<'p>, String>> {
            let (fact, anchors) = match source {
                TypeSource::Kept(fact) => (fact.get(), t.edits().map(|f| f.edits.as_slice())),
                TypeSource::Unread(at, read) => {
                    let read = read
                        .get_or_init(|| {
                            cx.read_again(&t.path, t.package, |file| read_unread_type(*at, file))
                                .map(Box::new)
                        })
                        .as_deref()?;
                    (Some(&read.0), Some(read.1.edits.as_slice()))
                }
            };
            Some(
                fact.map(|fact| TypeRef { item: t, fact, anchors: anchors.unwrap_or_default() })
                    .ok_or_else(|| format!("the facts about `{name}` do not read back")),
            )
        };
        let same_file = candidates.iter().filter(|(t, _)| t.path == item.path);
        if let Some(found) = same_file.filter_map(|candidate| read(*candidate)).next() {
            return found;
        }
        // Two types that are there settle it: the rest need not be read.
        let mut there = candidates.iter().filter_map(|candidate| read(*candidate));
        match (there.next(), there.next()) {
            (Some(one), None) => one,
            (None, _) => {
                Err(format!("rustpro does not see the definition of `{name}` (a macro may generate it)"))
            }
            (Some(_), Some(_)) => Err(format!("the package defines several types named `{name}`")),
        }
    }

    /// The hand-written `Display` impls of the type named `name` in `item`'s package.
    pub fn displays_of(&self, item: &Deferred, name: &str) -> Vec<(&'a Deferred, &'a ImplFact<MessageBody>)> {
        self.displays
            .iter()
            .filter(|(d, fact)| d.package == item.package && fact.self_name == name)
            .copied()
            .collect()
    }

    pub fn errors_of(&self, item: &Deferred, name: &str) -> Vec<(&'a Deferred, &'a ImplFact<SourceBody>)> {
        self.errors
            .iter()
            .filter(|(e, fact)| e.package == item.package && fact.self_name == name)
            .copied()
            .collect()
    }
}

/// What thiserror writes for one variant (or the struct).
#[derive(Debug)]
pub(crate) struct VariantPlan {
    /// `#[error("..")]` (the literal) or `#[error(transparent)]` (`None`).
    pub message: Option<String>,
    /// The field that gets `#[source]`.
    pub source: Option<Member>,
    /// The field that gets `#[from]`, with the index of the `From` fact it replaces.
    pub from: Option<(Member, usize)>,
}

/// The conversion of one type: its fix, and which `From` impls it takes along.
pub(crate) struct Conversion {
    pub fix: Fix,
    pub froms: Vec<usize>,
}

/// Converts the type whose `Error` impl is `error_item`; `Err` says why it cannot be exact.
/// `Ok(None)`: the type has no hand-written `Display`, so there is nothing to report.
pub(crate) fn convert(
    pieces: &Pieces<'_>,
    error_item: &Deferred,
    error: &ImplFact<SourceBody>,
    cx: &WorkspaceCx<'_>,
) -> Option<Result<Conversion, String>> {
    let name = &error.self_name;
    let mut displays = pieces.displays_of(error_item, name);
    // Several types of a package may share a name (`Error` in many modules): the impls in
    // the file of the `Error` impl, or else of the type, are the ones.
    if displays.len() > 1 {
        let type_path = pieces.type_of(error_item, name, cx).ok().map(|t| t.item.path.clone());
        let near: Vec<_> = displays.iter().filter(|(d, _)| d.path == error_item.path).copied().collect();
        let near = if near.is_empty() {
            displays.iter().filter(|(d, _)| Some(&d.path) == type_path.as_ref()).copied().collect()
        } else {
            near
        };
        if !near.is_empty() {
            displays = near;
        }
    }
    let (display_item, display) = *displays.first()?;
    Some(convert_with(pieces, error_item, error, display_item, display, displays.len(), cx))
}

fn convert_with(
    pieces: &Pieces<'_>,
    error_item: &Deferred,
    error: &ImplFact<SourceBody>,
    display_item: &Deferred,
    display: &ImplFact<MessageBody>,
    display_count: usize,
    cx: &WorkspaceCx<'_>,
) -> Result<Conversion, String> {
    let name = &error.self_name;
    let errors = pieces.errors_of(error_item, name);
    let same_file_errors = errors.iter().filter(|(e, _)| e.path == error_item.path).count();
    if display_count > 1 || same_file_errors > 1 || (errors.len() > 1 && display_item.path != error_item.path)
    {
        return Err(format!("`{name}` has more than one `Display` or `Error` impl (under `cfg`?)"));
    }
    let type_ref = pieces.type_of(error_item, name, cx)?;
    let (type_item, ty) = (type_ref.item, type_ref.fact);
    if let Some(blocker) = [&ty.blocker, &display.blocker, &error.blocker].into_iter().flatten().next() {
        return Err(blocker.clone());
    }
    if ty.derives_thiserror {
        return Err(format!("`{name}` derives `thiserror::Error` and implements the traits by hand too"));
    }
    let package = &cx.packages()[type_item.package];
    if package.edition == Edition::E2015 {
        return Err("the package uses edition 2015, where `thiserror::Error` needs `extern crate thiserror`"
            .to_owned());
    }
    if pieces.no_std.contains(&type_item.package) {
        return Err("the crate is `no_std`: add `thiserror` without its default features and derive by hand"
            .to_owned());
    }
    let dependency = pieces
        .dependencies
        .borrow_mut()
        .entry(type_item.package)
        .or_insert_with(|| thiserror_dependency(package, cx.workspace_manifest_text(package)))
        .clone()?;
    let messages = display.body.as_ref().map_err(Clone::clone)?;
    let sources = error.body.as_ref().map_err(Clone::clone)?;
    let froms: Vec<(usize, &Deferred, &FromFact)> = pieces
        .froms
        .iter()
        .enumerate()
        .filter(|(_, (item, fact))| item.package == type_item.package && fact.self_name == *name)
        .map(|(i, (item, fact))| (i, *item, *fact))
        .collect();
    let plans = plan(ty, messages, sources, &froms)?;
    let mut fix = Fix {
        title: format!("derive `thiserror::Error` for `{name}`"),
        applicability: crate::diagnostic::Applicability::Unsafe,
        edits: Vec::new(),
    };
    let anchors = type_ref.anchors;
    let mut put = |index: usize, text: String| {
        if let Some(anchor) = anchors.get(index) {
            fix.edits.push(Edit { replacement: text, ..anchor.clone() });
        }
    };
    let mut item_start = String::new();
    match &ty.derive_separator {
        Some(separator) => put(1, format!("{separator}thiserror::Error")),
        None => item_start.push_str(&format!("#[derive(thiserror::Error)]{}", ty.separator)),
    }
    let mut converted = Vec::new();
    let mut field_attrs = |fields: &[FieldFact], plan: &VariantPlan, put: &mut dyn FnMut(usize, String)| {
        for field in fields {
            let attr = match (&plan.from, &plan.source) {
                (Some((member, index)), _) if *member == field.member => {
                    converted.push(*index);
                    "#[from]"
                }
                (_, Some(member))
                    if *member == field.member && field.member != Member::Named("source".into()) =>
                {
                    "#[source]"
                }
                _ => continue,
            };
            put(field.anchor, format!("{attr}{}", field.separator));
        }
    };
    match &ty.body {
        TypeBody::Struct(fields) => {
            let plan = &plans[0];
            item_start.push_str(&format!("{}{}", error_attr(plan), ty.separator));
            field_attrs(fields, plan, &mut put);
        }
        TypeBody::Enum(variants) => {
            for (variant, plan) in variants.iter().zip(&plans) {
                put(variant.anchor, format!("{}{}", error_attr(plan), variant.separator));
                field_attrs(&variant.fields, plan, &mut put);
            }
        }
    }
    put(0, item_start);
    for item in [display_item, error_item]
        .into_iter()
        .chain(converted.iter().filter_map(|i| pieces.froms.get(*i).map(|(item, _)| *item)))
    {
        fix.edits.extend(edits_of(item));
    }
    fix.edits.extend(dependency);
    fix.edits.retain(|e| !(e.range.is_empty() && e.replacement.is_empty()));
    Ok(Conversion { fix, froms: converted })
}

/// The edits a fact was kept with: those of its finding's fix for a reported fact.
pub(crate) fn edits_of(item: &Deferred) -> Vec<Edit> {
    let fix = item.edits().or_else(|| item.finding.as_ref().and_then(|f| f.fix.as_ref()));
    fix.map(|f| f.edits.clone()).unwrap_or_default()
}

fn error_attr(plan: &VariantPlan) -> String {
    match &plan.message {
        Some(literal) => format!("#[error({literal})]"),
        None => "#[error(transparent)]".to_owned(),
    }
}

/// The `thiserror` dependency to add (`None`: the package has it), or why it cannot be.
fn thiserror_dependency(package: &Package, workspace_text: Option<&str>) -> Result<Option<Edit>, String> {
    let normal: Vec<_> = package
        .dependencies
        .iter()
        .filter(|d| d.package_name() == "thiserror" && d.kind == DependencyKind::Normal)
        .collect();
    if normal.iter().any(|d| d.name != "thiserror") {
        return Err("`thiserror` is renamed in `Cargo.toml`; its derive needs the crate under its own name"
            .to_owned());
    }
    if normal.iter().any(|d| d.optional) {
        return Err("`thiserror` is an optional dependency".to_owned());
    }
    if normal.iter().any(|d| d.target.is_none()) {
        return Ok(None);
    }
    if !normal.is_empty() {
        return Err("`thiserror` is a dependency for some targets only".to_owned());
    }
    let inherit =
        workspace_text.is_some_and(|text| workspace_dependencies(text).iter().any(|d| d.name == "thiserror"));
    let edit = edit_manifest(&package.manifest_path, &package.manifest_text, |doc| {
        let Some(table) = table_at(doc.as_table_mut(), &["dependencies"]) else { return false };
        if table.contains_key("thiserror") {
            return false;
        }
        if inherit {
            let mut inline = toml_edit::InlineTable::new();
            inline.insert("workspace", toml_edit::Value::from(true));
            inline.set_dotted(true);
            table.insert("thiserror", toml_edit::Item::Value(toml_edit::Value::InlineTable(inline)));
        } else {
            table.insert("thiserror", toml_edit::value("2"));
        }
        true
    });
    edit.map(Some).ok_or_else(|| "`Cargo.toml` cannot be edited".to_owned())
}

/// What thiserror must write for each variant (one plan for a struct).
fn plan(
    ty: &TypeFact,
    messages: &MessageBody,
    sources: &SourceBody,
    froms: &[(usize, &Deferred, &FromFact)],
) -> Result<Vec<VariantPlan>, String> {
    let name = &ty.name;
    let mut out = Vec::new();
    match &ty.body {
        TypeBody::Struct(fields) => {
            let Arms::Whole(message) = messages else {
                return Err("`Display` matches on the struct".to_owned());
            };
            let source = match sources {
                None => SourceValue::None,
                Some(Arms::Whole(value)) => value.clone(),
                Some(Arms::Match(_)) => return Err("`source()` matches on the struct".to_owned()),
            };
            let source = resolve_source(&source, &[], fields, true)?;
            out.push(variant_plan(None, fields, &[], message, &source, froms, true)?);
        }
        TypeBody::Enum(variants) => {
            if variants.is_empty() {
                return Err(format!("`{name}` has no variants"));
            }
            for variant in variants {
                let (bindings, message) = match messages {
                    Arms::Whole(message @ Message::Pieces(pieces))
                        if pieces.iter().all(|p| matches!(p, Piece::Text(_))) =>
                    {
                        (Vec::new(), message)
                    }
                    Arms::Whole(_) => {
                        return Err("`Display` formats the enum without matching on it".to_owned());
                    }
                    Arms::Match(arms) => arm_for(arms, ty, &variant.name, false)?
                        .ok_or_else(|| format!("`Display` does not handle `{}`", variant.name))?,
                };
                let (source_bindings, source) = match sources {
                    None | Some(Arms::Whole(SourceValue::None)) => (Vec::new(), SourceValue::None),
                    Some(Arms::Whole(_)) => {
                        return Err("`source()` returns a field without matching on the enum".to_owned());
                    }
                    Some(Arms::Match(arms)) => match arm_for(arms, ty, &variant.name, true)? {
                        Some((bindings, value)) => (bindings, value.clone()),
                        None => {
                            return Err(format!("`source()` does not say what `{}` returns", variant.name));
                        }
                    },
                };
                let source = resolve_source(&source, &source_bindings, &variant.fields, false)?;
                let plan = variant_plan(
                    Some(&variant.name),
                    &variant.fields,
                    &bindings,
                    message,
                    &source,
                    froms,
                    false,
                )?;
                out.push(plan);
            }
        }
    }
    Ok(out)
}

/// What `source()` returns for one variant, with its fields named by member.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    None,
    /// The field, and whether `source()` returned what it points to.
    Some(Member, bool),
    Forward(Member),
}

fn resolve_source(
    value: &SourceValue,
    bindings: &[(String, Member)],
    fields: &[FieldFact],
    is_struct: bool,
) -> Result<Source, String> {
    Ok(match value {
        SourceValue::None => Source::None,
        SourceValue::Some(arg, deref) => Source::Some(member_of(arg, bindings, fields, is_struct)?, *deref),
        SourceValue::Forward(arg) => Source::Forward(member_of(arg, bindings, fields, is_struct)?),
    })
}

/// The fields an arm's pattern binds, by binding name.
type Bindings = Vec<(String, Member)>;

/// The arm that handles `variant`: its bindings and value; `None` when only a wildcard
/// does (allowed when `wildcard_ok`, for `source()`'s `_ => None`).
fn arm_for<'v, T>(
    arms: &'v [(Vec<VariantPat>, T)],
    ty: &TypeFact,
    variant: &str,
    wildcard_ok: bool,
) -> Result<Option<(Bindings, &'v T)>, String> {
    let is_variant = |name: &str| matches!(&ty.body, TypeBody::Enum(vs) if vs.iter().any(|v| v.name == name));
    for (pats, value) in arms {
        if pats.is_empty() || pats.iter().any(|p| p.bare && !is_variant(&p.name)) {
            if wildcard_ok {
                return Ok(Some((Vec::new(), value)));
            }
            return Err("a match arm catches every other variant".to_owned());
        }
        for pat in pats {
            let last = pat.qualifier.rsplit("::").next().unwrap_or_default();
            if !pat.qualifier.is_empty() && last != "Self" && last != ty.name {
                return Err(format!(
                    "a pattern names `{}::{}`, not a variant of `{}`",
                    pat.qualifier, pat.name, ty.name
                ));
            }
            if pat.name != variant {
                continue;
            }
            if pats.len() > 1 && !pat.bindings.is_empty() {
                return Err("an arm with several patterns binds fields".to_owned());
            }
            return Ok(Some((pat.bindings.clone(), value)));
        }
    }
    Ok(None)
}

/// The member a field-like argument names in this variant (or struct).
fn member_of(
    arg: &Arg,
    bindings: &[(String, Member)],
    fields: &[FieldFact],
    is_struct: bool,
) -> Result<Member, String> {
    let member = match arg {
        Arg::Binding(name) => match bindings.iter().find(|(b, _)| b == name) {
            Some((_, member)) => member.clone(),
            None => return Err(format!("the message uses `{name}`, which is not a field")),
        },
        Arg::SelfField(member) if is_struct => member.clone(),
        Arg::SelfField(member) => return Err(format!("an arm uses `self.{}`", member.text())),
        Arg::PathDisplay(inner) => return member_of(inner, bindings, fields, is_struct),
    };
    if !fields.iter().any(|f| f.member == member) {
        return Err(format!("`{}` is not a field", member.text()));
    }
    Ok(member)
}

/// Whether a field's type is a path that thiserror shows with `.display()` (`{path}`).
fn is_path_type(field: &FieldFact) -> bool {
    let ty = field.ty.trim_start_matches('&').trim_start_matches("'static");
    let last = ty.rsplit("::").next().unwrap_or(ty);
    last == "PathBuf" || last == "Path"
}

fn variant_plan(
    variant: Option<&str>,
    fields: &[FieldFact],
    bindings: &[(String, Member)],
    message: &Message,
    source: &Source,
    froms: &[(usize, &Deferred, &FromFact)],
    is_struct: bool,
) -> Result<VariantPlan, String> {
    let field = |member: &Member| fields.iter().find(|f| f.member == *member);
    let source_member = match source {
        Source::Some(member, deref) => {
            if *deref && !field(member).is_some_and(|f| f.ty.starts_with("Box<dyn")) {
                return Err("`source()` returns what a field points to, not the field".to_owned());
            }
            Some(member.clone())
        }
        _ => None,
    };
    let forwarded = match message {
        Message::Forward(arg) => Some(member_of(arg, bindings, fields, is_struct)?),
        Message::Pieces(_) => None,
    };
    let transparent = match source {
        Source::Forward(member) => {
            if forwarded.as_ref() != Some(member) || fields.len() != 1 {
                return Err("`source()` returns a field's own source, which only `#[error(transparent)]` \
                            does, and `Display` does not forward to that field"
                    .to_owned());
            }
            true
        }
        _ => false,
    };
    let message = if transparent {
        None
    } else {
        let pieces = match message {
            Message::Pieces(pieces) => pieces.clone(),
            Message::Forward(arg) => vec![Piece::Arg(arg.clone(), String::new())],
        };
        let mut value = String::new();
        for piece in &pieces {
            match piece {
                Piece::Text(text) => value.push_str(&text.replace('{', "{{").replace('}', "}}")),
                Piece::Arg(arg, spec) => {
                    let member = member_of(arg, bindings, fields, is_struct)?;
                    if matches!(arg, Arg::PathDisplay(_))
                        && (!spec.is_empty() || !field(&member).is_some_and(is_path_type))
                    {
                        return Err("the message calls `.display()` on a field that is not a path".to_owned());
                    }
                    if spec.is_empty() {
                        value.push_str(&format!("{{{}}}", member.text()));
                    } else {
                        value.push_str(&format!("{{{}:{spec}}}", member.text()));
                    }
                }
            }
        }
        Some(string_literal(&value))
    };
    // thiserror takes a field named `source` as the source.
    if !transparent && source_member.is_none() && field(&Member::Named("source".into())).is_some() {
        return Err(
            "a field named `source` would become the source, which `source()` does not return".to_owned()
        );
    }
    let mut from = None;
    if transparent || source_member.is_some() {
        let wrapped = source_member.clone().or(forwarded);
        for (index, _, fact) in froms {
            let fits = fact.blocker.is_none()
                && fact.variant.as_deref() == variant
                && fields.len() == 1
                && fact.fields_set == 1
                && Some(&fact.member) == wrapped.as_ref()
                && field(&fact.member).is_some_and(|f| f.ty == fact.source_ty);
            if fits && !matches!(source, Source::Some(_, true)) {
                from = Some((fact.member.clone(), *index));
                break;
            }
        }
    }
    Ok(VariantPlan { message, source: if transparent { None } else { source_member }, from })
}
