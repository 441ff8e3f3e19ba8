//! A CSV file with a header row, read with the `csv` crate, with errors that name the file, the row and the
//! field. Shared by certificates and citizens.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};

/// A column of the file: its position and the names it goes by.
#[derive(Debug, Clone)]
pub struct Field {
    pub(crate) index: usize,
    /// The name in the file.
    pub source: String,
}

/// An open CSV file.
pub struct CsvTable {
    path: PathBuf,
    header: Vec<String>,
    reader: csv::Reader<Lines<std::io::BufReader<std::fs::File>>>,
    /// The current row, read into the same buffers every time.
    record: csv::ByteRecord,
    mapping: BTreeMap<String, String>,
    source_name: Box<dyn Fn(&str) -> String>,
    table: String,
}

impl CsvTable {
    /// Opens `path` and reads its header. `source_name` maps a canonical name to the column name to look for;
    /// `mapping` holds the names set in dataset.toml (a mapped column that is missing is always an error).
    pub fn open(
        path: &Path,
        table: &str,
        source_name: impl Fn(&str) -> String + 'static,
        mapping: &BTreeMap<String, String>,
    ) -> Result<CsvTable> {
        use std::io::BufRead;
        let file = std::fs::File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::bad_input(Location::file(path), "file not found"),
            _ => Error::unreadable(path, &e),
        })?;
        let mut input = std::io::BufReader::with_capacity(1 << 20, file);
        // A UTF-8 byte-order mark (spreadsheets write one) is not part of the first column's name.
        if input.fill_buf().map_err(|e| Error::unreadable(path, &e))?.starts_with(&[0xEF, 0xBB, 0xBF]) {
            input.consume(3);
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(Lines::new(input));
        let header = match reader.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                let line = reader.get_mut().line_of_error(&e);
                return Err(csv_error(path, e, line));
            }
        };
        let header = header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                std::str::from_utf8(h).map(|s| s.trim().to_string()).map_err(|_| {
                    Error::bad_input(
                        Location::row(path, 1).field(format!("column {}", i + 1)),
                        "header is not UTF-8 text; save the file as UTF-8",
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if header.iter().all(|h| h.is_empty()) {
            return Err(Error::bad_input(Location::file(path), "empty file: a header row is required"));
        }
        Ok(CsvTable {
            path: path.to_path_buf(),
            header,
            reader,
            record: csv::ByteRecord::new(),
            mapping: mapping.clone(),
            source_name: Box::new(source_name),
            table: table.to_string(),
        })
    }

    /// Finds the column for a canonical name. A required column, or one named in dataset.toml, that is
    /// missing is an error naming the file and the column.
    pub fn column(&self, canonical: &str, required: bool) -> Result<Option<Field>> {
        let source = (self.source_name)(canonical);
        let positions = |same: &dyn Fn(&str) -> bool| -> Vec<usize> {
            self.header.iter().enumerate().filter(|(_, h)| same(h)).map(|(i, _)| i).collect()
        };
        let mut found = positions(&|h| h == source);
        if found.is_empty() {
            found = positions(&|h| h.eq_ignore_ascii_case(&source));
        }
        if found.len() > 1 {
            let columns: Vec<String> = found.iter().map(|i| (i + 1).to_string()).collect();
            return Err(Error::bad_input(
                Location::row(&self.path, 1).field(&source),
                format!(
                    "the header has column `{source}` {} times (columns {}): which one to read is ambiguous; rename or remove the others",
                    found.len(),
                    columns.join(" and ")
                ),
            ));
        }
        match found.first().copied() {
            Some(index) => Ok(Some(Field { index, source })),
            None if required || self.mapping.contains_key(canonical) => {
                let why = if self.mapping.contains_key(canonical) {
                    format!("mapped from `{canonical}` in dataset.toml [columns.{}]", self.table)
                } else {
                    "required".to_string()
                };
                Err(Error::bad_input(
                    Location::file(&self.path).field(&source),
                    format!("column `{source}` ({why}) not found; the header has: {}", self.header.join(", ")),
                ))
            }
            None => Ok(None),
        }
    }

    /// The next data row (None at the end of the file). Rows are read into one reused record, so a row lives
    /// until the next call.
    pub fn next_row(&mut self) -> Option<Result<Row<'_>>> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Err(e) => {
                let line = self.reader.get_mut().line_of_error(&e);
                Some(Err(csv_error(&self.path, e, line)))
            }
            Ok(true) => {
                let record = &self.record;
                let line = record.position().map_or(0, |p| self.reader.get_mut().line_at(p.byte()));
                // One UTF-8 check for the whole row (SIMD: Vietnamese text misses std's ASCII fast path); a row that fails it is checked field by field, so that
                // the error names the field.
                let text = simdutf8::basic::from_utf8(record.as_slice()).ok();
                Some(Ok(Row { path: &self.path, line, record, text }))
            }
        }
    }
}

