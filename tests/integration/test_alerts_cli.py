"""`stageterm alerts` and alert posting by `stageterm sync`, through the installed command."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from integration.alert_receiver import AlertReceiver
from integration.helpers import build_site
from integration.receiver import Receiver
from stageterm.store.engine import Store


def _site_now(store: Store) -> None:
    build_site(store, datetime.now().astimezone())


def test_alerts_json_lists_the_old_lane_and_the_order_at_risk(sqlite_factory, run_cli) -> None:  # type: ignore[no-untyped-def]
    db = sqlite_factory.url("alerts-now", _site_now)
    # SO-1 is due in 2 hours: at risk with a 3-hour window, not with the default hour.
    calm = run_cli("alerts", "--json", db=db)
    assert calm.returncode == 0, calm.stderr
    assert [(a["kind"], a["subject"]) for a in json.loads(calm.stdout)] == [("lane-old", "L-OPEN")]

    got = run_cli("alerts", "--json", db=db, env={"STAGETERM_AT_RISK_MINUTES": "180"})
    assert got.returncode == 0, got.stderr
    alerts = json.loads(got.stdout)
    assert [(a["kind"], a["subject"]) for a in alerts] == [
        ("lane-old", "L-OPEN"),
        ("order-at-risk", "SO-1"),
    ]
    for alert in alerts:
        assert set(alert) == {"kind", "subject", "message", "since"}
        datetime.fromisoformat(alert["since"])

    text = run_cli("alerts", db=db, env={"STAGETERM_AT_RISK_MINUTES": "180"})
    assert "order-at-risk" in text.stdout and "SO-1" in text.stdout


def test_a_lead_acknowledges_from_the_command_line_and_an_operator_cannot(
    sqlite_factory, run_cli
) -> None:  # type: ignore[no-untyped-def]
    db = sqlite_factory.url("alerts-ack", _site_now)
    listed = run_cli("alerts", db=db)
    alert_id = listed.stdout.split()[0]
    refused = run_cli("alerts", "--ack", alert_id, "--operator", "1001", db=db)
    assert refused.returncode == 3 and "lead" in refused.stderr
    assert "Traceback" not in refused.stderr
    usage = run_cli("alerts", "--ack", alert_id, db=db)
    assert usage.returncode == 1
    done = run_cli("alerts", "--ack", alert_id, "--operator", "2001", db=db)
    assert done.returncode == 0, done.stderr
    assert "acknowledged by 2001" in done.stdout
    again = run_cli("alerts", db=db)
    assert "seen by 2001" in again.stdout


def test_sync_once_posts_each_alert_once(sqlite_factory, run_cli) -> None:  # type: ignore[no-untyped-def]
    db = sqlite_factory.url("alerts-post", _site_now)
    upstream = Receiver().start()
    alerts = AlertReceiver()
    try:
        env: dict[str, Any] = {
            "STAGETERM_UPSTREAM_URL": upstream.url,
            "STAGETERM_ALERT_URL": alerts.url,
        }
        for _ in range(2):
            got = run_cli("sync", "--once", db=db, env=env)
            assert got.returncode == 0, got.stderr
        assert [(b["kind"], b["subject"]) for b in alerts.bodies] == [("lane-old", "L-OPEN")]
    finally:
        alerts.close()
        upstream.stop()
