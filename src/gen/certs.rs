//! People, certificates and the population register.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::layout::{Geom, Layout, Shape, HNK, LAND_USES, LUC};
use super::names::{self, Damage};
use super::namesakes::LookAlikes;
use crate::vntext::legacy::Legacy;

/// Where the commune is: the province that goes with the central meridian.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Province {
    pub lon_0: f64,
    /// CCCD province code.
    pub code: u16,
    /// First two digits of the old 9-digit id cards issued there.
    pub cmnd: u8,
    /// Typical northing of its communes, m.
    pub northing: f64,
}

pub(crate) const PROVINCES: [Province; 4] = [
    Province { lon_0: 105.0, code: 1, cmnd: 1, northing: 2_320_000.0 },
    Province { lon_0: 105.75, code: 79, cmnd: 2, northing: 1_190_000.0 },
    Province { lon_0: 103.0, code: 11, cmnd: 4, northing: 2_365_000.0 },
    Province { lon_0: 107.75, code: 68, cmnd: 25, northing: 1_310_000.0 },
];

/// Provinces people moved in from (CCCD code, CMND prefix).
const BORN_ELSEWHERE: [(u16, u8); 8] = [(34, 15), (36, 16), (35, 16), (30, 14), (38, 17), (40, 18), (26, 13), (27, 12)];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Date {
    pub y: u16,
    pub m: u8,
    pub d: u8,
}

pub(crate) struct Person {
    pub family: u8,
    pub middle: u8,
    pub given: u8,
    pub female: bool,
    pub birth: Date,
    pub cccd: u64,
    pub cmnd: u32,
    pub group: u32,
    pub house: u16,
    /// Planted: not in the population register.
    pub missing: bool,
    /// Planted: the register has a second person with the same name, birth date and address.
    pub namesake: bool,
    /// Planted (with `missing`): the register has, instead of this person, this namesake: the same name and
    /// birth year, another address in the ward, another current id.
    pub namesake_in_register: Option<u32>,
    /// Planted: where the register has the person now (group, house), having moved within the commune since
    /// their certificates were issued.
    pub moved: Option<(u32, u16)>,
}

