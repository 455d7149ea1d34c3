///usr/bin/env jbang "$0" "$@" ; exit $?
// LazyPirateClient: the ZeroMQ Guide's Lazy Pirate client (chapter 4) as a class you can drop into a project.
//
// A REQ socket that missed its reply can never send again, and a REP can drop a reply silently (SNDHWM=1,
// a crash, a lost connection). So: wait for each reply at most a timeout; on timeout close the socket
// (linger 0 drops what is queued), open a new one and resend, a bounded number of times, then give up
// loudly. Each request carries an id and only the reply with that id is accepted, so the server can
// answer a resend from its record instead of doing the work twice (see SafeRepServer.java).
//
// Run:  jbang LazyPirateClient.java    (demo: 10,000 requests to a REP with SNDHWM=1 in this process)
//DEPS org.zeromq:jeromq:0.6.0

import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

import java.util.concurrent.atomic.AtomicBoolean;

public class LazyPirateClient implements AutoCloseable {
    /** Thrown when a request got no valid reply after every resend, or the server rejected it. */
    public static class RequestFailed extends RuntimeException {
        public RequestFailed(String message) { super(message); }
    }

    private final ZContext ctx;
    private final String endpoint;
    private final int timeout;          // msecs to wait for each reply
    private final int retries;          // resends before giving up
    private ZMQ.Socket req;
    public long resends, staleReplies;  // counters to watch: a rising count is an early warning

    public LazyPirateClient(ZContext ctx, String endpoint, int timeout, int retries) {
        this.ctx = ctx;
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.retries = retries;
    }

    /** Sends "ID PAYLOAD" until the reply "ID [RESULT]" comes; returns RESULT ("" if none). */
    public String request(long id, String payload) {
        String request = payload.isEmpty() ? Long.toString(id) : id + " " + payload;
        for (int attempt = 0; ; attempt++) {
            if (req == null) req = connect();
            req.send(request);
            String reply = req.recvStr();                 // waits at most the timeout (RCVTIMEO)
            if (reply != null) {
                if (reply.startsWith("ERR ")) throw new RequestFailed("request " + id + " rejected: " + reply);
                String[] idAndResult = reply.split(" ", 2);
                if (idAndResult[0].equals(Long.toString(id))) return idAndResult.length > 1 ? idAndResult[1] : "";
                staleReplies++;                           // an answer to an older request: discard it
            }
            req.close();                                  // stuck in "expect reply": only a new socket can resend
            req = null;
            if (attempt == retries)
                throw new RequestFailed("no reply to request " + id + " after " + (retries + 1) + " tries of " + timeout + " ms");
            resends++;
        }
    }

    private ZMQ.Socket connect() {
        ZMQ.Socket socket = ctx.createSocket(SocketType.REQ);
        socket.setLinger(0);                              // close() must not wait for unsent requests
        socket.setReceiveTimeOut(timeout);
        configure(socket);
        socket.connect(endpoint);
        return socket;
    }

    /** Hook for more socket options, set before connect(); none here. */
    protected void configure(ZMQ.Socket req) { }

    @Override
    public void close() {
        if (req != null) req.close();
        req = null;
    }

    /** Demo: a REP with SNDHWM=1 drops replies now and then; the client still gets every one. */
    public static void main(String[] args) throws Exception {
        if (args.length > 1 || args.length == 1 && !args[0].matches("\\d{1,9}")) {
            System.err.println("usage: LazyPirateClient [REQUESTS]   (a whole number, default 10000)");
            System.exit(2);
        }
        System.exit(demo(args.length > 0 ? Integer.parseInt(args[0]) : 10_000) ? 0 : 1);
    }

    /**
     * `requests` requests to an echo REP at SNDHWM=1 in this process, and on, up to ten times as many, until at least
     * one reply was lost and recovered (the race's rate varies a lot); true when every one was answered.
     */
    static boolean demo(int requests) throws InterruptedException {
        boolean ok = false;
        try (ZContext ctx = new ZContext()) {
            ZMQ.Socket rep = ctx.createSocket(SocketType.REP);
            rep.setLinger(0);
            rep.setSndHWM(1);                             // the bug's setting: replies get lost
            rep.setReceiveTimeOut(100);
            rep.bind("tcp://127.0.0.1:*");
            AtomicBoolean running = new AtomicBoolean(true);   // the server thread's stop flag
            Thread server = new Thread(() -> {
                while (running.get()) {
                    String request = rep.recvStr();       // an echo server: the reply is the request id
                    if (request != null) rep.send(request);
                }
            });
            server.start();
            try (LazyPirateClient client = new LazyPirateClient(ctx, rep.getLastEndpoint(), 100, 3)) {
                long id = 1;
                for (; id <= requests || client.resends == 0 && id <= 10L * requests; id++) client.request(id, "");
                if (id - 1 > requests) System.out.printf("I: went on to request %,d: the first %,d lost no reply%n", id - 1, requests);
                System.out.printf("OK %,d requests answered, %d resends after a lost reply%n", id - 1, client.resends);
                ok = true;
            } catch (RequestFailed e) {
                System.out.println("FAILED " + e.getMessage());
            }
            running.set(false);
            server.join();
        }
        return ok;
    }
}
