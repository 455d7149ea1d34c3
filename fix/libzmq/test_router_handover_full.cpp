/* SPDX-License-Identifier: MPL-2.0 */

#include "testutil.hpp"
#include "testutil_unity.hpp"

#include <stdio.h>
#include <string.h>

SETUP_TEARDOWN_TESTCONTEXT

//  Regression test: ZMQ_ROUTER_HANDOVER must not abort when the routing id
//  is taken over from a peer whose pipe is full while a message from that
//  peer is being read.
//
//  router_t::xsend marks the entry of a full pipe inactive. When a new peer
//  takes the routing id, router_t::identify_peer renames the old pipe's
//  entry with erase_out_pipe and add_out_pipe, and add_out_pipe marks it
//  active. If the old pipe is the one being read (_current_in), its
//  termination is deferred until the message is read, so the pipe is still
//  alive when the old peer reads a message and sends activate_write:
//  routing_socket_base_t::xwrite_activated then finds the entry active and
//  aborts (Assertion failed: !it->second.active).
//
//  Everything runs over inproc, where each step is deterministic: the pipe
//  to a peer holds the ROUTER's SNDHWM plus the peer's RCVHWM messages, and
//  a command posted to the ROUTER (bind when a peer connects, activate_write
//  when a peer reads) is in its mailbox when the call that posts it returns.
//  Reading ZMQ_EVENTS makes the ROUTER process its commands.
//
//  On a library with the bug the process aborts at the marked step.

#define TIMEOUT 2000 //  In msec; every blocking recv has a timeout

static const char endpoint[] = "inproc://router-handover-full";

static void set_int (void *socket_, int option_, int value_)
{
    TEST_ASSERT_SUCCESS_ERRNO (
      zmq_setsockopt (socket_, option_, &value_, sizeof (value_)));
}

static void *handover_socket (int type_)
{
    void *socket = test_context_socket (type_);
    set_int (socket, ZMQ_ROUTER_HANDOVER, 1);
    set_int (socket, ZMQ_SNDHWM, 1);
    set_int (socket, ZMQ_RCVTIMEO, TIMEOUT);
    TEST_ASSERT_SUCCESS_ERRNO (zmq_bind (socket, endpoint));
    return socket;
}

//  A peer called "A" with RCVHWM 1: the pipe to it holds 2 messages.
static void *dealer_a ()
{
    void *dealer = test_context_socket (ZMQ_DEALER);
    TEST_ASSERT_SUCCESS_ERRNO (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "A", 1));
    set_int (dealer, ZMQ_RCVHWM, 1);
    set_int (dealer, ZMQ_RCVTIMEO, TIMEOUT);
    TEST_ASSERT_SUCCESS_ERRNO (zmq_connect (dealer, endpoint));
    return dealer;
}

static void process_pending_commands (void *socket_)
{
    int events;
    size_t events_size = sizeof events;
    TEST_ASSERT_SUCCESS_ERRNO (
      zmq_getsockopt (socket_, ZMQ_EVENTS, &events, &events_size));
}

static void send_to_a (void *router_, const char *body_)
{
    send_string_expect_success (router_, "A", ZMQ_SNDMORE);
    send_string_expect_success (router_, body_, 0);
}

void test_router_takeover_of_full_pipe_being_read ()
{
    void *router = handover_socket (ZMQ_ROUTER);
    void *old_a = dealer_a ();

    //  The ROUTER learns of A.
    send_string_expect_success (old_a, "hello", 0);
    recv_string_expect_success (router, "A", 0);
    recv_string_expect_success (router, "hello", 0);

    //  Two messages fill the pipe to A; the third is dropped and marks A's
    //  entry inactive.
    send_to_a (router, "message 1");
    send_to_a (router, "message 2");
    send_to_a (router, "message 3");

    //  The ROUTER reads the first part of A's next message: A's pipe is
    //  _current_in.
    send_string_expect_success (old_a, "part 1", ZMQ_SNDMORE);
    send_string_expect_success (old_a, "part 2", 0);
    recv_string_expect_success (router, "A", 0);
    recv_string_expect_success (router, "part 1", 0);

    //  A new peer takes the routing id: the old pipe's entry is renamed, and
    //  its termination deferred until "part 2" is read.
    void *new_a = dealer_a ();
    process_pending_commands (router);

    //  The old A reads a message, and the ROUTER processes its
    //  activate_write. A library with the bug aborts here.
    recv_string_expect_success (old_a, "message 1", 0);
    process_pending_commands (router);

    //  The ROUTER finishes A's message; "A" is now the new peer.
    recv_string_expect_success (router, "part 2", 0);
    send_to_a (router, "to the new A");
    recv_string_expect_success (new_a, "to the new A", 0);

    test_context_socket_close_zero_linger (old_a);
    test_context_socket_close_zero_linger (new_a);
    test_context_socket_close_zero_linger (router);
}

static void send_request (void *dealer_, const char *part_, int flags_)
{
    send_string_expect_success (dealer_, "", ZMQ_SNDMORE);
    send_string_expect_success (dealer_, part_, flags_);
}

//  The same through a REP, which is a ROUTER underneath: a request of two
//  parts from A arrives while the reply pipe to A is full, and the new A's
//  bind is processed between the two parts.
void test_rep_takeover_of_full_pipe_mid_request ()
{
    void *rep = handover_socket (ZMQ_REP);
    void *old_a = dealer_a ();

    //  Two replies fill the pipe to A.
    send_request (old_a, "request 1", 0);
    recv_string_expect_success (rep, "request 1", 0);
    send_string_expect_success (rep, "reply 1", 0);
    send_request (old_a, "request 2", 0);
    recv_string_expect_success (rep, "request 2", 0);
    send_string_expect_success (rep, "reply 2", 0);

    //  The REP reads the first part of request 3: the reply pipe is full,
    //  so A's entry is marked inactive, and A's pipe is _current_in.
    send_request (old_a, "request 3a", ZMQ_SNDMORE);
    send_string_expect_success (old_a, "request 3b", 0);
    recv_string_expect_success (rep, "request 3a", 0);

    void *new_a = dealer_a ();
    process_pending_commands (rep);

    //  A library with the bug aborts here.
    recv_string_expect_success (old_a, "", 0);
    recv_string_expect_success (old_a, "reply 1", 0);
    process_pending_commands (rep);

    //  The reply to the old A is dropped (its pipe is being terminated), and
    //  the new A is served.
    recv_string_expect_success (rep, "request 3b", 0);
    send_string_expect_success (rep, "reply 3", 0);
    send_request (new_a, "request from the new A", 0);
    recv_string_expect_success (rep, "request from the new A", 0);
    send_string_expect_success (rep, "reply to the new A", 0);
    recv_string_expect_success (new_a, "", 0);
    recv_string_expect_success (new_a, "reply to the new A", 0);

    test_context_socket_close_zero_linger (old_a);
    test_context_socket_close_zero_linger (new_a);
    test_context_socket_close_zero_linger (rep);
}

int main ()
{
    setup_test_environment ();
    //  A library with the bug aborts: keep the results printed so far.
    setvbuf (stdout, NULL, _IONBF, 0);

    UNITY_BEGIN ();
    RUN_TEST (test_router_takeover_of_full_pipe_being_read);
    RUN_TEST (test_rep_takeover_of_full_pipe_mid_request);
    return UNITY_END ();
}
