#!/usr/bin/python3
#
# lockstep.py: the SNDHWM=1 silent drop, reproduced with pyzmq (pyzmq issue 2040, libzmq issue 4750).
#
# A REQ and a REP loop request/reply in strict lockstep. With SNDHWM=1 on the REP socket, sooner or later
# a reply never arrives although REP's send() raised no error for it. pyzmq users were told "SNDHWM >= 2";
# try --rep-sndhwm 2 to test that advice here.
#
# Two kinds of concurrency: --mode threads (REQ and REP are two threads of one interpreter, one GIL) and
# --mode processes (the REP is a child process: two interpreters, two GILs, truly parallel).
#
# Run:  /usr/bin/python3 lockstep.py --rep-sndhwm 1                    (exit 0 once a reply was lost)
#       /usr/bin/python3 lockstep.py --rep-sndhwm 1 --mode processes
#       /usr/bin/python3 lockstep.py --rep-sndhwm 2 --time-limit 30    (exit 1: no loss within the bound)
#       /usr/bin/python3 lockstep.py --role rep --endpoint tcp://127.0.0.1:5555 --rep-sndhwm 1   (a REP only,
#            for a REQ in another process, e.g. ./jbang hwm1 --role req --endpoint tcp://127.0.0.1:5555)
# Lines start with "I:" (info) or "W:" (warning); the last line is "RESULT {json}" for programs.
# Exit: 0 a reply was lost (or a REP served), 1 none lost, 2 bad option, 3 cannot run, 130/143 interrupted.

import argparse
import json
import multiprocessing
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time

try:
    import zmq
except ImportError:
    print("E: pyzmq is not installed (Debian: apt-get install python3-zmq)", file=sys.stderr)
    sys.exit(3)


