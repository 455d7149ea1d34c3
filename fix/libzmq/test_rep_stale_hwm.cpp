/* SPDX-License-Identifier: MPL-2.0 */

#include "testutil.hpp"
#include "testutil_unity.hpp"

#include <stdio.h>
#include <string.h>

SETUP_TEARDOWN_TESTCONTEXT

//  Regression test: a REP socket with ZMQ_SNDHWM=1 in lock-step with a REQ
//  must not drop a reply because its view of the reply pipe is stale.
//
//  The session reads reply k from the REP's outbound pipe (and queues
//  activate_write (k) into the REP's mailbox) before the bytes of reply k go
//  on the wire, hence before the REQ can send request k+1. But
//  socket_base_t::recv only processes its mailbox every inbound_poll_rate
//  calls or when it has to wait. If request k+1 is already in the REP's
//  inbound pipe when zmq_recv is called, rep_t::xrecv writes the reply
//  envelope through router_t::xsend while _msgs_written - _peers_msgs_read
//  == 1 >= SNDHWM, router_t::xsend drops the reply silently, zmq_send on the
//  REP still succeeds and the REQ waits for ever.
//
//  The fix does not process commands while the request is read: the REP
//  holds the reply pipe and the envelope, and routes them when the reply is
//  sent, after processing the commands that are pending by then.
//
//  The first case shows the drop as it happens over TCP. The other cases use
//  inproc, where "full" is deterministic: an inproc pipe's HWM is the
//  sender's SNDHWM plus the receiver's RCVHWM, and a DEALER that does not
//  read fills it. The REP then reads a request while the reply pipe is full,
//  and the test decides what happens before the reply is sent. Every
//  command posted to the REP over inproc (activate_write when the DEALER
//  reads, pipe_term when it disconnects, bind when a peer connects) is in the
//  REP's mailbox when the call that posts it returns.

#define REQUESTER_TIMEOUT 2000 //  In msec; every blocking recv has a timeout

static void set_int (void *socket_, int option_, int value_)
{
    TEST_ASSERT_SUCCESS_ERRNO (
      zmq_setsockopt (socket_, option_, &value_, sizeof (value_)));
}

static void *rep_with_sndhwm_1 (char *endpoint_, size_t size_)
{
    void *rep = test_context_socket (ZMQ_REP);
    set_int (rep, ZMQ_SNDHWM, 1);
    bind_loopback_ipv4 (rep, endpoint_, size_);
    return rep;
}

static void *connected_req (const char *endpoint_)
{
    void *req = test_context_socket (ZMQ_REQ);
    set_int (req, ZMQ_RCVTIMEO, REQUESTER_TIMEOUT);
    set_int (req, ZMQ_LINGER, 0);
    TEST_ASSERT_SUCCESS_ERRNO (zmq_connect (req, endpoint_));
    return req;
}

//  REQ sends "request N"; once it is in the REP's inbound pipe, so that the
//  REP's zmq_recv finds it without waiting (and without processing commands),
//  REP answers "reply N", which REQ must receive.
static void round_trip (void *req_, void *rep_, int n_)
{
    char request[32];
    char reply[32];
    snprintf (request, sizeof request, "request %d", n_);
    snprintf (reply, sizeof reply, "reply %d", n_);

    send_string_expect_success (req_, request, 0);
    //  Unavoidable sleep: the request must reach the REP's inbound pipe
    //  over TCP, and nothing can observe that without making the REP process
    //  its commands, which would hide the stale state.
    msleep (SETTLE_TIME);
    recv_string_expect_success (rep_, request, 0);
    send_string_expect_success (rep_, reply, 0);

    char buffer[32];
    const int rc = zmq_recv (req_, buffer, sizeof buffer - 1, 0);
    char message[64];
    snprintf (message, sizeof message, "reply %d was dropped by REP", n_);
    TEST_ASSERT_EQUAL_INT_MESSAGE (static_cast<int> (strlen (reply)), rc,
                                   message);
    buffer[rc] = '\0';
    TEST_ASSERT_EQUAL_STRING (reply, buffer);
}

