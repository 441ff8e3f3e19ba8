//! VNI-Windows (the VNI fonts, `VNI-Times`): a base letter followed by one byte for its marks.
//!
//! Source: the VNI-Windows character table published by VNI Software (Vietnamese Newspaper Inc., 1987-),
//! as reproduced in the converters' charset tables (Unikey, vietnamese-conversion): ASCII base letters, then
//! one byte for the tone, for the circumflex with its tone, or for the breve with its tone; the letters
//! `ơ ư đ` and the `i` with a tone (and `ỵ`) are single bytes. Bytes as Windows-1252 shows them:
//!
//! | marks | lower | upper |
//! |---|---|---|
//! | tone: huyền hỏi ngã sắc nặng | `ø û õ ù ï` | `Ø Û Õ Ù Ï` |
//! | circumflex: - huyền hỏi ngã sắc nặng | `â à å ã á ä` | `Â À Å Ã Á Ä` |
//! | breve: - huyền hỏi ngã sắc nặng | `ê è ú ü é ë` | `Ê È Ú Ü É Ë` |
//! | `i`: huyền hỏi ngã sắc nặng | `ì æ ó í ò` | `Ì Æ Ó Í Ò` |
//! | `ỵ`, `ơ`, `ư`, `đ` | `î ô ö ñ` | `Î Ô Ö Ñ` |
//!
//! So `Nguyễn` is `Nguyeãn`, `Trường` is `Tröôøng`, `Đặng` is `Ñaëng`.

use super::super::letter::{letter, Letter, Tone};

const TONE: [[char; 6]; 2] = [['\0', 'ø', 'û', 'õ', 'ù', 'ï'], ['\0', 'Ø', 'Û', 'Õ', 'Ù', 'Ï']];
const CIRCUMFLEX: [[char; 6]; 2] = [['â', 'à', 'å', 'ã', 'á', 'ä'], ['Â', 'À', 'Å', 'Ã', 'Á', 'Ä']];
const BREVE: [[char; 6]; 2] = [['ê', 'è', 'ú', 'ü', 'é', 'ë'], ['Ê', 'È', 'Ú', 'Ü', 'É', 'Ë']];
const I: [[char; 6]; 2] = [['i', 'ì', 'æ', 'ó', 'í', 'ò'], ['I', 'Ì', 'Æ', 'Ó', 'Í', 'Ò']];
/// The single-byte `ỵ`, `ơ`, `ư`, `đ` (lower, upper).
const Y_DOT: [char; 2] = ['î', 'Î'];
const O_HORN: [char; 2] = ['ô', 'Ô'];
const U_HORN: [char; 2] = ['ö', 'Ö'];
const D_STROKE: [char; 2] = ['ñ', 'Ñ'];

/// A vowel letter in VNI: the base character and its mark character, if any.
fn encode_letter(l: Letter) -> (char, Option<char>) {
    let u = l.upper as usize;
    let t = l.tone as usize;
    let ascii = |c: u8| if l.upper { c.to_ascii_uppercase() as char } else { c as char };
    let tone = (t > 0).then(|| TONE[u][t]);
    match l.vowel {
        0 => (ascii(b'a'), tone),
        1 => (ascii(b'a'), Some(BREVE[u][t])),
        2 => (ascii(b'a'), Some(CIRCUMFLEX[u][t])),
        3 => (ascii(b'e'), tone),
        4 => (ascii(b'e'), Some(CIRCUMFLEX[u][t])),
        5 => (I[u][t], None),
        6 => (ascii(b'o'), tone),
        7 => (ascii(b'o'), Some(CIRCUMFLEX[u][t])),
        8 => (O_HORN[u], tone),
        9 => (ascii(b'u'), tone),
        10 => (U_HORN[u], tone),
        _ if l.tone == Tone::Dot => (Y_DOT[u], None),
        _ => (ascii(b'y'), tone),
    }
}

/// Unicode (NFC) to VNI, as Windows-1252 shows it; `None` for characters VNI does not hold.
pub fn encode(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if let Some(l) = letter(c) {
            let (base, mark) = encode_letter(l);
            out.push(base);
            out.extend(mark);
        } else if c == 'đ' || c == 'Đ' {
            out.push(D_STROKE[(c == 'Đ') as usize]);
        } else {
            return None;
        }
    }
    Some(out)
}

