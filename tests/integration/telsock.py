# SPDX-License-Identifier: BSD-3-Clause
"""The telemetry socket of a running dnsfence, asked the way dpdk-telemetry.py asks it.

    from telsock import tel, runtime_dir
    tel(prefix, "/dnsfence/stats")   # the reply's value (a dict, list, ...), None if refused

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
