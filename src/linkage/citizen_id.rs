//! Vietnamese personal ids as certificates carry them: the 12-digit citizen id (CCCD) and the old 9-digit
//! identity card number (CMND).
//!
//! A CCCD is `PPP G YY NNNNNN` (Circular 07/2016/TT-BCA, amended by 59/2021/TT-BCA): the code of the
//! province of birth registration, a digit for century and sex (0/1 male/female born 1900-1999, 2/3
//! 2000-2099, 4/5 2100-2199, ...), the last two digits of the birth year, and six random digits. There is no
//! check digit, so no typing error is caught by arithmetic: only the structure and its agreement with what
//! else is known of the person (birth year, sex) can be checked.
//!
//! ```
//! use thuadat::linkage::citizen_id::{parse, HolderId};
//! match parse("001085012345") {
//!     HolderId::Cccd(c) => {
//!         assert_eq!((c.province, c.birth_year, c.female), (1, 1985, false));
//!         assert!(c.check(Some(1985), Some(false)).is_ok());
//!         assert!(c.check(Some(1986), None).is_err());
//!     }
//!     other => panic!("{other:?}"),
//! }
//! assert_eq!(parse("013508475"), HolderId::Cmnd(13508475));
//! assert_eq!(parse(""), HolderId::Empty);
//! assert!(matches!(parse("0010850123"), HolderId::Invalid(_)));
//! ```

/// Province codes of the CCCD (three digits, Circular 07/2016/TT-BCA, appendix): the 63 provinces and
/// centrally run cities as they stood when the ids were designed. Codes stay valid after the 2025 merger of
/// provinces: ids are never renumbered.
pub const PROVINCE_CODES: [(u16, &str); 63] = [
    (1, "Hà Nội"),
    (2, "Hà Giang"),
    (4, "Cao Bằng"),
    (6, "Bắc Kạn"),
    (8, "Tuyên Quang"),
    (10, "Lào Cai"),
    (11, "Điện Biên"),
    (12, "Lai Châu"),
    (14, "Sơn La"),
    (15, "Yên Bái"),
    (17, "Hòa Bình"),
    (19, "Thái Nguyên"),
    (20, "Lạng Sơn"),
    (22, "Quảng Ninh"),
    (24, "Bắc Giang"),
    (25, "Phú Thọ"),
    (26, "Vĩnh Phúc"),
    (27, "Bắc Ninh"),
    (30, "Hải Dương"),
    (31, "Hải Phòng"),
    (33, "Hưng Yên"),
    (34, "Thái Bình"),
    (35, "Hà Nam"),
    (36, "Nam Định"),
    (37, "Ninh Bình"),
    (38, "Thanh Hóa"),
    (40, "Nghệ An"),
    (42, "Hà Tĩnh"),
    (44, "Quảng Bình"),
    (45, "Quảng Trị"),
    (46, "Thừa Thiên Huế"),
    (48, "Đà Nẵng"),
    (49, "Quảng Nam"),
    (51, "Quảng Ngãi"),
    (52, "Bình Định"),
    (54, "Phú Yên"),
    (56, "Khánh Hòa"),
    (58, "Ninh Thuận"),
    (60, "Bình Thuận"),
    (62, "Kon Tum"),
    (64, "Gia Lai"),
    (66, "Đắk Lắk"),
    (67, "Đắk Nông"),
    (68, "Lâm Đồng"),
    (70, "Bình Phước"),
    (72, "Tây Ninh"),
    (74, "Bình Dương"),
    (75, "Đồng Nai"),
    (77, "Bà Rịa - Vũng Tàu"),
    (79, "Hồ Chí Minh"),
    (80, "Long An"),
    (82, "Tiền Giang"),
    (83, "Bến Tre"),
    (84, "Trà Vinh"),
    (86, "Vĩnh Long"),
    (87, "Đồng Tháp"),
    (89, "An Giang"),
    (91, "Kiên Giang"),
    (92, "Cần Thơ"),
    (93, "Hậu Giang"),
    (94, "Sóc Trăng"),
    (95, "Bạc Liêu"),
    (96, "Cà Mau"),
];

