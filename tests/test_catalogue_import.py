"""The importer's parsers on real records from the shared archives (messy ones included)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.procedures.catalogue import load_catalogue, national_code, procedure_from_json, province_of
from bot.procedures.catalogue_import import sources
from bot.procedures.catalogue_import.build import parsed_records, step_references
from bot.procedures.catalogue_import.flat_tables import (
    LEGAL_HEADER,
    _split_forms,
    parse_channels,
    parse_documents,
    parse_legal_basis,
    parse_results,
)
from bot.procedures.catalogue_import.garble import PhraseModel
from bot.procedures.catalogue_import.levels import parse_levels
from bot.procedures.catalogue_import.names import province_from_issuer
from bot.procedures.catalogue_import.readable import is_header, is_official_item, readable_documents
from bot.procedures.catalogue_import.records import from_raw, raw_code
from bot.procedures.catalogue_import.text import nfc, space_after_document_sign
from tests.answer_checks import glued_legal

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def raw_by_code() -> dict[str, dict]:
    return {r["ma_thu_tuc"]: r for _, r in sources.raw_records(SHARED)}


def test_bare_number_time_and_free_fee() -> None:
    rows = parse_channels("Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến1Miễn phíDịch vụ bưu chính1Miễn phí")
    assert [(r.channel, r.time_text, r.fee_text, r.note) for r in rows] == [
        ("Trực tuyến", "1", "Miễn phí", ""),
        ("Dịch vụ bưu chính", "1", "Miễn phí", ""),
    ]


def test_fee_with_note_and_description() -> None:
    flat = (
        "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tuyến2 Ngày làm việc70,000 VNĐ(70.000 đồng/Giấy chứng nhận)"
        "Trực tiếp5 Ngày làm việcMiễn phí05 (năm) ngày làm việc kể từ ngày nhận hồ sơ."
    )
    online, direct = parse_channels(flat)
    assert (online.time_text, online.fee_text) == ("2 Ngày làm việc", "70,000 VNĐ")
    assert online.note == "70.000 đồng/Giấy chứng nhận"
    assert (direct.fee_text, direct.note) == ("Miễn phí", "")
    assert direct.description.startswith("05 (năm) ngày")


def test_every_raw_record_with_a_channel_table_parses(raw_by_code: dict[str, dict]) -> None:
    failures = [code for code, r in raw_by_code.items() if not parse_channels(r["cach_thuc_thuc_hien"])]
    assert len(failures) <= 2, failures  # one record's time cell is a sentence; nothing to recover


def test_channel_rows_match_channel_mentions(raw_by_code: dict[str, dict]) -> None:
    """Rows start only at a channel name followed by a time: descriptions quoting "Trực tiếp: …" stay text."""
    for record in list(raw_by_code.values())[::7]:
        for row in parse_channels(record["cach_thuc_thuc_hien"]):
            assert row.channel in ("Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính")
            assert not row.time_text or re.match(r"\d|Không", row.time_text)
            assert not row.fee_text or re.match(r"\d|Miễn phí|Không", row.fee_text)


def test_hotich_fee_keeps_the_council_note(raw_by_code: dict[str, dict]) -> None:
    rows = parse_channels(raw_by_code["1.000656"]["cach_thuc_thuc_hien"])
    assert rows and all(r.fee_text == "Miễn phí" for r in rows)
    assert all("Hội đồng nhân dân" in r.note for r in rows)


def test_multi_fee_rows_keep_each_amount(raw_by_code: dict[str, dict]) -> None:
    rows = parse_channels(raw_by_code["1.003358"]["cach_thuc_thuc_hien"])
    assert {r.fee_text for r in rows} >= {"145 USD", "165 USD"}
    assert all(r.note for r in rows)


def test_documents_counts_and_forms() -> None:
    flat = (
        "--Tên giấy tờMẫu đơn, tờ khaiSố lượngGiấy đề nghị đổi tiền không đủ tiêu chuẩn lưu thông.PHỤ LỤC 01- tt26.docx"
        "1 bản chínhBản chụp Giấy chứng nhận ngày 16/11/20181 bản chính,1 bản sao"
    )
    first, second = parse_documents(flat)
    assert first.name == "Giấy đề nghị đổi tiền không đủ tiêu chuẩn lưu thông."
    assert first.forms == ("PHỤ LỤC 01- tt26.docx",)
    assert (first.original_count, first.copy_count) == (1, None)
    assert second.name == "Bản chụp Giấy chứng nhận ngày 16/11/2018"
    assert (second.original_count, second.copy_count) == (1, 1)


def test_counts_inside_a_name_do_not_split_it(raw_by_code: dict[str, dict]) -> None:
    docs = parse_documents(raw_by_code["1.000005"]["thanh_phan_ho_so"])
    assert docs[0].name.startswith("a) Tờ khai hàng hóa nhập khẩu")
    assert "02 bản chính tờ khai" in docs[0].name
    assert all(any(ch.isalpha() for ch in d.name) for d in docs)


def test_group_headings_between_tables(raw_by_code: dict[str, dict]) -> None:
    docs = parse_documents(raw_by_code["1.013977"]["thanh_phan_ho_so"])
    assert docs and docs[0].group.startswith("a) Đối với trường hợp thay đổi quyền sử dụng đất")


def test_documents_parse_across_the_archive(raw_by_code: dict[str, dict]) -> None:
    with_table = [r for r in raw_by_code.values() if "Tên giấy tờMẫu đơn, tờ khaiSố lượng" in r["thanh_phan_ho_so"]]
    parsed = [parse_documents(r["thanh_phan_ho_so"]) for r in with_table]
    assert sum(bool(p) for p in parsed) / len(parsed) > 0.98
    names = [d.name for docs in parsed for d in docs]
    assert sum(len(n) < 4 for n in names) / len(names) < 0.002


def test_legal_basis_rows() -> None:
    flat = "Tên văn bản pháp lýMã văn bảnThông tư 80/2021/TT-BTC80/2021/TT-BTCLuật Quản lý thuế38/2019/QH14"
    assert parse_legal_basis(flat) == ["Thông tư 80/2021/TT-BTC", "Luật Quản lý thuế (38/2019/QH14)"]
    assert parse_legal_basis("Không có thông tin") == []


@pytest.mark.parametrize(
    ("flat", "expected"),
    [
        # The next row's name glued on in lower case, in capitals, or taking the issuer's last capital.
        ("Nghị định 100/2024/NĐ-CPnghị quyết số 5/2025/NQ-CPLuật Đất đai31/2024/QH15",
         ["Nghị định 100/2024/NĐ-CP", "nghị quyết số 5/2025/NQ-CP", "Luật Đất đai (31/2024/QH15)"]),
        ("73/2025/TT-NHNNSố 73/2025/TT-NHNNLuật Các tổ chức tín dụngLuật số 32/2024/QH15",
         ["73/2025/TT-NHNN", "Luật Các tổ chức tín dụng (Luật số 32/2024/QH15)"]),
        ("Quy định chung118/2025/NĐ-CQuy định riêng151/2025/NĐ-CP",
         ["Quy định chung (118/2025/NĐ-C)", "Quy định riêng (151/2025/NĐ-CP)"]),
        ("BAN HÀNH QUY TRÌNH2222/QĐ-BHXHNghị định 166/2016/NĐ-CP-Quy định về giao dịch điện tử166/2016/NĐ-CP",
         ["BAN HÀNH QUY TRÌNH (2222/QĐ-BHXH)", "Nghị định 166/2016/NĐ-CP-Quy định về giao dịch điện tử"]),
        # Term digits and glued years must not swallow the next number.
        ("Luật 08/2017/QH1408/2017/QH14Luật Đấu giá tài sản năm 201601/2016/QH14",
         ["Luật 08/2017/QH14", "Luật Đấu giá tài sản năm 2016 (01/2016/QH14)"]),
        # A code cell glued after a name that lost its space before "ngày", and a trailing date.
        ("Thông tư số 53/2025/TT-BCAngày 01/7/2025 của Bộ Công an53/2025/TT-BCA"
         "Thông tư số 55/2026/TT-BTC ngày 15/5/2026.55/2026/TT-BTC",
         ["Thông tư số 53/2025/TT-BCA ngày 01/7/2025 của Bộ Công an", "Thông tư số 55/2026/TT-BTC ngày 15/5/2026"]),
        ("Thông tư 22/2023/TT-BCAQUY ĐỊNH MỨC THU25/2021/TT-BTC",
         ["Thông tư 22/2023/TT-BCA", "QUY ĐỊNH MỨC THU (25/2021/TT-BTC)"]),
        ("Lệnh 21/2014/L-CTN21/2014/L-CTNCơ quan thực hiệnTòa án nhân dân", ["Lệnh 21/2014/L-CTN"]),
    ],
)
def test_legal_basis_glued_rows(flat: str, expected: list[str]) -> None:
    assert parse_legal_basis(LEGAL_HEADER + flat) == expected


def test_legal_basis_real_records(raw_by_code: dict[str, dict]) -> None:
    # 3.000169: every name cell ends with the code its code cell repeats.
    assert parse_legal_basis(raw_by_code["3.000169"]["can_cu_phap_ly"]) == [
        "Thông tư 23/2019/TT-BTC", "Nghị định 137/2020/NĐ-CP", "Thông tư 218/2016/TT-BTC", "Nghị định 56/2023/NĐ-CP",
    ]
    # 2.000809: a name in capitals, a number without a year, a name running on after "NĐ-CP-".
    items = parse_legal_basis(raw_by_code["2.000809"]["can_cu_phap_ly"])
    assert len(items) == 6
    assert items[1].endswith("(2222/QĐ-BHXH)")
    assert items[4].startswith("Nghị định 166/2016/NĐ-CP-Quy định về giao dịch điện tử")


def test_legal_basis_agrees_with_the_structured_set(raw_by_code: dict[str, dict]) -> None:
    """Where both archives hold a procedure, the raw rows' numbers are mostly those the structured set lists."""
    structured = {r["source"]["procedure_code"]: r for _, r in sources.structured_records(SHARED)}
    number = re.compile(r"\d+(?:\.\d+)?/\d{4}/[A-ZĐ]+")
    agree = total = 0
    for code, record in raw_by_code.items():
        if code not in structured:
            continue
        want = {m for i in structured[code]["legal_basis"]["items"] for m in number.findall(i["code"] or "")}
        got = {m for item in parse_legal_basis(record["can_cu_phap_ly"]) for m in number.findall(item)}
        total += 1
        agree += want == got or not want
    assert agree / total > 0.5
    items = [i for r in raw_by_code.values() for i in parse_legal_basis(r["can_cu_phap_ly"])]
    # No row starts with the tail of a cut number ("/2019/TT-BTC…", "ố 73/…") or a lone letter ("N (…").
    assert sum(bool(re.match(r"/|[^\W\d_]\W", i)) for i in items) / len(items) < 0.002


