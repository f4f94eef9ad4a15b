"""Dossier status: the record, where it comes from, who may see it, and pushes when it changes."""
