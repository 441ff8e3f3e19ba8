//! Each certificate holder against the population register: a status, the citizen id found, a score (rules in
//! docs/RULES.md, "Holders"). The holders come as [`HolderRecords`]; what the statuses mean for parcels and
//! conflicts is `reconcile`'s business (`src/reconcile/holders.rs`).
//!
//! 1. The id is read ([`citizen_id::parse`]). A malformed id, or a CCCD whose birth-year digits contradict
//!    the holder's birth year, is `id_invalid`.
//! 2. A CCCD found in the register is confirmed by name and birth ([`confirms`]) and by the sex its
//!    century digit encodes: confirmed, `matched_by_id`; not, `mismatch` (the id belongs to someone else).
//! 3. Without a usable id (old CMND, empty, or a CCCD the register does not have), the holder is matched by
//!    attributes with the Fellegi-Sunter [`Matcher`]: family, middle and given name (diacritics folded),
//!    birth date or year, address (old three-level or new two-level; another house on the same street and
//!    another street or group in the ward are levels of their own), and the current id where the holder has
//!    one the register lacks ([`Comparator::CitizenId`]: equal, one typing error apart, or another person;
//!    its m and u fixed by that meaning, not counting the province and year digits again). u (how often
//!    each level of agreement occurs by chance) is counted on random pairs; m (how often it occurs for the
//!    same person) on the holders whose CCCD the register confirms, which are labelled matches for free
//!    (the default "mostly agree" when fewer than 30). A register entry whose current id is more than one
//!    typing error from the holder's is another person however well the rest agrees ([`other_person`]):
//!    never taken; the best such namesake (same name and birth year, [`namesakes`]) is named as the
//!    `candidate` of the holder, who is `not_found`. The best candidate must have a match probability of at
//!    least [`MIN_PROBABILITY`], confirm name and birth, and be clearly better than the second
//!    ([`MARGIN_BITS`]): two namesakes that fit equally leave the holder `not_found` (ambiguous) rather than
//!    guessed.
//!
//! For `id_invalid` and `mismatch` holders the attribute match, when there is one, fills `citizen_id`: the
//! officer gets the id to correct the record with.

use rayon::prelude::*;

use super::citizen_id::{self, HolderId};
use super::compare::{Comparator, Outcome};
use super::matcher::{Best, Candidate, KeyPart, Matcher, Model, Records, Schema};
use super::register::Register;
use crate::input::date::{parse_date, PartialDate};
use crate::vntext;

/// One holder as a certificate writes them: the fields linkage compares, as written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HolderRecord<'a> {
    /// The full name as written.
    pub name: &'a str,
    /// A 12-digit CCCD, a 9-digit CMND, or anything else as written.
    pub id: &'a str,
    /// `YYYY` or `YYYY-MM-DD` as written.
    pub birth: &'a str,
    /// The address as written (old three-level or new two-level).
    pub address: &'a str,
}

/// The holders to link, by position: certificates' holder rows, or any other list of people.
pub trait HolderRecords: Sync {
    /// How many holders there are.
    fn holder_count(&self) -> usize;
    /// Holder `i` (`i < holder_count()`).
    fn holder(&self, i: usize) -> HolderRecord<'_>;
}

impl HolderRecords for [HolderRecord<'_>] {
    fn holder_count(&self) -> usize {
        self.len()
    }
    fn holder(&self, i: usize) -> HolderRecord<'_> {
        self[i]
    }
}

/// A holder's status (contract, holders.csv `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// A CCCD found in the register whose entry confirms the holder (name, birth) and agrees with its sex digit.
    MatchedById,
    /// No usable id match, but matching by attributes found one register entry that confirms the holder.
    MatchedByAttributes,
    /// A CCCD found in the register, but no entry with it confirms the holder: the id is someone else's.
    Mismatch,
    /// No register entry found by attributes, or two or more that fit equally (namesakes are not guessed).
    NotFound,
    /// The id is malformed, or a CCCD whose birth year differs from `holder_birth`'s.
    IdInvalid,
}

