/*  repro.c: REQ/REP lockstep on libzmq with a small ZMQ_SNDHWM on the REP
    socket loses a reply: zmq_send() on the REP returns success, the REQ never
    gets the reply (zeromq/libzmq issue 4750, zeromq/pyzmq issue 2040).

    A REP thread echoes request ids; the main thread is a REQ that sends
    1, 2, 3, ... over tcp://127.0.0.1:* and waits at most 1000 ms for each
    reply. It stops at the first missing reply, after 5,000,000 round trips
    or after 60 s.

    Build and run:
        gcc repro.c -o repro -lzmq -lpthread && ./repro 1
    Arguments:  ./repro [SNDHWM [events]]
        SNDHWM  the REP socket's ZMQ_SNDHWM, set before bind (default 1)
        events  the REP reads ZMQ_EVENTS twice before each zmq_recv (the
                workaround: it makes the socket process its command mailbox)
    Exit: 0 = a reply was lost, 1 = none was lost, 2 = usage or setup error.
*/
#include <zmq.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIMEOUT_MS 1000
#define BUDGET 5000000L
#define TIME_LIMIT_S 60

static void *rep;
static int events_workaround;
static atomic_int running = 1;
static atomic_long last_id;   /* the last request the REP received ...      */
static atomic_int last_rc;    /* ... and what zmq_send returned for its reply */

static void *serve (void *arg)
{
    char buf[32];
    (void) arg;
    while (atomic_load (&running)) {
        if (events_workaround) {
            int ev;
            size_t sz = sizeof ev;
            zmq_getsockopt (rep, ZMQ_EVENTS, &ev, &sz);
            zmq_getsockopt (rep, ZMQ_EVENTS, &ev, &sz);
        }
        int n = zmq_recv (rep, buf, sizeof buf - 1, 0);
        if (n < 0)
            continue; /* receive timeout: look at the flag again */
        buf[n < (int) sizeof buf - 1 ? n : (int) sizeof buf - 1] = '\0';
        atomic_store (&last_id, atol (buf));
        atomic_store (&last_rc, zmq_send (rep, buf, strlen (buf), 0));
    }
    return NULL;
}

static double now (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main (int argc, char *argv[])
{
    char *end = NULL;
    long hwm = argc > 1 ? strtol (argv[1], &end, 10) : 1;
    if (argc > 3 || (argc > 1 && (*end || hwm < 0 || hwm > 1000000))
        || (argc > 2 && strcmp (argv[2], "events") != 0)) {
        fprintf (stderr, "usage: %s [SNDHWM [events]]\n", argv[0]);
        return 2;
    }
    events_workaround = argc > 2;

    int major, minor, patch, sndhwm = (int) hwm, linger = 0, timeout = 100;
    zmq_version (&major, &minor, &patch);
    void *ctx = zmq_ctx_new ();
    rep = zmq_socket (ctx, ZMQ_REP);
    zmq_setsockopt (rep, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (rep, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    zmq_setsockopt (rep, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    char endpoint[256];
    size_t len = sizeof endpoint;
    if (zmq_bind (rep, "tcp://127.0.0.1:*") != 0
        || zmq_getsockopt (rep, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0) {
        fprintf (stderr, "cannot bind: %s\n", zmq_strerror (zmq_errno ()));
        return 2;
    }
    pthread_t server;
    pthread_create (&server, NULL, serve, NULL);

    void *req = zmq_socket (ctx, ZMQ_REQ);
    timeout = TIMEOUT_MS;
    zmq_setsockopt (req, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (req, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_connect (req, endpoint);
    printf ("I: libzmq %d.%d.%d, REQ/REP lockstep over %s, REP SNDHWM=%d%s\n",
            major, minor, patch, endpoint, sndhwm,
            events_workaround ? ", REP reads ZMQ_EVENTS twice before recv"
                              : "");
    fflush (stdout);

    long id;
    int lost = 0;
    double deadline = now () + TIME_LIMIT_S;
    for (id = 1; id <= BUDGET && now () < deadline; id++) {
        char buf[32];
        int n = snprintf (buf, sizeof buf, "%ld", id);
        zmq_send (req, buf, n, 0);
        if (zmq_recv (req, buf, sizeof buf, 0) < 0) {
            lost = 1; /* REQ can never send again */
            break;
        }
    }
    atomic_store (&running, 0);
    pthread_join (server, NULL);
    zmq_close (req);
    zmq_close (rep);
    zmq_ctx_term (ctx);

    if (!lost) {
        printf ("NO LOSS in %ld round trips with SNDHWM=%d\n", id - 1, sndhwm);
        return 1;
    }
    printf ("W: no reply to request %ld within %d ms\n", id, TIMEOUT_MS);
    if (atomic_load (&last_id) != id) {
        printf ("LOST reply %ld after %ld round trips (the REP never received "
                "request %ld)\n", id, id - 1, id);
        return 0;
    }
    printf ("LOST reply %ld after %ld round trips (zmq_send on REP returned "
            "%d)\n", id, id - 1, atomic_load (&last_rc));
    return 0;
}
