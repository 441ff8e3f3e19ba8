//! The live commune (issue 18): a checked commune kept current under edits, re-checking only what an
//! edit can affect, with the rules' own code ([`Live::apply`]).
//!
//! Every rule depends on little: a parcel's validity on itself; an overlap on two parcels whose envelopes
//! meet; a repeated number on the parcels of one (commune, sheet, number); the certificate rules on the
//! parcels and certificates of one (sheet, base number), which is what links them; an unmatched certificate's
//! candidates on the numbers one typing slip away on its sheet and on sheets one slip away. So after an edit
//! the parcels edited (or whose id changed) are re-tested against their R-tree neighbours, and the parcels and
//! certificates of every (sheet, number) the edit touched, before or after, go through the certificate rules
//! again, as do the unmatched certificates on the sheets near them; gaps are looked for again over the boxes
//! parcels left and took; national codes of the edited parcels, and of every parcel carrying a code they carry
//! or carried, are checked again. Conflicts those rules owned are dropped,
//! what they find now is added; a conflict found again keeps its id, so `opened` and `closed` are what changed.
//! Statuses are classified again for every parcel whose conflicts may have changed.
//!
//! Parcels are never moved: a retired parcel keeps its place (without number or geometry, out of every rule),
//! a new one is added at the end, so positions stay valid for everything that holds them. The property test
//! (`tests.rs`) holds the result to a full check of the same data after every random edit.

use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::check::Checked;
use crate::conflict::{Conflict, Kind};
use crate::dataset::parcels::RawFeature;
use crate::dataset::{derived_id, Dataset, Parcel};
use crate::error::Result;
use crate::index::ParcelIndex;
use crate::linkage::holders::Linkage;
use crate::reconcile::status::ParcelStatus;
use crate::reconcile::{parcel_code, Links};

/// One change to apply.
#[derive(Debug, Clone)]
pub enum LiveEdit {
    /// Parcel with feature number `feature` is now `raw` (None: retired). A feature number above every
    /// parcel's adds a parcel.
    Parcel {
        /// Its feature number.
        feature: u32,
        /// Its geometry and attributes as read (the contract's parcel columns, in order), or None.
        raw: Option<RawFeature>,
    },
    /// The holder at line `line` of certificates.csv now carries id `holder_id`, linked as `link` (None: the
    /// commune has no stored linkage).
    Holder {
        /// The holder row's line.
        line: u32,
        /// The id now written.
        holder_id: String,
        /// The holder's link against the register with that id.
        link: Option<crate::linkage::holders::HolderLink>,
    },
    /// Certificate `cert_id` now points at `sheet` / `parcel_no`, says `area`; or is cancelled.
    Certificate {
        /// Its id.
        cert_id: String,
        /// The sheet.
        sheet: Option<i64>,
        /// The parcel number as written.
        parcel_no: String,
        /// The area written on it.
        area: Option<f64>,
        /// Cancelled: out of every rule.
        cancelled: bool,
    },
}

/// What [`Live::apply`] changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Delta {
    /// Ids of conflicts found now and not before.
    pub opened: Vec<String>,
    /// Ids of conflicts found before and not now.
    pub closed: Vec<String>,
    /// Parcels whose status changed: (position, status before (None: new), status now (None: retired)).
    pub statuses: Vec<(usize, Option<u8>, Option<u8>)>,
    /// Ids of every conflict the re-check's rules found (new or again): what a store syncs.
    pub found: Vec<String>,
    /// Parcels re-tested against their neighbours (edited, or whose id changed).
    pub parcels_edited: usize,
    /// Parcels and certificates the certificate rules ran on again.
    pub scope: (usize, usize),
    /// Every parcel whose data, id, links or status the edits may have changed, in position order: what a
    /// copy of the data (the server's) takes again from the live commune.
    pub parcels_touched: Vec<usize>,
    /// Every certificate amended or linked again, in position order.
    pub certificates_touched: Vec<usize>,
}

