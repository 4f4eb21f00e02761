# SPDX-License-Identifier: BSD-3-Clause
"""What every Python test of dnsfence shares: a check that records a failure and goes on, so one
run reports every broken expectation, not only the first.

    from checks import check, failures
    check(got == want, "what was expected")   # returns cond, for `if check(...)` chains
    ...
    sys.exit(1 if failures else 0)

and free_port(), a loopback TCP port nobody listens on (for a test's metrics endpoint), and
wait_for(what, cond, seconds): cond()'s first true value, polled every 0.1 s (a failure after
`seconds`).
"""
import socket
import sys
import time

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg, file=sys.stderr)
    return cond


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(what, cond, seconds):
    """Poll cond() until it returns a true value (returned) or `seconds` pass (a failure, None).
    Errors of a process not answering yet, or answering without the field asked for, count as
    not yet."""
    end = time.time() + seconds
    while time.time() < end:
        try:
            v = cond()
            if v:
                return v
        except (OSError, ValueError, KeyError, TypeError):
            pass
        time.sleep(0.1)
    check(False, "timed out waiting for " + what)
    return None
