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

void test_rep_does_not_drop_reply_on_stale_hwm ()
{
    char my_endpoint[MAX_SOCKET_STRING];

    void *rep = test_context_socket (ZMQ_REP);
    int hwm = 1;
    TEST_ASSERT_SUCCESS_ERRNO (
      zmq_setsockopt (rep, ZMQ_SNDHWM, &hwm, sizeof (hwm)));
    bind_loopback_ipv4 (rep, my_endpoint, sizeof my_endpoint);

    void *req = test_context_socket (ZMQ_REQ);
    int timeout = 2000;
    TEST_ASSERT_SUCCESS_ERRNO (
      zmq_setsockopt (req, ZMQ_RCVTIMEO, &timeout, sizeof (timeout)));
    TEST_ASSERT_SUCCESS_ERRNO (zmq_connect (req, my_endpoint));

    for (int i = 1; i <= 5; i++) {
        char request[32];
        char reply[32];
        snprintf (request, sizeof request, "request %d", i);
        snprintf (reply, sizeof reply, "reply %d", i);

        send_string_expect_success (req, request, 0);

        //  Let the request reach the REP's inbound pipe, so that the REP's
        //  zmq_recv finds it without waiting (and without processing
        //  commands).
        msleep (SETTLE_TIME);

        recv_string_expect_success (rep, request, 0);
        send_string_expect_success (rep, reply, 0);

        char buffer[32];
        const int rc = zmq_recv (req, buffer, sizeof buffer - 1, 0);
        char message[64];
        snprintf (message, sizeof message, "reply %d was dropped by REP", i);
        TEST_ASSERT_EQUAL_INT_MESSAGE (static_cast<int> (strlen (reply)), rc,
                                       message);
        buffer[rc] = '\0';
        TEST_ASSERT_EQUAL_STRING (reply, buffer);
    }

    test_context_socket_close (req);
    test_context_socket_close (rep);
}

int main ()
{
    setup_test_environment ();

    UNITY_BEGIN ();
    RUN_TEST (test_rep_does_not_drop_reply_on_stale_hwm);
    return UNITY_END ();
}
