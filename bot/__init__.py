"""Core of the commune one-stop-shop Zalo bot."""
