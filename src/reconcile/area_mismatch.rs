//! `area_mismatch`: a certificate's area differs from its parcel's mapped area by more than
//! `area_mismatch_ratio` of the mapped area, and no split or duplicate explains it.

use std::collections::HashSet;

use super::Links;
use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::{Certificates, Parcel};

/// `explained`: certificates already in an unmapped_split or duplicate_certificate.
pub fn find(
    parcels: &[Parcel],
    certs: &Certificates,
    links: &Links,
    explained: &HashSet<usize>,
    ratio: f64,
) -> Vec<Conflict> {
    find_in(parcels, certs, links, explained, ratio, 0..certs.certificates.len())
}

/// [`find`] for the certificates `only` (the incremental re-check's scope).
pub(crate) fn find_in(
    parcels: &[Parcel],
    certs: &Certificates,
    links: &Links,
    explained: &HashSet<usize>,
    ratio: f64,
    only: impl IntoIterator<Item = usize>,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    for ci in only {
        let cert = &certs.certificates[ci];
        let Some(pi) = links.parcel_of(ci) else { continue };
        if explained.contains(&ci) {
            continue;
        }
        let (Some(written), Some(mapped)) = (cert.area, parcels[pi].area_m2) else { continue };
        if mapped <= 0.0 {
            continue;
        }
        let r = (written - mapped).abs() / mapped;
        if r > ratio {
            let mut c = Conflict::new(Kind::AreaMismatch, vec![pi], vec![ci]);
            c.measure = Some((r * 10_000.0).round() / 10_000.0);
            c.detail = format!(
                "certificate {} says {written} m2, parcel {} measures {mapped:.1} m2 ({:+.1}%)",
                certs.id(ci),
                parcels[pi].id,
                (written - mapped) / mapped * 100.0
            );
            c.geometry = ConflictGeometry::Parcel(pi);
            out.push(c);
        }
    }
    out
}

/// The certificates that [`find`] cannot compare although they carry an area and point at a parcel (not
/// part of a split or duplicate): their parcel has no mapped area (invalid or missing geometry, itself an
/// `invalid_geometry`). Reported in the summary, so that no certificate escapes the rule unseen.
pub fn not_compared(parcels: &[Parcel], certs: &Certificates, links: &Links, explained: &HashSet<usize>) -> Vec<usize> {
    (0..certs.certificates.len())
        .filter(|ci| !explained.contains(ci) && certs.certificates[*ci].area.is_some())
        .filter(|&ci| links.parcel_of(ci).is_some_and(|pi| !parcels[pi].area_m2.is_some_and(|a| a > 0.0)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::linking::link;
    use crate::reconcile::tests::{cert, numbered, table};

    #[test]
    fn above_ratio_unless_explained() {
        let ps = vec![numbered("p1", None, 1, 1, 100.0), numbered("p2", None, 1, 2, 100.0)];
        let cs = table(vec![
            cert("a", None, Some(1), "1", Some(104.9)),
            cert("b", None, Some(1), "2", Some(120.0)),
            cert("c", None, Some(1), "2", Some(80.0)),
        ]);
        let links = link(&ps, &cs);
        let found = find(&ps, &cs, &links, &HashSet::from([2]), 0.05);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].parcels.clone(), found[0].certificates.clone(), found[0].measure),
            (vec![1], vec![1], Some(0.2))
        );
    }

    #[test]
    fn certificates_of_parcels_without_mapped_area_are_listed() {
        let mut ps = vec![numbered("p1", None, 1, 1, 100.0), numbered("p2", None, 1, 2, 100.0)];
        ps[1].invalid = Some("exterior ring has zero area (its points are collinear)".into());
        ps[1].area_m2 = None;
        let cs = table(vec![
            cert("a", None, Some(1), "1", Some(100.0)),
            cert("b", None, Some(1), "2", Some(120.0)),
            cert("c", None, Some(1), "2", None),
            cert("d", None, Some(1), "7", Some(120.0)),
        ]);
        let links = link(&ps, &cs);
        assert!(find(&ps, &cs, &links, &HashSet::new(), 0.05).is_empty());
        // b has an area and a parcel without one; c has no area, d no parcel.
        assert_eq!(not_compared(&ps, &cs, &links, &HashSet::new()), vec![1]);
        assert!(not_compared(&ps, &cs, &links, &HashSet::from([1])).is_empty());
    }
}
