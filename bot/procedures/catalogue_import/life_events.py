"""The portal's citizen life-event groups, for browsing (pure)."""

from __future__ import annotations

from bot.procedures.catalogue_import.text import one_line

# The portal's group ids, the mapping CSV's keys, and short citizen-facing titles (button-sized).
LIFE_EVENT_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("750", "co_con_nho", "Có con nhỏ"),
    ("751", "hoc_tap", "Học tập"),
    ("752", "viec_lam", "Việc làm"),
    ("753", "cu_tru_giay_to", "Cư trú, giấy tờ"),
    ("754", "hon_nhan_gia_dinh", "Hôn nhân, gia đình"),
    ("755", "dien_luc_nha_o_dat_dai", "Điện, nhà ở, đất đai"),
    ("756", "suc_khoe_y_te", "Sức khỏe, y tế"),
    ("757", "phuong_tien_nguoi_lai", "Xe và người lái"),
    ("758", "huu_tri", "Hưu trí"),
    ("759", "nguoi_than_qua_doi", "Người thân qua đời"),
    ("771", "giai_quyet_khieu_kien", "Khiếu kiện"),
)


def _is_curated(row: dict[str, str]) -> bool:
    """The portal's own members, or ones the mapping reviewed as a workflow; "raw_only" expansions are noisy."""
    return row.get("official_membership") == "true" or row.get("support_level") == "workflow_ready"


def _rank(row: dict[str, str], known: dict[str, dict]) -> tuple[int, int, str]:
    proc = known.get(row["procedure_code"], {})
    commune_first = 0 if "xa" in proc.get("levels", ()) else 1
    official_first = 0 if row.get("official_membership") == "true" else 1
    return (official_first, commune_first, one_line(row.get("procedure_title")))


def build_life_events(rows: list[dict[str, str]], known: dict[str, dict]) -> list[dict]:
    """Each group with its curated codes (only ones the catalogue knows), official and Cấp xã ones first."""
    events = []
    for event_id, key, title in LIFE_EVENT_GROUPS:
        members = [r for r in rows if r.get("group_key") == key and _is_curated(r)]
        members = [r for r in members if one_line(r["procedure_code"]) in known]
        members.sort(key=lambda r: _rank(r, known))
        codes: list[str] = []
        for row in members:
            code = one_line(row["procedure_code"])
            if code not in codes:
                codes.append(code)
        events.append({"id": event_id, "key": key, "title": title, "codes": codes})
    return events
