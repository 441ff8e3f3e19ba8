//! Raw polygons to hex EWKB (for `COPY ... FROM STDIN` into a PostGIS `geometry` column) and WKB back
//! (from `ST_AsBinary`), coordinates bit for bit.
//!
//! geozero encodes `geo` types; parcels are kept *as read* (rings not yet closed or oriented), which `geo`'s
//! `Polygon::new` would change, so the few lines of the format are written here, and tested.

use crate::dataset::parcels::{RawPolygon, RawRing};

const POINT: u32 = 1;
const MULTIPOLYGON: u32 = 6;
const POLYGON: u32 = 3;
const SRID_FLAG: u32 = 0x2000_0000;

/// True when PostGIS can hold the polygons as a geometry: at least one polygon, each with an exterior ring,
/// every ring closed, of at least four points, with finite coordinates.
pub fn holdable(polys: &[RawPolygon]) -> bool {
    !polys.is_empty()
        && polys.iter().all(|rings| {
            !rings.is_empty()
                && rings.iter().all(|r| {
                    r.len() >= 4 && r.first() == r.last() && r.iter().all(|c| c.x.is_finite() && c.y.is_finite())
                })
        })
}

/// Appends the EWKB (little endian, with SRID) of a multipolygon made of `polys`.
pub fn push_ewkb(bin: &mut Vec<u8>, polys: &[RawPolygon], srid: i32) {
    bin.reserve(13 + polys.iter().flatten().map(|r| 4 + 16 * r.len()).sum::<usize>());
    bin.push(1);
    bin.extend_from_slice(&(MULTIPOLYGON | SRID_FLAG).to_le_bytes());
    bin.extend_from_slice(&srid.to_le_bytes());
    bin.extend_from_slice(&(polys.len() as u32).to_le_bytes());
    for rings in polys {
        bin.push(1);
        bin.extend_from_slice(&POLYGON.to_le_bytes());
        polygon_body(bin, rings);
    }
}

/// Appends the hex EWKB of a multipolygon made of `polys`.
pub fn push_hex_ewkb(out: &mut Vec<u8>, polys: &[RawPolygon], srid: i32) {
    let mut bin = Vec::new();
    push_ewkb(&mut bin, polys, srid);
    push_hex(out, &bin);
}

/// Appends the hex EWKB of one polygon (`rings`, exterior first).
pub fn push_hex_ewkb_polygon(out: &mut Vec<u8>, rings: &[RawRing], srid: i32) {
    let mut bin = Vec::with_capacity(13 + rings.iter().map(|r| 4 + 16 * r.len()).sum::<usize>());
    bin.push(1);
    bin.extend_from_slice(&(POLYGON | SRID_FLAG).to_le_bytes());
    bin.extend_from_slice(&srid.to_le_bytes());
    polygon_body(&mut bin, rings);
    push_hex(out, &bin);
}

/// Appends the hex EWKB of a point.
pub fn push_hex_ewkb_point(out: &mut Vec<u8>, x: f64, y: f64, srid: i32) {
    let mut bin = Vec::with_capacity(25);
    bin.push(1);
    bin.extend_from_slice(&(POINT | SRID_FLAG).to_le_bytes());
    bin.extend_from_slice(&srid.to_le_bytes());
    bin.extend_from_slice(&x.to_le_bytes());
    bin.extend_from_slice(&y.to_le_bytes());
    push_hex(out, &bin);
}

fn polygon_body(bin: &mut Vec<u8>, rings: &[RawRing]) {
    bin.extend_from_slice(&(rings.len() as u32).to_le_bytes());
    for ring in rings {
        bin.extend_from_slice(&(ring.len() as u32).to_le_bytes());
        for c in ring {
            bin.extend_from_slice(&c.x.to_le_bytes());
            bin.extend_from_slice(&c.y.to_le_bytes());
        }
    }
}

