//! Vietnamese text as land records carry it: normalisation for comparison.
//!
//! Names and addresses arrive decomposed (NFD), in upper case, without diacritics, with stray spaces, with
//! either tone placement (`hoà` or `hòa`), or in legacy 8-bit encodings (TCVN3, VNI-Windows, CP1258) seen
//! through a Windows-1252 round trip ([`legacy`]). Three levels of cleaning:
//!
//! * [`repair`]: the text as it should have been written (legacy encodings decoded, NFC, one tone
//!   placement, single spaces, no invisible soft hyphens or zero-width spaces), case and diacritics kept: for
//!   display and reports;
//! * [`normalize`]: [`repair`] in lower case: the key for exact comparison;
//! * [`fold`]: [`normalize`] without diacritics, `đ` as `d`: the key for records typed without diacritics.
//!
//! ```
//! use thuadat::vntext::{fold, normalize, repair};
//! assert_eq!(normalize("  NGUYỄN   Văn  An "), "nguyễn văn an");
//! assert_eq!(fold("Nguyễn Văn Đạt"), "nguyen van dat");
//! // One tone placement: the mark of open `oa`, `oe`, `uy` on the first vowel.
//! assert_eq!(repair("Khánh Hoà, Thuỷ"), "Khánh Hòa, Thủy");
//! assert_eq!(normalize("HOÀ"), normalize("Hòa"));
//! // Legacy encodings are recognised and decoded.
//! assert_eq!(repair("Th«n Th¹ch Nham §«ng"), "Thôn Thạch Nham Đông");
//! assert_eq!(normalize("NguyÔn V¨n An"), "nguyễn văn an");
//! assert_eq!(fold("Tröôøng"), "truong");
//! ```
//!
//! The tone placement and why it is the canonical one are in the `syllable` module's docs: `hòa`, `khỏe`,
//! `thủy`, the form most text uses. Only syllables that parse as Vietnamese are touched, so foreign names keep
//! their letters as written. Spelling variants that are not tone placement (`Lý`/`Lí`, `Mỹ`/`Mĩ`) are kept.
//!
//! Speed: ASCII text (most of every register once folded) takes a byte loop; other text is read once, with
//! NFC composition and legacy detection only when a quick check says they can change something.

pub mod legacy;
mod letter;
mod lexicon;
mod syllable;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use letter::{is_letter, letter, Letter, Tone};
use syllable::{base, canonical_tone_index, parse, MAX_LEN};

/// The text as it should have been written: legacy encodings decoded, NFC, one tone placement, single spaces,
/// trimmed, invisible format characters (soft hyphen, zero-width space, BOM) dropped; case and diacritics
/// kept.
pub fn repair(s: &str) -> String {
    clean(s, false)
}

/// [`repair`] in lower case: the key for exact comparison of names and addresses.
pub fn normalize(s: &str) -> String {
    clean(s, true)
}

/// [`normalize`] without diacritics: `đ` becomes `d` (it has no Unicode decomposition), so does the eth `ð`
/// (which some data has for `đ`), and the other Latin letters without a decomposition take their usual ASCII
/// spelling (`ß` `ss`, `æ` `ae`, `œ` `oe`, `ø` `o`, `þ` `th`, `ł` `l`).
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return ascii(s, true);
    }
    // Folding drops every mark, so NFC only matters to see legacy text that came decomposed.
    let decoded = if legacy::maybe_legacy(s) {
        legacy::detect_decode(s)
    } else if s.chars().any(|c| ('\u{300}'..='\u{36F}').contains(&c)) {
        legacy::detect_decode(&nfc(s))
    } else {
        None
    };
    let text = decoded.as_ref().map_or(s, |(_, d)| d.as_str());
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    // (Invisible characters are dropped below, with the marks.)
    for c in text.chars() {
        if c.is_ascii() {
            if c.is_ascii_whitespace() || c == '\x0B' {
                space = !out.is_empty();
                continue;
            }
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            let mut push = |c: char| {
                if space {
                    out.push(' ');
                    space = false;
                }
                out.push(c);
            };
            if let Some(l) = letter(c) {
                push(Letter { upper: false, ..l }.folded());
            } else if matches!(c, 'đ' | 'Đ' | 'ð' | 'Ð') {
                // Also the eth, which stands in for `Đ` in some data and transliterates as `d`.
                push('d');
            } else if let Some(ascii) = spelled(c) {
                ascii.chars().for_each(&mut push);
            } else if !is_combining_mark(c) && !invisible(c) {
                for lower in c.to_lowercase() {
                    decompose_canonical(lower, |d| {
                        if !is_combining_mark(d) {
                            push(d)
                        }
                    });
                }
            }
        }
    }
    out
}

