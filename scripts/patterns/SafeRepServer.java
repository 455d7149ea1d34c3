///usr/bin/env jbang "$0" "$@" ; exit $?
// SafeRepServer: a REP server that lost replies, resent requests and malformed requests cannot hurt.
//
// - Its marks are set before bind(), and its SNDHWM is never 1 (a REP with SNDHWM=1 silently drops replies).
// - A request is "ID" or "ID PAYLOAD"; the reply is "ID" or "ID RESULT", so a client can match it.
// - A retrying client (see LazyPirateClient.java) resends when a reply is lost: a repeated id is answered
//   from the ledger of handled requests, not handled again. The ledger does the work and records its id in
//   one step (here: one line, one write(2), in a journal file), so a crash leaves both or neither.
// - A malformed request (not "ID [PAYLOAD]", too long, several frames) is answered "ERR ..." and counted;
//   a handler that throws is answered "ERR ..." too. The server keeps serving.
// - A frame that announces a size of 2^63 or more is dropped before JeroMQ 0.6.0 allocates it: 0.6.0 reads
//   that size as a negative number, and one such frame wedges the I/O thread of the whole context.
//
// Run:  jbang SafeRepServer.java                         (demo: a client in this process, repeats and garbage)
//       jbang SafeRepServer.java tcp://127.0.0.1:5555 60  (serve there for 60 s, journal in safe-rep.journal)
//DEPS org.zeromq:jeromq:0.6.0

import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import zmq.Msg;
import zmq.msg.MsgAllocator;
import zmq.msg.MsgAllocatorHeap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

public class SafeRepServer implements AutoCloseable {
    static final int SNDHWM = 1000;           // the default; anything but 1 (2 is the least that is safe in JeroMQ)
    static final int MAX_REQUEST = 4096;      // bytes; a longer request is malformed
    static final int POLL = 100;              // msecs between looks at the stop flag
    static final MsgAllocator HEAP = new MsgAllocatorHeap();
    static final Pattern REQUEST = Pattern.compile("(\\d{1,19})(?: (.*))?", Pattern.DOTALL);

    /** The application's work and its record of it: handle() must do both in one step. */
    public interface Ledger {
        String replyFor(long id);                  // the reply recorded for an id handled before, or null
        String handle(long id, String payload);    // does the work for a new id, records it, returns the result
    }

    private final ZContext ctx;
    private final String endpoint;
    private final Ledger ledger;
    private volatile boolean stop;
    public volatile long served, repeats, malformed;

    public SafeRepServer(ZContext ctx, String endpoint, Ledger ledger) {
        this.ctx = ctx;
        this.endpoint = endpoint;
        this.ledger = ledger;
    }

    /** Binds, then answers requests until close(). */
    public void serve() {
        try (ZMQ.Socket rep = ctx.createSocket(SocketType.REP)) {
            rep.setLinger(0);
            rep.setReceiveTimeOut(POLL);
            guard(rep);
            configure(rep);                        // before bind(): a pipe takes its marks when it is made
            rep.bind(endpoint);
            bound(rep);
            while (!stop) {
                beforeRecv(rep);
                byte[] request = rep.recv();
                if (request == null) continue;     // timeout: look at the stop flag
                boolean oneFrame = !rep.hasReceiveMore();
                while (rep.hasReceiveMore()) rep.recv();   // a REP answers a whole message once
                var m = REQUEST.matcher(new String(request, StandardCharsets.UTF_8));
                long id = oneFrame && request.length <= MAX_REQUEST && m.matches() ? parseId(m.group(1)) : -1;
                if (id < 0) {
                    malformed++;
                    rep.send("ERR malformed request (want one frame: ID or ID PAYLOAD)");
                    continue;
                }
                String reply;
                try {
                    reply = answer(id, m.group(2) == null ? "" : m.group(2));
                } catch (RuntimeException e) {
                    reply = "ERR " + e.getClass().getSimpleName();   // the handler failed: say so, keep serving
                }
                handled(rep, id);
                replied(rep, id, rep.send(reply));
            }
        }
    }

