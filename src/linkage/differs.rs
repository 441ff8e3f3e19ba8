//! Which fields of a holder, as a certificate writes them, disagree with the register's record the holder was
//! linked to: what an officer looks at before confirming or rejecting the link (`differs` of
//! `GET /parcels/{id}/holders`). Each field is prepared and compared as the linkage prepares and compares it
//! ([`super::holders`]), so that spelling the linkage already sees through is no difference:
//!
//! * `name`: folded ([`vntext::fold`]: legacy encodings decoded, no diacritics, case or extra spaces) and
//!   compared whole;
//! * `holder_id`: as digits, without the spaces, dots and dashes [`super::citizen_id::parse`] skips;
//! * `birth`: as a date (`YYYY-MM-DD`) or a year (`YYYY`); a year against a full date compares the year;
//! * `address`: [`Comparator::Address`] on the folded addresses: administrative prefixes (`thôn`, `xã`,
//!   `tổ dân phố` ...) dropped; two addresses agree when one's parts are all among the other's, and so do an
//!   old three-level address and a new two-level one that share a unit (the lower units cannot be compared:
//!   villages became residential groups; the linkage's [`Outcome::Coarse`]).
//!
//! A field empty on either side is no disagreement (the linkage's [`Outcome::Missing`]). Beyond that, any
//! difference counts: a name one letter off or a date one digit off, which the linkage still takes as
//! confirming a holder ([`super::holders::confirms`]), is listed, since it is what an officer corrects.
//!
//! ```
//! use thuadat::linkage::differs::{differs, Field};
//! use thuadat::linkage::holders::HolderRecord;
//! let certificate = HolderRecord {
//!     name: "Lª V¨n ChiÕn", // TCVN3 seen through Windows-1252: "Lê Văn Chiến"
//!     id: "001159613248",
//!     birth: "1959",
//!     address: "thôn Đoài, xã Yên Nghĩa, huyện Gia Lâm",
//! };
//! let register = HolderRecord {
//!     name: "LÊ VĂN  CHIẾN",
//!     id: "001 059 118292",
//!     birth: "1959-12-12",
//!     address: "Thôn Đoài, phường Yên Nghĩa",
//! };
//! assert_eq!(differs(&certificate, &register), [Field::HolderId]);
//! assert_eq!(Field::HolderId.as_str(), "holder_id");
//! ```

use super::compare::{address_key, Comparator, Outcome};
use super::holders::HolderRecord;
use crate::input::date::parse_date;
use crate::vntext;

/// A field of a holder that can disagree with the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The full name.
    Name,
    /// The citizen id (CCCD or CMND).
    HolderId,
    /// The date or year of birth.
    Birth,
    /// The address.
    Address,
}

impl Field {
    /// Every field, in the order [`differs`] lists them.
    pub const ALL: [Field; 4] = [Field::Name, Field::HolderId, Field::Birth, Field::Address];

    /// The field's name as the certificate row in `GET /parcels/{id}/holders` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::HolderId => "holder_id",
            Field::Birth => "birth",
            Field::Address => "address",
        }
    }
}

/// The fields where the certificate's holder and the register's record disagree, in [`Field::ALL`]'s order
/// (see the module's documentation for how each is compared).
pub fn differs(certificate: &HolderRecord<'_>, register: &HolderRecord<'_>) -> Vec<Field> {
    Field::ALL.into_iter().filter(|&f| field_differs(f, certificate, register)).collect()
}

fn field_differs(field: Field, a: &HolderRecord<'_>, b: &HolderRecord<'_>) -> bool {
    let outcome = match field {
        Field::Name => Comparator::Name.compare(&vntext::fold(a.name), &vntext::fold(b.name)),
        Field::HolderId => Comparator::Exact.compare(&id_digits(a.id), &id_digits(b.id)),
        Field::Birth => Comparator::Date.compare(&date(a.birth), &date(b.birth)),
        Field::Address => {
            Comparator::Address.compare(&address_key(&vntext::fold(a.address)), &address_key(&vntext::fold(b.address)))
        }
    };
    matches!(outcome, Outcome::Level(l) if l > 0)
}