/// The province of a CCCD province code, if the code is on the official list.
pub fn province_name(code: u16) -> Option<&'static str> {
    PROVINCE_CODES.binary_search_by_key(&code, |(c, _)| *c).ok().map(|i| PROVINCE_CODES[i].1)
}

/// The parts of a well-formed 12-digit citizen id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cccd {
    /// The twelve digits as a number (leading zeros implied).
    pub value: u64,
    /// Province-of-birth code (1..=96, on the official list).
    pub province: u16,
    /// The sex digit says female (odd century digit: 1, 3).
    pub female: bool,
    /// Full birth year from the century digit and the two year digits.
    pub birth_year: u16,
}

/// Why an id is not usable as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// Something other than digits (after spaces, dots and dashes are dropped).
    NotDigits,
    /// Neither 12 (CCCD) nor 9 (CMND) digits.
    Length(usize),
    /// The first three digits are not a province code.
    Province(u16),
    /// The century digit puts the birth in the 22nd century or later.
    Century(u8),
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::NotDigits => f.write_str("holds characters other than digits"),
            Invalid::Length(n) => write!(f, "has {n} digits, neither 12 (CCCD) nor 9 (CMND)"),
            Invalid::Province(p) => write!(f, "starts with {p:03}, not a province code"),
            Invalid::Century(c) => write!(f, "century digit {c} would put the birth after 2099"),
        }
    }
}

/// What a holder id field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolderId {
    /// Nothing written (blank after trimming).
    Empty,
    /// A well-formed 12-digit citizen id (CCCD).
    Cccd(Cccd),
    /// An old 9-digit identity card number: a real id, but not one the population register is keyed by.
    Cmnd(u32),
    /// Not an id, and why.
    Invalid(Invalid),
}

/// How a CCCD disagrees with what else is known of its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contradiction {
    /// The id's birth year, and the year the record gives.
    BirthYear {
        /// The birth year the id's century and year digits give.
        id: u16,
        /// The year of the record's birth date.
        record: u16,
    },
    /// The id says female (true) or male (false); the record says the other.
    Sex {
        /// The id's sex digit says female.
        id_female: bool,
    },
}

impl std::fmt::Display for Contradiction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Contradiction::BirthYear { id, record } => {
                write!(f, "the id says born {id}, the record {record}")
            }
            Contradiction::Sex { id_female } => {
                let (a, b) = if *id_female { ("female", "male") } else { ("male", "female") };
                write!(f, "the id says {a}, the record {b}")
            }
        }
    }
}

impl Cccd {
    /// Checks the id against a birth year and a sex, where known.
    pub fn check(&self, birth_year: Option<u16>, female: Option<bool>) -> Result<(), Contradiction> {
        if let Some(y) = birth_year {
            if y != self.birth_year {
                return Err(Contradiction::BirthYear { id: self.birth_year, record: y });
            }
        }
        if let Some(f) = female {
            if f != self.female {
                return Err(Contradiction::Sex { id_female: self.female });
            }
        }
        Ok(())
    }

    /// The id as written: twelve digits.
    pub fn text(&self) -> String {
        format!("{:012}", self.value)
    }
}

