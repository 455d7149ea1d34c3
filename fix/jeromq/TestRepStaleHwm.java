package zmq.socket.reqrep;

import static org.hamcrest.CoreMatchers.is;
import static org.hamcrest.CoreMatchers.notNullValue;
import static org.hamcrest.MatcherAssert.assertThat;

import java.util.concurrent.TimeUnit;

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
//  called, the reply pipe looks full while the request is read. Before the fix
//  Router.xsend() dropped the reply there, send() still returned true and the
//  REQ waited for ever. With the fix the pipe is held and checked again when
//  the reply is sent, after send() has processed the mailbox.
//
//  Each case lets the request reach the REP's pipe and then checks, with
//  xhasIn(), that the REP can read it without processing commands
//  (getsockopt(ZMQ_EVENTS) would process them and hide the bug), so that the
//  REP's recv() will not wait. A case that could not reach that state fails
//  with a message saying so; it cannot pass without testing the fix.
public class TestRepStaleHwm
{
    @Test(timeout = 20000)
    public void testRepDoesNotDropReplyOnStaleHwm()
    {
        Ctx ctx = ZMQ.init(1);
        SocketBase rep = rep(ctx, 1, false, false);
        SocketBase req = connected(ctx, rep, ZMQ.ZMQ_REQ, null);

        roundTrip(req, rep, 1, false);
        for (int i = 2; i <= 5; i++) {
            roundTrip(req, rep, i, true);
        }

        ZMQ.close(req);
        ZMQ.close(rep);
        ZMQ.term(ctx);
    }

    //  The requester closes (linger 0) after sending request 2 and before the
    //  REP replies: the pipe's termination reaches the REP's mailbox while the
    //  reply pipe is held. The reply goes nowhere, and the REP goes on serving.
    @Test(timeout = 20000)
    public void testRepSurvivesItsRequesterVanishing()
    {
        Ctx ctx = ZMQ.init(1);
        SocketBase rep = rep(ctx, 1, false, false);
        SocketBase monitor = monitor(ctx, rep, ZMQ.ZMQ_EVENT_DISCONNECTED);
        SocketBase req = connected(ctx, rep, ZMQ.ZMQ_REQ, null);

        roundTrip(req, rep, 1, false);
        assertThat(ZMQ.send(req, "request 2", 0), is(9));
        awaitRequest(rep);
        ZMQ.close(req);
        assertThat(ZMQ.Event.read(monitor), notNullValue());
        assertThat(text(ZMQ.recv(rep, 0)), is("request 2"));
        assertThat(ZMQ.send(rep, "reply 2", 0), is(7));

        SocketBase next = connected(ctx, rep, ZMQ.ZMQ_REQ, null);
        roundTrip(next, rep, 3, false);

        ZMQ.close(next);
        ZMQ.close(monitor);
        ZMQ.close(rep);
        ZMQ.term(ctx);
    }

    //  Another peer closes while the reply pipe of the requester is held: the
    //  reply still goes out.
    @Test(timeout = 20000)
    public void testRepAnswersWhileAnotherPeerVanishes()
    {
        Ctx ctx = ZMQ.init(1);
        SocketBase rep = rep(ctx, 1, false, false);
        SocketBase monitor = monitor(ctx, rep, ZMQ.ZMQ_EVENT_DISCONNECTED);
        SocketBase gone = connected(ctx, rep, ZMQ.ZMQ_REQ, null);
        SocketBase req = connected(ctx, rep, ZMQ.ZMQ_REQ, null);

        roundTrip(gone, rep, 1, false);
        roundTrip(req, rep, 2, false);
        assertThat(ZMQ.send(req, "request 3", 0), is(9));
        awaitRequest(rep);
        ZMQ.close(gone);
        assertThat(ZMQ.Event.read(monitor), notNullValue());
        assertThat(text(ZMQ.recv(rep, 0)), is("request 3"));
        assertThat(ZMQ.send(rep, "reply 3", 0), is(7));
        assertThat(reply(req, "reply 3"), is("reply 3"));
        roundTrip(req, rep, 4, true);

        ZMQ.close(req);
        ZMQ.close(monitor);
        ZMQ.close(rep);
        ZMQ.term(ctx);
    }

