//! The Vietnamese vowel letters as (vowel, tone, case) triples, and back.
//!
//! Vietnamese writes twelve vowels (`a ă â e ê i o ô ơ u ư y`), each with one of six tones (none, huyền `à`,
//! hỏi `ả`, ngã `ã`, sắc `á`, nặng `ạ`), in two cases: 144 letters, of which the 12 toneless plain vowels are
//! ASCII. With `đ`/`Đ` that makes the 134 non-ASCII Vietnamese letters. Every one of them has a precomposed
//! Unicode code point (Latin-1, Latin Extended-A/B or the Vietnamese block U+1EA0..U+1EF9), so lookups are
//! two small arrays, built at compile time from the table below.

/// The tone marks, in the order of the table's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tone {
    /// ngang: no mark
    Level = 0,
    /// huyền: grave `à`
    Grave = 1,
    /// hỏi: hook above `ả`
    Hook = 2,
    /// ngã: tilde `ã`
    Tilde = 3,
    /// sắc: acute `á`
    Acute = 4,
    /// nặng: dot below `ạ`
    Dot = 5,
}

impl Tone {
    pub const ALL: [Tone; 6] = [Tone::Level, Tone::Grave, Tone::Hook, Tone::Tilde, Tone::Acute, Tone::Dot];

    /// The combining mark (U+0300 grave, U+0309 hook, U+0303 tilde, U+0301 acute, U+0323 dot below).
    pub fn combining(self) -> Option<char> {
        match self {
            Tone::Level => None,
            Tone::Grave => Some('\u{300}'),
            Tone::Hook => Some('\u{309}'),
            Tone::Tilde => Some('\u{303}'),
            Tone::Acute => Some('\u{301}'),
            Tone::Dot => Some('\u{323}'),
        }
    }

    /// The tone a combining mark stands for (also the deprecated tone marks U+0340/U+0341).
    pub fn from_combining(c: char) -> Option<Tone> {
        match c {
            '\u{300}' | '\u{340}' => Some(Tone::Grave),
            '\u{309}' => Some(Tone::Hook),
            '\u{303}' => Some(Tone::Tilde),
            '\u{301}' | '\u{341}' => Some(Tone::Acute),
            '\u{323}' => Some(Tone::Dot),
            _ => None,
        }
    }
}

/// The twelve vowels in table order (the index is [`Letter::vowel`]).
pub const VOWELS: [char; 12] = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'];

/// The ASCII letter each vowel folds to.
const FOLDED: [u8; 12] = *b"aaaeeiooouuy";

/// Index of a vowel that carries a quality mark (breve, circumflex, horn): `ă â ê ô ơ ư`.
pub fn has_quality_mark(vowel: u8) -> bool {
    matches!(vowel, 1 | 2 | 4 | 7 | 8 | 10)
}

/// Every vowel with every tone, lower case: `LOWER[vowel][tone]`.
pub const LOWER: [[char; 6]; 12] = [
    ['a', 'à', 'ả', 'ã', 'á', 'ạ'],
    ['ă', 'ằ', 'ẳ', 'ẵ', 'ắ', 'ặ'],
    ['â', 'ầ', 'ẩ', 'ẫ', 'ấ', 'ậ'],
    ['e', 'è', 'ẻ', 'ẽ', 'é', 'ẹ'],
    ['ê', 'ề', 'ể', 'ễ', 'ế', 'ệ'],
    ['i', 'ì', 'ỉ', 'ĩ', 'í', 'ị'],
    ['o', 'ò', 'ỏ', 'õ', 'ó', 'ọ'],
    ['ô', 'ồ', 'ổ', 'ỗ', 'ố', 'ộ'],
    ['ơ', 'ờ', 'ở', 'ỡ', 'ớ', 'ợ'],
    ['u', 'ù', 'ủ', 'ũ', 'ú', 'ụ'],
    ['ư', 'ừ', 'ử', 'ữ', 'ứ', 'ự'],
    ['y', 'ỳ', 'ỷ', 'ỹ', 'ý', 'ỵ'],
];

/// [`LOWER`] in upper case (a test checks it against `char::to_uppercase`).
pub const UPPER: [[char; 6]; 12] = [
    ['A', 'À', 'Ả', 'Ã', 'Á', 'Ạ'],
    ['Ă', 'Ằ', 'Ẳ', 'Ẵ', 'Ắ', 'Ặ'],
    ['Â', 'Ầ', 'Ẩ', 'Ẫ', 'Ấ', 'Ậ'],
    ['E', 'È', 'Ẻ', 'Ẽ', 'É', 'Ẹ'],
    ['Ê', 'Ề', 'Ể', 'Ễ', 'Ế', 'Ệ'],
    ['I', 'Ì', 'Ỉ', 'Ĩ', 'Í', 'Ị'],
    ['O', 'Ò', 'Ỏ', 'Õ', 'Ó', 'Ọ'],
    ['Ô', 'Ồ', 'Ổ', 'Ỗ', 'Ố', 'Ộ'],
    ['Ơ', 'Ờ', 'Ở', 'Ỡ', 'Ớ', 'Ợ'],
    ['U', 'Ù', 'Ủ', 'Ũ', 'Ú', 'Ụ'],
    ['Ư', 'Ừ', 'Ử', 'Ữ', 'Ứ', 'Ự'],
    ['Y', 'Ỳ', 'Ỷ', 'Ỹ', 'Ý', 'Ỵ'],
];