@pytest.mark.parametrize(
    ("cell", "name", "forms"),
    [
        ("Đơn theo Thông tư số 19/2017/TT-BGTVTMẫu số 3.docx", "Đơn theo Thông tư số 19/2017/TT-BGTVT",
         ("Mẫu số 3.docx",)),
        ("Toàn bộ hồ sơ đề nghị khoanh nợmẫu số 03- khoanh nợ.docx", "Toàn bộ hồ sơ đề nghị khoanh nợ",
         ("mẫu số 03- khoanh nợ.docx",)),
        ("Tờ khai (mẫu HH2).75-Mẫu HH2-Biên bản.doc", "Tờ khai (mẫu HH2).", ("75-Mẫu HH2-Biên bản.doc",)),
        ("Tờ khai thuế (Mẫu số 01/CNKD)01 CNKD.docx", "Tờ khai thuế (Mẫu số 01/CNKD)", ("01 CNKD.docx",)),
        ("Đơn đề nghị theo mẫu quy địnhvăn bản đề nghị.docx", "Đơn đề nghị theo mẫu quy định",
         ("văn bản đề nghị.docx",)),
        ("Bản khai theo mẫuMauDanhsach (2).docxMauBankhai.docx", "Bản khai theo mẫu",
         ("MauDanhsach (2).docx", "MauBankhai.docx")),
        ("Bản đồ khu vực khai thácMau 04-Phu luc I_37.2025.TT-BNNMT_02.7.2025.doc", "Bản đồ khu vực khai thác",
         ("Mau 04-Phu luc I_37.2025.TT-BNNMT_02.7.2025.doc",)),
        ("Đề án theo Mẫu số 11 ban hành ngày 01 tháng 4 năm 2026Mẫu số 11.docx",
         "Đề án theo Mẫu số 11 ban hành ngày 01 tháng 4 năm 2026", ("Mẫu số 11.docx",)),
        ("Giấy tờ khác", "Giấy tờ khác", ()),
    ],
)
def test_forms_split_from_names(cell: str, name: str, forms: tuple[str, ...]) -> None:
    assert _split_forms(cell) == (name, forms)