//  (a) The drop itself, over TCP. On a library with the bug it fails at
//  round 2.
void test_rep_does_not_drop_reply_on_stale_hwm ()
{
    char my_endpoint[MAX_SOCKET_STRING];
    void *rep = rep_with_sndhwm_1 (my_endpoint, sizeof my_endpoint);
    void *req = connected_req (my_endpoint);

    for (int i = 1; i <= 5; i++)
        round_trip (req, rep, i);

    test_context_socket_close (req);
    test_context_socket_close (rep);
}

//  --- inproc helpers ---------------------------------------------------------

static const char inproc_endpoint[] = "inproc://rep-stale-hwm";

static void *inproc_rep (int sndhwm_, bool handover_, bool probe_)
{
    void *rep = test_context_socket (ZMQ_REP);
    set_int (rep, ZMQ_SNDHWM, sndhwm_);
    set_int (rep, ZMQ_RCVTIMEO, REQUESTER_TIMEOUT);
    if (handover_)
        set_int (rep, ZMQ_ROUTER_HANDOVER, 1);
    if (probe_)
        set_int (rep, ZMQ_PROBE_ROUTER, 1);
    TEST_ASSERT_SUCCESS_ERRNO (zmq_bind (rep, inproc_endpoint));
    return rep;
}

//  A requester that reads only when told to: a DEALER with RCVHWM 1, so the
//  REP's pipe to it holds the REP's SNDHWM + 1 messages.
static void *inproc_dealer (const char *routing_id_)
{
    void *dealer = test_context_socket (ZMQ_DEALER);
    TEST_ASSERT_SUCCESS_ERRNO (zmq_setsockopt (
      dealer, ZMQ_ROUTING_ID, routing_id_, strlen (routing_id_)));
    set_int (dealer, ZMQ_RCVHWM, 1);
    set_int (dealer, ZMQ_RCVTIMEO, REQUESTER_TIMEOUT);
    TEST_ASSERT_SUCCESS_ERRNO (zmq_connect (dealer, inproc_endpoint));
    return dealer;
}

static void send_request (void *dealer_, const char *body_)
{
    send_string_expect_success (dealer_, "", ZMQ_SNDMORE);
    send_string_expect_success (dealer_, body_, 0);
}

static void recv_reply (void *dealer_, const char *body_)
{
    char message[64];
    snprintf (message, sizeof message, "\"%s\" was not the next reply", body_);
    char buffer[64];
    int rc = zmq_recv (dealer_, buffer, sizeof buffer, 0);
    TEST_ASSERT_EQUAL_INT_MESSAGE (0, rc, message);
    rc = zmq_recv (dealer_, buffer, sizeof buffer - 1, 0);
    TEST_ASSERT_EQUAL_INT_MESSAGE (static_cast<int> (strlen (body_)), rc,
                                   message);
    buffer[rc] = '\0';
    TEST_ASSERT_EQUAL_STRING (body_, buffer);
}

//  The requester sends a request and the REP reads it and answers. The REP
//  never has to wait: the request is in its pipe before it calls zmq_recv.
static void
serve (void *dealer_, void *rep_, const char *request_, const char *reply_)
{
    send_request (dealer_, request_);
    recv_string_expect_success (rep_, request_, 0);
    send_string_expect_success (rep_, reply_, 0);
}

//  The requester sends "request 1" and "request 2" and reads nothing: with
//  SNDHWM 1 the REP's pipe to it then holds "reply 1" and "reply 2" and is
//  full. Then it sends "request 3", and the REP reads it: its reply pipe is
//  full as the envelope is written.
static void fill_and_read_request_3 (void *dealer_, void *rep_)
{
    serve (dealer_, rep_, "request 1", "reply 1");
    serve (dealer_, rep_, "request 2", "reply 2");
    send_request (dealer_, "request 3");
    recv_string_expect_success (rep_, "request 3", 0);
}

//  The REP still serves: a new requester gets its own reply, the first
//  message it receives.
static void rep_still_serves (void *rep_, const char *routing_id_)
{
    void *next = inproc_dealer (routing_id_);
    serve (next, rep_, "request from the next peer", "reply to the next peer");
    recv_reply (next, "reply to the next peer");
    test_context_socket_close_zero_linger (next);
}

