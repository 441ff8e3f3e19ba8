//! `unmapped_split`: one mapped parcel, two or more certificates that divide it on paper: any of them carries
//! a split suffix (`45a`, `45-1`, `45/2`), or their areas add up to the mapped area within `split_area_ratio`.
//! The plot was divided but the map still shows one parcel, so it must be rebuilt.

use super::Links;
use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::{Certificates, Parcel};

pub(crate) fn find(parcels: &[Parcel], certs: &Certificates, links: &Links, split_ratio: f64) -> Vec<Conflict> {
    find_in(parcels, certs, links, split_ratio, 0..parcels.len())
}

/// [`find`] for the parcels `only` (the incremental re-check's scope).
pub(crate) fn find_in(
    parcels: &[Parcel],
    certs: &Certificates,
    links: &Links,
    split_ratio: f64,
    only: impl IntoIterator<Item = usize>,
) -> Vec<Conflict> {
    let cert = |c: usize| &certs.certificates[c];
    let mut out = Vec::new();
    for pi in only {
        let parcel = &parcels[pi];
        if links.certs_of(pi).len() < 2 {
            continue;
        }
        let cs: Vec<usize> = links.certs_of(pi).iter().map(|&c| c as usize).collect();
        let suffixed = cs.iter().any(|&c| cert(c).split);
        let sum: Option<f64> = cs.iter().map(|&c| cert(c).area).sum();
        let sums_up = match (sum, parcel.area_m2) {
            (Some(s), Some(m)) if m > 0.0 => (s - m).abs() / m <= split_ratio,
            _ => false,
        };
        if !(suffixed || sums_up) {
            continue;
        }
        let mut c = Conflict::new(Kind::UnmappedSplit, vec![pi], cs.clone());
        c.measure = Some(cs.len() as f64);
        let numbers: Vec<&str> = cs.iter().map(|&c| certs.text(cert(c).parcel_no)).collect();
        c.detail = format!(
            "{} certificates ({}) divide parcel {} that the map shows whole",
            cs.len(),
            numbers.join(", "),
            parcel.id
        );
        c.geometry = ConflictGeometry::Parcel(pi);
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::linking::link;
    use crate::reconcile::tests::{cert, numbered, table};

    #[test]
    fn by_suffix_or_by_sum() {
        let ps = vec![
            numbered("p1", None, 1, 1, 100.0),
            numbered("p2", None, 1, 2, 100.0),
            numbered("p3", None, 1, 3, 100.0),
            numbered("p4", None, 1, 4, 100.0),
        ];
        let cs = table(vec![
            cert("a", None, Some(1), "1a", Some(70.0)),
            cert("b", None, Some(1), "1b", Some(70.0)),
            cert("c", None, Some(1), "2", Some(40.0)),
            cert("d", None, Some(1), "2", Some(63.0)),
            cert("e", None, Some(1), "3", Some(100.0)),
            cert("f", None, Some(1), "3", Some(100.0)),
            cert("g", None, Some(1), "4", Some(100.0)),
        ]);
        let links = link(&ps, &cs);
        let found = find(&ps, &cs, &links, 0.05);
        let got: Vec<(Vec<usize>, Vec<usize>)> =
            found.iter().map(|c| (c.parcels.clone(), c.certificates.clone())).collect();
        assert_eq!(got, vec![(vec![0], vec![0, 1]), (vec![1], vec![2, 3])]);
        assert_eq!(found[1].measure, Some(2.0));
    }
}
