"""A Linux terminal driver that survives bytes that are not UTF-8.

Textual's stock `LinuxDriver` decodes terminal input with a strict UTF-8 decoder, so
one stray byte from a misconfigured terminal client (Latin-1 "Ä" is 0xC4) raises in the
input thread and the app exits (Textualize/textual#6456). This driver decodes with
errors="replace": the byte arrives as U+FFFD, which the scan handling turns into a
readable error, and the shift goes on.

It also ends the app when the terminal hangs up (the SSH session ended: client killed,
network gone, window closed). sshd's SIGHUP normally ends the process first; where
SIGHUP is ignored (a wrapper that traps it, nohup), reading the dead terminal fails
with EIO or EOF on every select, and the stock driver would spin there for ever, holding
the signed-in operator's session. Here the app exits instead.

And it hands a run of plain characters read together (a scanner's burst) to an app that
takes them (`TAKES_TYPED`) as one `Typed` message instead of a key event each
(widgets/scanfield.py says why).
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from stageterm.tui.widgets.scanfield import grouped

REPLACEMENT = "\ufffd"


class ForgivingLinuxDriver(LinuxDriver):
    """`LinuxDriver` with an input decoder that replaces undecodable bytes."""

    def run_input_thread(self) -> None:
        # Mirrors LinuxDriver.run_input_thread (textual 8.2); only the decoder differs.
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        hung_up = False
        typed = getattr(self._app, "TAKES_TYPED", False)

        def read() -> bytes:
            nonlocal hung_up
            try:
                data = os.read(fileno, 1024 * 4)
            except OSError:  # EIO: the terminal hung up
                data = b""
            if not data and self.input_tty:
                hung_up = True
            return data

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for last, (_key, mask) in loop_last(events):
                if mask & selectors.EVENT_READ:
                    text = decode(read(), final=final and last)
                    if not text:
                        break
                    messages = parser.feed(text)
                    for message in grouped(messages) if typed else messages:
                        self.process_message(message)
            for message in parser.tick():
                self.process_message(message)

        try:
            while not self.exit_event.is_set() and not hung_up:
                process(selector.select(0.1))
            selector.unregister(self.fileno)
            if hung_up:
                _forget_terminal()
                self._loop.call_soon_threadsafe(self._app.exit)
            else:
                process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _message in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass


def _forget_terminal() -> None:
    """Point stdin, stdout and stderr at /dev/null once the terminal has hung up.

    Writes to a hung-up terminal fail with EIO: the app's last screen updates would kill
    Textual's writer thread, and Python's final flush would end the process with status 120.
    """
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in (0, 1, 2):
            os.dup2(null, fd)
    finally:
        os.close(null)
