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
        SocketBase rep = repWithSndHwm1(ctx);
        SocketBase req = connectedReq(ctx, rep);

        for (int i = 1; i <= 5; i++) {
            roundTrip(req, rep, i);
        }

        ZMQ.close(req);
        ZMQ.close(rep);
        ZMQ.term(ctx);
    }

    //  With the fix, Router.xsend() processes the REP's commands while recv()
    //  is reading a request, and a command can end a pipe. Here the requester
    //  closes (linger 0) after sending request 2 and before the REP reads it:
    //  the termination of its pipe waits in the REP's mailbox beside
    //  ACTIVATE_WRITE. The REP still reads request 2, its reply goes nowhere
    //  (the peer is gone; send() succeeds as REP's always does), and it goes on
    //  serving.
    @Test(timeout = 20000)
    public void testRepSurvivesItsRequesterVanishing() throws Exception
    {
        Ctx ctx = ZMQ.init(1);
        SocketBase rep = repWithSndHwm1(ctx);
        SocketBase req = connectedReq(ctx, rep);

        roundTrip(req, rep, 1);
        assertThat(ZMQ.send(req, "request 2", 0), is(9));
        settle();
        ZMQ.close(req);
        settle();
        assertThat(new String(ZMQ.recv(rep, 0).data(), ZMQ.CHARSET), is("request 2"));
        assertThat(ZMQ.send(rep, "reply 2", 0), is(7));

        SocketBase next = connectedReq(ctx, rep);
        roundTrip(next, rep, 3);

        ZMQ.close(next);
        ZMQ.close(rep);
        ZMQ.term(ctx);
    }

    //  The same while another peer closes: its pipe's termination is processed
    //  inside Router.xsend(), and the reply to the requester still goes out.
    @Test(timeout = 20000)
    public void testRepAnswersWhileAnotherPeerVanishes() throws Exception
    {
        Ctx ctx = ZMQ.init(1);
        SocketBase rep = repWithSndHwm1(ctx);
        SocketBase gone = connectedReq(ctx, rep);
        SocketBase req = connectedReq(ctx, rep);

        roundTrip(gone, rep, 1);
        roundTrip(req, rep, 2);
        assertThat(ZMQ.send(req, "request 3", 0), is(9));
        settle();
        ZMQ.close(gone);
        settle();
        assertThat(new String(ZMQ.recv(rep, 0).data(), ZMQ.CHARSET), is("request 3"));
        assertThat(ZMQ.send(rep, "reply 3", 0), is(7));
        Msg msg = ZMQ.recv(req, 0);
        assertThat("reply 3 was dropped by REP", msg, notNullValue());
        assertThat(new String(msg.data(), ZMQ.CHARSET), is("reply 3"));
        roundTrip(req, rep, 4);

        ZMQ.close(req);
        ZMQ.close(rep);
        ZMQ.term(ctx);
    }

    private static SocketBase repWithSndHwm1(Ctx ctx)
    {
        SocketBase rep = ZMQ.socket(ctx, ZMQ.ZMQ_REP);
        assertThat(rep, notNullValue());
        ZMQ.setSocketOption(rep, ZMQ.ZMQ_SNDHWM, 1);
        ZMQ.setSocketOption(rep, ZMQ.ZMQ_LINGER, 0);
        boolean rc = ZMQ.bind(rep, "tcp://127.0.0.1:*");
        assertThat(rc, is(true));
        return rep;
    }

    private static SocketBase connectedReq(Ctx ctx, SocketBase rep)
    {
        String host = (String) ZMQ.getSocketOptionExt(rep, ZMQ.ZMQ_LAST_ENDPOINT);
        assertThat(host, notNullValue());
        SocketBase req = ZMQ.socket(ctx, ZMQ.ZMQ_REQ);
        assertThat(req, notNullValue());
        ZMQ.setSocketOption(req, ZMQ.ZMQ_RCVTIMEO, 2000);
        ZMQ.setSocketOption(req, ZMQ.ZMQ_LINGER, 0);
        boolean rc = ZMQ.connect(req, host);
        assertThat(rc, is(true));
        return req;
    }

    //  REQ sends "request N"; once it is in the REP's inbound pipe, so that the
    //  REP's recv() finds it without waiting (and without processing
    //  commands), REP answers "reply N", which REQ must receive.
    private static void roundTrip(SocketBase req, SocketBase rep, int n)
    {
        String request = "request " + n;
        int sent = ZMQ.send(req, request, 0);
        assertThat(sent, is(request.length()));

        settle();

        Msg msg = ZMQ.recv(rep, 0);
        assertThat(msg, notNullValue());
        assertThat(new String(msg.data(), ZMQ.CHARSET), is(request));

        String reply = "reply " + n;
        sent = ZMQ.send(rep, reply, 0);
        assertThat(sent, is(reply.length()));

        msg = ZMQ.recv(req, 0);
        assertThat("reply " + n + " was dropped by REP", msg, notNullValue());
        assertThat(new String(msg.data(), ZMQ.CHARSET), is(reply));
    }

    //  Time for what was sent or closed to reach the REP: its message, or its
    //  commands.
    private static void settle()
    {
        ZMQ.sleep(100, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
