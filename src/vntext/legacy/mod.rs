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
//! always has a letter such as `ă ơ ư đ ễ` that it cannot). Then the text is read word by word in each
//! encoding, and each reading weighed:
//!
//! * a word that is not Vietnamese spelling (`V¨n`, `Nguyeãn`, `QuÝ` with its capital after a small letter)
//!   must become Vietnamese, or the reading fails; it is evidence (2 when its tone mark sits where Vietnamese
//!   puts it, 1 when not or when its nucleus is rare: `Võ` beats `Voị`);
//! * a word that is Vietnamese either way (`Vãn` is a word, and CP1258 for `Văn`) is evidence only when it
//!   becomes a syllable frequent in names and addresses (1), and is kept when it already is one and would
//!   not stay one (`Công`, which VNI would read `Cơng`); a word the encoding cannot hold is kept (a `Lê`
//!   retyped in Unicode among VNI words), and then all the ambiguous words of the text are kept too.
//!
//! The reading with the most evidence wins, ties in the order of [`Legacy::ALL`] (TCVN3, VNI, CP1258: how
//! common they were). A text of one word, or with a word that is not Vietnamese (`Loïc Dupont`; `Loïc` is
//! VNI for `Lọc`), needs evidence 3. No evidence means the text is taken as it is: `Võ` (which CP1258 would
//! turn into `Vơ`) is no evidence, `Müller` is Vietnamese in no reading, `V¨n` is evidence for TCVN3.

mod cp1252;
mod cp1258;
mod tcvn3;
mod vni;

use std::fmt;

use super::letter::is_letter;
use super::lexicon::is_common;
use super::syllable::{typed_word_fit, word_fit, Fit};
use super::{lexicon_key, nfc};

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
    /// The three encodings, the most common in Vietnamese offices first: TCVN3 was the national standard
    /// (the ABC fonts of most government spreadsheets), VNI the common alternative, CP1258 rare. [`detect`]
    /// breaks ties in this order.
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

/// [`detect`] with the decoded text (words joined by single spaces).
pub(crate) fn detect_decode(s: &str) -> Option<(Legacy, String)> {
    if !maybe_legacy(s) {
        return None;
    }
    // Clean Vietnamese in Latin-1 letters only (`Lê Hoàng Quân`): words that are frequent syllables, well
    // placed, give no evidence in any reading (see `read_as`).
    if s.split_whitespace().filter(|w| !w.is_ascii()).all(|w| typed_word_fit(w) == Some(Fit::Canonical) && common(w)) {
        return None;
    }
    let mut best: Option<(Legacy, String)> = None;
    let mut best_gain = 0;
    for e in Legacy::ALL {
        let Some((gain, decoded)) = read_as(s, e, false).and_then(|(gain, decoded, mixed)| {
            // Some words were clean: ambiguous words are more likely clean too.
            if mixed {
                read_as(s, e, true).map(|(g, d, _)| (g, d))
            } else {
                Some((gain, decoded))
            }
        }) else {
            continue;
        };
        // Ties go to the earlier encoding of `Legacy::ALL`.
        if gain > best_gain {
            best = Some((e, decoded));
            best_gain = gain;
        }
    }
    best
}

/// The least evidence [`detect`] acts on in a text of one word or with a word that is not Vietnamese (`Loïc`,
/// `Loïc Dupont`): one word that becomes a frequent syllable (`V¨n` -> `Văn`), or two words. One word that
/// becomes a rare syllable is not enough there: `Loïc` is VNI for `Lọc`.
const MIN_FOREIGN_EVIDENCE: usize = 3;

/// One word decoded for detection (TCVN3's capitals are restored on the whole text afterwards).
fn decode_word(w: &str, e: Legacy) -> Option<String> {
    match e {
        Legacy::Tcvn3 => tcvn3::decode_small(&bytes(w)?),
        _ => decode(w, e),
    }
}

/// The text read as mojibake of `e`, word by word, with the evidence for that reading (see the module
/// docs); `None` when a word that is not Vietnamese does not become Vietnamese.
///
/// A changed word counts 2 when it was not Vietnamese before and reads as a usual syllable after, 1 when it
/// reads as an unusual one (a misplaced tone mark: `Voị` against `Võ`; a rare nucleus), and 1 more when it
/// becomes a syllable frequent in names and addresses that it was not (`Vãn` -> `Văn`), or a usual syllable
/// from an unusual one (`Taù` -> `Tá`). Words that are Vietnamese already and would not become anything
/// better are kept: a clean `Lê` among VNI words (which VNI cannot decode), a frequent `Công` that VNI would
/// make `Cơng`. A word as typed with a capital after a small letter (`QuÝ`) is not Vietnamese.
///
/// The third value tells whether a word the encoding cannot hold was kept (a text half retyped in Unicode);
/// read `mixed`, every word that is Vietnamese already and well placed is kept (`Lê Hoàng Cöôøng`: `Hoàng`,
/// not `Hồng`).
fn read_as(s: &str, e: Legacy, mixed: bool) -> Option<(usize, String, bool)> {
    let mut gain = 0;
    let mut kept = false;
    let mut foreign = false;
    let mut words = 0;
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        words += 1;
        if !out.is_empty() {
            out.push(' ');
        }
        let before = typed_word_fit(w);
        let decoded = decode_word(w, e).filter(|d| d != w);
        let after = decoded.as_deref().and_then(word_fit);
        match (decoded, before, after) {
            (Some(d), None, Some(fit)) => {
                gain += if fit == Fit::Canonical { 2 } else { 1 } + common(&d) as usize;
                out.push_str(&d);
            }
            (Some(d), Some(b), Some(a)) if b == Fit::Unusual || (!mixed && (!common(w) || common(&d))) => {
                gain += (common(&d) && !common(w)) as usize + (b == Fit::Unusual && a == Fit::Canonical) as usize;
                out.push_str(&d);
            }
            (_, Some(_), _) | (None, None, _) if w.is_ascii() || before.is_some() => {
                kept |= !w.is_ascii() && decode_word(w, e).is_none();
                foreign |= before.is_none();
                out.push_str(w)
            }
            _ => return None,
        }
    }
    if e == Legacy::Tcvn3 {
        out = tcvn3::restore_capitals(&out);
    }
    let least = if foreign || words == 1 { MIN_FOREIGN_EVIDENCE } else { 1 };
    (gain >= least).then_some((gain, out, kept))
}

/// Whether every syllable of a word is frequent in names and addresses.
fn common(word: &str) -> bool {
    let key = lexicon_key(word);
    let mut runs = key.split(|c: char| !is_letter(c)).filter(|r| !r.is_empty()).peekable();
    runs.peek().is_some() && runs.all(is_common)
}
