#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mkpcap — build deterministic test captures for dnsfence (library and CLI).

Every packet is built from fixed addresses, ports, DNS ids and timestamps, so the same spec
always gives the same bytes. Each packet is recorded in a manifest that says what it is and
what dnsfence should do with it; tests compare dnsfence's passed/dropped pcaps against it.

Library use (tests):
    sys.path.insert(0, "<repo>/tools"); import mkpcap
    cap = mkpcap.Capture()
    cap.dns("www.example.com", answers=["192.0.2.1"])          # query + response
    cap.dns("x.evil.example", expect="drop", vlan=[100])
    cap.non_dns("arp"); cap.malformed("ptr_loop"); cap.fragmented_response("big.example")
    cap.write("in.pcap"); cap.write_manifest("in.json")

CLI:
    mkpcap.py SPEC.json -o OUT.pcap [--manifest OUT.json]
    mkpcap.py --sample -o OUT.pcap [--manifest OUT.json]  (one of every kind; see SAMPLE_SPEC)
    mkpcap.py --count FILE.pcap                            (print the packet count)
    mkpcap.py --dump FILE.pcap                             (one line per packet)
SPEC.json: {"defaults": {Capture() keyword arguments}, "items": [{"kind": K, ...}, ...]} where K
is dns | non_dns | malformed | fragmented_response and the other keys are that method's keyword
arguments (e.g. {"kind": "dns", "name": "a.example", "qtype": "TXT", "vlan": [10, 20]}).

Manifest (JSON list, one object per packet, in capture order):
    index, item (which spec item made it), kind, cls (dns | non_dns | malformed | fragment),
    query (true/false/null), name (QNAME or null), expect (pass | drop | malformed | fragment:
    the last two mean "whatever the malformed / fragment policy says"), note, length.