def test_forms_across_the_archive(raw_by_code: dict[str, dict]) -> None:
    docs = [d for r in raw_by_code.values() for d in parse_documents(r["thanh_phan_ho_so"])]
    extension = re.compile(r"\.(?:docx?|pdf|xlsx?)\b", re.I)
    assert sum(bool(extension.search(d.name)) for d in docs) <= 30  # file names left inside a name
    forms = [f for d in docs for f in d.forms]
    assert len(forms) > 2500
    assert all(extension.search(f) and (f[0].isalnum() or f[0] == "(") for f in forms)
    assert sum(len(f) > 100 for f in forms) / len(forms) < 0.01


def test_province_from_issuer() -> None:
    assert province_from_issuer("UBND tỉnh Lạng Sơn") == "Lạng Sơn"
    assert province_from_issuer("Trung tâm phục vụ hành chính công Thành phố Hà Nội") == "Hà Nội"
    assert province_from_issuer("Sở Xây dựng - tỉnh Quảng Ngãi") == "Quảng Ngãi"
    assert province_from_issuer("Bộ xây dựng (Giao thông vận tải cũ)") is None
    assert province_from_issuer("Ủy ban nhân dân cấp tỉnh") is None


def test_results_drop_portal_chrome() -> None:
    flat = "Giấy phép lái xeMã: KQ.G01.000185Từ khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan"
    assert parse_results(flat) == ["Giấy phép lái xe"]


