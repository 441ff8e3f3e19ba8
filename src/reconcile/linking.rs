//! Points each certificate at its mapped parcel: same sheet, same base parcel number (split suffixes
//! dropped), same commune when both sides carry one. Where several parcels carry the number, the one whose
//! mapped area is closest to the certificate's area wins (ties: the smallest parcel id).

use rayon::prelude::*;

use super::numbering::commune_key;
use crate::dataset::{Certificates, Parcel};

/// Certificates and parcels, linked. Flat arrays: a commune has a million of each.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// For each certificate: its parcel (`u32::MAX`: the map does not have it).
    parcel_of: Vec<u32>,
    /// Parcel `p`'s certificates are `cert_list[cert_start[p]..cert_start[p + 1]]`, in file order.
    cert_start: Vec<u32>,
    cert_list: Vec<u32>,
    /// (sheet, parcel number, parcel) of every numbered parcel, sorted.
    numbers: Vec<(i64, i64, u32)>,
    /// Parcels whose certificates changed since the links were built (the incremental re-check), and
    /// parcels added since: their certificates, in file order.
    changed: rustc_hash::FxHashMap<u32, Vec<u32>>,
    /// Parcels added since the links were built.
    added: usize,
}

impl Links {
    /// The parcel certificate `ci` points at.
    pub fn parcel_of(&self, ci: usize) -> Option<usize> {
        self.parcel_of.get(ci).filter(|&&p| p != u32::MAX).map(|&p| p as usize)
    }

    /// The certificates that point at parcel `pi`.
    pub fn certs_of(&self, pi: usize) -> &[u32] {
        if !self.changed.is_empty() {
            if let Some(list) = self.changed.get(&(pi as u32)) {
                return list;
            }
        }
        match (self.cert_start.get(pi), self.cert_start.get(pi + 1)) {
            (Some(&from), Some(&to)) => &self.cert_list[from as usize..to as usize],
            _ => &[],
        }
    }

    /// The number of parcels.
    pub fn parcels(&self) -> usize {
        self.cert_start.len().saturating_sub(1) + self.added
    }

    /// A parcel added at the end (the incremental re-check): no certificates yet, no number.
    pub(crate) fn push_parcel(&mut self) {
        self.added += 1;
    }

    /// Parcel `p`'s (sheet, number) changed from `old` to `new`.
    pub(crate) fn renumber(&mut self, p: u32, old: Option<(i64, i64)>, new: Option<(i64, i64)>) {
        if old == new {
            // Nothing moves (the list holds every numbered parcel: a remove and insert would shift it twice).
            return;
        }
        if let Some((s, n)) = old {
            if let Ok(k) = self.numbers.binary_search(&(s, n, p)) {
                self.numbers.remove(k);
            }
        }
        if let Some((s, n)) = new {
            if let Err(k) = self.numbers.binary_search(&(s, n, p)) {
                self.numbers.insert(k, (s, n, p));
            }
        }
    }

    /// Certificate `ci` now points at `parcel`.
    pub(crate) fn set_parcel_of(&mut self, ci: usize, parcel: Option<usize>) {
        if let Some(slot) = self.parcel_of.get_mut(ci) {
            *slot = parcel.map_or(u32::MAX, |p| p as u32);
        }
    }

    /// Parcel `p`'s certificates are now `certs` (in file order).
    pub(crate) fn set_certs_of(&mut self, p: usize, certs: Vec<u32>) {
        self.changed.insert(p as u32, certs);
    }

    /// Parcels carrying sheet `sheet`, number `no`.
    pub fn numbered(&self, sheet: i64, no: i64) -> impl Iterator<Item = usize> + '_ {
        let from = self.numbers.partition_point(|&(s, n, _)| (s, n) < (sheet, no));
        self.numbers[from..].iter().take_while(move |&&(s, n, _)| (s, n) == (sheet, no)).map(|&(_, _, p)| p as usize)
    }

    /// The parcel numbers used on a sheet, ascending (with repeats).
    pub fn sheet_numbers(&self, sheet: i64) -> impl Iterator<Item = i64> + '_ {
        let from = self.numbers.partition_point(|&(s, _, _)| s < sheet);
        self.numbers[from..].iter().take_while(move |&&(s, _, _)| s == sheet).map(|&(_, n, _)| n)
    }
}

