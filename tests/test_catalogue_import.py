"""The importer's parsers on real records from the shared archives (messy ones included)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.catalogue import load_catalogue, national_code, province_of
from bot.catalogue_import import sources
from bot.catalogue_import.flat_tables import parse_channels, parse_documents, parse_legal_basis, parse_results
from bot.catalogue_import.levels import parse_levels
from bot.catalogue_import.records import from_raw, raw_code

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
pytestmark = pytest.mark.skipif(not (SHARED / sources.RAW_ARCHIVE).exists(), reason="shared data missing")


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
    assert parse_legal_basis(flat) == ["Thông tư (80/2021/TT-BTC)", "Luật Quản lý thuế (38/2019/QH14)"]
    assert parse_legal_basis("Không có thông tin") == []


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