/// An id without the separators [`super::citizen_id::parse`] skips between digit groups.
fn id_digits(s: &str) -> String {
    s.trim().chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect()
}

/// A date as the linkage compares it (`YYYY-MM-DD` or `YYYY`); empty when there is none (the readers refuse
/// a birth that is not a date, so this is empty only for an empty field).
fn date(s: &str) -> String {
    parse_date(s).ok().flatten().map(|d| d.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder<'a>(name: &'a str, id: &'a str, birth: &'a str, address: &'a str) -> HolderRecord<'a> {
        HolderRecord { name, id, birth, address }
    }

    const REGISTER: HolderRecord<'static> = HolderRecord {
        name: "Nguyễn Thị Lan",
        id: "040198193555",
        birth: "1998-04-08",
        address: "Số 246, Tổ dân phố 2, phường Yên Nghĩa",
    };

    #[test]
    fn the_same_person_written_differently_differs_in_nothing() {
        for c in [
            holder("Nguyễn Thị Lan", "040198193555", "1998-04-08", "Số 246, Tổ dân phố 2, phường Yên Nghĩa"),
            // Case, spaces, no diacritics, decomposed, TCVN3; the id in groups; the year only; fewer units.
            holder("  NGUYEN   THI LAN ", "040 198.193-555", "1998", "tổ dân phố 2, Yên Nghĩa"),
            holder(
                "Nguye\u{302}\u{303}n Thi\u{323} Lan",
                "040198193555",
                "1998-04-08",
                "số 246, tổ dân phố 2, Yên Nghĩa",
            ),
            holder("NguyÔn ThÞ Lan", "040198193555", "", ""),
            // Empty fields are no evidence either way.
            holder("", "", "", ""),
        ] {
            assert_eq!(differs(&c, &REGISTER), [], "{c:?}");
        }
    }

    #[test]
    fn each_field_that_disagrees_is_named() {
        let c = holder("Nguyễn Thị Lan", "001198248988", "1998-04-08", "Số 246, Tổ dân phố 2, phường Yên Nghĩa");
        assert_eq!(differs(&c, &REGISTER), [Field::HolderId]);
        // Near, but not the same: a letter, a digit, a day.
        let c = holder("Nguyễn Thị Lanh", "040198193556", "1998-04-09", "Số 246, Tổ dân phố 3, phường Yên Nghĩa");
        assert_eq!(differs(&c, &REGISTER), Field::ALL);
        // Another year; a 9-digit CMND is another id than the CCCD.
        let c = holder("Nguyễn Thị Lan", "013508475", "1997", "");
        assert_eq!(differs(&c, &REGISTER), [Field::HolderId, Field::Birth]);
        // Diacritics are folded: a name that differs only in its marks is the same name to the linkage.
        let c = holder("Nguyễn Thị Lân", "", "", "");
        assert_eq!(differs(&c, &REGISTER), []);
    }

    #[test]
    fn old_and_new_addresses_differ_only_when_they_share_nothing_or_disagree_at_one_level() {
        let reg = holder("", "", "", "Thôn Đoài, phường Yên Nghĩa");
        let addr = |a: &'static str| differs(&holder("", "", "", a), &reg);
        assert_eq!(addr("thôn Đoài, xã Yên Nghĩa, huyện Gia Lâm"), []);
        // Old against new sharing the commune: the lower units cannot be compared.
        assert_eq!(addr("thôn Đông, xã Yên Nghĩa, huyện Gia Lâm"), []);
        // Two new addresses that share the commune but not the village disagree.
        assert_eq!(addr("thôn Đông, phường Yên Nghĩa"), [Field::Address]);
        // ... as do an old and a new address without a unit in common.
        assert_eq!(addr("thôn Đông, xã Phú Lãm, huyện Thanh Oai"), [Field::Address]);
        assert_eq!(addr("Số 3, phố Huế, phường Hai Bà Trưng"), [Field::Address]);
    }

    #[test]
    fn field_names_are_the_rows_keys() {
        assert_eq!(Field::ALL.map(Field::as_str), ["name", "holder_id", "birth", "address"]);
    }
}
