//! `duplicate_parcel_number`: two or more mapped parcels with the same commune, sheet and parcel number.

use std::collections::BTreeMap;

use geo::MultiPolygon;

use super::{Conflict, ConflictGeometry, Kind};
use crate::dataset::Parcel;

/// A commune code compared loosely: trimmed, leading zeros dropped from numeric codes ("00118" = "118").
pub fn commune_key(c: Option<&str>) -> String {
    let c = c.unwrap_or("").trim();
    if !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit()) {
        let t = c.trim_start_matches('0');
        if t.is_empty() {
            "0".into()
        } else {
            t.into()
        }
    } else {
        c.to_lowercase()
    }
}

pub fn find(parcels: &[Parcel]) -> Vec<Conflict> {
    let mut by_number: BTreeMap<(String, i64, i64), Vec<usize>> = BTreeMap::new();
    for (i, p) in parcels.iter().enumerate() {
        if let (Some(s), Some(n)) = (p.sheet, p.parcel_no) {
            by_number.entry((commune_key(p.commune.as_deref()), s, n)).or_default().push(i);
        }
    }
    by_number
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|((_, sheet, no), v)| {
            let mut c = Conflict::new(Kind::DuplicateParcelNumber, v.clone(), vec![]);
            c.measure = Some(v.len() as f64);
            c.detail = format!("{} mapped parcels carry sheet {sheet} parcel {no}", v.len());
            let polys: Vec<_> =
                v.iter().filter_map(|&i| parcels[i].geometry.as_ref()).flat_map(|g| g.0.iter().cloned()).collect();
            if !polys.is_empty() {
                c.geometry = ConflictGeometry::Area(MultiPolygon(polys));
            }
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::tests::numbered;

    #[test]
    fn same_number_same_sheet_same_commune() {
        let ps = vec![
            numbered("x1", Some("00118"), 3, 45, 100.0),
            numbered("x2", Some("118"), 3, 45, 50.0),
            numbered("x3", Some("00118"), 4, 45, 50.0),
            numbered("x4", Some("00119"), 3, 45, 50.0),
        ];
        let found = find(&ps);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].parcels, vec![0, 1]);
        assert_eq!(found[0].measure, Some(2.0));
        assert_eq!(commune_key(Some(" 000 ")), "0");
    }
}
