//! Each parcel's campaign status (contract, "parcels.csv status"): the first rule that applies.
//! `3` must be rebuilt, `2` usable after correction or supplement, `1` usable as is.

use crate::conflict::{Conflict, Kind, KINDS};

/// A parcel's status and the kinds that decided it (4 bytes: a million parcels in 4 MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParcelStatus {
    /// The campaign status: 3 must be rebuilt, 2 usable after correction or supplement, 1 usable as is.
    pub status: u8,
    /// The reasons of the deciding level, as bits of [`REASONS`].
    reasons: u16,
}

/// Every reason a status can have, in the (alphabetical) order they are listed: the kinds of
/// [`crate::conflict::KINDS`] and [`MATCHED_BY_ATTRIBUTES`].
pub const REASONS: [&str; KINDS.len() + 1] = {
    let mut all = [MATCHED_BY_ATTRIBUTES; KINDS.len() + 1];
    let mut i = 0;
    while i < KINDS.len() {
        all[i] = KINDS[i].name;
        i += 1;
    }
    sorted(all)
};

/// `names` in byte order (insertion sort; a compile-time constant).
const fn sorted<const N: usize>(mut names: [&'static str; N]) -> [&'static str; N] {
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && less(names[j].as_bytes(), names[j - 1].as_bytes()) {
            let t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
            j -= 1;
        }
        i += 1;
    }
    names
}

const fn less(a: &[u8], b: &[u8]) -> bool {
    let mut k = 0;
    while k < a.len() && k < b.len() {
        if a[k] != b[k] {
            return a[k] < b[k];
        }
        k += 1;
    }
    a.len() < b.len()
}

fn bit(reason: &str) -> u16 {
    REASONS.iter().position(|r| *r == reason).map_or(0, |i| 1 << i)
}

impl ParcelStatus {
    /// The distinct reasons of the deciding level, sorted.
    pub fn reasons(&self) -> impl Iterator<Item = &'static str> + '_ {
        REASONS.iter().enumerate().filter(|(i, _)| self.reasons & (1 << i) != 0).map(|(_, r)| *r)
    }

    /// The reasons joined by `;` (the contract's `reasons` column).
    pub fn reasons_text(&self) -> String {
        let mut out = String::new();
        self.push_reasons(&mut out);
        out
    }

    /// Appends [`ParcelStatus::reasons_text`] to `out` (a report row reuses one buffer).
    pub fn push_reasons(&self, out: &mut String) {
        for (k, r) in self.reasons().enumerate() {
            out.push_str(if k > 0 { ";" } else { "" });
            out.push_str(r);
        }
    }
}

/// The level a kind puts a parcel at (the kind's row of [`crate::conflict::KINDS`]).
pub fn level(kind: Kind) -> u8 {
    kind.status_level()
}

/// Reason for a holder matched only by attributes (status 2: the record lacks the current citizen id).
pub const MATCHED_BY_ATTRIBUTES: &str = "holder_matched_by_attributes";

impl Default for ParcelStatus {
    /// Status 1, no reasons.
    fn default() -> Self {
        ParcelStatus { status: 1, reasons: 0 }
    }
}

/// One parcel's status ([`classify`] for one): from the conflicts that name it, and whether one of its holders
/// was matched only by attributes.
pub(crate) fn of_parcel<'a>(conflicts: impl IntoIterator<Item = &'a Conflict>, matched: bool) -> ParcelStatus {
    let mut s = ParcelStatus::default();
    let mut note = |level: u8, reason: &str| {
        if level > s.status {
            s = ParcelStatus { status: level, reasons: bit(reason) };
        } else if level == s.status && level > 1 {
            s.reasons |= bit(reason);
        }
    };
    for c in conflicts {
        note(level(c.kind), c.kind.as_str());
    }
    if matched {
        note(2, MATCHED_BY_ATTRIBUTES);
    }
    s
}

/// Classifies `n` parcels from the conflicts that name them and extra `(parcel, level, reason)` findings.
pub fn classify(n: usize, conflicts: &[Conflict], extra: &[(usize, u8, &'static str)]) -> Vec<ParcelStatus> {
    let mut out = vec![ParcelStatus { status: 1, reasons: 0 }; n];
    let mut note = |p: usize, level: u8, reason: &str| {
        let s = &mut out[p];
        if level > s.status {
            *s = ParcelStatus { status: level, reasons: bit(reason) };
        } else if level == s.status && level > 1 {
            s.reasons |= bit(reason);
        }
    };
    for c in conflicts {
        let l = level(c.kind);
        for &p in &c.parcels {
            note(p, l, c.kind.as_str());
        }
    }
    for &(p, l, reason) in extra {
        note(p, l, reason);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_a_reason() {
        for k in Kind::ALL {
            assert_ne!(bit(k.as_str()), 0, "{k}");
        }
        assert_ne!(bit(MATCHED_BY_ATTRIBUTES), 0);
        let mut sorted = REASONS;
        sorted.sort();
        assert_eq!(sorted, REASONS);
    }

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
        let got: Vec<(u8, String)> = s.iter().map(|p| (p.status, p.reasons_text())).collect();
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