def test_levels_and_codes() -> None:
    assert parse_levels("Cấp bộ, Cấp tỉnh, Cấp xã, Cơ quan khác") == ("trung_uong", "tinh", "xa")
    assert parse_levels("Cấp xã, Cấp tỉnh, Cấp bộ/ngành") == ("xa", "tinh", "trung_uong")
    assert national_code("1.001776.000.00.00.H56") == "1.001776"
    assert province_of("1.001776.000.00.00.H56") == "H56"
    assert province_of("1.001776") is None


def test_misfetched_page_keeps_its_own_code(raw_by_code: dict[str, dict]) -> None:
    record = raw_by_code["3.000224"]  # the crawl filed a Sơn La page under another code
    assert raw_code(record) == "1.014023"
    assert from_raw(record, "2026-07")["code"] == "1.014023"


def test_shipped_catalogue_figures() -> None:
    catalogue = load_catalogue()
    procs = list(catalogue.procedures.values())
    assert len(procs) >= 5608
    assert sum(p.has_details for p in procs) >= 4000
    assert sum("xa" in p.levels for p in procs) >= 900
    khai_tu = catalogue.get("1.000656")
    assert khai_tu is not None and khai_tu.source == "dvcqg-raw" and khai_tu.has_fee
    assert catalogue.get("1.000656.000.00.00.H56") is khai_tu
    assert {"750", "759"} <= set(catalogue.life_events)
    assert all(len(e.title) <= 20 for e in catalogue.life_events.values())
    for proc in procs[::50]:
        assert proc.name and proc.code == national_code(proc.code)


# ---- documents a person can read (bot.procedures.catalogue_import.readable) ----

def _readable(record: dict) -> list[list]:
    return readable_documents(from_raw(record, "2026-07")["documents"])