/// A checked commune kept current under edits.
pub struct Live {
    /// The dataset as it now stands (retired parcels in place, without geometry or number).
    pub dataset: Dataset,
    index: ParcelIndex,
    links: Links,
    linkage: Option<Linkage>,
    /// Conflicts with their ids; None: a free slot.
    slots: Vec<Option<(String, Conflict)>>,
    free: Vec<u32>,
    by_id: FxHashMap<String, u32>,
    /// The slots holding gaps: an edit looks for the gaps near it among these, not among every conflict.
    gap_slots: FxHashSet<u32>,
    by_parcel: Vec<Vec<u32>>,
    by_cert: Vec<Vec<u32>>,
    statuses: Vec<ParcelStatus>,
    retired: Vec<bool>,
    cancelled: Vec<bool>,
    certs_by_key: FxHashMap<(i64, i64), Vec<u32>>,
    certs_by_id: FxHashMap<String, u32>,
    /// Live parcels by their id before repeats are told apart.
    natural: Vec<CompactString>,
    by_natural: FxHashMap<CompactString, Vec<u32>>,
    /// Certificates by their sheet (numbered or torn): an unmatched one looks for its parcel over its whole
    /// sheet.
    on_sheet: FxHashMap<i64, Vec<u32>>,
    /// The groups' boundaries, prepared once (None: the dataset has none).
    groups: Option<crate::dataset::GroupLocator>,
    /// Certificates exist: `parcel_without_certificate` runs (as in the full check).
    without_rule: bool,
    /// Live parcels by their national code (well-formed codes only: only those can be shared), when the
    /// parcels carry codes (the `parcel_code` rule runs); empty otherwise.
    by_code: FxHashMap<CompactString, Vec<u32>>,
    /// The version of the data (the store's edit number the commune was read at, plus the edits applied).
    pub version: i64,
}

/// A parcel's code where it could be shared: well-formed.
fn shareable(p: &Parcel) -> Option<&CompactString> {
    p.code.as_ref().filter(|c| parcel_code::well_formed(c))
}

fn key_of_parcel(p: &Parcel) -> Option<(i64, i64)> {
    Some((p.sheet?, p.parcel_no?))
}

/// A parcel's id before its repeat suffix (`_2`...), as far as it can be told from the id it has.
fn natural_of(p: &Parcel) -> CompactString {
    let derived = derived_id(p);
    if p.id == derived {
        return derived;
    }
    match p.id.rsplit_once('_') {
        Some((base, n)) if base == derived && n.parse::<u32>().is_ok_and(|n| n >= 2) => derived,
        _ => p.id.clone(),
    }
}

impl Live {
    /// Keeps `checked` current from now on.
    pub fn new(checked: Checked) -> Live {
        let Checked { dataset, index, reconciliation, .. } = checked;
        let (n, m) = (dataset.parcels.len(), dataset.certificates.len());
        let mut live = Live {
            index,
            links: reconciliation.links,
            linkage: reconciliation.holders,
            slots: Vec::with_capacity(reconciliation.conflicts.len()),
            free: Vec::new(),
            by_id: FxHashMap::default(),
            gap_slots: FxHashSet::default(),
            by_parcel: vec![Vec::new(); n],
            by_cert: vec![Vec::new(); m],
            statuses: reconciliation.statuses,
            retired: vec![false; n],
            cancelled: vec![false; m],
            certs_by_key: FxHashMap::default(),
            certs_by_id: FxHashMap::default(),
            natural: dataset.parcels.iter().map(natural_of).collect(),
            by_natural: FxHashMap::default(),
            on_sheet: FxHashMap::default(),
            groups: (!dataset.groups.is_empty()).then(|| crate::dataset::GroupLocator::new(&dataset.groups)),
            without_rule: !dataset.certificates.is_empty(),
            by_code: FxHashMap::default(),
            version: 0,
            dataset,
        };
        for (i, x) in live.natural.iter().enumerate() {
            live.by_natural.entry(x.clone()).or_default().push(i as u32);
        }
        if live.dataset.has_parcel_codes {
            for (i, p) in live.dataset.parcels.iter().enumerate() {
                if let Some(code) = shareable(p) {
                    live.by_code.entry(code.clone()).or_default().push(i as u32);
                }
            }
        }
        for (ci, c) in live.dataset.certificates.certificates.iter().enumerate() {
            if let Some(key) = c.sheet.zip(c.parcel_base) {
                live.certs_by_key.entry(key).or_default().push(ci as u32);
            }
            if let Some(s) = c.sheet {
                live.on_sheet.entry(s).or_default().push(ci as u32);
            }
            live.certs_by_id.insert(live.dataset.certificates.id(ci).to_string(), ci as u32);
        }
        for c in reconciliation.conflicts {
            live.add(c);
        }
        live
    }

