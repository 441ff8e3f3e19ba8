//! A reader of MicroStation DGN v7 (ISFF) drawings for what map sheets hold: lines, line strings, shapes,
//! complex chains and shapes, and text, with their levels and element numbers.
//!
//! GDAL reads these files too, and [`super::drawing`] falls back to it for anything this reader does not take
//! (3D files, arcs, curves and B-splines on the levels read, a file it cannot follow). But GDAL's DGN layer
//! formats every element's style string and user linkage on the way (printf and JSON for each element), most of
//! the time of reading a commune of sheets: this reader takes the elements straight from the bytes, as GDAL's
//! `dgnlib` decodes them, and gives the same numbers: element numbers as GDAL's FIDs (every element counted,
//! deleted ones skipped), coordinates through the same transformation (units of resolution times the TCB's
//! scale, less its global origin), text as written. `tests/sheets.rs` holds the two to each other on every
//! sheet of a generated commune.

use geo::Coord;

use super::faces::{DrawnLabel, DrawnLine};

/// Why this reader leaves a file to GDAL.
#[derive(Debug, Clone, PartialEq)]
pub enum NotTaken {
    /// The file ends inside an element, or an element is shorter than its kind needs.
    Truncated(usize),
    /// A 3D design file.
    ThreeD,
    /// No TCB (the design file's settings) before the first graphic element.
    NoSettings,
    /// An element kind this reader does not draw, on a level that is read (arcs, curves, B-splines).
    Kind(u8),
}

/// Element types (ISFF).
const LINE: u8 = 3;
const LINE_STRING: u8 = 4;
const SHAPE: u8 = 6;
const TCB: u8 = 9;
const CURVE: u8 = 11;
const COMPLEX_CHAIN: u8 = 12;
const COMPLEX_SHAPE: u8 = 14;
const ELLIPSE: u8 = 15;
const ARC: u8 = 16;
const TEXT: u8 = 17;
const BSPLINE: u8 = 21;

/// A 32-bit integer as DGN v7 stores it: the high 16-bit word first, each word little-endian.
fn int32(b: &[u8], at: usize) -> Option<i32> {
    let p = b.get(at..at + 4)?;
    Some(i32::from_le_bytes([p[2], p[3], p[0], p[1]]))
}

fn u16le(b: &[u8], at: usize) -> Option<u16> {
    let p = b.get(at..at + 2)?;
    Some(u16::from_le_bytes([p[0], p[1]]))
}

/// A VAX D-float (the TCB's global origin) as an IEEE double, rounded as GDAL's `DGN2IEEEDouble` rounds it.
fn vax_d(b: &[u8], at: usize) -> Option<f64> {
    let word = |k: usize| u16le(b, at + 2 * k).map(u64::from);
    let bits = (word(0)? << 48) | (word(1)? << 32) | (word(2)? << 16) | word(3)?;
    let exponent = (bits >> 55) & 0xff;
    if exponent == 0 {
        return Some(0.0);
    }
    let fraction = bits & ((1 << 55) - 1);
    let sticky = u64::from(fraction & 7 != 0);
    let ieee = (bits & (1 << 63)) | ((exponent + 1023 - 129) << 52) | ((fraction >> 3) | sticky);
    Some(f64::from_bits(ieee))
}

/// The design file's settings that place its coordinates.
struct Settings {
    scale: f64,
    origin: [f64; 2],
}

