//! The live commune (issue 18): a checked commune kept current under edits, re-checking only what an
//! edit can affect, with the rules' own code ([`Live::apply`]).
//!
//! Every rule depends on little: a parcel's validity on itself; an overlap on two parcels whose envelopes
//! meet; a repeated number on the parcels of one (commune, sheet, number); the certificate rules on the
//! parcels and certificates of one (sheet, base number), which is what links them; an unmatched certificate's
//! candidates on the numbers one typing slip away on its sheet and on sheets one slip away. So after an edit
//! the parcels edited (or whose id changed) are re-tested against their R-tree neighbours, and the parcels and
//! certificates of every (sheet, number) the edit touched, before or after, go through the certificate rules
//! again, as do the unmatched certificates on the sheets near them. Conflicts those rules owned are dropped,
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
use crate::reconcile::status::{self, ParcelStatus};
use crate::reconcile::{area_mismatch, duplicate_certificate, holders, numbering, overlap, split, unmatched, validity};
use crate::reconcile::{gap, without_certificate, Links};

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
    /// The version of the data (the store's edit number the commune was read at, plus the edits applied).
    pub version: i64,
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
            version: 0,
            dataset,
        };
        for (i, x) in live.natural.iter().enumerate() {
            live.by_natural.entry(x.clone()).or_default().push(i as u32);
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
        Ok(self.recheck(edited, keys, relink, was, regions))
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

    /// The re-check proper: `edited` parcels against their neighbours, the certificate rules on `keys`.
    fn recheck(
        &mut self,
        edited: FxHashSet<usize>,
        keys: FxHashSet<(i64, i64)>,
        relink: FxHashSet<u32>,
        mut was: FxHashMap<usize, Option<u8>>,
        mut regions: Vec<geo::Rect<f64>>,
    ) -> Delta {
        let ds = &self.dataset;
        // Links: every certificate of the keys points again; the parcels of the keys list theirs again.
        let mut certs: Vec<u32> =
            keys.iter().flat_map(|k| self.certs_by_key.get(k).into_iter().flatten()).copied().collect();
        certs.extend(relink.iter().copied());
        certs.sort_unstable();
        certs.dedup();
        let mut parcels: FxHashSet<usize> = edited.iter().copied().filter(|&i| !self.retired[i]).collect();
        for &(s, n) in &keys {
            parcels.extend(self.links.numbered(s, n));
        }
        for &ci in &certs {
            parcels.extend(self.links.parcel_of(ci as usize));
        }
        let mut lists: FxHashMap<usize, Vec<u32>> = parcels.iter().map(|&p| (p, Vec::new())).collect();
        for &ci in &certs {
            let best = if self.cancelled[ci as usize] {
                None
            } else {
                self.links.best(&ds.parcels, &ds.certificates, ci as usize)
            };
            self.links.set_parcel_of(ci as usize, best);
            if let Some(p) = best {
                lists.entry(p).or_default().push(ci);
                parcels.insert(p);
            }
        }
        for (p, list) in lists {
            // Certificates of other keys cannot point here: the list is the parcel's whole.
            self.links.set_certs_of(p, list);
        }
        // Unmatched certificates whose candidates may have changed: a certificate looks for its parcel over its
        // whole sheet (numbers up to two slips from its own, or fitting a torn number) and for its number on
        // sheets one slip from its own. Slips go both ways, so from a key (s, m) those are the unmatched
        // certificates of sheet s and of (t, m) for t one slip from s.
        let mut scope_certs: FxHashSet<usize> = certs.iter().map(|&c| c as usize).collect();
        let unmatched_of = |key: (i64, i64)| {
            self.certs_by_key
                .get(&key)
                .into_iter()
                .flatten()
                .map(|&c| c as usize)
                .filter(|&c| self.links.parcel_of(c).is_none())
        };
        let mut sheets: FxHashSet<i64> = FxHashSet::default();
        for &(s, m) in &keys {
            for (t, _) in unmatched::number_slips(&s.to_string()) {
                scope_certs.extend(unmatched_of((t, m)));
            }
            sheets.insert(s);
        }
        for s in sheets {
            let on_sheet = self.on_sheet.get(&s).into_iter().flatten().map(|&c| c as usize);
            scope_certs.extend(on_sheet.filter(|&c| self.links.parcel_of(c).is_none()));
        }
        scope_certs.retain(|&c| !self.cancelled[c]);
        let mut scope_parcels: Vec<usize> = parcels.iter().copied().filter(|&p| !self.retired[p]).collect();
        scope_parcels.sort_unstable();
        let mut scope_certs: Vec<usize> = scope_certs.into_iter().collect();
        scope_certs.sort_unstable();

        // What the rules owned there goes.
        let parcel_set: FxHashSet<usize> = parcels.iter().copied().chain(edited.iter().copied()).collect();
        let cert_set: FxHashSet<usize> = scope_certs.iter().copied().chain(certs.iter().map(|&c| c as usize)).collect();
        let mut gone: FxHashSet<u32> = FxHashSet::default();
        for &p in &parcel_set {
            for &slot in &self.by_parcel[p] {
                let Some((_, c)) = &self.slots[slot as usize] else { continue };
                let owned = match c.kind {
                    Kind::Overlap | Kind::InvalidGeometry => edited.contains(&p),
                    Kind::DuplicateParcelNumber
                    | Kind::UnmappedSplit
                    | Kind::DuplicateCertificate
                    | Kind::ParcelWithoutCertificate => true,
                    _ => false,
                };
                if owned {
                    gone.insert(slot);
                }
            }
        }
        for &ci in &cert_set {
            for &slot in &self.by_cert[ci] {
                gone.insert(slot);
            }
        }
        // Gaps: those of an edited parcel (its id may have changed) and those where parcels left or came go,
        // and are looked for again over their own boxes too (the parcels around a gap all reach its box).
        if !regions.is_empty() || !edited.is_empty() {
            let mut again = Vec::new();
            for &slot in &self.gap_slots {
                let Some((_, c)) = &self.slots[slot as usize] else { continue };
                let Some(r) = c.area(&ds.parcels).and_then(geo::BoundingRect::bounding_rect) else { continue };
                let meets = |g: &geo::Rect<f64>| gap::boxes_meet(g, &r, gap::CONTACT);
                if c.parcels.iter().any(|p| edited.contains(p)) || regions.iter().any(meets) {
                    gone.insert(slot);
                    again.push(r);
                }
            }
            regions.extend(again);
        }
        let mut touched: FxHashSet<usize> = parcel_set.clone();
        let mut before: FxHashSet<String> = FxHashSet::default();
        for slot in gone {
            if let Some((id, c)) = self.remove(slot) {
                touched.extend(c.parcels.iter().copied());
                before.insert(id);
            }
        }

        // What they find now.
        let ds = &self.dataset;
        let tol = ds.config.tolerances;
        let live_edited: Vec<usize> = {
            let mut v: Vec<usize> = edited.iter().copied().filter(|&i| !self.retired[i]).collect();
            v.sort_unstable();
            v
        };
        let mut found = validity::find_in(&ds.parcels, live_edited.iter().copied());
        found.extend(numbering::find_in(&ds.parcels, scope_parcels.iter().copied()));
        for &i in &live_edited {
            let Some(r) = ds.parcels[i].bbox else { continue };
            for j in self.index.intersecting([r.min().x, r.min().y], [r.max().x, r.max().y]) {
                if j == i || (edited.contains(&j) && j < i) {
                    continue;
                }
                if let overlap::Pair::Overlay(Some(c)) =
                    overlap::pair(&ds.parcels, i.min(j), i.max(j), tol.overlap_min_area_m2)
                {
                    found.push(c);
                }
            }
        }
        let retired = &self.retired;
        for &region in &regions {
            let limits = gap::Limits::of(&tol);
            found.extend(gap::find_near(&ds.parcels, &self.index, region, |i| !retired[i], limits));
        }
        let certificates = &ds.certificates;
        let splits =
            split::find_in(&ds.parcels, certificates, &self.links, tol.split_area_ratio, scope_parcels.iter().copied());
        let duplicates = duplicate_certificate::find_in(
            &ds.parcels,
            certificates,
            &self.links,
            &splits,
            tol.area_mismatch_ratio,
            scope_parcels.iter().copied(),
        );
        let explained: std::collections::HashSet<usize> =
            splits.iter().chain(duplicates.iter()).flat_map(|c| c.certificates.iter().copied()).collect();
        found.extend(area_mismatch::find_in(
            &ds.parcels,
            certificates,
            &self.links,
            &explained,
            tol.area_mismatch_ratio,
            scope_certs.iter().copied(),
        ));
        found.extend(splits);
        found.extend(duplicates);
        found.extend(unmatched::find_in(&ds.parcels, certificates, &self.links, scope_certs.iter().copied()));
        if self.without_rule {
            found.extend(without_certificate::find_in(
                &ds.parcels,
                &self.links,
                &ds.config.rules.no_certificate_land_use,
                scope_parcels.iter().copied(),
            ));
        }
        if let Some(linkage) = &self.linkage {
            found.extend(holders::conflicts_in(certificates, &self.links, linkage, scope_certs.iter().copied()));
        }
        let mut opened = Vec::new();
        let mut found_ids = Vec::new();
        let mut after: FxHashSet<String> = FxHashSet::default();
        for c in found {
            touched.extend(c.parcels.iter().copied());
            let c = self.normalize(c);
            if self.by_id.contains_key(&self.id_of(&c)) {
                // Found twice (an overlap of two edited parcels is tested once; a gap may meet several regions).
                continue;
            }
            let id = self.add(c);
            if !before.contains(&id) {
                opened.push(id.clone());
            }
            found_ids.push(id.clone());
            after.insert(id);
        }
        let mut closed: Vec<String> = before.into_iter().filter(|id| !after.contains(id)).collect();
        closed.sort();
        opened.sort();

        // Statuses of every parcel whose conflicts may have changed.
        let mut statuses = Vec::new();
        let mut touched: Vec<usize> = touched.into_iter().collect();
        touched.sort_unstable();
        for &p in &touched {
            let before = was.remove(&p).unwrap_or_else(|| (!self.retired[p]).then_some(self.statuses[p].status));
            let now = if self.retired[p] {
                None
            } else {
                let conflicts: Vec<&Conflict> =
                    self.by_parcel[p].iter().filter_map(|&s| self.slots[s as usize].as_ref().map(|(_, c)| c)).collect();
                let matched = self.linkage.as_ref().is_some_and(|l| {
                    holders::parcel_matched_by_attributes(&self.dataset.certificates, &self.links, l, p)
                });
                self.statuses[p] = status::of_parcel(conflicts, matched);
                Some(self.statuses[p].status)
            };
            if before != now {
                statuses.push((p, before, now));
            }
        }
        Delta {
            opened,
            closed,
            statuses,
            found: found_ids,
            parcels_edited: live_edited.len(),
            scope: (scope_parcels.len(), scope_certs.len()),
            parcels_touched: touched,
            certificates_touched: certs.iter().map(|&c| c as usize).collect(),
        }
    }
}

mod snapshot;
#[cfg(test)]
pub(crate) mod tests;
