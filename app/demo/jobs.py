"""Jobs as Vietnamese employers post them (title, ISCO-08 and pay), and the lines of business
that hire them; `trades` holds the table of trades itself."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import EducationLevel as Edu


@dataclass(frozen=True)
class Job:
    """A job title as employers post it, with its ISCO-08 sub-major groups (2 digits)."""

    title: str
    occupations: tuple[str, ...]
    # Typical full-time pay in million VND per month (low, high).
    pay: tuple[float, float]
    education: tuple[Edu, ...]
    duties: tuple[str, ...]


@dataclass(frozen=True)
class Trade:
    """A line of business: how its firms are named, its VSIC divisions (2018 codes; see
    generator.VSIC_2025_INSTEAD), whom it hires."""

    prefixes: tuple[str, ...]  # legal form + trade word, followed by a brand or a place name
    industries: tuple[str, ...]
    jobs: tuple[Job, ...]
    weight: int  # relative share of employers


LABOUR = (Edu.none, Edu.primary, Edu.lower_secondary)
SCHOOL = (Edu.lower_secondary, Edu.upper_secondary)
TRADE_SCHOOL = (Edu.upper_secondary, Edu.vocational_elementary, Edu.vocational_intermediate)
COLLEGE = (Edu.vocational_intermediate, Edu.college)
DEGREE = (Edu.college, Edu.university)
UNIVERSITY = (Edu.university,)

# Hired by firms of every trade.
GENERIC_JOBS = (
    Job("Kế toán tổng hợp", ("24", "33"), (9, 15), DEGREE, (
        "Lập báo cáo thuế, báo cáo tài chính hằng tháng, quý và năm.",
        "Theo dõi công nợ, đối chiếu chứng từ thu chi với ngân hàng.",
    )),
    Job("Nhân viên hành chính nhân sự", ("33", "41"), (7, 11), DEGREE, (
        "Quản lý hồ sơ nhân sự, chấm công và tính lương.",
        "Theo dõi hợp đồng lao động, bảo hiểm xã hội cho người lao động.",
    )),
    Job("Nhân viên kho", ("43",), (6, 9), TRADE_SCHOOL, (
        "Kiểm đếm, sắp xếp hàng hóa nhập xuất kho.",
        "Cập nhật số liệu tồn kho trên phần mềm và báo cáo định kỳ.",
    )),
    Job("Nhân viên bảo vệ", ("54",), (5.5, 8), SCHOOL, (
        "Tuần tra, giữ gìn an ninh trật tự khu vực được giao.",
        "Kiểm soát người và phương tiện ra vào cổng.",
    )),
    Job("Tài xế xe tải", ("83",), (9, 14), SCHOOL, (
        "Vận chuyển hàng hóa đến khách hàng trong và ngoài tỉnh.",
        "Kiểm tra, bảo dưỡng xe định kỳ; có giấy phép lái xe hạng C.",
    )),
    Job("Lao động phổ thông", ("93",), (5, 7), LABOUR, (
        "Bốc xếp, đóng gói và vận chuyển hàng hóa trong xưởng.",
        "Làm theo sự phân công của tổ trưởng, được hướng dẫn công việc từ đầu.",
    )),
    Job("Nhân viên kinh doanh", ("33", "52"), (7, 15), DEGREE, (
        "Tìm kiếm khách hàng mới, giới thiệu sản phẩm và chăm sóc khách hàng hiện có.",
        "Hưởng lương cứng cộng hoa hồng theo doanh số.",
    )),
    Job("Tạp vụ", ("91",), (5, 6.5), LABOUR, (
        "Vệ sinh văn phòng, nhà xưởng và khu vực chung.",
    )),
    Job("Nhân viên văn thư", ("41",), (6, 8.5), COLLEGE, (
        "Tiếp nhận, phân loại và lưu trữ công văn, giấy tờ.",
    )),
    Job("Trưởng phòng kinh doanh", ("12",), (15, 25), UNIVERSITY, (
        "Xây dựng kế hoạch kinh doanh, quản lý đội ngũ nhân viên bán hàng.",
        "Báo cáo kết quả kinh doanh cho Ban Giám đốc.",
    )),
)  # fmt: skip

FOREMAN = Job("Quản đốc phân xưởng", ("13",), (14, 22), DEGREE, (
    "Điều hành sản xuất của phân xưởng, bảo đảm kế hoạch, chất lượng và an toàn lao động.",
))  # fmt: skip