//  (a') The mechanism of (a), deterministic: the requester reads "reply 1"
//  after the REP read "request 3" and before it answers. Its activate_write
//  is then in the REP's mailbox, and "reply 3" must reach it.
void test_rep_sends_held_reply_once_pipe_has_room ()
{
    void *rep = inproc_rep (1, false, false);
    void *dealer = inproc_dealer ("A");

    fill_and_read_request_3 (dealer, rep);
    recv_reply (dealer, "reply 1");
    send_string_expect_success (rep, "reply 3", 0);

    recv_reply (dealer, "reply 2");
    recv_reply (dealer, "reply 3");

    test_context_socket_close_zero_linger (dealer);
    test_context_socket_close_zero_linger (rep);
}

//  (b) The requester vanishes between its request and the reply: it reads
//  "reply 1" and disconnects, so activate_write and then pipe_term are in the
//  REP's mailbox when it answers. The reply is dropped (the pipe is being
//  terminated) and the REP goes on serving.
void test_rep_survives_its_requester_vanishing ()
{
    void *rep = inproc_rep (1, false, false);
    void *dealer = inproc_dealer ("A");

    fill_and_read_request_3 (dealer, rep);
    recv_reply (dealer, "reply 1");
    TEST_ASSERT_SUCCESS_ERRNO (zmq_disconnect (dealer, inproc_endpoint));
    send_string_expect_success (rep, "reply 3", 0);

    rep_still_serves (rep, "B");

    test_context_socket_close_zero_linger (dealer);
    test_context_socket_close_zero_linger (rep);
}

//  (c) Another peer vanishes meanwhile: its pipe_term is processed with the
//  requester's activate_write before the reply is routed, and the reply goes
//  out.
void test_rep_answers_while_another_peer_vanishes ()
{
    void *rep = inproc_rep (1, false, false);
    void *gone = inproc_dealer ("B");
    serve (gone, rep, "request from B", "reply to B");
    recv_reply (gone, "reply to B");
    void *dealer = inproc_dealer ("A");

    fill_and_read_request_3 (dealer, rep);
    recv_reply (dealer, "reply 1");
    TEST_ASSERT_SUCCESS_ERRNO (zmq_disconnect (gone, inproc_endpoint));
    send_string_expect_success (rep, "reply 3", 0);

    recv_reply (dealer, "reply 2");
    recv_reply (dealer, "reply 3");
    serve (dealer, rep, "request 4", "reply 4");
    recv_reply (dealer, "reply 4");

    test_context_socket_close_zero_linger (gone);
    test_context_socket_close_zero_linger (dealer);
    test_context_socket_close_zero_linger (rep);
}

//  A malformed request (no empty delimiter) from the requester while its
//  pipe is full: the REP discards it (rollback), and the next request is
//  answered once the requester has read a reply.
void test_rep_discards_malformed_request_while_pipe_full ()
{
    void *rep = inproc_rep (1, false, false);
    void *dealer = inproc_dealer ("A");

    serve (dealer, rep, "request 1", "reply 1");
    serve (dealer, rep, "request 2", "reply 2");
    send_string_expect_success (dealer, "malformed", 0);
    send_request (dealer, "request 3");
    recv_string_expect_success (rep, "request 3", 0);
    recv_reply (dealer, "reply 1");
    send_string_expect_success (rep, "reply 3", 0);

    recv_reply (dealer, "reply 2");
    recv_reply (dealer, "reply 3");

    test_context_socket_close_zero_linger (dealer);
    test_context_socket_close_zero_linger (rep);
}

