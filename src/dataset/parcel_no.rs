//! Parcel numbers as certificates write them: `45`, `045`, `45a`, `45-1`, `45/2`, `45.0` (a spreadsheet's),
//! or torn and unreadable (`4?`, empty).

use std::fmt;

/// A parcel number as written on a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParcelNo {
    /// The number of the mapped parcel it points at, when readable.
    pub base: Option<i64>,
    /// The split suffix (`a`, `-1`, `/2`), lower-cased, when there is one.
    pub suffix: Option<String>,
    /// The text as written (trimmed).
    pub raw: String,
}

impl ParcelNo {
    /// Reads a parcel number. Never fails: unreadable numbers have `base == None`.
    ///
    /// ```
    /// use thuadat::dataset::parcel_no::ParcelNo;
    /// let n = ParcelNo::parse("45-1");
    /// assert_eq!((n.base, n.suffix.as_deref()), (Some(45), Some("-1")));
    /// assert_eq!(ParcelNo::parse(" 045 ").base, Some(45));
    /// assert_eq!(ParcelNo::parse("45a").suffix.as_deref(), Some("a"));
    /// assert_eq!(ParcelNo::parse("4?").base, None);
    /// ```
    pub fn parse(text: &str) -> ParcelNo {
        let raw = text.trim().to_string();
        let digits_end = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
        let (digits, rest) = raw.split_at(digits_end);
        let base = if digits.is_empty() || digits.len() > 12 { None } else { digits.parse::<i64>().ok() };
        let (base, suffix) = match (base, rest) {
            (None, _) => (None, None),
            (Some(b), "") => (Some(b), None),
            // "45.0": a number that went through a spreadsheet.
            (Some(b), r) if r.starts_with('.') && r[1..].chars().all(|c| c == '0') => (Some(b), None),
            (Some(b), r) if is_split_suffix(r) => (Some(b), Some(r.to_lowercase())),
            _ => (None, None),
        };
        ParcelNo { base, suffix, raw }
    }

    /// True when the number carries a split suffix.
    pub fn is_split(&self) -> bool {
        self.suffix.is_some()
    }
}

/// `a`..`z` (one or two letters), or `-n` / `/n` with a small number.
fn is_split_suffix(s: &str) -> bool {
    let letters = s.chars().count() <= 2 && s.chars().all(|c| c.is_ascii_alphabetic());
    let numbered = (s.starts_with('-') || s.starts_with('/'))
        && s.len() > 1
        && s.len() <= 4
        && s[1..].chars().all(|c| c.is_ascii_digit());
    letters || numbered
}

impl fmt::Display for ParcelNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (Option<i64>, Option<String>) {
        let n = ParcelNo::parse(s);
        (n.base, n.suffix)
    }

    #[test]
    fn plain_and_split_numbers() {
        assert_eq!(p("45"), (Some(45), None));
        assert_eq!(p("0045"), (Some(45), None));
        assert_eq!(p("45.0"), (Some(45), None));
        assert_eq!(p("45a"), (Some(45), Some("a".into())));
        assert_eq!(p("45B"), (Some(45), Some("b".into())));
        assert_eq!(p("45-1"), (Some(45), Some("-1".into())));
        assert_eq!(p("45/2"), (Some(45), Some("/2".into())));
        assert!(ParcelNo::parse("45/2").is_split());
        assert!(!ParcelNo::parse("45").is_split());
    }

    #[test]
    fn torn_numbers_are_unreadable_not_errors() {
        for s in ["", "?", "4?", "a45", "45.5", "45-", "45 46", "4 5", "12345678901234"] {
            assert_eq!(p(s).0, None, "{s:?}");
        }
        assert_eq!(ParcelNo::parse(" 4? ").raw, "4?");
    }
}
