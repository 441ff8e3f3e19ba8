//! Conflicts: what the rules find, the kinds of the contract with their severity and effect on a parcel's
//! status (one table, [`KINDS`], from which everything about a kind derives), the geometry a conflict is drawn
//! as, the candidates of an unmatched certificate, and the stable id that keeps a conflict's review across runs.

use geo::{MultiPolygon, Point};
use serde::Serialize;

/// The conflict kinds of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Two valid parcels whose intersection has a ground area above `overlap_min_area_m2`.
    Overlap,
    /// A parcel whose geometry is missing or not valid.
    InvalidGeometry,
    /// Two or more parcels with the same commune, sheet and parcel number.
    DuplicateParcelNumber,
    /// A parcel with two or more certificates that look like a split not mapped yet (a split suffix, or areas
    /// that sum to the mapped area).
    UnmappedSplit,
    /// A parcel with two or more certificates (not a split) of which two or more each fit the mapped area.
    DuplicateCertificate,
    /// A certificate whose sheet and number point at no mapped parcel.
    UnmatchedCertificate,
    /// A mapped parcel that no certificate points at.
    ParcelWithoutCertificate,
    /// A certificate whose area differs from the mapped area by more than `area_mismatch_ratio`.
    AreaMismatch,
    /// A holder row of the certificate has a malformed id, or a CCCD whose birth year is not `holder_birth`'s.
    HolderIdInvalid,
    /// A holder row of the certificate matches no register entry (or several equally).
    HolderNotFound,
    /// A holder row's CCCD is in the register, but that entry is someone else.
    HolderMismatch,
    /// A hole in the union of the parcels above `overlap_min_area_m2` and up to `gap_max_area_m2`.
    Gap,
    /// A national parcel code that is empty, malformed, outside its parcel, or shared by several parcels.
    ParcelCode,
}

/// Everything about a kind, in one place: adding a kind is adding a row here (and its rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    pub(crate) kind: Kind,
    /// The contract's name.
    pub name: &'static str,
    pub(crate) severity: Severity,
    /// The campaign status a parcel of this conflict gets at least (3 must be rebuilt, 2 usable after
    /// correction, 1 no effect).
    pub status: u8,
}

const fn row(kind: Kind, name: &'static str, severity: Severity, status: u8) -> KindInfo {
    KindInfo { kind, name, severity, status }
}

/// The contract's kinds, in the report's order.
pub const KINDS: [KindInfo; 13] = [
    row(Kind::Overlap, "overlap", Severity::Error, 3),
    row(Kind::InvalidGeometry, "invalid_geometry", Severity::Error, 3),
    row(Kind::DuplicateParcelNumber, "duplicate_parcel_number", Severity::Error, 2),
    row(Kind::UnmappedSplit, "unmapped_split", Severity::Error, 3),
    row(Kind::DuplicateCertificate, "duplicate_certificate", Severity::Error, 2),
    row(Kind::UnmatchedCertificate, "unmatched_certificate", Severity::Warning, 1),
    row(Kind::ParcelWithoutCertificate, "parcel_without_certificate", Severity::Warning, 2),
    row(Kind::AreaMismatch, "area_mismatch", Severity::Warning, 2),
    row(Kind::HolderIdInvalid, "holder_id_invalid", Severity::Error, 2),
    row(Kind::HolderNotFound, "holder_not_found", Severity::Warning, 2),
    row(Kind::HolderMismatch, "holder_mismatch", Severity::Error, 2),
    row(Kind::Gap, "gap", Severity::Warning, 2),
    row(Kind::ParcelCode, "parcel_code", Severity::Error, 2),
];

impl Kind {
    /// Every kind, in the report's order.
    pub const ALL: [Kind; 13] = {
        let mut all = [Kind::Overlap; 13];
        let mut i = 0;
        while i < KINDS.len() {
            all[i] = KINDS[i].kind;
            i += 1;
        }
        all
    };

    /// The kind's row of [`KINDS`].
    pub fn info(self) -> &'static KindInfo {
        &KINDS[self as usize]
    }

    /// The contract's name of the kind.
    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    /// The kind named `s` (as [`Kind::as_str`] writes it).
    pub fn parse(s: &str) -> Option<Kind> {
        KINDS.iter().find(|k| k.name == s).map(|k| k.kind)
    }

    pub(crate) fn severity(self) -> Severity {
        self.info().severity
    }

    /// The status level a conflict of this kind puts its parcels at (see [`KindInfo::status`]).
    pub fn status_level(self) -> u8 {
        self.info().status
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a conflict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The records contradict each other or the geometry is unusable: to be corrected.
    Error,
    /// Something is missing or does not fit closely: to be checked.
    Warning,
}

