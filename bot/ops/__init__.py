"""Running the bot as a service: metrics, the worker's heartbeat, readiness, backups."""
