//! `parcel_without_certificate`: a mapped parcel that no certificate points at.

use super::{Conflict, ConflictGeometry, Kind, Links};
use crate::dataset::Parcel;

pub fn find(parcels: &[Parcel], links: &Links) -> Vec<Conflict> {
    parcels
        .iter()
        .enumerate()
        .filter(|(i, _)| links.certs_of(*i).is_empty())
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