    /// Every conflict now, with its id (in no particular order).
    pub fn conflicts(&self) -> impl Iterator<Item = (&str, &Conflict)> {
        self.slots.iter().flatten().map(|(id, c)| (id.as_str(), c))
    }

    /// The conflict `id`, if present now.
    pub fn conflict(&self, id: &str) -> Option<&Conflict> {
        let slot = *self.by_id.get(id)?;
        self.slots[slot as usize].as_ref().map(|(_, c)| c)
    }

    /// True when certificate `cert_id` is in the data (a certificate cancelled before they were read is not).
    pub fn knows_certificate(&self, cert_id: &str) -> bool {
        self.certs_by_id.contains_key(cert_id)
    }

    /// How many conflicts there are now.
    pub fn conflict_count(&self) -> usize {
        self.by_id.len()
    }

    /// Parcel `i`'s status (None: retired).
    pub fn status(&self, i: usize) -> Option<&ParcelStatus> {
        (!self.retired[i]).then(|| &self.statuses[i])
    }

    /// The links of certificates and parcels as they now stand.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// True when parcel `i` was retired.
    pub fn is_retired(&self, i: usize) -> bool {
        self.retired[i]
    }

    fn id_of(&self, c: &Conflict) -> String {
        let ds = &self.dataset;
        let pids: Vec<&str> = c.parcels.iter().map(|&i| ds.parcels[i].id.as_str()).collect();
        let cids: Vec<&str> = c.certificates.iter().map(|&i| ds.certificates.id(i)).collect();
        c.id(&pids, &cids)
    }

    /// Parcels and certificates in id order, as the full check lists them.
    fn normalize(&self, mut c: Conflict) -> Conflict {
        let ds = &self.dataset;
        c.parcels.sort_by(|a, b| ds.parcels[*a].id.cmp(&ds.parcels[*b].id));
        c.parcels.dedup();
        c.certificates.sort_by(|a, b| ds.certificates.id(*a).cmp(ds.certificates.id(*b)));
        c.certificates.dedup();
        c
    }

    fn add(&mut self, c: Conflict) -> String {
        let c = self.normalize(c);
        let id = self.id_of(&c);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        for &p in &c.parcels {
            self.by_parcel[p].push(slot);
        }
        for &k in &c.certificates {
            self.by_cert[k].push(slot);
        }
        self.by_id.insert(id.clone(), slot);
        if c.kind == Kind::Gap {
            self.gap_slots.insert(slot);
        }
        self.slots[slot as usize] = Some((id.clone(), c));
        id
    }

    fn remove(&mut self, slot: u32) -> Option<(String, Conflict)> {
        let (id, c) = self.slots.get_mut(slot as usize)?.take()?;
        for &p in &c.parcels {
            self.by_parcel[p].retain(|&s| s != slot);
        }
        for &k in &c.certificates {
            self.by_cert[k].retain(|&s| s != slot);
        }
        self.by_id.remove(&id);
        self.gap_slots.remove(&slot);
        self.free.push(slot);
        Some((id, c))
    }

    /// The position of the parcel with feature number `feature`, if any (parcels are in feature order).
    pub fn position(&self, feature: u32) -> Option<usize> {
        self.dataset.position_of_feature(feature)
    }

