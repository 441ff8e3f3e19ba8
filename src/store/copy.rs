//! Rows in PostgreSQL's `COPY ... FROM STDIN` text format: tab-separated, `\N` for NULL, backslash escapes.

/// Builds one COPY text row after another into a buffer.
#[derive(Debug, Default)]
pub struct CopyRows {
    pub buf: Vec<u8>,
    first: bool,
}

impl CopyRows {
    pub fn with_capacity(n: usize) -> Self {
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
}
