"""WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi ...`."""

from dotenv import load_dotenv

from bot.config import ROOT

# While the demo runs it leaves its Redis URL and sandbox here (bot/devtools/stack.py), so that
# `flask --app wsgi user create …` works in another terminal without exporting anything (a variable
# exported in the shell still wins). The file exists only while the demo runs.
load_dotenv(ROOT / "var" / "demo.env", override=False)

from bot.app import create_app  # noqa: E402 - after the demo's environment is in place

app = create_app()