/// A Vietnamese vowel letter: which vowel ([`VOWELS`] index), which tone, which case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Letter {
    pub vowel: u8,
    pub tone: Tone,
    pub upper: bool,
}

impl Letter {
    /// The precomposed character.
    pub fn char(self) -> char {
        let table = if self.upper { &UPPER } else { &LOWER };
        table[self.vowel as usize][self.tone as usize]
    }

    /// The same letter with another tone.
    pub fn with_tone(self, tone: Tone) -> Letter {
        Letter { tone, ..self }
    }

    /// The ASCII letter it folds to, in its case.
    pub fn folded(self) -> char {
        let c = FOLDED[self.vowel as usize];
        if self.upper {
            c.to_ascii_uppercase() as char
        } else {
            c as char
        }
    }
}

// Packed lookup: 0 = not a vowel letter, else 1 + vowel * 12 + tone * 2 + upper.
const LATIN_START: u32 = 0x41; // 'A'
const LATIN_END: u32 = 0x1B1; // past 'ư'
const VIET_START: u32 = 0x1EA0;
const VIET_END: u32 = 0x1EFA;

const fn pack(vowel: usize, tone: usize, upper: bool) -> u16 {
    (1 + vowel * 12 + tone * 2 + upper as usize) as u16
}

const fn build<const N: usize>(start: u32, end: u32) -> [u16; N] {
    let mut out = [0u16; N];
    let mut v = 0;
    while v < 12 {
        let mut t = 0;
        while t < 6 {
            let lo = LOWER[v][t] as u32;
            let up = UPPER[v][t] as u32;
            if lo >= start && lo < end {
                out[(lo - start) as usize] = pack(v, t, false);
            }
            if up >= start && up < end {
                out[(up - start) as usize] = pack(v, t, true);
            }
            t += 1;
        }
        v += 1;
    }
    out
}

static LATIN: [u16; (LATIN_END - LATIN_START) as usize] = build(LATIN_START, LATIN_END);
static VIET: [u16; (VIET_END - VIET_START) as usize] = build(VIET_START, VIET_END);

/// The vowel letter `c` is, precomposed (NFC) form; `None` for consonants, `đ`, and everything else.
#[inline]
pub fn letter(c: char) -> Option<Letter> {
    let u = c as u32;
    let packed = if (LATIN_START..LATIN_END).contains(&u) {
        LATIN[(u - LATIN_START) as usize]
    } else if (VIET_START..VIET_END).contains(&u) {
        VIET[(u - VIET_START) as usize]
    } else {
        0
    };
    if packed == 0 {
        return None;
    }
    let p = (packed - 1) as usize;
    let tone = Tone::ALL[(p % 12) / 2];
    Some(Letter { vowel: (p / 12) as u8, tone, upper: p % 2 == 1 })
}

/// `char::is_alphabetic`, quick for ASCII and the Vietnamese letters (the general lookup showed in profiles).
#[inline]
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        letter(c).is_some() || c == 'đ' || c == 'Đ' || c.is_alphabetic()
    }
}

/// Every non-ASCII Vietnamese letter: the 132 vowel letters with a mark, `đ` and `Đ` (134 in all).
#[cfg(test)]
pub fn all_non_ascii() -> impl Iterator<Item = char> {
    LOWER.iter().chain(UPPER.iter()).flat_map(|row| row.iter().copied()).filter(|c| !c.is_ascii()).chain(['đ', 'Đ'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn upper_table_is_the_upper_case_of_the_lower_table() {
        for v in 0..12 {
            for t in 0..6 {
                let up: String = LOWER[v][t].to_uppercase().collect();
                assert_eq!(up, UPPER[v][t].to_string(), "{}", LOWER[v][t]);
            }
        }
    }

    #[test]
    fn tables_follow_the_unicode_decompositions() {
        // Each toned letter is its toneless vowel plus the tone's combining mark.
        for table in [&LOWER, &UPPER] {
            for row in table.iter() {
                let base: String = row[0].to_string().nfd().collect();
                for tone in Tone::ALL.iter().skip(1) {
                    let nfd: String = row[*tone as usize].to_string().nfd().collect();
                    let want: String = format!("{base}{}", tone.combining().unwrap()).nfd().collect();
                    assert_eq!(nfd, want, "{}", row[*tone as usize]);
                }
            }
        }
    }

    #[test]
    fn lookup_inverts_the_tables() {
        let mut n = 0;
        for (upper, table) in [(false, &LOWER), (true, &UPPER)] {
            for (v, row) in table.iter().enumerate() {
                for (t, &c) in row.iter().enumerate() {
                    let l = letter(c).unwrap();
                    assert_eq!(l, Letter { vowel: v as u8, tone: Tone::ALL[t], upper });
                    assert_eq!(l.char(), c);
                    n += 1;
                }
            }
        }
        assert_eq!(n, 144);
        assert_eq!(all_non_ascii().count(), 134);
        for c in ['b', 'đ', 'Đ', 'ç', 'ü', 'ñ', 'ß', ' ', '1'] {
            assert_eq!(letter(c), None, "{c}");
        }
    }
}
