//! Many short strings in one buffer: a million certificates or register entries would take more memory as
//! separate strings than the map itself.

/// A piece of text in a [`TextArena`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Text {
    start: u32,
    len: u32,
}

impl Text {
    pub(crate) fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// One buffer holding many short strings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextArena {
    buf: String,
}

impl TextArena {
    /// Stores `s`; None when the arena would pass 4 GiB.
    pub fn push(&mut self, s: &str) -> Option<Text> {
        let start = u32::try_from(self.buf.len()).ok()?;
        let len = u32::try_from(s.len()).ok()?;
        start.checked_add(len)?;
        self.buf.push_str(s);
        Some(Text { start, len })
    }

    /// Room for `bytes` more bytes of text.
    pub fn reserve(&mut self, bytes: usize) {
        self.buf.reserve(bytes);
    }

    /// Bytes of text held.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when it holds no text.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The text behind a handle ("" for a handle of another arena that falls outside this one).
    pub fn get(&self, t: Text) -> &str {
        self.buf.get(t.start as usize..(t.start + t.len) as usize).unwrap_or("")
    }
}