    static long parseId(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException tooLarge) {
            return -1;
        }
    }

    private String answer(long id, String payload) {
        String result = ledger.replyFor(id);
        if (result != null) repeats++;             // a resend: its reply was lost, its work was done
        else result = ledger.handle(id, payload);
        served++;
        return result.isEmpty() ? Long.toString(id) : id + " " + result;
    }

    /** Before bind(): a peer announcing a larger frame is disconnected, and a "negative" size never reaches JeroMQ. */
    protected void guard(ZMQ.Socket rep) {
        rep.setMaxMsgSize(MAX_REQUEST);
        rep.setMsgAllocator(size -> size < 0 || size > MAX_REQUEST ? new Msg(0) : HEAP.allocate(size));
    }

    /** Hooks: set the marks; bound; about to recv(); a request was handled, its reply not sent yet; it was sent. */
    protected void configure(ZMQ.Socket rep) { rep.setSndHWM(SNDHWM); }
    protected void bound(ZMQ.Socket rep) { }
    protected void beforeRecv(ZMQ.Socket rep) { }
    protected void handled(ZMQ.Socket rep, long id) { }
    protected void replied(ZMQ.Socket rep, long id, boolean sent) { }

    @Override
    public void close() { stop = true; }

    /** A ledger in an append-only file: a request's work is to store its payload, as one line with its id. */
    public static final class Journal implements Ledger, AutoCloseable {
        private final Set<Long> handled = new HashSet<>();
        private final FileChannel file;

        public Journal(Path path) throws IOException {
            file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            String text = new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);   // a char per byte
            int end = text.lastIndexOf('\n') + 1;      // a last line cut short by a crash never happened: cut it off
            file.truncate(end).position(end);
            for (String line : text.substring(0, end).split("\n"))
                if (!line.isEmpty()) handled.add(Long.parseLong(line.split(" ", 2)[0]));
        }

        public synchronized String replyFor(long id) { return handled.contains(id) ? "stored" : null; }

        public synchronized String handle(long id, String payload) {
            byte[] line = (id + " " + payload.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
            try {
                file.write(ByteBuffer.wrap(line));      // one write(2): the work and its record, or neither
            } catch (IOException e) {
                throw new UncheckedIOException(e);      // not recorded, not done: the client's resend tries again
            }
            handled.add(id);
            return "stored";
        }

        @Override
        public void close() throws IOException { file.close(); }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 2 || args.length > 0 && !args[0].matches("(tcp|ipc|inproc)://\\S+")
                || args.length > 1 && !args[1].matches("\\d{1,9}")) {
            System.err.println("usage: SafeRepServer [ENDPOINT [SECONDS]]   (e.g. tcp://127.0.0.1:5555 60)");
            System.exit(2);
        }
        if (args.length == 0) System.exit(demo() ? 0 : 1);
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 60;
        try (ZContext ctx = new ZContext(); Journal journal = new Journal(Path.of("safe-rep.journal"));
             SafeRepServer server = new SafeRepServer(ctx, args[0], journal)) {
            Thread thread = start(server, args[0]);
            System.out.printf("I: serving %s for %d s, journal safe-rep.journal%n", args[0], seconds);
            Thread.sleep(seconds * 1000);
            server.close();
            thread.join();
            System.out.printf("DONE: %d requests answered (%d repeats), %d malformed%n", server.served, server.repeats, server.malformed);
        }
    }

    /** The server in a thread of its own; if it cannot serve (e.g. the endpoint cannot be bound): one line, exit 3. */
    static Thread start(SafeRepServer server, String endpoint) {
        Thread thread = new Thread(server::serve);
        thread.setUncaughtExceptionHandler((t, e) -> {
            System.err.println("E: cannot serve " + endpoint + ": " + e.getMessage());
            System.exit(3);
        });
        thread.start();
        return thread;
    }

    /** Demo: a client sends a request twice, then garbage; true when the server handled it once and kept serving. */
    static boolean demo() throws Exception {
        String endpoint = "inproc://safe-rep-demo";
        Path path = Files.createTempFile("safe-rep", ".journal");
        try (ZContext ctx = new ZContext(); Journal journal = new Journal(path);
             SafeRepServer server = new SafeRepServer(ctx, endpoint, journal)) {
            Thread thread = start(server, endpoint);
            try (ZMQ.Socket req = ctx.createSocket(SocketType.REQ)) {
                req.setLinger(0);
                req.setReceiveTimeOut(1000);
                req.connect(endpoint);
                for (String request : new String[] {"1 hello", "1 hello", "not a request", "2 world"}) {
                    req.send(request);
                    System.out.printf("I: sent \"%s\", reply \"%s\"%n", request, req.recvStr());
                }
                req.sendMore("two");
                req.send("frames");
                System.out.printf("I: sent two frames, reply \"%s\"%n", req.recvStr());
            }
            server.close();
            thread.join();
            long handled = Files.readAllLines(path).size();
            boolean ok = server.served == 3 && server.repeats == 1 && server.malformed == 2 && handled == 2;
            System.out.printf("%s: %d requests answered (%d of them repeats, answered from the journal), %d handled, "
                    + "%d malformed answered ERR%n", ok ? "OK" : "FAILED", server.served, server.repeats, handled, server.malformed);
            return ok;
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