    /// Applies `edits` and re-checks what they can affect; see the module's doc.
    pub fn apply(&mut self, edits: &[LiveEdit]) -> Result<Delta> {
        let mut edited: FxHashSet<usize> = FxHashSet::default();
        let mut keys: FxHashSet<(i64, i64)> = FxHashSet::default();
        let mut relink: FxHashSet<u32> = FxHashSet::default();
        let mut naturals: FxHashSet<CompactString> = FxHashSet::default();
        // National codes that edited parcels carried: the parcels still carrying them are checked again.
        let mut codes: FxHashSet<CompactString> = FxHashSet::default();
        let mut was: FxHashMap<usize, Option<u8>> = FxHashMap::default();
        // The boxes parcels left and took: gaps may have opened or closed there.
        let mut regions: Vec<geo::Rect<f64>> = Vec::new();
        for e in edits {
            match e {
                LiveEdit::Parcel { feature, raw } => {
                    let built = match raw {
                        Some(raw) => self.dataset.build_one(*feature, raw.clone(), self.groups.as_ref())?,
                        None => None,
                    };
                    let last = self.dataset.parcels.last().map(|p| p.feature);
                    let i = match (self.position(*feature), raw) {
                        (Some(i), _) => i,
                        // Retiring a parcel these data never had (it was retired before they were read).
                        (None, None) => continue,
                        (None, Some(_)) if last.is_some_and(|l| *feature < l) => {
                            return Err(crate::error::Error::Stored(format!(
                                "parcel feature {feature} is not in the live data and not a new one"
                            )))
                        }
                        (None, Some(_)) => self.push_parcel(*feature),
                    };
                    was.entry(i).or_insert_with(|| (!self.retired[i]).then_some(self.statuses[i].status));
                    keys.extend(key_of_parcel(&self.dataset.parcels[i]));
                    naturals.insert(self.natural[i].clone());
                    regions.extend((!self.retired[i]).then_some(self.dataset.parcels[i].bbox).flatten());
                    if !self.retired[i] {
                        codes.extend(shareable(&self.dataset.parcels[i]).cloned());
                    }
                    self.replace_parcel(i, built);
                    regions.extend((!self.retired[i]).then_some(self.dataset.parcels[i].bbox).flatten());
                    keys.extend(key_of_parcel(&self.dataset.parcels[i]));
                    if !self.retired[i] {
                        naturals.insert(self.natural[i].clone());
                    }
                    edited.insert(i);
                }
                LiveEdit::Holder { line, holder_id, link } => {
                    let certs = &mut self.dataset.certificates;
                    let Some(h) = certs.holder_at_line(*line) else { continue };
                    certs.amend_holder_id(h, holder_id)?;
                    if let (Some(linkage), Some(link)) = (self.linkage.as_mut(), link) {
                        if let Some(l) = linkage.holders.get_mut(h) {
                            *l = link.clone();
                        }
                    }
                    // Its certificate's rules run again, over the certificate's whole (sheet, number).
                    let ci = certs.holders[h].cert;
                    let c = &certs.certificates[ci as usize];
                    keys.extend(c.sheet.zip(c.parcel_base));
                    relink.insert(ci);
                }
                LiveEdit::Certificate { cert_id, sheet, parcel_no, area, cancelled } => {
                    let Some(&ci) = self.certs_by_id.get(cert_id) else { continue };
                    let certs = &self.dataset.certificates;
                    let old = (certs.sheet(ci as usize), certs.certificates[ci as usize].parcel_base);
                    if let (Some(s), Some(b)) = old {
                        keys.insert((s, b));
                        if let Some(v) = self.certs_by_key.get_mut(&(s, b)) {
                            v.retain(|&c| c != ci);
                        }
                    }
                    if let Some(v) = old.0.and_then(|s| self.on_sheet.get_mut(&s)) {
                        v.retain(|&c| c != ci);
                    }
                    let (sheet, no) = if *cancelled { (None, "") } else { (*sheet, parcel_no.as_str()) };
                    self.dataset.certificates.amend(ci as usize, sheet, no, *area)?;
                    self.cancelled[ci as usize] = *cancelled;
                    let c = &self.dataset.certificates.certificates[ci as usize];
                    let sorted_insert = |v: &mut Vec<u32>| {
                        let at = v.partition_point(|&x| x < ci);
                        v.insert(at, ci);
                    };
                    if let Some(key) = c.sheet.zip(c.parcel_base) {
                        keys.insert(key);
                        sorted_insert(self.certs_by_key.entry(key).or_default());
                    }
                    if let Some(s) = c.sheet {
                        sorted_insert(self.on_sheet.entry(s).or_default());
                    }
                    relink.insert(ci);
                }
            }
        }
        // Ids: every parcel of a natural id an edit touched is named again, as the full check names them.
        for x in naturals {
            for i in self.rename(&x) {
                edited.insert(i);
                keys.extend(key_of_parcel(&self.dataset.parcels[i]));
                was.entry(i).or_insert_with(|| Some(self.statuses[i].status));
            }
        }
        Ok(self.recheck(edited, keys, relink, was, regions, codes))
    }

