//! Vietnamese names, places and the text damage of old land records.
//!
//! The name lists are a compact selection made from the `names-vn` data set (boy.txt, girl.txt and
//! uit_member.json, MIT License, Copyright (c) 2016 Van-Duyet Le), re-weighted by hand to the national
//! distribution of family names (Nguyễn about 38%). They are embedded so that the generator needs nothing
//! outside the repository. Every string here is NFC.

use rand::Rng;

use crate::vntext::legacy::{self, Legacy};

/// Family names with weights (per mille), northern spellings first (Hoàng, Vũ rather than Huỳnh, Võ).
pub(crate) const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 48),
    ("Vũ", 40),
    ("Đỗ", 25),
    ("Bùi", 22),
    ("Đặng", 21),
    ("Phan", 15),
    ("Ngô", 15),
    ("Dương", 12),
    ("Đinh", 10),
    ("Trịnh", 9),
    ("Đào", 9),
    ("Trương", 8),
    ("Hồ", 7),
    ("Đoàn", 7),
    ("Hà", 7),
    ("Mai", 6),
    ("Lương", 6),
    ("Cao", 6),
    ("Phùng", 5),
    ("Lưu", 5),
    ("Tạ", 4),
    ("Chu", 4),
    ("Lý", 4),
    ("Kiều", 3),
    ("Khuất", 3),
    ("Nghiêm", 3),
    ("Tô", 3),
    ("Vương", 3),
];

/// Middle names of men (weights per mille).
pub(crate) const MIDDLE_MALE: &[(&str, u32)] = &[
    ("Văn", 380),
    ("Đức", 60),
    ("Minh", 55),
    ("Quang", 45),
    ("Hữu", 40),
    ("Xuân", 35),
    ("Đình", 35),
    ("Thanh", 30),
    ("Mạnh", 25),
    ("Tiến", 25),
    ("Công", 25),
    ("Ngọc", 25),
    ("Trọng", 25),
    ("Quốc", 25),
    ("Thế", 20),
    ("Duy", 20),
    ("Anh", 15),
    ("Hoàng", 15),
    ("Việt", 15),
    ("Bá", 15),
    ("Khắc", 15),
    ("Viết", 10),
    ("Chí", 10),
];

/// Middle names of women (weights per mille).
pub(crate) const MIDDLE_FEMALE: &[(&str, u32)] = &[
    ("Thị", 520),
    ("Thị Thu", 50),
    ("Thị Thanh", 45),
    ("Thị Ngọc", 35),
    ("Thị Kim", 30),
    ("Thị Minh", 25),
    ("Thu", 40),
    ("Thanh", 35),
    ("Ngọc", 35),
    ("Kim", 25),
    ("Hồng", 25),
    ("Minh", 25),
    ("Phương", 20),
    ("Thuỳ", 15),
    ("Bích", 15),
    ("Mai", 15),
    ("Lan", 10),
    ("Diệu", 10),
    ("Hải", 10),
    ("Quỳnh", 15),
];

/// Given names of men.
pub(crate) const GIVEN_MALE: &[&str] = &[
    "An",
    "Anh",
    "Bảo",
    "Bình",
    "Cảnh",
    "Chiến",
    "Chính",
    "Công",
    "Cường",
    "Đại",
    "Đạt",
    "Điệp",
    "Định",
    "Đông",
    "Đức",
    "Dũng",
    "Dương",
    "Duy",
    "Giang",
    "Hải",
    "Hiển",
    "Hiệp",
    "Hiếu",
    "Hòa",
    "Hoàng",
    "Học",
    "Hùng",
    "Hưng",
    "Huy",
    "Khải",
    "Khánh",
    "Khoa",
    "Kiên",
    "Lâm",
    "Lộc",
    "Long",
    "Luân",
    "Lực",
    "Mạnh",
    "Minh",
    "Nam",
    "Nghĩa",
    "Ngọc",
    "Nguyên",
    "Phát",
    "Phong",
    "Phú",
    "Phúc",
    "Quân",
    "Quang",
    "Quý",
    "Quyết",
    "Sơn",
    "Tài",
    "Tâm",
    "Tân",
    "Thái",
    "Thắng",
    "Thành",
    "Thịnh",
    "Thông",
    "Thuận",
    "Tiến",
    "Toàn",
    "Trung",
    "Trường",
    "Tú",
    "Tuấn",
    "Tùng",
    "Việt",
    "Vinh",
    "Vũ",
    "Vượng",
    "Hậu",
    "Thủy",
];

