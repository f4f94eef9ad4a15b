"""Finding a receipt number (mã hồ sơ) in a photo of the paper receipt. No network, no Redis.

The national one-stop systems print the receipt ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") with
the number and, usually, a QR code holding it or a look-up link. QR codes are decoded with zxing-cpp;
failing that the page is read with Tesseract (Vietnamese data). Whatever text comes out goes to the
one receipt detector (bot.dossiers.receipts), so a photo finds exactly what typing would.
The image lives in memory only and is dropped when reading ends.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytesseract
import zxingcpp
from PIL import Image, ImageOps

from bot.dossiers.receipts import find_receipts

# A phone photo is at most about 50 megapixels; anything larger is refused before decoding it whole.
MAX_PIXELS = 60_000_000
# Tesseract reads printed text best around 300 dpi: an A4 page about 2,500 px wide. Larger is slower only.
OCR_MAX_SIDE = 2600
OCR_MIN_SIDE = 1400
# Reading happens while the worker holds the citizen's lock (USER_LOCK_TTL_SECONDS, 30 s by default, renewed
# between sends): the download (MEDIA_TIMEOUT_SECONDS, 10 s) plus this stays well inside it.
OCR_TIMEOUT_SECONDS = 10


class UnreadableImage(ValueError):
    pass


@dataclass(frozen=True)
class PhotoReading:
    receipt: str | None
    method: str  # "qr", "ocr" or "none"


def open_image(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise UnreadableImage("image too large")
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, Image.DecompressionBombError) as exc:
        raise UnreadableImage(str(exc)) from exc
    return ImageOps.exif_transpose(image) or image


def receipt_from_codes(image: Image.Image) -> str | None:
    for barcode in zxingcpp.read_barcodes(image):
        found = find_receipts(barcode.text)
        if found:
            return found[0]
    return None


def _for_ocr(image: Image.Image) -> Image.Image:
    gray = ImageOps.grayscale(image)
    longest = max(gray.size)
    if longest > OCR_MAX_SIDE or longest < OCR_MIN_SIDE:
        gray = ImageOps.contain(gray, (OCR_MAX_SIDE, OCR_MAX_SIDE) if longest > OCR_MAX_SIDE
                                else (OCR_MIN_SIDE, OCR_MIN_SIDE), Image.Resampling.LANCZOS)
    return ImageOps.autocontrast(gray)


def receipt_from_text(image: Image.Image, languages: str) -> str | None:
    try:
        text = pytesseract.image_to_string(_for_ocr(image), lang=languages, timeout=OCR_TIMEOUT_SECONDS)
    except (pytesseract.TesseractError, RuntimeError):  # RuntimeError: Tesseract's timeout
        return None
    found = find_receipts(text)
    return found[0] if found else None


def read_receipt_photo(data: bytes, languages: str = "vie+eng") -> PhotoReading:
    """The receipt number in the photo, and how it was found; UnreadableImage if it is no image."""
    image = open_image(data)
    try:
        receipt = receipt_from_codes(image)
        if receipt:
            return PhotoReading(receipt, "qr")
        receipt = receipt_from_text(image, languages)
        return PhotoReading(receipt, "ocr" if receipt else "none")
    finally:
        image.close()
