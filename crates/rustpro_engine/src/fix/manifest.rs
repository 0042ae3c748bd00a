//! Fixes in `Cargo.toml`: changes made with `toml_edit`, which keeps formatting and
//! comments, then turned into the smallest text edit so that every byte outside it stays.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, TableLike};

use crate::diagnostic::Edit;

/// The one edit that turns `before` into `after`: everything between their common prefix and
/// common suffix. `None` when the texts are equal.
pub fn text_edit(path: &Path, before: &str, after: &str) -> Option<Edit> {
    if before == after {
        return None;
    }
    let mut prefix = before.bytes().zip(after.bytes()).take_while(|(a, b)| a == b).count();
    while !before.is_char_boundary(prefix) || !after.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = before.len().min(after.len()) - prefix;
    let mut suffix =
        before.bytes().rev().zip(after.bytes().rev()).take(max_suffix).take_while(|(a, b)| a == b).count();
    while !before.is_char_boundary(before.len() - suffix) || !after.is_char_boundary(after.len() - suffix) {
        suffix -= 1;
    }
    Some(Edit {
        path: path.to_path_buf(),
        range: prefix..before.len() - suffix,
        replacement: after[prefix..after.len() - suffix].to_owned(),
    })
}

/// Applies `change` to the manifest `text` of `path` and returns the edit; `None` when the
/// manifest does not parse or `change` changed nothing. New lines follow the file's line
/// endings.
pub fn edit_manifest(path: &Path, text: &str, change: impl FnOnce(&mut DocumentMut) -> bool) -> Option<Edit> {
    let mut doc: DocumentMut = text.parse().ok()?;
    // Comments after the last key belong to the document's end; tables the change appends
    // go after them, not before, so the comments stay with what they follow.
    let trailing = doc.trailing().as_str().unwrap_or_default().to_owned();
    doc.set_trailing("");
    let unchanged = doc.to_string();
    if !change(&mut doc) {
        return None;
    }
    let changed = doc.to_string();
    let mut after = match changed.strip_prefix(&unchanged) {
        Some(appended) => format!("{unchanged}{trailing}{appended}"),
        None => format!("{changed}{trailing}"),
    };
    if text.contains("\r\n") {
        after = after.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    text_edit(path, text, &after)
}

/// The table at `keys` under `root`, created (as a header-less parent where it only holds
/// other tables) when missing. `None` when a key holds something that is not a table.
pub fn table_at<'d>(root: &'d mut dyn TableLike, keys: &[&str]) -> Option<&'d mut dyn TableLike> {
    let Some((first, rest)) = keys.split_first() else { return Some(root) };
    let entry = root.entry(first).or_insert_with(|| {
        let mut table = Table::new();
        table.set_implicit(!rest.is_empty());
        Item::Table(table)
    });
    let table = entry.as_table_like_mut()?;
    table_at(table, rest)
}

/// Sets `key = "value"` in the table at `keys` (created when missing); false when it was
/// already so or a key holds something that is not a table.
pub fn set_string(doc: &mut DocumentMut, keys: &[&str], key: &str, value: &str) -> bool {
    let Some(table) = table_at(doc.as_table_mut(), keys) else { return false };
    if table.get(key).and_then(Item::as_str) == Some(value) {
        return false;
    }
    table.insert(key, toml_edit::value(value));
    true
}

/// Sets `key = "value"` in the table at `keys` (created when missing), on the line after the
/// key `after` when the table has it, else after its last key. False when `key` is already
/// there or a key holds something that is not a table.
pub fn insert_string_after(
    doc: &mut DocumentMut,
    keys: &[&str],
    after: &str,
    key: &str,
    value: &str,
) -> bool {
    let Some(table) = table_at(doc.as_table_mut(), keys) else { return false };
    if table.contains_key(key) {
        return false;
    }
    let order: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
    table.insert(key, toml_edit::value(value));
    let Some(at) = order.iter().position(|k| k == after) else { return true };
    let concrete =
        keys.iter().try_fold(doc.as_item_mut(), |item, k| item.get_mut(k)).and_then(Item::as_table_mut);
    if let Some(table) = concrete {
        // Keys keep their order; the new one ranks between `after` and the key that followed.
        let rank = |k: &str| {
            if k == key { 2 * at + 1 } else { 2 * order.iter().position(|o| o == k).unwrap_or(order.len()) }
        };
        table.sort_values_by(|a, _, b, _| rank(a.get()).cmp(&rank(b.get())));
    }
    true
}
