"""Fixed Vietnamese texts the bot sends. Polite (Anh/Chị), short, with correct diacritics."""

from __future__ import annotations

from bot.conversation.replies import Button, Reply

MENU_BUTTONS = (
    Button("Hỏi thủ tục", "#procedures"),
    Button("Tra cứu hồ sơ", "#dossier_help"),
    Button("Thông báo khẩn", "#alerts"),
    Button("Gặp cán bộ", "#staff"),
)


def menu(intro: str = "Anh/Chị cần hỗ trợ gì ạ?") -> Reply:
    return Reply(
        f"{intro}\n"
        "• Hỏi thủ tục: gõ tên việc cần làm, ví dụ \"làm giấy khai sinh\", \"đăng ký kết hôn\".\n"
        "• Tra cứu hồ sơ: gửi mã biên nhận, ví dụ \"H56.14-240823-0001\".\n"
        "• Xem thông báo khẩn cấp của xã/phường.\n"
        "• Gặp cán bộ bộ phận một cửa.",
        MENU_BUTTONS,
    )


def welcome(commune_name: str) -> Reply:
    return menu(f"Chào mừng Anh/Chị đến với trang Zalo của {commune_name}!")


NOT_UNDERSTOOD = "Dạ, hiện em chưa hiểu rõ câu hỏi của Anh/Chị."
PLEASE_TYPE = (
    "Dạ, em đã nhận được tin của Anh/Chị nhưng hiện chỉ đọc được tin nhắn chữ. "
    "Anh/Chị vui lòng gõ câu hỏi bằng chữ giúp em nhé."
)
SORRY_BUSY = (
    "Dạ, hệ thống đang bận nên em chưa trả lời được tin nhắn vừa rồi. "
    "Anh/Chị vui lòng gửi lại sau ít phút, hoặc bấm \"Gặp cán bộ\" để được hỗ trợ."
)
