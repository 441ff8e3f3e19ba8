//! Field comparators: how alike two values of one field are, as a level of agreement.
//!
//! Levels are `0` agree, `1` nearly, `2` partly, `3` disagree ([`LEVELS`] of them). A comparison can also
//! be [`Outcome::Missing`] (a side is empty: no evidence either way) or [`Outcome::Coarse`]: the values
//! agree as far as the coarser one goes (a birth year against a full date), which is evidence for "one of
//! the levels up to `l`" and is weighed as such.
//!
//! ```
//! use thuadat::linkage::compare::{Comparator, Outcome};
//! assert_eq!(Comparator::Name.compare("nguyen van an", "nguyen van an"), Outcome::Level(0));
//! assert_eq!(Comparator::Date.compare("1960", "1960-03-12"), Outcome::Coarse(2));
//! assert_eq!(Comparator::Address.compare("dong, yen nghia, gia lam", "thon dong, phuong yen nghia"), Outcome::Level(0));
//! ```

/// Number of agreement levels.
pub const LEVELS: usize = 4;

/// The result of comparing two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A side is empty.
    Missing,
    /// Agreement level `0..LEVELS`.
    Level(u8),
    /// One of the levels `0..=l`: the coarser side cannot tell which.
    Coarse(u8),
}

impl Outcome {
    /// A small code (0-15) for pattern counting.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Missing => 15,
            Outcome::Level(l) => l,
            Outcome::Coarse(l) => 8 + l,
        }
    }
    pub fn from_code(c: u8) -> Outcome {
        match c {
            15 => Outcome::Missing,
            8.. => Outcome::Coarse(c - 8),
            _ => Outcome::Level(c),
        }
    }
}

/// How a field is compared. Values are compared as given: callers normalise them first (lower case,
/// diacritics folded for names, dates as `YYYY` or `YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    /// Names and other words: equal, Jaro-Winkler at least 0.94, at least 0.85, less.
    Name,
    /// Codes and numbers: equal, one edit (Damerau-Levenshtein) apart, two, more.
    Exact,
    /// Dates `YYYY-MM-DD` or years `YYYY`: equal; one digit or day/month swapped; same year; otherwise.
    Date,
    /// Addresses as comma-separated parts from the smallest unit up. Administrative prefixes (`xã`,
    /// `phường`, `thôn`, `huyện`, `tổ dân phố`, `số` ...) are dropped from each part, so that an old
    /// three-level address (village, commune, district) agrees with the new two-level one (village,
    /// commune) when one's parts are all among the other's; levels: subset, (unused), one part shared, none;
    /// an old address against a new one that share a part but not all is [`Outcome::Coarse`]`(2)`.
    Address,
}

impl Comparator {
    pub fn compare(self, a: &str, b: &str) -> Outcome {
        if a.is_empty() || b.is_empty() {
            return Outcome::Missing;
        }
        if a == b {
            return Outcome::Level(0);
        }
        match self {
            Comparator::Name => {
                let s = strsim::jaro_winkler(a, b);
                Outcome::Level(if s >= 0.94 {
                    1
                } else if s >= 0.85 {
                    2
                } else {
                    3
                })
            }
            Comparator::Exact => Outcome::Level(match strsim::damerau_levenshtein(a, b) {
                1 => 1,
                2 => 2,
                _ => 3,
            }),
            Comparator::Date => date(a, b),
            Comparator::Address => address(a, b),
        }
    }
}

fn date(a: &str, b: &str) -> Outcome {
    let (ya, yb) = (a.get(..4).unwrap_or(a), b.get(..4).unwrap_or(b));
    if a.len() < 10 || b.len() < 10 {
        return if ya == yb { Outcome::Coarse(2) } else { Outcome::Level(3) };
    }
    let swapped = a.get(5..7) == b.get(8..10) && a.get(8..10) == b.get(5..7) && ya == yb;
    if swapped || strsim::damerau_levenshtein(a, b) <= 1 {
        Outcome::Level(1)
    } else if ya == yb {
        Outcome::Level(2)
    } else {
        Outcome::Level(3)
    }
}

/// Administrative words that prefix an address part (folded, longest first).
const PREFIXES: [&str; 16] = [
    "thanh pho ",
    "to dan pho ",
    "thi tran ",
    "khu pho ",
    "thi xa ",
    "phuong ",
    "huyen ",
    "quan ",
    "tinh ",
    "thon ",
    "xom ",
    "ban ",
    "ap ",
    "xa ",
    "so ",
    "tp ",
];

