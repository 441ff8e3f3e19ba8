//! Vietnamese syllables: structure (onset, vowel nucleus, coda), validity, and where the tone mark goes.
//!
//! A written syllable is an optional onset (`b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v
//! x`), a vowel nucleus of one to three vowels (with the glides `i y o u` that close it), and an optional
//! coda (`c ch m n ng nh p t`). The tables below follow the standard description of Vietnamese orthography
//! (e.g. Đoàn Thiện Thuật, *Ngữ âm tiếng Việt*, and the spelling rules of the Ministry of Education's
//! Decision 240/QĐ of 1984).
//!
//! # Tone placement
//!
//! The tone mark sits on one vowel of the nucleus. Two conventions differ only for the open nuclei `oa`,
//! `oe` and `uy` (no coda, no third vowel): the older, still prevailing one writes `hòa`, `khỏe`, `thủy`
//! (the mark on the first vowel, as in every other open two-vowel nucleus: `mùa`, `mía`, `tài`); the newer
//! one, from the 1980s school rules, writes `hoà`, `khoẻ`, `thuỷ` (on the second, the main vowel). Names
//! carry both (the issue calls them the other way round; Vietnamese usage calls `hòa` *kiểu cũ*, the old
//! style). The canonical form here is the prevailing one, `hòa`/`khỏe`/`thủy`: it is what Unikey and the
//! other input methods produce by default, what Vietnamese Wikipedia and most administrative lists use
//! (`Thanh Hóa`, `Khánh Hòa`), so [`super::repair`] has to rewrite the fewest names. Everything else has one
//! placement in both conventions and [`canonical_tone_index`] gives it:
//!
//! * a vowel with a quality mark (`ă â ê ô ơ ư`) takes the tone (the last one in `ươ`: `người`, `rượu`);
//!   this is why `uê` (`thuế`), `uô`, `ươ`, `iê`/`yê`, `uyê` have no variants;
//! * otherwise a nucleus followed by a coda takes it on its last vowel (`hoàng`, `toán`, `huỳnh`);
//! * otherwise (open) a three-vowel nucleus takes it in the middle (`khoái`, `xoáy`, `ngoéo`, `khuỷu`), a
//!   two-vowel one on the first (`hòa`, `thủy`, `mùa`, `cái`).
//!
//! `u` after `q` and `i` after `g` before another vowel belong to the onset (`quý`, `già`), so `quý`
//! and `giá` have one placement too (`qúy`, a frequent typo, is repaired to `quý`).

use super::letter::{has_quality_mark, is_letter, letter, Tone, VOWELS};

/// Longest syllable handled (`nghiêng` has 7 letters).
pub const MAX_LEN: usize = 8;

/// A letter of a syllable reduced for analysis: lower case, tone stripped (`ễ` -> `ê`).
pub fn base(c: char) -> Option<(char, Tone)> {
    if let Some(l) = letter(c) {
        return Some((VOWELS[l.vowel as usize], l.tone));
    }
    match c {
        'đ' | 'Đ' => Some(('đ', Tone::Level)),
        'a'..='z' => Some((c, Tone::Level)),
        'A'..='Z' => Some((c.to_ascii_lowercase(), Tone::Level)),
        _ => None,
    }
}

fn is_vowel(c: char) -> bool {
    VOWELS.contains(&c)
}

/// Whether a nucleus may, must or must not be followed by a coda.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Coda {
    Open,
    Closed,
    Either,
}

