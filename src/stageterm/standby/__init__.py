"""The standby: a process per user and host that has stageterm loaded, so that a
command-line `move` or `scan` does not pay for importing SQLAlchemy, SQLModel and
pydantic on every call (SPEC §10: ≤ 300 ms for the whole process; the imports alone take
more than that on a small machine).

How it goes (the design of Rails' Spring and Android's zygote: preload, then fork a
process per command):

- `stageterm move …` (client.py) finds the standby's socket and hands over its argv,
  environment, working folder, umask and its own stdin, stdout and stderr (the file
  descriptors themselves, SCM_RIGHTS). The standby forks a child that takes all of those
  on and runs the very same `cli.main(argv)`; the child writes straight to the caller's
  terminal or pipe, and the caller exits with the child's exit code. Ctrl-C and
  termination signals are passed on to the child.
- No standby yet: the command runs in its own process as before and starts one in the
  background for the next call. A standby ends after STAGETERM_STANDBY_IDLE_S seconds
  (default 600) without a command; it is keyed by the interpreter, stageterm's code (a
  changed file means a new standby) and the locale, so it never runs stale code.
- STAGETERM_STANDBY=off: every command runs in its own process, as before.

Only commands that run and end (`move`, `scan`, `unit`, `queue`, `report`) are handed
over; the terminal UI, the demo and the long-running workers always run in their own
process. The socket lives in a folder only its user can open ($XDG_RUNTIME_DIR, else
/tmp/stageterm-UID, mode 0700, checked), and the standby checks the caller's uid.

This package stands outside the layers (pyproject's import-linter contract): client.py
imports nothing of stageterm and is what `cli.main` calls first; server.py runs
`cli.main` in its children.
"""