impl Severity {
    /// The name in reports, tiles and the API (`error`, `warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// What a conflict's feature is drawn as (planar coordinates, or a parcel's own geometry).
#[derive(Debug, Clone, PartialEq)]
pub enum ConflictGeometry {
    /// Nothing to draw (an invalid parcel without geometry, a certificate on no parcel).
    None,
    /// The geometry of the parcel at this position.
    Parcel(usize),
    /// An area of its own: the overlap's intersection, or the duplicate numbers' parcels together.
    Area(MultiPolygon<f64>),
    /// A point: an unmatched certificate's best candidate parcel (an interior point of it).
    Point(Point<f64>),
}

/// A ranked guess at the parcel an unmatched certificate meant.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub(crate) parcel: usize,
    pub(crate) score: f64,
    /// Why, in a phrase: the slip, the area evidence, whether it has a certificate of its own.
    pub(crate) reason: String,
}

/// One conflict. Parcels and certificates are positions in the dataset's vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The kind, which fixes the severity and the status level.
    pub kind: Kind,
    pub(crate) parcels: Vec<usize>,
    pub(crate) certificates: Vec<usize>,
    pub(crate) measure: Option<f64>,
    pub(crate) geometry: ConflictGeometry,
    pub(crate) candidates: Vec<Candidate>,
    /// One sentence for an officer.
    pub detail: String,
    /// For overlaps: the two parcels are nearly the same plot digitised twice.
    pub near_duplicate: Option<bool>,
    /// For gaps that have the same parcels around them: 1, 2 ... in the order of their lowest corner, so that
    /// each keeps an id of its own; 0 otherwise.
    pub(crate) nth: u32,
}

impl Conflict {
    /// The area the conflict is drawn as: its own, or its parcel's (None for a point or nothing).
    pub fn area<'a>(&'a self, parcels: &'a [crate::dataset::Parcel]) -> Option<&'a MultiPolygon<f64>> {
        match &self.geometry {
            ConflictGeometry::Parcel(i) => parcels.get(*i)?.geometry.as_ref(),
            ConflictGeometry::Area(g) => Some(g),
            ConflictGeometry::Point(_) | ConflictGeometry::None => None,
        }
    }

    /// The parcel the conflict is shown at: its first parcel, else (a certificate that points at no mapped
    /// parcel) its best candidate. It gives the conflict its residential group in the server and work lists.
    pub fn located_at(&self) -> Option<usize> {
        self.parcels.first().copied().or_else(|| self.candidates.first().map(|k| k.parcel))
    }

    pub(crate) fn new(kind: Kind, parcels: Vec<usize>, certificates: Vec<usize>) -> Conflict {
        Conflict {
            kind,
            parcels,
            certificates,
            measure: None,
            geometry: ConflictGeometry::None,
            candidates: Vec::new(),
            detail: String::new(),
            near_duplicate: None,
            nth: 0,
        }
    }

    /// The conflict's stable id ([`conflict_id`], told apart by [`Conflict::nth`] where that is set).
    pub fn id(&self, parcel_ids: &[&str], cert_ids: &[&str]) -> String {
        if self.nth == 0 {
            conflict_id(self.kind, parcel_ids, cert_ids)
        } else {
            let nth = format!("~{}", self.nth);
            let mut ids = parcel_ids.to_vec();
            ids.push(&nth);
            conflict_id(self.kind, &ids, cert_ids)
        }
    }
}

/// A stable id for a conflict, derived from its kind and the ids involved: the same conflict keeps its id
/// across runs (FNV-1a 64 of `kind|parcel ids|cert ids`, hex).
pub fn conflict_id(kind: Kind, parcel_ids: &[&str], cert_ids: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(kind.as_str().as_bytes());
    for (sep, ids) in [(b'|', parcel_ids), (b'#', cert_ids)] {
        for id in ids {
            eat(&[sep]);
            eat(id.as_bytes());
        }
    }
    format!("{}-{h:016x}", kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_kind_order_and_names_are_unique() {
        for (i, row) in KINDS.iter().enumerate() {
            assert_eq!(row.kind as usize, i, "{}", row.name);
            assert_eq!(Kind::parse(row.name), Some(row.kind));
        }
        assert_eq!(Kind::parse("gaps"), None);
    }

    #[test]
    fn ids_are_stable() {
        // A stored conflict's id: changing the recipe would orphan every review (docs/STORE.md). This one is
        // in the README's example.
        assert_eq!(
            conflict_id(Kind::UnmatchedCertificate, &[], &["CH000195"]),
            "unmatched_certificate-15a43f05b6eaf965"
        );
    }
}
