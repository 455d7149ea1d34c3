import org.zeromq.SocketType;
import org.zeromq.ZMQ;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The stress step's two halves: a server (REP, or ROUTER with ROUTER_MANDATORY) on JeroMQ or libzmq, in its own
 * thread; and client threads that each open one REQ after another, send a few requests and close it, half of the
 * time without reading the last reply, so that the server's peers vanish while it is reading or answering them.
 * With handover each thread's REQs share one routing id, and a REQ that stopped reading stays connected until the
 * next one has taken its id over: the server's routing table changes under it.
 */
final class StressPeers {
    private StressPeers() { }

    /** The options that move the server's routing table: ROUTER_HANDOVER, and IMMEDIATE on the clients. */
    record Routing(boolean handover, boolean immediate) { }

    record Result(long requests, long answered, long lost, long abandoned, long connections, long eagain, long ehostunreach,
                  String serverError, int pipesLeft, boolean probeAnswered, String stop, double seconds) { }

    /** A REQ of the server's library, used by one client thread. */
    interface Client extends AutoCloseable {
        boolean send(String text);

        /** The reply, or null when none came within the timeout. */
        String recv();

        @Override
        void close();
    }

    /** The server thread: answers whatever it can until stopped, then counts what it still holds for its peers. */
    abstract static class Server extends Thread {
        final boolean router;
        final LabOptions o;
        final Routing routing;
        final LongAdder eagain = new LongAdder(), ehostunreach = new LongAdder();
        private final CountDownLatch bound = new CountDownLatch(1);
        volatile boolean stop;
        volatile String error, endpoint;
        volatile int left = -1;

        Server(boolean router, LabOptions o, Routing routing) {
            super("stress-server");
            setDaemon(true);   // a server wedged in native code must not keep the JVM alive
            this.router = router;
            this.o = o;
            this.routing = routing;
        }

        abstract String version();

        /** A REQ connected to the server; id is its routing id, or null for one the server picks. */
        abstract Client client(String endpoint, String id);

        /** Binds, serves until stopped, then lets the socket finish its peers' terminations and counts what is left. */
        abstract void serve() throws Exception;

        /** Ends the library's context once the server and every client have closed their sockets. */
        abstract void closeContext();

        void bound(String endpoint) {
            this.endpoint = endpoint;
            bound.countDown();
        }

        @Override
        public final void run() {
            try {
                serve();
            } catch (Throwable t) {   // any failure is the finding: recorded, never a stack trace
                error = t.toString();
            } finally {
                bound.countDown();
            }
        }

        /** Starts the server (once) and returns the endpoint it bound. */
        synchronized String endpoint() {
            if (getState() == State.NEW) start();
            try {
                bound.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (endpoint == null) throw new LabException("the server did not bind: " + error);
            return endpoint;
        }

        /** A refused ROUTER_MANDATORY send: EAGAIN and EHOSTUNREACH are counted, anything else ends the server. */
        void refused(int errno, int eagainCode, int unreachableCode) {
            if (errno == eagainCode) eagain.increment();
            else if (errno == unreachableCode) ehostunreach.increment();
            else throw new IllegalStateException("ROUTER send failed with errno " + errno);
        }

        private long settleBy;

        /**
         * Whether to go on serving: until stopped, then while the socket still holds something for its peers (5 s at
         * most). A peer gone with a request unread leaves its pipe until the server has read that request: the server
         * goes on answering, as a real one would, and `left` is what it still holds at the end.
         */
        boolean serving(java.util.function.IntSupplier held) {
            if (!stop) return true;
            if (settleBy == 0) settleBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            left = held.getAsInt();
            return left > 0 && System.nanoTime() < settleBy;
        }
    }

