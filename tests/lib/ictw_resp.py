"""tests/lib/ictw_resp.py - a minimal RESP2 client with pipelining, for tests and tools.

redis-cli is fine for a handful of commands; filling streams with hundreds of
thousands of entries or reading every aggregate key needs pipelining over one
socket. Replies: bytes (bulk/status), int, list, None (nil); errors raise
RespError unless the caller asks for them (pipeline(..., errors=True)).
"""
import socket


class RespError(Exception):
    pass


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n" % len(a))
        out.append(a)
        out.append(b"\r\n")
    return b"".join(out)


class Resp:
    def __init__(self, unix=None, host="127.0.0.1", port=6379, timeout=60):
        if unix:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.connect(unix)
        else:
            self.s = socket.create_connection((host, port))
        self.s.settimeout(timeout)
        self.buf = b""
        self.pos = 0

    def close(self):
        self.s.close()

    def _fill(self):
        chunk = self.s.recv(1 << 20)
        if not chunk:
            raise RespError("connection closed")
        if self.pos:
            self.buf = self.buf[self.pos:]
            self.pos = 0
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = self.buf[self.pos:i]
                self.pos = i + 2
                return line
            self._fill()

    def _bytes(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        b = self.buf[self.pos:self.pos + n]
        self.pos += n + 2
        return b

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest
        if t == b"-":
            return RespError(rest.decode(errors="replace"))
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._bytes(n)
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RespError("bad reply type %r" % t)

    def cmd(self, *args):
        self.s.sendall(encode(args))
        r = self.read()
        if isinstance(r, RespError):
            raise r
        return r

    def pipeline(self, commands, errors=False, chunk=2000):
        """Sends commands (lists of args) in chunks; returns all replies."""
        out = []
        for i in range(0, len(commands), chunk):
            part = commands[i:i + chunk]
            self.s.sendall(b"".join(encode(c) for c in part))
            for _ in part:
                r = self.read()
                if isinstance(r, RespError) and not errors:
                    raise r
                out.append(r)
        return out


def as_dict(flat):
    """HGETALL-style flat list -> dict of str -> bytes."""
    return {flat[i].decode(errors="replace"): flat[i + 1] for i in range(0, len(flat or []), 2)}
