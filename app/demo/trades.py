"""The lines of business of the demo's employers, with whom each hires: a table of data, kept
apart from the code that draws from it."""

from __future__ import annotations

from app.demo.jobs import (
    COLLEGE,
    DEGREE,
    FOREMAN,
    LABOUR,
    SCHOOL,
    TRADE_SCHOOL,
    UNIVERSITY,
    Job,
    Trade,
)
from app.models import EducationLevel as Edu

TRADES = (
    Trade(("Công ty TNHH May mặc", "Công ty Cổ phần May", "Công ty TNHH MTV May xuất khẩu"),
          ("14",), (
        Job("Công nhân may công nghiệp", ("75", "81"), (6, 10), LABOUR, (
            "May hoàn thiện áo quần xuất khẩu theo dây chuyền.",
            "Lương khoán theo sản phẩm; người chưa biết may được đào tạo tay nghề.",
        )),
        Job("Tổ trưởng chuyền may", ("31",), (10, 15), TRADE_SCHOOL, (
            "Điều hành chuyền may từ 30 đến 40 công nhân, bảo đảm năng suất và chất lượng.",
        )),
        Job("Nhân viên QC may mặc", ("75", "31"), (7, 10), TRADE_SCHOOL, (
            "Kiểm tra chất lượng bán thành phẩm và thành phẩm trên chuyền.",
        )),
        Job("Công nhân cắt vải", ("75",), (6, 9), LABOUR, (
            "Trải vải, cắt bán thành phẩm theo sơ đồ rập.",
        )),
        FOREMAN,
    ), 10),
    Trade(("Công ty Cổ phần Thủy sản", "Công ty TNHH Chế biến Thủy sản",
           "Công ty TNHH Xuất nhập khẩu Thủy sản"), ("10",), (
        Job("Công nhân chế biến thủy sản", ("75", "81"), (6, 9), LABOUR, (
            "Fillet cá tra, phân cỡ và xếp khuôn tôm đông lạnh.",
            "Làm việc trong môi trường lạnh, được cấp đầy đủ bảo hộ lao động.",
        )),
        Job("Kỹ sư công nghệ thực phẩm", ("21",), (10, 16), UNIVERSITY, (
            "Giám sát quy trình chế biến, xây dựng và duy trì hệ thống HACCP.",
        )),
        Job("Nhân viên QC thực phẩm", ("31",), (7, 11), COLLEGE, (
            "Kiểm tra nguyên liệu đầu vào, lấy mẫu và ghi chép hồ sơ chất lượng.",
        )),
        Job("Công nhân vận hành máy cấp đông", ("81",), (8, 12), TRADE_SCHOOL, (
            "Vận hành tủ cấp đông, băng chuyền IQF và kho lạnh.",
        )),
        FOREMAN,
    ), 9),
    Trade(("Hợp tác xã Thủy sản", "Công ty TNHH Nuôi trồng Thủy sản"), ("03",), (
        Job("Kỹ thuật viên nuôi trồng thủy sản", ("31",), (8, 13), COLLEGE, (
            "Theo dõi môi trường ao nuôi, quản lý thức ăn và phòng bệnh cho tôm, cá.",
        )),
        Job("Công nhân nuôi tôm", ("62", "92"), (6, 9), LABOUR, (
            "Cho tôm ăn, vệ sinh ao và vận hành máy quạt nước.",
        )),
    ), 4),
    Trade(("Hợp tác xã Nông nghiệp", "Công ty TNHH Nông sản", "Hợp tác xã Dịch vụ Nông nghiệp"),
          ("01",), (
        Job("Kỹ sư nông nghiệp", ("21",), (9, 14), UNIVERSITY, (
            "Hướng dẫn nông dân canh tác lúa, cây ăn trái theo tiêu chuẩn VietGAP.",
        )),
        Job("Công nhân trồng trọt", ("61", "92"), (5, 7.5), LABOUR, (
            "Chăm sóc vườn cây ăn trái: bón phân, tưới nước, tỉa cành.",
        )),
        Job("Công nhân thu hoạch trái cây", ("92",), (5, 7), LABOUR, (
            "Thu hái, phân loại và đóng thùng bưởi, chôm chôm, sầu riêng theo mùa vụ.",
        )),
        Job("Nhân viên khuyến nông", ("31",), (7, 10), COLLEGE, (
            "Tư vấn giống, phân bón và kỹ thuật canh tác cho các hộ nông dân.",
        )),
    ), 6),
    Trade(("Doanh nghiệp tư nhân Gạch gốm", "Công ty TNHH Gốm sứ", "Hợp tác xã Gạch ngói"),
          ("23",), (
        Job("Thợ làm gốm", ("73",), (6, 10), LABOUR, (
            "Tạo hình, tráng men và trang trí sản phẩm gốm đỏ xuất khẩu.",
        )),
        Job("Công nhân lò gạch", ("81", "93"), (6, 9), LABOUR, (
            "Vận hành lò nung, xếp và ra gạch thành phẩm.",
        )),
    ), 4),
    Trade(("Công ty TNHH Xây dựng", "Công ty Cổ phần Đầu tư Xây dựng",
           "Công ty TNHH Tư vấn Xây dựng"), ("41", "42", "43"), (
        Job("Thợ hồ", ("71",), (8, 12), LABOUR, (
            "Xây tô, đổ bê tông và hoàn thiện công trình nhà ở.",
        )),
        Job("Kỹ sư xây dựng", ("21",), (12, 20), UNIVERSITY, (
            "Lập dự toán, bóc khối lượng và giám sát kỹ thuật thi công.",
        )),
        Job("Giám sát thi công", ("31",), (10, 16), COLLEGE, (
            "Giám sát tiến độ, chất lượng và an toàn lao động tại công trình.",
        )),
        Job("Chỉ huy trưởng công trình", ("13",), (18, 25), UNIVERSITY, (
            "Điều hành công trường, phối hợp với chủ đầu tư và tư vấn giám sát.",
        )),
        Job("Thợ sơn nước", ("71",), (7, 11), LABOUR, (
            "Bả matít, sơn lót và sơn hoàn thiện tường trong, ngoài nhà.",
        )),
    ), 7),
    Trade(("Công ty TNHH Cơ khí", "Công ty Cổ phần Cơ khí Chế tạo", "Cơ sở Cơ khí"),
          ("25", "28", "33"), (
        Job("Thợ hàn", ("72",), (8, 13), TRADE_SCHOOL, (
            "Hàn kết cấu thép, khung nhà xưởng bằng máy hàn MIG, TIG.",
        )),
        Job("Thợ tiện CNC", ("72",), (9, 14), TRADE_SCHOOL, (
            "Vận hành máy tiện, phay CNC gia công chi tiết theo bản vẽ.",
        )),
        Job("Kỹ sư cơ khí", ("21",), (12, 18), UNIVERSITY, (
            "Thiết kế, cải tiến máy móc và lập kế hoạch bảo trì thiết bị.",
        )),
        Job("Thợ sửa chữa máy nông nghiệp", ("72",), (7, 11), TRADE_SCHOOL, (
            "Sửa chữa máy cày, máy gặt đập liên hợp cho bà con nông dân.",
        )),
    ), 5),
    Trade(("Công ty TNHH Điện", "Công ty Cổ phần Xây lắp Điện", "Công ty TNHH Điện lạnh"),
          ("35", "43"), (
        Job("Thợ điện", ("74",), (8, 12), TRADE_SCHOOL, (
            "Lắp đặt, sửa chữa hệ thống điện dân dụng và công nghiệp.",
        )),
        Job("Kỹ sư điện", ("21",), (12, 20), UNIVERSITY, (
            "Thiết kế, giám sát thi công đường dây và trạm biến áp.",
        )),
        Job("Thợ sửa chữa điện lạnh", ("71", "74"), (8, 12), TRADE_SCHOOL, (
            "Lắp đặt, bảo trì máy lạnh, tủ lạnh và kho lạnh.",
        )),
        Job("Kỹ thuật viên điện mặt trời", ("31",), (9, 14), COLLEGE, (
            "Lắp đặt, vận hành và bảo trì hệ thống điện mặt trời áp mái.",
        )),
    ), 5),
    Trade(("Công ty TNHH Thương mại Dịch vụ", "Công ty Cổ phần Bán lẻ", "Siêu thị Mini"),
          ("47",), (
        Job("Nhân viên bán hàng", ("52",), (6, 9), SCHOOL, (
            "Tư vấn, giới thiệu sản phẩm và bán hàng tại cửa hàng.",
            "Sắp xếp, trưng bày hàng hóa gọn gàng và kiểm kê cuối ca.",
        )),
        Job("Thu ngân", ("52",), (6, 8.5), SCHOOL, (
            "Tính tiền, xuất hóa đơn và đối chiếu tiền cuối ca.",
        )),
        Job("Quản lý cửa hàng", ("14",), (12, 18), COLLEGE, (
            "Quản lý nhân viên, hàng hóa và doanh thu của cửa hàng.",
        )),
        Job("Nhân viên giao hàng", ("83", "96"), (7, 11), SCHOOL, (
            "Giao hàng bằng xe máy đến khách hàng trong tỉnh, thu tiền theo hóa đơn.",
        )),
    ), 9),
    Trade(("Công ty TNHH Phân phối", "Công ty Cổ phần Vật tư Nông nghiệp",
           "Công ty TNHH Xuất nhập khẩu"), ("46",), (
        Job("Nhân viên chăm sóc khách hàng", ("42",), (6.5, 9), COLLEGE, (
            "Tiếp nhận đơn hàng qua điện thoại, giải đáp thắc mắc và xử lý khiếu nại.",
        )),
        Job("Nhân viên xuất nhập khẩu", ("33",), (9, 14), UNIVERSITY, (
            "Làm thủ tục hải quan, chứng từ xuất nhập khẩu và theo dõi lô hàng.",
        )),
        Job("Nhân viên thị trường", ("33", "52"), (7, 12), COLLEGE, (
            "Mở rộng hệ thống đại lý phân phối phân bón, thuốc bảo vệ thực vật.",
        )),
    ), 5),
    Trade(("Công ty TNHH Vận tải", "Công ty Cổ phần Xe khách", "Hợp tác xã Vận tải"), ("49",), (
        Job("Tài xế xe khách", ("83",), (10, 15), SCHOOL, (
            "Lái xe khách tuyến Vĩnh Long - Thành phố Hồ Chí Minh; có giấy phép lái xe hạng D.",
        )),
        Job("Nhân viên điều phối vận tải", ("43",), (7, 10), COLLEGE, (
            "Sắp xếp lịch xe, theo dõi hành trình qua thiết bị giám sát.",
        )),
        Job("Thợ sửa chữa ô tô", ("72",), (8, 13), TRADE_SCHOOL, (
            "Bảo dưỡng, sửa chữa động cơ và hệ thống gầm xe.",
        )),
        Job("Phụ xe", ("51",), (6, 8), LABOUR, (
            "Hỗ trợ hành khách lên xuống xe, sắp xếp hành lý và hàng gửi.",
        )),
    ), 4),
    Trade(("Công ty TNHH Logistics", "Công ty Cổ phần Kho vận", "Công ty TNHH Cảng"), ("52",), (
        Job("Công nhân bốc xếp", ("93",), (6, 9), LABOUR, (
            "Bốc xếp hàng hóa lên xuống xe container và sà lan.",
        )),
        Job("Lái xe nâng", ("83",), (8, 12), SCHOOL, (
            "Vận hành xe nâng, sắp xếp pallet hàng trong kho.",
        )),
        Job("Nhân viên chứng từ giao nhận", ("43", "33"), (8, 12), COLLEGE, (
            "Lập phiếu nhập xuất, theo dõi chứng từ giao nhận hàng hóa.",
        )),
    ), 4),
    Trade(("Nhà hàng", "Công ty TNHH Dịch vụ Ăn uống", "Quán ăn Gia đình"), ("56",), (
        Job("Đầu bếp", ("51", "34"), (9, 16), TRADE_SCHOOL, (
            "Chế biến các món ăn Việt và đặc sản miền Tây theo thực đơn.",
        )),
        Job("Phụ bếp", ("94",), (5.5, 7.5), LABOUR, (
            "Sơ chế nguyên liệu, rửa dụng cụ và hỗ trợ đầu bếp.",
        )),
        Job("Nhân viên phục vụ", ("51",), (5.5, 8), LABOUR, (
            "Đón khách, ghi món và phục vụ bàn; làm theo ca xoay.",
        )),
        Job("Nhân viên pha chế", ("51",), (6, 9), SCHOOL, (
            "Pha chế cà phê, sinh tố và nước giải khát.",
        )),
    ), 6),
    Trade(("Khách sạn", "Công ty TNHH Du lịch", "Khu du lịch sinh thái"), ("55", "79"), (
        Job("Lễ tân khách sạn", ("42",), (7, 10), COLLEGE, (
            "Làm thủ tục nhận, trả phòng và giải đáp yêu cầu của khách.",
            "Giao tiếp được tiếng Anh cơ bản.",
        )),
        Job("Nhân viên buồng phòng", ("91",), (5.5, 7.5), LABOUR, (
            "Dọn dẹp phòng khách, thay khăn và ga trải giường.",
        )),
        Job("Hướng dẫn viên du lịch", ("51",), (8, 14), UNIVERSITY, (
            "Dẫn đoàn tham quan cù lao, miệt vườn và làng nghề.",
        )),
    ), 4),
    Trade(("Trung tâm Ngoại ngữ", "Trường Mầm non Tư thục", "Trung tâm Giáo dục nghề nghiệp"),
          ("85",), (
        Job("Giáo viên tiếng Anh", ("23",), (9, 16), UNIVERSITY, (
            "Giảng dạy tiếng Anh giao tiếp cho thiếu nhi và người đi làm.",
        )),
        Job("Giáo viên mầm non", ("23",), (6, 9), COLLEGE, (
            "Chăm sóc, giáo dục trẻ từ 2 đến 5 tuổi theo chương trình giáo dục mầm non.",
        )),
        Job("Bảo mẫu", ("53",), (5, 7), SCHOOL, (
            "Chăm sóc bữa ăn, giấc ngủ và vệ sinh cho trẻ.",
        )),
        Job("Giáo viên dạy nghề", ("23",), (9, 14), UNIVERSITY, (
            "Giảng dạy lý thuyết và thực hành nghề điện, cơ khí cho học viên.",
        )),
    ), 4),
    Trade(("Phòng khám Đa khoa", "Bệnh viện Đa khoa Tư nhân", "Nhà thuốc"), ("86",), (
        Job("Điều dưỡng", ("22", "32"), (8, 13), COLLEGE, (
            "Chăm sóc người bệnh, thực hiện y lệnh của bác sĩ.",
            "Làm việc theo ca; có chứng chỉ hành nghề.",
        )),
        Job("Bác sĩ đa khoa", ("22",), (18, 25), (Edu.university, Edu.postgraduate), (
            "Khám, chẩn đoán và điều trị ngoại trú.",
        )),
        Job("Dược sĩ", ("22",), (9, 14), DEGREE, (
            "Tư vấn, bán thuốc theo đơn và quản lý nhà thuốc đạt chuẩn GPP.",
        )),
        Job("Kỹ thuật viên xét nghiệm", ("32",), (8, 12), COLLEGE, (
            "Lấy mẫu, thực hiện xét nghiệm huyết học và sinh hóa.",
        )),
        Job("Hộ lý", ("53",), (5.5, 7.5), SCHOOL, (
            "Hỗ trợ vệ sinh, di chuyển và ăn uống cho người bệnh.",
        )),
    ), 4),
    Trade(("Công ty TNHH Công nghệ", "Công ty Cổ phần Phần mềm", "Công ty TNHH Giải pháp Số"),
          ("62",), (
        Job("Lập trình viên", ("25",), (12, 25), UNIVERSITY, (
            "Phát triển ứng dụng web và di động bằng Python, JavaScript.",
        )),
        Job("Kỹ thuật viên hỗ trợ máy tính", ("35",), (7, 11), COLLEGE, (
            "Cài đặt, sửa chữa máy tính, mạng LAN và hỗ trợ người dùng.",
        )),
        Job("Nhân viên thiết kế đồ họa", ("21",), (8, 14), DEGREE, (
            "Thiết kế ấn phẩm quảng cáo, bao bì và nội dung mạng xã hội.",
        )),
    ), 2),
    Trade(("Quỹ Tín dụng Nhân dân", "Công ty TNHH Dịch vụ Tài chính"), ("64",), (
        Job("Giao dịch viên", ("42",), (8, 12), UNIVERSITY, (
            "Thực hiện giao dịch gửi, rút tiền và chuyển khoản cho khách hàng.",
        )),
        Job("Chuyên viên tín dụng", ("33",), (10, 16), UNIVERSITY, (
            "Thẩm định hồ sơ vay vốn, theo dõi và thu hồi nợ.",
        )),
    ), 2),
    Trade(("Công ty TNHH Đại lý Bảo hiểm", "Công ty Cổ phần Bảo hiểm"), ("65",), (
        Job("Tư vấn viên bảo hiểm", ("33",), (6, 15), SCHOOL, (
            "Tư vấn sản phẩm bảo hiểm nhân thọ, sức khỏe cho khách hàng.",
        )),
        Job("Chuyên viên giám định bồi thường", ("33",), (9, 14), UNIVERSITY, (
            "Giám định thiệt hại, hướng dẫn hồ sơ và giải quyết bồi thường.",
        )),
    ), 2),
    Trade(("Cơ sở Kẹo dừa", "Công ty TNHH Chế biến Dừa", "Công ty Cổ phần Thực phẩm"), ("10",), (
        Job("Công nhân chế biến kẹo dừa", ("75",), (5.5, 8), LABOUR, (
            "Nấu, cắt và gói kẹo dừa theo quy trình an toàn thực phẩm.",
        )),
        Job("Công nhân đóng gói", ("93",), (5.5, 7.5), LABOUR, (
            "Đóng gói, dán nhãn và xếp thùng sản phẩm.",
        )),
        Job("Công nhân vận hành máy chế biến thực phẩm", ("81",), (7, 10), TRADE_SCHOOL, (
            "Vận hành dây chuyền ép, sấy và đóng lon nước cốt dừa.",
        )),
    ), 4),
    Trade(("Công ty TNHH Lương thực", "Doanh nghiệp tư nhân Xay xát", "Nhà máy Lúa gạo"),
          ("10", "46"), (
        Job("Công nhân xay xát lúa gạo", ("81",), (6, 9), LABOUR, (
            "Vận hành máy xay xát, lau bóng và phân loại gạo.",
        )),
        Job("Nhân viên thu mua lúa", ("33",), (7, 11), SCHOOL, (
            "Thu mua lúa tại ruộng, kiểm tra độ ẩm và chất lượng hạt.",
        )),
    ), 3),
    Trade(("Công ty TNHH Đồ gỗ", "Cơ sở Mộc", "Công ty Cổ phần Nội thất"), ("31", "16"), (
        Job("Thợ mộc", ("75",), (7, 12), LABOUR, (
            "Gia công, lắp ráp tủ, bàn ghế gỗ theo đơn đặt hàng.",
        )),
        Job("Thợ sơn PU", ("71",), (7, 11), LABOUR, (
            "Chà nhám, phun sơn hoàn thiện sản phẩm gỗ.",
        )),
    ), 3),
    Trade(("Công ty TNHH Nhựa", "Công ty Cổ phần Bao bì"), ("22",), (
        Job("Công nhân vận hành máy ép nhựa", ("81",), (7, 10), SCHOOL, (
            "Vận hành máy ép, máy thổi và kiểm tra sản phẩm nhựa.",
        )),
        Job("Công nhân in bao bì", ("73",), (7, 10), SCHOOL, (
            "Vận hành máy in ống đồng, canh màu và kiểm tra bản in.",
        )),
        FOREMAN,
    ), 3),
    Trade(("Công ty Cổ phần Dược phẩm", "Công ty TNHH Dược"), ("21",), (
        Job("Trình dược viên", ("24", "33"), (9, 16), DEGREE, (
            "Giới thiệu thuốc đến nhà thuốc, phòng khám trong địa bàn được giao.",
        )),
        Job("Công nhân sản xuất dược phẩm", ("81",), (6.5, 9.5), SCHOOL, (
            "Vận hành máy đóng nang, ép vỉ theo tiêu chuẩn GMP.",
        )),
    ), 2),
    Trade(("Công ty TNHH Giày da", "Công ty TNHH Túi xách"), ("15",), (
        Job("Công nhân may giày", ("75", "81"), (6, 9.5), LABOUR, (
            "May mũ giày, gò ráp đế giày theo công đoạn.",
        )),
        Job("Nhân viên kế hoạch sản xuất", ("43",), (8, 12), COLLEGE, (
            "Lập kế hoạch sản xuất, theo dõi nguyên phụ liệu và tiến độ đơn hàng.",
        )),
        FOREMAN,
    ), 4),
    Trade(("Công ty TNHH Điện tử", "Công ty TNHH Linh kiện"), ("26",), (
        Job("Công nhân lắp ráp linh kiện điện tử", ("82",), (6.5, 9.5), SCHOOL, (
            "Lắp ráp, hàn linh kiện lên bo mạch theo hướng dẫn.",
        )),
        Job("Kỹ thuật viên điện tử", ("31",), (8, 13), COLLEGE, (
            "Kiểm tra, sửa lỗi bo mạch và thiết bị trên dây chuyền.",
        )),
    ), 3),
    Trade(("Công ty TNHH Dịch vụ Bảo vệ", "Công ty Cổ phần Vệ sĩ"), ("80",), (
        Job("Nhân viên bảo vệ mục tiêu", ("54",), (6, 8.5), SCHOOL, (
            "Bảo vệ nhà máy, kho bãi theo ca 12 giờ.",
        )),
        Job("Vệ sĩ", ("54",), (9, 14), SCHOOL, (
            "Bảo vệ khách hàng, hộ tống hàng hóa có giá trị.",
        )),
    ), 2),
    Trade(("Công ty TNHH Vệ sinh Công nghiệp", "Công ty TNHH Cảnh quan Môi trường"), ("81",), (
        Job("Nhân viên vệ sinh công nghiệp", ("91",), (5, 7), LABOUR, (
            "Vệ sinh tòa nhà, bệnh viện, trường học theo hợp đồng dịch vụ.",
        )),
        Job("Công nhân chăm sóc cây xanh", ("92",), (5.5, 7.5), LABOUR, (
            "Cắt cỏ, tưới cây, chăm sóc cảnh quan khu đô thị.",
        )),
    ), 2),
    Trade(("Công ty TNHH Ô tô", "Cửa hàng Xe máy", "Công ty TNHH Thương mại Xe máy"), ("45",), (
        Job("Thợ sửa xe máy", ("72",), (7, 11), TRADE_SCHOOL, (
            "Bảo dưỡng, sửa chữa xe máy các hãng.",
        )),
        Job("Nhân viên tư vấn bán xe", ("52",), (7, 15), COLLEGE, (
            "Tư vấn, chăm sóc khách hàng mua xe và làm thủ tục đăng ký xe.",
        )),
        Job("Nhân viên rửa xe", ("91",), (5, 6.5), LABOUR, (
            "Rửa, vệ sinh xe trước khi giao cho khách hàng.",
        )),
    ), 3),
    Trade(("Công ty Cổ phần Cấp thoát nước", "Công ty TNHH Môi trường Đô thị"), ("36", "38"), (
        Job("Công nhân vận hành nhà máy nước", ("31", "81"), (7, 11), TRADE_SCHOOL, (
            "Vận hành trạm bơm, hệ thống lọc và châm hóa chất xử lý nước.",
        )),
        Job("Công nhân thu gom rác", ("96",), (5.5, 7.5), LABOUR, (
            "Thu gom, vận chuyển rác sinh hoạt theo tuyến được giao.",
        )),
    ), 2),
    Trade(("Công ty TNHH Dịch vụ Việc làm", "Công ty Cổ phần Cung ứng Nhân lực"), ("78",), (
        Job("Chuyên viên tuyển dụng", ("24",), (9, 14), UNIVERSITY, (
            "Tìm nguồn ứng viên, phỏng vấn và giới thiệu việc làm cho người lao động.",
        )),
        Job("Nhân viên nhập liệu", ("41",), (6, 8), SCHOOL, (
            "Nhập hồ sơ người lao động vào phần mềm và đối chiếu số liệu.",
        )),
    ), 1),
)  # fmt: skip
