"""`stageterm report --plot`: the buffer over time and the dwell distribution, PNG or SVG.

matplotlib (Agg, no display needed) is imported here and only here, when a plot is asked
for: it costs ~0.3-0.6 s to import, which no other command should pay. Why matplotlib:
docs/health.md ("The plot").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stageterm.services.report import Report

# The largest groups get a line of their own in the buffer panel; the rest are in the total.
LINES = 6


def draw(report: Report, path: Path) -> None:
    """Write the report's two panels to `path` (.png or .svg, by its extension)."""
    import matplotlib

    matplotlib.use("Agg")  # files only: never look for a display
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from stageterm.domain.metrics import percentile

    fig, (buffer, dwell) = plt.subplots(2, 1, figsize=(10, 7.5), layout="constrained")
    window = f"{report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M}"
    fig.suptitle(f"Staging health by {report.by.value}, {window}", fontsize=13)

    hours = [report.hour(at) for at, _ in report.groups[0].series] if report.groups else []
    if hours:
        total = [sum(g.series[i][1] for g in report.groups) for i in range(len(hours))]
        # Counts at instants (each hour's end), so points joined by lines, not steps.
        buffer.fill_between(hours, total, alpha=0.2, color="grey")
        buffer.plot(hours, total, color="black", linewidth=1.5, marker=".", label="all")
        biggest = sorted(report.groups, key=lambda g: -max((u for _, u in g.series), default=0))
        for g in biggest[:LINES]:
            label = g.key if g.key is not None else "(none)"
            buffer.plot(hours, [u for _, u in g.series], linewidth=1, marker=".", label=label)
        buffer.legend(loc="upper left", fontsize=8, ncols=min(LINES + 1, 4), frameon=False)
        locator = mdates.AutoDateLocator(tz=report.until.tzinfo)
        buffer.xaxis.set_major_locator(locator)
        buffer.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(locator, tz=report.until.tzinfo)
        )
    else:
        buffer.text(
            0.5, 0.5, "no full hour in this window", ha="center", transform=buffer.transAxes
        )
    buffer.set_title("Units staged at each hour's end", loc="left", fontsize=11)
    buffer.set_ylabel("units")
    buffer.set_ylim(bottom=0)
    buffer.grid(alpha=0.3)

    dwells = sorted(d for g in report.groups for d in g.dwells)
    if dwells:
        scale, unit = (3600, "hours") if dwells[-1] >= 3 * 3600 else (60, "minutes")
        values = [d / scale for d in dwells]
        dwell.hist(values, bins=min(40, max(5, len(values) // 3)), color="steelblue")
        for pct, style in ((50, "--"), (90, ":")):
            at = percentile(values, pct)
            if at is not None:
                dwell.axvline(at, color="black", linestyle=style, label=f"p{pct} {at:.1f} {unit}")
        dwell.legend(loc="best", fontsize=9, framealpha=0.9)
        dwell.set_xlabel(f"dwell, {unit} (a stay still open counts to the window's end)")
    else:
        dwell.text(0.5, 0.5, "no stays in this window", ha="center", transform=dwell.transAxes)
    dwell.set_title(f"Dwell of {len(dwells)} stays", loc="left", fontsize=11)
    dwell.set_ylabel("stays")
    dwell.grid(alpha=0.3)

    fig.savefig(path, format=path.suffix.lower().lstrip("."), dpi=100)
    plt.close(fig)
