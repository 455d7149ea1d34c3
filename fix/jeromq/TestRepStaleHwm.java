package zmq.socket.reqrep;

import static org.hamcrest.CoreMatchers.is;
import static org.hamcrest.CoreMatchers.notNullValue;
import static org.junit.Assert.assertThat;

import org.junit.Test;

import zmq.Ctx;
import zmq.Msg;
import zmq.SocketBase;
import zmq.ZMQ;

//  Regression test: a REP socket with SNDHWM=1 in lock-step with a REQ must not
//  drop a reply because its view of the reply pipe is stale.
//
//  The session reads reply k from the REP's outbound pipe (and queues
//  ACTIVATE_WRITE(k) into the REP's mailbox) before the bytes of reply k go on
//  the wire, hence before the REQ can send request k+1. But SocketBase.recv()
//  only processes its mailbox every INBOUND_POLL_RATE calls or when it has to
//  wait. If request k+1 is already in the REP's inbound pipe when recv() is
//  called, Rep.xrecv() writes the reply envelope through Router.xsend() with
//  msgsWritten - peersMsgsRead == 1 >= SNDHWM, Router.xsend() drops the reply
//  silently, send() still returns true and the REQ waits for ever.
//
//  The test makes that state deterministic: the REP never has to wait, because
//  each request is given time to arrive before the REP calls recv().
public class TestRepStaleHwm
{
    @Test(timeout = 20000)
    public void testRepDoesNotDropReplyOnStaleHwm() throws Exception
    {
        Ctx ctx = ZMQ.init(1);
        assertThat(ctx, notNullValue());

        SocketBase rep = ZMQ.socket(ctx, ZMQ.ZMQ_REP);
        assertThat(rep, notNullValue());
        ZMQ.setSocketOption(rep, ZMQ.ZMQ_SNDHWM, 1);
        ZMQ.setSocketOption(rep, ZMQ.ZMQ_LINGER, 0);
        boolean rc = ZMQ.bind(rep, "tcp://127.0.0.1:*");
        assertThat(rc, is(true));

        String host = (String) ZMQ.getSocketOptionExt(rep, ZMQ.ZMQ_LAST_ENDPOINT);
        assertThat(host, notNullValue());

        SocketBase req = ZMQ.socket(ctx, ZMQ.ZMQ_REQ);
        assertThat(req, notNullValue());
        ZMQ.setSocketOption(req, ZMQ.ZMQ_RCVTIMEO, 2000);
        ZMQ.setSocketOption(req, ZMQ.ZMQ_LINGER, 0);
        rc = ZMQ.connect(req, host);
        assertThat(rc, is(true));

        for (int i = 1; i <= 5; i++) {
            String request = "request " + i;
            int sent = ZMQ.send(req, request, 0);
            assertThat(sent, is(request.length()));

            //  Let the request reach the REP's inbound pipe, so that the REP's
            //  recv() finds it without waiting (and without processing commands).
            ZMQ.sleep(100, java.util.concurrent.TimeUnit.MILLISECONDS);

            Msg msg = ZMQ.recv(rep, 0);
            assertThat(msg, notNullValue());
            assertThat(new String(msg.data(), ZMQ.CHARSET), is(request));

            String reply = "reply " + i;
            sent = ZMQ.send(rep, reply, 0);
            assertThat(sent, is(reply.length()));

            msg = ZMQ.recv(req, 0);
            assertThat("reply " + i + " was dropped by REP", msg, notNullValue());
            assertThat(new String(msg.data(), ZMQ.CHARSET), is(reply));
        }

        ZMQ.close(req);
        ZMQ.close(rep);
        ZMQ.term(ctx);
    }
}
