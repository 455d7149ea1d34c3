#!/usr/bin/env python3
#
# lazy_pirate_client.py: the ZeroMQ Guide's Lazy Pirate client (chapter 4) as a class you can import.
# The twin of LazyPirateClient.java: the same protocol, so each works with the other's server.
#
# A REQ socket that missed its reply can never send again, and a REP can drop a reply silently
# (SNDHWM=1, a crash, a lost connection). So: wait for each reply at most a timeout; on timeout close the
# socket (linger 0 drops what is queued), open a new one and resend, a bounded number of times, then give
# up loudly (RequestFailed). A request is "ID" or "ID PAYLOAD" and only the reply "ID" or "ID RESULT" is
# accepted, so the server can answer a resend from its record instead of doing the work twice (see
# safe_rep_server.py or SafeRepServer.java).
#
# Use:  from lazy_pirate_client import LazyPirateClient, RequestFailed
#       with zmq.Context() as ctx, LazyPirateClient(ctx, "tcp://127.0.0.1:5555") as client:
#           result = client.request(42, "hello")       # "stored" from safe_rep_server.py
# Run:  python3 lazy_pirate_client.py          (demo: 10,000 requests to an echo REP with SNDHWM=1, which
#                                               this program starts as a child process; more if none was lost)
#       python3 lazy_pirate_client.py 10000 tcp://127.0.0.1:5555   (to a server already running there, e.g.
#            next to python3 safe_rep_server.py tcp://127.0.0.1:5555 60, or SafeRepServer.java)
# Needs pyzmq alone (Debian: apt-get install python3-zmq; elsewhere: pip install pyzmq).
# Lines start with I: (info), W: (warning) or E: (error); the last line is the verdict.

import multiprocessing
import os
import re
import signal
import sys

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

REQUEST_TIMEOUT = 2500  # msecs to wait for each reply, as in the Guide: a server that works answers well within
REQUEST_RETRIES = 3     # resends before giving up: 4 tries in all
REQUESTS = 10_000       # the demo's requests, and more if not one of their replies was lost ...
MAX_REQUESTS = 200_000  # ... up to this many: on some days pyzmq lost one reply in tens of thousands
DEMO_TIMEOUT = 100      # msecs, in the demo only: its REP drops replies by design, and each costs a timeout;
                        # a reply takes well under 1 ms on loopback
POLL = 100              # msecs the demo's REP waits for a request before it looks at its stop flag


class RequestFailed(Exception):
    """Raised when a request got no valid reply after every resend, or the server rejected it."""


class LazyPirateClient:
    def __init__(self, ctx, endpoint, timeout=REQUEST_TIMEOUT, retries=REQUEST_RETRIES):
        self.ctx = ctx
        self.endpoint = endpoint
        self.timeout = timeout          # msecs to wait for each reply
        self.retries = retries          # resends before giving up
        self.req = None
        self.resends = 0                # counters to watch: a rising count is an early warning
        self.stale_replies = 0

    def request(self, id, payload=""):
        """Sends "ID PAYLOAD" until the reply "ID [RESULT]" comes; returns RESULT ("" if none)."""
        request = (f"{id} {payload}" if payload else str(id)).encode()
        for attempt in range(self.retries + 1):
            if self.req is None:
                self.req = self.connect()
            self.req.send(request)
            try:
                frames = self.req.recv_multipart()   # waits at most the timeout (RCVTIMEO)
            except zmq.Again:
                frames = None
            if frames is not None:
                reply = frames[0].decode("utf-8", "replace")
                if reply.startswith("ERR "):
                    raise RequestFailed(f"request {id} rejected: {reply}")
                reply_id, _, result = reply.partition(" ")
                if len(frames) == 1 and reply_id == str(id):
                    return result
                self.stale_replies += 1         # an answer to an older request: discard it
            self.req.close()                    # stuck in "expect reply": only a new socket can resend
            self.req = None
            if attempt < self.retries:
                self.resends += 1
        raise RequestFailed(f"no reply to request {id} after {self.retries + 1} tries of {self.timeout} ms")

    def connect(self):
        req = self.ctx.socket(zmq.REQ)
        req.linger = 0                          # close() must not wait for unsent requests
        req.rcvtimeo = self.timeout
        req.connect(self.endpoint)
        return req

    def close(self):
        if self.req is not None:
            self.req.close()
        self.req = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def echo_server(endpoint_out, stop):
    """The demo's REP at SNDHWM=1, in a child process: two interpreters drop more replies than one.

    With the REP as a thread of the client's process, both share one GIL and the race that drops a reply is
    rarer: measured here, its first loss came after a median of 16,500 round trips on one day, against 8,800
    for a child process. On other days both lost a reply every few hundred or thousand round trips: this
    demo resent 0 to 49 times in 10,000 requests, hence MAX_REQUESTS.
    """
    parent = os.getppid()
    with zmq.Context() as ctx, ctx.socket(zmq.REP) as rep:
        rep.linger = 0
        rep.sndhwm = 1                          # the bug's setting: replies get lost
        rep.rcvtimeo = POLL
        rep.bind("tcp://127.0.0.1:*")           # loopback, a free port
        endpoint_out.send(rep.last_endpoint.decode())
        while not stop.is_set() and os.getppid() == parent:   # also stop if the parent is gone
            try:
                request = rep.recv()
            except zmq.Again:
                continue                        # receive timeout: look at the flags again
            rep.send(request)                   # an echo server: the reply is the request id


