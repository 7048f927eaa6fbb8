"""Vietnamese words for demo text: firm names, people's names, streets and hamlets, and the
phrases a posting is written in."""

from __future__ import annotations

from app.models import EducationLevel as Edu

# Auspicious words Vietnamese firms are named after; place names come from the communes.
BRANDS = (
    "Cửu Long", "Mekong", "Phú Thịnh", "Thành Đạt", "Hưng Thịnh", "An Khang", "Minh Phát",
    "Hoàng Long", "Tấn Phát", "Kim Ngân", "Thiên Phúc", "Hòa Bình", "Đại Phát", "Trường Thịnh",
    "Sông Tiền", "Sông Hậu", "Nam Việt", "Phương Nam", "Miền Tây", "Sao Mai", "Bình An",
    "Tài Lộc", "Vạn Lợi", "Toàn Thắng", "Tín Nghĩa", "Thuận Phát", "Quang Minh", "Bảo Châu",
    "Ngọc Hân", "Hải Âu", "Đông Dương", "Tân Tiến", "Việt Thắng", "Hồng Phúc", "Gia Huy",
    "Phúc Lộc", "Thanh Bình", "Mỹ Hưng", "Trí Đức", "Nhật Quang",
)  # fmt: skip

FAMILY_NAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Bùi", "Đặng",
    "Đỗ", "Ngô", "Hồ", "Dương", "Lý", "Thạch", "Lâm", "Châu",
)  # fmt: skip
MALE_NAMES = (
    "Văn Hùng", "Minh Tuấn", "Quốc Bảo", "Văn Tài", "Thanh Phong", "Hoàng Nam", "Đức Thắng",
    "Văn Lợi", "Chí Thanh", "Hữu Phước", "Tấn Lực", "Minh Khôi",
)  # fmt: skip
FEMALE_NAMES = (
    "Thị Lan", "Ngọc Hân", "Thị Thu Hà", "Thanh Thảo", "Thị Mỹ Linh", "Kim Ngân", "Thị Hồng",
    "Bảo Trâm", "Thị Diễm", "Phương Thảo", "Ngọc Trinh", "Thị Tuyết Mai",
)  # fmt: skip
CONTACT_DESKS = ("Phòng Hành chính - Nhân sự", "Bộ phận Tuyển dụng", "Ban Giám đốc")

STREETS = (
    "Phạm Thái Bường", "Nguyễn Huệ", "Trần Phú", "2 Tháng 9", "Lê Thái Tổ", "Hùng Vương",
    "Nguyễn Đình Chiểu", "Võ Văn Kiệt", "Mậu Thân", "Đồng Khởi", "Phạm Hùng", "Điện Biên Phủ",
    "Quốc lộ 1", "Quốc lộ 53", "Quốc lộ 54", "Quốc lộ 57", "Quốc lộ 60", "Đường tỉnh 902",
)  # fmt: skip
HAMLETS = (
    "Tân Thuận", "Phú Hòa", "An Thạnh", "Mỹ Phú", "Long Hòa", "Bình Thuận", "Hòa Lợi",
    "Thạnh Hưng", "Phước Yên", "Đông Bình", "Tân Lập", "Vĩnh Phúc", "Cái Sơn", "Rạch Sâu",
)  # fmt: skip

EDUCATION_PHRASE = {
    Edu.none: "Không yêu cầu bằng cấp",
    Edu.primary: "Yêu cầu biết đọc, biết viết",
    Edu.lower_secondary: "Yêu cầu tốt nghiệp trung học cơ sở",
    Edu.upper_secondary: "Yêu cầu tốt nghiệp trung học phổ thông",
    Edu.vocational_elementary: "Yêu cầu có chứng chỉ sơ cấp nghề",
    Edu.vocational_intermediate: "Yêu cầu tốt nghiệp trung cấp chuyên ngành",
    Edu.college: "Yêu cầu tốt nghiệp cao đẳng chuyên ngành",
    Edu.university: "Yêu cầu tốt nghiệp đại học chuyên ngành",
    Edu.postgraduate: "Yêu cầu có bằng thạc sĩ trở lên",
}

BENEFITS = (
    "Được đóng bảo hiểm xã hội, bảo hiểm y tế, bảo hiểm thất nghiệp theo quy định.",
    "Có xe đưa rước công nhân từ các xã lân cận.",
    "Hỗ trợ cơm trưa và phụ cấp chuyên cần hằng tháng.",
    "Thưởng tháng 13 và thưởng các ngày lễ, Tết.",
    "Làm việc từ thứ Hai đến thứ Bảy, nghỉ Chủ nhật.",
    "Có chỗ ở miễn phí cho người lao động ở xa.",
    "Môi trường làm việc thân thiện, có cơ hội thăng tiến.",
    "Được nghỉ phép năm và khám sức khỏe định kỳ.",
    "Tăng lương hằng năm theo năng lực.",
)

HOW_TO_APPLY = (
    "Ứng viên nộp hồ sơ trực tiếp tại công ty hoặc qua Trung tâm Dịch vụ việc làm tỉnh.",
    "Hồ sơ gồm đơn xin việc, sơ yếu lý lịch, bản sao căn cước và bằng cấp liên quan.",
    "Liên hệ qua điện thoại hoặc email để được hẹn lịch phỏng vấn.",
    "Ưu tiên ứng viên có thể đi làm ngay.",
)
