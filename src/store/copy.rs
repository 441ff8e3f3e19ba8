//! Rows for PostgreSQL's `COPY ... FROM STDIN`: [`CopyRows`] in the text format (tab-separated, `\N` for NULL,
//! backslash escapes), [`BinaryRows`] in the binary format (each value as the server stores it).
//!
//! The binary format spares the server parsing numbers and escapes, and, for geometries, hex: PostGIS takes
//! EWKB bytes as they are. On the 1M-parcel commune the server loaded the parcels in half the time and the
//! holder links in 60-75% of it (`COPY` from files in `psql`, docs/perf-log/2026-11-to-12.md). The tables with arrays
//! and JSON (conflicts) stay in the text format. No crate writes the format for sqlx (`postgres-binary-copy`
//! and tokio-postgres' writer are built on rust-postgres' types): it is a few lines, below, tested against the
//! server in `tests/store.rs`.

/// Builds one COPY text row after another into a buffer.
#[derive(Debug, Default)]
pub struct CopyRows {
    pub(crate) buf: Vec<u8>,
    first: bool,
}

impl CopyRows {
    pub(crate) fn with_capacity(n: usize) -> Self {
        CopyRows { buf: Vec::with_capacity(n), first: true }
    }

    fn sep(&mut self) {
        if !self.first {
            self.buf.push(b'\t');
        }
        self.first = false;
    }

    /// A text field (None: NULL).
    pub fn text(&mut self, v: Option<&str>) -> &mut Self {
        self.sep();
        match v {
            None => self.buf.extend_from_slice(b"\\N"),
            Some(s) => {
                for &b in s.as_bytes() {
                    match b {
                        b'\\' => self.buf.extend_from_slice(b"\\\\"),
                        b'\t' => self.buf.extend_from_slice(b"\\t"),
                        b'\n' => self.buf.extend_from_slice(b"\\n"),
                        b'\r' => self.buf.extend_from_slice(b"\\r"),
                        _ => self.buf.push(b),
                    }
                }
            }
        }
        self
    }

    /// A non-empty text field, empty text as NULL.
    pub fn text_or_null(&mut self, v: &str) -> &mut Self {
        self.text((!v.is_empty()).then_some(v))
    }

    /// A number or boolean written with its `Display` (Rust's shortest round-trip form for floats).
    pub fn value<T: std::fmt::Display>(&mut self, v: Option<T>) -> &mut Self {
        self.sep();
        match v {
            None => self.buf.extend_from_slice(b"\\N"),
            Some(v) => {
                use std::io::Write;
                let _ = write!(self.buf, "{v}");
            }
        }
        self
    }

    /// A field written by `f` straight into the buffer (e.g. hex EWKB, which needs no escaping).
    pub fn raw(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        self.sep();
        f(&mut self.buf);
        self
    }

    /// Ends the row.
    pub fn end(&mut self) {
        self.buf.push(b'\n');
        self.first = true;
    }
}

/// Builds rows in the binary `COPY ... FROM STDIN (FORMAT binary)` format. The server reads each value as
/// the column's type stores it, so the types written must be the columns' own: [`BinaryRows::int4`] for
/// `integer`, [`BinaryRows::int8`] for `bigint`, [`BinaryRows::float8`] for `double precision`,
/// [`BinaryRows::text`] for `text`, [`BinaryRows::bytes`] for EWKB into `geometry`.
///
/// A COPY's data is [`BinaryRows::HEADER`], rows (from one or several buffers), [`BinaryRows::TRAILER`]:
/// [`BinaryRows::copy_data`] and [`BinaryRows::finish`] make it in one buffer, [`BinaryRows::with_capacity`]
/// makes rows alone (a piece of a COPY streamed in several).
#[derive(Debug, Default)]
pub struct BinaryRows {
    pub(crate) buf: Vec<u8>,
    /// Values written in the current row.
    field: usize,
    /// The first value of the current row that is text with a NUL character (PostgreSQL's text cannot hold
    /// one; the server would refuse the whole COPY without saying where).
    nul: Option<usize>,
}

impl BinaryRows {
    /// The signature, no flags, no header extension.
    pub const HEADER: &'static [u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
    /// The end of the data: a row of -1 fields.
    pub const TRAILER: &'static [u8] = &[0xff, 0xff];

    /// Rows alone, in a buffer of `n` bytes' capacity.
    pub fn with_capacity(n: usize) -> Self {
        BinaryRows { buf: Vec::with_capacity(n), field: 0, nul: None }
    }

    /// The whole data of a COPY, its header first; [`BinaryRows::finish`] ends it.
    pub fn copy_data(n: usize) -> Self {
        let mut rows = Self::with_capacity(Self::HEADER.len() + n + Self::TRAILER.len());
        rows.buf.extend_from_slice(Self::HEADER);
        rows
    }

