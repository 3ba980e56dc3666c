"""flask documents check: can this machine make official documents with intact Vietnamese?"""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

documents_cli = AppGroup("documents", help="The official documents' PDF service (LibreOffice, fonts).")


@documents_cli.command("check")
@click.option("--fontconfig", type=click.Path(dir_okay=False), default=None,
              help="Another fontconfig file to convert with (default: the project's, petitions/documents/fonts).")
def documents_check(fontconfig: str | None):
    """Convert a sample with every Vietnamese letter to PDF and read its text back."""
    from .services.documents import check as doc_check
    soffice = current_app.config.get("DOCUMENTS_SOFFICE", "soffice")
    result = doc_check.check(soffice, fontconfig=fontconfig)
    if result.ok:
        click.echo(f"OK: LibreOffice ({soffice}) converted the sample in {result.seconds:.1f} s with "
                   f"{', '.join(result.fonts)}; '{doc_check.SAMPLE}' and all {len(doc_check.letters())} "
                   "Vietnamese letters read back from the PDF, in order.")
        return
    click.echo("NOT OK: the official documents' PDF would not be right on this machine.", err=True)
    for problem in result.problems:
        click.echo(f"  problem: {problem}", err=True)
    for fix in result.fixes:
        click.echo(f"  fix: {fix}", err=True)
    sys.exit(1)
