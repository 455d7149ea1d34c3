#!/usr/bin/env python3
#
# safe_rep_server.py: a REP server that lost replies, resent requests and malformed requests cannot hurt.
# The twin of SafeRepServer.java: the same protocol and journal, so each works with the other's client.
#
# - Its marks are set before bind(), and its SNDHWM is never 1 (a REP with SNDHWM=1 silently drops replies;
#   on libzmq 2, 3 and 8 drop some too, more rarely: keep the default 1000).
# - A request is "ID" or "ID PAYLOAD"; the reply is "ID" or "ID RESULT", so a client can match it.
# - A retrying client (see lazy_pirate_client.py) resends when a reply is lost: a repeated id is answered
#   from the ledger of handled requests, not handled again. The ledger does the work and records its id in
#   one step (here: one line, one write(2), in a journal file), so a kill leaves both or neither; a last
#   line cut short by a kill is cut off when the journal is opened again.
# - A malformed request (not "ID [PAYLOAD]", too long, several frames) is answered "ERR ..." and counted;
#   a handler that raises is answered "ERR ..." too. The server keeps serving.
# - EVENTS_WORKAROUND (or events_workaround=True) reads ZMQ_EVENTS twice before each recv(): that makes
#   libzmq read the socket's command mailbox, so a REP that must run at a small SNDHWM drops no reply.
#
# Run:  python3 safe_rep_server.py                          (demo: a client in this process, repeats, garbage)
#       python3 safe_rep_server.py tcp://127.0.0.1:5555 60  (serve there for 60 s, journal in safe-rep.journal;
#            next to python3 lazy_pirate_client.py 10000 tcp://127.0.0.1:5555, or LazyPirateClient.java)
# Needs pyzmq alone (Debian: apt-get install python3-zmq; elsewhere: pip install pyzmq).
# Lines start with I: (info), W: (warning) or E: (error); the last line is the verdict. Ctrl-C stops it.

import os
import re
import signal
import sys
import tempfile
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

SNDHWM = 1000               # messages, the default. Never 1: a REP at SNDHWM=1 drops replies without an error
EVENTS_WORKAROUND = False   # True: read ZMQ_EVENTS twice before each recv() (needed only at a small SNDHWM)
MAX_REQUEST = 4096          # bytes; a longer request is malformed, a larger frame drops its connection
POLL = 100                  # msecs between looks at the stop flag
JOURNAL = "safe-rep.journal"
REQUEST = re.compile(r"([0-9]{1,19})(?: (.*))?", re.DOTALL)   # "ID" or "ID PAYLOAD", as SafeRepServer.java
MAX_ID = 2**63 - 1          # ids are Java longs on the other side


class SafeRepServer:
    def __init__(self, ctx, endpoint, ledger, events_workaround=EVENTS_WORKAROUND):
        self.ctx = ctx
        self.endpoint = endpoint
        self.ledger = ledger                # reply_for(id) and handle(id, payload): see Journal
        self.events_workaround = events_workaround
        self.stopping = threading.Event()
        self.ready = threading.Event()      # set once bound; self.endpoint is then the bound one
        self.served = self.repeats = self.malformed = 0

    def serve(self, seconds=None):
        """Binds, then answers requests until stop() or for `seconds`."""
        deadline = None if seconds is None else time.monotonic() + seconds
        with self.ctx.socket(zmq.REP) as rep:
            rep.linger = 0
            rep.rcvtimeo = POLL
            rep.maxmsgsize = MAX_REQUEST    # a peer announcing a larger frame is disconnected
            self.configure(rep)             # before bind(): a pipe takes its marks when it is made
            rep.bind(self.endpoint)
            self.endpoint = rep.last_endpoint.decode()
            self.ready.set()
            while not self.stopping.is_set() and (deadline is None or time.monotonic() < deadline):
                self.before_recv(rep)
                try:
                    frames = rep.recv_multipart()   # a REP answers a whole message once
                except zmq.Again:
                    continue                # timeout: look at the stop flag
                request = frames[0]
                m = REQUEST.fullmatch(request.decode("utf-8", "replace"))
                id = int(m.group(1)) if len(frames) == 1 and len(request) <= MAX_REQUEST and m else -1
                if not 0 <= id <= MAX_ID:
                    self.malformed += 1
                    rep.send(b"ERR malformed request (want one frame: ID or ID PAYLOAD)")
                    continue
                try:
                    reply = self.answer(id, m.group(2) or "")
                except Exception as e:      # the handler failed: say so, keep serving
                    reply = f"ERR {type(e).__name__}"
                rep.send(reply.encode())

    def answer(self, id, payload):
        result = self.ledger.reply_for(id)
        if result is not None:
            self.repeats += 1               # a resend: its reply was lost, its work was done
        else:
            result = self.ledger.handle(id, payload)
        self.served += 1
        return f"{id} {result}" if result else str(id)

    def configure(self, rep):
        """Sets the marks; called before bind()."""
        rep.sndhwm = SNDHWM

    def before_recv(self, rep):
        """The workaround: ZMQ_EVENTS makes libzmq process the socket's commands, among them the one that
        says the last reply was read, which recv() skips when a request is already waiting."""
        if self.events_workaround:
            rep.getsockopt(zmq.EVENTS)
            rep.getsockopt(zmq.EVENTS)      # once only narrows the race

    def stop(self):
        self.stopping.set()


