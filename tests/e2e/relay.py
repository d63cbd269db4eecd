"""An ssh ProxyCommand that carries the connection byte for byte: stdin/stdout <-> TCP.

`python relay.py HOST PORT`. The end-to-end tests stop it (SIGSTOP) to make the network
between a handheld and the host vanish: no bytes either way and no FIN, as when Wi-Fi
drops, while the ssh client itself stays alive.
"""

from __future__ import annotations

import os
import selectors
import socket
import sys


def relay(host: str, port: int) -> None:
    sock = socket.create_connection((host, port))
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ, "client")
    selector.register(sock, selectors.EVENT_READ, "network")
    while True:
        for key, _mask in selector.select():
            if key.data == "client":
                data = os.read(0, 65536)
                if not data:
                    sock.shutdown(socket.SHUT_WR)
                    selector.unregister(0)
                    continue
                sock.sendall(data)
            else:
                data = sock.recv(65536)
                if not data:
                    return
                while data:
                    data = data[os.write(1, data) :]


if __name__ == "__main__":
    relay(sys.argv[1], int(sys.argv[2]))
