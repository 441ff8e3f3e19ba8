//! `duplicate_parcel_number`: two or more mapped parcels with the same commune, sheet and parcel number.

use rayon::slice::ParallelSliceMut;
use rustc_hash::FxHashMap;

use geo::MultiPolygon;

use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::Parcel;

/// A commune code compared loosely: trimmed, leading zeros dropped from numeric codes ("00118" = "118").
pub fn commune_key(c: Option<&str>) -> String {
    let c = c.unwrap_or("").trim();
    if !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()) {
        let t = c.trim_start_matches('0');
        if t.is_empty() {
            "0".into()
        } else {
            t.into()
        }
    } else {
        c.to_lowercase()
    }
}

pub(crate) fn find(parcels: &[Parcel]) -> Vec<Conflict> {
    find_in(parcels, 0..parcels.len())
}

/// [`find`] among the parcels `only`, which must hold every parcel of each sheet and number they carry (the
/// incremental re-check's scope).
pub(crate) fn find_in(parcels: &[Parcel], only: impl IntoIterator<Item = usize>) -> Vec<Conflict> {
    // Parcels sorted by (commune, sheet, number): repeats are neighbours. Commune codes are compared through
    // their key, computed once per distinct code.
    let mut keys: FxHashMap<&str, u32> = FxHashMap::default();
    let mut canonical: FxHashMap<String, u32> = FxHashMap::default();
    let only = only.into_iter();
    let mut numbered: Vec<(u32, i64, i64, usize)> = Vec::with_capacity(only.size_hint().0);
    for i in only {
        let p = &parcels[i];
        if let (Some(s), Some(n)) = (p.sheet, p.parcel_no) {
            let c = p.commune.as_deref().unwrap_or("");
            let k = match keys.get(c) {
                Some(k) => *k,
                None => {
                    let next = canonical.len() as u32;
                    let k = *canonical.entry(commune_key(Some(c))).or_insert(next);
                    keys.insert(c, k);
                    k
                }
            };
            numbered.push((k, s, n, i));
        }
    }
    numbered.par_sort_unstable();
    numbered
        .chunk_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2))
        .filter(|g| g.len() > 1)
        .map(|g| (g[0].1, g[0].2, g.iter().map(|x| x.3).collect::<Vec<usize>>()))
        .map(|(sheet, no, v)| {
            let mut c = Conflict::new(Kind::DuplicateParcelNumber, v.clone(), vec![]);
            c.measure = Some(v.len() as f64);
            c.detail = format!("{} mapped parcels carry sheet {sheet} parcel {no}", v.len());
            let polys: Vec<_> =
                v.iter().filter_map(|&i| parcels[i].geometry.as_ref()).flat_map(|g| g.0.iter().cloned()).collect();
            if !polys.is_empty() {
                c.geometry = ConflictGeometry::Area(MultiPolygon(polys));
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::tests::numbered;

    #[test]
    fn same_number_same_sheet_same_commune() {
        let ps = vec![
            numbered("x1", Some("00118"), 3, 45, 100.0),
            numbered("x2", Some("118"), 3, 45, 50.0),
            numbered("x3", Some("00118"), 4, 45, 50.0),
            numbered("x4", Some("00119"), 3, 45, 50.0),
        ];
        let found = find(&ps);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].parcels, vec![0, 1]);
        assert_eq!(found[0].measure, Some(2.0));
        assert_eq!(commune_key(Some(" 000 ")), "0");
    }
}
