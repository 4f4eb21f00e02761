# SPDX-License-Identifier: BSD-3-Clause
"""The telemetry socket of a running dnsfence, asked the way dpdk-telemetry.py asks it.

    from telsock import tel, runtime_dir, live_config
    tel(prefix, "/dnsfence/stats")   # the reply's value (a dict, list, ...), None if refused
    live_config(inside_device, more_yaml)   # a live config with telemetry, as YAML text

One request per connection (SOCK_SEQPACKET): the greeting, then the command, then one JSON
reply keyed by the command without its parameters. OSError / ValueError when dnsfence does not
answer (not started yet, gone).
"""
import json
import os
import socket


def runtime_dir(prefix):
    """Where EAL puts the runtime files (and the telemetry socket) of a file prefix."""
    if os.geteuid() == 0:
        return "/var/run/dpdk/" + prefix
    base = os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", prefix)


def tel(prefix, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    try:
        s.connect(os.path.join(runtime_dir(prefix), "dpdk_telemetry.v2"))
        json.loads(s.recv(16384).decode())  # the greeting (version, pid, max_output_len)
        s.send(cmd.encode())
        reply = json.loads(s.recv(65536).decode())
    finally:
        s.close()
    return reply.get(cmd.split(",", 1)[0])


def live_config(inside, more):
    """A live configuration for the telemetry tests, as YAML text: the inside port is the net_pcap
    device string `inside`, the outside port a silent net_null, one worker on lcore 1, EAL without
    huge pages, telemetry on; `more` adds the test's own keys (lists, model, detection, ...)."""
    return ('eal: ["--no-huge", "--no-pci", "-m", "512", "--log-level=lib.eal:notice"]\n'
            'mode: inline\n'
            'ports:\n'
            '  - { name: inside, device: "%s" }\n'
            '  - { name: outside, device: "net_null0,no-rx=1" }\n'
            'pairs:\n'
            '  - { inside: inside, outside: outside }\n'
            'workers: { lcores: [1] }\n'
            'mempool: { mbufs: 8191, cache: 128 }\n'
            'telemetry: true\n' % inside) + more
