"""Messages between a command and the standby: a 4-byte length, then JSON (ASCII, so the
surrogates of undecodable argv or environment bytes survive), file descriptors alongside
the first message."""

from __future__ import annotations

import json
import os
import socket
import struct
from typing import Any

_LENGTH = struct.Struct("!I")
LONGEST = 8 * 1024 * 1024  # an environment of a few kB; anything near this is not ours


def send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    body = json.dumps(message).encode("ascii")
    data = _LENGTH.pack(len(body)) + body
    if fds:
        sent = socket.send_fds(sock, [data], fds)
        data = data[sent:]
    sock.sendall(data)


def receive(sock: socket.socket, *, max_fds: int = 0) -> tuple[dict[str, Any], list[int]]:
    """One message and the descriptors sent with it. Raises EOFError when the other end
    closed first, ValueError for anything that is not a message."""
    fds: list[int] = []
    if max_fds:
        first, fds, _flags, _address = socket.recv_fds(sock, 65536, max_fds)
    else:
        first = sock.recv(65536)
    try:
        return _message(sock, bytearray(first)), fds
    except BaseException:
        for fd in fds:  # a caller's descriptors held open would keep its pipes open
            os.close(fd)
        raise


def _message(sock: socket.socket, buffer: bytearray) -> dict[str, Any]:
    while len(buffer) < _LENGTH.size:
        buffer += _more(sock)
    (length,) = _LENGTH.unpack_from(buffer)
    if length > LONGEST:
        raise ValueError("message too long")
    while len(buffer) < _LENGTH.size + length:
        buffer += _more(sock)
    message = json.loads(buffer[_LENGTH.size : _LENGTH.size + length].decode("ascii"))
    if not isinstance(message, dict):
        raise ValueError("not a message")
    return message


def _more(sock: socket.socket) -> bytes:
    chunk = sock.recv(65536)
    if not chunk:
        raise EOFError("the other end closed")
    return chunk
