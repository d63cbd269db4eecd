"""The floor terminal: a Textual app that talks to the site only through `stageterm.services`.

`app.StagetermApp` is the entry point (built by `stageterm.cli.run_app`); screens live in
`screens/`, reusable widgets in `widgets/`, styles in `styles/*.tcss`.
"""

import os

# Frames at up to 240 a second rather than Textual's 60. Textual paints a dirty screen on a
# timer whose ticks keep their phase: a frame that follows another (the scan field emptied,
# then the answer a few milliseconds later) waits one to two periods, 17-33 ms at 60 fps,
# which was most of the time from a scan to its answer on screen (docs/performance.md,
# "Through a real pty"). At 240 the wait is 4-8 ms; a frame is still only painted when
# something changed, so an idle terminal sends nothing more. An explicit TEXTUAL_FPS
# (textual-serve sets 60 for the browser board) is left as it is. A scan's answer no longer
# waits for the timer at all (tui/frames.py); other changes (typing, boards) still do.
os.environ.setdefault("TEXTUAL_FPS", "240")