    /// Starts a row of `fields` values.
    pub fn row(&mut self, fields: i16) -> &mut Self {
        self.buf.extend_from_slice(&fields.to_be_bytes());
        self.field = 0;
        self.nul = None;
        self
    }

    /// The position (from 0) of the current row's first text value with a NUL character, if any: the row
    /// cannot be stored, and the caller says where it came from.
    pub fn nul_in_row(&self) -> Option<usize> {
        self.nul
    }

    fn null(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self.field += 1;
        self
    }

    fn value(&mut self, bytes: &[u8]) -> &mut Self {
        // Values are parts of a row the server takes in one message: far below 2 GiB.
        self.buf.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        self.buf.extend_from_slice(bytes);
        self.field += 1;
        self
    }

    /// A `text` value (None: NULL).
    pub fn text(&mut self, v: Option<&str>) -> &mut Self {
        match v {
            None => self.null(),
            Some(s) => {
                if self.nul.is_none() && s.as_bytes().contains(&0) {
                    self.nul = Some(self.field);
                }
                self.value(s.as_bytes())
            }
        }
    }

    /// A non-empty `text` value, empty text as NULL.
    pub fn text_or_null(&mut self, v: &str) -> &mut Self {
        self.text((!v.is_empty()).then_some(v))
    }

    /// An `integer` value.
    pub fn int4(&mut self, v: Option<i32>) -> &mut Self {
        match v {
            None => self.null(),
            Some(v) => self.value(&v.to_be_bytes()),
        }
    }

    /// A `bigint` value.
    pub fn int8(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            None => self.null(),
            Some(v) => self.value(&v.to_be_bytes()),
        }
    }

    /// A `double precision` value.
    pub fn float8(&mut self, v: Option<f64>) -> &mut Self {
        match v {
            None => self.null(),
            Some(v) => self.value(&v.to_be_bytes()),
        }
    }

    /// A `boolean` value.
    pub fn bool(&mut self, v: Option<bool>) -> &mut Self {
        match v {
            None => self.null(),
            Some(v) => self.value(&[u8::from(v)]),
        }
    }

    /// A value whose bytes `f` writes straight into the buffer (EWKB for a `geometry`).
    pub fn bytes(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        let at = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        f(&mut self.buf);
        let len = (self.buf.len() - at - 4) as i32;
        self.buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
        self.field += 1;
        self
    }

    /// The data of a COPY begun by [`BinaryRows::copy_data`], with its trailer.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(Self::TRAILER);
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_nulls() {
        let mut r = CopyRows::with_capacity(64);
        r.text(Some("a\tb\\c\nd\re")).text(None).value(Some(1.5f64)).value::<i64>(None).text_or_null("");
        r.end();
        r.value(Some(0.1f64 + 0.2)).value(Some(true)).text(Some("Nguyễn"));
        r.end();
        assert_eq!(
            String::from_utf8(r.buf).unwrap(),
            "a\\tb\\\\c\\nd\\re\t\\N\t1.5\t\\N\t\\N\n0.30000000000000004\ttrue\tNguyễn\n"
        );
    }

    #[test]
    fn binary_rows_as_the_format_has_them() {
        let mut r = BinaryRows::copy_data(64);
        r.row(6).text(Some("ab")).int4(Some(-2)).int8(None).float8(Some(1.5)).bool(Some(true));
        r.bytes(|b| b.extend_from_slice(&[1, 2, 3]));
        let data = r.finish();
        assert_eq!(&data[..11], b"PGCOPY\n\xff\r\n\0");
        assert_eq!(&data[11..19], &[0; 8]);
        let row: &[u8] = &[
            0, 6, // fields
            0, 0, 0, 2, b'a', b'b', // text
            0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe, // int4 -2
            0xff, 0xff, 0xff, 0xff, // NULL
            0, 0, 0, 8, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, // 1.5
            0, 0, 0, 1, 1, // true
            0, 0, 0, 3, 1, 2, 3, // bytes
        ];
        assert_eq!(&data[19..data.len() - 2], row);
        assert_eq!(&data[data.len() - 2..], &[0xff, 0xff]);
    }

    #[test]
    fn a_nul_in_text_is_found_by_its_position_in_the_row() {
        let mut r = BinaryRows::with_capacity(64);
        r.row(4).int4(Some(1)).text(None).text(Some("a\0b")).text(Some("\0"));
        assert_eq!(r.nul_in_row(), Some(2));
        r.row(2).text(Some("ab")).bytes(|b| b.push(0));
        assert_eq!(r.nul_in_row(), None);
    }
}
