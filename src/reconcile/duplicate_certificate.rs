//! `duplicate_certificate`: two or more certificates each cover the whole of one parcel (their areas are
//! within `area_mismatch_ratio` of the mapped area): a certificate was re-issued without cancelling the old.

use super::Links;
use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::{Certificates, Parcel};

/// `splits` are the unmapped_split conflicts already found: their parcels are not duplicates.
pub fn find(parcels: &[Parcel], certs: &Certificates, links: &Links, splits: &[Conflict], ratio: f64) -> Vec<Conflict> {
    find_in(parcels, certs, links, splits, ratio, 0..parcels.len())
}

/// [`find`] for the parcels `only` (the incremental re-check's scope).
pub(crate) fn find_in(
    parcels: &[Parcel],
    certs: &Certificates,
    links: &Links,
    splits: &[Conflict],
    ratio: f64,
    only: impl IntoIterator<Item = usize>,
) -> Vec<Conflict> {
    let split_parcels: std::collections::HashSet<usize> =
        splits.iter().flat_map(|c| c.parcels.iter().copied()).collect();
    let mut out = Vec::new();
    for pi in only {
        let parcel = &parcels[pi];
        if links.certs_of(pi).len() < 2 || split_parcels.contains(&pi) {
            continue;
        }
        let cs: Vec<usize> = links.certs_of(pi).iter().map(|&c| c as usize).collect();
        let Some(mapped) = parcel.area_m2.filter(|m| *m > 0.0) else { continue };
        let whole: Vec<usize> = cs
            .iter()
            .copied()
            .filter(|&c| certs.certificates[c].area.is_some_and(|a| (a - mapped).abs() / mapped <= ratio))
            .collect();
        if whole.len() < 2 {
            continue;
        }
        let mut c = Conflict::new(Kind::DuplicateCertificate, vec![pi], whole.clone());
        c.measure = Some(whole.len() as f64);
        let issued: Vec<String> =
            whole.iter().map(|&c| format!("{} ({})", certs.id(c), certs.text(certs.certificates[c].issued))).collect();
        c.detail =
            format!("parcel {} has {} certificates for the whole plot: {}", parcel.id, whole.len(), issued.join(", "));
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
    fn two_whole_certificates() {
        let ps = vec![numbered("p1", None, 1, 1, 100.0), numbered("p2", None, 1, 2, 100.0)];
        let cs = table(vec![
            cert("a", None, Some(1), "1", Some(99.0)),
            cert("b", None, Some(1), "1", Some(102.0)),
            cert("c", None, Some(1), "1", Some(30.0)),
            cert("d", None, Some(1), "2", Some(100.0)),
            cert("e", None, Some(1), "2", Some(130.0)),
        ]);
        let links = link(&ps, &cs);
        let found = find(&ps, &cs, &links, &[], 0.05);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].parcels.clone(), found[0].certificates.clone()), (vec![0], vec![0, 1]));
    }
}