/// The usual ASCII spelling of the Latin letters that have no decomposition (besides `đ` and `ð`).
fn spelled(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ø' | 'Ø' => "o",
        'þ' | 'Þ' => "th",
        'ł' | 'Ł' => "l",
        _ => return None,
    })
}

/// ASCII text with single spaces, trimmed, optionally in lower case.
fn ascii(s: &str, lower: bool) -> String {
    let b = s.as_bytes();
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r');
    let tidy = !b.first().is_some_and(|c| ws(*c))
        && !b.last().is_some_and(|c| ws(*c))
        && b.windows(2).all(|w| w[0] != b' ' || w[1] != b' ')
        && b.iter().all(|&c| c == b' ' || !ws(c));
    if tidy {
        return if lower { s.to_ascii_lowercase() } else { s.to_owned() };
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| ws(c as u8)).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        if lower {
            out.extend(word.bytes().map(|c| c.to_ascii_lowercase() as char));
        } else {
            out.push_str(word);
        }
    }
    out
}

/// Invisible format characters that creep into names copied from documents and web pages: soft hyphen, zero
/// width space / non-joiner / joiner, word joiner, byte order mark.
fn invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// The text without [`invisible`] characters (after legacy decoding: in TCVN3 the soft hyphen's byte is `ư`).
fn visible(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.chars().any(invisible) {
        // Marks they kept apart may compose now.
        let kept: String = s.chars().filter(|c| !invisible(*c)).collect();
        Cow::Owned(nfc(&kept).into_owned())
    } else {
        s
    }
}

/// The text in NFC. Text below U+0300 (Latin-1, Latin Extended-A/B) and in Latin Extended Additional (the
/// Vietnamese block) is NFC as it is: a range check per character instead of the general quick check.
fn nfc(s: &str) -> Cow<'_, str> {
    let plain = |c: char| (c as u32) < 0x300 || ('\u{1E00}'..='\u{1EFF}').contains(&c);
    if s.chars().all(plain) || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

fn clean(s: &str, lower: bool) -> String {
    if s.is_ascii() {
        return ascii(s, lower);
    }
    let nfc = nfc(s);
    let text = match legacy::detect_decode(&nfc) {
        Some((_, decoded)) => Cow::Owned(decoded),
        None => nfc,
    };
    let text = visible(text);
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        push_word(word, lower, &mut out);
    }
    out
}

/// A word in lower case with the canonical tone placement, nothing decoded: the key into `lexicon`.
fn lexicon_key(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    push_word(word, true, &mut out);
    out
}

fn push_cased(c: char, lower: bool, out: &mut String) {
    if !lower || c.is_ascii() {
        out.push(if lower { c.to_ascii_lowercase() } else { c });
    } else if let Some(l) = letter(c) {
        out.push(Letter { upper: false, ..l }.char());
    } else {
        out.extend(c.to_lowercase());
    }
}

fn push_str_cased(s: &str, lower: bool, out: &mut String) {
    if lower {
        s.chars().for_each(|c| push_cased(c, true, out));
    } else {
        out.push_str(s);
    }
}

/// A word: its runs of letters as syllables, everything else (hyphens, dots, digits) as it is.
fn push_word(word: &str, lower: bool, out: &mut String) {
    let mut start = None;
    for (i, c) in word.char_indices() {
        // A mark left over after NFC (no precomposed form) stays with its letters: the run is no syllable.
        if is_letter(c) || is_combining_mark(c) {
            start.get_or_insert(i);
        } else {
            if let Some(st) = start.take() {
                push_syllable(&word[st..i], lower, out);
            }
            push_cased(c, lower, out);
        }
    }
    if let Some(st) = start {
        push_syllable(&word[st..], lower, out);
    }
}