impl Person {
    /// Family, middle and given name.
    pub(crate) fn name_parts(&self) -> (&'static str, &'static str, &'static str) {
        let middle = if self.female {
            names::MIDDLE_FEMALE[self.middle as usize].0
        } else {
            names::MIDDLE_MALE[self.middle as usize].0
        };
        let given =
            if self.female { names::GIVEN_FEMALE[self.given as usize] } else { names::GIVEN_MALE[self.given as usize] };
        (names::FAMILY[self.family as usize].0, middle, given)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdKind {
    Cccd,
    Cmnd,
    Empty,
}

/// A planted fault in the id a holder row carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdPlant {
    None,
    /// Another person's CCCD (born the same year, another name).
    Wrong(u32),
    /// The person's CCCD with one serial digit mistyped: in no one's register entry.
    Typo(u64),
    /// Malformed: 0 eleven digits, 1 a letter O for a zero, 2 an unknown province, 3 the year digits one off.
    Invalid(u8),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Holder {
    pub person: u32,
    pub id: IdKind,
    pub plant: IdPlant,
    /// `YYYY-MM-DD` rather than `YYYY`.
    pub birth_full: bool,
    pub damage: Damage,
}

pub(crate) struct Cert {
    /// The parcel the certificate was issued for.
    pub parcel: u32,
    /// Sheet and parcel number as written (a planted typo may point them nowhere).
    pub sheet: u32,
    pub parcel_no: String,
    /// Area in tenths of m2.
    pub area10: u64,
    pub land_use: &'static str,
    pub issued: Date,
    pub issued_full: bool,
    pub serial: (u8, u32),
    pub holders: Vec<Holder>,
    /// Planted unmatched certificate: the parcel a good checker should rank first.
    pub expected: Option<u32>,
    /// ... among this many first candidates (1, or 3 for a number mistyped twice).
    pub within: u8,
    pub unmatched: bool,
}

/// What the certificates of one parcel look like.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Plan {
    /// One certificate with the parcel's area (within 1%).
    Normal,
    /// No certificate.
    Nothing,
    /// `k` certificates that split the parcel on paper; style 0: plain numbers, 1: `45a`, 2: `45-1`, 3: `45/1`.
    Split { k: u8, style: u8 },
    /// Two certificates, each for the whole parcel.
    DupCert,
    /// One certificate pointing nowhere: sheet and number as written; `expected`: recoverable, the parcel
    /// meant first among the candidates (`within` 1) or among the first three (`within` 3: two slips).
    Typo { sheet: u32, no: String, expected: bool, within: u8 },
    /// One certificate whose area is the mapped area times this factor.
    Mismatch(f64),
}

/// Serial letter pairs by period of issue.
pub(crate) const SERIAL_PAIRS: [&str; 24] = [
    "AD", "AE", "AG", "AH", // 1993-2003
    "AK", "AL", "AM", "AN", // 2004-2009
    "AA", "BA", "BB", "BC", "BD", "BE", "BG", "BH", // 2010-2019
    "BK", "CA", "CB", "CC", "CD", "CE", "CS", "DA", // 2020-2024
];

fn serial_pair(rng: &mut ChaCha8Rng, year: u16) -> u8 {
    let base = match year {
        ..=2003 => 0,
        2004..=2009 => 4,
        2010..=2019 => 8 + rng.random_range(0..4) * 2,
        _ => 16,
    };
    let width = if (2010..=2019).contains(&year) { 2 } else { 4 };
    base + rng.random_range(0..width)
}

pub(crate) struct Registry {
    pub persons: Vec<Person>,
    pub certs: Vec<Cert>,
    province: Province,
    pub(super) seed: u64,
    cccd_count: Vec<u32>,
    cmnd_count: u32,
    serial_next: [u32; SERIAL_PAIRS.len()],
    /// The last single holder of a rural group, who may own more plots there.
    pub(super) last_in_group: Vec<Option<u32>>,
    /// (folded full name, birth year) of everyone: unique, so that the only namesakes are the planted ones.
    taken: std::collections::HashSet<(String, u16)>,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn year_of_issue(rng: &mut ChaCha8Rng) -> u16 {
    let r: f64 = rng.random();
    if r < 0.4 {
        rng.random_range(1993..=2003)
    } else if r < 0.7 {
        rng.random_range(2004..=2014)
    } else {
        rng.random_range(2015..=2024)
    }
}

fn date_in(rng: &mut ChaCha8Rng, y: u16) -> Date {
    Date { y, m: rng.random_range(1..=12), d: rng.random_range(1..=28) }
}

fn round10(a: f64) -> u64 {
    (a * 10.0).round().max(1.0) as u64
}

impl Registry {
    pub(crate) fn new(province: Province, seed: u64, groups: usize) -> Self {
        let mut serial_next = [0u32; SERIAL_PAIRS.len()];
        for (k, s) in serial_next.iter_mut().enumerate() {
            *s = (splitmix(seed ^ ((k as u64 + 1) * 0x51)) % 2_000_000) as u32;
        }
        Registry {
            persons: Vec::new(),
            certs: Vec::new(),
            province,
            seed,
            cccd_count: vec![0; 400],
            cmnd_count: 0,
            serial_next,
            last_in_group: vec![None; groups],
            taken: std::collections::HashSet::new(),
        }
    }