impl Status {
    pub(crate) const ALL: [Status; 5] =
        [Status::MatchedById, Status::MatchedByAttributes, Status::Mismatch, Status::NotFound, Status::IdInvalid];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::MatchedById => "matched_by_id",
            Status::MatchedByAttributes => "matched_by_attributes",
            Status::Mismatch => "mismatch",
            Status::NotFound => "not_found",
            Status::IdInvalid => "id_invalid",
        }
    }

    /// The status named `s`, as holders.csv spells it (`matched_by_id`, `not_found`, ...).
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What linkage found for one holder row.
#[derive(Debug, Clone, PartialEq)]
pub struct HolderLink {
    /// The row's status (holders.csv `status`).
    pub status: Status,
    /// The register entry matched (by id, or by attributes).
    pub citizen: Option<u32>,
    /// Match probability of the holder and that entry under the fitted model.
    pub score: Option<f64>,
    /// Why, in one phrase without personal data (for the conflict's detail).
    pub why: String,
    /// For a holder `not_found` whose current id is not in the register: the register entry of the same
    /// name and birth year that has another current id (a namesake, a different person by the id), for the
    /// officer to look at. Never taken as the holder.
    pub candidate: Option<u32>,
}

/// Why no one was taken by attributes.
const NO_ONE: &str = "no one in the register fits";
const AMBIGUOUS: &str = "ambiguous: two or more people in the register fit equally";
const NAMESAKE: &str = "no one in the register fits: a namesake born the same year has another citizen id";

/// A candidate found by attributes must be at least this likely a match.
pub const MIN_PROBABILITY: f64 = 0.5;
/// ... and this many bits (log2 likelihood ratio) above the second-best candidate that also fits: 2 bits is
/// four times likelier.
pub const MARGIN_BITS: f64 = 2.0;

const FAMILY: usize = 0;
const MIDDLE: usize = 1;
const GIVEN: usize = 2;
const BIRTH: usize = 3;
const CITIZEN_ID: usize = 5;

/// The schema holders and citizens are compared under.
pub fn schema() -> Schema {
    Schema {
        fields: vec![
            ("family".into(), Comparator::Name),
            ("middle".into(), Comparator::Name),
            ("given".into(), Comparator::Name),
            ("birth".into(), Comparator::Date),
            ("address".into(), Comparator::Address),
            // Only where it is evidence: a holder's well-formed current id that the register does not have,
            // against the register's current ids (see [`holder_records`]).
            ("citizen_id".into(), Comparator::CitizenId),
        ],
        // A holder is only taken with the same birth year (see [`confirms`]), so every key carries it:
        // family and given name with the year, or one of them with the full date (the other mistyped).
        blocks: vec![
            vec![KeyPart::Whole(FAMILY), KeyPart::Whole(GIVEN), KeyPart::Year(BIRTH)],
            vec![KeyPart::Whole(FAMILY), KeyPart::Whole(BIRTH)],
            vec![KeyPart::Whole(GIVEN), KeyPart::Whole(BIRTH)],
        ],
        max_block: 1_000,
    }
}

/// A full name folded and split into family, middle and given name.
pub fn name_parts(name: &str) -> (String, String, String) {
    let folded = vntext::fold(name);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    match words.len() {
        0 => (String::new(), String::new(), String::new()),
        1 => (String::new(), String::new(), words[0].to_string()),
        n => (words[0].to_string(), words[1..n - 1].join(" "), words[n - 1].to_string()),
    }
}

fn record(out: &mut Records, name: &str, birth: Option<PartialDate>, address: &str, id: &str) {
    let (f, m, g) = name_parts(name);
    let b = birth.map(|d| d.to_string()).unwrap_or_default();
    // The address split once here, not for every pair it is compared in.
    out.push(&[&f, &m, &g, &b, &crate::linkage::compare::address_key(&vntext::fold(address)), id]);
}

/// True when a pair's pattern says the two carry different current ids, more than one typing error apart:
/// two people, whatever else agrees.
pub fn other_person(pattern: u64) -> bool {
    outcome(pattern, CITIZEN_ID) == Outcome::Level(3)
}

