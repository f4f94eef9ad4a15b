"""Webhook ingress: reading, verifying and accepting Zalo's events (no Zalo client, no requests)."""