/// The vowel nuclei of Vietnamese spelling (after `qu`/`gi` took their `u`/`i`), with whether they take a
/// coda.
fn nucleus_kind(n: &[char]) -> Option<Coda> {
    use Coda::*;
    Some(match n {
        ['a' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'] => Either,
        ['ă' | 'â'] => Closed,
        ['o', 'a'] | ['o', 'e'] | ['u', 'ê'] | ['u', 'y'] => Either,
        ['i', 'ê'] | ['y', 'ê'] | ['o', 'ă'] | ['o', 'o'] | ['u', 'â'] | ['u', 'ô'] | ['ư', 'ơ'] => Closed,
        ['u', 'y', 'ê'] => Closed,
        ['a', 'i' | 'o' | 'u' | 'y']
        | ['â', 'u' | 'y']
        | ['e', 'o']
        | ['ê', 'u']
        | ['i', 'a' | 'u']
        | ['o' | 'ô' | 'ơ', 'i']
        | ['u', 'a' | 'i' | 'ơ']
        | ['ư', 'a' | 'i' | 'u'] => Open,
        ['i', 'ê', 'u']
        | ['y', 'ê', 'u']
        | ['o', 'a', 'i' | 'y']
        | ['o', 'e', 'o']
        | ['u', 'â', 'y']
        | ['u', 'ô', 'i']
        | ['u', 'y', 'a' | 'u']
        | ['ư', 'ơ', 'i' | 'u'] => Open,
        _ => return None,
    })
}

/// The length of the onset a syllable starts with (`ngh`, `ng`, ..., `b`); `None` for no onset consonant.
fn onset_len(b: &[char]) -> Option<usize> {
    match b {
        ['n', 'g', 'h', ..] => Some(3),
        ['n', 'g' | 'h', ..]
        | ['c' | 'k' | 'p' | 't', 'h', ..]
        | ['g', 'h' | 'i', ..]
        | ['q', 'u', ..]
        | ['t', 'r', ..] => Some(2),
        ['b' | 'c' | 'd' | 'đ' | 'g' | 'h' | 'k' | 'l' | 'm' | 'n' | 'p' | 'r' | 's' | 't' | 'v' | 'x', ..] => Some(1),
        _ => None,
    }
}

fn is_coda(c: &[char]) -> bool {
    matches!(c, [] | ['c' | 'n', 'h'] | ['n', 'g'] | ['c' | 'm' | 'n' | 'p' | 't'])
}

/// Where the parts of a syllable are, in letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parts {
    /// First letter of the nucleus (= onset length).
    pub nucleus: usize,
    /// One past the nucleus' last letter (the coda follows to the end).
    pub coda: usize,
}

/// Splits a syllable given as [`base`] letters; `None` when it is not Vietnamese spelling.
pub fn parse(b: &[char]) -> Option<Parts> {
    if b.is_empty() || b.len() > MAX_LEN {
        return None;
    }
    let mut onset = 0;
    if !is_vowel(b[0]) {
        onset = onset_len(b)?;
        // `gi` before a consonant or at the end is `g` + the vowel `i` (gì, gìn).
        if b.starts_with(&['g', 'i']) && !b.get(2).is_some_and(|c| is_vowel(*c)) {
            onset = 1;
        }
    }
    let mut end = onset;
    while end < b.len() && is_vowel(b[end]) {
        end += 1;
    }
    let nucleus = &b[onset..end];
    let kind = nucleus_kind(nucleus)?;
    let coda = &b[end..];
    match (kind, coda.is_empty()) {
        (Coda::Open, false) | (Coda::Closed, true) => return None,
        _ => {}
    }
    if !is_coda(coda) {
        return None;
    }
    // `ch` and `nh` close only `a`, `ê`, `i`, `oa`, `uê`, `uy` (`anh`, `ếch`, `inh`, `oanh`, `huênh`,
    // `huỳnh`; `y` after `qu`: `quỳnh`).
    if matches!(coda, ['c', 'h'] | ['n', 'h'])
        && !matches!(nucleus, ['a'] | ['ê'] | ['i'] | ['y'] | ['o', 'a'] | ['u', 'ê'] | ['u', 'y'])
    {
        return None;
    }
    // Spelling rules of the onsets: k/gh/ngh before front vowels, c/g/ng before the others.
    let first = nucleus[0];
    let front = matches!(first, 'i' | 'e' | 'ê' | 'y');
    let onset_ok = match &b[..onset] {
        ['k'] => front,
        // The glide of `qu` is already there: no `quo`, `quu`; no `gii`.
        ['q', 'u'] => !matches!(first, 'o' | 'u' | 'ư'),
        ['g', 'i'] => first != 'i',
        ['g', 'h'] | ['n', 'g', 'h'] => matches!(first, 'i' | 'e' | 'ê'),
        ['c'] | ['n', 'g'] => !front,
        ['g'] => !matches!(first, 'e' | 'ê') && (first != 'i' || b.len() <= 3),
        _ => true,
    };
    onset_ok.then_some(Parts { nucleus: onset, coda: end })
}

