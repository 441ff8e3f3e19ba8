//! TCVN3 (TCVN 5712:1993 VN3, the "ABC" fonts `.VnTime`/`.VnTimeH`): one byte per letter.
//!
//! Source: TCVN 5712:1993, table VN3: the 67 lower-case Vietnamese letters and the seven capitals
//! `Ă Â Ê Ô Ơ Ư Đ` at 0xA1..0xFE, ASCII below. The positions are those of the TCVN-5712 table shipped with
//! X.Org (`lcUniConv/tcvn.h`, MIT licence), which is VN1; VN3 keeps its lower-case letters and leaves the
//! positions VN1 gives to the capitals with a tone mark unassigned (0xAF, 0xBA, 0xBF..0xC5, 0xCD, 0xD9..0xDB,
//! 0xE0, 0xF0, 0xFF, and 0x80..0xA0, 0xB0..0xB4).
//!
//! VN3 has no capital with a tone mark: ABC users typed capitals with the "H" fonts (`.VnTimeH`), which draw
//! the lower-case codes as capitals. [`encode`] therefore writes such a capital with the lower-case code, and
//! [`decode`] restores the capital from its context: in a word whose other letters are all capitals
//! (`NGUYÔN` -> `NGUYỄN`), and at the start of a word when every other word of the text starts with a
//! capital (a name: `NguyÔn ¸nh` -> `Nguyễn Ánh`).

use super::super::letter::{is_letter, letter};

/// Letters of bytes 0xA0..0xFF; `'\0'` = unassigned in VN3.
const TABLE: [char; 96] = [
    '\0', 'Ă', 'Â', 'Ê', 'Ô', 'Ơ', 'Ư', 'Đ', 'ă', 'â', 'ê', 'ô', 'ơ', 'ư', 'đ', '\0', // 0xA0
    '\0', '\0', '\0', '\0', '\0', 'à', 'ả', 'ã', 'á', 'ạ', '\0', 'ằ', 'ẳ', 'ẵ', 'ắ', '\0', // 0xB0
    '\0', '\0', '\0', '\0', '\0', '\0', 'ặ', 'ầ', 'ẩ', 'ẫ', 'ấ', 'ậ', 'è', '\0', 'ẻ', 'ẽ', // 0xC0
    'é', 'ẹ', 'ề', 'ể', 'ễ', 'ế', 'ệ', 'ì', 'ỉ', '\0', '\0', '\0', 'ĩ', 'í', 'ị', 'ò', // 0xD0
    '\0', 'ỏ', 'õ', 'ó', 'ọ', 'ồ', 'ổ', 'ỗ', 'ố', 'ộ', 'ờ', 'ở', 'ỡ', 'ớ', 'ợ', 'ù', // 0xE0
    '\0', 'ủ', 'ũ', 'ú', 'ụ', 'ừ', 'ử', 'ữ', 'ứ', 'ự', 'ỳ', 'ỷ', 'ỹ', 'ý', 'ỵ', '\0', // 0xF0
];

/// The letter of a byte (ASCII as itself); `None` when unassigned.
fn letter_of(b: u8) -> Option<char> {
    match b {
        0..=0x7F => Some(b as char),
        0xA0..=0xFF => Some(TABLE[(b - 0xA0) as usize]).filter(|c| *c != '\0'),
        _ => None,
    }
}

/// The byte of a character: ASCII as itself, a Vietnamese letter by the table (a capital with a tone by its
/// lower-case letter); `None` for anything VN3 does not hold.
fn byte_of(c: char) -> Option<u8> {
    if c.is_ascii() {
        return Some(c as u8);
    }
    let c = match letter(c) {
        Some(l) if l.upper && l.tone as u8 != 0 => l.char().to_lowercase().next()?,
        _ => c,
    };
    TABLE.iter().position(|&t| t == c).map(|i| 0xA0 + i as u8)
}

/// Unicode (NFC) to VN3 bytes.
pub fn encode(s: &str) -> Option<Vec<u8>> {
    s.chars().map(byte_of).collect()
}

/// Whether a decoded letter is one VN3 can only hold in lower case (a toned vowel).
fn caseless(c: char) -> bool {
    letter(c).is_some_and(|l| l.tone as u8 != 0)
}

/// VN3 bytes to Unicode, capitals restored (see the module docs); `None` at an unassigned byte.
pub fn decode(bytes: &[u8]) -> Option<String> {
    Some(restore_capitals(&decode_small(bytes)?))
}

/// VN3 bytes to Unicode, toned vowels in lower case as VN3 has them.
pub fn decode_small(bytes: &[u8]) -> Option<String> {
    bytes.iter().map(|&b| letter_of(b)).collect()
}

/// Capitals for the toned vowels of decoded VN3 text where the context asks for them.
pub fn restore_capitals(text: &str) -> String {
    if !text.chars().any(caseless) {
        return text.to_owned();
    }
    // Capitals by context: the letters with a case in a word (or in the whole text), at least two of them,
    // all capitals.
    let shouting = |s: &str| {
        let mut cased = s.chars().filter(|c| is_letter(*c) && !caseless(*c));
        let mut n = 0;
        cased.all(|c| {
            n += 1;
            c.is_uppercase()
        }) && n >= 2
    };
    let text_caps = shouting(text);
    let words: Vec<&str> = text.split(' ').collect();
    // A name: every word that starts with a cased letter starts with a capital, except those that start
    // with a caseless toned vowel.
    let starts: Vec<char> = words.iter().filter_map(|w| w.chars().next().filter(|c| is_letter(*c))).collect();
    let title = starts.iter().any(|c| !caseless(*c)) && starts.iter().all(|c| caseless(*c) || c.is_uppercase());
    let mut out = String::with_capacity(text.len());
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let caps = text_caps || shouting(w);
        for (j, c) in w.chars().enumerate() {
            if caseless(c) && (caps || (j == 0 && title)) {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_examples() {
        let bytes: Vec<u8> = "NguyÔn V¨n An".chars().map(|c| c as u8).collect();
        assert_eq!(decode(&bytes).unwrap(), "Nguyễn Văn An");
        let bytes: Vec<u8> = "Th«n Th¹ch Nham §«ng".chars().map(|c| c as u8).collect();
        assert_eq!(decode(&bytes).unwrap(), "Thôn Thạch Nham Đông");
    }

    #[test]
    fn table_holds_every_lower_case_letter_once() {
        let letters: Vec<char> = TABLE.iter().copied().filter(|c| *c != '\0').collect();
        assert_eq!(letters.len(), 74);
        let mut sorted = letters.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 74);
        for c in crate::vntext::letter::all_non_ascii() {
            if c.is_lowercase() {
                assert!(letters.contains(&c), "{c}");
            }
        }
    }

    #[test]
    fn capitals_come_back_from_context() {
        for (text, want) in [
            ("NGUYÔN V¡N AN", "NGUYỄN VĂN AN"),
            ("NguyÔn ThÞ ¸nh", "Nguyễn Thị Ánh"),
            ("x· ¸nh s¸ng", "xã ánh sáng"),
            ("¸nh", "ánh"),
            ("TrÇn ThÞ Thu Hµ", "Trần Thị Thu Hà"),
            ("TRÇN THÞ THU Hµ", "TRẦN THỊ THU HÀ"),
            ("NGUYÔN ThÞ Hµ", "NGUYỄN Thị Hà"),
        ] {
            let bytes: Vec<u8> = text.chars().map(|c| c as u8).collect();
            assert_eq!(decode(&bytes).unwrap(), want);
        }
    }
}
