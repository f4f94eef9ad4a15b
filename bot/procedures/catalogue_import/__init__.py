"""Building the shipped procedure catalogue from the public portal crawls in ../shared/data."""

from bot.procedures.catalogue_import.build import build_catalogue
from bot.procedures.catalogue_import.command import import_catalogue_command

__all__ = ["build_catalogue", "import_catalogue_command"]