class Journal:
    """A ledger in an append-only file: a request's work is to store its payload, as one line with its id."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)   # every write goes to the end
        with open(path, "rb") as f:
            text = f.read()
        self.size = text.rfind(b"\n") + 1   # a last line cut short by a kill never happened: cut it off
        os.ftruncate(self.fd, self.size)
        self.handled = set()
        for number, line in enumerate(text[:self.size].split(b"\n"), 1):
            if not line:
                continue                    # the end of the text
            id = line.split(b" ", 1)[0]
            if not id.isdigit():
                os.close(self.fd)
                raise ValueError(f"{path}, line {number}: not a journal line (ID PAYLOAD)")
            self.handled.add(int(id))

    def reply_for(self, id):
        return "stored" if id in self.handled else None

    def handle(self, id, payload):
        line = (f"{id} " + payload.replace("\n", " ") + "\n").encode()
        written = os.write(self.fd, line)   # one write(2): the work and its record, or neither
        if written != len(line):            # a short write (disk full): take it back, not done
            os.ftruncate(self.fd, self.size)
            raise OSError(f"journal: wrote {written} of {len(line)} bytes")
        self.size += written
        self.handled.add(id)
        return "stored"

    def close(self):
        os.close(self.fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def demo():
    """A client sends a request twice, then garbage; true when the server handled it once and kept serving."""
    endpoint = "inproc://safe-rep-demo"
    fd, path = tempfile.mkstemp(prefix="safe-rep", suffix=".journal")
    os.close(fd)
    try:
        with zmq.Context() as ctx, Journal(path) as journal:
            server = SafeRepServer(ctx, endpoint, journal)
            thread = threading.Thread(target=server.serve, daemon=True)
            thread.start()
            try:
                server.ready.wait(5)        # inproc: bind before connect
                with ctx.socket(zmq.REQ) as req:
                    req.linger = 0
                    req.rcvtimeo = 1000
                    req.connect(endpoint)
                    for request in ["1 hello", "1 hello", "not a request", "2 world"]:
                        req.send_string(request)
                        print(f'I: sent "{request}", reply "{req.recv_string()}"')
                    req.send_multipart([b"two", b"frames"])
                    print(f'I: sent two frames, reply "{req.recv_string()}"')
            except zmq.Again:
                print("FAILED: no reply within 1000 ms")
                return False
            finally:
                server.stop()
                thread.join()
        with open(path, "rb") as f:
            handled = len(f.read().splitlines())
    finally:
        os.remove(path)
    ok = server.served == 3 and server.repeats == 1 and server.malformed == 2 and handled == 2
    print(f"{'OK' if ok else 'FAILED'}: {server.served} requests answered ({server.repeats} of them repeats, "
          f"answered from the journal), {handled} handled, {server.malformed} malformed answered ERR")
    return ok


def main(args):
    if len(args) > 2 or args and not re.fullmatch(r"(tcp|ipc|inproc)://\S+", args[0]) \
            or len(args) > 1 and not re.fullmatch(r"[0-9]{1,9}", args[1]):
        print("E: usage: safe_rep_server.py [ENDPOINT [SECONDS]]   (e.g. tcp://127.0.0.1:5555 60)", file=sys.stderr)
        return 2
    if not args:
        return 0 if demo() else 1
    endpoint, seconds = args[0], int(args[1]) if len(args) > 1 else 60
    signal.signal(signal.SIGTERM, signal.default_int_handler)   # kill: stop as on Ctrl-C
    try:
        journal = Journal(JOURNAL)
    except (OSError, ValueError) as e:
        print(f"E: cannot use the journal: {e}", file=sys.stderr)
        return 3
    with zmq.Context() as ctx, journal:
        server = SafeRepServer(ctx, endpoint, journal)
        print(f"I: pyzmq {zmq.pyzmq_version()} on libzmq {zmq.zmq_version()}; serving {endpoint} for {seconds} s, "
              f"journal {JOURNAL} ({len(journal.handled):,} ids handled before)", flush=True)
        until = "the time limit"
        try:
            server.serve(seconds)
        except zmq.ZMQError as e:
            print(f"E: cannot serve {endpoint}: {e}", file=sys.stderr)
            return 3
        except KeyboardInterrupt:
            until = "stopped"
    print(f"SERVED until {until}: {server.served:,} requests answered ({server.repeats:,} repeats, answered from "
          f"the journal), {server.malformed:,} malformed answered ERR")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:               # Ctrl-C outside the serving loop
        print("INTERRUPTED")
        sys.exit(130)
