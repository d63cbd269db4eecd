"""Thermal printers on the network: ZPL II sent raw over TCP (port 9100, "JetDirect").

`print_unit_label` is what the terminal calls (`@PRINT`, the child of a kitting split);
`send_zpl` is what `stageterm label --printer` calls. Neither knows Textual or the
services. A printer counts as having printed when it has taken every byte and closed the
connection after our end of it, as the CUPS socket backend waits for; a printer that
refuses, cannot be found, or does not finish within the timeout is a `PrinterError` with a
one-line message, never a hang.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from stageterm.domain.model import Unit
from stageterm.labels.content import unit_content
from stageterm.labels.layout import SIZES
from stageterm.labels.make import DPI_CHOICES, LabelError
from stageterm.labels.output import default_size
from stageterm.labels.zpl import zpl_label

RAW_PORT = 9100
TIMEOUT_S = 5.0  # a label printer on the LAN answers within a second; 5 s allows a busy one
_READ_CHUNK = 4096


class PrinterError(Exception):
    """A label could not be printed; the message is one line, safe to show an operator."""


@dataclass(frozen=True)
class PrinterAddress:
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_printer(text: str) -> PrinterAddress:
    """`HOST:PORT`, `HOST` (port 9100) or `[IPv6]:PORT`; PrinterError when it is neither."""
    value = text.strip()
    if not value or not value.isprintable() or any(c.isspace() for c in value):
        raise PrinterError(f"printer {text!a} is not HOST or HOST:PORT")
    host, port_text = value, ""
    if value.startswith("["):  # [::1]:9100
        host, _, rest = value[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise PrinterError(f"printer {text!a} is not HOST or HOST:PORT")
        port_text = rest[1:]
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    if not host:
        raise PrinterError(f"printer {text!a} has no host")
    if not port_text:
        return PrinterAddress(host, RAW_PORT)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise PrinterError(f"printer {text!a}: port must be a number from 1 to 65535")
    return PrinterAddress(host, int(port_text))


def send_zpl(zpl: str, printer: str | PrinterAddress, *, timeout: float = TIMEOUT_S) -> None:
    """Send ZPL to the printer and wait until it has taken all of it, within `timeout`
    seconds in all (connecting, sending and the printer closing)."""
    address = printer if isinstance(printer, PrinterAddress) else parse_printer(printer)
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout) as sock:
            sock.settimeout(_left(deadline))
            sock.sendall(zpl.encode("utf-8"))
            # Our end is done; the printer closes its end once it has read everything.
            sock.shutdown(socket.SHUT_WR)
            while True:
                sock.settimeout(_left(deadline))
                # Whatever a printer says back on this port is not ours to interpret.
                if not sock.recv(_READ_CHUNK):
                    return
    except TimeoutError:
        raise PrinterError(
            f"printer {address} did not take the label within {timeout:g} s "
            "(is it on, online and loaded?)"
        ) from None
    except ConnectionRefusedError:
        raise PrinterError(
            f"printer {address} refused the connection (is this its address and port?)"
        ) from None
    except socket.gaierror:
        raise PrinterError(f"printer {address}: no such host") from None
    except OSError as exc:  # unreachable network, connection reset, …
        raise PrinterError(f"printer {address}: {exc.strerror or exc}") from None


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def print_unit_label(
    unit: Unit,
    printer: str,
    *,
    order: str | None = None,
    lane: str | None = None,
    size: str | None = None,
    dpi: int = DPI_CHOICES[0],
    timeout: float = TIMEOUT_S,
) -> None:
    """Print the unit's label (GS1 logistic label, or Code 128 of its code) on `printer`
    (`HOST[:PORT]`, as `STAGETERM_PRINTER` holds it) on `size` ("100x150" or "100x50";
    default 100x150 for a GS1 label, else 100x50). PrinterError, one line, when the printer
    is not set, not reachable, or the unit's data cannot make a label."""
    if not printer:
        raise PrinterError("no printer set: set STAGETERM_PRINTER to HOST:PORT")
    if size is not None and size not in SIZES:
        raise PrinterError(f"unknown label size {size!a}; choose {', '.join(SIZES)}")
    try:
        content = unit_content(unit, order=order, lane=lane)
        stock = SIZES[size] if size is not None else default_size([content])
        zpl = zpl_label(content, stock, dpi)
    except LabelError as exc:
        raise PrinterError(f"cannot make a label: {exc}") from None
    send_zpl(zpl, printer, timeout=timeout)