/// Reads the lines on `boundaries` levels and the texts on `labels` levels (None: all) of a DGN v7 file's bytes.
pub fn read(
    bytes: &[u8],
    boundaries: Option<&[u32]>,
    labels: Option<&[u32]>,
) -> Result<(Vec<DrawnLine>, Vec<DrawnLabel>, usize), NotTaken> {
    let on = |wanted: Option<&[u32]>, level: u32| wanted.is_none_or(|w| w.contains(&level));
    let (mut lines, mut texts) = (Vec::new(), Vec::new());
    let mut settings: Option<Settings> = None;
    let mut at = 0;
    let mut id: u64 = 0;
    // A complex chain or shape being gathered: its element number, whether it is read, and its components left.
    let mut complex: Option<(u64, bool, usize)> = None;
    let mut elements = 0;
    while at + 4 <= bytes.len() {
        if bytes[at] == 0xff && bytes[at + 1] == 0xff {
            break;
        }
        let words = usize::from(u16le(bytes, at + 2).ok_or(NotTaken::Truncated(at))?);
        let end = at + 4 + 2 * words;
        let e = bytes.get(at..end).ok_or(NotTaken::Truncated(at))?;
        let (kind, level, deleted) = (e[1] & 0x7f, u32::from(e[0] & 0x3f), e[1] & 0x80 != 0);
        let this = id;
        id += 1;
        at = end;
        if deleted {
            continue;
        }
        elements += 1;
        if kind == TCB {
            if settings.is_none() {
                if e.get(1214).is_some_and(|b| b & 0x40 != 0) {
                    return Err(NotTaken::ThreeD);
                }
                let per_master = int32(e, 1112).ok_or(NotTaken::Truncated(this as usize))?;
                let uor = int32(e, 1116).ok_or(NotTaken::Truncated(this as usize))?;
                let units = f64::from(uor) * f64::from(per_master);
                let (gx, gy) = (vax_d(e, 1240), vax_d(e, 1248));
                let (Some(gx), Some(gy)) = (gx, gy) else { return Err(NotTaken::Truncated(this as usize)) };
                let (scale, origin) =
                    if units != 0.0 { (1.0 / units, [gx / units, gy / units]) } else { (1.0, [gx, gy]) };
                settings = Some(Settings { scale, origin });
            }
            continue;
        }
        let point = |x: i32, y: i32, s: &Settings| Coord {
            x: f64::from(x) * s.scale - s.origin[0],
            y: f64::from(y) * s.scale - s.origin[1],
        };
        match kind {
            LINE | LINE_STRING | SHAPE => {
                let part_of = complex.as_mut().filter(|c| c.2 > 0);
                let read = match &part_of {
                    Some(c) => c.1,
                    None => on(boundaries, level),
                };
                if !read {
                    if let Some(c) = part_of {
                        c.2 -= 1;
                    }
                    continue;
                }
                let s = settings.as_ref().ok_or(NotTaken::NoSettings)?;
                let mut coords = Vec::new();
                if kind == LINE {
                    for k in [36, 44] {
                        let (x, y) = (int32(e, k), int32(e, k + 4));
                        let (Some(x), Some(y)) = (x, y) else { return Err(NotTaken::Truncated(this as usize)) };
                        coords.push(point(x, y, s));
                    }
                } else {
                    let n = usize::from(u16le(e, 36).ok_or(NotTaken::Truncated(this as usize))?);
                    // As GDAL: a count beyond the element's size is trimmed to what it holds.
                    let n = n.min(e.len().saturating_sub(38) / 8);
                    for k in 0..n {
                        let (x, y) = (int32(e, 38 + 8 * k), int32(e, 42 + 8 * k));
                        let (Some(x), Some(y)) = (x, y) else { return Err(NotTaken::Truncated(this as usize)) };
                        coords.push(point(x, y, s));
                    }
                }
                match part_of {
                    Some(c) => {
                        c.2 -= 1;
                        let element = c.0;
                        match lines.last_mut().filter(|l: &&mut DrawnLine| l.element == element) {
                            // Components join end to start; a shared joint is kept once.
                            Some(l) => {
                                let skip = usize::from(l.coords.last() == coords.first());
                                l.coords.extend(coords.into_iter().skip(skip));
                            }
                            None => lines.push(DrawnLine { element, coords }),
                        }
                    }
                    None => lines.push(DrawnLine { element: this, coords }),
                }
            }
            COMPLEX_CHAIN | COMPLEX_SHAPE => {
                let n = usize::from(u16le(e, 38).ok_or(NotTaken::Truncated(this as usize))?);
                complex = Some((this, on(boundaries, level), n));
            }
            TEXT => {
                if let Some(c) = complex.as_mut().filter(|c| c.2 > 0) {
                    c.2 -= 1;
                }
                if !on(labels, level) {
                    continue;
                }
                let s = settings.as_ref().ok_or(NotTaken::NoSettings)?;
                let (x, y) = (int32(e, 50), int32(e, 54));
                let (Some(x), Some(y)) = (x, y) else { return Err(NotTaken::Truncated(this as usize)) };
                let n = usize::from(*e.get(58).ok_or(NotTaken::Truncated(this as usize))?);
                let raw = e.get(60..60 + n).ok_or(NotTaken::Truncated(this as usize))?;
                let text = text_of(raw);
                if !text.trim().is_empty() {
                    texts.push(DrawnLabel { element: this, at: point(x, y, s), text });
                }
            }
            CURVE | ELLIPSE | ARC | BSPLINE if on(boundaries, level) => return Err(NotTaken::Kind(kind)),
            _ => {
                if let Some(c) = complex.as_mut().filter(|c| c.2 > 0) {
                    c.2 -= 1;
                }
            }
        }
    }
    Ok((lines, texts, elements))
}

