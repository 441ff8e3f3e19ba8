//! `invalid_geometry`: a parcel whose geometry is missing or not valid (the reason was found while reading:
//! unclosed or too-short rings, self-intersections, non-finite coordinates, holes outside the shell).

use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::Parcel;

pub(crate) fn find(parcels: &[Parcel]) -> Vec<Conflict> {
    find_in(parcels, 0..parcels.len())
}

/// [`find`] for the parcels `only` (the incremental re-check's scope).
pub(crate) fn find_in(parcels: &[Parcel], only: impl IntoIterator<Item = usize>) -> Vec<Conflict> {
    only.into_iter()
        .map(|i| (i, &parcels[i]))
        .filter_map(|(i, p)| {
            let why = p.invalid.as_ref()?;
            let mut c = Conflict::new(Kind::InvalidGeometry, vec![i], vec![]);
            c.detail = format!("{}: {why}", p.id);
            if p.geometry.is_some() {
                c.geometry = ConflictGeometry::Parcel(i);
            }
            Some(c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::tests::parcel;

    #[test]
    fn one_conflict_per_invalid_parcel() {
        let mut ps = vec![parcel("a", &[(0., 0.), (1., 0.), (1., 1.)]), parcel("b", &[(0., 0.), (1., 0.), (1., 1.)])];
        ps[1].invalid = Some("missing geometry".into());
        ps[1].geometry = None;
        let found = find(&ps);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].parcels, vec![1]);
        assert_eq!(found[0].detail, "b: missing geometry");
        assert_eq!(found[0].geometry, ConflictGeometry::None);
    }
}
