//! The namesake case of holder linkage (issue 19): a holder absent from the population register, whose
//! certificates carry their current id, while the register has a namesake instead: the same name and birth
//! year, in the same ward at another address, with another current id. Linkage must not take the namesake
//! (a different current id is a different person) and names it as the candidate of a `not_found` holder.
//! Also who looks like whom to linkage, which decides who can be planted missing at all.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::certs::{Date, IdKind, Person, Registry};
use super::names;
use crate::linkage::compare::within_one_edit;

/// Share of the holders planted absent with a namesake.
const RATE: f64 = 0.006;
/// Share of the people whom the register has at another address of the commune than their certificates.
const MOVED: f64 = 0.1;

impl Registry {
    /// [`Registry::plant_moves`], then [`Registry::plant_absent_namesakes`], with one look at who looks like whom
    /// (moving changes no name).
    pub(crate) fn plant_moves_and_absent_namesakes(&mut self) {
        let look_alikes = LookAlikes::new(&self.persons);
        self.plant_moves(&look_alikes);
        self.plant_absent_namesakes(&look_alikes);
    }

    /// Moves about 10% of the people to another house or group of the commune since their certificates (on
    /// its own random stream): the register has them at the new address. Addresses then disagree between
    /// some certificates and the register for the same person, as they do in real records, so that another
    /// address is evidence against a match but not proof.
    fn plant_moves(&mut self, look_alikes: &LookAlikes) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x30E5_0DD5);
        let groups = self.last_in_group.len().max(1) as u32;
        // Only people no one else looks like: a look-alike at the old address would fit an old certificate
        // as well as the person does at the new one, and the truth could not say which linkage is right.
        for p in &mut self.persons {
            let (r, group, house): (f64, u32, u16) =
                (rng.random(), rng.random_range(0..groups), rng.random_range(1..=250));
            if r >= MOVED || look_alikes.has_other(p) {
                continue;
            }
            let group =
                if group == p.group && (house == p.house || p.house == 0) { (group + 1) % groups } else { group };
            if (group, house) != (p.group, p.house) {
                p.moved = Some((group, house));
            }
        }
    }

    /// Plants the case for about 0.6% of the holders whose every certificate row carries a CCCD and whom no
    /// one else looks like (on its own random stream, before the other holder faults, which leave these
    /// people alone).
    fn plant_absent_namesakes(&mut self, look_alikes: &LookAlikes) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0xAB5E_27A3);
        // The holders in the order their first row comes, and whether every row of theirs carries a CCCD.
        let mut order = Vec::new();
        let mut all_cccd: Vec<Option<bool>> = vec![None; self.persons.len()];
        for c in &self.certs {
            for h in &c.holders {
                let e = &mut all_cccd[h.person as usize];
                if e.is_none() {
                    order.push(h.person);
                }
                *e = Some(e.unwrap_or(true) && h.id == IdKind::Cccd);
            }
        }
        let groups = self.last_in_group.len().max(1) as u32;
        for p in order {
            let (r, group, house, m, d): (f64, u32, u16, u8, u8) = (
                rng.random(),
                rng.random_range(0..groups),
                rng.random_range(1..=250),
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            );
            let me = &self.persons[p as usize];
            if r >= RATE || all_cccd[p as usize] != Some(true) || me.missing || look_alikes.has_other(me) {
                continue;
            }
            // Another address in the ward: another house in the same group, or another group.
            let group =
                if group == me.group && (house == me.house || me.house == 0) { (group + 1) % groups } else { group };
            let (female, year, province) = (me.female, me.birth.y, (me.cccd / 1_000_000_000) as u16);
            let own = format!("{:012}", me.cccd);
            let cccd = loop {
                let c = self.next_cccd(province, female, year);
                if !within_one_edit(&format!("{c:012}"), &own) {
                    break c;
                }
            };
            let me = &self.persons[p as usize];
            // Half of them born the same day too: only the id tells them apart.
            let birth = if r < RATE / 2.0 { me.birth } else { Date { y: year, m, d } };
            let twin = Person { cccd, cmnd: me.cmnd.wrapping_add(1), group, house, birth, ..*me };
            let twin = Person { missing: false, namesake: false, namesake_in_register: None, moved: None, ..twin };
            self.persons.push(twin);
            let k = (self.persons.len() - 1) as u32;
            let me = &mut self.persons[p as usize];
            me.missing = true;
            me.namesake_in_register = Some(k);
        }
    }
}