def test_khai_sinh_documents_are_for_the_citizen(raw_by_code: dict[str, dict]) -> None:
    rows = _readable(raw_by_code["1.001193"])  # đăng ký khai sinh, Cấp xã
    names = [r[0] for r in rows]
    assert not any("Người tiếp nhận có trách nhiệm" in n or "không được yêu cầu" in n for n in names)
    assert not any(n.startswith("Cơ quan đăng ký hộ tịch từ chối") for n in names)
    # The intro line is a header over the forms, not document number 28.
    assert not any(n.endswith("các giấy tờ sau:") for n in names)
    tờ_khai = next(r for r in rows if r[0].startswith("Tờ khai đăng ký khai sinh"))
    assert tờ_khai[6].startswith("Người có yêu cầu đăng ký khai sinh thực hiện việc nộp/xuất trình")
    # Cases: the abandoned-child paper belongs to its case, the birth certificate to every case.
    abandoned = next(r for r in rows if r[0].startswith("Trường hợp trẻ em bị bỏ rơi thì"))
    assert abandoned[5] == "Trường hợp trẻ em bị bỏ rơi"
    assert next(r for r in rows if r[0].startswith("Giấy chứng sinh"))[5] == ""
    surrogacy = next(r for r in rows if "mang thai hộ" in r[0])
    assert surrogacy[5] == "Trường hợp khai sinh cho trẻ em sinh ra do mang thai hộ"


def test_a_citizen_clause_is_kept_and_the_office_clause_cut(raw_by_code: dict[str, dict]) -> None:
    rows = _readable(raw_by_code["2.000806"])  # kết hôn có yếu tố nước ngoài
    id_info = next(r[0] for r in rows if r[0].startswith("Trường hợp giấy tờ tùy thân sử dụng là"))
    assert "chỉ cần cung cấp thông tin số định danh cá nhân" in id_info
    assert "có trách nhiệm tra cứu" not in id_info
    assert id_info in nfc(raw_by_code["2.000806"]["thanh_phan_ho_so"])  # cut, never rewritten
    case = next(r[5] for r in rows if r[0].startswith("Trường hợp người yêu cầu đăng ký kết hôn đang công tác"))
    assert case.startswith("Ngoài giấy tờ nêu trên, tùy từng trường hợp")


def test_copy_certification_keeps_its_papers(raw_by_code: dict[str, dict]) -> None:
    rows = _readable(raw_by_code["2.000815"])  # chứng thực bản sao từ bản chính
    assert rows and rows[0][0].startswith("Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao")
    assert rows[0][5] == ""


def test_the_longest_documents_section_splits_by_case(raw_by_code: dict[str, dict]) -> None:
    """1.013229, the documents section the issue measured at 54,544 characters, is seven cases of one
    building-permit procedure: a citizen reads one of them."""
    rows = _readable(raw_by_code["1.013229"])
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row[5]] = sizes.get(row[5], 0) + len(row[0])
    assert len(sizes) == 7 and "" not in sizes
    assert "(1.7) Đối với công trình nhà ở riêng lẻ" in sizes
    assert max(sizes.values()) < sum(sizes.values()) / 6


def test_repeated_rows_are_kept_once() -> None:
    rows = readable_documents([["Tờ khai", 1, None, "", "required"], ["Tờ khai", 1, None, "", "required"]])
    assert len(rows) == 1


@pytest.mark.parametrize(
    ("sentence", "official"),
    [
        ("Người tiếp nhận có trách nhiệm tiếp nhận đúng, đủ hồ sơ đăng ký hộ tịch.", True),
        ("Cơ quan giải quyết TTHC khai thác, sử dụng thông tin đã có trong Cơ sở dữ liệu quốc gia về dân cư.", True),
        ("Trường hợp cá nhân lựa chọn nơi khác thì Ủy ban nhân dân cấp xã nơi tiếp nhận yêu cầu có trách nhiệm hỗ trợ.",
         True),
        ("Đối với yêu cầu đăng ký kết hôn, cơ quan đăng ký hộ tịch tra cứu thông tin về tình trạng hôn nhân.", True),
        # The applicant may be an official: that is still the citizen's sentence.
        ("Nếu là cán bộ, công chức nhà nước đang công tác thì phải được sự đồng ý bằng văn bản của cơ quan chủ quản.",
         False),
        ("Người yêu cầu đăng ký khai sinh có trách nhiệm nộp đầy đủ bản sao các giấy tờ nêu trên.", False),
        ("Trường hợp không khai thác được thông tin thì cơ quan đăng ký hộ tịch yêu cầu người đi đăng ký xuất trình"
         " bản chính giấy tờ.", False),
        ("Hợp đồng lao động với tổ chức, cơ quan nhà nước, đơn vị sự nghiệp công lập.", False),
    ],
)
def test_officials_sentences(sentence: str, official: bool) -> None:
    assert is_official_item(sentence) is official


