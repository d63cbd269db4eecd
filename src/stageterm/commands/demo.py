"""`stageterm demo`: a demo site in its own database, seeded if empty, then the terminal UI."""

from __future__ import annotations

import argparse

from stageterm.commands.context import Context, require_terminal
from stageterm.commands.exit_codes import Exit
from stageterm.config import default_db_path, normalise_db_url
from stageterm.demo import DEMO_BADGES, NotTheDemo, seed


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "demo",
        help="open a demo site (its own database, seeded if empty)",
        description="Open the terminal UI on a demo site. The demo uses its own database "
        "(never the default one), seeded with a realistic site when empty.",
    )
    p.add_argument(
        "--db", metavar="PATH", help="demo database (default: demo.db in the user data directory)"
    )
    p.add_argument("--seed-only", action="store_true", help="seed the demo database and exit")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.db and normalise_db_url(args.db) == normalise_db_url(str(default_db_path())):
        ctx.err.write("stageterm: the demo never uses the default database; give another --db\n")
        return Exit.USAGE
    if not args.seed_only:
        require_terminal()  # before seeding: without a terminal nothing would be shown
    # The demo database comes from --db or the demo default, never $STAGETERM_DB.
    ctx.settings = ctx.settings.replace(db=args.db or "")
    try:
        seeded = seed(ctx.store(demo=True))
    except NotTheDemo as exc:  # a real site: opening it as the demo would mislead everyone
        ctx.err.write(f"stageterm: not a demo database ({exc}); give another --db\n")
        return Exit.BAD_INPUT
    badges = ", ".join(f"{badge} {name}" for badge, name in DEMO_BADGES.items())
    if args.seed_only:
        ctx.print(("Seeded" if seeded else "Already seeded") + f" demo site. Badges: {badges}")
        return Exit.DONE
    return ctx.run_app(ctx, True)
