//! Legacy 8-bit Vietnamese text as it shows after a Windows-1252 round trip, and its recognition.
//!
//! Before Unicode, Vietnamese text was written in font encodings: TCVN3 (the national standard's "ABC" fonts),
//! VNI-Windows (the VNI fonts) and CP1258 (Windows' own code page). Opened as Windows-1252, which is what
//! happens to such a file or database column once the font information is gone, the text turns into
//! mojibake: `Nguyễn Văn An` becomes `NguyÔn V¨n An` (TCVN3), `Nguyeãn Vaên An` (VNI) or `NguyêÞn Vãn An`
//! (CP1258). [`decode`] turns it back, [`encode`] makes it (the generator plants damaged names with it), and
//! [`detect`] tells which encoding a text is in, if any.
//!
//! ```
//! use thuadat::vntext::legacy::{decode, detect, encode, Legacy};
//! assert_eq!(encode("Thôn Thạch Nham Đông", Legacy::Tcvn3).unwrap(), "Th«n Th¹ch Nham §«ng");
//! assert_eq!(detect("NguyÔn V¨n An"), Some(Legacy::Tcvn3));
//! assert_eq!(decode("NguyÔn V¨n An", Legacy::Tcvn3).unwrap(), "Nguyễn Văn An");
//! assert_eq!(detect("Tröôøng Ñaïi hoïc"), Some(Legacy::Vni));
//! assert_eq!(detect("NguyêÞn Vãn An"), Some(Legacy::Cp1258));
//! // Clean text, Vietnamese or not, is left alone.
//! assert_eq!(detect("Nguyễn Văn An"), None);
//! assert_eq!(detect("Võ Thành Tâm"), None);
//! assert_eq!(detect("Jürgen Müller"), None);
//! ```
//!
//! # Detection
//!
//! Text can only be mojibake if every character is one Windows-1252 can show (clean Vietnamese almost
//! always has a letter such as `ă ơ ư đ ễ` that it cannot). Then each encoding that can decode the text at
//! all (no unassigned byte, every VNI or CP1258 mark on a vowel) is weighed by its words: a word the decoding
//! changes must become a Vietnamese syllable (spelling, one tone on the nucleus, tone fitting the coda; see
//! `syllable`), and the evidence is the number of changed words that were not Vietnamese before and are
//! after. The encoding with the most evidence wins; none (or a tie) means the text is taken as it is. So
//! `Võ` (a valid syllable that CP1258 would turn into `Vơ`) is no evidence, `Müller` decodes to no
//! Vietnamese in any encoding, and `V¨n` is evidence for TCVN3.

mod cp1252;
mod cp1258;
mod tcvn3;
mod vni;

use std::fmt;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::syllable::is_vietnamese_word;

/// A legacy Vietnamese encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Legacy {
    /// TCVN 5712:1993 VN3, the "ABC" fonts: one byte per letter, no capitals with a tone.
    Tcvn3,
    /// VNI-Windows, the VNI fonts: base letter plus a byte for its marks.
    Vni,
    /// Windows code page 1258: precomposed vowels, combining tone marks.
    Cp1258,
}

impl Legacy {
    /// The three encodings.
    pub const ALL: [Legacy; 3] = [Legacy::Tcvn3, Legacy::Vni, Legacy::Cp1258];

    /// Short name: `tcvn3`, `vni`, `cp1258`.
    pub fn name(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "tcvn3",
            Legacy::Vni => "vni",
            Legacy::Cp1258 => "cp1258",
        }
    }
}

impl fmt::Display for Legacy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn nfc(s: &str) -> std::borrow::Cow<'_, str> {
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.nfc().collect())
    }
}

fn show(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| cp1252::char_of(b)).collect()
}

fn bytes(s: &str) -> Option<Vec<u8>> {
    s.chars().map(cp1252::byte_of).collect()
}

/// The text written in `encoding` and read back as Windows-1252: the mojibake it turns into. `None` when the
/// text has a character the encoding cannot hold (CJK, `€` in TCVN3, ...). Capitals with a tone are written
/// with their lower-case code in TCVN3, which has none (see [`decode`]).
pub fn encode(s: &str, encoding: Legacy) -> Option<String> {
    let s = nfc(s);
    match encoding {
        Legacy::Tcvn3 => tcvn3::encode(&s).map(|b| show(&b)),
        Legacy::Vni => vni::encode(&s),
        Legacy::Cp1258 => cp1258::encode(&s).map(|b| show(&b)),
    }
}

/// Mojibake of `encoding` back to Unicode (NFC). `None` when the text cannot be in that encoding: a
/// character Windows-1252 cannot show, a byte the encoding leaves unassigned, a VNI or CP1258 mark with no
/// vowel to sit on. ASCII comes back as it is. TCVN3 capitals with a tone come back from their context: in a
/// word of capitals, and at the start of a word when all other words start with a capital.
pub fn decode(s: &str, encoding: Legacy) -> Option<String> {
    match encoding {
        Legacy::Tcvn3 => tcvn3::decode(&bytes(s)?),
        Legacy::Vni => vni::decode(s),
        Legacy::Cp1258 => cp1258::decode(&bytes(s)?),
    }
}

/// Whether the text could be mojibake at all: not ASCII, and every character one Windows-1252 shows.
pub(crate) fn maybe_legacy(s: &str) -> bool {
    !s.is_ascii() && s.chars().all(|c| cp1252::byte_of(c).is_some())
}

/// The encoding the text is mojibake of, if the evidence says so (see the module docs).
pub fn detect(s: &str) -> Option<Legacy> {
    detect_decode(s).map(|(e, _)| e)
}

/// [`detect`] with the decoded text.
pub(crate) fn detect_decode(s: &str) -> Option<(Legacy, String)> {
    if !maybe_legacy(s) {
        return None;
    }
    let mut best: Option<(Legacy, String)> = None;
    let mut best_gain = 0;
    let mut tie = false;
    for e in Legacy::ALL {
        let Some(decoded) = decode(s, e) else { continue };
        let Some(gain) = evidence(s, &decoded) else { continue };
        if gain > best_gain {
            best = Some((e, decoded));
            best_gain = gain;
            tie = false;
        } else if gain == best_gain {
            tie = true;
        }
    }
    if tie {
        None
    } else {
        best
    }
}

/// The number of words the decoding turns from non-Vietnamese into Vietnamese; `None` when a changed word is
/// not Vietnamese afterwards, or nothing was gained.
fn evidence(original: &str, decoded: &str) -> Option<usize> {
    let mut gain = 0;
    for (a, b) in original.split_whitespace().zip(decoded.split_whitespace()) {
        if a == b {
            continue;
        }
        if !is_vietnamese_word(b) {
            return None;
        }
        if !is_vietnamese_word(a) {
            gain += 1;
        }
    }
    (gain > 0).then_some(gain)
}
