//! Vietnamese text as land records carry it: normalisation for comparison.
//!
//! Names and addresses arrive decomposed (NFD), in upper case, without diacritics, with stray spaces, with the
//! old tone placement (`hoà` for `hòa`), or in legacy 8-bit encodings (TCVN3, VNI-Windows, CP1258) seen
//! through a Windows-1252 round trip. Three levels of cleaning:
//!
//! * [`repair`]: the text as it should have been written (legacy encodings decoded, NFC, one tone
//!   placement, single spaces), case and diacritics kept: for display and reports;
//! * [`normalize`]: [`repair`] in lower case: the key for exact comparison;
//! * [`fold`]: [`normalize`] without diacritics, `đ` as `d`: the key for records typed without diacritics.
//!
//! ```
//! use thuadat::vntext::{fold, normalize};
//! assert_eq!(normalize("  NGUYỄN   Văn  An "), "nguyễn văn an");
//! assert_eq!(fold("Nguyễn Văn Đạt"), "nguyen van dat");
//! ```

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The text as it should have been written: NFC, single spaces, trimmed; case and diacritics kept.
pub fn repair(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    collapse_whitespace(&nfc)
}

/// [`repair`] in lower case: the key for exact comparison of names and addresses.
pub fn normalize(s: &str) -> String {
    repair(s).to_lowercase()
}

/// [`normalize`] without diacritics (`đ` becomes `d`, which has no Unicode decomposition).
pub fn fold(s: &str) -> String {
    normalize(s).nfd().filter(|c| !is_combining_mark(*c)).map(|c| if c == 'đ' { 'd' } else { c }).collect()
}

fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
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
    }
}
