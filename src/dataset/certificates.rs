//! `certificates.csv`: land-use-right certificates, one row per (certificate, holder).
//!
//! A commune has about as many certificates as parcels, and a million of them would take more memory as
//! separate strings than the map itself. All their text lives in one buffer ([`TextArena`]); rows hold
//! [`Text`] handles into it. The file is streamed, never held whole.

use std::path::Path;

use rustc_hash::FxHashMap;

use super::parcel_no::ParcelNo;
use crate::config::Columns;
use crate::error::{Error, Location, Result};
use crate::input::csv_table::{CsvTable, Field};
use crate::input::text::{Text, TextArena};

/// One row: a holder of a certificate, as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HolderRow {
    /// Line of the row in the file (the header is line 1).
    pub line: u32,
    /// Its certificate, in [`Certificates::certificates`].
    pub cert: u32,
    pub(crate) holder_name: Text,
    pub(crate) holder_id: Text,
    pub(crate) holder_birth: Text,
    pub(crate) address: Text,
    /// The certificate's next holder row (`u32::MAX`: none).
    next: u32,
}

/// A certificate: what its rows say about the parcel (from its first row).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Certificate {
    pub(crate) id: Text,
    pub(crate) serial: Text,
    /// Empty when the row names no commune.
    pub commune: Text,
    pub(crate) sheet: Option<i64>,
    /// The parcel number as written (`45`, `45a`, `4?`).
    pub parcel_no: Text,
    /// The number of the mapped parcel it points at, when readable (see [`ParcelNo`]).
    pub parcel_base: Option<i64>,
    /// The number carries a split suffix (`45a`, `45-1`, `45/2`).
    pub split: bool,
    pub(crate) area: Option<f64>,
    pub(crate) land_use: Text,
    pub(crate) issued: Text,
    /// Line of its first row.
    pub line: u32,
    /// Its first holder row.
    first_holder: u32,
}

/// The contract's optional certificate columns (canonical names): a file may lack them, and says so in
/// [`Certificates::absent_columns`].
pub const OPTIONAL_COLUMNS: [&str; 9] =
    ["serial", "commune", "area", "land_use", "issued", "holder_name", "holder_id", "holder_birth", "address"];

/// Everything read from `certificates.csv`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Certificates {
    /// One per distinct `cert_id`, in the order first seen.
    pub certificates: Vec<Certificate>,
    /// Every row of the file, in file order: one holder each.
    pub holders: Vec<HolderRow>,
    /// The contract's optional columns that the file does not have (canonical names, in the contract's
    /// order): the rules that need them are skipped and said so.
    pub absent_columns: Vec<&'static str>,
    text: TextArena,
}

impl crate::linkage::holders::HolderRecords for Certificates {
    fn holder_count(&self) -> usize {
        self.holders.len()
    }

    fn holder(&self, i: usize) -> crate::linkage::holders::HolderRecord<'_> {
        let h = &self.holders[i];
        crate::linkage::holders::HolderRecord {
            name: self.text(h.holder_name),
            id: self.text(h.holder_id),
            birth: self.text(h.holder_birth),
            address: self.text(h.address),
        }
    }
}

impl Certificates {
    /// The text behind a handle.
    pub fn text(&self, t: Text) -> &str {
        self.text.get(t)
    }

    /// The id of certificate `i`.
    pub fn id(&self, i: usize) -> &str {
        self.text(self.certificates[i].id)
    }

    /// The commune certificate `i` names, if any.
    pub fn commune(&self, i: usize) -> Option<&str> {
        let c = self.certificates[i].commune;
        (!c.is_empty()).then(|| self.text(c))
    }

