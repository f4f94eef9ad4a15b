"""`flask --app wsgi import-catalogue`: rebuild data/catalogue.json.gz from ../shared/data."""

from __future__ import annotations

import time
from pathlib import Path

import click

from bot.config import ROOT
from bot.procedures.catalogue import CATALOGUE_FILE, load_catalogue, write_catalogue
from bot.procedures.catalogue_import.build import ImportStats, build_catalogue

DEFAULT_SOURCE = ROOT.parent / "shared" / "data"


@click.command("import-catalogue")
@click.option(
    "--source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEFAULT_SOURCE,
    show_default=True,
    help="Folder with the shared reference data (the crawls and CSVs).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=CATALOGUE_FILE.parent,
    show_default=True,
    help="Folder to write catalogue.json.gz into.",
)
def import_catalogue_command(source: Path, out: Path) -> None:
    """Build the procedure catalogue from the public portal crawls."""
    started = time.perf_counter()
    stats = ImportStats()
    data = build_catalogue(source, stats)
    target = out / CATALOGUE_FILE.name
    write_catalogue(data, target)
    catalogue = load_catalogue(target)
    procs = catalogue.procedures.values()
    click.echo(
        f"{len(catalogue)} procedures, {sum(p.has_details for p in procs)} with details, "
        f"{sum(p.has_fee for p in procs)} with fees, {sum('xa' in p.levels for p in procs)} at Cấp xã, "
        f"{len(catalogue.life_events)} life events -> {target} "
        f"({target.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s)"
    )
    docs, steps = stats.documents, stats.steps
    click.echo(
        f"documents: {docs.official_sentences} officials' sentences dropped ({docs.rows_dropped} rows left empty), "
        f"{docs.headers} header lines ({docs.case_headings} case headings), {docs.duplicates} repeated rows; "
        f"steps: {steps.garbled} garbled, {steps.repaired} repaired from a clean copy, {steps.dropped} left out "
        f"({steps.procedures_unreliable} procedures marked steps_unreliable)"
    )
