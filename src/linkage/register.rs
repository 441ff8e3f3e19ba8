//! `citizens.csv`: the population register's view of people, read into a compact table.
//!
//! Columns (contract): `citizen_id, full_name, birth_date, gender, address`, renamed through
//! `[columns.citizens]` in dataset.toml. `citizen_id` and `full_name` are required in every row;
//! `birth_date` is `YYYY` or `YYYY-MM-DD`; `gender` is `Nam`/`Nữ` (also `M`/`F`, `male`/`female`; not `1`/`0`,
//! whose meaning differs between systems), empty when unknown.
//!
//! A citizen id that repeats is not an error (register extracts do repeat people), but it is never
//! silently dropped: every entry stays, [`Register::duplicates`] lists the rows, and a holder whose id is
//! one of them can only be matched by id if exactly one of the entries confirms name and birth.

use std::path::Path;

use compact_str::CompactString;
use rustc_hash::FxHashMap;

use crate::config::Columns;
use crate::error::{Error, Location, Result};
use crate::input::csv_table::CsvTable;
use crate::input::date::PartialDate;
use crate::input::text::{Text, TextArena};

/// One person of the register.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Citizen {
    /// Line of the row in the file (the header is line 1).
    pub line: u32,
    pub(crate) id: Text,
    pub(crate) name: Text,
    pub(crate) birth: Option<PartialDate>,
    pub(crate) female: Option<bool>,
    pub(crate) address: Text,
}

/// The register in memory.
#[derive(Debug, Clone, Default)]
pub struct Register {
    pub(crate) people: Vec<Citizen>,
    text: TextArena,
    /// First entry of each id; further entries with the same id chain through `next_same`.
    by_id: FxHashMap<CompactString, u32>,
    next_same: Vec<u32>,
    /// Ids that occur more than once: the file lines of all their entries.
    pub duplicates: Vec<Vec<u32>>,
}

impl Register {
    pub(crate) fn text(&self, t: Text) -> &str {
        self.text.get(t)
    }

    /// Entries in the register (rows of `citizens.csv`, repeated ids included).
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// True when the register has no entry.
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The entries with citizen id `id`, in file order.
    pub fn with_id(&self, id: &str) -> impl Iterator<Item = usize> + '_ {
        let mut next = self.by_id.get(id).copied().unwrap_or(u32::MAX);
        std::iter::from_fn(move || {
            if next == u32::MAX {
                return None;
            }
            let this = next as usize;
            next = self.next_same[this];
            Some(this)
        })
    }

    /// Adds a person (used by the reader and by tests).
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        line: u32,
        id: &str,
        name: &str,
        birth: Option<PartialDate>,
        female: Option<bool>,
        address: &str,
    ) -> Result<()> {
        let too_big = || Error::Capacity { what: "citizens.csv text".into(), limit: "4 GiB" };
        let k =
            u32::try_from(self.people.len()).map_err(|_| Error::Capacity { what: "citizens".into(), limit: "2^32" })?;
        let person = Citizen {
            line,
            id: self.text.push(id).ok_or_else(too_big)?,
            name: self.text.push(name).ok_or_else(too_big)?,
            birth,
            female,
            address: self.text.push(address).ok_or_else(too_big)?,
        };
        self.people.push(person);
        self.next_same.push(u32::MAX);
        match self.by_id.get(id) {
            None => {
                self.by_id.insert(CompactString::from(id), k);
            }
            Some(&first) => {
                let mut last = first as usize;
                while self.next_same[last] != u32::MAX {
                    last = self.next_same[last] as usize;
                }
                self.next_same[last] = k;
            }
        }
        Ok(())
    }

    /// Collects [`Register::duplicates`] once every row is in (the reader calls it; so does `src/store`).
    pub fn finish(&mut self) {
        let mut dups: Vec<Vec<u32>> = self
            .by_id
            .values()
            .filter(|&&first| self.next_same[first as usize] != u32::MAX)
            .map(|&first| {
                let mut lines = vec![self.people[first as usize].line];
                let mut next = self.next_same[first as usize];
                while next != u32::MAX {
                    lines.push(self.people[next as usize].line);
                    next = self.next_same[next as usize];
                }
                lines
            })
            .collect();
        dups.sort();
        self.duplicates = dups;
    }

    /// Reads `citizens.csv`.
    pub fn read(path: &Path, columns: &Columns) -> Result<Register> {
        let cols = columns.clone();
        let mut table = CsvTable::open(path, "citizens", move |c| cols.citizen(c), &columns.citizens)?;
        let c_id = table.column("citizen_id", true)?;
        let c_name = table.column("full_name", true)?;
        let c_birth = table.column("birth_date", true)?;
        let c_gender = table.column("gender", false)?;
        let c_address = table.column("address", false)?;
        let mut reg = Register::default();
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let rows = usize::try_from(size / 80).unwrap_or(0);
        reg.people.reserve(rows);
        reg.next_same.reserve(rows);
        while let Some(row) = table.next_row() {
            let row = row?;
            let line = u32::try_from(row.line).map_err(|_| Error::bad_input(Location::file(path), "too many lines"))?;
            let id = row.required_str(&c_id)?;
            let name = row.required_str(&c_name)?;
            let birth = row.date(&c_birth)?;
            let gender = row.str(&c_gender)?;
            let female = parse_gender(gender).map_err(|m| {
                let field = c_gender.as_ref().map_or("gender".to_string(), |f| f.source.clone());
                Error::bad_input(Location::row(path, row.line).field(field), m)
            })?;
            let address = row.str(&c_address)?;
            reg.push(line, id, name, birth, female, address)?;
        }
        reg.finish();
        Ok(reg)
    }
}

