"""The commune's office: who, where, when (hours, holidays) and questions about it."""
