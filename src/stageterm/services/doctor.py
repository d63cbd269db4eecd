"""`stageterm doctor`: is this site set up right? What site IT would check by hand, each
finding one line with what to do (SPEC §6c).

Checks, in this order: database (reachable), schema (at this version's `HEAD`), disk
(free space where the database lives), clock (against upstream's `Date`), upstream,
feed, inbox, printer, secrets. Nothing is written anywhere: the database is opened
without migrating (a migration would hide a schema behind), a SQLite file that is not
there is not created, and a feed's page or a printer's port is looked at, not used.

The clock is judged against upstream only, the clock events are compared with there: with
no upstream set, or none answering with a `Date`, it is "not checked" and passes (the
upstream line already fails and says what to do).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from stageterm.config.model import Settings
from stageterm.labels.printer import PrinterAddress
from stageterm.labels.printer_probe import printer_problem
from stageterm.services.doctor_files import (
    Finding,
    disk_finding,
    inbox_finding,
    secrets_finding,
)
from stageterm.store.errors import StoreError
from stageterm.store.migrations import HEAD
from stageterm.sync.probe import Look, look

CHECKS = (
    "database",
    "schema",
    "disk",
    "clock",
    "upstream",
    "feed",
    "inbox",
    "printer",
    "secrets",
)
CLOCK_LIMIT_S = 60.0  # SPEC §6c: more than this off upstream's Date fails
TIMEOUT_S = 5.0
# Statuses that say "not you": the far side looked at the token (or its absence) and said no.
_REFUSED = frozenset({401, 403, 407})
# A GET on a capture endpoint may be answered 404 or 405 by a receiver that only takes
# POSTs; sync's POSTs are the real test there. The feed defines GET, so not for it.
_CAPTURE_GET_OK = frozenset({404, 405})


def examine(
    settings: Settings, *, env_files: Sequence[Path] = (), timeout: float = TIMEOUT_S
) -> list[Finding]:
    """One finding per check, in `CHECKS` order. `env_files`: files that hold secrets
    besides stageterm.toml (the services' `EnvironmentFile=`)."""
    url = settings.db_url()
    database, schema = _database(url, settings, timeout)
    upstream_look = (
        look(
            settings.upstream_url,
            settings.upstream_token,
            timeout=timeout,
            ca_bundle=settings.upstream_ca_bundle,
        )
        if settings.upstream_url
        else None
    )
    findings = [
        database,
        schema,
        _disk(url),
        _clock(upstream_look),
        _upstream(upstream_look, settings.upstream_token),
        _feed(settings, timeout),
        inbox_finding(settings.inbox),
        _printer(settings, timeout),
        secrets_finding(settings.config_file, env_files),
    ]
    return findings


def all_passed(findings: Sequence[Finding]) -> bool:
    return all(f.ok for f in findings)


# -- the database ---------------------------------------------------------------------------


def shown_db(url: str) -> str:
    """The database URL without its password (secrets are never printed)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:  # normalised by config, so this is a URL nobody could open
        return "the database"


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    path = make_url(url).database
    return Path(path) if path and path != ":memory:" else None


def _database(url: str, settings: Settings, timeout: float) -> tuple[Finding, Finding]:
    from stageterm.store.engine import open_store
    from stageterm.store.migrate import current_revision

    shown = shown_db(url)
    not_checked = Finding("schema", False, "not checked: the database cannot be read")
    file = _sqlite_file(url)
    if file is not None and not file.is_file():
        found = Finding(
            "database",
            False,
            f"no database at {file}: create it with `stageterm init` "
            "(as the user the services run as)",
        )
        return found, not_checked
    try:
        store = open_store(url, busy_timeout_s=min(settings.busy_timeout, timeout))
    except StoreError as exc:
        return Finding("database", False, f"{shown}: {exc}"), not_checked
    try:
        revision = current_revision(store)
    except (SQLAlchemyError, StoreError) as exc:
        # Unreachable server, wrong password, a file that is not a database: the driver's
        # first line (it names the host and the user, never the password).
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        found = Finding(
            "database", False, f"cannot read {shown}: {reason}: check STAGETERM_DB and the server"
        )
        return found, not_checked
    finally:
        store.dispose()
    return Finding("database", True, f"{shown} answers"), _schema(revision)


def _schema(revision: str | None) -> Finding:
    if revision is None:
        return Finding(
            "schema", False, f"no stageterm schema: run `stageterm init` (brings it to {HEAD})"
        )
    if revision == HEAD:
        return Finding("schema", True, f"at {HEAD}, this version's newest")
    if revision.isdigit() and HEAD.isdigit() and int(revision) > int(HEAD):
        return Finding(
            "schema",
            False,
            f"at {revision}, newer than this version's {HEAD}: upgrade stageterm on this host "
            "(docs/deployment.md, Upgrades)",
        )
    return Finding(
        "schema",
        False,
        f"at {revision}, behind this version's {HEAD}: run `stageterm init` "
        "(as the user the services run as)",
    )


def _disk(url: str) -> Finding:
    file = _sqlite_file(url)
    if file is None:
        return Finding(
            "disk", True, "not checked here: the database is on its server (check the disk there)"
        )
    folder = file.parent
    if not folder.is_dir():
        return Finding("disk", False, f"no folder {folder}: create it for the database")
    return disk_finding(folder)


# -- the far sides --------------------------------------------------------------------------


def _clock(found: Look | None) -> Finding:
    if found is None:
        return Finding("clock", True, "not checked: no upstream to compare with")
    if found.offset_s is None:
        why = "upstream did not answer" if found.status is None else "upstream sent no Date"
        return Finding("clock", True, f"not checked: {why}")
    off = found.offset_s
    words = f"{abs(off):.0f} s {'ahead of' if off > 0 else 'behind'} upstream"
    if abs(off) > CLOCK_LIMIT_S:
        return Finding(
            "clock",
            False,
            f"{words} (fails over {CLOCK_LIMIT_S:.0f} s): event times and dwell would be "
            "wrong; turn on time sync (timedatectl set-ntp true) on this host",
        )
    return Finding("clock", True, f"{words} (within {CLOCK_LIMIT_S:.0f} s)")


def _upstream(found: Look | None, token: SecretStr) -> Finding:
    if found is None:
        return Finding(
            "upstream",
            False,
            "STAGETERM_UPSTREAM_URL is not set: events would never leave this site; "
            "set it to upstream's EPCIS capture address",
        )
    return _judge(
        "upstream",
        found,
        token,
        url_setting="STAGETERM_UPSTREAM_URL",
        token_setting="STAGETERM_UPSTREAM_TOKEN",
        also_fine=_CAPTURE_GET_OK,
    )


def _feed(settings: Settings, timeout: float) -> Finding:
    if not settings.master_url:
        return Finding("feed", True, "not configured (STAGETERM_MASTER_URL unset)")
    # What `pull` asks first: the first page of locations (only its headers are read).
    first = settings.master_url.rstrip("/") + "/locations"
    found = look(first, settings.master_token, timeout=timeout)
    return _judge(
        "feed",
        found,
        settings.master_token,
        url_setting="STAGETERM_MASTER_URL",
        token_setting="STAGETERM_MASTER_TOKEN",
    )


def _judge(
    check: str,
    found: Look,
    token: SecretStr,
    *,
    url_setting: str,
    token_setting: str,
    also_fine: frozenset[int] = frozenset(),
) -> Finding:
    where, status = found.url, found.status
    if status is None:
        return Finding(
            check, False, f"{where}: {found.problem}: check {url_setting} and that it is up"
        )
    if status in _REFUSED:
        if token.get_secret_value():
            return Finding(
                check, False, f"{where} refused the token ({status}): check {token_setting}"
            )
        return Finding(
            check, False, f"{where} wants a token ({status}) and none is set: set {token_setting}"
        )
    if 300 <= status < 400:
        return Finding(
            check,
            False,
            f"{where} redirects ({status}) to {found.location or 'elsewhere'}; redirects are "
            f"not followed (they could carry the token away): set {url_setting} to the "
            "address it names",
        )
    if status >= 500:
        return Finding(check, False, f"{where} answered {status}: it is failing; ask its owners")
    if 200 <= status < 300 or status in also_fine:
        accepted = "token accepted" if token.get_secret_value() else "no token set"
        if status >= 400:
            accepted = f"a GET is answered {status}, sync POSTs here"
        return Finding(check, True, f"{where} answers ({status}; {accepted})")
    return Finding(check, False, f"{where} answered {status}: check {url_setting}")


def _printer(settings: Settings, timeout: float) -> Finding:
    address = settings.printer_address()
    if address is None:
        return Finding("printer", True, "not configured (STAGETERM_PRINTER unset)")
    problem = printer_problem(PrinterAddress(*address), timeout=timeout)
    if problem is not None:
        return Finding("printer", False, f"{problem}: check STAGETERM_PRINTER")
    return Finding("printer", True, f"{PrinterAddress(*address)} takes connections")