/// A reading error, at `line` (the line where the record starts) when known.
fn csv_error(path: &Path, e: csv::Error, line: Option<usize>) -> Error {
    let at = match line {
        Some(l) => Location::row(path, l),
        None => Location::file(path),
    };
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "the row has {len} fields but the header has {expected_len}: check the quoting (a quote left open swallows the rows after it)"
        ),
        csv::ErrorKind::Io(err) => format!("cannot read: {err}"),
        _ => e.to_string(),
    };
    Error::bad_input(at, message)
}

/// The input under the CSV reader, noting where its lines end: the `csv` crate's own line numbers count a
/// CRLF file's lines differently from an LF one's and skip blank lines, so a row's line is worked out here from
/// the byte where its record starts. Only the line ends not yet passed are kept (a buffer's worth).
pub(crate) struct Lines<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// Line ends read but not yet passed: their offset, and whether a `\r` comes right before.
    ends: std::collections::VecDeque<(u64, bool)>,
    /// The last byte read was `\r`.
    last_cr: bool,
    /// Line ends passed.
    passed: usize,
}

impl<R> Lines<R> {
    pub(crate) fn new(inner: R) -> Self {
        Lines { inner, offset: 0, ends: std::collections::VecDeque::new(), last_cr: false, passed: 0 }
    }

    /// The 1-based line of the record that starts at `byte` (records only move forward). Blank lines that
    /// the reader skipped in front of the record are not its line.
    pub(crate) fn line_at(&mut self, byte: u64) -> usize {
        let mut start = byte;
        while let Some(&(end, cr)) = self.ends.front() {
            if end < start {
                self.passed += 1;
            } else if end == start || (cr && end == start + 1) {
                // An empty line (LF, or CR LF) where the record "starts": it starts after it.
                self.passed += 1;
                start = end + 1;
            } else {
                break;
            }
            self.ends.pop_front();
        }
        self.passed + 1
    }

    fn line_of_error(&mut self, e: &csv::Error) -> Option<usize> {
        e.position().map(|p| self.line_at(p.byte()))
    }
}

impl<R: std::io::Read> std::io::Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = &buf[..n];
        for i in memchr::memchr_iter(b'\n', read) {
            let cr = if i > 0 { read[i - 1] == b'\r' } else { self.last_cr };
            self.ends.push_back((self.offset + i as u64, cr));
        }
        if let Some(&last) = read.last() {
            self.last_cr = last == b'\r';
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// One data row.
pub struct Row<'a> {
    path: &'a Path,
    pub(crate) line: usize,
    record: &'a csv::ByteRecord,
    /// The row's fields back to back, when they are all UTF-8.
    text: Option<&'a str>,
}

impl Row<'_> {
    fn at(&self, f: &Field) -> Location {
        Location::row(self.path, self.line).field(&f.source)
    }

    /// The trimmed text of a column ("" when the column is absent or the cell empty).
    pub fn str(&self, f: &Option<Field>) -> Result<&str> {
        let Some(f) = f else { return Ok("") };
        // (A field cut inside a character, whose row is UTF-8 only as a whole, is checked on its own below.)
        if let Some(field) = self.text.zip(self.record.range(f.index)).and_then(|(text, r)| text.get(r)) {
            return Ok(field.trim());
        }
        let bytes = self.record.get(f.index).unwrap_or_default();
        std::str::from_utf8(bytes).map(|s| s.trim()).map_err(|_| {
            Error::bad_input(
                self.at(f),
                format!(
                    "not UTF-8 text ({}); save the file as UTF-8",
                    String::from_utf8_lossy(bytes).chars().take(40).collect::<String>()
                ),
            )
        })
    }

    /// A column that must hold text.
    pub fn required_str(&self, f: &Option<Field>) -> Result<&str> {
        let t = self.str(f)?;
        match f {
            Some(field) if t.is_empty() => Err(Error::bad_input(self.at(field), "empty; every row needs one")),
            _ => Ok(t),
        }
    }

    /// A whole number, or None when empty.
    pub fn integer(&self, f: &Option<Field>) -> Result<Option<i64>> {
        let t = self.str(f)?;
        let Some(field) = f else { return Ok(None) };
        parse_integer(t).map_err(|m| Error::bad_input(self.at(field), m))
    }

    /// A date `YYYY` or `YYYY-MM-DD`, or None when empty.
    pub fn date(&self, f: &Option<Field>) -> Result<Option<super::date::PartialDate>> {
        let t = self.str(f)?;
        let Some(field) = f else { return Ok(None) };
        super::date::parse_date(t).map_err(|m| Error::bad_input(self.at(field), m))
    }

    /// An area in m2 (`.` or a lone `,` as the decimal mark), or None when empty.
    pub fn area(&self, f: &Option<Field>) -> Result<Option<f64>> {
        let t = self.str(f)?;
        let Some(field) = f else { return Ok(None) };
        parse_area(t).map_err(|m| Error::bad_input(self.at(field), m))
    }
}