/// The vowel (index into `letter::VOWELS`) and case of a base character, without any mark.
fn base_of(c: char) -> Option<(u8, bool)> {
    let v = match c.to_ascii_lowercase() {
        'a' => 0,
        'e' => 3,
        'o' => 6,
        'u' => 9,
        'y' => 11,
        _ => {
            return match c {
                'ô' | 'Ô' => Some((8, c == 'Ô')),
                'ö' | 'Ö' => Some((10, c == 'Ö')),
                _ => None,
            }
        }
    };
    Some((v, c.is_ascii_uppercase()))
}

fn find(table: &[[char; 6]; 2], m: char) -> Option<usize> {
    table.iter().find_map(|row| row.iter().position(|&x| x == m && x != '\0'))
}

/// The position of a mark in the row of its case (a small base takes small marks, a capital capitals).
fn find_cased(table: &[[char; 6]; 2], upper: bool, m: char) -> Option<usize> {
    table[upper as usize].iter().position(|&x| x == m && x != '\0')
}

/// A base vowel with a following mark character, if the mark applies to it (and is of its case).
fn combine(vowel: u8, upper: bool, m: char) -> Option<char> {
    let with = |vowel: u8, t: usize| Letter { vowel, tone: Tone::ALL[t], upper }.char();
    if let Some(t) = find_cased(&TONE, upper, m) {
        return Some(with(vowel, t));
    }
    if let Some(t) = find_cased(&CIRCUMFLEX, upper, m) {
        return match vowel {
            0 => Some(with(2, t)),
            3 => Some(with(4, t)),
            6 => Some(with(7, t)),
            _ => None,
        };
    }
    if let Some(t) = find_cased(&BREVE, upper, m) {
        return (vowel == 0).then(|| with(1, t));
    }
    None
}

fn is_mark(c: char) -> bool {
    find(&TONE, c).is_some() || find(&CIRCUMFLEX, c).is_some() || find(&BREVE, c).is_some()
}

/// VNI (as Windows-1252 shows it) to Unicode; `None` at a character VNI does not define or a mark without
/// a vowel of its case to sit on (VNI keyboards write a capital's marks in capitals: `NGUYEÃN`, `Nguyeãn`).
pub fn decode(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some((vowel, upper)) = base_of(c) {
            if let Some(&m) = chars.peek() {
                if let Some(l) = combine(vowel, upper, m) {
                    out.push(l);
                    chars.next();
                    continue;
                }
            }
            out.push(Letter { vowel, tone: Tone::Level, upper }.char());
        } else if c.is_ascii() {
            out.push(c);
        } else if let Some(t) = find(&I, c) {
            out.push(Letter { vowel: 5, tone: Tone::ALL[t], upper: c.is_uppercase() }.char());
        } else if Y_DOT.contains(&c) {
            out.push(Letter { vowel: 11, tone: Tone::Dot, upper: c == 'Î' }.char());
        } else if D_STROKE.contains(&c) {
            out.push(if c == 'Ñ' { 'Đ' } else { 'đ' });
        } else {
            debug_assert!(is_mark(c) || !c.is_ascii());
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_words() {
        for (uni, vni) in [
            ("Nguyễn Văn An", "Nguyeãn Vaên An"),
            ("Trường Đại học", "Tröôøng Ñaïi hoïc"),
            ("Việt Nam", "Vieät Nam"),
            ("Thành phố Hồ Chí Minh", "Thaønh phoá Hoà Chí Minh"),
            ("ĐÀ NẴNG", "ÑAØ NAÜNG"),
            ("Đặng Thị Ỵ", "Ñaëng Thò Î"),
        ] {
            assert_eq!(encode(uni).unwrap(), vni);
            assert_eq!(decode(vni).unwrap(), uni);
        }
    }

    #[test]
    fn marks_without_a_vowel_are_not_vni() {
        assert_eq!(decode("TuyÕn"), None);
        assert_eq!(decode("Müller"), None);
        assert_eq!(decode("José"), None);
        assert_eq!(decode("François"), None);
    }
}