/// `Nam`/`Nữ` (any case, with or without diacritics), `M`/`F`, `male`/`female`; empty is unknown.
pub fn parse_gender(s: &str) -> std::result::Result<Option<bool>, String> {
    match crate::vntext::fold(s).as_str() {
        "" => Ok(None),
        "nam" | "m" | "male" => Ok(Some(false)),
        "nu" | "f" | "female" => Ok(Some(true)),
        _ => Err(format!("`{s}` is not a gender (Nam or Nữ)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("citizens.csv");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn reads_rows_and_keeps_duplicates() {
        let (_d, p) = write(
            "citizen_id,full_name,birth_date,gender,address\n\
             001085001234,Nguyễn Văn An,1985-02-03,Nam,\"Tổ 1, phường X\"\n\
             001185004321,Trần Thị Bình,1985,Nữ,\n\
             001085001234,Nguyễn Văn Ân,1985-02-03,nam,\n",
        );
        let r = Register::read(&p, &Columns::default()).unwrap();
        assert_eq!(r.len(), 3);
        let a = r.people[0];
        assert_eq!((r.text(a.name), a.female, a.line), ("Nguyễn Văn An", Some(false), 2));
        assert_eq!(a.birth, Some(PartialDate { year: 1985, month: 2, day: 3 }));
        assert_eq!(r.text(a.address), "Tổ 1, phường X");
        assert_eq!(r.people[1].female, Some(true));
        assert_eq!(r.with_id("001085001234").collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(r.with_id("000000000000").count(), 0);
        assert_eq!(r.duplicates, vec![vec![2, 4]]);
    }

    #[test]
    fn mapped_columns() {
        let (_d, p) = write("SoDinhDanh,HoTen,NgaySinh\n001085001234,Nguyễn Văn An,1985\n");
        let mut cols = Columns::default();
        for (k, v) in [("citizen_id", "SoDinhDanh"), ("full_name", "HoTen"), ("birth_date", "NgaySinh")] {
            cols.citizens.insert(k.into(), v.into());
        }
        let r = Register::read(&p, &cols).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r.people[0].female, None);
    }

    #[test]
    fn bad_rows() {
        let (_d, p) = write("citizen_id,full_name,birth_date\n001,An,12/03/1960\n");
        let e = Register::read(&p, &Columns::default()).unwrap_err().to_string();
        assert!(
            e.ends_with("citizens.csv, row 2, field `birth_date`: `12/03/1960` is not a date (YYYY or YYYY-MM-DD)"),
            "{e}"
        );
        let (_d, p) = write("citizen_id,full_name\n001,An\n");
        let e = Register::read(&p, &Columns::default()).unwrap_err().to_string();
        assert!(e.contains("field `birth_date`: column `birth_date` (required) not found"), "{e}");
        let (_d, p) = write("citizen_id,full_name,birth_date,gender\n001,An,1960,X\n");
        let e = Register::read(&p, &Columns::default()).unwrap_err().to_string();
        assert!(e.ends_with("row 2, field `gender`: `X` is not a gender (Nam or Nữ)"), "{e}");
        let (_d, p) = write("citizen_id,full_name,birth_date\n,An,1960\n");
        let e = Register::read(&p, &Columns::default()).unwrap_err().to_string();
        assert!(e.ends_with("row 2, field `citizen_id`: empty; every row needs one"), "{e}");
    }
}