//  A request that came through a proxy has an envelope of several frames;
//  a frame longer than a very small message is allocated. The REP holds it
//  while the pipe is full: the first such reply is dropped (the requester
//  has not read), the second goes out with its whole envelope.
void test_rep_holds_envelope_of_several_frames ()
{
    const char hop[] = "a hop id longer than a very small message (> 33 B)";
    void *rep = inproc_rep (1, false, false);
    void *dealer = inproc_dealer ("A");

    serve (dealer, rep, "request 1", "reply 1");
    serve (dealer, rep, "request 2", "reply 2");
    for (int i = 3; i <= 4; i++) {
        char request[32];
        char reply[32];
        snprintf (request, sizeof request, "request %d", i);
        snprintf (reply, sizeof reply, "reply %d", i);
        send_string_expect_success (dealer, hop, ZMQ_SNDMORE);
        send_request (dealer, request);
        recv_string_expect_success (rep, request, 0);
        if (i == 4)
            recv_reply (dealer, "reply 1");
        send_string_expect_success (rep, reply, 0);
    }

    recv_reply (dealer, "reply 2");
    recv_string_expect_success (dealer, hop, 0);
    recv_reply (dealer, "reply 4");

    test_context_socket_close_zero_linger (dealer);
    test_context_socket_close_zero_linger (rep);
}

//  Reads what is queued for an old peer without waiting, until EAGAIN, and
//  returns the number of messages. The recv that finds nothing processes the
//  peer's commands, so the REP's pipe_term is acknowledged by then.
static int drain (void *dealer_)
{
    int messages = 0;
    char buffer[64];
    int more = 0;
    size_t more_size = sizeof more;
    while (zmq_recv (dealer_, buffer, sizeof buffer, ZMQ_DONTWAIT) >= 0) {
        TEST_ASSERT_SUCCESS_ERRNO (
          zmq_getsockopt (dealer_, ZMQ_RCVMORE, &more, &more_size));
        if (!more)
            messages++;
    }
    TEST_ASSERT_EQUAL_INT (EAGAIN, zmq_errno ());
    return messages;
}

//  Reading ZMQ_EVENTS makes a socket process its pending commands.
static void process_pending_commands (void *socket_)
{
    int events;
    size_t events_size = sizeof events;
    TEST_ASSERT_SUCCESS_ERRNO (
      zmq_getsockopt (socket_, ZMQ_EVENTS, &events, &events_size));
}

//  (d) A routing id taken over while the old peer's pipe is full. A REP with
//  ZMQ_ROUTER_HANDOVER answers "A" (a DEALER that sends [empty, body] and
//  does not read) until the pipe to A is full (with ZMQ_PROBE_ROUTER the
//  probe takes one place). A sends one more request, then a second DEALER
//  connects as "A": its bind command is in the REP's mailbox while the REP
//  reads A's request, and is processed when the REP answers. The REP must
//  not abort, must not give A's reply to the new "A", and must serve it.
//
//  If drain_first_, the takeover is processed before the reply instead, and
//  the old A reads its queue: its pipe_term_ack then ends the REP's pipe to A
//  (xpipe_terminated) while the reply is still due.
static void takeover_of_full_pipe (int sndhwm_, bool probe_, bool drain_first_)
{
    void *rep = inproc_rep (sndhwm_, true, probe_);
    void *old_a = inproc_dealer ("A");

    //  The pipe to A holds sndhwm_ + 1 messages; the last of these rounds
    //  finds it full.
    const int rounds = sndhwm_ + 2;
    char request[32];
    char reply[32];
    for (int i = 1; i <= rounds; i++) {
        snprintf (request, sizeof request, "request %d", i);
        snprintf (reply, sizeof reply, "reply %d", i);
        serve (old_a, rep, request, reply);
    }

    //  The REP has never found A's pipe empty since it attached it, so A's
    //  request needs no activate_read, and this zmq_recv reads it without
    //  processing commands (it does that only when it has to wait, or every
    //  inbound_poll_rate calls): the new A's bind is still pending.
    send_request (old_a, "request N");
    void *new_a = inproc_dealer ("A");
    recv_string_expect_success (rep, "request N", 0);

    if (drain_first_) {
        process_pending_commands (rep);
        TEST_ASSERT_EQUAL_INT (sndhwm_ + 1, drain (old_a));
        process_pending_commands (rep);
    }
    send_string_expect_success (rep, "reply N", 0);

    //  The new A gets the probe, if any, then its own reply, not "reply N".
    serve (new_a, rep, "request from the new A", "reply to the new A");
    if (probe_)
        recv_string_expect_success (new_a, "", 0);
    recv_reply (new_a, "reply to the new A");

    //  The old A reads what it was sent before the takeover (reply N was
    //  dropped); its reads send activate_write for a pipe being terminated.
    if (!drain_first_)
        TEST_ASSERT_EQUAL_INT (sndhwm_ + 1, drain (old_a));
    process_pending_commands (rep);

    serve (new_a, rep, "request 2 from the new A", "reply 2 to the new A");
    recv_reply (new_a, "reply 2 to the new A");

    test_context_socket_close_zero_linger (old_a);
    test_context_socket_close_zero_linger (new_a);
    test_context_socket_close_zero_linger (rep);
}

