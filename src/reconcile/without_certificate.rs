//! `parcel_without_certificate`: a mapped parcel that no certificate points at, unless its land use never
//! carries a certificate (`[rules] no_certificate_land_use`: roads, irrigation, rivers, water surface).

use super::Links;
use crate::conflict::{Conflict, ConflictGeometry, Kind};
use crate::dataset::Parcel;

pub use crate::config::USUALLY_EXEMPT;

/// True when every land use of `uses` (`DGT+DTL` is two) is one of `codes`.
fn all_in<S: AsRef<str>>(uses: &str, codes: &[S]) -> bool {
    !codes.is_empty() && uses.split('+').all(|u| codes.iter().any(|e| e.as_ref().trim().eq_ignore_ascii_case(u.trim())))
}

/// A hint for a dataset that exempts no land use (`no_certificate_land_use = []` in dataset.toml) while some of
/// its parcels without a certificate are roads, canals, rivers or water ([`USUALLY_EXEMPT`]): they are then
/// conflicts, which officers meet by the hundred.
///
/// ```
/// use thuadat::reconcile::without_certificate::hint;
/// assert_eq!(hint(&[], [Some("DGT"), Some("ODT"), Some("DTL+SON")].into_iter()).as_deref(), Some(
///     "2 of the 3 parcels without a certificate are roads, irrigation, rivers or water surface (DGT, DTL, SON, \
///      MNC): if such land never carries a certificate in this commune, list its codes in dataset.toml as \
///      [rules] no_certificate_land_use = [\"DGT\", \"DTL\", \"SON\", \"MNC\"]"));
/// assert_eq!(hint(&["DGT".to_string()], [Some("DTL")].into_iter()), None);
/// ```
pub fn hint<'a>(exempt: &[String], without: impl Iterator<Item = Option<&'a str>>) -> Option<String> {
    if !exempt.is_empty() {
        return None;
    }
    let (mut total, mut usual) = (0usize, 0usize);
    for uses in without {
        total += 1;
        usual += usize::from(uses.is_some_and(|u| all_in(u, &USUALLY_EXEMPT)));
    }
    (usual > 0).then(|| {
        format!(
            "{usual} of the {total} parcels without a certificate are roads, irrigation, rivers or water surface \
             ({}): if such land never carries a certificate in this commune, list its codes in dataset.toml as \
             [rules] no_certificate_land_use = [{}]",
            USUALLY_EXEMPT.join(", "),
            USUALLY_EXEMPT.map(|c| format!("\"{c}\"")).join(", ")
        )
    })
}

/// `exempt`: the land-use codes that never carry a certificate. A parcel of several uses (`DGT+DTL`) is exempt
/// when all of them are.
pub fn find(parcels: &[Parcel], links: &Links, exempt: &[String]) -> Vec<Conflict> {
    find_in(parcels, links, exempt, 0..parcels.len())
}

/// [`find`] for the parcels `only` (the incremental re-check's scope).
pub(crate) fn find_in(
    parcels: &[Parcel],
    links: &Links,
    exempt: &[String],
    only: impl IntoIterator<Item = usize>,
) -> Vec<Conflict> {
    let is_exempt = |p: &Parcel| p.land_use.as_deref().is_some_and(|uses| all_in(uses, exempt));
    only.into_iter()
        .map(|i| (i, &parcels[i]))
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
