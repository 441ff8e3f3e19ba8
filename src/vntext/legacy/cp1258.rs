//! CP1258 (Windows Vietnamese, code page 1258): precomposed vowels, tone marks as combining characters.
//!
//! Source: Microsoft's code page 1258 as published by Unicode
//! (<https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1258.TXT>; a test checks the table against
//! `encoding_rs`'s WHATWG `windows-1258`). It is Windows-1252 with `Ă Đ Ơ Ư ă đ ơ ư ₫` and the five
//! combining tone marks (0xCC grave, 0xD2 hook, 0xDE tilde, 0xEC acute, 0xF2 dot below) in place of
//! `Ã Ì Ð Ò Õ Ý Þ ã ì ð ò õ ý þ`, and `Š Ž š ž` unassigned. Windows writes a toned vowel precomposed when the
//! code page has it (`à á è é í ó ù ú`, upper and lower) and as its toneless vowel plus a tone mark otherwise:
//! `Nguyễn` is `Nguy`, `ê` (0xEA), the tilde (0xDE), `n`, which Windows-1252 shows as `NguyêÞn`.

use super::super::letter::{letter, Letter, Tone};

/// Characters of bytes 0x80..0xFF; `'\0'` = unassigned.
const HIGH: [char; 128] = [
    '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', '\0', '‹', 'Œ', '\0', '\0', '\0', // 0x80
    '\0', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', '\0', '›', 'œ', '\0', '\0', 'Ÿ', // 0x90
    '\u{A0}', '¡', '¢', '£', '¤', '¥', '¦', '§', '¨', '©', 'ª', '«', '¬', '\u{AD}', '®', '¯', // 0xA0
    '°', '±', '²', '³', '´', 'µ', '¶', '·', '¸', '¹', 'º', '»', '¼', '½', '¾', '¿', // 0xB0
    'À', 'Á', 'Â', 'Ă', 'Ä', 'Å', 'Æ', 'Ç', 'È', 'É', 'Ê', 'Ë', '\u{300}', 'Í', 'Î', 'Ï', // 0xC0
    'Đ', 'Ñ', '\u{309}', 'Ó', 'Ô', 'Ơ', 'Ö', '×', 'Ø', 'Ù', 'Ú', 'Û', 'Ü', 'Ư', '\u{303}', 'ß', // 0xD0
    'à', 'á', 'â', 'ă', 'ä', 'å', 'æ', 'ç', 'è', 'é', 'ê', 'ë', '\u{301}', 'í', 'î', 'ï', // 0xE0
    'đ', 'ñ', '\u{323}', 'ó', 'ô', 'ơ', 'ö', '÷', 'ø', 'ù', 'ú', 'û', 'ü', 'ư', '₫', 'ÿ', // 0xF0
];

/// The character of a byte; `None` when unassigned.
fn char_of(b: u8) -> Option<char> {
    if b < 0x80 {
        Some(b as char)
    } else {
        Some(HIGH[(b - 0x80) as usize]).filter(|c| *c != '\0')
    }
}

/// The byte of a character the code page holds as one byte.
fn byte_of(c: char) -> Option<u8> {
    if c.is_ascii() {
        return Some(c as u8);
    }
    HIGH.iter().position(|&h| h == c && h != '\0').map(|i| 0x80 + i as u8)
}

/// Unicode (NFC) to CP1258 bytes, as Windows writes them; `None` for characters it does not hold.
pub fn encode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() + 8);
    for c in s.chars() {
        if let Some(b) = byte_of(c) {
            out.push(b);
            continue;
        }
        let l = letter(c)?;
        out.push(byte_of(l.with_tone(Tone::Level).char())?);
        out.push(byte_of(l.tone.combining()?)?);
    }
    Some(out)
}

/// CP1258 bytes to Unicode (NFC for Vietnamese); `None` at an unassigned byte or a tone mark that follows no
/// toneless vowel.
pub fn decode(bytes: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut last: Option<Letter> = None;
    for &b in bytes {
        let c = char_of(b)?;
        if let Some(tone) = Tone::from_combining(c) {
            let l = last.filter(|l| l.tone == Tone::Level)?;
            out.pop();
            out.push(l.with_tone(tone).char());
            last = None;
        } else {
            out.push(c);
            last = letter(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_encoding_rs() {
        for b in 0..=255u8 {
            let one = [b];
            let (s, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(&one);
            let theirs = s.chars().next().unwrap();
            match char_of(b) {
                Some(c) => assert_eq!(c, theirs, "byte {b:#04x}"),
                // WHATWG fills the unassigned bytes with the C1 control or the Windows-1252 letter.
                None => assert!(matches!(b, 0x81 | 0x8A | 0x8D..=0x90 | 0x9A | 0x9D | 0x9E), "byte {b:#04x}"),
            }
        }
    }

    #[test]
    fn windows_writes_precomposed_where_it_can() {
        let bytes = encode("Nguyễn Văn Hà Ý").unwrap();
        assert_eq!(bytes, b"Nguy\xEA\xDEn V\xE3n H\xE0 Y\xEC");
        assert_eq!(decode(&bytes).unwrap(), "Nguyễn Văn Hà Ý");
    }
}