/// Parses a whole number as land records write it (`12`, `012`, `12.0`); empty is None.
pub fn parse_integer(t: &str) -> std::result::Result<Option<i64>, String> {
    let t = t.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Some(i));
    }
    match t.parse::<f64>() {
        Ok(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => Ok(Some(f as i64)),
        _ => Err(format!("`{t}` is not a whole number")),
    }
}

/// Parses an area in m2; a single `,` is taken as the decimal mark (Vietnamese `125,4`). Empty is None.
pub fn parse_area(t: &str) -> std::result::Result<Option<f64>, String> {
    let t = t.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let normalized = match (t.rfind(','), t.rfind('.')) {
        // "1,234.5": commas group thousands.
        (Some(c), Some(d)) if d > c => t.replace(',', ""),
        // "1.234,5": dots group thousands, the comma is the decimal mark.
        (Some(_), Some(_)) => t.replace('.', "").replace(',', "."),
        // "125,4" is a decimal; "1,234,567" groups thousands.
        (Some(_), None) if t.matches(',').count() == 1 => t.replace(',', "."),
        (Some(_), None) => t.replace(',', ""),
        _ => t.to_string(),
    };
    match normalized.parse::<f64>() {
        Ok(a) if a.is_finite() && a >= 0.0 => Ok(Some(a)),
        Ok(a) => Err(format!("`{t}` is not an area in m2 ({a} is negative or not finite)")),
        Err(_) => Err(format!("`{t}` is not a number (an area in m2)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_checked_for_utf8_on_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        // Row 2 is UTF-8 as a whole, but "é" (C3 A9) is cut between its two fields; row 3 is plain.
        std::fs::write(&path, b"a,b\nx\xC3,\xA9y\nNguy\xE1\xBB\x85n,V\xC4\x83n\n").unwrap();
        let mut t = CsvTable::open(&path, "t", |c| c.to_string(), &BTreeMap::new()).unwrap();
        let (a, b) = (t.column("a", true).unwrap(), t.column("b", true).unwrap());
        {
            let row = t.next_row().unwrap().unwrap();
            let e = row.str(&a).unwrap_err().to_string();
            assert!(e.contains("t.csv, row 2, field `a`: not UTF-8 text"), "{e}");
            assert!(row.str(&b).is_err());
        }
        {
            let row = t.next_row().unwrap().unwrap();
            assert_eq!((row.str(&a).unwrap(), row.str(&b).unwrap(), row.line), ("Nguyễn", "Văn", 3));
        }
        assert!(t.next_row().is_none());
    }

    #[test]
    fn numbers_as_land_records_write_them() {
        assert_eq!(parse_integer(" 012 "), Ok(Some(12)));
        assert_eq!(parse_integer("12.0"), Ok(Some(12)));
        assert_eq!(parse_integer(""), Ok(None));
        assert_eq!(parse_integer("12a"), Err("`12a` is not a whole number".into()));
        assert_eq!(parse_area("125,4"), Ok(Some(125.4)));
        assert_eq!(parse_area("125.4"), Ok(Some(125.4)));
        assert_eq!(parse_area(""), Ok(None));
        assert_eq!(parse_area("1,234.5"), Ok(Some(1234.5)));
        assert_eq!(parse_area("1.234,5"), Ok(Some(1234.5)));
        assert_eq!(parse_area("1,234,567"), Ok(Some(1234567.0)));
        assert_eq!(parse_area("12 m2"), Err("`12 m2` is not a number (an area in m2)".into()));
        assert!(parse_area("-3").is_err());
        assert!(parse_area("abc").is_err());
    }
}
