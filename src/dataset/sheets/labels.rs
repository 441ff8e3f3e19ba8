//! What a text label drawn inside a parcel says, as Famis assigns data from labels ("gán dữ liệu từ nhãn"): an
//! integer is the parcel number, a decimal the recorded area, letters the land-use code (codes joined with `+`,
//! e.g. `ONT+CLN`). A text element may hold several of these separated by spaces or a line break.
//!
//! ```
//! use thuadat::dataset::sheets::labels::{read, Said};
//! assert_eq!(read("125"), vec![Said::Number(125)]);
//! assert_eq!(read("240,5"), vec![Said::Area(240.5)]);
//! assert_eq!(read("ONT+CLN"), vec![Said::LandUse("ONT+CLN".into())]);
//! assert_eq!(read("125  240.5\nODT"), vec![Said::Number(125), Said::Area(240.5), Said::LandUse("ODT".into())]);
//! assert_eq!(read("Đường Lê Lợi"), vec![]); // a street name: none of the three
//! ```

/// One thing a label says.
#[derive(Debug, Clone, PartialEq)]
pub enum Said {
    /// An integer: the parcel number on its sheet.
    Number(i64),
    /// A decimal (point or comma): the recorded area in m².
    Area(f64),
    /// Upper-case letter codes, joined with `+`: the land-use code or codes.
    LandUse(String),
}

/// The longest land-use code (`LUC`, `ODT`, `TMD`, `DRAP` of older maps).
const CODE_MAX: usize = 4;

/// What the words of `text` say, in order; words that are none of the three (names, notes) are left out.
pub fn read(text: &str) -> Vec<Said> {
    text.split_whitespace().filter_map(word).collect()
}

fn word(w: &str) -> Option<Said> {
    if w.bytes().all(|b| b.is_ascii_digit()) {
        // A parcel number has at most nine digits; more is no number of a sheet.
        return (w.len() <= 9).then(|| w.parse().ok().map(Said::Number)).flatten();
    }
    if let Some(area) = decimal(w) {
        return Some(Said::Area(area));
    }
    let codes = w.split('+').all(|c| (2..=CODE_MAX).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_uppercase()));
    codes.then(|| Said::LandUse(w.to_string()))
}

/// `240.5` or `240,5` (one separator, digits on both sides).
fn decimal(w: &str) -> Option<f64> {
    let (whole, fraction) = w.split_once(['.', ','])?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return None;
    }
    format!("{whole}.{fraction}").parse().ok().filter(|a: &f64| a.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_that_are_not_labels_are_left_out() {
        assert_eq!(read("1.240,5"), vec![]);
        assert_eq!(read("12a"), vec![]);
        assert_eq!(read("ont"), vec![]);
        assert_eq!(read("ODT+"), vec![]);
        assert_eq!(read("1234567890"), vec![]);
        assert_eq!(read("0"), vec![Said::Number(0)]);
        assert_eq!(read("DGT+DTL 12"), vec![Said::LandUse("DGT+DTL".into()), Said::Number(12)]);
    }
}