    fn new_person(&mut self, rng: &mut ChaCha8Rng, female: bool, birth_year: u16, group: u32, urban: bool) -> u32 {
        // Draw until the name is new for that birth year (folded: "Hương" and "Hường" are one name to a
        // record typed without diacritics), so that the only namesakes are the planted ones.
        let mut birth_year = birth_year;
        let (family, middle, given) = loop {
            let mut found = None;
            for _ in 0..201 {
                let family = names::weighted(rng, names::FAMILY).0 as u8;
                let (middle, given) = if female {
                    let m = if birth_year < 1970 && rng.random_bool(0.85) {
                        0
                    } else {
                        names::weighted(rng, names::MIDDLE_FEMALE).0
                    };
                    (m as u8, rng.random_range(0..names::GIVEN_FEMALE.len()) as u8)
                } else {
                    (
                        names::weighted(rng, names::MIDDLE_MALE).0 as u8,
                        rng.random_range(0..names::GIVEN_MALE.len()) as u8,
                    )
                };
                if self.taken.insert((name_key(family, middle, given, female), birth_year)) {
                    found = Some((family, middle, given));
                    break;
                }
            }
            // The likely names of that year are taken (a large commune): the first free one from a random
            // point of every family x middle x given name, then, if that year has none left, the next year.
            if let Some(name) = found.or_else(|| self.free_name(rng, female, birth_year)) {
                break name;
            }
            birth_year += 1;
        };
        let birth = date_in(rng, birth_year);
        let (code, cmnd_prefix) = if rng.random_bool(0.85) {
            (self.province.code, self.province.cmnd)
        } else {
            BORN_ELSEWHERE[rng.random_range(0..BORN_ELSEWHERE.len())]
        };
        let cccd = self.next_cccd(code, female, birth_year);
        let m = u64::from(self.cmnd_count);
        self.cmnd_count += 1;
        let cmnd = u32::from(cmnd_prefix) * 10_000_000 + ((splitmix(self.seed ^ 0xC3) + m * 7919) % 10_000_000) as u32;
        let house = if urban { rng.random_range(1..=250) } else { 0 };
        self.persons.push(Person {
            family,
            middle,
            given,
            female,
            birth,
            cccd,
            cmnd,
            group,
            house,
            missing: false,
            namesake: false,
            namesake_in_register: None,
            moved: None,
        });
        (self.persons.len() - 1) as u32
    }

    /// A name no one born in `year` has yet (taken at once), scanning every combination from a random
    /// point; None when there is none.
    fn free_name(&mut self, rng: &mut ChaCha8Rng, female: bool, year: u16) -> Option<(u8, u8, u8)> {
        let middles = if female { names::MIDDLE_FEMALE.len() } else { names::MIDDLE_MALE.len() };
        let givens = if female { names::GIVEN_FEMALE.len() } else { names::GIVEN_MALE.len() };
        let space = names::FAMILY.len() * middles * givens;
        let start = rng.random_range(0..space);
        (0..space).map(|k| (start + k) % space).find_map(|k| {
            let (family, middle, given) =
                ((k / (middles * givens)) as u8, (k / givens % middles) as u8, (k % givens) as u8);
            self.taken.insert((name_key(family, middle, given, female), year)).then_some((family, middle, given))
        })
    }

    /// CCCD: province, century and sex, two-digit year, then a serial unique for that century, sex and year.
    pub(super) fn next_cccd(&mut self, code: u16, female: bool, birth_year: u16) -> u64 {
        let cs = u64::from(female) + if birth_year >= 2000 { 2 } else { 0 };
        let yy = u64::from(birth_year % 100);
        let key = (cs * 100 + yy) as usize;
        let n = self.cccd_count[key] as u64;
        self.cccd_count[key] += 1;
        let serial = (splitmix(self.seed ^ key as u64) + n * 7919) % 1_000_000;
        ((u64::from(code) * 10 + cs) * 100 + yy) * 1_000_000 + serial
    }

