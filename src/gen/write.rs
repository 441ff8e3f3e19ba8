//! Hand-rolled writers: a million parcels must be written in a few seconds, so features and rows are
//! formatted into byte buffers in parallel chunks (the output does not depend on the chunking) and written in
//! order.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;

use super::certs::{address, cert_id, holder_id_text, Cert, Date, Person, SERIAL_PAIRS};
use super::layout::{ring_area, Geom, Layout, Pt, LAND_USES};
use super::names::Damage;
use super::truth::Truth;
use crate::error::{Error, Result};

const CHUNK: usize = 4096;

pub(super) fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Millimetres as metres with three decimals.
fn push_mm(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    let a = v.unsigned_abs();
    push_u64(buf, a / 1000);
    let f = a % 1000;
    buf.extend_from_slice(&[b'.', b'0' + (f / 100) as u8, b'0' + (f / 10 % 10) as u8, b'0' + (f % 10) as u8]);
}

/// Tenths as a number with one decimal.
pub(super) fn push_tenths(buf: &mut Vec<u8>, t: u64) {
    push_u64(buf, t / 10);
    buf.extend_from_slice(&[b'.', b'0' + (t % 10) as u8]);
}

fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    for c in s.chars() {
        match c {
            '"' => buf.extend_from_slice(b"\\\""),
            '\\' => buf.extend_from_slice(b"\\\\"),
            c if (c as u32) < 0x20 => buf.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => {
                let mut b = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    buf.push(b'"');
}

fn push_csv(buf: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        buf.push(b'"');
        buf.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

pub(super) fn push_ring(buf: &mut Vec<u8>, ring: &[Pt], close: bool) {
    buf.push(b'[');
    let closing = if close { Some(&ring[0]) } else { None };
    for (k, p) in ring.iter().chain(closing).enumerate() {
        if k > 0 {
            buf.push(b',');
        }
        buf.push(b'[');
        push_mm(buf, p[0]);
        buf.push(b',');
        push_mm(buf, p[1]);
        buf.push(b']');
    }
    buf.push(b']');
}

/// Writes `n` items formatted by `item` (which appends one item's bytes), `sep` between them.
pub(super) fn write_items<F>(path: &Path, head: &[u8], n: usize, sep: &[u8], tail: &[u8], item: F) -> Result<()>
where
    F: Fn(&mut Vec<u8>, usize) + Sync,
{
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let io = |e| Error::io(path, e);
    w.write_all(head).map_err(io)?;
    let batch = CHUNK * 64;
    for b0 in (0..n).step_by(batch) {
        let b1 = (b0 + batch).min(n);
        let parts: Vec<Vec<u8>> = (b0..b1)
            .step_by(CHUNK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|c0| {
                let c1 = (c0 + CHUNK).min(b1);
                let mut buf = Vec::with_capacity((c1 - c0) * 256);
                for i in c0..c1 {
                    if i > 0 {
                        buf.extend_from_slice(sep);
                    }
                    item(&mut buf, i);
                }
                buf
            })
            .collect();
        for p in parts {
            w.write_all(&p).map_err(io)?;
        }
    }
    w.write_all(tail).map_err(io)?;
    w.flush().map_err(io)
}

pub(crate) fn write_text(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

/// `dataset.toml`: the tolerances and rules the truth was computed with, and the parcels' columns. `sheets`: the
/// commune code of a commune written as map sheets ([`super::sheets`]): the code, the sheet number from the file
/// name and the levels of the drawing, and only the columns of the GeoJSON twin (no sheet, commune, group or code).
pub(crate) fn dataset_toml(path: &Path, name: &str, lon_0: f64, sheets: Option<&str>) -> Result<()> {
    let (what, commune, columns) = match sheets {
        None => (
            "`thuadat gen`; truth.json says what a correct check must report",
            String::new(),
            "sheet = \"SoHieuToBanDo\"\nparcel_no = \"SoThuTuThua\"\ncommune = \"MaXa\"\nland_use = \"KyHieuMucDichSuDung\"\n\
             area = \"DienTich\"\ngroup = \"ToDanPho\"\nparcel_code = \"MaDinhDanh\"\n"
                .to_string(),
        ),
        Some(code) => (
            "`thuadat gen --map-sheets`: its map as one file per sheet in parcels/",
            format!("commune = \"{code}\"\n"),
            format!(
                "parcel_no = \"SoThuTuThua\"\nland_use = \"KyHieuMucDichSuDung\"\narea = \"DienTich\"\n\n[map_sheets]\n\
                 file_pattern = \"To_(\\\\d+)\"\nboundary_levels = [{}]\nlabel_levels = [{}]\n",
                super::sheets::BOUNDARY_LEVEL,
                super::sheets::LABEL_LEVEL
            ),
        ),
    };
    let text = format!(
        r#"# Synthetic commune written by {what}.
name = "{name}"
crs = "VN2000:{lon_0:?}"
{commune}
[tolerances]
overlap_min_area_m2 = 0.5
area_mismatch_ratio = 0.05
split_area_ratio = 0.05

[rules]
no_certificate_land_use = ["DGT", "DTL", "SON", "MNC"]

[columns.parcels]
{columns}"#
    );
    write_text(path, &text)
}

pub(crate) fn parcels(path: &Path, lay: &Layout, order: &[u32], commune: &str, codes: &[Option<String>]) -> Result<()> {
    write_items(path, b"{\"type\":\"FeatureCollection\",\"features\":[\n", order.len(), b",\n", b"\n]}\n", |buf, k| {
        let i = order[k] as usize;
        let p = &lay.parcels[i];
        buf.extend_from_slice(b"{\"type\":\"Feature\",\"properties\":{\"SoHieuToBanDo\":");
        push_u64(buf, u64::from(p.sheet));
        buf.extend_from_slice(b",\"SoThuTuThua\":");
        push_u64(buf, u64::from(p.number));
        buf.extend_from_slice(b",\"MaXa\":");
        push_json_str(buf, commune);
        buf.extend_from_slice(b",\"KyHieuMucDichSuDung\":\"");
        buf.extend_from_slice(LAND_USES[p.land_use as usize].as_bytes());
        buf.extend_from_slice(b"\",\"DienTich\":");
        push_tenths(buf, (p.area * 10.0).round() as u64);
        buf.extend_from_slice(b",\"ToDanPho\":");
        push_json_str(buf, &lay.groups[p.group as usize].name);
        buf.extend_from_slice(b",\"MaDinhDanh\":");
        match &codes[i] {
            Some(code) => push_json_str(buf, code),
            None => buf.extend_from_slice(b"null"),
        }
        buf.extend_from_slice(b"},\"geometry\":");
        if p.geom == Geom::Null {
            buf.extend_from_slice(b"null}");
            return;
        }
        buf.extend_from_slice(b"{\"type\":\"Polygon\",\"coordinates\":[");
        push_ring(buf, lay.ring(i), p.geom != Geom::Unclosed);
        buf.extend_from_slice(b"]}}");
    })
}

pub(crate) fn groups(path: &Path, lay: &Layout) -> Result<()> {
    write_items(
        path,
        b"{\"type\":\"FeatureCollection\",\"features\":[\n",
        lay.groups.len(),
        b",\n",
        b"\n]}\n",
        |buf, k| {
            let g = &lay.groups[k];
            buf.extend_from_slice(b"{\"type\":\"Feature\",\"properties\":{\"group\":");
            push_json_str(buf, &g.name);
            buf.extend_from_slice(b"},\"geometry\":");
            let outers: Vec<&Vec<Pt>> = g.rings.iter().filter(|r| ring_area(r) > 0.0).collect();
            if outers.len() == 1 {
                buf.extend_from_slice(b"{\"type\":\"Polygon\",\"coordinates\":[");
                for (j, r) in g.rings.iter().enumerate() {
                    if j > 0 {
                        buf.push(b',');
                    }
                    push_ring(buf, r, true);
                }
            } else {
                buf.extend_from_slice(b"{\"type\":\"MultiPolygon\",\"coordinates\":[");
                for (j, r) in outers.iter().enumerate() {
                    if j > 0 {
                        buf.push(b',');
                    }
                    buf.push(b'[');
                    push_ring(buf, r, true);
                    buf.push(b']');
                }
            }
            buf.extend_from_slice(b"]}}");
        },
    )
}

pub(crate) struct Place<'a> {
    pub commune_code: &'a str,
    pub commune_name: &'a str,
    pub district: &'a str,
}

pub(crate) fn certificates(path: &Path, lay: &Layout, certs: &[Cert], persons: &[Person], place: &Place) -> Result<()> {
    let head =
        b"cert_id,serial,commune,sheet,parcel_no,area,land_use,issued,holder_name,holder_id,holder_birth,address\n";
    let width = cert_id(0, certs.len()).len() - 2;
    write_items(path, head, certs.len(), b"", b"", |buf, k| {
        let c = &certs[k];
        let old = c.issued.y < 2005;
        for h in &c.holders {
            let person = &persons[h.person as usize];
            buf.extend_from_slice(b"CH");
            push_padded(buf, k as u64 + 1, width);
            buf.push(b',');
            buf.extend_from_slice(SERIAL_PAIRS[c.serial.0 as usize].as_bytes());
            buf.push(b' ');
            push_padded(buf, u64::from(c.serial.1), 8);
            buf.push(b',');
            push_csv(buf, place.commune_code);
            buf.push(b',');
            push_u64(buf, u64::from(c.sheet));
            buf.push(b',');
            push_csv(buf, &c.parcel_no);
            buf.push(b',');
            push_tenths(buf, c.area10);
            buf.push(b',');
            buf.extend_from_slice(c.land_use.as_bytes());
            buf.push(b',');
            push_date(buf, c.issued, c.issued_full);
            buf.push(b',');
            if h.damage == Damage::None {
                push_name(buf, person);
            } else {
                let mut name = Vec::new();
                push_name(&mut name, person);
                push_csv(buf, &h.damage.apply(std::str::from_utf8(&name).expect("UTF-8")));
            }
            buf.push(b',');
            buf.extend_from_slice(holder_id_text(h, persons).as_bytes());
            buf.push(b',');
            push_date(buf, person.birth, h.birth_full);
            buf.push(b',');
            push_address(buf, lay, person, place, old);
            buf.push(b'\n');
        }
    })
}

pub(crate) fn citizens(path: &Path, lay: &Layout, persons: &[Person], place: &Place) -> Result<()> {
    write_items(path, b"citizen_id,full_name,birth_date,gender,address\n", persons.len(), b"", b"", |buf, k| {
        let p = &persons[k];
        if p.missing {
            return;
        }
        push_padded(buf, p.cccd, 12);
        buf.push(b',');
        push_name(buf, p);
        buf.push(b',');
        push_date(buf, p.birth, true);
        buf.push(b',');
        buf.extend_from_slice(if p.female { "Nữ".as_bytes() } else { b"Nam" });
        buf.push(b',');
        // Where the register has the person now.
        let now = p.moved.map(|(group, house)| Person { group, house, ..*p });
        push_address(buf, lay, now.as_ref().unwrap_or(p), place, false);
        buf.push(b'\n');
    })
}

fn push_padded(buf: &mut Vec<u8>, v: u64, width: usize) {
    let mut tmp = Vec::with_capacity(20);
    push_u64(&mut tmp, v);
    buf.extend(std::iter::repeat_n(b'0', width.saturating_sub(tmp.len())));
    buf.extend_from_slice(&tmp);
}

fn push_date(buf: &mut Vec<u8>, d: Date, full: bool) {
    push_padded(buf, u64::from(d.y), 4);
    if full {
        buf.push(b'-');
        push_padded(buf, u64::from(d.m), 2);
        buf.push(b'-');
        push_padded(buf, u64::from(d.d), 2);
    }
}

/// Names hold no comma or quote: written as they are.
fn push_name(buf: &mut Vec<u8>, p: &Person) {
    let (family, middle, given) = p.name_parts();
    for (k, part) in [family, middle, given].into_iter().enumerate() {
        if k > 0 {
            buf.push(b' ');
        }
        buf.extend_from_slice(part.as_bytes());
    }
}

/// Addresses always hold commas and never quotes: quoted as they are.
fn push_address(buf: &mut Vec<u8>, lay: &Layout, p: &Person, place: &Place, old: bool) {
    buf.push(b'"');
    buf.extend_from_slice(address(lay, p, place.commune_name, place.district, old).as_bytes());
    buf.push(b'"');
}

pub(crate) fn truth(path: &Path, truth: &Truth) -> Result<()> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let io = |e| Error::io(path, e);
    let list = |buf: &mut Vec<u8>, items: &[String]| {
        buf.push(b'[');
        for (j, s) in items.iter().enumerate() {
            if j > 0 {
                buf.extend_from_slice(b", ");
            }
            push_json_str(buf, s);
        }
        buf.push(b']');
    };
    buf.extend_from_slice(b"{\"conflicts\": [");
    for (k, c) in truth.conflicts.iter().enumerate() {
        buf.extend_from_slice(if k > 0 { b",\n  " } else { b"\n  " });
        buf.extend_from_slice(b"{\"kind\": ");
        push_json_str(&mut buf, c.kind);
        buf.extend_from_slice(b", \"parcel_ids\": ");
        list(&mut buf, &c.parcel_ids);
        buf.extend_from_slice(b", \"cert_ids\": ");
        list(&mut buf, &c.cert_ids);
        buf.extend_from_slice(b", \"expected_candidate\": ");
        match &c.expected {
            Some(e) => {
                push_json_str(&mut buf, e);
                if c.within > 1 {
                    buf.extend_from_slice(format!(", \"expected_within\": {}", c.within).as_bytes());
                }
            }
            None => buf.extend_from_slice(b"null"),
        }
        buf.push(b'}');
        if buf.len() > 1 << 15 {
            w.write_all(&buf).map_err(io)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n],\n\"holders\": [");
    for (k, h) in truth.holders.iter().enumerate() {
        buf.extend_from_slice(if k > 0 { b",\n  " } else { b"\n  " });
        buf.extend_from_slice(b"{\"cert_id\": ");
        push_json_str(&mut buf, &h.cert_id);
        buf.extend_from_slice(b", \"status\": ");
        push_json_str(&mut buf, h.status);
        buf.extend_from_slice(b", \"citizen_id\": ");
        match &h.citizen_id {
            Some(c) => push_json_str(&mut buf, c),
            None => buf.extend_from_slice(b"null"),
        }
        if let Some(c) = &h.candidate_id {
            buf.extend_from_slice(b", \"candidate_id\": ");
            push_json_str(&mut buf, c);
        }
        buf.push(b'}');
        if buf.len() > 1 << 15 {
            w.write_all(&buf).map_err(io)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n],\n\"parcels\": [");
    for (k, p) in truth.parcels.iter().enumerate() {
        buf.extend_from_slice(if k > 0 { b",\n  " } else { b"\n  " });
        buf.extend_from_slice(b"{\"parcel_id\": ");
        push_json_str(&mut buf, &p.id);
        buf.extend_from_slice(b", \"status\": ");
        push_u64(&mut buf, u64::from(p.status));
        buf.extend_from_slice(b", \"reasons\": ");
        push_json_str(&mut buf, &p.reasons);
        buf.push(b'}');
        if buf.len() > 1 << 15 {
            w.write_all(&buf).map_err(io)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"\n]}\n");
    w.write_all(&buf).map_err(io)?;
    w.flush().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut b = Vec::new();
        push_mm(&mut b, 2_320_123_045);
        b.push(b' ');
        push_mm(&mut b, 7);
        b.push(b' ');
        push_tenths(&mut b, 523);
        b.push(b' ');
        push_tenths(&mut b, 5);
        b.push(b' ');
        push_csv(&mut b, "Số 1, Tổ 2");
        assert_eq!(String::from_utf8(b).unwrap(), "2320123.045 0.007 52.3 0.5 \"Số 1, Tổ 2\"");
    }
}
