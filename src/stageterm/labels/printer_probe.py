"""Is the label printer there: a TCP connection to its raw port, opened and closed at once.

Nothing is sent, so nothing prints; `stageterm doctor` asks this. A printer that does not
take the connection within the timeout, refuses it, or has a name that resolves to
nothing is a one-line reason, never a hang.
"""

from __future__ import annotations

import socket

from stageterm.labels.printer import PrinterAddress


def printer_problem(address: PrinterAddress, *, timeout: float = 5.0) -> str | None:
    """None when the printer took a connection within `timeout` seconds; else why not."""
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout):
            return None
    except TimeoutError:
        return (
            f"printer {address} did not answer within {timeout:g} s (is it on and on the network?)"
        )
    except ConnectionRefusedError:
        return f"printer {address} refused the connection (is this its address and port?)"
    except socket.gaierror:
        return f"printer {address}: no such host"
    except OSError as exc:  # network unreachable, no route to host, …
        return f"printer {address}: {(exc.strerror or str(exc)).lower()}"
