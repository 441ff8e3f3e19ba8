//! Parcel ids: the id a parcel is given, else one derived from its commune, sheet and number; repeats told
//! apart with a suffix, in file order.

use compact_str::CompactString;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Parcel, Shared};

/// A parcel's id before repeats are told apart: the id it was given, else `{commune}-{sheet}-{parcel_no}`
/// (`{sheet}-{parcel_no}` without a commune), else `feature-{n}`.
pub(crate) fn natural_id(p: &Parcel) -> CompactString {
    if !p.id.is_empty() {
        return p.id.clone();
    }
    derived_id(p)
}

/// The id a parcel without one of its own gets: `{commune}-{sheet}-{parcel_no}`, `{sheet}-{parcel_no}`
/// without a commune, else `feature-{n}`.
pub(crate) fn derived_id(p: &Parcel) -> CompactString {
    match (&p.commune, p.sheet, p.parcel_no) {
        (Some(c), Some(s), Some(n)) => compact_str::format_compact!("{c}-{s}-{n}"),
        (None, Some(s), Some(n)) => compact_str::format_compact!("{s}-{n}"),
        _ => compact_str::format_compact!("feature-{}", p.feature),
    }
}

/// Parcels without a commune take `dataset.toml`'s `commune` (contract v2), then default ids
/// `{commune}-{sheet}-{parcel_no}`; a repeated id gets the first free suffix `_2`, `_3`, ... in file order,
/// never one that another parcel already carries (`A, A, A_2` become `A, A_3, A_2`).
pub(super) fn assign_ids(parcels: &mut [Parcel], default_commune: Option<&str>) {
    if let Some(code) = default_commune {
        let code: Shared = Shared::from(code);
        for p in parcels.iter_mut().filter(|p| p.commune.is_none()) {
            p.commune = Some(code.clone());
        }
    }
    // Ids on every core (short ones fit inline, without an allocation)...
    parcels.par_iter_mut().filter(|p| p.id.is_empty()).for_each(|p| p.id = natural_id(p));
    assign_repeat_suffixes(parcels);
}

/// Repeated ids told apart, in file order: a repeat takes the first free suffix `_2`, `_3`, ...
pub(crate) fn assign_repeat_suffixes(parcels: &mut [Parcel]) {
    // The repeats, found in file order.
    let mut repeats: Vec<usize> = Vec::new();
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    seen.reserve(parcels.len());
    for (i, p) in parcels.iter().enumerate() {
        if !seen.insert(p.id.as_str()) {
            repeats.push(i);
        }
    }
    drop(seen);
    if repeats.is_empty() {
        return;
    }
    let mut taken: FxHashSet<CompactString> = parcels.iter().map(|p| p.id.clone()).collect();
    // Each repeat takes the lowest suffix that no parcel holds; counting on per id keeps this linear.
    let mut next_suffix: FxHashMap<CompactString, usize> = FxHashMap::default();
    for i in repeats {
        let base = parcels[i].id.clone();
        let n = next_suffix.entry(base.clone()).or_insert(2);
        let id = loop {
            let candidate = compact_str::format_compact!("{base}_{n}");
            *n += 1;
            if !taken.contains(&candidate) {
                break candidate;
            }
        };
        taken.insert(id.clone());
        parcels[i].id = id;
    }
}
