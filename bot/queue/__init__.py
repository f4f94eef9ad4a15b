"""The per-citizen event queue and the worker that drains it (rq)."""
