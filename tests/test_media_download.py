"""The receipt-photo download refuses what it must (against the sandbox's media host over real HTTP),
and the reader finds the receipt in generated receipt pages."""

from __future__ import annotations

import pytest
import requests

from bot.config import MediaConfig
from bot.media.download import MediaRefused, check_address, check_url, fetch_image, peer_address
from bot.media.receipt_photo import UnreadableImage, read_receipt_photo
from sandbox.receipt_samples import plain_photo, receipt_page
from tests.conftest import RunningSandbox

CONFIG = MediaConfig()


def upload(sandbox: RunningSandbox, data: bytes, content_type: str) -> str:
    answer = requests.post(f"{sandbox.url}/_sandbox/media", data=data, headers={"Content-Type": content_type},
                           timeout=10)
    answer.raise_for_status()
    return answer.json()["url"]


def test_an_image_from_the_api_host_is_fetched(sandbox: RunningSandbox) -> None:
    data = receipt_page()
    assert fetch_image(upload(sandbox, data, "image/jpeg"), CONFIG, sandbox.url) == data


def test_a_20_mb_body_is_refused_while_streaming(sandbox: RunningSandbox) -> None:
    with pytest.raises(MediaRefused, match="too large"):
        fetch_image(f"{sandbox.url}/media/stream/{20 * 1024 * 1024}", CONFIG, sandbox.url)


def test_a_declared_oversize_body_is_refused_before_reading(sandbox: RunningSandbox) -> None:
    url = upload(sandbox, b"\xff" * (CONFIG.max_bytes + 1), "image/jpeg")
    with pytest.raises(MediaRefused, match="declared"):
        fetch_image(url, CONFIG, sandbox.url)


@pytest.mark.parametrize("content_type", ["text/html", "application/octet-stream", "image/svg+xml"])
def test_a_non_image_type_is_refused(sandbox: RunningSandbox, content_type: str) -> None:
    with pytest.raises(MediaRefused, match="not an image"):
        fetch_image(upload(sandbox, b"<svg/>", content_type), CONFIG, sandbox.url)


@pytest.mark.parametrize("url", [
    "https://example.com/receipt.jpg",  # not Zalo's
    "https://zadn.vn.attacker.example/receipt.jpg",  # Zalo's name inside another domain
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://127.0.0.1:6379/",  # another port on the API host
    "http://photo-talk.zadn.vn/a.jpg",  # Zalo's host without TLS
    "https://photo-talk.zadn.vn:8443/a.jpg",  # an odd port
    "file:///etc/passwd",
    "javascript:alert(1)",
])
def test_hosts_that_are_not_allowed_are_refused(sandbox: RunningSandbox, url: str) -> None:
    with pytest.raises(MediaRefused):
        fetch_image(url, CONFIG, sandbox.url, resolve=lambda host: ["93.184.216.34"])


def test_a_zalo_host_resolving_to_a_private_address_is_refused() -> None:
    for address in ("10.0.0.5", "127.0.0.1", "::1", "169.254.169.254", "fd00::1"):
        with pytest.raises(MediaRefused, match="non-public"):
            check_url("https://photo-talk.zadn.vn/a.jpg", CONFIG, "http://127.0.0.1:1",
                      resolve=lambda host, a=address: [a])
    check_url("https://photo-talk.zadn.vn/a.jpg", CONFIG, "http://127.0.0.1:1", resolve=lambda host: ["49.213.78.1"])


def test_a_redirect_to_a_host_not_allowed_is_refused(sandbox: RunningSandbox) -> None:
    with pytest.raises(MediaRefused, match="not allowed"):
        fetch_image(f"{sandbox.url}/media/redirect?to=https://example.com/x.jpg", CONFIG, sandbox.url,
                    resolve=lambda host: ["93.184.216.34"])
    same_host = upload(sandbox, plain_photo(), "image/jpeg")
    assert fetch_image(f"{sandbox.url}/media/redirect?to={same_host}", CONFIG, sandbox.url) == plain_photo()


def test_a_slow_host_times_out(sandbox: RunningSandbox) -> None:
    url = f"{sandbox.url}/media/stream/{6 * 1024 * 1024}"
    with pytest.raises(MediaRefused):
        fetch_image(url, MediaConfig(timeout_seconds=0.000001), sandbox.url)


def test_the_reader_finds_the_receipt_by_qr_then_by_printed_text() -> None:
    assert read_receipt_photo(receipt_page()).method == "qr"
    reading = read_receipt_photo(receipt_page(receipt="000.00.21.H12-240105-0012", with_qr=False))
    assert (reading.receipt, reading.method) == ("000.00.21.H12-240105-0012", "ocr")
    assert read_receipt_photo(plain_photo()).receipt is None
    with pytest.raises(UnreadableImage):
        read_receipt_photo(b"not an image")


def test_the_address_that_answered_is_checked_too(sandbox: RunningSandbox) -> None:
    """A name that resolved to a public address when checked and to a private one when connecting
    (DNS rebinding) is caught from the connection itself, before the body is read."""
    response = requests.get(f"{sandbox.url}/media/sample-receipt.jpg", stream=True, timeout=5)
    with response:
        assert peer_address(response) == "127.0.0.1"
    with pytest.raises(MediaRefused, match="non-public"):
        check_address("127.0.0.1")
    check_address("49.213.78.1")
