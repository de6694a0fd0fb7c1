"""digest serve [--port P] [--no-build] [--no-pdf]"""

from __future__ import annotations

import threading
from pathlib import Path

import click

from digest.commands import State, pass_state
from digest.errors import UserError
from digest.serve import PreviewServer


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port on 127.0.0.1 to serve on (0: any free port).",
)
@click.option("--no-build", is_flag=True, help="Serve the preview as it is; do not build first.")
@click.option("--no-pdf", is_flag=True, help="Leave the PDFs out of rebuilds (faster).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to build and serve the preview (default: .digest/preview/).",
)
@pass_state
def serve(state: State, port: int, no_build: bool, no_pdf: bool, out: Path | None) -> None:
    """Preview the site, drafts included, on 127.0.0.1; rebuild when an issue, the theme or
    feeds.yaml changes, and reload the open page. Nothing is written into site/."""
    config = state.config()
    try:
        server = PreviewServer(config, out, port=port, pdfs=not no_pdf, report=click.echo)
    except OSError as exc:
        raise UserError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", hint="Try another --port."
        ) from None
    if not no_build:
        server.build()
    server.start()
    click.echo(f"serving {server.out} at {server.url}  (Ctrl+C to stop)")
    try:
        threading.Event().wait()
    finally:
        server.stop()
