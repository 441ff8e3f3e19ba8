//! `parcel_without_certificate`: a mapped parcel that no certificate points at, unless its land use never
//! carries a certificate (`[rules] no_certificate_land_use`: roads, irrigation, rivers, water surface).

use super::Links;
use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::Parcel;

/// `exempt`: the land-use codes that never carry a certificate. A parcel of several uses (`DGT+DTL`) is exempt
/// when all of them are.
pub fn find(parcels: &[Parcel], links: &Links, exempt: &[String]) -> Vec<Conflict> {
    let is_exempt = |p: &Parcel| {
        p.land_use.as_deref().is_some_and(|uses| {
            !exempt.is_empty()
                && uses.split('+').all(|u| exempt.iter().any(|e| e.trim().eq_ignore_ascii_case(u.trim())))
        })
    };
    parcels
        .iter()
        .enumerate()
        .filter(|(i, p)| links.certs_of(*i).is_empty() && !is_exempt(p))
        .map(|(i, p)| {
            let mut c = Conflict::new(Kind::ParcelWithoutCertificate, vec![i], vec![]);
            c.measure = p.area_m2.map(super::overlap::round2);
            c.detail = format!("no certificate points at parcel {}", p.id);
            if p.geometry.is_some() {
                c.geometry = ConflictGeometry::Parcel(i);
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::linking;

    #[test]
    fn land_uses_that_never_carry_a_certificate_are_exempt() {
        let mut parcels: Vec<Parcel> =
            (1..=4).map(|n| crate::reconcile::tests::numbered(&format!("p{n}"), None, 1, n, 100.0)).collect();
        for (p, lu) in parcels.iter_mut().zip(["DGT", "dgt+DTL", "DGT+ODT", "ODT"]) {
            p.land_use = Some(lu.into());
        }
        let links = linking::link(&parcels, &crate::dataset::Certificates::default());
        let ids = |exempt: &[String]| -> Vec<String> {
            find(&parcels, &links, exempt).iter().map(|c| parcels[c.parcels[0]].id.to_string()).collect()
        };
        assert_eq!(ids(&[]), ["p1", "p2", "p3", "p4"]);
        assert_eq!(ids(&["DGT".into(), "DTL".into()]), ["p3", "p4"]);
    }
}