fn push_hex(out: &mut Vec<u8>, bin: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(bin.len() * 2);
    for &b in bin {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

/// Reads WKB or EWKB of a polygon or multipolygon back into raw polygons.
pub fn read_wkb(bytes: &[u8]) -> Result<Vec<RawPolygon>, String> {
    let mut r = Reader { bytes, at: 0, little: true };
    let kind = r.header()?;
    match kind {
        MULTIPOLYGON => {
            let n = r.u32()?;
            let mut polys = Vec::with_capacity(n.min(1 << 16) as usize);
            for _ in 0..n {
                if r.header()? != POLYGON {
                    return Err("a multipolygon member is not a polygon".into());
                }
                polys.push(r.polygon()?);
            }
            Ok(polys)
        }
        POLYGON => Ok(vec![r.polygon()?]),
        other => Err(format!("WKB geometry type {other} is not a polygon")),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    little: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let end = self.at + N;
        let s = self.bytes.get(self.at..end).ok_or("WKB ends early")?;
        self.at = end;
        let mut a = [0; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take::<4>()?;
        Ok(if self.little { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }
    fn f64(&mut self) -> Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if self.little { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) })
    }
    /// Byte order and type; skips an EWKB SRID.
    fn header(&mut self) -> Result<u32, String> {
        self.little = self.take::<1>()?[0] == 1;
        let t = self.u32()?;
        if t & SRID_FLAG != 0 {
            self.u32()?;
        }
        if t & 0xC000_0000 != 0 {
            return Err("WKB with Z or M coordinates".into());
        }
        Ok(t & 0xFFFF)
    }
    fn polygon(&mut self) -> Result<RawPolygon, String> {
        let n = self.u32()?;
        let mut rings = Vec::with_capacity(n.min(1 << 16) as usize);
        for _ in 0..n {
            let m = self.u32()?;
            let mut ring: RawRing = Vec::with_capacity(m.min(1 << 20) as usize);
            for _ in 0..m {
                let x = self.f64()?;
                let y = self.f64()?;
                ring.push(geo::Coord { x, y });
            }
            rings.push(ring);
        }
        Ok(rings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Coord;

    fn ring(points: &[(f64, f64)]) -> RawRing {
        points.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    fn unhex(s: &[u8]) -> Vec<u8> {
        s.chunks(2).map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap()).collect()
    }

    #[test]
    fn square_has_the_postgis_encoding() {
        // SELECT ST_AsEWKB('SRID=4326;MULTIPOLYGON(((0 0,1 0,1 1,0 0)))'::geometry) in PostGIS 3.
        let polys = vec![vec![ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)])]];
        let mut out = Vec::new();
        push_hex_ewkb(&mut out, &polys, 4326);
        let expected = "0106000020E6100000010000000103000000010000000400000000000000000000000000000000000000\
                        000000000000F03F0000000000000000000000000000F03F000000000000F03F00000000000000000000000000000000";
        assert_eq!(String::from_utf8(out.clone()).unwrap(), expected);
        assert_eq!(read_wkb(&unhex(&out)).unwrap(), polys);
    }

    #[test]
    fn a_polygon_and_a_point_have_the_postgis_encoding() {
        // ST_AsEWKB('SRID=4326;POLYGON((0 0,1 0,1 1,0 0))'), ST_AsEWKB('SRID=4326;POINT(1 2)') in PostGIS 3.
        let mut out = Vec::new();
        push_hex_ewkb_polygon(&mut out, &[ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)])], 4326);
        let expected = "0103000020E6100000010000000400000000000000000000000000000000000000\
                        000000000000F03F0000000000000000000000000000F03F000000000000F03F00000000000000000000000000000000";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        let mut out = Vec::new();
        push_hex_ewkb_point(&mut out, 1.0, 2.0, 4326);
        assert_eq!(String::from_utf8(out).unwrap(), "0101000020E6100000000000000000F03F0000000000000040");
    }

    #[test]
    fn coordinates_round_trip_bit_for_bit() {
        let polys = vec![
            vec![
                ring(&[
                    (585000.123456789, 2326000.1),
                    (585010.0, 2326000.1),
                    (585010.0, 2326010.7),
                    (585000.123456789, 2326000.1),
                ]),
                ring(&[(585001.0, 2326001.0), (585002.0, 2326002.0), (585001.0, 2326002.0), (585001.0, 2326001.0)]),
            ],
            vec![ring(&[(1e-300, -0.0), (f64::MAX, 3.0), (2.0, 5.0), (1e-300, -0.0)])],
        ];
        let mut out = Vec::new();
        push_hex_ewkb(&mut out, &polys, 900001);
        let back = read_wkb(&unhex(&out)).unwrap();
        assert_eq!(back, polys);
        assert!(back[1][0][0].y.is_sign_negative());
    }

    #[test]
    fn what_postgis_cannot_hold() {
        let closed = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        assert!(holdable(&[vec![closed.clone()]]));
        assert!(!holdable(&[]));
        assert!(!holdable(&[vec![]]));
        assert!(!holdable(&[vec![ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])]]), "unclosed");
        assert!(!holdable(&[vec![ring(&[(0.0, 0.0), (1.0, 0.0), (0.0, 0.0)])]]), "three points");
        assert!(!holdable(&[vec![closed, ring(&[(f64::NAN, 0.0), (1.0, 0.0), (1.0, 1.0), (f64::NAN, 0.0)])]]));
    }

    #[test]
    fn big_endian_polygon_and_bad_wkb() {
        // A big-endian WKB polygon with one ring of four points.
        let mut b = vec![0u8];
        b.extend_from_slice(&3u32.to_be_bytes());
        b.extend_from_slice(&1u32.to_be_bytes());
        b.extend_from_slice(&4u32.to_be_bytes());
        for (x, y) in [(0.0f64, 0.0f64), (2.0, 0.0), (2.0, 2.0), (0.0, 0.0)] {
            b.extend_from_slice(&x.to_be_bytes());
            b.extend_from_slice(&y.to_be_bytes());
        }
        assert_eq!(read_wkb(&b).unwrap(), vec![vec![ring(&[(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 0.0)])]]);
        assert_eq!(read_wkb(&b[..20]).unwrap_err(), "WKB ends early");
        let mut point = vec![1u8];
        point.extend_from_slice(&1u32.to_le_bytes());
        assert_eq!(read_wkb(&point).unwrap_err(), "WKB geometry type 1 is not a polygon");
    }
}
