"""`stageterm init`: create or upgrade the database."""

from __future__ import annotations

import argparse

from stageterm.commands.context import Context
from stageterm.commands.exit_codes import Exit


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "init",
        parents=[common],
        help="create or upgrade the database",
        description="Create the database if it is new, or upgrade it to this version's schema.",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    site = ctx.site()
    ctx.print(f"Database ready at schema {site.schema_revision()}: {_safe_url(site.store.url)}")
    return Exit.DONE


def _safe_url(url: str) -> str:
    """The URL without its password (secrets are never printed)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