    //  A peer fills its reply pipe (it stops reading, and large replies fill
    //  the TCP buffers) and sends one more request; a second peer connects
    //  under the same routing id (ROUTER_HANDOVER) while that request is read,
    //  so the takeover is processed between the request and its reply. The REP
    //  must keep its bookkeeping right (with assertions on,
    //  Router.xwriteActivated asserts that a pipe it reactivates was marked
    //  inactive) and answer the new peer.
    @Test(timeout = 30000)
    public void testTakeoverOfAFullPipeAtHwm1()
    {
        takeoverOfAFullPipe(1, false);
    }

    @Test(timeout = 30000)
    public void testTakeoverOfAFullPipeAtHwm1WithProbe()
    {
        takeoverOfAFullPipe(1, true);
    }

    @Test(timeout = 30000)
    public void testTakeoverOfAFullPipeAtHwm2()
    {
        takeoverOfAFullPipe(2, false);
    }

    @Test(timeout = 30000)
    public void testTakeoverOfAFullPipeAtHwm2WithProbe()
    {
        takeoverOfAFullPipe(2, true);
    }

    //  A peer whose reply pipe is full sends a request without a traceback
    //  delimiter. The REP holds that pipe while it reads the request, then
    //  discards it (rollback()); the next request, from another peer, must
    //  still be answered: the discarded one must leave no routing state.
    @Test(timeout = 30000)
    public void testMalformedRequestOnAFullPipeLeavesNoRoute()
    {
        Ctx ctx = ZMQ.init(1);
        SocketBase rep = rep(ctx, 1, false, false);
        SocketBase full = filled(ctx, rep);
        SocketBase req = connected(ctx, rep, ZMQ.ZMQ_REQ, null);

        assertThat(ZMQ.send(full, "no delimiter", 0), is(12));
        awaitRequest(rep);
        roundTrip(req, rep, 1, false);

        ZMQ.close(full);
        ZMQ.close(req);
        ZMQ.close(rep);
        ZMQ.term(ctx);
    }

    private static void takeoverOfAFullPipe(int hwm, boolean probe)
    {
        Ctx ctx = ZMQ.init(1);
        SocketBase rep = rep(ctx, hwm, true, probe);
        SocketBase old = filled(ctx, rep);
        request(old, "last");
        awaitRequest(rep);

        //  The REP accepts the connection; its session sends the BIND command
        //  after the handshake: 200 ms let it land in the mailbox before recv().
        SocketBase monitor = monitor(ctx, rep, ZMQ.ZMQ_EVENT_ACCEPTED);
        SocketBase taker = connected(ctx, rep, ZMQ.ZMQ_DEALER, "A");
        assertThat(ZMQ.Event.read(monitor), notNullValue());
        ZMQ.sleep(200, TimeUnit.MILLISECONDS);
        assertThat(text(ZMQ.recv(rep, 0)), is("last"));
        assertThat(ZMQ.send(rep, "to the old peer", 0), is(15));

        //  A DEALER may resend: with a probe at SNDHWM=1, the new pipe itself
        //  looks full until the probe is read, and a reply routed then is
        //  dropped as any reply to a full pipe is.
        String reply = null;
        for (int i = 1; i <= 5 && reply == null; i++) {
            request(taker, "take " + i);
            assertThat(text(ZMQ.recv(rep, 0)), is("take " + i));
            assertThat(ZMQ.send(rep, "taken " + i, 0), is(("taken " + i).length()));
            reply = awaitReply(taker, probe);
        }
        assertThat("the new peer was never answered", reply, notNullValue());

        ZMQ.close(old);
        ZMQ.close(taker);
        ZMQ.close(monitor);
        ZMQ.close(rep);
        ZMQ.term(ctx);
    }

    //  A DEALER "A" that never reads: 64 replies of 256 KB fill any loopback
    //  buffer (its receive buffer is 64 KB), and then the REP's pipe to it.
    private static SocketBase filled(Ctx ctx, SocketBase rep)
    {
        SocketBase dealer = connected(ctx, rep, ZMQ.ZMQ_DEALER, "A");
        byte[] large = new byte[256 * 1024];
        for (int i = 1; i <= 64; i++) {
            request(dealer, "request " + i);
            assertThat(text(ZMQ.recv(rep, 0)), is("request " + i));
            assertThat(ZMQ.send(rep, new Msg(large), 0), is(large.length));
        }
        return dealer;
    }

