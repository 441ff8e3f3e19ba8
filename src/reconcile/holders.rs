//! What holder linkage means for the map: the `holder_*` conflicts of each certificate, and the parcels whose
//! holders were matched only by attributes (status 2, `holder_matched_by_attributes`). Linkage itself
//! (`crate::linkage::holders`) knows nothing of certificates or parcels.

use super::Links;
use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::Certificates;
use crate::linkage::holders::{Linkage, Status};

/// The `holder_*` conflicts: one per kind and certificate (its holders' rows in the detail), on the
/// certificate's parcel when it has one.
pub fn conflicts(certs: &Certificates, links: &Links, linkage: &Linkage) -> Vec<Conflict> {
    conflicts_in(certs, links, linkage, 0..certs.len())
}

/// [`conflicts`] of the certificates `only` (the incremental re-check's scope).
pub(crate) fn conflicts_in(
    certs: &Certificates,
    links: &Links,
    linkage: &Linkage,
    only: impl IntoIterator<Item = usize>,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    for ci in only {
        for kind in [Kind::HolderIdInvalid, Kind::HolderNotFound, Kind::HolderMismatch] {
            let status = match kind {
                Kind::HolderIdInvalid => Status::IdInvalid,
                Kind::HolderNotFound => Status::NotFound,
                _ => Status::Mismatch,
            };
            let rows: Vec<(u32, &str)> = certs
                .holders_of(ci)
                .filter(|&h| linkage.holders[h].status == status)
                .map(|h| (certs.holders[h].line, linkage.holders[h].why.as_str()))
                .collect();
            if rows.is_empty() {
                continue;
            }
            let parcel = links.parcel_of(ci);
            let mut c = Conflict::new(kind, parcel.into_iter().collect(), vec![ci]);
            c.measure = Some(rows.len() as f64);
            c.geometry = parcel.map_or(ConflictGeometry::None, ConflictGeometry::Parcel);
            let what: Vec<String> = rows.iter().map(|(line, why)| format!("row {line}: {why}")).collect();
            c.detail = format!("certificate {} holder {}", certs.id(ci), what.join("; holder "));
            out.push(c);
        }
    }
    out
}

/// Parcels with a holder matched only by attributes (status 2, `holder_matched_by_attributes`).
pub fn matched_by_attributes(certs: &Certificates, links: &Links, linkage: &Linkage) -> Vec<usize> {
    let mut parcels: Vec<usize> = certs
        .holders
        .iter()
        .zip(&linkage.holders)
        .filter(|(_, l)| l.status == Status::MatchedByAttributes)
        .filter_map(|(h, _)| links.parcel_of(h.cert as usize))
        .collect();
    parcels.sort_unstable();
    parcels.dedup();
    parcels
}

/// True when one of parcel `pi`'s certificates has a holder matched only by attributes ([`matched_by_attributes`]
/// for one parcel).
pub(crate) fn parcel_matched_by_attributes(certs: &Certificates, links: &Links, linkage: &Linkage, pi: usize) -> bool {
    links
        .certs_of(pi)
        .iter()
        .any(|&c| certs.holders_of(c as usize).any(|h| linkage.holders[h].status == Status::MatchedByAttributes))
}
