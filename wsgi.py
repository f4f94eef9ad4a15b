"""WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi ...`."""

from bot.app import create_app

app = create_app()
