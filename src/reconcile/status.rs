//! Each parcel's campaign status (contract, "parcels.csv status"): the first rule that applies.
//! `3` must be rebuilt, `2` usable after correction or supplement, `1` usable as is.

use super::{Conflict, Kind};

/// A parcel's status and the kinds that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParcelStatus {
    pub status: u8,
    /// Distinct reasons of the deciding level, sorted.
    pub reasons: Vec<&'static str>,
}

/// The level a kind puts a parcel at.
pub fn level(kind: Kind) -> u8 {
    match kind {
        Kind::InvalidGeometry | Kind::Overlap | Kind::UnmappedSplit => 3,
        Kind::ParcelWithoutCertificate
        | Kind::DuplicateCertificate
        | Kind::AreaMismatch
        | Kind::DuplicateParcelNumber
        | Kind::HolderIdInvalid
        | Kind::HolderNotFound
        | Kind::HolderMismatch => 2,
        Kind::UnmatchedCertificate => 1,
    }
}

/// Reason for a holder matched only by attributes (status 2: the record lacks the current citizen id).
pub const MATCHED_BY_ATTRIBUTES: &str = "holder_matched_by_attributes";

/// Classifies `n` parcels from the conflicts that name them and extra `(parcel, level, reason)` findings.
pub fn classify(n: usize, conflicts: &[Conflict], extra: &[(usize, u8, &'static str)]) -> Vec<ParcelStatus> {
    let mut findings: Vec<Vec<(u8, &'static str)>> = vec![Vec::new(); n];
    for c in conflicts {
        let l = level(c.kind);
        if l > 1 {
            for &p in &c.parcels {
                findings[p].push((l, c.kind.as_str()));
            }
        }
    }
    for &(p, l, reason) in extra {
        findings[p].push((l, reason));
    }
    findings
        .into_iter()
        .map(|f| {
            let status = f.iter().map(|(l, _)| *l).max().unwrap_or(1);
            let mut reasons: Vec<&'static str> =
                f.iter().filter(|(l, _)| *l == status && status > 1).map(|(_, r)| *r).collect();
            reasons.sort_unstable();
            reasons.dedup();
            ParcelStatus { status, reasons }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_rule_that_applies() {
        let conflicts = vec![
            Conflict::new(Kind::Overlap, vec![0, 1], vec![]),
            Conflict::new(Kind::AreaMismatch, vec![1], vec![0]),
            Conflict::new(Kind::AreaMismatch, vec![2], vec![1]),
            Conflict::new(Kind::ParcelWithoutCertificate, vec![2], vec![]),
            Conflict::new(Kind::AreaMismatch, vec![2], vec![2]),
            Conflict::new(Kind::UnmatchedCertificate, vec![], vec![3]),
        ];
        let s = classify(5, &conflicts, &[(4, 2, MATCHED_BY_ATTRIBUTES)]);
        let got: Vec<(u8, String)> = s.iter().map(|p| (p.status, p.reasons.join(";"))).collect();
        assert_eq!(
            got,
            vec![
                (3, "overlap".into()),
                (3, "overlap".into()),
                (2, "area_mismatch;parcel_without_certificate".into()),
                (1, "".into()),
                (2, "holder_matched_by_attributes".into()),
            ]
        );
    }
}
