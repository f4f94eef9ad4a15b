"""QR codes: each decodes back to the procedure's public page; the poster keyword is recognised."""

from __future__ import annotations

import io

import numpy as np
import pytest
import zxingcpp
from flask import Flask
from PIL import Image

from bot.app import create_app
from bot.config import Settings
from bot.procedures.qr import chat_link, parse_procedure_keyword, procedure_keyword, procedure_page_url, qr_png

CODES = ("1.001193", "1.000894", "2.000794")


def decode_png(data: bytes) -> list[str]:
    image = Image.open(io.BytesIO(data)).convert("L")
    return [found.text for found in zxingcpp.read_barcodes(np.asarray(image))]


@pytest.fixture
def app(settings: Settings) -> Flask:
    app = create_app(settings)
    return app


@pytest.mark.parametrize("code", CODES)
def test_png_endpoint_decodes_to_the_procedure_page(app: Flask, code: str) -> None:
    response = app.test_client().get(f"/qr/{code}.png", base_url="https://xa.example.vn")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert decode_png(response.data) == [f"https://xa.example.vn/p/{code}"]


def test_svg_endpoint_is_the_same_code(app: Flask) -> None:
    response = app.test_client().get("/qr/1.001193.svg", base_url="https://xa.example.vn")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data and b"https://xa.example.vn/p/1.001193" in response.data


def test_unknown_procedure_is_404(app: Flask) -> None:
    assert app.test_client().get("/qr/9.999999.png").status_code == 404


def test_links_and_keywords() -> None:
    assert chat_link("4024926008133882615") == "https://zalo.me/4024926008133882615"
    assert procedure_page_url("https://xa.example.vn/", "1.001193") == "https://xa.example.vn/p/1.001193"
    assert decode_png(qr_png("https://zalo.me/1")) == ["https://zalo.me/1"]
    assert procedure_keyword("1.001193") == "TTHC 1.001193"
    for typed in ("TTHC 1.001193", "tthc 1.001193", "tthc:1.001193", " TTHC1.001193. "):
        assert parse_procedure_keyword(typed) == "1.001193"
    assert parse_procedure_keyword("TTHC 1.001776.000.00.00.h56") == "1.001776.000.00.00.H56"
    assert parse_procedure_keyword("tthc 1.001193 cần giấy gì") is None
    assert parse_procedure_keyword("đăng ký khai sinh") is None


@pytest.mark.parametrize("path", ["/qr/1.001193.png", "/qr/1.001193.svg", "/p/1.001193"])
def test_without_public_base_url_a_forged_host_is_never_cached(app: Flask, path: str) -> None:
    # The Host header is the client's to choose: a shared cache must not keep a page or QR made from it.
    response = app.test_client().get(path, headers={"Host": "evil.example"})
    assert response.status_code == 200
    cache = response.headers.get("Cache-Control", "")
    assert "no-store" in cache and "public" not in cache


@pytest.mark.parametrize("code", CODES[:1])
def test_with_public_base_url_the_host_header_is_ignored_and_cached(settings: Settings, code: str) -> None:
    from dataclasses import replace

    app = create_app(replace(settings, public_base_url="https://ubnd-xa.example.vn"))
    response = app.test_client().get(f"/qr/{code}.png", headers={"Host": "evil.example"})
    assert decode_png(response.data) == [f"https://ubnd-xa.example.vn/p/{code}"]
    assert "public" in response.headers["Cache-Control"]