    fn push_parcel(&mut self, feature: u32) -> usize {
        let mut p = Parcel::blank(feature);
        p.id = derived_id(&p);
        self.dataset.parcels.push(p);
        self.links.push_parcel();
        self.by_parcel.push(Vec::new());
        self.statuses.push(ParcelStatus::default());
        self.retired.push(true);
        self.natural.push(CompactString::default());
        self.dataset.parcels.len() - 1
    }

    /// Puts `new` (None: retired) in place of parcel `i`: index, numbers and natural ids follow.
    fn replace_parcel(&mut self, i: usize, new: Option<Parcel>) {
        let old = &self.dataset.parcels[i];
        if let (false, Some(r)) = (self.retired[i], old.bbox) {
            self.index.remove(i, r);
        }
        let old_key = if self.retired[i] { None } else { key_of_parcel(old) };
        if !self.retired[i] {
            let x = self.natural[i].clone();
            if let Some(v) = self.by_natural.get_mut(&x) {
                v.retain(|&p| p != i as u32);
                if v.is_empty() {
                    self.by_natural.remove(&x);
                }
            }
        }
        if let (false, Some(code)) = (self.retired[i], shareable(old)) {
            if let Some(v) = self.by_code.get_mut(code) {
                v.retain(|&p| p != i as u32);
                if v.is_empty() {
                    self.by_code.remove(code);
                }
            }
        }
        let feature = old.feature;
        let (p, retired) = match new {
            Some(p) => (p, false),
            None => {
                let mut p = Parcel::blank(feature);
                p.id = self.dataset.parcels[i].id.clone();
                (p, true)
            }
        };
        let new_key = if retired { None } else { key_of_parcel(&p) };
        self.links.renumber(i as u32, old_key, new_key);
        if let (false, Some(r)) = (retired, p.bbox) {
            self.index.insert(i, r);
        }
        if !retired {
            let x = p.id.clone();
            self.natural[i] = x.clone();
            let v = self.by_natural.entry(x).or_default();
            let at = v.partition_point(|&q| q < i as u32);
            v.insert(at, i as u32);
        }
        if let (false, true, Some(code)) = (retired, self.dataset.has_parcel_codes, shareable(&p)) {
            let v = self.by_code.entry(code.clone()).or_default();
            let at = v.partition_point(|&q| q < i as u32);
            v.insert(at, i as u32);
        }
        self.retired[i] = retired;
        self.dataset.parcels[i] = p;
    }

    /// Names the live parcels of natural id `x` as the full check does (the first keeps it, the others take
    /// the first free suffix `_2`, `_3`...); answers those whose id changed.
    fn rename(&mut self, x: &CompactString) -> Vec<usize> {
        let members: Vec<u32> = self.by_natural.get(x).cloned().unwrap_or_default();
        let mut changed = Vec::new();
        let mut next = 2usize;
        for (k, &p) in members.iter().enumerate() {
            let id = if k == 0 {
                x.clone()
            } else {
                loop {
                    let candidate = compact_str::format_compact!("{x}_{next}");
                    next += 1;
                    if !self.by_natural.contains_key(&candidate) {
                        break candidate;
                    }
                }
            };
            let p = p as usize;
            if self.dataset.parcels[p].id != id {
                self.dataset.parcels[p].id = id;
                changed.push(p);
            }
        }
        changed
    }
}

mod recheck;
mod snapshot;
#[cfg(test)]
pub(crate) mod tests;