def start_without_ctrl_c(process):
    """Starts a child that never sees Ctrl-C, which a terminal sends to both: this process stops it."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        process.start()
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})     # the child inherits the mask ...
    try:
        process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})   # ... and a Ctrl-C of meanwhile comes now


def main(args):
    requests = endpoint = None
    for arg in args:
        if re.fullmatch(r"[0-9]{1,9}", arg) and requests is None:
            requests = int(arg)
        elif re.fullmatch(r"(tcp|ipc)://\S+", arg) and endpoint is None:
            endpoint = arg
        else:
            print("E: usage: lazy_pirate_client.py [REQUESTS] [ENDPOINT]   (e.g. 10000 tcp://127.0.0.1:5555)",
                  file=sys.stderr)
            return 2
    requests = REQUESTS if requests is None else requests
    demo = endpoint is None                     # no server given: start the demo's own

    server = stop = None
    answered = 0
    try:
        if demo:
            mp = multiprocessing.get_context("spawn")   # a fresh interpreter: no ZeroMQ state copied by fork()
            stop = mp.Event()
            endpoint_in, endpoint_out = mp.Pipe(duplex=False)
            server = mp.Process(target=echo_server, args=(endpoint_out, stop), daemon=True)
            start_without_ctrl_c(server)
            if not endpoint_in.poll(30):
                print("E: the demo's REP process did not start within 30 s", file=sys.stderr)
                return 3
            endpoint = endpoint_in.recv()
            print(f"I: an echo REP with SNDHWM=1 in a child process at {endpoint}", flush=True)
        timeout = DEMO_TIMEOUT if demo else REQUEST_TIMEOUT
        print(f"I: pyzmq {zmq.pyzmq_version()} on libzmq {zmq.zmq_version()}; {requests:,} requests to "
              f"{endpoint}, each reply awaited {timeout} ms, {REQUEST_RETRIES} resends at most", flush=True)

        with zmq.Context() as ctx, LazyPirateClient(ctx, endpoint, timeout) as client:
            try:
                while answered < requests or demo and not client.resends and answered < MAX_REQUESTS:
                    if demo and answered == requests:
                        print(f"I: no reply lost in {requests:,} requests: going on until one is "
                              f"({MAX_REQUESTS:,} requests at most)", flush=True)
                    id, resends = answered + 1, client.resends
                    client.request(id)
                    answered += 1
                    if client.resends > resends:
                        print(f"W: request {id}: no reply within {timeout} ms, "
                              f"answered after {client.resends - resends} resend(s) on a new socket", flush=True)
            except RequestFailed as e:
                print(f"FAILED after {answered:,} requests answered: {e}")
                return 1
        print(f"OK {answered:,} requests answered, {client.resends} resends after a lost reply")
        return 0
    except KeyboardInterrupt:
        print(f"INTERRUPTED after {answered:,} requests answered")
        return 130
    finally:
        if server is not None:
            stop.set()
            server.join(5)
            if server.is_alive():
                server.kill()
                server.join()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
