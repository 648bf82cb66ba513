//! JSON as the workspace writes it to files and stdout: pretty-printed, ending in a newline.
//! One copy, so every `report.json`, manifest, baseline and schema ends the same way.

use serde::Serialize;

/// `value` as pretty-printed JSON followed by a newline.
///
/// # Errors
///
/// When `value` cannot be serialised (a map with non-string keys, a failing `Serialize`).
pub fn pretty_string<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// [`pretty_string`] as bytes.
///
/// # Errors
///
/// As [`pretty_string`].
pub fn pretty_bytes<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    pretty_string(value).map(String::into_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_ends_in_one_newline() {
        let value = serde_json::json!({"a": [1, 2]});
        let text = pretty_string(&value).unwrap();
        assert_eq!(text, "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n");
        assert_eq!(pretty_bytes(&value).unwrap(), text.into_bytes());
    }
}