/// Reads an id as typed. Spaces, dots and dashes between digit groups are ignored.
pub fn parse(s: &str) -> HolderId {
    let s = s.trim();
    if s.is_empty() {
        return HolderId::Empty;
    }
    let mut digits: Vec<u8> = Vec::with_capacity(12);
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => digits.push(b - b'0'),
            b' ' | b'.' | b'-' => {}
            _ => return HolderId::Invalid(Invalid::NotDigits),
        }
    }
    let number = |d: &[u8]| d.iter().fold(0u64, |n, &x| n * 10 + u64::from(x));
    match digits.len() {
        9 => HolderId::Cmnd(number(&digits) as u32),
        12 => {
            let province = number(&digits[..3]) as u16;
            if province_name(province).is_none() {
                return HolderId::Invalid(Invalid::Province(province));
            }
            let g = digits[3];
            if g > 3 {
                return HolderId::Invalid(Invalid::Century(g));
            }
            let birth_year = 1900 + 100 * u16::from(g / 2) + number(&digits[4..6]) as u16;
            HolderId::Cccd(Cccd { value: number(&digits), province, female: g % 2 == 1, birth_year })
        }
        0 => HolderId::Invalid(Invalid::NotDigits),
        n => HolderId::Invalid(Invalid::Length(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_list_is_sorted_and_official() {
        assert!(PROVINCE_CODES.windows(2).all(|w| w[0].0 < w[1].0));
        for (code, name) in [(1, "Hà Nội"), (11, "Điện Biên"), (48, "Đà Nẵng"), (68, "Lâm Đồng"), (79, "Hồ Chí Minh")]
        {
            assert_eq!(province_name(code), Some(name));
        }
        for code in [0, 3, 5, 97, 999] {
            assert_eq!(province_name(code), None);
        }
    }

    #[test]
    fn cccd_structure() {
        let HolderId::Cccd(c) = parse("079303000123") else { panic!() };
        assert_eq!(c, Cccd { value: 79_303_000_123, province: 79, female: true, birth_year: 2003 });
        assert_eq!(c.text(), "079303000123");
        let HolderId::Cccd(c) = parse("001 0 56 123456") else { panic!() };
        assert_eq!((c.province, c.female, c.birth_year), (1, false, 1956));
        let HolderId::Cccd(c) = parse("011199000001") else { panic!() };
        assert_eq!((c.province, c.female, c.birth_year), (11, true, 1999));
        let HolderId::Cccd(c) = parse("048200000001") else { panic!() };
        assert_eq!((c.female, c.birth_year), (false, 2000));
    }

    #[test]
    fn old_ids_and_empty_are_not_invalid() {
        assert_eq!(parse("013508475"), HolderId::Cmnd(13_508_475));
        assert_eq!(parse(" 250 123 456 "), HolderId::Cmnd(250_123_456));
        assert_eq!(parse("  "), HolderId::Empty);
    }

    #[test]
    fn malformed_ids() {
        assert_eq!(parse("00108501234"), HolderId::Invalid(Invalid::Length(11)));
        assert_eq!(parse("0010850123456"), HolderId::Invalid(Invalid::Length(13)));
        assert_eq!(parse("00108501234O"), HolderId::Invalid(Invalid::NotDigits));
        assert_eq!(parse("---"), HolderId::Invalid(Invalid::NotDigits));
        assert_eq!(parse("003085012345"), HolderId::Invalid(Invalid::Province(3)));
        assert_eq!(parse("099085012345"), HolderId::Invalid(Invalid::Province(99)));
        assert_eq!(parse("001585012345"), HolderId::Invalid(Invalid::Century(5)));
        assert_eq!(Invalid::Length(11).to_string(), "has 11 digits, neither 12 (CCCD) nor 9 (CMND)");
        assert_eq!(Invalid::Province(3).to_string(), "starts with 003, not a province code");
    }

    #[test]
    fn consistency_with_birth_year_and_sex() {
        let HolderId::Cccd(c) = parse("001185012345") else { panic!() };
        assert_eq!((c.female, c.birth_year), (true, 1985));
        assert_eq!(c.check(Some(1985), Some(true)), Ok(()));
        assert_eq!(c.check(None, None), Ok(()));
        assert_eq!(c.check(Some(2085), None), Err(Contradiction::BirthYear { id: 1985, record: 2085 }));
        assert_eq!(c.check(Some(1985), Some(false)), Err(Contradiction::Sex { id_female: true }));
        assert_eq!(
            Contradiction::BirthYear { id: 1985, record: 1958 }.to_string(),
            "the id says born 1985, the record 1958"
        );
    }
}