    /// Positions of certificate `i`'s holder rows, in file order.
    pub fn holders_of(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let mut next = self.certificates[i].first_holder;
        std::iter::from_fn(move || {
            let h = self.holders.get(next as usize)?;
            let this = next as usize;
            next = h.next;
            Some(this)
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.certificates.len()
    }

    /// Certificate `ci` corrected (the incremental re-check): it now points at `sheet` and `parcel_no` (as
    /// written) and says `area`.
    pub(crate) fn amend(&mut self, ci: usize, sheet: Option<i64>, parcel_no: &str, area: Option<f64>) -> Result<()> {
        let no = ParcelNo::parse(parcel_no);
        let text = self
            .text
            .push(&no.raw)
            .ok_or_else(|| Error::Capacity { what: "certificates.csv text".into(), limit: "4 GiB" })?;
        let Some(c) = self.certificates.get_mut(ci) else { return Ok(()) };
        c.sheet = sheet;
        c.parcel_no = text;
        c.parcel_base = no.base;
        c.split = no.is_split();
        c.area = area;
        Ok(())
    }

    /// The holder row at line `line` of the file (rows are in file order).
    pub fn holder_at_line(&self, line: u32) -> Option<usize> {
        self.holders.binary_search_by_key(&line, |h| h.line).ok()
    }

    /// Holder row `h` now carries id `id` (an officer set the holder's current id).
    pub(crate) fn amend_holder_id(&mut self, h: usize, id: &str) -> Result<()> {
        let text = self
            .text
            .push(id)
            .ok_or_else(|| Error::Capacity { what: "certificates.csv text".into(), limit: "4 GiB" })?;
        if let Some(row) = self.holders.get_mut(h) {
            row.holder_id = text;
        }
        Ok(())
    }

    /// The sheet certificate `ci` points at.
    pub fn sheet(&self, ci: usize) -> Option<i64> {
        self.certificates[ci].sheet
    }

    /// The area written on certificate `ci`.
    pub fn area(&self, ci: usize) -> Option<f64> {
        self.certificates[ci].area
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.certificates.is_empty()
    }
}

/// Builds [`Certificates`] row by row (co-holders repeat `cert_id`, anywhere in the file).
#[derive(Debug, Default)]
pub struct CertificatesBuilder {
    out: Certificates,
    /// Certificates by the hash of their id; ids whose hash is taken by another id go to `collisions`.
    by_hash: FxHashMap<u64, u32>,
    collisions: FxHashMap<String, u32>,
    /// Values that repeat a lot (communes, land-use codes, dates), stored once.
    shared: FxHashMap<u64, Text>,
    /// Values that often repeat but need not (holder names, addresses): the last one stored in each slot of a
    /// small direct-mapped table, by hash. A repeat that finds its slot is stored once; memory stays bounded
    /// however many distinct values the file has.
    recent: Vec<Text>,
}

/// Slots of [`CertificatesBuilder::recent`] (a power of two): 2 MB.
const RECENT_SLOTS: usize = 1 << 18;

impl CertificatesBuilder {
    /// A builder sized for a file of `bytes` bytes (rows of about 140 bytes, text about as long as the file),
    /// so that the tables do not double (and briefly hold twice their size) while growing.
    pub fn for_file_size(bytes: u64) -> Self {
        let bytes = usize::try_from(bytes).unwrap_or(0);
        let mut b = CertificatesBuilder::default();
        b.out.holders.reserve(bytes / 140 + 16);
        b.out.certificates.reserve(bytes / 160 + 16);
        b.out.text.reserve(bytes);
        b
    }

    fn store(&mut self, s: &str) -> Result<Text> {
        self.out.text.push(s).ok_or_else(|| Error::Capacity { what: "certificates.csv text".into(), limit: "4 GiB" })
    }

    /// Stores a value that repeats across rows once (a hash collision just stores it again).
    fn store_shared(&mut self, s: &str) -> Result<Text> {
        let h = fx(s);
        if let Some(&t) = self.shared.get(&h) {
            if self.out.text(t) == s {
                return Ok(t);
            }
            return self.store(s);
        }
        let t = self.store(s)?;
        self.shared.insert(h, t);
        Ok(t)
    }

    /// Stores a value that often repeats, once when its slot in the recent table still holds it.
    fn store_recent(&mut self, s: &str) -> Result<Text> {
        if s.is_empty() {
            return self.store(s);
        }
        if self.recent.is_empty() {
            self.recent = vec![Text::default(); RECENT_SLOTS];
        }
        let slot = (fx(s) as usize) & (RECENT_SLOTS - 1);
        let t = self.recent[slot];
        if !t.is_empty() && self.out.text(t) == s {
            return Ok(t);
        }
        let t = self.store(s)?;
        self.recent[slot] = t;
        Ok(t)
    }

    fn find(&self, id: &str) -> Option<u32> {
        match self.by_hash.get(&fx(id)) {
            Some(&ci) if self.out.id(ci as usize) == id => Some(ci),
            Some(_) => self.collisions.get(id).copied(),
            None => None,
        }
    }

    /// Adds one row; returns its certificate's position.
    pub fn push_row(&mut self, row: &CertificateRow<'_>, line: u32) -> Result<usize> {
        let h = u32::try_from(self.out.holders.len())
            .map_err(|_| Error::Capacity { what: "certificate rows".into(), limit: "2^32" })?;
        let ci = match self.find(row.cert_id) {
            Some(ci) => {
                let mut last = self.out.certificates[ci as usize].first_holder;
                while self.out.holders[last as usize].next != u32::MAX {
                    last = self.out.holders[last as usize].next;
                }
                self.out.holders[last as usize].next = h;
                ci
            }
            None => {
                let ci = u32::try_from(self.out.certificates.len())
                    .map_err(|_| Error::Capacity { what: "certificates".into(), limit: "2^32" })?;
                let no = ParcelNo::parse(row.parcel_no);
                let cert = Certificate {
                    id: self.store(row.cert_id)?,
                    serial: self.store(row.serial)?,
                    commune: self.store_shared(row.commune)?,
                    sheet: row.sheet,
                    parcel_no: self.store(&no.raw)?,
                    parcel_base: no.base,
                    split: no.is_split(),
                    area: row.area,
                    land_use: self.store_shared(row.land_use)?,
                    issued: self.store_shared(row.issued)?,
                    line,
                    first_holder: h,
                };
                self.out.certificates.push(cert);
                match self.by_hash.entry(fx(row.cert_id)) {
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(ci);
                    }
                    std::collections::hash_map::Entry::Occupied(_) => {
                        self.collisions.insert(row.cert_id.to_string(), ci);
                    }
                }
                ci
            }
        };
        let holder = HolderRow {
            line,
            cert: ci,
            holder_name: self.store_recent(row.holder_name)?,
            holder_id: self.store(row.holder_id)?,
            holder_birth: self.store_shared(row.holder_birth)?,
            address: self.store_recent(row.address)?,
            next: u32::MAX,
        };
        self.out.holders.push(holder);
        Ok(ci as usize)
    }

    pub(crate) fn finish(self) -> Certificates {
        self.out
    }
}

impl Certificates {
    /// Reads and checks `certificates.csv`.
    pub fn read(path: &Path, columns: &Columns) -> Result<Certificates> {
        let cols = columns.clone();
        let mut table = CsvTable::open(path, "certificates", move |c| cols.certificate(c), &columns.certificates)?;
        let col = |name: &str, required: bool| table.column(name, required);
        let c_id = col("cert_id", true)?;
        let c_sheet = col("sheet", true)?;
        let c_no = col("parcel_no", true)?;
        let mut absent = Vec::new();
        let mut optional = |name: &'static str| {
            debug_assert!(OPTIONAL_COLUMNS.contains(&name));
            let c = table.column(name, false)?;
            if c.is_none() {
                absent.push(name);
            }
            Ok::<_, Error>(c)
        };
        let c_serial = optional("serial")?;
        let c_commune = optional("commune")?;
        let c_area = optional("area")?;
        let c_land_use = optional("land_use")?;
        let c_issued = optional("issued")?;
        let c_name = optional("holder_name")?;
        let c_hid = optional("holder_id")?;
        let c_birth = optional("holder_birth")?;
        let c_address = optional("address")?;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut b = CertificatesBuilder::for_file_size(size);
        b.out.absent_columns = absent;
        while let Some(row) = table.next_row() {
            let row = row?;
            let text = |c: &Option<Field>| row.str(c);
            let r = CertificateRow {
                cert_id: row.required_str(&c_id)?,
                serial: text(&c_serial)?,
                commune: text(&c_commune)?,
                sheet: row.integer(&c_sheet)?,
                parcel_no: text(&c_no)?,
                area: row.area(&c_area)?,
                land_use: text(&c_land_use)?,
                issued: {
                    // `YYYY` or `YYYY-MM-DD` (DATASET.md): a bad date is bad input; kept as written.
                    row.date(&c_issued)?;
                    text(&c_issued)?
                },
                holder_name: text(&c_name)?,
                holder_id: text(&c_hid)?,
                holder_birth: {
                    // Checked here (a bad date is bad input); kept as written.
                    row.date(&c_birth)?;
                    text(&c_birth)?
                },
                address: text(&c_address)?,
            };
            let line = u32::try_from(row.line).map_err(|_| Error::bad_input(Location::file(path), "too many lines"))?;
            b.push_row(&r, line)?;
        }
        Ok(b.finish())
    }
}

