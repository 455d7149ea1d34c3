#!/usr/bin/env python3
#
# silent_drop.py: the smallest program that shows ZeroMQ's SNDHWM=1 drop with pyzmq (pyzmq issue 2040,
# libzmq issue 4750). The twin of SilentDrop.java, which shows the same on JeroMQ.
#
# A REQ thread and a REP thread loop request/reply in strict lockstep. With SNDHWM=1 on the REP socket,
# sooner or later a reply never arrives although REP's send() raised no error for it. Why: REP's recv()
# already writes the reply's envelope (libzmq rep_t::xrecv through router_t::xsend), checking the pipe
# against the count of replies the peer has read; libzmq updates that count from a command in the
# socket's mailbox, which recv() does not read when a request is already waiting. With a stale count a
# pipe of one looks full, the envelope is dropped, and with it the reply that send() passes on later.
#
# Run:  python3 silent_drop.py      (SNDHWM=1: exit 0 once a reply was lost, usually within seconds)
#       python3 silent_drop.py 2    (SNDHWM=2, the advice given in issue 2040: libzmq loses a reply there too,
#                                    usually later; JeroMQ does not. At 1000, the default, none is lost: exit 1)
# Needs pyzmq alone (Debian: apt-get install python3-zmq; elsewhere: pip install pyzmq).
# Lines start with I: (info), W: (warning) or E: (error); the last line is the verdict.

import re
import sys
import threading
import time

try:
    import zmq
except ImportError:
    print("E: pyzmq is not installed (Debian: apt-get install python3-zmq; elsewhere: pip install pyzmq)",
          file=sys.stderr)
    sys.exit(3)

if zmq.pyzmq_version_info() < (17,) or zmq.zmq_version_info() < (4,):
    print(f"E: needs pyzmq 17 or later on libzmq 4 or later, found pyzmq {zmq.pyzmq_version()} "
          f"on libzmq {zmq.zmq_version()}", file=sys.stderr)
    sys.exit(3)

TIMEOUT = 5000          # msecs a reply may take (under 1 ms here; a loaded machine held one back over 1 s)
POLL = 100              # msecs the REP waits for a request before it looks at its stop flag
BUDGET = 2_000_000      # round trips at most
TIME_LIMIT = 60         # secs at most. Measured on a 2-core machine (pyzmq 24.0.1, libzmq 4.3.4, tcp, 10,000 to
                        # 40,000 round trips/s): the first loss came after a median of 300 to 16,500 round
                        # trips, depending on the day; the slowest of 38 runs needed 13,667, the slowest the kit
                        # saw 556,122 (39 s). One GIL makes the race rarer than on JeroMQ, not impossible.
                        # ipc loses as tcp does; tcp is used for its free port.

last_id = 0             # what the REP thread received last ...
last_send_ok = False    # ... and whether its send() returned without an error


def rep_loop(rep, stop):
    """The REP thread: echo each id back until the stop flag is set."""
    global last_id, last_send_ok
    while not stop.is_set():
        try:
            request = rep.recv()
        except zmq.Again:
            continue                            # receive timeout: look at the flag again
        last_id, last_send_ok = int(request), False
        try:
            rep.send(request)                   # at SNDHWM=1 the reply may vanish, yet no error is raised
            last_send_ok = True
        except zmq.ZMQError:
            pass


def main(args):
    if len(args) > 1 or args and not re.fullmatch(r"[0-9]{1,9}", args[0]):
        print("E: usage: silent_drop.py [SNDHWM]   (a whole number, default 1)", file=sys.stderr)
        return 2
    sndhwm = int(args[0]) if args else 1

    with zmq.Context() as ctx, ctx.socket(zmq.REP) as rep, ctx.socket(zmq.REQ) as req:
        rep.linger = 0
        rep.sndhwm = sndhwm                     # before bind(): a pipe takes its marks when it is made
        rep.rcvtimeo = POLL
        rep.bind("tcp://127.0.0.1:*")           # loopback, a free port
        endpoint = rep.last_endpoint.decode()
        req.linger = 0
        req.rcvtimeo = TIMEOUT                  # without a timeout a lost reply blocks for ever
        req.connect(endpoint)
        print(f"I: pyzmq {zmq.pyzmq_version()} on libzmq {zmq.zmq_version()}, "
              f"REQ/REP lockstep over {endpoint}, REP SNDHWM={sndhwm}", flush=True)

        stop = threading.Event()
        server = threading.Thread(target=rep_loop, args=(rep, stop), daemon=True)
        request, lost, interrupted = 1, False, False
        deadline = time.monotonic() + TIME_LIMIT
        try:
            server.start()
            while request <= BUDGET and time.monotonic() < deadline:
                req.send(str(request).encode())
                try:
                    req.recv()
                except zmq.Again:               # no reply: this REQ can never send again
                    lost = True
                    break
                request += 1
        except KeyboardInterrupt:               # Ctrl-C: stop the REP thread, close, say so
            interrupted = True
        finally:
            stop.set()
            if server.is_alive():
                server.join()                   # then what it recorded is final, and its socket free

    done = request - 1
    if interrupted:
        print(f"INTERRUPTED after {done:,} round trips, no reply lost so far")
        return 130
    if not lost:
        print(f"NO LOSS in {done:,} round trips with SNDHWM={sndhwm}")
        return 1
    print(f"W: no reply to request {request} within {TIMEOUT} ms")
    if last_id != request:
        print(f"FAILED: no reply to request {request}, but the REP never received it (it last saw {last_id})")
        return 1
    if not last_send_ok:
        print(f"FAILED: no reply to request {request}, and the REP's send() raised an error: not a silent drop")
        return 1
    print(f"I: REP received request {request} and its send() returned without error")
    print(f"LOST reply {request} after {done} round trips (REP send returned without error)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:                   # Ctrl-C before the loop began
        print("INTERRUPTED before the first round trip")
        sys.exit(130)