def test_headers() -> None:
    assert is_header("Hồ sơ xin cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm gồm:")
    assert is_header("Người có yêu cầu cấp bản sao Trích lục hộ tịch thực hiện việc nộp/xuất trình các giấy tờ sau")
    assert not is_header("Giấy chứng sinh")
    rows = readable_documents([
        ["a) Trường hợp đăng ký lần đầu:", 0, None, "", "required"],
        ["Tờ khai", 1, None, "", "required"],
        ["Giấy tờ tùy thân", 1, None, "", "presented"],
    ])
    assert [(r[0], r[5]) for r in rows] == [("Tờ khai", "Trường hợp đăng ký lần đầu"), ("Giấy tờ tùy thân", "")]


def test_shipped_documents_hold_over_every_procedure() -> None:
    """Over all detailed procedures: no officials' sentence and no header left as a document."""
    catalogue = load_catalogue()
    detailed = [p for p in catalogue.procedures.values() if p.has_details]
    assert len(detailed) >= 4000
    officials = [(p.code, d.name) for p in detailed for d in p.documents if is_official_item(d.name)]
    headers = [(p.code, d.name) for p in detailed for d in p.documents if is_header(d.name)]
    assert officials == []
    assert headers == []


# A document number glued to the text before it: "…Bộ Tư pháp18/2026/NĐ-CP", "…Trung ương.106/2021/TT-BTC",
# "…/QH1360/2014/QH13". In one legal item that means two items run together.
GLUED_LEGAL = re.compile(r"(?:[a-zà-ỹđ]\.?|[^\W\d_]\.|QH\d\d)\d{1,4}(?:\.\d+)?/\d{4}/[A-ZĐ]")


def test_glued_legal_items_are_split(raw_by_code: dict[str, dict]) -> None:
    items = parse_legal_basis(raw_by_code["1.000094"]["can_cu_phap_ly"])  # no structured copy: parsed from raw
    assert any(i.endswith("(18/2026/NĐ-CP)") for i in items)
    assert "Nghị định quy định về Cơ sở dữ liệu hộ tịch điện tử, đăng ký hộ tịch trực tuyến (87/2020/NĐ-CP)" in items
    assert not [i for i in items if GLUED_LEGAL.search(i)]


def test_a_sign_run_into_the_next_word_gets_its_space_back() -> None:
    assert space_after_document_sign("TT 53/2025/TT-BCAngày 01/7/2025") == "TT 53/2025/TT-BCA ngày 01/7/2025"
    assert space_after_document_sign("Quyết định 09/2023/QĐ-TTgngày 1") == "Quyết định 09/2023/QĐ-TTg ngày 1"
    assert space_after_document_sign("số 15/2023/NĐ-CPsửa đổi") == "số 15/2023/NĐ-CP sửa đổi"
    for written in ("(17/2018/TT-BGDĐT)", "78/2015/NĐ-CP-Quy định", "104/2022/NĐ-CP ngày 21/12/2022"):
        assert space_after_document_sign(written) == written


def test_shipped_legal_basis_is_split() -> None:
    catalogue = load_catalogue()
    glued = [(p.code, i) for p in catalogue.procedures.values() for i in p.legal_basis
             if GLUED_LEGAL.search(i) or glued_legal(i)]
    assert glued == []
    khai_sinh = catalogue.get("1.001193")
    assert khai_sinh is not None and len(khai_sinh.legal_basis) == 15  # as the structured archive lists them


# ---- garbled steps (bot.procedures.catalogue_import.garble) ----