class Options(argparse.ArgumentParser):
    def error(self, message):                    # one line on stderr, exit 2
        print(f"E: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def options(argv):
    p = Options(description="REQ/REP lockstep with pyzmq until the first lost reply.")
    p.add_argument("--mode", choices=["threads", "processes"], default="threads",
                   help="REP as a thread of this interpreter, or as a child process (default: threads)")
    p.add_argument("--role", choices=["both", "rep", "req"], default="both",
                   help="both, rep (serve --endpoint only) or req (connect to --endpoint only) (default: both)")
    p.add_argument("--transport", choices=["tcp", "ipc"], default="tcp", help="a free loopback port, or a fresh ipc path")
    p.add_argument("--endpoint", help="full endpoint instead of --transport, e.g. tcp://127.0.0.1:5555")
    for name in ("rep-sndhwm", "rep-rcvhwm", "req-sndhwm", "req-rcvhwm"):
        p.add_argument("--" + name, type=int, default=1000, help="high-water mark, 0 = no limit (default: 1000)")
    p.add_argument("--budget", type=int, default=1_000_000, help="most round trips (default: 1000000)")
    p.add_argument("--time-limit", type=float, default=60, help="seconds (default: 60)")
    p.add_argument("--timeout", type=int, default=1000, help="ms REQ waits for each reply (default: 1000)")
    p.add_argument("--connect-timeout", type=int, default=5000, help="ms the first reply may take with --role req")
    p.add_argument("--workaround", choices=["none", "events", "events-once"], default="none",
                   help="read ZMQ_EVENTS twice (events) or once before each REP recv() (default: none)")
    p.add_argument("--narrative", choices=["all", "setup", "none"], default="all",
                   help="which I: lines to print: all, setup only (the kit tells the outcome), none")
    a = p.parse_args(argv)
    if min(a.rep_sndhwm, a.rep_rcvhwm, a.req_sndhwm, a.req_rcvhwm) < 0:
        p.error("a high-water mark must be 0 (no limit) or more")
    if a.budget < 1 or a.timeout < 1 or a.connect_timeout < 1 or not a.time_limit > 0:
        p.error("--budget, --timeout and --connect-timeout must be at least 1, --time-limit more than 0")
    if a.role != "both" and not a.endpoint:
        p.error(f"--role {a.role} needs --endpoint")
    if a.endpoint and not a.endpoint.startswith(("tcp://", "ipc://")):
        p.error(f"endpoint '{a.endpoint}' must be tcp://HOST:PORT or ipc://PATH")
    return a


def say(level, text, quiet=False):
    if not quiet:
        print(f"{level}: {text}", flush=True)


interrupted = []                                 # non-empty once SIGINT or SIGTERM arrived


def on_signal(signum, frame):
    interrupted.append(signum)


# --- the REP: receive an id, send it back, remember what send() did ----------------------------------

def serve(endpoint, o, stop, seen, bound, deadline):
    """REP loop: seen.* are multiprocessing Values (shared with the parent in processes mode)."""
    context = zmq.Context()
    rep = context.socket(zmq.REP)
    rep.linger = 0
    rep.rcvtimeo = 50                            # look at the stop flag 20 times a second
    rep.sndtimeo = 1000                          # REP's send() never blocks; this bounds it anyway
    rep.sndhwm = o.rep_sndhwm                    # before bind(): a pipe takes its marks when it is made
    rep.rcvhwm = o.rep_rcvhwm
    try:
        rep.bind(endpoint)
    except zmq.ZMQError as e:
        bound.put(("error", f"cannot bind {endpoint}: {e}"))
        rep.close()
        context.term()
        return
    bound.put(("bound", rep.last_endpoint.decode()))
    while not stop.is_set() and time.monotonic() < deadline:
        if o.workaround != "none":               # makes the socket process its command mailbox
            rep.getsockopt(zmq.EVENTS)
            if o.workaround == "events":
                rep.getsockopt(zmq.EVENTS)
        try:
            request = rep.recv()
        except zmq.Again:
            continue                             # receive timeout: look at the flag again
        seen.last_id.value = int(request) if request.isdigit() else -1
        seen.served.value += 1
        try:
            rep.send(request)                    # echo the id; at SNDHWM=1 it may vanish without an error
            seen.send_ok.value = 1
        except zmq.ZMQError:
            seen.send_ok.value = 0
            seen.failures.value += 1
    rep.close()
    context.term()


def child(endpoint, o, stop, seen, bound, deadline):
    """The REP as a child process. Ctrl-C reaches the whole process group: the parent, not Ctrl-C, stops this one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def orphaned():                              # stop when the parent is gone, whatever happened to it
        while not stop.is_set():
            if os.getppid() != parent:
                stop.set()
            time.sleep(0.2)
    threading.Thread(target=orphaned, daemon=True).start()
    serve(endpoint, o, stop, seen, bound, deadline)


def shared_state(mp):
    return argparse.Namespace(last_id=mp.Value("q", -1, lock=False), send_ok=mp.Value("b", 0, lock=False),
                              failures=mp.Value("q", 0, lock=False), served=mp.Value("q", 0, lock=False))


# --- the REQ: send 1, 2, 3 ... and wait for each reply -------------------------------------------------

def lockstep(endpoint, o):
    context = zmq.Context()
    req = context.socket(zmq.REQ)
    req.linger = 0
    req.sndhwm, req.rcvhwm = o.req_sndhwm, o.req_rcvhwm
    # A REP in another process may still be starting: the first request waits in the queue until it connects.
    req.rcvtimeo = o.connect_timeout if o.role == "req" else o.timeout
    req.connect(endpoint)
    latencies, done, lost_at, stop = [], 0, None, "budget"
    start = time.monotonic()
    deadline, progress = start + o.time_limit, start + 1
    while done < o.budget:
        if interrupted:
            stop = "interrupted"
            break
        t0 = time.perf_counter_ns()
        if time.monotonic() > deadline:
            stop = "time_limit"
            break
        req.send(str(done + 1).encode())
        try:
            req.recv()
        except zmq.Again:                        # no reply within the timeout: REQ can never send again
            if done == 0 and o.role == "req":
                req.close()
                context.term()
                raise CannotRun(f"nothing answered at {endpoint} within {o.connect_timeout} ms "
                                "(is a --role rep running there?)")
            lost_at, stop = done + 1, "loss"
            break
        if len(latencies) < 1_000_000:           # enough for percentiles, bounded memory
            latencies.append(time.perf_counter_ns() - t0)
        done += 1
        if done == 1:
            req.rcvtimeo = o.timeout
        now = time.monotonic()
        if now > progress:                       # alive: a line on stderr once a second
            print(f"  ... {done:,} round trips, 0 lost, {done / (now - start):,.0f}/s, {now - start:.0f} s",
                  file=sys.stderr, flush=True)
            progress = now + 1
    elapsed = time.monotonic() - start
    req.close()
    context.term()
    return done, lost_at, stop, elapsed, latencies


def percentile_us(values, p):                    # nearest rank, as the kit's Stats.percentile
    if not values:
        return None
    s = sorted(values)
    rank = -(-p * len(s) // 100)
    return round(s[max(0, min(len(s) - 1, rank - 1))] / 1000, 1)


def main(argv):
    o = options(argv)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    temp = tempfile.mkdtemp(prefix="hwm-lab-") if not o.endpoint and o.transport == "ipc" else None
    want = o.endpoint or (f"ipc://{temp}/rep" if temp else "tcp://127.0.0.1:*")
    mp = multiprocessing.get_context("spawn")    # a fresh interpreter: no zmq context inherited through fork()
    seen = shared_state(mp)
    in_child = o.role == "both" and o.mode == "processes"
    stop_rep = mp.Event() if in_child else threading.Event()
    bound = mp.Queue() if in_child else queue.Queue()
    # The REP serves until asked to stop, and never longer than the run and the REQ's last wait.
    deadline = time.monotonic() + o.time_limit + (0 if o.role == "rep" else (o.timeout + o.connect_timeout) / 1000 + 5)
    rep = None
    if o.role != "req":
        rep = (mp.Process if in_child else threading.Thread)(
            target=child if in_child else serve, args=(want, o, stop_rep, seen, bound, deadline))
    try:
        endpoint = o.endpoint
        if rep:
            rep.start()
            try:
                what, endpoint = bound.get(timeout=30)
            except queue.Empty:
                what, endpoint = "error", "the REP did not bind within 30 s"
            if what == "error":
                raise CannotRun(endpoint)
        result = served(o, endpoint, rep, stop_rep, seen) if o.role == "rep" else measured(o, endpoint, rep, stop_rep, seen)
        result.update(endpoint=endpoint, pyzmq=zmq.pyzmq_version(), libzmq=zmq.zmq_version(),
                      python=sys.version.split()[0], mode=o.mode if o.role == "both" else "processes")
        print("RESULT " + json.dumps(result), flush=True)
        if interrupted:
            return 143 if interrupted[0] == signal.SIGTERM else 130
        return 0 if o.role == "rep" or result["lost"] else 1
    except CannotRun as e:
        print(f"E: {e}", file=sys.stderr)
        return 3
    finally:
        stop_rep.set()
        if rep and rep.is_alive():
            rep.join(5)
            if in_child and rep.is_alive():
                rep.kill()
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


class CannotRun(Exception):
    pass


def versions():
    return f"pyzmq {zmq.pyzmq_version()} on libzmq {zmq.zmq_version()}, Python {sys.version.split()[0]}"


def served(o, endpoint, rep, stop_rep, seen):
    """--role rep: only the REP, until the time limit or a signal."""
    say("I", f"{versions()}, REP only: bound {endpoint} with SNDHWM={o.rep_sndhwm} RCVHWM={o.rep_rcvhwm}; "
             f"serving for {o.time_limit:g} s or until Ctrl-C")
    start = time.monotonic()
    while rep.is_alive() and not interrupted:
        rep.join(0.05)
    stop_rep.set()
    rep.join()
    n, elapsed = seen.served.value, time.monotonic() - start
    say("I", f"served {n:,} requests; send() raised an error {seen.failures.value} times; "
             f"last request id {seen.last_id.value}", o.narrative == "none")
    return dict(round_trips=n, lost=0, first_loss=None, rep_send_true=bool(seen.send_ok.value) if n else None,
                stop="interrupted" if interrupted else "time_limit", elapsed_s=round(elapsed, 3),
                rate_per_s=round(n / elapsed, 1), p50_us=None, p99_us=None,
                last_id=seen.last_id.value, send_failures=seen.failures.value)


def measured(o, endpoint, rep, stop_rep, seen):
    """--role both or req: the lockstep run, told as it goes."""
    quiet = o.narrative == "none"
    if rep:
        where = "two threads of one interpreter (one GIL)" if o.mode == "threads" else "two processes (two GILs)"
        say("I", f"{versions()}, {os.cpu_count()} cores; REQ and REP are {where}", quiet)
        say("I", f"REP binds {endpoint} with SNDHWM={o.rep_sndhwm} RCVHWM={o.rep_rcvhwm}; "
                 f"REQ connects with SNDHWM={o.req_sndhwm} RCVHWM={o.req_rcvhwm}", quiet)
    else:
        say("I", f"{versions()}; REQ only: the REP is another process (any library)", quiet)
        say("I", f"REQ connects to {endpoint} with SNDHWM={o.req_sndhwm} RCVHWM={o.req_rcvhwm}", quiet)
    say("I", f"REQ waits up to {o.timeout} ms for each reply; budget {o.budget:,}, time limit {o.time_limit:g} s", quiet)
    done, lost_at, why, elapsed, latencies = lockstep(endpoint, o)
    if rep:                                      # stop the REP first: then what it saw last is final
        stop_rep.set()
        rep.join(10)
    # The REP received request lost_at and returned from send() long before the REQ's timeout.
    sent = None if not rep or not lost_at else seen.last_id.value == lost_at and bool(seen.send_ok.value)
    quiet = o.narrative != "all"
    if lost_at:
        say("W", f"request {lost_at}: no reply within {o.timeout} ms; REQ can never send again", quiet)
        if rep:
            say("I", f"REP received request {seen.last_id.value} and its send() "
                     + ("raised no error: the reply was dropped silently" if sent else "failed"), quiet)
    else:
        say("I", f"no reply lost in {done:,} round trips ({why})", quiet)
    return dict(round_trips=done, lost=1 if lost_at else 0, first_loss=lost_at, rep_send_true=sent,
                stop=why, elapsed_s=round(elapsed, 3), rate_per_s=round(done / max(elapsed, 1e-9), 1),
                p50_us=percentile_us(latencies, 50), p99_us=percentile_us(latencies, 99))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