    private static SocketBase rep(Ctx ctx, int hwm, boolean handover, boolean probe)
    {
        SocketBase rep = ZMQ.socket(ctx, ZMQ.ZMQ_REP);
        assertThat(rep, notNullValue());
        ZMQ.setSocketOption(rep, ZMQ.ZMQ_SNDHWM, hwm);
        ZMQ.setSocketOption(rep, ZMQ.ZMQ_LINGER, 0);
        ZMQ.setSocketOption(rep, ZMQ.ZMQ_RCVTIMEO, 5000);
        ZMQ.setSocketOption(rep, ZMQ.ZMQ_ROUTER_HANDOVER, handover);
        ZMQ.setSocketOption(rep, ZMQ.ZMQ_PROBE_ROUTER, probe);
        assertThat(ZMQ.bind(rep, "tcp://127.0.0.1:*"), is(true));
        return rep;
    }

    private static SocketBase connected(Ctx ctx, SocketBase rep, int type, String identity)
    {
        String endpoint = (String) ZMQ.getSocketOptionExt(rep, ZMQ.ZMQ_LAST_ENDPOINT);
        SocketBase peer = ZMQ.socket(ctx, type);
        assertThat(peer, notNullValue());
        ZMQ.setSocketOption(peer, ZMQ.ZMQ_RCVTIMEO, 5000);
        ZMQ.setSocketOption(peer, ZMQ.ZMQ_LINGER, 0);
        ZMQ.setSocketOption(peer, ZMQ.ZMQ_RCVBUF, 64 * 1024);
        if (identity != null) {
            ZMQ.setSocketOption(peer, ZMQ.ZMQ_IDENTITY, identity);
        }
        assertThat(ZMQ.connect(peer, endpoint), is(true));
        return peer;
    }

    //  A PAIR socket that receives the REP's events of the kinds given.
    private static SocketBase monitor(Ctx ctx, SocketBase rep, int events)
    {
        String addr = "inproc://monitor-" + System.identityHashCode(rep);
        assertThat(ZMQ.monitorSocket(rep, addr, events), is(true));
        SocketBase monitor = ZMQ.socket(ctx, ZMQ.ZMQ_PAIR);
        ZMQ.setSocketOption(monitor, ZMQ.ZMQ_RCVTIMEO, 5000);
        ZMQ.setSocketOption(monitor, ZMQ.ZMQ_LINGER, 0);
        assertThat(ZMQ.connect(monitor, addr), is(true));
        return monitor;
    }

    //  REQ sends "request N"; REP answers "reply N", which REQ must receive.
    //  inPipe: REP reads the request only once it is in its pipe (not for a
    //  connection's first request: its pipe is attached by a command).
    private static void roundTrip(SocketBase req, SocketBase rep, int n, boolean inPipe)
    {
        String request = "request " + n;
        assertThat(ZMQ.send(req, request, 0), is(request.length()));
        if (inPipe) {
            awaitRequest(rep);
        }
        assertThat(text(ZMQ.recv(rep, 0)), is(request));

        String reply = "reply " + n;
        assertThat(ZMQ.send(rep, reply, 0), is(reply.length()));
        assertThat(reply(req, reply), is(reply));
    }

    //  The reply a REQ receives, failing with "<reply> was dropped by REP" if none came.
    private static String reply(SocketBase req, String expected)
    {
        Msg msg = ZMQ.recv(req, 0);
        assertThat(expected + " was dropped by REP", msg, notNullValue());
        return text(msg);
    }

    //  Lets a request arrive, then checks that the REP can read it without
    //  processing commands. One look only: a look that finds the pipe empty
    //  deactivates it until a command wakes it up.
    private static void awaitRequest(SocketBase rep)
    {
        ZMQ.sleep(200, TimeUnit.MILLISECONDS);
        assertThat("the request did not reach the REP within 200 ms", ((Rep) rep).xhasIn(), is(true));
    }

    //  A DEALER's request: an empty delimiter, then the body.
    private static void request(SocketBase dealer, String body)
    {
        assertThat(ZMQ.send(dealer, "", ZMQ.ZMQ_SNDMORE), is(0));
        assertThat(ZMQ.send(dealer, body, 0), is(body.length()));
    }

    //  The body of a reply to a DEALER (null if none came), skipping the probe.
    private static String awaitReply(SocketBase dealer, boolean probe)
    {
        while (true) {
            Msg msg = ZMQ.recv(dealer, 0);
            if (msg == null) {
                return null;
            }
            if (msg.size() == 0 && !msg.hasMore() && probe) {
                continue;
            }
            assertThat(msg.size(), is(0));
            return text(ZMQ.recv(dealer, 0));
        }
    }

    private static String text(Msg msg)
    {
        assertThat(msg, notNullValue());
        return new String(msg.data(), ZMQ.CHARSET);
    }
}
