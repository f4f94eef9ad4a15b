"""A loopback stand-in for Zalo's OA API: the demo's chat page and the end-to-end test harness."""

from sandbox.config import SandboxConfig

__all__ = ["SandboxConfig"]
