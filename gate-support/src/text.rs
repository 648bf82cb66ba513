//! Positions in text, as people read them: 1-based lines and columns counted in characters.

/// 1-based line and column (in characters) of byte offset `offset` in `text` (an offset past
/// the end counts as the end; one inside a character counts the bytes before it).
///
/// ```
/// assert_eq!(gate_support::text::line_col("ab\ncé d", 6), (2, 3));
/// ```
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}