/// The parts of an address without their administrative prefixes.
pub fn address_parts(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(|p| {
        let mut p = p;
        for pre in PREFIXES {
            if let Some(rest) = p.strip_prefix(pre) {
                p = rest.trim_start();
                break;
            }
        }
        p
    })
}

/// True when the address names a district (`huyện`, `quận`, `thị xã`): the three-level form that local
/// government had until 2025.
fn three_level(s: &str) -> bool {
    s.split(',').map(str::trim).any(|p| p.starts_with("huyen ") || p.starts_with("quan ") || p.starts_with("thi xa "))
}

fn address(a: &str, b: &str) -> Outcome {
    let pa: Vec<&str> = address_parts(a).collect();
    let pb: Vec<&str> = address_parts(b).collect();
    if pa.is_empty() || pb.is_empty() {
        return Outcome::Missing;
    }
    let (small, large) = if pa.len() <= pb.len() { (&pa, &pb) } else { (&pb, &pa) };
    let shared = small.iter().filter(|p| large.contains(p)).count();
    if shared == small.len() {
        Outcome::Level(0)
    } else if shared > 0 && three_level(a) != three_level(b) {
        // An old address against a new one that shares a unit with it: villages became residential
        // groups, houses got numbers; the lower units cannot be compared, so this is no evidence either way
        // beyond "not a clear disagreement".
        Outcome::Coarse(2)
    } else if shared > 0 {
        Outcome::Level(2)
    } else {
        Outcome::Level(3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::*;

    #[test]
    fn names() {
        assert_eq!(Comparator::Name.compare("an", "an"), Level(0));
        assert_eq!(Comparator::Name.compare("nguyen", "nguyenn"), Level(1));
        assert_eq!(Comparator::Name.compare("an", "anh"), Level(2));
        assert_eq!(Comparator::Name.compare("an", "binh"), Level(3));
        assert_eq!(Comparator::Name.compare("", "binh"), Missing);
    }

    #[test]
    fn codes() {
        assert_eq!(Comparator::Exact.compare("4223", "4223"), Level(0));
        assert_eq!(Comparator::Exact.compare("4223", "4232"), Level(1));
        assert_eq!(Comparator::Exact.compare("4223", "4253"), Level(1));
        assert_eq!(Comparator::Exact.compare("4223", "5253"), Level(2));
        assert_eq!(Comparator::Exact.compare("4223", "9999"), Level(3));
    }

    #[test]
    fn dates() {
        let d = Comparator::Date;
        assert_eq!(d.compare("1960-03-12", "1960-03-12"), Level(0));
        assert_eq!(d.compare("1960-03-12", "1960-12-03"), Level(1));
        assert_eq!(d.compare("1960-03-12", "1960-03-13"), Level(1));
        assert_eq!(d.compare("1960-03-12", "1960-07-25"), Level(2));
        assert_eq!(d.compare("1960-03-12", "1970-07-25"), Level(3));
        assert_eq!(d.compare("1960", "1960-07-25"), Coarse(2));
        assert_eq!(d.compare("1960", "1961"), Level(3));
        assert_eq!(d.compare("1960", "1960"), Level(0));
    }

    #[test]
    fn old_and_new_addresses() {
        let a = Comparator::Address;
        let old = "thon dong, xa yen nghia, huyen gia lam";
        assert_eq!(a.compare(old, "thon dong, phuong yen nghia"), Level(0));
        assert_eq!(a.compare(old, "thon doai, phuong yen nghia"), Coarse(2));
        assert_eq!(a.compare("thon dong, phuong yen nghia", "thon doai, phuong yen nghia"), Level(2));
        assert_eq!(a.compare(old, "thon doai, phuong phu lam"), Level(3));
        assert_eq!(a.compare("so 12, to dan pho 3, phuong yen nghia", "to dan pho 3, xa yen nghia"), Level(0));
        assert_eq!(address_parts("so 12, to dan pho 3").collect::<Vec<_>>(), ["12", "3"]);
        for c in 0..16 {
            if c < LEVELS as u8 || (8..8 + LEVELS as u8).contains(&c) || c == 15 {
                assert_eq!(Outcome::from_code(c).code(), c);
            }
        }
    }
}