    /** Connections the kernel still has open on a local TCP port: established, or closed by the peer but not here. */
    static int openConnections(int port) {
        int open = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                List<String> lines = Files.readAllLines(Path.of(table));
                for (String line : lines.subList(1, lines.size())) {   // after the header: sl local_address rem_address st ...
                    String[] f = line.trim().split("\\s+");
                    String local = f[1], state = f[3];
                    if (Integer.parseInt(local.substring(local.indexOf(':') + 1), 16) == port && (state.equals("01") || state.equals("08"))) open++;
                }
            } catch (java.io.IOException e) {
                // no such table (no IPv6): nothing open there
            }
        }
        return open;
    }

    static int port(String endpoint) {
        return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    }

    /** JeroMQ: pipes counted in the socket's own list (SocketBase.pipes, by reflection). */
    static final class JeromqServer extends Server {
        private final ZMQ.Context ctx = ZMQ.context(1);

        JeromqServer(boolean router, LabOptions o, Routing routing) { super(router, o, routing); }

        String version() { return Runs.jeromqVersion().substring("JeroMQ ".length()); }

        void serve() throws Exception {
            try (ZMQ.Socket s = ctx.socket(router ? SocketType.ROUTER : SocketType.REP)) {
                s.setLinger(0);
                s.setSndHWM(o.repSndHwm);
                s.setRcvHWM(o.repRcvHwm);
                s.setReceiveTimeOut(100);   // to see the stop flag
                if (router) s.setRouterMandatory(true);
                s.setRouterHandover(routing.handover());
                s.bind(o.bindEndpoint());
                bound(s.getLastEndpoint());
                java.util.function.IntSupplier pipes = () -> ((java.util.Collection<?>) Internals.get(s.base(), "pipes")).size();
                while (serving(pipes)) {
                    byte[] first = s.recv();
                    if (first == null) {
                        if (s.errno() != zmq.ZError.EAGAIN) throw new IllegalStateException("recv failed with errno " + s.errno());
                        continue;
                    }
                    if (!router) {
                        s.send(first, 0);
                        continue;
                    }
                    byte[] empty = s.recv(), body = s.recv();   // a REQ's envelope: its routing id, a delimiter, the request
                    if (s.send(first, ZMQ.SNDMORE | ZMQ.DONTWAIT)) {
                        s.send(empty, ZMQ.SNDMORE);
                        s.send(body, 0);
                    } else {
                        refused(s.errno(), zmq.ZError.EAGAIN, zmq.ZError.EHOSTUNREACH);
                    }
                }
            }
        }

        Client client(String endpoint, String id) {
            ZMQ.Socket req = ctx.socket(SocketType.REQ);
            req.setLinger(0);
            req.setReceiveTimeOut(o.timeoutMs);
            req.setImmediate(routing.immediate());
            req.setReconnectIVL(-1);   // one connection each: a silent REQ that came back would take its id back
            if (id != null) req.setIdentity(id.getBytes(ZMQ.CHARSET));
            req.connect(endpoint);
            return new Client() {
                public boolean send(String text) { return req.send(text); }

                public String recv() { return req.recvStr(); }

                public void close() { req.close(); }
            };
        }

        void closeContext() { ctx.close(); }
    }

    /** libzmq through FFM: what it holds is counted as open TCP connections on the server's port. */
    static final class LibzmqServer extends Server {
        private final LibZmq ctx = new LibZmq();

        LibzmqServer(boolean router, LabOptions o, Routing routing) { super(router, o, routing); }

        String version() { return LibZmq.label(); }

        void serve() throws Exception {
            try (LibZmq.Socket s = ctx.socket(router ? LibZmq.ROUTER : LibZmq.REP)) {
                s.set(LibZmq.LINGER, 0);
                s.set(LibZmq.SNDHWM, o.repSndHwm);
                s.set(LibZmq.RCVHWM, o.repRcvHwm);
                s.set(LibZmq.RCVTIMEO, 100);
                if (router) s.set(LibZmq.ROUTER_MANDATORY, 1);
                s.set(LibZmq.ROUTER_HANDOVER, routing.handover() ? 1 : 0);
                s.bind(o.bindEndpoint());
                bound(s.lastEndpoint());
                int port = port(endpoint);
                while (serving(() -> openConnections(port))) {
                    byte[] first = s.recvFrame();
                    if (first == null) {
                        if (LibZmq.errno() != LibZmq.EAGAIN) throw new IllegalStateException("zmq_recv failed: " + LibZmq.lastError());
                        continue;
                    }
                    if (!router) {
                        s.sendFrame(first, 0);
                        continue;
                    }
                    byte[] empty = s.recvFrame(), body = s.recvFrame();
                    if (s.sendFrame(first, LibZmq.SNDMORE | LibZmq.DONTWAIT)) {
                        s.sendFrame(empty, LibZmq.SNDMORE);
                        s.sendFrame(body, 0);
                    } else {
                        refused(LibZmq.errno(), LibZmq.EAGAIN, LibZmq.EHOSTUNREACH);
                    }
                }
            }
        }

        Client client(String endpoint, String id) {
            LibZmq.Socket req = ctx.socket(LibZmq.REQ);
            req.set(LibZmq.LINGER, 0);
            req.set(LibZmq.RCVTIMEO, o.timeoutMs);
            req.set(LibZmq.IMMEDIATE, routing.immediate() ? 1 : 0);
            req.set(LibZmq.RECONNECT_IVL, -1);   // one connection each: a silent REQ that came back would take its id back
            if (id != null) req.set(LibZmq.ROUTING_ID, id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            req.connect(endpoint);
            return new Client() {
                public boolean send(String text) { return req.send(text); }

                public String recv() { return req.recv(); }

                public void close() { req.close(); }
            };
        }

        void closeContext() { ctx.close(); }
    }

    /** Runs the clients until the budget, the time limit or Ctrl-C; then a new client must be answered. */
    static Result run(Server server, int peers, LabOptions o, PrintWriter err) {
        String endpoint = server.endpoint();
        AtomicLong requests = new AtomicLong();
        LongAdder answered = new LongAdder(), lost = new LongAdder(), abandoned = new LongAdder(), connections = new LongAdder();
        AtomicReference<String> wrong = new AtomicReference<>();
        long start = System.nanoTime(), deadline = start + (long) (o.timeLimitSeconds * 1e9);
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < peers; i++) {
            String id = server.routing.handover() ? "peer-" + i : null;
            Thread t = new Thread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                Client silent = null;   // with handover: the last REQ, which stopped reading, still connected
                while (!Lab.interrupted() && System.nanoTime() < deadline && server.isAlive() && requests.get() < o.budget) {
                    Client c = server.client(endpoint, id);
                    boolean keep = false;
                    try {
                        connections.increment();
                        int k = 1 + rnd.nextInt(8);
                        boolean readsLast = rnd.nextBoolean();
                        for (int j = 1; j <= k; j++) {
                            long n = requests.incrementAndGet();
                            if (n > o.budget) {
                                requests.decrementAndGet();
                                break;
                            }
                            c.send(Long.toString(n));
                            if (j == k && !readsLast) {   // gone without its reply: at once, or while the server answers
                                abandoned.increment();
                                keep = id != null && rnd.nextBoolean();   // or silent, until the next REQ takes its id
                                if (!keep && rnd.nextBoolean()) LockSupport.parkNanos(rnd.nextInt(200_000));
                                break;
                            }
                            String reply = c.recv();
                            if (silent != null) {   // this REQ was answered under the id the silent one had
                                silent.close();
                                silent = null;
                            }
                            if (reply == null) {   // waited for a reply that did not come: this REQ cannot send again
                                lost.increment();
                                break;
                            }
                            if (!reply.equals(Long.toString(n))) wrong.compareAndSet(null, "request " + n + " was answered with " + reply);
                            answered.increment();
                        }
                    } finally {
                        if (keep && silent == null) silent = c;
                        else c.close();
                    }
                }
                if (silent != null) silent.close();
            }, "stress-client-" + i);
            t.setDaemon(true);
            t.start();
            clients.add(t);
        }
        Progress progress = new Progress(err, "requests");
        for (Thread t : clients) {
            while (t.isAlive() && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(o.timeoutMs / 1000 + 5)) {
                progress.tick(requests.get(), lost.sum());
                try {
                    t.join(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        boolean hung = clients.stream().anyMatch(Thread::isAlive);
        boolean probe = false;
        if (!hung && server.isAlive()) {
            try (Client c = server.client(endpoint, null)) {
                probe = c.send("probe") && "probe".equals(c.recv());
            }
        }
        server.stop = true;
        try {
            server.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String error = hung ? "a client was still blocked after the time limit" : server.isAlive() ? "the server did not stop"
                : server.error != null ? server.error : wrong.get();
        if (error == null) server.closeContext();   // else a socket may still be open: the JVM's exit ends it
        String stop = Lab.interrupted() ? "interrupted" : requests.get() >= o.budget ? "budget" : "time limit";
        return new Result(requests.get(), answered.sum(), lost.sum(), abandoned.sum(), connections.sum(), server.eagain.sum(),
                server.ehostunreach.sum(), error, server.left, probe, stop, seconds);
    }
}