/// Given names of women.
pub(crate) const GIVEN_FEMALE: &[&str] = &[
    "An",
    "Ánh",
    "Bích",
    "Châu",
    "Chi",
    "Dung",
    "Duyên",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hòa",
    "Hồng",
    "Huệ",
    "Hương",
    "Hường",
    "Huyền",
    "Khánh",
    "Kiều",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Ly",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Ngọc",
    "Nguyệt",
    "Nhàn",
    "Nhung",
    "Oanh",
    "Phượng",
    "Phương",
    "Quyên",
    "Quỳnh",
    "Sen",
    "Tâm",
    "Thảo",
    "Thắm",
    "Thanh",
    "Thơ",
    "Thoa",
    "Thu",
    "Thư",
    "Thúy",
    "Thủy",
    "Thùy",
    "Thương",
    "Trang",
    "Trinh",
    "Tuyết",
    "Uyên",
    "Vân",
    "Xuân",
    "Yến",
    "Lệ",
    "Nhi",
    "Hoà",
    "Thuý",
    "Diệp",
    "Tuyến",
    "Luyến",
    "Mến",
    "Gấm",
    "Nụ",
    "Lụa",
    "Đào",
    "Cúc",
    "Huế",
    "Thêu",
    "Tươi",
];

/// Commune (ward) names around Hanoi.
pub(crate) const COMMUNES: &[&str] = &[
    "Phúc Sơn",
    "Đông Ngạc",
    "Xuân Đỉnh",
    "Cổ Nhuế",
    "Tây Tựu",
    "Thượng Cát",
    "Liên Mạc",
    "Đại Mỗ",
    "Tây Mỗ",
    "Mễ Trì",
    "Yên Nghĩa",
    "Kiến Hưng",
    "Phú Lương",
    "Kim Chung",
    "Hải Bối",
    "Vĩnh Ngọc",
    "Uy Nỗ",
    "Phú Diễn",
    "Minh Khai",
    "Thụy Phương",
];

/// Former districts (huyện), for the three-level addresses of old certificates.
pub(crate) const DISTRICTS: &[&str] =
    &["Từ Liêm", "Thanh Trì", "Đông Anh", "Gia Lâm", "Hoài Đức", "Thanh Oai", "Sóc Sơn", "Mê Linh", "Thường Tín"];

/// Village (thôn) names.
pub(crate) const VILLAGES: &[&str] = &[
    "Đông",
    "Đoài",
    "Thượng",
    "Hạ",
    "Trung",
    "Nam",
    "Bắc",
    "Tiền",
    "Hậu",
    "Ngọc",
    "Phú",
    "An",
    "Yên",
    "Lạc",
    "Đình",
    "Chùa",
    "Cầu",
    "Giếng",
    "Vẽ",
    "Mỹ",
    "Hòa",
    "Lộc",
    "Phúc",
    "Thọ",
    "Khê",
    "Sơn",
    "Xuân",
    "Thanh",
    "Kim",
    "Văn",
];

