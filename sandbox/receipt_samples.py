"""Receipt-like pages for the media tests, the benchmark and the chat page's sample photo.

Drawn with Pillow in the layout of the national one-stop receipt ("Giấy tiếp nhận hồ sơ và hẹn
trả kết quả", Circular 01/2018/TT-VPCP form 01): the heading, the receipt number after "Mã hồ sơ",
and optionally a QR code holding a look-up link with the number. Slightly rotated and noisy, as a
phone photo of paper is.
"""

from __future__ import annotations

import io
import random

import segno
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
LOOKUP_URL = "https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma_ho_so={receipt}"


def _font(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return ImageFont.load_default(size)


def receipt_page(receipt: str = "H56.14-240823-0001", with_qr: bool = True, seed: int = 7) -> bytes:
    """A JPEG photo of a receipt page (about 1,240 x 1,754 px, A4 at 150 dpi)."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    regular, bold, small = _font(FONT, 30), _font(BOLD, 34), _font(FONT, 26)
    lines = [
        (bold, "UBND XÃ BÌNH AN", 80),
        (small, "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", 130),
        (bold, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 200),
        (small, "Độc lập - Tự do - Hạnh phúc", 250),
        (bold, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", 360),
        (regular, f"Mã hồ sơ: {receipt}", 460),
        (regular, "Bộ phận tiếp nhận và trả kết quả UBND xã Bình An", 540),
        (regular, "Tiếp nhận hồ sơ của: Nguyễn Văn An", 600),
        (regular, "Nội dung yêu cầu giải quyết: Đăng ký khai sinh", 660),
        (regular, "Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 23/08/2024", 720),
        (regular, "Thời gian trả kết quả: 17 giờ 00 phút, ngày 26/08/2024", 780),
        (regular, "Vào Sổ theo dõi hồ sơ, Quyển số: 01, Số thứ tự: 1234", 840),
        (small, "NGƯỜI NỘP HỒ SƠ                    NGƯỜI TIẾP NHẬN HỒ SƠ", 1000),
    ]
    for font, text, top in lines:
        width = draw.textlength(text, font=font)
        left = (page.width - width) / 2 if top < 420 else 90
        draw.text((left, top), text, fill=(25, 25, 30), font=font)
    if with_qr:
        buffer = io.BytesIO()
        segno.make(LOOKUP_URL.format(receipt=receipt), error="m").save(buffer, kind="png", scale=7, border=4)
        code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
        page.paste(code, (page.width - code.width - 80, 420))
    rng = random.Random(seed)
    photo = page.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC, expand=True,
                        fillcolor=(235, 232, 225))
    photo = photo.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=82)
    return out.getvalue()


def plain_photo(seed: int = 3) -> bytes:
    """A photo with no receipt on it (a landscape of coloured blocks)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (800, 600), (120, 170, 210))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(800), rng.randrange(600)
        draw.rectangle((x, y, x + rng.randrange(20, 160), y + rng.randrange(20, 120)),
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
