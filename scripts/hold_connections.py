#!/usr/bin/python3
"""Opens N keep-alive connections to HOST:PORT, makes one request on each, then holds them
idle until stdin closes or SECONDS pass. Prints "holding N" once all are established.
Usage: hold_connections.py HOST PORT N [SECONDS]"""
import resource
import selectors
import socket
import sys
import time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
hold_s = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

request = f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
sel = selectors.DefaultSelector()
conns = []
for i in range(n):
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(request)
    conns.append(s)
    if len(conns) % 500 == 0:  # read the answers in batches, so the backlog never overflows
        for c in conns[-500:]:
            if b"200" not in c.recv(4096):
                sys.exit(f"connection {i}: no 200")
for c in conns[len(conns) - len(conns) % 500:]:
    if b"200" not in c.recv(4096):
        sys.exit("no 200")
print(f"holding {len(conns)}", flush=True)
deadline = time.monotonic() + hold_s
while time.monotonic() < deadline:
    time.sleep(0.1)