    /// Plants the holder faults (its own random stream, so the rest of the commune stays as it was):
    /// people missing from the register, namesakes added to it, and ids that are another's, mistyped or
    /// malformed.
    pub(crate) fn plant_holders(&mut self) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x401D_E125);
        let mut seen = vec![false; self.persons.len()];
        let mut holders: Vec<u32> = Vec::new();
        for c in &self.certs {
            for h in &c.holders {
                if !std::mem::replace(&mut seen[h.person as usize], true) {
                    holders.push(h.person);
                }
            }
        }
        let look_alikes = LookAlikes::new(&self.persons);
        for p in holders {
            let r: f64 = rng.random();
            if self.persons[p as usize].missing {
                // Planted already (absent, with a namesake in the register: `plant_absent_namesakes`).
                continue;
            }
            if r < 0.006 {
                // Only someone the register has no look-alike of can be missing from it: holder linkage
                // would take the look-alike (rightly, on the evidence), and the truth would not know.
                if !look_alikes.has_other(&self.persons[p as usize]) {
                    self.persons[p as usize].missing = true;
                }
            } else if r < 0.012 {
                let (female, year, code) = {
                    let t = &self.persons[p as usize];
                    (t.female, t.birth.y, (t.cccd / 1_000_000_000) as u16)
                };
                let cccd = self.next_cccd(code, female, year);
                let twin = &self.persons[p as usize];
                let cmnd = twin.cmnd.wrapping_add(1);
                let clone = Person { cccd, cmnd, missing: false, namesake: true, ..*twin };
                self.persons[p as usize].namesake = true;
                self.persons.push(clone);
            }
        }
        let mut by_year: std::collections::HashMap<u16, Vec<u32>> = std::collections::HashMap::new();
        for (k, p) in self.persons.iter().enumerate() {
            if !p.missing && !p.namesake {
                by_year.entry(p.birth.y).or_default().push(k as u32);
            }
        }
        let ids: std::collections::HashSet<u64> = self.persons.iter().map(|p| p.cccd).collect();
        // A mistyped id one typing error from a namesake twin's too would leave linkage two people to choose
        // from: such typos are not planted.
        let twins: Vec<u64> = self.persons.iter().filter(|p| p.namesake).map(|p| p.cccd).collect();
        let near_twin = |v: u64, me: u64| {
            twins
                .iter()
                .any(|&t| t != me && crate::linkage::compare::within_one_edit(&format!("{t:012}"), &format!("{v:012}")))
        };
        for ci in 0..self.certs.len() {
            for hi in 0..self.certs[ci].holders.len() {
                let h = self.certs[ci].holders[hi];
                let me = &self.persons[h.person as usize];
                let r: f64 = rng.random();
                let plant = if r < 0.006 {
                    let others = by_year.get(&me.birth.y).map(Vec::as_slice).unwrap_or(&[]);
                    let name = folded_name(me);
                    let pick = (!others.is_empty()).then(|| others[rng.random_range(0..others.len())]);
                    match pick {
                        Some(o) if folded_name(&self.persons[o as usize]) != name => IdPlant::Wrong(o),
                        _ => IdPlant::None,
                    }
                } else if r < 0.012 {
                    let base = me.cccd - me.cccd % 10;
                    let typo = (1..10u64)
                        .map(|d| base + (me.cccd % 10 + d) % 10)
                        .find(|&v| !(ids.contains(&v) || me.namesake && near_twin(v, me.cccd)));
                    typo.map_or(IdPlant::None, IdPlant::Typo)
                } else if r < 0.02 {
                    IdPlant::Invalid(rng.random_range(0..4))
                } else {
                    IdPlant::None
                };
                // The absent holders with a namesake keep their own current id (the case is about it).
                let plant = if me.namesake_in_register.is_some() { IdPlant::None } else { plant };
                self.certs[ci].holders[hi].plant = plant;
            }
        }
    }