/// Picks from a weighted list.
pub(crate) fn weighted<'a, R: Rng>(rng: &mut R, list: &'a [(&'a str, u32)]) -> (usize, &'a str) {
    let total: u32 = list.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (i, (s, w)) in list.iter().enumerate() {
        if x < *w {
            return (i, s);
        }
        x -= w;
    }
    (list.len() - 1, list[list.len() - 1].0)
}

/// The name of a residential group: "Tổ dân phố 3" (urban) or "Thôn Đông" (rural; numbered when the list
/// runs out).
pub(crate) fn group_name(urban: bool, k: usize) -> String {
    if urban {
        format!("Tổ dân phố {}", k + 1)
    } else if k < VILLAGES.len() {
        format!("Thôn {}", VILLAGES[k])
    } else {
        format!("Thôn {} {}", VILLAGES[k % VILLAGES.len()], k / VILLAGES.len() + 1)
    }
}

/// Damage done to a name as written on a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Damage {
    None,
    Upper,
    NoDiacritics,
    Nfd,
    DoubleSpace,
    OldTone,
    /// Written in a legacy 8-bit encoding and read back as Windows-1252 (`NguyÔn V¨n An`).
    Legacy(Legacy),
}

impl Damage {
    pub(crate) fn apply(self, s: &str) -> String {
        match self {
            Damage::None => s.to_string(),
            Damage::Upper => s.to_uppercase(),
            Damage::NoDiacritics => s.chars().map(strip).collect(),
            Damage::Nfd => nfd(s),
            Damage::DoubleSpace => match s.rfind(' ') {
                Some(i) => format!("{}  {}", &s[..i], &s[i + 1..]),
                None => format!("{s} "),
            },
            Damage::OldTone => old_tone(s),
            Damage::Legacy(e) => legacy::encode(s, e).unwrap_or_else(|| s.to_string()),
        }
    }
}

/// Precomposed Vietnamese vowels: each row is the base with no tone, then grave, acute, hook above, tilde,
/// dot below. Row order matches `VOWEL_BASE` and `VOWEL_MOD`.
const VOWELS: [&str; 12] = [
    "aàáảãạ",
    "ăằắẳẵặ",
    "âầấẩẫậ",
    "eèéẻẽẹ",
    "êềếểễệ",
    "iìíỉĩị",
    "oòóỏõọ",
    "ôồốổỗộ",
    "ơờớởỡợ",
    "uùúủũụ",
    "ưừứửữự",
    "yỳýỷỹỵ",
];
const VOWEL_BASE: [char; 12] = ['a', 'a', 'a', 'e', 'e', 'i', 'o', 'o', 'o', 'u', 'u', 'y'];
/// Vowel modifiers: breve U+0306, circumflex U+0302, horn U+031B.
const VOWEL_MOD: [Option<char>; 12] = [
    None,
    Some('\u{306}'),
    Some('\u{302}'),
    None,
    Some('\u{302}'),
    None,
    None,
    Some('\u{302}'),
    Some('\u{31B}'),
    None,
    Some('\u{31B}'),
    None,
];
const TONES: [Option<char>; 6] =
    [None, Some('\u{300}'), Some('\u{301}'), Some('\u{309}'), Some('\u{303}'), Some('\u{323}')];

/// (base letter, modifier, tone) of a precomposed Vietnamese letter, lower case.
fn split_vowel(c: char) -> Option<(char, Option<char>, Option<char>)> {
    for (row, s) in VOWELS.iter().enumerate() {
        if let Some(t) = s.chars().position(|x| x == c) {
            return Some((VOWEL_BASE[row], VOWEL_MOD[row], TONES[t]));
        }
    }
    None
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

fn upper(c: char) -> char {
    c.to_uppercase().next().unwrap_or(c)
}

/// True when `c` is a letter this module knows (ASCII or a precomposed Vietnamese letter).
#[cfg(test)]
fn is_known_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == 'đ' || c == 'Đ' || split_vowel(lower(c)).is_some()
}

/// The letter without its diacritics (`đ` folded to `d` by hand: it has no decomposition).
fn strip(c: char) -> char {
    match c {
        'đ' => 'd',
        'Đ' => 'D',
        _ => match split_vowel(lower(c)) {
            Some((b, _, _)) if c != lower(c) => upper(b),
            Some((b, _, _)) => b,
            None => c,
        },
    }
}

/// Canonical combining class of the marks used here.
fn ccc(m: char) -> u8 {
    match m {
        '\u{31B}' => 216,
        '\u{323}' => 220,
        _ => 230,
    }
}

