"""wire.py - the GDB Remote Serial Protocol as the lockstep tool speaks it.

One Conn per stub: framing, checksums, run-length decoding, binary escapes,
'O' console packets (monitor output), and no-ack mode where the stub offers
it.  Whole replies are cut out of the receive buffer at once, so a 4 KiB
register reply costs one slice, not one Python call per byte.
"""
import os
import socket


class WireError(Exception):
    """The stub closed the connection, broke the protocol, or timed out."""


def frame(payload):
    data = payload if isinstance(payload, bytes) else payload.encode("latin-1")
    return b"$" + data + b"#%02x" % (sum(data) & 0xFF)


def decode(data):
    """A packet body as the stub sent it, run-length encoding expanded (X*n
    is X and n - 29 more Xs, X being the last character put out), as gdb
    does before anything else."""
    star = data.find(b"*")
    if star < 0:
        return data
    out = bytearray()
    start = 0
    while star >= 0:
        if star == start and not out or star + 1 >= len(data):
            raise WireError("bad run-length encoding in %r" % data[:60])
        out += data[start:star]
        out += out[-1:] * (data[star + 1] - 29)
        start = star + 2
        star = data.find(b"*", start)
    out += data[start:]
    return bytes(out)


def unescape(data):
    """Binary data ('}' then the byte xor 0x20), as in qXfer replies."""
    if "}" not in data:
        return data
    out, i = [], 0
    while i < len(data):
        if data[i] == "}" and i + 1 < len(data):
            out.append(chr(ord(data[i + 1]) ^ 0x20))
            i += 2
        else:
            out.append(data[i])
            i += 1
    return "".join(out)


class Conn:
    def __init__(self, addr, name, timeout=30.0):
        self.name = name
        # LOCKSTEP_WIRE_LOG=DIR: every packet each way, one file per stub.
        d = os.environ.get("LOCKSTEP_WIRE_LOG")
        self.wlog = open(os.path.join(d, "%s.%d.wire" % (name, os.getpid())), "a",
                         buffering=1) if d else None
        if addr.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(addr[5:])
        else:
            host, _, port = addr.rpartition(":")
            self.sock = socket.create_connection((host, int(port)), timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.acks = True
        self.ack_due = False    # an ack owed to the stub, sent with the next packet
        self.console = ""
        self.features = {}
        self.bytes_in = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def settimeout(self, t):
        self.sock.settimeout(t)

    def _fill(self):
        try:
            data = self.sock.recv(262144)
        except socket.timeout:
            raise WireError("%s: no reply within %g s" % (self.name, self.sock.gettimeout()))
        except OSError as e:
            raise WireError("%s: %s" % (self.name, e))
        if not data:
            raise WireError("%s closed the connection" % self.name)
        self.bytes_in += len(data)
        self.buf += data

    def send(self, payload):
        if self.wlog:
            self.wlog.write("-> %s\n" % (payload if isinstance(payload, str) else payload.decode("latin-1")))
        self.send_raw(frame(payload))

    def send_raw(self, data):
        # The ack for the last reply travels with the next packet: one
        # system call (and one wake-up of the stub) instead of two.  A stub
        # in system mode does not wait for it (QEMU's gdbstub does not).
        if self.ack_due:
            data = b"+" + data
            self.ack_due = False
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise WireError("%s: cannot send: %s" % (self.name, e))

    def packet(self):
        """The next packet's decoded body (acks and noise before '$' skipped)."""
        while True:
            start = self.buf.find(b"$")
            if start < 0:
                self.buf = b""
                self._fill()
                continue
            end = self.buf.find(b"#", start)
            if end < 0 or end + 3 > len(self.buf):
                self.buf = self.buf[start:]
                self._fill()
                continue
            body = self.buf[start + 1:end]
            csum = self.buf[end + 1:end + 3]
            self.buf = self.buf[end + 3:]
            try:
                ok = int(csum, 16) == sum(body) & 0xFF
            except ValueError:
                ok = False
            if not ok:
                raise WireError("%s: bad checksum on %r" % (self.name, body[:60]))
            if self.acks:
                self.ack_due = True
            body = decode(body)
            if self.wlog:
                self.wlog.write("<- %s\n" % body[:200].decode("latin-1"))
            return body

    def reply(self):
        """The next reply; console output ('O' packets) collected in .console."""
        while True:
            p = self.packet()
            if len(p) > 1 and p[:1] == b"O" and p != b"OK":
                try:
                    self.console += bytes.fromhex(p[1:].decode()).decode("latin-1")
                    continue
                except ValueError:
                    pass
            return p.decode("latin-1")

    def cmd(self, payload):
        self.send(payload)
        return self.reply()

    def monitor(self, text):
        """A qRcmd: (reply, console text)."""
        self.console = ""
        r = self.cmd("qRcmd," + text.encode().hex())
        return r, self.console

    def handshake(self):
        r = self.cmd("qSupported:vContSupported+;xmlRegisters=i386")
        for item in r.split(";"):
            if item.endswith("+"):
                self.features[item[:-1]] = True
            elif "=" in item:
                k, _, v = item.partition("=")
                self.features[k] = v
        if self.features.get("QStartNoAckMode"):
            if self.cmd("QStartNoAckMode") == "OK":
                self.acks = False
        return r

    def xfer(self, obj, annex):
        """A whole qXfer object (features:target.xml, memory-map)."""
        out, off = "", 0
        while True:
            r = self.cmd("qXfer:%s:read:%s:%x,%x" % (obj, annex, off, 0xF00))
            if not r or r[0] not in "lm":
                raise WireError("%s: qXfer:%s:read:%s failed: %r" % (self.name, obj, annex, r))
            chunk = unescape(r[1:])
            out += chunk
            off += len(chunk)
            if r[0] == "l":
                return out
