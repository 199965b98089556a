"""``fatong new-plugin NAME``: a plain click command, no application or database needed."""

from __future__ import annotations

from pathlib import Path

import click

from core.scaffold.render import PluginSpec, ScaffoldError, scaffold


@click.command("new-plugin")
@click.argument("name")
@click.option("--directory", "-d", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True,
              help="Where to create the fatong-<name> folder.")
@click.option("--title", default="",
              help="English title (the msgid); default: the name, capitalised.")
@click.option("--title-zh", default="", help="Chinese title for the zh_CN catalog.")
@click.option("--vendor", default="", help="Who ships the plugin (shown on the console).")
def new_plugin(name: str, directory: Path, title: str, title_zh: str, vendor: str) -> None:
    """Create a plugin package NAME: pyproject, entry point, model, migration, pages,
    permissions, translations and a passing test suite (see docs/plugins.md)."""
    spec = PluginSpec(name=name, title=title.strip(), title_zh=title_zh.strip(),
                      vendor=vendor.strip())
    try:
        target = scaffold(spec, directory)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"created {target}")
    click.echo("next: pip install -e " + str(target) + f", then fatong db upgrade and "
               f"fatong plugins enable <tenant> {name} (see {target / 'README.md'})")
