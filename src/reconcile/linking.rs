//! Points each certificate at its mapped parcel: same sheet, same base parcel number (split suffixes
//! dropped), same commune when both sides carry one. Where several parcels carry the number, the one whose
//! mapped area is closest to the certificate's area wins (ties: the smallest parcel id).

use rustc_hash::FxHashMap;

use super::numbering::commune_key;
use crate::dataset::{Certificates, Parcel};

/// Certificates and parcels, linked.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// For each certificate: its parcel, if the map has it.
    pub parcel_of: Vec<Option<usize>>,
    /// For each parcel: its certificates, in file order.
    pub certs_of: Vec<Vec<usize>>,
    /// Parcels by (sheet, parcel number).
    pub by_number: FxHashMap<(i64, i64), Vec<usize>>,
}

pub fn link(parcels: &[Parcel], certs: &Certificates) -> Links {
    let mut by_number: FxHashMap<(i64, i64), Vec<usize>> = FxHashMap::default();
    for (i, p) in parcels.iter().enumerate() {
        if let (Some(s), Some(n)) = (p.sheet, p.parcel_no) {
            by_number.entry((s, n)).or_default().push(i);
        }
    }
    let mut parcel_of = vec![None; certs.len()];
    let mut certs_of = vec![Vec::new(); parcels.len()];
    for (ci, c) in certs.certificates.iter().enumerate() {
        let (Some(sheet), Some(no)) = (c.sheet, c.parcel_base) else { continue };
        let Some(candidates) = by_number.get(&(sheet, no)) else { continue };
        let best = candidates
            .iter()
            .copied()
            .filter(|&pi| communes_agree(parcels[pi].commune.as_deref(), certs.commune(ci)))
            .min_by(|&a, &b| {
                let d = |pi: usize| match (parcels[pi].area_m2, c.area) {
                    (Some(m), Some(ca)) => (m - ca).abs(),
                    _ => f64::INFINITY,
                };
                d(a).total_cmp(&d(b)).then_with(|| parcels[a].id.cmp(&parcels[b].id))
            });
        if let Some(pi) = best {
            parcel_of[ci] = Some(pi);
            certs_of[pi].push(ci);
        }
    }
    Links { parcel_of, certs_of, by_number }
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
        assert_eq!(links.parcel_of, vec![Some(1), Some(0), Some(2), None, None]);
        assert_eq!(links.certs_of, vec![vec![1], vec![0], vec![2]]);
    }
}
