//! The block scanner of the native GeoJSON reader: the members of the top-level object and the byte range of
//! each feature (strings and nesting, nothing more), across blocks, with the line each starts on.

/// Where the scanner is in the top-level object.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
enum Expect {
    #[default]
    Start,
    Key,
    Colon,
    Value,
    AfterValue,
    /// Inside `features`: between elements.
    Features,
    End,
}

/// Finds the top-level members and the features' byte ranges, across blocks. Positions are absolute.
#[derive(Debug, Default)]
pub(super) struct Scanner {
    /// Next absolute position to look at.
    pos: usize,
    line: usize,
    depth: u32,
    in_string: bool,
    escape: bool,
    expect: Expect,
    key_start: usize,
    key: String,
    /// Start (and line) of the current top-level member value (not `features`).
    value_start: Option<(usize, usize)>,
    /// Start and line of the feature being scanned.
    feature_start: Option<(usize, usize)>,
    /// The current member value is a string.
    scalar: bool,
}

/// Features found: (start, end, line of start).
pub(super) type Found = Vec<(usize, usize, usize)>;
/// Top-level members found: (name, start, end, line of start).
type Members = Vec<(String, usize, usize, usize)>;

impl Scanner {
    /// The first absolute position still needed.
    pub(super) fn keep_from(&self, end: usize) -> usize {
        let mut k = end.min(self.pos);
        if let Some((s, _)) = self.feature_start {
            k = k.min(s);
        }
        if let Some((s, _)) = self.value_start {
            k = k.min(s);
        }
        if self.in_string && self.expect == Expect::Key {
            k = k.min(self.key_start);
        }
        k
    }

    pub(super) fn scan(
        &mut self,
        buf: &[u8],
        base: usize,
        eof: bool,
        features: &mut Found,
        members: &mut Members,
    ) -> std::result::Result<(), (usize, String)> {
        if self.line == 0 {
            self.line = 1;
        }
        let err = |line: usize, m: &str| Err((line, format!("not valid GeoJSON: {m}")));
        let mut i = self.pos - base;
        while i < buf.len() {
            // Inside a string only quotes, backslashes and newlines matter. Inside a feature only braces and
            // quotes: its end is where its braces balance (brackets are serde_json's to check when it parses
            // the feature), and its newlines are counted when it ends. The rest, mostly coordinates, is
            // skipped with memchr's vectorised search.
            let in_feature = self.feature_start.is_some();
            if self.in_string && !self.escape {
                i += memchr::memchr3(b'"', b'\\', b'\n', &buf[i..]).unwrap_or(buf.len() - i);
            } else if !self.in_string && in_feature {
                i += memchr::memchr3(b'"', b'{', b'}', &buf[i..]).unwrap_or(buf.len() - i);
            }
            if i == buf.len() {
                break;
            }
            let c = buf[i];
            let at = base + i;
            if c == b'\n' && !in_feature {
                self.line += 1;
            }
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if c == b'\\' {
                    self.escape = true;
                } else if c == b'"' {
                    self.in_string = false;
                    if self.depth == 1 && self.expect == Expect::Key {
                        self.key = String::from_utf8_lossy(&buf[self.key_start - base..i]).into_owned();
                        self.expect = Expect::Colon;
                    } else if self.depth == 1 && self.scalar {
                        if let Some((s, line)) = self.value_start.take() {
                            members.push((std::mem::take(&mut self.key), s, at + 1, line));
                        }
                        self.scalar = false;
                        self.expect = Expect::AfterValue;
                    }
                }
                i += 1;
                continue;
            }
            let ws = matches!(c, b' ' | b'\t' | b'\r' | b'\n');
            match (self.expect, self.depth) {
                (Expect::Start, 0) => match c {
                    b'{' => {
                        self.depth = 1;
                        self.expect = Expect::Key;
                    }
                    0xEF | 0xBB | 0xBF => {} // byte-order mark
                    _ if ws => {}
                    _ => return err(self.line, "the top level must be an object (a FeatureCollection)"),
                },
                (Expect::Key, 1) => match c {
                    b'"' => {
                        self.in_string = true;
                        self.key_start = at + 1;
                    }
                    b'}' => {
                        self.depth = 0;
                        self.expect = Expect::End;
                    }
                    _ if ws => {}
                    _ => return err(self.line, "expected a member name in double quotes"),
                },
                (Expect::Colon, 1) => match c {
                    b':' => self.expect = Expect::Value,
                    _ if ws => {}
                    _ => return err(self.line, "expected `:` after a member name"),
                },
                (Expect::Value, 1) => match c {
                    _ if ws => {}
                    b'[' if self.key == "features" => {
                        self.depth = 2;
                        self.expect = Expect::Features;
                    }
                    b'{' | b'[' => {
                        self.value_start = Some((at, self.line));
                        self.depth = 2;
                        self.expect = Expect::AfterValue;
                    }
                    b'"' => {
                        self.value_start = Some((at, self.line));
                        self.in_string = true;
                        self.scalar = true;
                    }
                    _ => {
                        // A number or literal: it ends at the next `,` or `}`.
                        self.value_start = Some((at, self.line));
                        self.expect = Expect::AfterValue;
                    }
                },
                (Expect::AfterValue, 1) => match c {
                    b',' | b'}' => {
                        if let Some((s, line)) = self.value_start.take() {
                            members.push((std::mem::take(&mut self.key), s, at, line));
                        }
                        if c == b'}' {
                            self.depth = 0;
                            self.expect = Expect::End;
                        } else {
                            self.expect = Expect::Key;
                        }
                    }
                    _ if ws => {}
                    _ if self.value_start.is_some() => {} // inside a number or literal
                    _ => return err(self.line, "expected `,` or `}` after a member"),
                },
                (Expect::Features, 2) => match c {
                    b'{' => {
                        self.feature_start = Some((at, self.line));
                        self.depth = 3;
                    }
                    b']' => {
                        self.depth = 1;
                        self.key.clear();
                        self.expect = Expect::AfterValue;
                    }
                    b',' => {}
                    _ if ws => {}
                    _ => return err(self.line, "every element of `features` must be a Feature object"),
                },
                (Expect::End, 0) => {
                    if !ws {
                        return err(self.line, "trailing characters after the FeatureCollection");
                    }
                }
                (_, d) if d >= 2 => match c {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 2 && self.expect == Expect::Features {
                            if let Some((s, line)) = self.feature_start.take() {
                                features.push((s, at + 1, line));
                                // The whole feature is still in `buf` (see `keep_from`).
                                let body = buf.get(s.saturating_sub(base)..i).unwrap_or_default();
                                self.line += memchr::memchr_iter(b'\n', body).count();
                            }
                        } else if self.depth == 1 {
                            if let Some((s, line)) = self.value_start.take() {
                                members.push((std::mem::take(&mut self.key), s, at + 1, line));
                            }
                        }
                    }
                    _ => {}
                },
                _ => return err(self.line, "unexpected character"),
            }
            i += 1;
        }
        self.pos = base + buf.len();
        if eof && (self.depth != 0 || self.in_string || self.expect != Expect::End) {
            return err(self.line, "the file ends before the FeatureCollection does");
        }
        Ok(())
    }
}
