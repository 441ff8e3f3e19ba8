//! Windows-1252, the lens legacy text is seen through: bytes to characters and back.
//!
//! Source: the WHATWG Encoding Standard's `windows-1252` index (<https://encoding.spec.whatwg.org/index-windows-1252.txt>),
//! which is Microsoft's code page 1252 (<https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT>)
//! with its five unassigned bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as the C1 controls of the same value, as
//! Windows' `MultiByteToWideChar` does. Bytes 0xA0..0xFF are Latin-1 (byte = code point). A test checks the
//! table against `encoding_rs`.

/// Characters of bytes 0x80..0x9F.
const HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// The character a byte shows as.
#[inline]
pub fn char_of(b: u8) -> char {
    if (0x80..0xA0).contains(&b) {
        HIGH[(b - 0x80) as usize]
    } else {
        b as char
    }
}

/// The byte a character came from; `None` for characters Windows-1252 cannot show. The C1 controls
/// U+0080..U+009F are accepted as their own byte too (the same bytes read as Latin-1).
#[inline]
pub fn byte_of(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x100 {
        return Some(u as u8);
    }
    HIGH.iter().position(|&h| h == c).map(|i| 0x80 + i as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_encoding_rs() {
        for b in 0..=255u8 {
            let one = [b];
            let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&one);
            let c = s.chars().next().unwrap();
            assert_eq!(char_of(b), c, "byte {b:#04x}");
            assert_eq!(byte_of(c), Some(b));
        }
        assert_eq!(byte_of('ă'), None);
        assert_eq!(byte_of('\u{300}'), None);
    }
}