pub(crate) fn link(parcels: &[Parcel], certs: &Certificates) -> Links {
    let mut numbers: Vec<(i64, i64, u32)> =
        parcels.iter().enumerate().filter_map(|(i, p)| Some((p.sheet?, p.parcel_no?, i as u32))).collect();
    numbers.par_sort_unstable();
    let mut links = Links {
        parcel_of: vec![u32::MAX; certs.len()],
        cert_start: Vec::new(),
        cert_list: Vec::new(),
        numbers,
        changed: Default::default(),
        added: 0,
    };
    let parcel_of: Vec<u32> = (0..certs.certificates.len())
        .into_par_iter()
        .map(|ci| links.best(parcels, certs, ci).map_or(u32::MAX, |p| p as u32))
        .collect();
    // Counting sort of certificates by parcel, keeping file order within a parcel.
    let mut start = vec![0u32; parcels.len() + 1];
    for &p in &parcel_of {
        if p != u32::MAX {
            start[p as usize + 1] += 1;
        }
    }
    for i in 0..parcels.len() {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut list = vec![0u32; start[parcels.len()] as usize];
    for (ci, &p) in parcel_of.iter().enumerate() {
        if p != u32::MAX {
            list[fill[p as usize] as usize] = ci as u32;
            fill[p as usize] += 1;
        }
    }
    links.parcel_of = parcel_of;
    links.cert_start = start;
    links.cert_list = list;
    links
}

impl Links {
    /// The parcel certificate `ci` points at by the links' numbers: same sheet and base number, communes that
    /// agree, the closest mapped area (ties: the smallest id).
    pub(crate) fn best(&self, parcels: &[Parcel], certs: &Certificates, ci: usize) -> Option<usize> {
        let c = &certs.certificates[ci];
        let (Some(sheet), Some(no)) = (c.sheet, c.parcel_base) else { return None };
        self.numbered(sheet, no).filter(|&pi| communes_agree(parcels[pi].commune.as_deref(), certs.commune(ci))).min_by(
            |&a, &b| {
                let d = |pi: usize| match (parcels[pi].area_m2, c.area) {
                    (Some(m), Some(ca)) => (m - ca).abs(),
                    _ => f64::INFINITY,
                };
                d(a).total_cmp(&d(b)).then_with(|| parcels[a].id.cmp(&parcels[b].id))
            },
        )
    }
}

/// Communes agree when either side is silent or both name the same code.
pub fn communes_agree(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => commune_key(Some(a)) == commune_key(Some(b)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::tests::{cert, numbered, table};

    #[test]
    fn links_by_base_number_and_closest_area() {
        let ps = vec![
            numbered("p1", Some("00118"), 3, 45, 100.0),
            numbered("p2", Some("00118"), 3, 45, 60.0),
            numbered("p3", Some("00118"), 3, 46, 80.0),
        ];
        let cs = table(vec![
            cert("c1", Some("118"), Some(3), "45a", Some(58.0)),
            cert("c2", None, Some(3), "45", Some(99.0)),
            cert("c3", Some("00118"), Some(3), "46/1", None),
            cert("c4", Some("00119"), Some(3), "46", None),
            cert("c5", Some("00118"), Some(3), "4?", None),
        ]);
        let links = link(&ps, &cs);
        assert_eq!((0..5).map(|c| links.parcel_of(c)).collect::<Vec<_>>(), vec![Some(1), Some(0), Some(2), None, None]);
        assert_eq!((0..3).map(|p| links.certs_of(p).to_vec()).collect::<Vec<_>>(), vec![vec![1], vec![0], vec![2]]);
        assert_eq!(links.numbered(3, 45).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(links.sheet_numbers(3).collect::<Vec<_>>(), vec![45, 45, 46]);
    }
}