"""

import argparse
import json
import struct
import sys

if "/usr/lib/python3/dist-packages" not in sys.path:
    sys.path.append("/usr/lib/python3/dist-packages")

# scapy prints warnings about routes and interfaces it cannot see (namespaces); silence them.
import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.layers.dns import DNS, DNSQR, DNSRR  # noqa: E402
from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption_Router_Alert, fragment  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    ICMPv6EchoRequest,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrHopByHop,
    fragment6,
    IPv6ExtHdrFragment,
)
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402
from scapy.utils import PcapReader, PcapWriter, rdpcap  # noqa: E402

QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "NULL": 10, "PTR": 12, "MX": 15, "TXT": 16,
          "KEY": 25, "AAAA": 28, "SRV": 33, "HTTPS": 65, "ANY": 255}

# Kinds accepted by Capture.non_dns(); each is a packet (or exchange) that dnsfence must pass
# byte for byte.
NON_DNS_KINDS = ("arp", "arp_reply", "icmp", "icmp_reply", "tcp_http", "udp_ntp", "udp_syslog",
                 "udp_5300", "ipv6_icmp", "ipv6_udp", "ip_options_udp", "vlan_icmp", "qinq_udp",
                 "lldp", "tcp_dns_handshake", "gre")

MALFORMED_KINDS = ("short", "label_len", "reserved_label", "ptr_loop", "ptr_forward",
                   "trunc_qname", "trunc_q", "name_len", "trunc_rr", "bad_udp_len",
                   "tcp_partial")


class Capture:
    """An ordered list of frames plus their manifest. Deterministic: no randomness, no clock."""

    def __init__(self, t0=1700000000.0, step_us=1000, client_mac="02:00:00:00:00:01",
                 server_mac="02:00:00:00:00:02", client="10.53.0.1", server="10.53.0.2",
                 client6="fd53::1", server6="fd53::2", base_id=0x1000, base_sport=40000):
        self.t0 = float(t0)
        self.step_us = int(step_us)
        self.cmac, self.smac = client_mac, server_mac
        self.client, self.server = client, server
        self.client6, self.server6 = client6, server6
        self.next_id = int(base_id)
        self.next_sport = int(base_sport)
        self.frames = []  # (bytes, time)
        self.manifest = []
        self.item = -1

    # -- plumbing -----------------------------------------------------------------------------

    def _begin(self):
        self.item += 1
        return self.item

    def _ids(self):
        dnsid, sport = self.next_id & 0xFFFF, self.next_sport
        self.next_id += 1
        self.next_sport = self.next_sport + 1 if self.next_sport < 65000 else 40000
        return dnsid, sport

    def _l2(self, to_server, vlan):
        """Ethernet (+ VLAN tags, outermost first: two tags = 802.1ad outer, 802.1Q inner)."""
        eth = Ether(src=self.cmac, dst=self.smac) if to_server else Ether(src=self.smac,
                                                                           dst=self.cmac)
        vlan = list(vlan or [])
        if len(vlan) > 2:
            raise ValueError("at most two VLAN tags")
        if len(vlan) == 2:
            return eth / Dot1AD(vlan=vlan[0]) / Dot1Q(vlan=vlan[1])
        if len(vlan) == 1:
            return eth / Dot1Q(vlan=vlan[0])
        return eth

    def _l3(self, to_server, ipv6, ident=1):
        if ipv6:
            return IPv6(src=self.client6, dst=self.server6, hlim=64) if to_server else IPv6(
                src=self.server6, dst=self.client6, hlim=64)
        return IP(src=self.client, dst=self.server, id=ident, ttl=64) if to_server else IP(
            src=self.server, dst=self.client, id=ident, ttl=64)

    def add_frame(self, frame, kind, cls, expect, query=None, name=None, note=""):
        """Append one frame (scapy packet or bytes) with its manifest entry."""
        data = bytes(frame)
        t = self.t0 + len(self.frames) * self.step_us / 1e6
        self.frames.append((data, t))
        self.manifest.append({
            "index": len(self.manifest), "item": self.item, "kind": kind, "cls": cls,
            "query": query, "name": name, "expect": expect, "note": note, "length": len(data),
        })
        return len(self.frames) - 1

    # -- DNS ----------------------------------------------------------------------------------

    @staticmethod
    def _rr(name, qtype, value, ttl=300):
        t = QTYPES[qtype] if isinstance(qtype, str) else int(qtype)
        if t == 16:
            return DNSRR(rrname=name, type=t, ttl=ttl, rdata=[value] if isinstance(value, (str, bytes)) else value)
        return DNSRR(rrname=name, type=t, ttl=ttl, rdata=value)

    def dns_message(self, name, qtype="A", response=False, dnsid=0, answers=(), rcode=0,
                    edns=False):
        """Bytes of one DNS message (question + optional answers of the question's type)."""
        t = QTYPES[qtype] if isinstance(qtype, str) else int(qtype)
        msg = DNS(id=dnsid, qr=1 if response else 0, rd=1, ra=1 if response else 0,
                  rcode=rcode, qd=DNSQR(qname=name, qtype=t))
        if response and answers:
            rrs = [self._rr(name, t, a) for a in answers]
            an = rrs[0]
            for rr in rrs[1:]:
                an = an / rr
            msg.an = an
            msg.ancount = len(rrs)
        raw = bytes(msg)
        if edns:
            # OPT RR: root name, type 41, UDP size 1232, DO=0. Appended by hand: arcount += 1.
            raw = raw[:10] + struct.pack("!H", struct.unpack("!H", raw[10:12])[0] + 1) + raw[12:]
            raw += b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
        return raw

    def dns(self, name, qtype="A", answers=None, expect="pass", response=True, query=True,
            vlan=None, ipv6=False, tcp=False, ip_options=False, ipv6_exthdr=False, edns=False,
            rcode=0, note=""):
        """A query and (unless response=False) its answer. expect applies to both."""
        self._begin()
        dnsid, sport = self._ids()
        t = QTYPES[qtype] if isinstance(qtype, str) else int(qtype)
        if answers is None:
            answers = {1: ["192.0.2.1"], 28: ["2001:db8::1"], 16: ["v=spf1 -all"]}.get(t, [])
        out = []
        for to_server in (True, False):
            if to_server and not query:
                continue
            if not to_server and not response:
                continue
            msg = self.dns_message(name, qtype, response=not to_server, dnsid=dnsid,
                                   answers=answers, rcode=rcode if not to_server else 0,
                                   edns=edns)
            l3 = self._l3(to_server, ipv6)
            if ip_options and not ipv6:
                l3.options = [IPOption_Router_Alert()]
            if ipv6 and ipv6_exthdr:
                l3 = l3 / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()
            cport, sport_ = (sport, 53)
            if tcp:
                seq_c, seq_s = 1000 + dnsid, 5000 + dnsid
                l4 = TCP(sport=cport, dport=53, flags="PA", seq=seq_c, ack=seq_s, window=64240) \
                    if to_server else TCP(sport=53, dport=cport, flags="PA", seq=seq_s,
                                          ack=seq_c + len(msg) + 2, window=64240)
                payload = struct.pack("!H", len(msg)) + msg
            else:
                l4 = UDP(sport=cport, dport=sport_) if to_server else UDP(sport=sport_, dport=cport)
                payload = msg
            frame = self._l2(to_server, vlan) / l3 / l4 / Raw(payload)
            out.append(self.add_frame(frame, "dns", "dns", expect, query=to_server,
                                      name=name.rstrip(".").lower(), note=note))
        return out

    def fragmented_response(self, name, expect="pass", ipv6=False, fragsize=256, n_txt=6,
                            vlan=None, note=""):
        """A query and a large TXT response split into IP fragments. The first fragment holds
        the DNS header and question (manifest cls dns, expect as given); the others are
        non-first fragments (cls fragment, expect "fragment" = per fragment policy)."""
        self._begin()
        dnsid, sport = self._ids()
        q = self.dns_message(name, "TXT", False, dnsid)
        frame = self._l2(True, vlan) / self._l3(True, ipv6) / UDP(sport=sport, dport=53) / Raw(q)
        self.add_frame(frame, "dns", "dns", expect, query=True, name=name.lower(), note=note)
        txt = ["%02d-" % i + "x" * 90 for i in range(n_txt)]
        r = self.dns_message(name, "TXT", True, dnsid, answers=[[t] for t in txt])
        if ipv6:
            pkt = IPv6(src=self.server6, dst=self.client6, hlim=64) / IPv6ExtHdrFragment(
                id=0x5000 + dnsid) / UDP(sport=53, dport=sport) / Raw(r)
            frags = fragment6(pkt, fragsize + 48)
        else:
            pkt = IP(src=self.server, dst=self.client, id=0x5000 + dnsid, ttl=64) / UDP(
                sport=53, dport=sport) / Raw(r)
            frags = fragment(pkt, fragsize)
        if len(frags) < 2:
            raise ValueError("response did not fragment; lower fragsize")
        for i, f in enumerate(frags):
            frame = self._l2(False, vlan) / f
            if i == 0:
                self.add_frame(frame, "dns_frag_first", "dns", expect, query=False,
                               name=name.lower(), note=note)
            else:
                self.add_frame(frame, "dns_frag", "fragment", "fragment", note=note)

    # -- non-DNS ------------------------------------------------------------------------------

    def non_dns(self, kind, note=""):
        """One non-DNS packet (or short exchange) that must pass untouched."""
        if kind not in NON_DNS_KINDS:
            raise ValueError("unknown non_dns kind %r (have: %s)" % (kind, ", ".join(NON_DNS_KINDS)))
        self._begin()
        _, sport = self._ids()
        c, s = self._l2(True, None), self._l2(False, None)
        frames = []
        if kind == "arp":
            frames = [Ether(src=self.cmac, dst="ff:ff:ff:ff:ff:ff") / ARP(
                op=1, hwsrc=self.cmac, psrc=self.client, pdst=self.server)]
        elif kind == "arp_reply":
            frames = [s / ARP(op=2, hwsrc=self.smac, psrc=self.server, hwdst=self.cmac,
                              pdst=self.client)]
        elif kind == "icmp":
            frames = [c / self._l3(True, False, 7) / ICMP(type=8, id=0x77, seq=1) / Raw(b"ping" * 8)]
        elif kind == "icmp_reply":
            frames = [s / self._l3(False, False, 8) / ICMP(type=0, id=0x77, seq=1) / Raw(b"ping" * 8)]
        elif kind == "tcp_http":
            req = b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
            frames = [
                c / self._l3(True, False) / TCP(sport=sport, dport=80, flags="S", seq=100),
                s / self._l3(False, False) / TCP(sport=80, dport=sport, flags="SA", seq=900, ack=101),
                c / self._l3(True, False) / TCP(sport=sport, dport=80, flags="A", seq=101, ack=901),
                c / self._l3(True, False) / TCP(sport=sport, dport=80, flags="PA", seq=101, ack=901) / Raw(req),
            ]
        elif kind == "tcp_dns_handshake":
            # TCP to port 53 without payload: DNS over TCP must not break at the handshake.
            frames = [
                c / self._l3(True, False) / TCP(sport=sport, dport=53, flags="S", seq=300),
                s / self._l3(False, False) / TCP(sport=53, dport=sport, flags="SA", seq=700, ack=301),
                c / self._l3(True, False) / TCP(sport=sport, dport=53, flags="A", seq=301, ack=701),
            ]
        elif kind == "udp_ntp":
            frames = [c / self._l3(True, False) / UDP(sport=123, dport=123) / Raw(b"\x23" + b"\x00" * 47)]
        elif kind == "udp_syslog":
            frames = [c / self._l3(True, False) / UDP(sport=sport, dport=514) / Raw(b"<13>dnsfence test")]
        elif kind == "udp_5300":
            # Looks like DNS, but not on a DNS port: must not be parsed.
            frames = [c / self._l3(True, False) / UDP(sport=sport, dport=5300) /
                      Raw(self.dns_message("x.evil.example", "A", False, 1))]
        elif kind == "ipv6_icmp":
            frames = [c / self._l3(True, True) / ICMPv6EchoRequest(id=5, seq=1, data=b"v6ping")]
        elif kind == "ipv6_udp":
            frames = [c / self._l3(True, True) / UDP(sport=sport, dport=4789) / Raw(b"\x08" + b"\x00" * 15)]
        elif kind == "ip_options_udp":
            l3 = self._l3(True, False)
            l3.options = [IPOption_Router_Alert()]
            frames = [c / l3 / UDP(sport=sport, dport=9) / Raw(b"discard")]
        elif kind == "vlan_icmp":
            frames = [self._l2(True, [42]) / self._l3(True, False, 9) / ICMP(type=8, id=9, seq=2)]
        elif kind == "qinq_udp":
            frames = [self._l2(True, [100, 200]) / self._l3(True, False) / UDP(sport=sport, dport=4500) / Raw(b"ike")]
        elif kind == "lldp":
            # An ethertype nobody parses; payload is opaque bytes.
            frames = [Ether(src=self.cmac, dst="01:80:c2:00:00:0e", type=0x88CC) / Raw(
                b"\x02\x07\x04" + bytes.fromhex("020000000001") + b"\x04\x03\x05v0\x06\x02\x00\x78\x00\x00")]
        elif kind == "gre":
            frames = [c / IP(src=self.client, dst=self.server, proto=47, id=3) / Raw(b"\x00\x00\x08\x00" + bytes(IP(src="1.1.1.1", dst="2.2.2.2") / UDP(sport=53, dport=53)))]
        for f in frames:
            self.add_frame(f, kind, "non_dns", "pass", note=note)

    # -- malformed DNS ------------------------------------------------------------------------

    def malformed(self, kind, to_server=True, note=""):
        """One packet on UDP (or TCP) port 53 whose DNS content breaks the rules."""
        if kind not in MALFORMED_KINDS:
            raise ValueError("unknown malformed kind %r (have: %s)" % (kind, ", ".join(MALFORMED_KINDS)))
        self._begin()
        dnsid, sport = self._ids()
        hdr = struct.pack("!HHHHHH", dnsid, 0x0100 if to_server else 0x8180, 1, 0, 0, 0)
        q = b"\x00\x01\x00\x01"
        payload = None
        if kind == "short":
            payload = hdr[:7]
        elif kind == "label_len":
            # Length octet 64 is a reserved label type, 0x3f+1.
            payload = hdr + b"\x40" + b"a" * 64 + b"\x00" + q
        elif kind == "reserved_label":
            payload = hdr + b"\x80\x05" + q
        elif kind == "ptr_loop":
            payload = hdr + b"\xc0\x0c" + q  # points at itself
        elif kind == "ptr_forward":
            payload = hdr + b"\x01a\xc0\x20" + q + b"\x00" * 16
        elif kind == "trunc_qname":
            payload = hdr + b"\x0aabc"
        elif kind == "trunc_q":
            payload = hdr + b"\x03www\x07example\x03com\x00\x00"
        elif kind == "name_len":
            payload = hdr + (b"\x3f" + b"n" * 63) * 5 + b"\x00" + q
        elif kind == "trunc_rr":
            hdr = struct.pack("!HHHHHH", dnsid, 0x8180, 1, 2, 0, 0)
            payload = hdr + b"\x03www\x07example\x03com\x00" + q + b"\xc0\x0c\x00\x01\x00\x01\x00\x00"
            to_server = False
        elif kind == "bad_udp_len":
            msg = self.dns_message("www.example.com", "A", False, dnsid)
            udp = struct.pack("!HHHH", sport, 53, len(msg) + 8 + 40, 0) + msg
            l3 = self._l3(True, False)
            l3.proto = 17
            frame = self._l2(True, None) / l3 / Raw(udp)
            self.add_frame(frame, "malformed_" + kind, "malformed", "malformed", query=True,
                           note=note)
            return
        elif kind == "tcp_partial":
            msg = self.dns_message("www.example.com", "A", False, dnsid)
            frame = self._l2(True, None) / self._l3(True, False) / TCP(
                sport=sport, dport=53, flags="PA", seq=2000, ack=1) / Raw(struct.pack("!H", len(msg) + 30) + msg)
            # Part of a message larger than the segment: dnsfence cannot judge it without
            # stream reassembly and passes it (counter tcp_partial), whatever the malformed policy.
            self.add_frame(frame, "malformed_" + kind, "tcp_partial", "pass", query=True,
                           note=note)
            return
        if to_server:
            frame = self._l2(True, None) / self._l3(True, False) / UDP(sport=sport, dport=53) / Raw(payload)
        else:
            frame = self._l2(False, None) / self._l3(False, False) / UDP(sport=53, dport=sport) / Raw(payload)
        self.add_frame(frame, "malformed_" + kind, "malformed", "malformed", query=to_server,
                       note=note)

    # -- output -------------------------------------------------------------------------------

    def write(self, path):
        w = PcapWriter(path, linktype=1, sync=True)
        for data, t in self.frames:
            p = Ether(data)
            p.time = t
            w.write(p)
        w.close()

    def write_manifest(self, path):
        with open(path, "w") as f:
            json.dump(self.manifest, f, indent=1)
            f.write("\n")


def read_frames(path):
    """Bytes of every frame of a pcap, in order ([] for an empty or header-only file)."""
    out = []
    with PcapReader(path) as r:
        for p in r:
            out.append(bytes(p))
    return out


def count(path):
    n = 0
    with PcapReader(path) as r:
        for _ in r:
            n += 1
    return n


SAMPLE_SPEC = {
    "defaults": {},
    "items": (
        [{"kind": "non_dns", "k": k} for k in NON_DNS_KINDS]
        + [{"kind": "dns", "name": "www.example.com"},
           {"kind": "dns", "name": "example.org", "qtype": "AAAA", "ipv6": True},
           {"kind": "dns", "name": "mail.example.net", "qtype": "TXT", "vlan": [10]},
           {"kind": "dns", "name": "x.example.net", "vlan": [10, 20], "tcp": True},
           {"kind": "fragmented_response", "name": "big.example.com"}]
        + [{"kind": "malformed", "k": k} for k in MALFORMED_KINDS]
    ),
}


def build_from_spec(spec):
    cap = Capture(**spec.get("defaults", {}))
    for n, it in enumerate(spec.get("items", [])):
        it = dict(it)
        kind = it.pop("kind", None)
        if kind == "dns":
            cap.dns(**it)
        elif kind == "fragmented_response":
            cap.fragmented_response(**it)
        elif kind in ("non_dns", "malformed"):
            k = it.pop("k", None) or it.pop("type", None)
            getattr(cap, kind)(k, **it)
        else:
            raise ValueError("item %d: unknown kind %r" % (n, kind))
    return cap


def main(argv=None):
    ap = argparse.ArgumentParser(description="Build deterministic DNS test captures.")
    ap.add_argument("spec", nargs="?", help="JSON spec file")
    ap.add_argument("-o", "--output", help="pcap to write")
    ap.add_argument("--manifest", help="manifest JSON to write")
    ap.add_argument("--sample", action="store_true", help="use the built-in sample spec")
    ap.add_argument("--count", metavar="PCAP", help="print the packet count of PCAP")
    ap.add_argument("--dump", metavar="PCAP", help="print one summary line per packet of PCAP")
    a = ap.parse_args(argv)
    if a.count:
        print(count(a.count))
        return 0
    if a.dump:
        for i, p in enumerate(rdpcap(a.dump)):
            print(i, p.summary())
        return 0
    if a.sample:
        spec = SAMPLE_SPEC
    elif a.spec:
        with open(a.spec) as f:
            spec = json.load(f)
    else:
        ap.error("need SPEC.json, --sample, --count or --dump")
    if not a.output:
        ap.error("need -o OUT.pcap")
    cap = build_from_spec(spec)
    cap.write(a.output)
    if a.manifest:
        cap.write_manifest(a.manifest)
    print("mkpcap: wrote %d packets to %s" % (len(cap.frames), a.output), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