/// True when a pair's pattern confirms name and birth: family and given name equal or nearly (Jaro-Winkler
/// 0.94 on the folded names), middle name too or absent on one side, the same birth year, and when both
/// sides have the full date, the same date up to one digit or swapped day and month.
pub fn confirms(pattern: u64) -> bool {
    names_agree(pattern) && matches!(outcome(pattern, BIRTH), Outcome::Level(0 | 1) | Outcome::Coarse(_))
}

/// True when a pair's pattern is of namesakes: the names as [`confirms`] takes them and the same birth year
/// (the full dates may differ).
pub fn namesakes(pattern: u64) -> bool {
    names_agree(pattern) && matches!(outcome(pattern, BIRTH), Outcome::Level(0..=2) | Outcome::Coarse(_))
}

fn outcome(pattern: u64, field: usize) -> Outcome {
    Outcome::from_code(((pattern >> (4 * field)) & 0xf) as u8)
}

fn names_agree(pattern: u64) -> bool {
    let near = |o: Outcome| matches!(o, Outcome::Level(0 | 1));
    near(outcome(pattern, FAMILY))
        && near(outcome(pattern, GIVEN))
        && (near(outcome(pattern, MIDDLE)) || outcome(pattern, MIDDLE) == Outcome::Missing)
}

/// The result of holder linkage.
#[derive(Debug, Clone)]
pub struct Linkage {
    /// Per holder, in the order [`link`] was given them.
    pub holders: Vec<HolderLink>,
    pub(crate) model: Model,
}

/// Links every holder against the register.
pub fn link(holders: &(impl HolderRecords + ?Sized), register: &Register) -> Linkage {
    let n = holders.holder_count();
    let (left, births) = holder_records(holders, register);
    let right = register_records(register);
    let schema = schema();
    let mut matcher = Matcher::blocked(&schema, &left, &right);
    // The register gives labelled matches for free: holders whose CCCD is in it with the same name and
    // birth. m is counted on them (u comes from random pairs).
    let known: Vec<(usize, usize)> = (0..n)
        .into_par_iter()
        .filter_map(|i| {
            let HolderId::Cccd(c) = citizen_id::parse(holders.holder(i).id) else { return None };
            let j = register.with_id(&c.text()).next()?;
            confirms(schema.pattern(&left, i, &right, j)).then_some((i, j))
        })
        .collect();
    matcher.fit_m(&known, 30);
    let weights = matcher.model.weights();
    let at = Linker { holders, register, matcher: &matcher, weights: &weights, births: &births };
    let links = (0..n).into_par_iter().map(|i| at.link(i)).collect();
    Linkage { holders: links, model: matcher.model.clone() }
}

/// One holder linked again under a model already fitted (the stored linkage's: an officer corrected the
/// holder's id), by the same steps as [`link`]. Only the fit differs from linking the whole commune again: the
/// model is not refitted with this holder.
pub fn link_one(holder: HolderRecord<'_>, register: &Register, model: &Model) -> HolderLink {
    let one = [holder];
    let (left, births) = holder_records(&one[..], register);
    let right = register_records(register);
    let schema = schema();
    let mut matcher = Matcher::blocked(&schema, &left, &right);
    matcher.model = model.clone();
    matcher.model.conform(&schema);
    let weights = matcher.model.weights();
    Linker { holders: &one[..], register, matcher: &matcher, weights: &weights, births: &births }.link(0)
}

/// The holders as the matcher compares them, and their birth dates. The id is compared only where it is
/// evidence: a well-formed CCCD that agrees with the holder's birth year and that the register does not
/// have (had it, the holder would be matched by it or be a mismatch). An old CMND, a malformed id, or
/// another's id says nothing of who the register's candidates are.
fn holder_records(holders: &(impl HolderRecords + ?Sized), register: &Register) -> (Records, Vec<Option<PartialDate>>) {
    let n = holders.holder_count();
    let mut left = Records::with_capacity(6, n);
    let births: Vec<Option<PartialDate>> = (0..n).map(|i| parse_date(holders.holder(i).birth).ok().flatten()).collect();
    for (i, birth) in births.iter().enumerate() {
        let h = holders.holder(i);
        let id = match citizen_id::parse(h.id) {
            HolderId::Cccd(c) if c.check(birth.map(|d| d.year), None).is_ok() => {
                let text = c.text();
                if register.with_id(&text).next().is_none() {
                    text
                } else {
                    String::new()
                }
            }
            _ => String::new(),
        };
        record(&mut left, h.name, *birth, h.address, &id);
    }
    (left, births)
}

