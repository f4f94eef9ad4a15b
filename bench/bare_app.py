"""The baseline for bench/webhook.py: a bare Flask endpoint that answers 200 and does nothing."""

from flask import Flask

app = Flask(__name__)


@app.post("/webhook/zalo")
def receive() -> tuple[str, int]:
    return "{\"ok\":true}", 200