void test_rep_takeover_of_full_pipe_sndhwm_1 ()
{
    takeover_of_full_pipe (1, false, false);
}

void test_rep_takeover_of_full_pipe_sndhwm_2 ()
{
    takeover_of_full_pipe (2, false, false);
}

void test_rep_takeover_of_full_pipe_sndhwm_1_probe_router ()
{
    takeover_of_full_pipe (1, true, false);
}

void test_rep_takeover_of_full_pipe_sndhwm_2_probe_router ()
{
    takeover_of_full_pipe (2, true, false);
}

void test_rep_takeover_ends_held_pipe_before_reply ()
{
    takeover_of_full_pipe (1, false, true);
}

void test_rep_takeover_ends_held_pipe_before_reply_probe_router ()
{
    takeover_of_full_pipe (2, true, true);
}

//  (e) With ZMQ_ROUTER_MANDATORY the reply is not dropped while the pipe is
//  full: zmq_send fails with EAGAIN and the REP keeps the reply's route, and
//  once the requester has read a reply, the same reply goes out. (A released
//  libzmq aborts here, in rep_t::xrecv, when router_t::xsend fails the
//  envelope with EAGAIN; so this case runs last.)
void test_rep_mandatory_full_pipe_eagain_then_sent ()
{
    void *rep = inproc_rep (1, false, false);
    set_int (rep, ZMQ_ROUTER_MANDATORY, 1);
    void *dealer = inproc_dealer ("A");

    fill_and_read_request_3 (dealer, rep);
    TEST_ASSERT_FAILURE_ERRNO (
      EAGAIN, zmq_send (rep, "reply 3", strlen ("reply 3"), ZMQ_DONTWAIT));
    recv_reply (dealer, "reply 1");
    send_string_expect_success (rep, "reply 3", ZMQ_DONTWAIT);

    recv_reply (dealer, "reply 2");
    recv_reply (dealer, "reply 3");

    test_context_socket_close_zero_linger (dealer);
    test_context_socket_close_zero_linger (rep);
}

int main ()
{
    setup_test_environment ();
    //  A library with the bug may abort: keep the results printed so far.
    setvbuf (stdout, NULL, _IONBF, 0);

    UNITY_BEGIN ();
    RUN_TEST (test_rep_does_not_drop_reply_on_stale_hwm);
    RUN_TEST (test_rep_sends_held_reply_once_pipe_has_room);
    RUN_TEST (test_rep_survives_its_requester_vanishing);
    RUN_TEST (test_rep_answers_while_another_peer_vanishes);
    RUN_TEST (test_rep_discards_malformed_request_while_pipe_full);
    RUN_TEST (test_rep_holds_envelope_of_several_frames);
    RUN_TEST (test_rep_takeover_of_full_pipe_sndhwm_1);
    RUN_TEST (test_rep_takeover_of_full_pipe_sndhwm_2);
    RUN_TEST (test_rep_takeover_of_full_pipe_sndhwm_1_probe_router);
    RUN_TEST (test_rep_takeover_of_full_pipe_sndhwm_2_probe_router);
    RUN_TEST (test_rep_takeover_ends_held_pipe_before_reply);
    RUN_TEST (test_rep_takeover_ends_held_pipe_before_reply_probe_router);
    RUN_TEST (test_rep_mandatory_full_pipe_eagain_then_sent);
    return UNITY_END ();
}
