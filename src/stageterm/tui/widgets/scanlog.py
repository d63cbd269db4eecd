"""The running list of this session's scans and what came of each, newest first."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.widget import Widget

from stageterm.tui.look import NOT_TAKEN, OUTCOMES, STYLE_BAD, STYLE_OK, STYLE_WARN, literal
from stageterm.tui.messages import ScanEntry

TAG_STYLES = {"-ok": STYLE_OK, "-refused": STYLE_BAD, "-approval": STYLE_WARN}


class ScanLog(Widget):
    DEFAULT_CLASSES = "scan-log"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: deque[ScanEntry] = deque(maxlen=200)

    def add(self, entry: ScanEntry) -> None:
        self.entries.appendleft(entry)
        self.refresh()

    def clear(self) -> None:
        self.entries.clear()
        self.refresh()

    def render(self) -> Text:
        width = max(20, self.size.width or 80)
        height = max(1, self.size.height or 10)
        text = Text(no_wrap=True, overflow="crop")
        if not self.entries:
            text.append("Scans of this session show here.", style="dim")
            return text
        for index, entry in enumerate(list(self.entries)[:height]):
            line = Text(no_wrap=True, overflow="crop")
            look = OUTCOMES[entry.result.outcome] if entry.taken else NOT_TAKEN
            what = entry.result.message if entry.taken else f"{entry.raw}: not taken"
            if width >= 50:  # the time is the first thing to go on a handheld
                line.append(entry.at.strftime("%H:%M") + " ")
            line.append(look.tag, style=TAG_STYLES.get(look.css, "bold"))
            line.append(" " + literal(what, 300))
            line.truncate(width, overflow="ellipsis")
            if index:
                text.append("\n")
            text.append_text(line)
        return text
