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
//  The test makes that state deterministic: the REP never has to wait,
//  because each request is given time to arrive before the REP calls
//  zmq_recv. On a library with the bug it fails at round 2.

static void *rep_with_sndhwm_1 (char *endpoint, size_t size)
{
    void *rep = test_context_socket (ZMQ_REP);
    int hwm = 1;
    TEST_ASSERT_SUCCESS_ERRNO (
      zmq_setsockopt (rep, ZMQ_SNDHWM, &hwm, sizeof (hwm)));
    bind_loopback_ipv4 (rep, endpoint, size);
    return rep;
}

static void *connected_req (const char *endpoint)
{
    void *req = test_context_socket (ZMQ_REQ);
    int timeout = 2000;
    TEST_ASSERT_SUCCESS_ERRNO (
      zmq_setsockopt (req, ZMQ_RCVTIMEO, &timeout, sizeof (timeout)));
    int linger = 0;
    TEST_ASSERT_SUCCESS_ERRNO (
      zmq_setsockopt (req, ZMQ_LINGER, &linger, sizeof (linger)));
    TEST_ASSERT_SUCCESS_ERRNO (zmq_connect (req, endpoint));
    return req;
}

//  REQ sends "request N"; once it is in the REP's inbound pipe, so that the
//  REP's zmq_recv finds it without waiting (and without processing commands),
//  REP answers "reply N", which REQ must receive.
static void round_trip (void *req, void *rep, int n)
{
    char request[32];
    char reply[32];
    snprintf (request, sizeof request, "request %d", n);
    snprintf (reply, sizeof reply, "reply %d", n);

    send_string_expect_success (req, request, 0);
    msleep (SETTLE_TIME);
    recv_string_expect_success (rep, request, 0);
    send_string_expect_success (rep, reply, 0);

    char buffer[32];
    const int rc = zmq_recv (req, buffer, sizeof buffer - 1, 0);
    char message[64];
    snprintf (message, sizeof message, "reply %d was dropped by REP", n);
    TEST_ASSERT_EQUAL_INT_MESSAGE (static_cast<int> (strlen (reply)), rc,
                                   message);
    buffer[rc] = '\0';
    TEST_ASSERT_EQUAL_STRING (reply, buffer);
}

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

//  With the fix, router_t::xsend processes the REP's commands while zmq_recv
//  is reading a request, and a command can end a pipe. Here the requester
//  closes (linger 0) after sending request 2 and before the REP reads it: the
//  termination of its pipe waits in the REP's mailbox beside activate_write.
//  The REP still reads request 2, its reply goes nowhere (the peer is gone,
//  zmq_send succeeds as REP's always does), and it goes on serving.
void test_rep_survives_its_requester_vanishing ()
{
    char my_endpoint[MAX_SOCKET_STRING];
    void *rep = rep_with_sndhwm_1 (my_endpoint, sizeof my_endpoint);
    void *req = connected_req (my_endpoint);

    round_trip (req, rep, 1);
    send_string_expect_success (req, "request 2", 0);
    msleep (SETTLE_TIME);
    test_context_socket_close (req);
    msleep (SETTLE_TIME);
    recv_string_expect_success (rep, "request 2", 0);
    send_string_expect_success (rep, "reply 2", 0);

    void *next = connected_req (my_endpoint);
    round_trip (next, rep, 3);

    test_context_socket_close (next);
    test_context_socket_close (rep);
}

//  The same while another peer closes: its pipe's termination is processed
//  inside router_t::xsend, and the reply to the requester still goes out.
void test_rep_answers_while_another_peer_vanishes ()
{
    char my_endpoint[MAX_SOCKET_STRING];
    void *rep = rep_with_sndhwm_1 (my_endpoint, sizeof my_endpoint);
    void *gone = connected_req (my_endpoint);
    void *req = connected_req (my_endpoint);

    round_trip (gone, rep, 1);
    round_trip (req, rep, 2);
    send_string_expect_success (req, "request 3", 0);
    msleep (SETTLE_TIME);
    test_context_socket_close (gone);
    msleep (SETTLE_TIME);
    recv_string_expect_success (rep, "request 3", 0);
    send_string_expect_success (rep, "reply 3", 0);
    recv_string_expect_success (req, "reply 3", 0);
    round_trip (req, rep, 4);

    test_context_socket_close (req);
    test_context_socket_close (rep);
}

int main ()
{
    setup_test_environment ();

    UNITY_BEGIN ();
    RUN_TEST (test_rep_does_not_drop_reply_on_stale_hwm);
    RUN_TEST (test_rep_survives_its_requester_vanishing);
    RUN_TEST (test_rep_answers_while_another_peer_vanishes);
    return UNITY_END ();
}