/// One row's fields, as text and parsed values.
#[derive(Debug, Clone, Default)]
pub struct CertificateRow<'a> {
    pub(crate) cert_id: &'a str,
    pub(crate) serial: &'a str,
    pub(crate) commune: &'a str,
    pub(crate) sheet: Option<i64>,
    pub(crate) parcel_no: &'a str,
    pub(crate) area: Option<f64>,
    pub(crate) land_use: &'a str,
    pub(crate) issued: &'a str,
    pub(crate) holder_name: &'a str,
    pub(crate) holder_id: &'a str,
    pub(crate) holder_birth: &'a str,
    pub(crate) address: &'a str,
}

fn fx(s: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(s.as_bytes());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(id: &'a str, name: &'a str, address: &'a str) -> CertificateRow<'a> {
        CertificateRow { cert_id: id, parcel_no: "45", holder_name: name, address, ..CertificateRow::default() }
    }

    #[test]
    fn repeated_names_and_addresses_are_stored_once_and_read_back_as_written() {
        let rows = [
            ("c1", "Nguyễn Văn An", "thôn Đông, xã Xuân Đỉnh"),
            ("c1", "Trần Thị Bình", "thôn Đông, xã Xuân Đỉnh"),
            ("c2", "Nguyễn Văn An", "thôn Tây, xã Xuân Đỉnh"),
            ("c3", "", ""),
            ("c4", "Lê Văn Cường", "thôn Đông, xã Xuân Đỉnh"),
        ];
        let mut b = CertificatesBuilder::default();
        for (k, (id, name, address)) in rows.iter().enumerate() {
            b.push_row(&row(id, name, address), k as u32 + 2).unwrap();
        }
        let certs = b.finish();
        let read: Vec<(&str, &str, &str)> = certs
            .holders
            .iter()
            .map(|h| (certs.id(h.cert as usize), certs.text(h.holder_name), certs.text(h.address)))
            .collect();
        assert_eq!(read, rows.to_vec());
        let (a, b) = (certs.holders[0], certs.holders[1]);
        assert_eq!(a.address, b.address);
        assert_eq!(certs.holders[0].holder_name, certs.holders[2].holder_name);
        // Ids, serials and numbers as written, then each distinct name and address once.
        let distinct: usize = ["c1", "45", "c2", "c3", "c4"].iter().map(|s| s.len()).sum::<usize>()
            + ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"].iter().map(|s| s.len()).sum::<usize>()
            + ["thôn Đông, xã Xuân Đỉnh", "thôn Tây, xã Xuân Đỉnh"].iter().map(|s| s.len()).sum::<usize>()
            + 3 * "45".len();
        assert_eq!(certs.text.len(), distinct);
    }
}