/// Who looks like whom to holder linkage: family, middle and given name each equal or nearly (Jaro-Winkler
/// at least 0.94 once folded, as `linkage::holders::confirms` takes them) and the same birth year.
pub(super) struct LookAlikes {
    /// People per (birth year, folded family, middle, given name).
    count: std::collections::HashMap<(u16, String, String, String), u32>,
    /// Per folded name word, the words of the lists near it (itself included).
    near: std::collections::HashMap<String, Vec<String>>,
}

impl LookAlikes {
    pub(super) fn new(persons: &[Person]) -> LookAlikes {
        let fold = crate::vntext::fold;
        let mut count = std::collections::HashMap::new();
        for p in persons {
            let (f, m, g) = p.name_parts();
            *count.entry((p.birth.y, fold(f), fold(m), fold(g))).or_insert(0) += 1;
        }
        let lists: [Vec<String>; 3] = [
            names::FAMILY.iter().map(|w| fold(w.0)).collect(),
            names::MIDDLE_MALE.iter().chain(names::MIDDLE_FEMALE).map(|w| fold(w.0)).collect(),
            names::GIVEN_MALE.iter().chain(names::GIVEN_FEMALE).map(|w| fold(w)).collect(),
        ];
        let mut near = std::collections::HashMap::new();
        for list in &lists {
            for w in list {
                let close = list.iter().filter(|v| crate::linkage::compare::jaro_winkler(w, v) >= 0.94).cloned();
                let entry: &mut Vec<String> = near.entry(w.clone()).or_default();
                entry.extend(close);
                entry.sort();
                entry.dedup();
            }
        }
        LookAlikes { count, near }
    }

    /// True when someone else born the same year has a name near this person's.
    pub(super) fn has_other(&self, p: &Person) -> bool {
        let fold = crate::vntext::fold;
        let (f, m, g) = p.name_parts();
        let (f, m, g) = (fold(f), fold(m), fold(g));
        let none = Vec::new();
        let near = |w: &String| self.near.get(w).unwrap_or(&none);
        let mut others = 0;
        for f2 in near(&f) {
            for m2 in near(&m) {
                for g2 in near(&g) {
                    let key = (p.birth.y, f2.clone(), m2.clone(), g2.clone());
                    others += self.count.get(&key).copied().unwrap_or(0);
                }
            }
        }
        // The person is counted under its own name.
        others > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Phạm Thuỳ Tuyến" and "Phạm Thu Tuyến" of one birth year look alike to holder linkage (the 1M commune
    /// planted the first as missing from the register, and linkage rightly took the second).
    #[test]
    fn look_alikes_are_near_names_of_one_year() {
        let middle = |m: &str| names::MIDDLE_FEMALE.iter().position(|w| w.0 == m).unwrap() as u8;
        let person = |middle: u8, y: u16| Person::named(0, middle, 0, true, y);
        let people = [person(middle("Thuỳ"), 1970), person(middle("Thu"), 1970), person(middle("Thị"), 1970)];
        let looks = LookAlikes::new(&people);
        assert!(looks.has_other(&people[0]) && looks.has_other(&people[1]));
        assert!(!looks.has_other(&people[2]));
        let years = [person(middle("Thuỳ"), 1970), person(middle("Thu"), 1971)];
        assert!(!LookAlikes::new(&years).has_other(&years[0]));
    }
}