/// A run of letters with its tone mark moved to the canonical place, if it is a Vietnamese syllable.
fn push_syllable(run: &str, lower: bool, out: &mut String) {
    if run.is_ascii() {
        return push_str_cased(run, lower, out);
    }
    let mut chars = [' '; MAX_LEN];
    let mut bases = [' '; MAX_LEN];
    let mut n = 0;
    let mut toned = None;
    for c in run.chars() {
        let Some((b, t)) = base(c).filter(|_| n < MAX_LEN) else { return push_str_cased(run, lower, out) };
        if t != Tone::Level {
            if toned.is_some() {
                return push_str_cased(run, lower, out);
            }
            toned = Some((n, t));
        }
        chars[n] = c;
        bases[n] = b;
        n += 1;
    }
    let Some(((at, tone), parts)) = toned.and_then(|t| Some((t, parse(&bases[..n])?))) else {
        return push_str_cased(run, lower, out);
    };
    let target = canonical_tone_index(&bases[..n], parts);
    if target != at {
        if let (Some(from), Some(to)) = (letter(chars[at]), letter(chars[target])) {
            chars[at] = from.with_tone(Tone::Level).char();
            chars[target] = to.with_tone(tone).char();
        }
    }
    chars[..n].iter().for_each(|&c| push_cased(c, lower, out));
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn decomposed_input_is_composed() {
        let nfd: String = "Nguyễn".nfd().collect();
        assert_ne!(nfd, "Nguyễn");
        assert_eq!(repair(&nfd), "Nguyễn");
    }

    #[test]
    fn fold_drops_every_mark_and_d_stroke() {
        assert_eq!(fold("ĐẶNG THỊ HỒNG NHUNG"), "dang thi hong nhung");
        assert_eq!(fold("Trần  Quốc\tTuấn"), "tran quoc tuan");
        assert_eq!(fold(" Jürgen  Müller-Lüdenscheidt "), "jurgen muller-ludenscheidt");
        assert_eq!(fold("Gößmann Ødegård Þór Æsa"), "gossmann odegard thor aesa");
        let nfd: String = "Nguyễn Thị Ánh".nfd().collect();
        assert_eq!(fold(&nfd), "nguyen thi anh");
    }

    #[test]
    fn ascii_spaces() {
        assert_eq!(repair("  Nguyen\t\tVan  An \n"), "Nguyen Van An");
        assert_eq!(normalize("NGUYEN VAN AN"), "nguyen van an");
        assert_eq!(fold("Nguyen\x0BVan"), "nguyen van");
        assert_eq!(repair(""), "");
        assert_eq!(fold("   "), "");
    }

    #[test]
    fn both_tone_styles_normalize_equal() {
        for (old, new) in [
            ("hòa", "hoà"),
            ("Hòa", "Hoà"),
            ("HÒA", "HOÀ"),
            ("khỏe", "khoẻ"),
            ("thủy", "thuỷ"),
            ("Thúy", "Thuý"),
            ("Khánh Hòa", "Khánh Hoà"),
            ("Thanh Hóa", "Thanh Hoá"),
            ("Lê Thị Thủy", "Lê Thị Thuỷ"),
            ("ngoại", "ngoại"),
        ] {
            assert_eq!(repair(new), old, "{new}");
            assert_eq!(repair(old), old);
            assert_eq!(normalize(new), normalize(old));
            let nfd: String = new.nfd().collect();
            assert_eq!(repair(&nfd), old, "NFD {new}");
        }
        // Misplaced marks on nuclei that have one placement only.
        assert_eq!(repair("Qúy ngừơi Hòang"), "Quý người Hoàng");
        // Foreign and non-syllable runs keep their letters.
        assert_eq!(repair("Renée Müller-Hoà"), "Renée Müller-Hòa");
        // U+00D0 (Eth) for Đ is CP1258 mojibake: Đ is byte 0xD0.
        assert_eq!(repair("Ðào"), "Đào");
    }

    #[test]
    fn upper_case_is_kept_by_repair_and_lowered_by_normalize() {
        assert_eq!(repair("ĐẶNG THỊ HOÀ"), "ĐẶNG THỊ HÒA");
        assert_eq!(normalize("ĐẶNG THỊ HOÀ"), "đặng thị hòa");
        assert_eq!(normalize("İstanbul"), "i̇stanbul");
        assert_eq!(repair("Nguy\u{AD}ễn\u{200B} Văn"), "Nguyễn Văn");
        assert_eq!(fold("Ðào Nguy\u{AD}ễn"), "dao nguyen");
    }
}
