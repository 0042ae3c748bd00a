//! Shared pieces of the legacy service.

pub mod jobs;
pub mod store;

use std::collections::HashMap;

/// Parses `key=value` pairs; errors are plain strings nobody can match on.
pub fn parse_settings(text: &str) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for line in text.lines() {
        let (key, value) = line.split_once('=').ok_or(format!("bad line: {line}"))?;
        out.insert(key.trim().to_owned(), value.trim().to_owned());
    }
    Ok(out)
}

/// Reads the port: an `anyhow::Result` in a library signature hides the failure modes.
pub fn port(settings: &HashMap<String, String>) -> anyhow::Result<u16> {
    let raw = settings.get("port").expect("the port is always configured");
    Ok(raw.parse()?)
}

/// Not written yet.
pub fn metrics() -> String {
    todo!()
}

/// Loads optional overrides; a failure to read them goes unnoticed.
pub fn load_overrides(path: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if let Ok(text) = std::fs::read_to_string(path) {
        out = parse_settings(&text).unwrap();
    }
    std::fs::remove_file(format!("{path}.lock")).ok();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        // Test code may unwrap: a panic is a failed test.
        let settings = parse_settings("port = 8080").unwrap();
        assert_eq!(port(&settings).unwrap(), 8080);
    }
}
