"""tests/lib/ictw.py - shared helpers for integration tests written in Python.

TAP output (ok / not_ok / check / skip_all / finish), paths to the built
programs, the generated captures, ../shared, EVE schema validation and a
private redis-server. Use Debian's /usr/bin/python3 (scapy, jsonschema).
"""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.environ.get("ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
SHARED = os.environ.get("SHARED") or os.path.join(ROOT, "..", "shared")
SENSOR = os.path.join(BUILD, "bin", "ictwatch-sensor")
COLLECTOR = os.path.join(BUILD, "bin", "ictwatch-collector")
CAPS = os.path.join(BUILD, "captures")
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")

_fails = 0


def ok(msg):
    print("ok - " + msg, flush=True)


def not_ok(msg, detail=None):
    global _fails
    _fails += 1
    print("not ok - " + msg, flush=True)
    if detail:
        for line in str(detail).splitlines()[:40]:
            print("#   " + line, flush=True)


def check(cond, msg, detail=None):
    if cond:
        ok(msg)
    else:
        not_ok(msg, detail)
    return cond


def skip(msg):
    print("ok - %s # SKIP" % msg, flush=True)


def skip_all(why):
    print("# SKIP " + why, flush=True)
    sys.exit(77)


def finish():
    sys.exit(1 if _fails else 0)


def run_sensor_tests(namespace):
    """Runs every test_* function of a module (in name order) that needs the
    built sensor, then exits with the TAP verdict."""
    if not os.path.exists(SENSOR):
        skip_all("sensor not built")
    for name, fn in sorted(namespace.items()):
        if name.startswith("test_") and callable(fn):
            fn()
    finish()


def have_shared():
    return os.path.isdir(os.path.join(SHARED, "pcaps", "ndpi"))


def ensure_generated(gen, outdir):
    """Runs a capture generator (`gen OUTDIR`) into outdir, again only when gen changed."""
    stamp = os.path.join(outdir, ".stamp")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(gen):
        return outdir
    os.makedirs(outdir, exist_ok=True)
    subprocess.run([PYTHON, gen, outdir], check=True, stdout=subprocess.DEVNULL)
    open(stamp, "w").close()
    return outdir


def ensure_captures():
    """Generates the project's own test captures into build/captures once."""
    return ensure_generated(os.path.join(ROOT, "tests", "captures", "make-captures.py"), CAPS)


def run(args, **kw):
    """Runs a command; returns CompletedProcess with text stdout/stderr."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 600)
    return subprocess.run(args, **kw)


def read_eve(path):
    out = []
    with open(path, "rb") as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


_validator = None


def eve_validator():
    """A jsonschema validator for ../shared/eve-schema.json, or None if absent."""
    global _validator
    if _validator is None:
        path = os.path.join(SHARED, "eve-schema.json")
        if not os.path.exists(path):
            return None
        import jsonschema
        with open(path) as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        _validator = cls(schema)
    return _validator


def eve_errors(records, limit=5):
    """Schema errors of EVE records, as text lines (empty list when all valid)."""
    v = eve_validator()
    if v is None:
        return []
    errs = []
    for r in records:
        for e in v.iter_errors(r):
            errs.append("%s: %s at %s" % (r.get("event_type"), e.message[:200], list(e.absolute_path)))
            if len(errs) >= limit:
                return errs
    return errs


def png_decode(path):
    """Decodes an 8-bit RGB or RGBA PNG (what Chromium's screenshots are) with zlib and struct only.
    Returns (width, height, channels, rows): rows[y] is the bytes of row y, `channels` bytes a pixel."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]:
            raise ValueError("bad CRC in %r" % kind)
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG: depth %d, colour type %d, interlace %d" % (depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ft == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif ft == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif ft == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif ft == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        elif ft != 0:
            raise ValueError("bad filter %d in row %d" % (ft, y))
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def png_colours(path):
    """Counts the pixels of each (r, g, b) colour of a PNG screenshot: {(r, g, b): pixels}."""
    from collections import Counter
    w, h, bpp, rows = png_decode(path)
    out = Counter()
    for row in rows:
        if bpp == 3:
            out.update(zip(row[0::3], row[1::3], row[2::3]))
        else:
            out.update(zip(row[0::4], row[1::4], row[2::4]))
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Redis:
    """A private redis-server on a free port and a unix socket in a temp dir."""

    def __init__(self, extra=None, port=None, workdir=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="ictw-redis-")
        self.sock = os.path.join(self.dir, "redis.sock")
        self.port = port or free_port()
        self.extra = extra or []
        self.proc = None
        self.start()

    def start(self):
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--unixsocket", self.sock, "--unixsocketperm", "700", "--dir", self.dir,
                "--save", "", "--daemonize", "no", "--logfile", os.path.join(self.dir, "redis.log")]
        if "--appendonly" not in self.extra:
            args += ["--appendonly", "no"]
        self.proc = subprocess.Popen(args + self.extra)
        for _ in range(200):
            if self.cli("PING").strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None

    def cli(self, *args, raw=False):
        r = subprocess.run(["redis-cli", "-s", self.sock] + ([] if not raw else ["--raw"]) + list(args),
                           capture_output=True, text=True)
        return r.stdout

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    @property
    def unix_url(self):
        return "unix://" + self.sock

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
