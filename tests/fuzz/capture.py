#!/usr/bin/env python3
"""capture.py - record what a real gdb sends, byte for byte, for the seed corpus.

A TCP proxy between gdb and kvmstub: it forwards both directions and saves
the client's bytes (acks, packets, 0x03) to OUT, one connection.

    ./kvmstub --listen 127.0.0.1:1234 guests/kernel1.bin &
    tests/fuzz/capture.py 1235 127.0.0.1:1234 tests/fuzz/corpus/kernel1-stepi &
    gdb -batch -x gdbscripts/kvmstub.gdb -ex 'target remote :1235' -ex stepi ...
"""
import select
import socket
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: capture.py LISTEN_PORT HOST:PORT OUT")
    host, port = sys.argv[2].rsplit(":", 1)
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", int(sys.argv[1])))
    lsock.listen(1)
    client, _ = lsock.accept()
    server = socket.create_connection((host, int(port)))
    recorded = bytearray()
    peers = {client: server, server: client}
    while True:
        ready, _, _ = select.select(list(peers), [], [])
        for s in ready:
            data = s.recv(65536)
            if not data:
                with open(sys.argv[3], "wb") as f:
                    f.write(recorded)
                return
            if s is client:
                recorded += data
            peers[s].sendall(data)


if __name__ == "__main__":
    main()
