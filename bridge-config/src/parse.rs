//! Phase one: TOML text to the raw structs, turning toml's byte spans into line, column and key path.

use std::ops::Range;

use toml::de::{DeArray, DeTable, DeValue};

use crate::error::Problem;
use crate::raw::RawConfig;

/// Turns byte offsets of one text into 1-based lines and columns.
#[derive(Debug)]
pub(crate) struct Positions<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Positions<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        Positions { text, line_starts }
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub(crate) fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (line, column + 1)
    }

    /// A problem at the start of `span`.
    pub(crate) fn problem(&self, span: Range<usize>, key: String, message: String) -> Problem {
        let (line, column) = self.line_column(span.start);
        Problem {
            line,
            column,
            key,
            message,
        }
    }
}

/// Deserializes `text`, or describes the first syntax or schema error with its position and key.
pub(crate) fn parse(text: &str, positions: &Positions<'_>) -> Result<RawConfig, Problem> {
    toml::from_str::<RawConfig>(text).map_err(|error| {
        let message = error.message().to_owned();
        match error.span() {
            Some(span) => {
                let key = locate_key(text, span.start).unwrap_or_default();
                positions.problem(span, key, message)
            }
            None => Problem {
                line: 0,
                column: 0,
                key: String::new(),
                message,
            },
        }
    })
}

/// The dotted path (`bridge[1].endpoints[0]`) of the innermost key or value whose span holds `offset`.
///
/// A syntax error usually lies just after the value it breaks, so failing that, the last key that
/// starts earlier on the same line is named.
fn locate_key(text: &str, offset: usize) -> Option<String> {
    let (table, _) = DeTable::parse_recoverable(text);
    let mut best = Best::default();
    walk_table(table.get_ref(), "", offset, &mut best);
    if let Some((_, path)) = best.inside {
        return Some(path);
    }
    let (start, path) = best.before?;
    let between = text.get(start..offset)?;
    (!between.contains('\n')).then_some(path)
}

/// Best matches so far.
#[derive(Debug, Default)]
struct Best {
    /// Span length and path of the smallest span holding the offset.
    inside: Option<(usize, String)>,
    /// Start and path of the key starting last before the offset.
    before: Option<(usize, String)>,
}

fn consider(span: Range<usize>, path: &str, offset: usize, best: &mut Best) {
    let inside = span.contains(&offset) || (span.is_empty() && span.start == offset);
    if inside
        && best
            .inside
            .as_ref()
            .is_none_or(|(len, _)| span.len() <= *len)
    {
        best.inside = Some((span.len(), path.to_owned()));
    }
}

fn walk_table(table: &DeTable<'_>, path: &str, offset: usize, best: &mut Best) {
    for (key, value) in table {
        let path = join_key(path, key.get_ref());
        let start = key.span().start;
        if start <= offset && best.before.as_ref().is_none_or(|(last, _)| start >= *last) {
            best.before = Some((start, path.clone()));
        }
        consider(key.span(), &path, offset, best);
        consider(value.span(), &path, offset, best);
        walk_value(value.get_ref(), &path, offset, best);
    }
}

fn walk_value(value: &DeValue<'_>, path: &str, offset: usize, best: &mut Best) {
    match value {
        DeValue::Table(table) => walk_table(table, path, offset, best),
        DeValue::Array(array) => walk_array(array, path, offset, best),
        _ => {}
    }
}

fn walk_array(array: &DeArray<'_>, path: &str, offset: usize, best: &mut Best) {
    for (index, item) in array.iter().enumerate() {
        let path = format!("{path}[{index}]");
        consider(item.span(), &path, offset, best);
        walk_value(item.get_ref(), &path, offset, best);
    }
}

/// Appends `key` to a dotted path, quoting it the way TOML would when it is not a bare key.
pub(crate) fn join_key(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let key = if bare {
        key.to_owned()
    } else {
        format!("{key:?}")
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}