/// The register as the matcher compares it: its current ids only where well-formed (an old or damaged id
/// in the register is no evidence that a holder is someone else).
fn register_records(register: &Register) -> Records {
    let mut right = Records::with_capacity(6, register.len());
    for p in &register.people {
        let id = match citizen_id::parse(register.text(p.id)) {
            HolderId::Cccd(c) => c.text(),
            _ => String::new(),
        };
        record(&mut right, register.text(p.name), p.birth, register.text(p.address), &id);
    }
    right
}

/// What matching by attributes found for a holder.
struct ByAttributes {
    /// The register entry taken, and the match probability.
    found: Option<(u32, f64)>,
    /// Why none was taken.
    reason: &'static str,
    /// The best entry that confirms name and birth but carries another current id.
    namesake: Option<u32>,
}

/// What linking one holder reads: the holders, the register, the fitted matcher.
struct Linker<'a, H: HolderRecords + ?Sized> {
    holders: &'a H,
    register: &'a Register,
    matcher: &'a Matcher<'a>,
    weights: &'a super::matcher::Weights,
    births: &'a [Option<PartialDate>],
}

impl<H: HolderRecords + ?Sized> Linker<'_, H> {
    /// Holder `i`'s link (the steps of the module's doc).
    fn link(&self, i: usize) -> HolderLink {
        let (matcher, register) = (self.matcher, self.register);
        let (schema, left, right) = (matcher.schema, matcher.left, matcher.right);
        // The best candidates by attributes, looked for only where a holder needs them (not for one matched
        // by id).
        let by_attributes = || -> ByAttributes {
            let pattern = |j: u32| schema.pattern(left, i, right, j as usize);
            let mut b = Best::default();
            let mut namesake: Option<Candidate> = None;
            for j in matcher.candidates(i) {
                let p = pattern(j);
                let c = Candidate { right: j, weight: self.weights.weight(p) };
                if other_person(p) {
                    // Another current id: a different person, whatever else agrees; kept to be named.
                    if namesakes(p) && namesake.is_none_or(|n| c.weight > n.weight) {
                        namesake = Some(c);
                    }
                    continue;
                }
                b.offer(c);
            }
            let namesake = namesake.map(|c| c.right);
            let none = |reason| ByAttributes { found: None, reason, namesake };
            let Some(top) = b.best else {
                return none(if namesake.is_some() { NAMESAKE } else { NO_ONE });
            };
            let p = matcher.model.probability(top.weight);
            if p < MIN_PROBABILITY || !confirms(pattern(top.right)) {
                return none(if namesake.is_some() { NAMESAKE } else { NO_ONE });
            }
            if let Some(second) = b.second {
                // The same person entered twice (a repeated citizen id) is no namesake.
                let id = |j: u32| register.text(register.people[j as usize].id);
                if second.weight >= top.weight - MARGIN_BITS
                    && confirms(pattern(second.right))
                    && id(second.right) != id(top.right)
                {
                    return ByAttributes { found: None, reason: AMBIGUOUS, namesake: None };
                }
            }
            ByAttributes { found: Some((top.right, p)), reason: "", namesake: None }
        };
        let birth_year = self.births[i].map(|d| d.year);
        let id = citizen_id::parse(self.holders.holder(i).id);
        let attr = |status_if_found: Status, status_if_not: Status, why: String| {
            let a = by_attributes();
            match a.found {
                Some((j, p)) => {
                    HolderLink { status: status_if_found, citizen: Some(j), score: Some(p), why, candidate: None }
                }
                None => {
                    let why = if status_if_not == Status::NotFound { format!("{why}; {}", a.reason) } else { why };
                    HolderLink { status: status_if_not, citizen: None, score: None, why, candidate: a.namesake }
                }
            }
        };
        match id {
            HolderId::Invalid(e) => attr(Status::IdInvalid, Status::IdInvalid, format!("the id {e}")),
            HolderId::Empty => attr(Status::MatchedByAttributes, Status::NotFound, "no id".into()),
            HolderId::Cmnd(_) => attr(Status::MatchedByAttributes, Status::NotFound, "an old 9-digit id (CMND)".into()),
            HolderId::Cccd(c) => {
                if let Err(e) = c.check(birth_year, None) {
                    return attr(
                        Status::IdInvalid,
                        Status::IdInvalid,
                        format!("the id contradicts the birth year: {e}"),
                    );
                }
                let entries: Vec<usize> = register.with_id(&c.text()).collect();
                if entries.is_empty() {
                    return attr(Status::MatchedByAttributes, Status::NotFound, "the id is not in the register".into());
                }
                let fits = |&j: &usize| {
                    confirms(schema.pattern(left, i, right, j)) && c.check(None, register.people[j].female).is_ok()
                };
                match entries.iter().find(|j| fits(j)) {
                    Some(&j) => HolderLink {
                        status: Status::MatchedById,
                        citizen: Some(j as u32),
                        score: Some(matcher.model.probability(matcher.weight(i, j))),
                        why: String::new(),
                        candidate: None,
                    },
                    None => attr(
                        Status::Mismatch,
                        Status::Mismatch,
                        "the id is in the register for someone whose name or birth differs".into(),
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_folded_and_split() {
        assert_eq!(name_parts("NGUYỄN  Văn An"), ("nguyen".into(), "van".into(), "an".into()));
        assert_eq!(name_parts("Lê Thị Thu Hà"), ("le".into(), "thi thu".into(), "ha".into()));
        assert_eq!(name_parts("Hà"), ("".into(), "".into(), "ha".into()));
    }

    /// (name, id, birth, address) holders against a register; each linked alone again under the fitted model
    /// ([`link_one`]) must come out the same.
    fn run(holders: &[(&str, &str, &str, &str)], reg: &Register) -> Vec<(Status, Option<u32>)> {
        let records: Vec<HolderRecord> =
            holders.iter().map(|&(name, id, birth, address)| HolderRecord { name, id, birth, address }).collect();
        let linkage = link(records.as_slice(), reg);
        for (i, (r, h)) in records.iter().zip(&linkage.holders).enumerate() {
            let alone = link_one(*r, reg, &linkage.model);
            assert_eq!(
                (alone.status, alone.citizen, &alone.why, alone.candidate),
                (h.status, h.citizen, &h.why, h.candidate),
                "holder {i} alone"
            );
            assert_eq!(alone.score.map(f64::to_bits), h.score.map(f64::to_bits), "holder {i} alone");
        }
        linkage.holders.iter().map(|h| (h.status, h.citizen)).collect()
    }

    fn register() -> Register {
        let mut r = Register::default();
        let given = ["An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Khánh", "Long", "Minh", "Nam", "Sơn", "Tuấn"];
        let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Phan"];
        let mut k = 0u64;
        for (fi, f) in family.iter().enumerate() {
            for (gi, g) in given.iter().enumerate() {
                let year = 1940 + ((fi * 7 + gi * 5) % 60) as u16;
                let id = format!("001{}{:02}{:06}", 0, year % 100, k);
                let birth = PartialDate { year, month: 1 + (k % 12) as u8, day: 1 + (k % 28) as u8 };
                let addr = format!("Thôn {}, phường Yên Nghĩa", ["Đông", "Đoài", "Nam", "Bắc"][k as usize % 4]);
                r.push(k as u32 + 2, &id, &format!("{f} Văn {g}"), Some(birth), Some(false), &addr).unwrap();
                k += 1;
            }
        }
        r
    }

    #[test]
    fn every_status() {
        let mut reg = register();
        let p0 = reg.people[0];
        let (id0, name0, birth0) = (reg.text(p0.id).to_string(), reg.text(p0.name).to_string(), p0.birth.unwrap());
        let p1 = reg.people[1];
        let birth1 = p1.birth.unwrap();
        // A namesake of entry 2 born the same year, in the same village.
        let p2 = reg.people[2];
        let (name2, birth2, addr2) =
            (reg.text(p2.name).to_string(), p2.birth.unwrap(), reg.text(p2.address).to_string());
        let twin = PartialDate { month: 12, day: 28, ..birth2 };
        reg.push(999, "001099999999", &name2, Some(twin), Some(false), &addr2).unwrap();
        let y = |d: PartialDate| d.year.to_string();
        let old_addr = "thôn Đông, xã Yên Nghĩa, huyện Hoài Đức";
        let got = run(
            &[
                (&name0, &id0, &birth0.to_string(), ""),
                // Damaged name, old id, birth year only, old address.
                ("NGUYEN  VAN BINH", "013508475", &y(birth1), old_addr),
                // Entry 0's id on someone else.
                ("Trần Văn Long", &id0, &y(birth0), ""),
                // A CCCD whose year digits say otherwise.
                (&name0, &id0, &(birth0.year + 1).to_string(), ""),
                ("Nguyễn Văn An", "00108501234", &y(birth0), ""),
                // Not in the register.
                ("Khuất Văn Xuân", "", "1977", ""),
                // The namesakes, known by name and year only.
                (&name2, "", &y(birth2), ""),
                // A CCCD not in the register, whose namesake there has another current id: another person.
                (&name0, &format!("0010{:02}123123", birth0.year % 100), &birth0.to_string(), ""),
            ],
            &reg,
        );
        assert_eq!(
            got,
            vec![
                (Status::MatchedById, Some(0)),
                (Status::MatchedByAttributes, Some(1)),
                (Status::Mismatch, None),
                // The birth year on the certificate disagrees with the register too: no one fits.
                (Status::IdInvalid, None),
                (Status::IdInvalid, Some(0)),
                (Status::NotFound, None),
                (Status::NotFound, None),
                (Status::NotFound, None),
            ]
        );
    }

    /// A current id is for life: a namesake (same name, birth date and address) with another current id is
    /// another person, named as the candidate and never taken; one typing error from an entry's id is that
    /// entry, even among namesakes.
    #[test]
    fn a_current_id_tells_namesakes_apart() {
        let mut reg = register();
        let p = reg.people[5];
        let (id, name, birth, address) = (
            reg.text(p.id).to_string(),
            reg.text(p.name).to_string(),
            p.birth.unwrap(),
            reg.text(p.address).to_string(),
        );
        assert_eq!(id, "001065000005");
        reg.push(1000, "001065888888", &name, Some(birth), Some(false), &address).unwrap();
        let twin = reg.len() as u32 - 1;
        let birth = birth.to_string();
        let holders = [
            // Absent from the register, with a current id of their own.
            (name.as_str(), "001065777777", birth.as_str(), address.as_str()),
            // Entry 5's id with one digit changed, with two neighbours swapped.
            (&name, "001065000015", &birth, &address),
            (&name, "001065000050", &birth, &address),
            // The twin's id with one digit changed.
            (&name, "001065888885", &birth, &address),
            // No id: two people fit.
            (&name, "", &birth, &address),
            // An old id: the same.
            (&name, "013508475", &birth, &address),
        ];
        let records: Vec<HolderRecord> =
            holders.iter().map(|&(name, id, birth, address)| HolderRecord { name, id, birth, address }).collect();
        let linkage = link(records.as_slice(), &reg);
        let got: Vec<(Status, Option<u32>, Option<u32>)> =
            linkage.holders.iter().map(|h| (h.status, h.citizen, h.candidate)).collect();
        assert_eq!(
            got,
            vec![
                (Status::NotFound, None, Some(5)),
                (Status::MatchedByAttributes, Some(5), None),
                (Status::MatchedByAttributes, Some(5), None),
                (Status::MatchedByAttributes, Some(twin), None),
                (Status::NotFound, None, None),
                (Status::NotFound, None, None),
            ]
        );
        assert_eq!(linkage.holders[0].why, format!("the id is not in the register; {NAMESAKE}"));
        assert_eq!(linkage.holders[4].why, format!("no id; {AMBIGUOUS}"));
        for (i, r) in records.iter().enumerate() {
            let alone = link_one(*r, &reg, &linkage.model);
            assert_eq!((alone.status, alone.citizen, alone.candidate), got[i], "holder {i} alone");
        }
    }
}
