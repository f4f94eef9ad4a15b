"""What a worker process pays per commune: resident memory of one runtime with its catalogue and matcher,
then of 100 more tenants' runtimes (each with its own Zalo client and sender, sharing the catalogue and
matcher), against the same process's baseline measured in this run.

Run: .venv/bin/python bench/tenants_memory.py   (starts its own redis-server; nothing else needed)
Prints the memory of each step (RSS, or Python's own allocations where larger) and the per-tenant cost
as a fraction of the first commune's.
"""

from __future__ import annotations

import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.devtools.embedded_redis import EmbeddedRedis  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.tenants.admin import add_tenant  # noqa: E402
from bot.tenants.runtimes import TenantRuntimes  # noqa: E402

TENANTS = 100


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp)).start()
        try:
            settings = Settings.from_env(redis_url=server.url, key_prefix="bench:", zalo_app_id="1",
                                         zalo_oa_id="1000", zalo_oa_secret_key="s", zalo_app_secret="a")
            client = redis.Redis.from_url(server.url)
            start = rss_mib()
            base = Runtime.build(settings, client)
            _ = base.services.matcher, base.sender
            first = rss_mib() - start
            runtimes = TenantRuntimes(base)
            for index in range(TENANTS):
                add_tenant(runtimes.registry, f"UBND xã Thử {index}", str(2000 + index), "1", f"s{index}", "a",
                           f"acc{index}", f"ref{index}")
            before = rss_mib()
            tracemalloc.start()  # RSS alone hides small objects in memory the catalogue's load freed
            for rt in runtimes.active()[1:]:
                _ = rt.services.matcher, rt.sender
            traced = tracemalloc.get_traced_memory()[0] / 1024 / 1024
            tracemalloc.stop()
            more = max(rss_mib() - before, traced)
            print(f"first commune (catalogue, matcher, sender): {first:8.1f} MiB")
            print(f"{TENANTS} more communes' runtimes:             {more:8.1f} MiB "
                  f"({more / TENANTS * 1024:.0f} KiB each)")
            print(f"per extra commune / first commune:         {more / TENANTS / first:8.6f}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