/// The index (in the syllable) of the letter that carries the tone in the canonical placement.
pub fn canonical_tone_index(b: &[char], p: Parts) -> usize {
    let nucleus = &b[p.nucleus..p.coda];
    if let Some(i) =
        nucleus.iter().rposition(|c| VOWELS.iter().position(|v| v == c).is_some_and(|v| has_quality_mark(v as u8)))
    {
        return p.nucleus + i;
    }
    let n = nucleus.len();
    let i = match (n, p.coda < b.len()) {
        (1, _) => 0,
        (_, true) => n - 1,
        (3, false) => 1,
        _ => 0,
    };
    p.nucleus + i
}

/// Whether the tone is possible with the coda: after `c ch p t` only sắc and nặng.
pub fn tone_fits_coda(b: &[char], p: Parts, tone: Tone) -> bool {
    let stop = matches!(&b[p.coda..], ['c'] | ['c', 'h'] | ['p'] | ['t']);
    !stop || matches!(tone, Tone::Acute | Tone::Dot)
}

/// How well a run of letters reads as a Vietnamese syllable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fit {
    /// Vietnamese spelling with the tone mark on another vowel than either convention puts it (`qúy`,
    /// `voị`), or a nucleus that only a handful of words have (`uơ`, `oo`, `oeo`, `uya`, `uyu`): typos, and
    /// the typical result of decoding text in the wrong encoding.
    Unusual,
    /// Vietnamese spelling, the tone mark where one of the two conventions puts it.
    Canonical,
}

/// How a run of letters reads as one Vietnamese syllable: its spelling parses, at most one tone mark, a tone
/// that fits the coda; `None` when it is not a syllable. Case does not matter.
pub fn fit(run: &str) -> Option<Fit> {
    let mut b = [' '; MAX_LEN];
    let mut n = 0;
    let mut tone = Tone::Level;
    let mut toned_at = None;
    for c in run.chars() {
        let (bc, t) = base(c)?;
        if n == MAX_LEN {
            return None;
        }
        if t != Tone::Level {
            if toned_at.is_some() {
                return None;
            }
            tone = t;
            toned_at = Some(n);
        }
        b[n] = bc;
        n += 1;
    }
    let b = &b[..n];
    let p = parse(b)?;
    if !tone_fits_coda(b, p, tone) {
        return None;
    }
    let rare =
        matches!(&b[p.nucleus..p.coda], ['u', 'ơ'] | ['o', 'o'] | ['o', 'e', 'o'] | ['u', 'y', 'a'] | ['u', 'y', 'u']);
    if rare {
        return Some(Fit::Unusual);
    }
    let Some(at) = toned_at else { return Some(Fit::Canonical) };
    let canonical = canonical_tone_index(b, p);
    // The newer convention: open `oa`, `oe`, `uy` take the mark on their second vowel.
    let newer = matches!(&b[p.nucleus..], ['o', 'a'] | ['o', 'e'] | ['u', 'y']) && at == p.nucleus + 1;
    Some(if at == canonical || newer { Fit::Canonical } else { Fit::Unusual })
}

/// Whether a run of letters is one Vietnamese syllable (see [`fit`]).
#[cfg(test)]
pub fn is_syllable(run: &str) -> bool {
    fit(run).is_some()
}