    /// Writes about 3% of the undamaged holder names in a legacy encoding (TCVN3, VNI, CP1258 as seen through
    /// Windows-1252), on its own random stream so that nothing else moves. Only names that
    /// [`vntext::repair`](crate::vntext::repair) recovers exactly are planted, so the truth stays exact.
    pub(crate) fn plant_legacy_names(&mut self) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x1E6A_C1E5);
        for ci in 0..self.certs.len() {
            for hi in 0..self.certs[ci].holders.len() {
                let h = self.certs[ci].holders[hi];
                let r: f64 = rng.random();
                let encoding = Legacy::ALL[rng.random_range(0..Legacy::ALL.len())];
                if r >= 0.03 || h.damage != Damage::None {
                    continue;
                }
                let (f, m, g) = self.persons[h.person as usize].name_parts();
                let name = format!("{f} {m} {g}");
                let damage = Damage::Legacy(encoding);
                let written = damage.apply(&name);
                if written != name && crate::vntext::repair(&written) == name {
                    self.certs[ci].holders[hi].damage = damage;
                }
            }
        }
    }

    /// The holders of a certificate issued in `year` for a parcel of `group`.
    fn holders(&mut self, rng: &mut ChaCha8Rng, group: u32, urban: bool, year: u16) -> Vec<Holder> {
        let mut persons = Vec::with_capacity(2);
        let reuse = if urban { None } else { self.last_in_group[group as usize] };
        match reuse {
            Some(p) if rng.random_bool(0.2) && self.persons[p as usize].birth.y + 18 <= year => persons.push(p),
            _ => {
                let y = (year - rng.random_range(20..=60)).max(1925);
                if rng.random_bool(0.25) {
                    let husband = self.new_person(rng, false, y, group, urban);
                    let wy = (y + rng.random_range(0..=5)).min(year - 18);
                    let wife = self.new_person(rng, true, wy, group, urban);
                    let house = self.persons[husband as usize].house;
                    self.persons[wife as usize].house = house;
                    persons.extend([husband, wife]);
                } else {
                    let female = rng.random_bool(0.35);
                    let p = self.new_person(rng, female, y, group, urban);
                    self.last_in_group[group as usize] = Some(p);
                    persons.push(p);
                }
            }
        }
        persons
            .into_iter()
            .map(|person| {
                let r: f64 = rng.random();
                let id = match year {
                    ..=1999 if r < 0.4 => IdKind::Empty,
                    ..=2015 if r < 0.1 => IdKind::Empty,
                    ..=2015 => IdKind::Cmnd,
                    2016..=2020 if r < 0.4 => IdKind::Cccd,
                    2016..=2020 => IdKind::Cmnd,
                    _ if r < 0.85 => IdKind::Cccd,
                    _ => IdKind::Cmnd,
                };
                let birth_full = year >= 2010 || rng.random_bool(0.4);
                let d: f64 = rng.random();
                let damage = match d {
                    _ if d < 0.03 => Damage::Upper,
                    _ if d < 0.06 => Damage::NoDiacritics,
                    _ if d < 0.09 => Damage::Nfd,
                    _ if d < 0.11 => Damage::DoubleSpace,
                    _ if d < 0.14 => Damage::OldTone,
                    _ => Damage::None,
                };
                Holder { person, id, plant: IdPlant::None, birth_full, damage }
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn cert(
        &mut self,
        rng: &mut ChaCha8Rng,
        parcel: u32,
        sheet: u32,
        parcel_no: String,
        area10: u64,
        land_use: u8,
        year: u16,
        holders: Option<Vec<Holder>>,
        group: u32,
        urban: bool,
    ) {
        let issued = date_in(rng, year);
        let issued_full = year >= 2000 || rng.random_bool(0.3);
        let code = LAND_USES[land_use as usize];
        let land_use = match land_use {
            LUC if year < 2014 && rng.random_bool(0.6) => "LUA",
            HNK if year < 2014 && rng.random_bool(0.5) => "BHK",
            _ => code,
        };
        let pair = serial_pair(rng, year);
        let s = &mut self.serial_next[pair as usize];
        *s += rng.random_range(1..=37);
        let serial = (pair, *s);
        let holders = holders.unwrap_or_else(|| self.holders(rng, group, urban, year));
        self.certs.push(Cert {
            parcel,
            sheet,
            parcel_no,
            area10,
            land_use,
            issued,
            issued_full,
            serial,
            holders,
            expected: None,
            within: 1,
            unmatched: false,
        });
    }

    /// Writes the certificates of every parcel according to its plan.
    pub(crate) fn issue(&mut self, rng: &mut ChaCha8Rng, lay: &Layout, plans: &[Plan]) {
        for (i, (p, plan)) in lay.parcels.iter().zip(plans).enumerate() {
            let i = i as u32;
            let urban = lay.groups[p.group as usize].urban;
            let a = p.area;
            let no = p.number.to_string();
            let normal = |rng: &mut ChaCha8Rng| round10(a * (1.0 + rng.random_range(-0.009..0.009)));
            debug_assert!(p.geom == Geom::Valid || *plan == Plan::Normal);
            debug_assert!(p.shape != Shape::Road || *plan == Plan::Nothing);
            match plan {
                Plan::Nothing => {}
                Plan::Normal => {
                    let (area, year) = (normal(rng), year_of_issue(rng));
                    self.cert(rng, i, p.sheet, no, area, p.land_use, year, None, p.group, urban);
                }
                Plan::Mismatch(f) => {
                    let year = year_of_issue(rng);
                    self.cert(rng, i, p.sheet, no, round10(a * f), p.land_use, year, None, p.group, urban);
                }
                Plan::DupCert => {
                    let (area, y1) = (normal(rng), rng.random_range(1993..=2004));
                    self.cert(rng, i, p.sheet, no.clone(), area, p.land_use, y1, None, p.group, urban);
                    // Re-issued without cancelling the old one: to the same holders or to a buyer.
                    let same = rng.random_bool(0.5).then(|| self.certs.last().map(|c| c.holders.clone())).flatten();
                    let (area, y2) = (normal(rng), rng.random_range(2008..=2024));
                    self.cert(rng, i, p.sheet, no, area, p.land_use, y2, same, p.group, urban);
                }
                Plan::Split { k, style } => {
                    let k = *k as usize;
                    let w: Vec<f64> = (0..k).map(|_| rng.random_range(0.3..1.0)).collect();
                    let total: f64 = w.iter().sum();
                    // The parts account for the parcel within 0.4%.
                    let target = a * (1.0 + rng.random_range(-0.004..0.004));
                    let mut left = round10(target);
                    for (j, wj) in w.iter().enumerate() {
                        let area = if j + 1 == k { left } else { round10(target * wj / total) };
                        left -= area;
                        let no = match style {
                            0 => no.clone(),
                            1 => format!("{no}{}", (b'a' + j as u8) as char),
                            2 => format!("{no}-{}", j + 1),
                            _ => format!("{no}/{}", j + 1),
                        };
                        let year = rng.random_range(2005..=2024);
                        self.cert(rng, i, p.sheet, no, area, p.land_use, year, None, p.group, urban);
                    }
                }
                Plan::Typo { sheet, no: typo, expected, within } => {
                    let (area, year) = (normal(rng), year_of_issue(rng));
                    self.cert(rng, i, *sheet, typo.clone(), area, p.land_use, year, None, p.group, urban);
                    let c = self.certs.last_mut().expect("just pushed");
                    c.unmatched = true;
                    c.expected = expected.then_some(i);
                    c.within = *within;
                }
            }
        }
    }

    /// Some more people in the register who hold no certificate here (family members, namesakes).
    pub(crate) fn others(&mut self, rng: &mut ChaCha8Rng, lay: &Layout) {
        let n = self.persons.len() / 5 + 1;
        for _ in 0..n {
            let g = rng.random_range(0..lay.groups.len()) as u32;
            let urban = lay.groups[g as usize].urban;
            let y = rng.random_range(1935..=2006);
            let female = rng.random_bool(0.5);
            self.new_person(rng, female, y, g, urban);
        }
    }

    /// Orders the certificates by date of issue (the issuing book's order) so that their ids do not follow
    /// the map.
    pub(crate) fn order_by_issue(&mut self) {
        let mut idx: Vec<usize> = (0..self.certs.len()).collect();
        idx.sort_by_key(|&i| (self.certs[i].issued, i));
        let mut old: Vec<Option<Cert>> = std::mem::take(&mut self.certs).into_iter().map(Some).collect();
        self.certs = idx.into_iter().map(|i| old[i].take().expect("each once")).collect();
    }
}

/// The folded full name of a family, middle and given name (indices into the name lists).
fn name_key(family: u8, middle: u8, given: u8, female: bool) -> String {
    folded_name(&Person::named(family, middle, given, female, 0))
}

impl Person {
    /// A person of this name (indices into the name lists), sex and birth year, and nothing else: born on
    /// 1 January, no ids, no address, nothing planted.
    pub(crate) fn named(family: u8, middle: u8, given: u8, female: bool, year: u16) -> Person {
        Person {
            family,
            middle,
            given,
            female,
            birth: Date { y: year, m: 1, d: 1 },
            cccd: 0,
            cmnd: 0,
            group: 0,
            house: 0,
            missing: false,
            namesake: false,
            namesake_in_register: None,
            moved: None,
        }
    }
}

/// The full name folded (lower case, no diacritics, `đ` as `d`).
pub(crate) fn folded_name(p: &Person) -> String {
    let (f, m, g) = p.name_parts();
    crate::vntext::fold(&format!("{f} {m} {g}"))
}

/// The holder id as written on the certificate.
pub(crate) fn holder_id_text(h: &Holder, persons: &[Person]) -> String {
    let p = &persons[h.person as usize];
    let cccd = format!("{:012}", p.cccd);
    match h.plant {
        IdPlant::Wrong(o) => format!("{:012}", persons[o as usize].cccd),
        IdPlant::Typo(v) => format!("{v:012}"),
        IdPlant::Invalid(0) => cccd[..11].to_string(),
        IdPlant::Invalid(1) => format!("{}O{}", &cccd[..6], &cccd[7..]),
        IdPlant::Invalid(2) => format!("003{}", &cccd[3..]),
        IdPlant::Invalid(_) => format!("{}{:02}{}", &cccd[..4], (p.birth.y + 1) % 100, &cccd[6..]),
        IdPlant::None => match h.id {
            IdKind::Cccd => cccd,
            IdKind::Cmnd => format!("{:09}", p.cmnd),
            IdKind::Empty => String::new(),
        },
    }
}

/// What a correct linkage makes of a holder row: its status and the person whose id it reports.
pub(crate) fn holder_outcome(h: &Holder, persons: &[Person]) -> (&'static str, Option<u32>) {
    let p = &persons[h.person as usize];
    let by_attributes = (!p.missing && !p.namesake).then_some(h.person);
    let attr = || by_attributes.map_or(("not_found", None), |x| ("matched_by_attributes", Some(x)));
    match h.plant {
        IdPlant::Invalid(_) => ("id_invalid", by_attributes),
        IdPlant::Wrong(_) => ("mismatch", by_attributes),
        // One typing error from the person's id, and from no one else's: found even among namesakes.
        IdPlant::Typo(_) if !p.missing => ("matched_by_attributes", Some(h.person)),
        IdPlant::Typo(_) => attr(),
        IdPlant::None if h.id == IdKind::Cccd && !p.missing => ("matched_by_id", Some(h.person)),
        IdPlant::None => attr(),
    }
}

/// A certificate id: `CH` and a zero-padded sequence number in the issuing book.
pub(crate) fn cert_id(seq: usize, total: usize) -> String {
    let width = total.max(1).to_string().len().max(6);
    format!("CH{:0width$}", seq + 1)
}

/// A person's address: as the register has it now, or as written on a certificate issued before 2005
/// (village, commune, district).
pub(crate) fn address(lay: &Layout, p: &Person, commune: &str, district: &str, old: bool) -> String {
    let g = &lay.groups[p.group as usize];
    if old {
        format!("{}, xã {commune}, huyện {district}", g.village)
    } else if g.urban {
        format!("Số {}, {}, phường {commune}", p.house, g.name)
    } else {
        format!("{}, phường {commune}", g.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Far more people a birth year than the likely names can hold (the 1M-holder commune ran out at
    /// about 40k): still no two people of one year share a folded name, so the truth's namesakes are the
    /// only ones; years that run out of names spill into the next.
    #[test]
    fn names_stay_unique_when_the_likely_ones_run_out() {
        let mut reg = Registry::new(PROVINCES[0], 7, 1);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for k in 0..120_000u32 {
            reg.new_person(&mut rng, k % 2 == 0, 1960 + (k % 3) as u16, 0, false);
        }
        let mut seen = std::collections::HashSet::new();
        for p in &reg.persons {
            assert!(seen.insert((folded_name(p), p.birth.y)), "{} {}", folded_name(p), p.birth.y);
        }
        assert_eq!(seen.len(), 120_000);
        assert_eq!(reg.persons.iter().filter(|p| !(1960..=1962).contains(&p.birth.y)).count(), 0);
    }
}
