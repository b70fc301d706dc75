#!/usr/bin/env python3
"""rsp.py - a tiny GDB Remote Serial Protocol client for the end-to-end tests.

Faster than starting gdb, and able to misbehave on purpose (half packets,
idle connections, raw bytes).  As a module:

    sys.path.insert(0, "tests/e2e"); import rsp
    c = rsp.Client("127.0.0.1:1234")      # or "unix:/path"
    c.cmd("?")  -> "T05thread:01;"
    c.cmd("c", wait=False); c.interrupt(); c.reply() -> "T02thread:01;"

As a command:  rsp.py ADDR STEP...   prints one line per reply.  A STEP is a
packet payload ("?", "g", "m ffff0,4", "D"), or
    !int        send 0x03 (Ctrl-C)        !wait       read one reply
    !raw:TEXT   send TEXT as it is        !sleep:S    sleep S seconds
    !noreply:P  send packet P, read no reply (c, s)
    !close      close the connection
"""
import socket
import sys
import time


class Error(Exception):
    pass


def frame(payload):
    data = payload.encode("latin-1") if isinstance(payload, str) else payload
    return b"$" + data + b"#%02x" % (sum(data) & 0xFF)


def expand(data):
    """Undo run-length encoding as gdb does: X*c is X and c - 29 more Xs.
    Escapes ('}' and the byte after it) are left for the caller."""
    out = bytearray()
    i = 0
    while i < len(data):
        c = data[i]
        if c == ord("*"):
            if not out or i + 1 >= len(data):
                raise Error("bad run-length encoding in %r" % data)
            out += bytes([out[-1]]) * (data[i + 1] - 29)
            i += 2
            continue
        if c == ord("}") and i + 1 < len(data):
            out += data[i:i + 2]
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


class Client:
    def __init__(self, addr, timeout=10.0):
        if addr.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(addr[5:])
        else:
            host, _, port = addr.rpartition(":")
            self.sock = socket.create_connection((host or "127.0.0.1", int(port)), timeout)
            # As gdb does: an ack followed by the next packet must not wait
            # for a delayed ACK (40 ms a round trip).
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.console = ""   # text of 'O' packets (stop messages, monitor output)

    def close(self):
        self.sock.close()

    def raw(self, data):
        self.sock.sendall(data.encode("latin-1") if isinstance(data, str) else data)

    def _byte(self):
        if not self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise Error("connection closed by kvmstub")
            self.buf = data
        c, self.buf = self.buf[:1], self.buf[1:]
        return c

    def packet(self):
        """The next packet's payload (acks skipped), acknowledged with '+'."""
        while True:
            c = self._byte()
            if c == b"$":
                break
            if c not in (b"+", b"-"):
                raise Error("unexpected byte %r outside a packet" % c)
        data = b""
        while True:
            c = self._byte()
            if c == b"#":
                break
            data += c
        csum = self._byte() + self._byte()
        if int(csum, 16) != sum(data) & 0xFF:
            raise Error("bad checksum in %r" % data)
        self.raw(b"+")
        return expand(data).decode("latin-1")

    def reply(self):
        """The next reply, with console output ('O' packets) collected."""
        while True:
            p = self.packet()
            if p.startswith("O") and p != "OK" and all(c in "0123456789abcdef" for c in p[1:]):
                self.console += bytes.fromhex(p[1:]).decode("latin-1")
                continue
            return p

    def cmd(self, payload, wait=True):
        self.raw(frame(payload))
        return self.reply() if wait else None

    def interrupt(self):
        self.raw(b"\x03")

    def monitor(self, text):
        self.console = ""
        r = self.cmd("qRcmd," + text.encode().hex())
        return r, self.console


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: rsp.py ADDR STEP...")
    c = Client(argv[1])
    for step in argv[2:]:
        if step == "!int":
            c.interrupt()
        elif step == "!wait":
            print(c.reply())
        elif step.startswith("!raw:"):
            c.raw(step[5:])
        elif step.startswith("!sleep:"):
            time.sleep(float(step[7:]))
        elif step.startswith("!noreply:"):
            c.cmd(step[9:], wait=False)
        elif step == "!close":
            c.close()
            return
        else:
            print(c.cmd(step))
        sys.stdout.flush()
    if c.console:
        print("console: " + c.console.rstrip("\n").replace("\n", "\nconsole: "))
    c.close()


if __name__ == "__main__":
    main(sys.argv)