/// How a word reads as Vietnamese: the worst [`fit`] of its runs of letters (split at ASCII punctuation and
/// digits: hyphens, dots, commas); `None` when a run is not a syllable or the word has a symbol outside ASCII
/// (`§`, `¨`, the soft hyphen: legacy bytes seen as Windows-1252).
pub fn word_fit(word: &str) -> Option<Fit> {
    if word.chars().any(|c| !c.is_ascii() && !is_letter(c)) {
        return None;
    }
    let mut worst = Fit::Canonical;
    for run in word.split(|c: char| !is_letter(c)).filter(|r| !r.is_empty()) {
        worst = worst.min(fit(run)?);
    }
    Some(worst)
}

/// [`word_fit`] of a word as typed: a capital after a small letter (`QuÝ`, `NguyÔn`, `KiÒu`) is no
/// Vietnamese word but legacy bytes seen as Windows-1252.
pub fn typed_word_fit(word: &str) -> Option<Fit> {
    let mut prev_small = false;
    for c in word.chars() {
        if prev_small && c.is_uppercase() {
            return None;
        }
        prev_small = c.is_lowercase();
    }
    word_fit(word)
}

/// Whether every run of letters in a word is a Vietnamese syllable.
#[cfg(test)]
pub fn is_vietnamese_word(word: &str) -> bool {
    word_fit(word).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bases(s: &str) -> Vec<char> {
        s.chars().map(|c| base(c).unwrap().0).collect()
    }

    fn tone_at(s: &str) -> usize {
        let b = bases(s);
        canonical_tone_index(&b, parse(&b).unwrap())
    }

    #[test]
    fn real_syllables_parse() {
        for s in [
            "nguyễn",
            "văn",
            "an",
            "thôn",
            "thạch",
            "nham",
            "đông",
            "nghiêng",
            "người",
            "rượu",
            "khuỷu",
            "quý",
            "quyết",
            "giữa",
            "gì",
            "gìn",
            "già",
            "hòa",
            "hoà",
            "thủy",
            "thuỷ",
            "khoẻ",
            "khỏe",
            "huỳnh",
            "xoong",
            "khuya",
            "ngoéo",
            "oanh",
            "uyên",
            "yến",
            "ích",
            "ước",
            "Trường",
            "ĐẶNG",
            "kiên",
            "ghế",
            "tết",
            "bắc",
        ] {
            assert!(is_syllable(s), "{s}");
        }
    }

    #[test]
    fn non_syllables_do_not() {
        for s in [
            "müller",
            "jose",
            "samuel",
            "th",
            "v¨n",
            "nguyÔn",
            "lª",
            "hµ",
            "mỹller",
            "sỏnchez",
            "ngi",
            "ka",
            "ce",
            "ghu",
            "ăn̉",
            "hàc",
            "mat",
            "qa",
            "quà̀",
            "ăo",
            "hòà",
            "fương",
            "wang",
        ] {
            assert!(!is_syllable(s), "{s}");
        }
    }

    #[test]
    fn fit_tells_unusual_syllables() {
        for s in ["hòa", "hoà", "thủy", "thuỷ", "khỏe", "khoẻ", "quý", "người", "hoàng", "lẽo", "Thịnh"]
        {
            assert_eq!(fit(s), Some(Fit::Canonical), "{s}");
        }
        for s in ["qúy", "voị", "leõ", "hòang", "ngừơi", "muã", "thuở", "xoong", "khuya"] {
            assert_eq!(fit(s), Some(Fit::Unusual), "{s}");
        }
        assert_eq!(word_fit("Hòa-Bình"), Some(Fit::Canonical));
        assert_eq!(word_fit("Hòa-Bìnhx"), None);
    }

    #[test]
    fn canonical_placement() {
        // (syllable with the tone on the letter that should carry it, index of that letter)
        for (s, i) in [
            ("hòa", 1),
            ("khỏe", 2),
            ("thủy", 2),
            ("mùa", 1),
            ("hoàng", 2),
            ("huỳnh", 2),
            ("khoái", 3),
            ("khuỷu", 3),
            ("người", 3),
            ("rượu", 2),
            ("thuế", 3),
            ("quý", 2),
            ("già", 2),
            ("gì", 1),
            ("nguyễn", 4),
            ("tuổi", 2),
        ] {
            assert_eq!(tone_at(s), i, "{s}");
        }
    }
}
