//! The syllables most frequent in Vietnamese personal names and addresses: a prior for [`super::legacy`]'s
//! detection when two readings of a word are both Vietnamese (`Höng` is `Hưng` in VNI and `Hửng` in TCVN3,
//! `Vãn` is itself a word and `Văn` in CP1258).
//!
//! A hand-made list (surnames, middle names, frequent given names, administrative and place-name words),
//! not drawn from any data set, in the canonical tone placement of `syllable`, lower case.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

const COMMON: &str = "
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh đoàn lâm mai trịnh trương cao
lương lưu tô tạ hà châu thái quách kiều từ la vương triệu hứa tăng khúc mạc lò thân diệp giang tôn văn đàm
nghiêm phùng nông âu doãn lã chu quan cù mẫn ông kha lục thạch đồng
văn thị hữu đức công quang minh ngọc thanh xuân kim bảo gia duy trọng tiến quốc thế đình anh hoài như thu mỹ
phương diệu khánh hồng tuấn bá khắc đăng viết đại
an ánh bình bích cường chi chinh chiến cúc dũng dung duyên đạt đông điệp định giang hải hạnh hằng hân hậu
hiền hiếu hiển hiệp hoa hòa hoàn hồng huệ hùng hưng hương hường huy huyền khang khải khanh khoa khôi kiên kiệt
lan liên linh loan lộc long luân lực ly mạnh my nam nga ngân nghĩa nguyên nhàn nhân nhi nhung oanh phát phong
phú phúc phụng phượng quân quế quý quyên quyền quỳnh sang sáng sơn sương tài tâm tân thắm thắng thành thảo
thịnh thoa thông thuận thục thúy thủy thư thương tiên tín toàn trang trâm trí trinh trung trúc tú tùng tuyết
tuyền tường uyên vân vi việt vinh vy yến ý hạ lệ liễu nhật tình tịnh thiện thiên toản triều trường mộng
tuệ thơ thảo diễm kỳ lộ mơ nhạn nhã nhiên phi thắm thùy thy trà tuyền vỹ đào đạo giáp hào hiến hòe hợp khiêm
lợi lượng nghị nhân phong quyết sĩ sinh sỹ tấn thắng thiệu thọ tiệp toại trực tuân tư tứ vĩnh vượng xuyến
thôn xã huyện tỉnh phường quận thị trấn xóm ấp tổ dân phố số đường khu bản làng đội
đông tây bắc thượng nội chí đà nẵng phòng cần thơ sài gòn huế quảng ngãi nghệ tĩnh hóa thuận yên
đồng nai tàu bến tre vĩnh cà mau sóc trăng bạc liêu tiền tháp lai tum lạng bằng lào
cai bái điện biên ninh nham tho rạch giá cầu giấy đống ba đình kiếm hiệp mới cũ thủ đức gò vấp
";

static SET: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| COMMON.split_whitespace().collect());

/// Whether a syllable (lower case, canonical tone placement) is frequent in names and addresses.
pub fn is_common(syllable: &str) -> bool {
    SET.contains(syllable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_canonical_vietnamese() {
        for w in COMMON.split_whitespace() {
            assert!(crate::vntext::syllable::fit(w) == Some(crate::vntext::syllable::Fit::Canonical), "{w}");
            assert_eq!(crate::vntext::normalize(w), w);
        }
        assert!(is_common("văn") && is_common("hưng") && !is_common("vãn") && !is_common("hửng"));
    }
}