@pytest.fixture(scope="module")
def phrase_model() -> PhraseModel:
    """The importer's own phrase model, over every text of both archives."""
    raw, structured = parsed_records(SHARED)
    return step_references(raw + structured)[0]


def test_the_khai_sinh_splice_is_found(raw_by_code: dict[str, dict], phrase_model: PhraseModel) -> None:
    steps = from_raw(raw_by_code["1.001193"], "2026-07")["steps"]
    garbled = phrase_model.garbled_steps(steps)
    assert sorted(garbled) == [0, 1]  # "…đăng ký khai | tâm Phục vụ…" and "…việc sinh tại Trung | nộp hồ sơ."
    assert "khai tâm Phục vụ" in steps[0]


def test_the_khai_sinh_steps_ship_repaired() -> None:
    khai_sinh = load_catalogue().get("1.001193")
    assert khai_sinh is not None and not khai_sinh.steps_unreliable
    assert "nộp hồ sơ đăng ký khai sinh tại Trung tâm phục vụ hành chính công" in khai_sinh.steps[0]
    assert khai_sinh.steps[1].endswith("hoàn tất việc nộp hồ sơ.")
    assert not any("khai tâm" in step or "Trung nộp" in step for step in khai_sinh.steps)


def test_a_typo_is_not_a_splice(phrase_model: PhraseModel) -> None:
    # Lost or misspelt words break a phrase too, but no fragment moved: the step stays.
    assert not phrase_model.garbled_steps(["Cơ quan đăng ký đất đai đai thực hiện việc cập nhật hồ sơ."])


def test_no_garbled_step_is_shipped(phrase_model: PhraseModel) -> None:
    catalogue = load_catalogue()
    detailed = [p for p in catalogue.procedures.values() if p.has_details]
    garbled = [p.code for p in detailed if phrase_model.garbled_steps(list(p.steps))]
    assert garbled == []
    unreliable = {p.code for p in detailed if p.steps_unreliable}
    # Spliced beyond repair in the source (no clean copy in either archive): left out and flagged.
    assert {"1.004901", "1.002578"} <= unreliable and len(unreliable) < 10


def test_a_paper_keeps_its_sentence_when_the_office_sentence_is_glued_on(raw_by_code: dict[str, dict]) -> None:
    """3.000509: "…giấy ra viện.Thông tin về thành phần hồ sơ … không được yêu cầu…" (no space after the
    period): the office's sentence goes, the claim form stays, and the text is cut, not rewritten."""
    rows = _readable(raw_by_code["3.000509"])
    claim = next(r[0] for r in rows if r[0].startswith("Đơn đề nghị thanh toán chi phí khám bệnh"))
    assert claim.endswith("giấy ra viện.")
    assert claim in nfc(raw_by_code["3.000509"]["thanh_phan_ho_so"])


def test_a_format_1_record_still_loads() -> None:
    """Files written before documents had a case and procedures steps_unreliable keep loading."""
    old = {"code": "1.000001", "name": "Thủ tục cũ", "documents": [["Tờ khai", 1, None, "", "required"]],
           "steps": ["Bước 1"], "has_details": True}
    proc = procedure_from_json(old)
    assert proc.documents[0].case == "" and proc.documents[0].heading == ""
    assert proc.steps_unreliable is False


def test_a_case_heading_names_the_case_only() -> None:
    rows = readable_documents([
        ["Trường hợp đăng ký theo danh sách, hồ sơ gồm:", 0, None, "", "required"],
        ["Văn bản đề nghị đăng ký tạm trú", 1, None, "", "required"],
        ["Trường hợp hộ gia đình gồm nhiều thành viên:", 0, None, "", "required"],
        ["Biên bản họp gia đình", 1, None, "", "required"],
        ["Tờ khai", 1, None, "Đăng ký tạm trú theo danh sách, hồ sơ gồm", "conditional"],  # a portal group heading
    ])
    assert [r[5] for r in rows] == [
        "Trường hợp đăng ký theo danh sách",
        "Trường hợp hộ gia đình gồm nhiều thành viên",
        "Đăng ký tạm trú theo danh sách",
    ]
