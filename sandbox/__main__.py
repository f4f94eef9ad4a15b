"""`python -m sandbox --port 8090 --webhook-url http://127.0.0.1:8000/webhook/zalo …`"""

from __future__ import annotations

from dotenv import load_dotenv

from sandbox.config import parse_args
from sandbox.server import serve, serve_with_gunicorn


def main() -> None:
    load_dotenv(override=False)  # the same .env the bot reads, so ids and secrets agree
    config = parse_args()
    if config.server == "gunicorn":
        serve_with_gunicorn(config, config.threads)
    else:
        serve(config)


if __name__ == "__main__":
    main()