/// A text element's characters: 16-bit ones after the `FF FD` mark, else one byte each (as written: DGN v7
/// carries no encoding; label words are ASCII).
fn text_of(raw: &[u8]) -> String {
    if raw.starts_with(&[0xff, 0xfd]) {
        let units: Vec<u16> = raw[2..].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        return String::from_utf16_lossy(&units).trim_end_matches('\0').to_string();
    }
    raw.iter().map(|&b| char::from(b)).collect::<String>().trim_end_matches('\0').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vax_doubles_and_words_decode_as_gdal_decodes_them() {
        // 1.0 in VAX D: exponent 129, fraction 0 (the hidden bit is the 0.1 before it).
        let one = [0x80, 0x40, 0, 0, 0, 0, 0, 0];
        assert_eq!(vax_d(&one, 0), Some(1.0));
        let minus_two = [0x00, 0xc1, 0, 0, 0, 0, 0, 0];
        assert_eq!(vax_d(&minus_two, 0), Some(-2.0));
        assert_eq!(vax_d(&[0u8; 8], 0), Some(0.0));
        assert_eq!(int32(&[0x01, 0x00, 0x02, 0x00], 0), Some(0x0001_0002));
        assert_eq!(int32(&[0xff, 0xff, 0xfe, 0xff], 0), Some(-2));
        assert_eq!(text_of(b"12\0"), "12");
        assert_eq!(text_of(&[0xff, 0xfd, b'O', 0, b'D', 0, b'T', 0]), "ODT");
    }

    /// A TCB of 2D, 1000 units a master unit, origin 0, followed by `rest`.
    fn with_settings(rest: &[u8]) -> Vec<u8> {
        let mut tcb = vec![0u8; 1536];
        tcb[0] = 0x08;
        tcb[1] = TCB;
        tcb[2..4].copy_from_slice(&((1536u16 - 4) / 2).to_le_bytes());
        tcb[1112..1116].copy_from_slice(&[0, 0, 0xe8, 0x03]); // 1000 sub-units a master unit
        tcb[1116..1120].copy_from_slice(&[0, 0, 1, 0]); // one unit of resolution a sub-unit
        tcb.extend_from_slice(rest);
        tcb
    }

    #[test]
    fn a_line_and_a_text_are_read_and_garbage_is_refused_without_a_panic() {
        // Level 10, a line from (1000, 2000) to (3000, 2000) units; level 13, text "12" at (1500, 2500).
        let mut line = vec![10, LINE, 24, 0];
        line.extend_from_slice(&[0u8; 32]);
        for v in [1000i32, 2000, 3000, 2000] {
            let b = v.to_le_bytes();
            line.extend_from_slice(&[b[2], b[3], b[0], b[1]]);
        }
        let mut text = vec![13, TEXT, 30, 0];
        text.extend_from_slice(&[0u8; 46]);
        for v in [1500i32, 2500] {
            let b = v.to_le_bytes();
            text.extend_from_slice(&[b[2], b[3], b[0], b[1]]);
        }
        text.extend_from_slice(&[2, 0, b'1', b'2']);
        let file = with_settings(&[line, text, vec![0xff, 0xff]].concat());
        let (lines, labels, elements) = read(&file, Some(&[10]), Some(&[13])).unwrap();
        assert_eq!(elements, 3);
        assert_eq!(lines[0].coords, vec![Coord { x: 1.0, y: 2.0 }, Coord { x: 3.0, y: 2.0 }]);
        assert_eq!((lines[0].element, labels[0].element, labels[0].text.as_str()), (1, 2, "12"));
        assert_eq!(labels[0].at, Coord { x: 1.5, y: 2.5 });
        // Filtered out by level.
        assert!(read(&file, Some(&[1]), Some(&[1])).unwrap().0.is_empty());

        // Every cut of the file, and bytes flipped all over it: an answer or a refusal, never a panic.
        for cut in 0..file.len() {
            let _ = read(&file[..cut], None, None);
        }
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let mut bad = file.clone();
            for _ in 0..8 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state % bad.len() as u64) as usize;
                bad[at] = (state >> 32) as u8;
            }
            let _ = read(&bad, None, None);
        }
        assert_eq!(read(&[0x08, TCB, 0xff, 0x7f], None, None).err(), Some(NotTaken::Truncated(0)));
    }
}
