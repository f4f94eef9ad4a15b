"""Emergency broadcasts: CAP-shaped announcements, targeting, rate-limited fan-out, delivery records."""