/// Unicode NFD of Vietnamese text: base letter, then the marks in canonical order (stable by combining
/// class: horn 216, dot below 220, the others 230).
pub(crate) fn nfd(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match split_vowel(lower(c)) {
            Some((b, m, t)) => {
                out.push(if c != lower(c) { upper(b) } else { b });
                let mut marks: Vec<char> = m.into_iter().chain(t).collect();
                marks.sort_by_key(|&x| ccc(x));
                out.extend(marks);
            }
            None => out.push(c),
        }
    }
    out
}

/// Old tone placement: "hòa" -> "hoà", "thủy" -> "thuỷ" (the tone on the second vowel of oa, oe, uy).
fn old_tone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = chars.clone();
    for i in 0..chars.len().saturating_sub(1) {
        let (c, next) = (chars[i], chars[i + 1]);
        let Some((b, None, Some(t))) = split_vowel(lower(c)) else { continue };
        let pair_ok = matches!((b, lower(next)), ('o', 'a') | ('o', 'e') | ('u', 'y'));
        // Only at the end of the syllable: "hòa" but not "hoàng".
        let ends = !matches!(chars.get(i + 2), Some(c) if c.is_alphabetic());
        if !pair_ok || !ends {
            continue;
        }
        let Some(ti) = TONES.iter().position(|x| *x == Some(t)) else { continue };
        let row = VOWEL_BASE.iter().zip(VOWEL_MOD.iter()).position(|(vb, vm)| *vb == lower(next) && vm.is_none());
        let Some(row) = row else { continue };
        let toned = VOWELS[row].chars().nth(ti).unwrap_or(next);
        out[i] = if c != lower(c) { upper(b) } else { b };
        out[i + 1] = if next != lower(next) { upper(toned) } else { toned };
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_hold_only_known_letters() {
        let all = FAMILY
            .iter()
            .chain(MIDDLE_MALE)
            .chain(MIDDLE_FEMALE)
            .map(|(s, _)| *s)
            .chain(GIVEN_MALE.iter().copied())
            .chain(GIVEN_FEMALE.iter().copied())
            .chain(COMMUNES.iter().copied())
            .chain(DISTRICTS.iter().copied())
            .chain(VILLAGES.iter().copied());
        for s in all {
            assert!(s.chars().all(|c| c == ' ' || is_known_letter(c)), "{s:?}");
        }
        assert!(GIVEN_MALE.len() + GIVEN_FEMALE.len() >= 150);
        assert!(MIDDLE_MALE.len() + MIDDLE_FEMALE.len() >= 40);
        assert!(FAMILY.len() >= 30);
    }

    #[test]
    fn damage() {
        assert_eq!(nfd("Nguyễn Thị Ặng"), "Nguye\u{302}\u{303}n Thi\u{323} A\u{323}\u{306}ng");
        assert_eq!(nfd("Lợi Ự"), "Lo\u{31B}\u{323}i U\u{31B}\u{323}");
        assert_eq!(Damage::NoDiacritics.apply("Đặng Thị Ngọc Ánh"), "Dang Thi Ngoc Anh");
        assert_eq!(Damage::Upper.apply("Đặng Văn Hòa"), "ĐẶNG VĂN HÒA");
        assert_eq!(Damage::DoubleSpace.apply("Lê Văn An"), "Lê Văn  An");
        assert_eq!(Damage::OldTone.apply("Lê Thị Hòa Thủy"), "Lê Thị Hoà Thuỷ");
        assert_eq!(Damage::OldTone.apply("Hoàng Văn Hòa"), "Hoàng Văn Hoà");
        assert_eq!(Damage::Legacy(Legacy::Tcvn3).apply("Nguyễn Văn An"), "NguyÔn V¨n An");
        assert_eq!(crate::vntext::repair(&Damage::Legacy(Legacy::Vni).apply("Trần Văn Hòa")), "Trần Văn Hòa");
        assert_eq!(group_name(true, 2), "Tổ dân phố 3");
        assert_eq!(group_name(false, 0), "Thôn Đông");
        assert_eq!(group_name(false, 31), "Thôn Đoài 2");
    }
}
