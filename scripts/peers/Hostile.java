import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Hostile TCP peers for a ZeroMQ server on this machine: what a port scanner, a confused HTTP client or a
 * malicious peer sends to a ZMTP port. Plain java.net.Socket, JDK only, always 127.0.0.1.
 * <p>
 * Each run is bounded: connect and read timeouts, and a time limit after which no new connection is made.
 * Network errors never escape: a refused, reset or timed-out connection is a normal outcome and is counted.
 * The random bytes come from a fixed seed, so a run sends the same bytes every time.
 * <p>
 * ZMTP 3.0 reference (ZeroMQ RFC 23, ZMTP): greeting = signature (10) + version (2) + mechanism (20)
 * + as-server (1) + filler (31) = 64 bytes; then frames: flags byte, size (1 byte, or 8 bytes big-endian
 * when the LONG flag 0x02 is set), body. Flag 0x01 = MORE, 0x04 = COMMAND.
 */
public final class Hostile {
    private Hostile() { }

    /** The attacks, each with the name used on command lines and what it sends. */
    public enum Kind {
        RANDOM_BYTES("random-bytes", "64..1024 random bytes per connection, no ZMTP at all", 20),
        HTTP_REQUEST("http-request", "an HTTP/1.1 GET, as a browser or health checker would send", 10),
        BROKEN_GREETING("broken-greeting", "a ZMTP greeting with a bad signature, a text signature, or an unknown mechanism", 9),
        GREETING_TRUNCATED("greeting-truncated", "the first 32 of the 64 greeting bytes, then close", 10),
        ABSURD_SIZE("absurd-size", "valid ZMTP 3.0 REQ peer, then a LONG frame of size 0x7FFFFFFFFFFFFFFF", 5),
        NEGATIVE_SIZE("negative-size", "valid ZMTP 3.0 REQ peer, then a LONG frame of size 0xFFFFFFFFFFFFFFFF (-1 as a Java long)", 1),
        TRUNCATED_FRAME("truncated-frame", "valid ZMTP 3.0 REQ peer, then a frame announcing 100 bytes, 10 sent, close", 10),
        GARBAGE_PAYLOAD("garbage-payload", "valid ZMTP 3.0 REQ peer sending well-framed requests whose body is not a number", 8),
        IDLE_CONNECTIONS("idle-connections", "N connections that send nothing, held until the time limit", 50),
        CONNECTION_FLOOD("connection-flood", "N connections opened and closed at once, nothing sent", 500);

        public final String id;
        public final String description;
        /** Connections made when the caller does not say (idle-connections: held at once). */
        public final int defaultCount;

        Kind(String id, String description, int defaultCount) {
            this.id = id;
            this.description = description;
            this.defaultCount = defaultCount;
        }

        /** The kind named `id` (e.g. "negative-size"); IllegalArgumentException lists the names. */
        public static Kind of(String id) {
            for (Kind k : values()) if (k.id.equals(id.toLowerCase(Locale.ROOT))) return k;
            List<String> names = new ArrayList<>();
            for (Kind k : values()) names.add(k.id);
            throw new IllegalArgumentException("unknown attack kind '" + id + "'; one of " + names);
        }
    }

    /**
     * What one run did. connected: TCP connections established; failed: connects refused or timed out;
     * closedByPeer: established connections the server closed or reset (it rejected the input), seen within
     * the read timeout; bytesSent: bytes written.
     */
    public record Outcome(Kind kind, int connected, int failed, int closedByPeer, long bytesSent, long millis) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-18s connected %4d, failed %4d, closed by server %4d, %,9d bytes sent, %,6d ms",
                    kind.id, connected, failed, closedByPeer, bytesSent, millis);
        }
    }

    static final int CONNECT_TIMEOUT_MS = 1000;
    /** How long to wait for the server's greeting, or for it to close a connection after our last bytes. */
    static final int READ_TIMEOUT_MS = 300;
    static final long SEED = 20240601L;

    /** Runs `kind` with its default count. */
    public static Outcome run(Kind kind, int port, Duration timeLimit) {
        return run(kind, port, kind.defaultCount, timeLimit);
    }

    /**
     * Runs `count` connections of `kind` against 127.0.0.1:port, one after another (idle-connections: all
     * at once, held until the time limit). Stops starting connections once `timeLimit` has passed; a
     * connection under way then ends within about one connect or read timeout.
     */
    public static Outcome run(Kind kind, int port, int count, Duration timeLimit) {
        if (port <= 0 || port > 65535) throw new IllegalArgumentException("port " + port);
        long start = System.nanoTime();
        long deadline = start + timeLimit.toNanos();
        Tally t = new Tally();
        if (kind == Kind.IDLE_CONNECTIONS) {
            idle(t, port, count, deadline);
        } else {
            for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
                SplittableRandom random = new SplittableRandom(SEED + 1000L * kind.ordinal() + i);
                int round = i;
                once(t, port, deadline, s -> talk(kind, round, random, s, t, deadline));
            }
        }
        return new Outcome(kind, t.connected, t.failed, t.closedByPeer, t.bytes,
                (System.nanoTime() - start) / 1_000_000);
    }

    // ---- the bytes ------------------------------------------------------------------------------------

    /** ZMTP 3.0 greeting, 64 bytes, NULL mechanism, as a client (as-server = 0). */
    public static byte[] greeting() {
        return greeting("NULL");
    }

    /** ZMTP 3.0 greeting naming `mechanism` (at most 20 ASCII bytes). */
    public static byte[] greeting(String mechanism) {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put((byte) 0xFF);                 // signature[0]: 0xFF, so the peer does not take it for an unversioned ZMTP 1.0 length
        b.put(new byte[8]);                 // signature[1..8]: padding, any value (the 8-byte length of a ZMTP 1.0 identity frame)
        b.put((byte) 0x7F);                 // signature[9]: low bit 1 = "versioned protocol follows"
        b.put((byte) 3).put((byte) 0);      // version 3.0
        byte[] m = mechanism.getBytes(StandardCharsets.US_ASCII);
        b.put(m, 0, Math.min(m.length, 20));// mechanism, null-padded to 20 bytes
        b.position(32);
        b.put((byte) 0);                    // as-server: 0 (we are the client)
        // 31 bytes of zero filler (already zero)
        return b.array();
    }

    /** READY command (ZMTP 3.0 NULL mechanism) with the single property Socket-Type = `socketType`. */
    public static byte[] ready(String socketType) {
        byte[] name = "READY".getBytes(StandardCharsets.US_ASCII);
        byte[] prop = "Socket-Type".getBytes(StandardCharsets.US_ASCII);
        byte[] value = socketType.getBytes(StandardCharsets.US_ASCII);
        int body = 1 + name.length + 1 + prop.length + 4 + value.length;   // 25 for "REQ"
        ByteBuffer b = ByteBuffer.allocate(2 + body);
        b.put((byte) 0x04);                 // flags: COMMAND, short size
        b.put((byte) body);                 // 1-byte size of the command body
        b.put((byte) name.length).put(name);// command name, length-prefixed
        b.put((byte) prop.length).put(prop);// property name, 1-byte length
        b.putInt(value.length).put(value);  // property value, 4-byte big-endian length
        return b.array();
    }

    /** Header of a LONG data frame announcing `size` bytes: flags 0x02 then the 8-byte size, big-endian. */
    public static byte[] longFrameHeader(long size) {
        return ByteBuffer.allocate(9).put((byte) 0x02).putLong(size).array();
    }

    /** A short data frame (body at most 255 bytes); `more` sets the MORE flag (another frame follows). */
    public static byte[] frame(byte[] body, boolean more) {
        if (body.length > 255) throw new IllegalArgumentException("short frame of " + body.length + " bytes");
        return ByteBuffer.allocate(2 + body.length).put((byte) (more ? 0x01 : 0x00)).put((byte) body.length)
                .put(body).array();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) b.put(p);
        return b.array();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // ---- one connection of each kind ----------------------------------------------------------------------

    private static void talk(Kind kind, int round, SplittableRandom random, Socket s, Tally t, long deadline)
            throws IOException {
        switch (kind) {
            case RANDOM_BYTES -> {
                byte[] junk = new byte[64 + random.nextInt(961)];
                random.nextBytes(junk);
                send(s, t, junk);
                awaitClose(s, t, deadline);
            }
            case HTTP_REQUEST -> {
                // A server that reads this as ZMTP sees 'G' (0x47): no 0xFF first byte, so an unversioned
                // ZMTP 1.0 peer whose first frame is 71 bytes long (flags byte 'E', then 70 body bytes).
                send(s, t, ascii("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: hostile-probe\r\nAccept: */*\r\n"
                        + "Connection: close\r\n\r\n"));
                awaitClose(s, t, deadline);
            }
            case BROKEN_GREETING -> {
                byte[] g = greeting();
                switch (round % 3) {
                    case 0 -> {
                        g[9] = 0x7E;                 // signature's last byte with the low bit clear: "not versioned",
                        Arrays.fill(g, 1, 9, (byte) 0xAA);   // so bytes 1..8 are read as a ZMTP 1.0 length: negative
                    }
                    case 1 -> g = ascii("ZMTP/3.0 NULL\r\n\r\n".repeat(4));   // no 0xFF: text where the signature goes
                    default -> g = greeting("BOGUS");   // good signature and version, a mechanism nobody speaks
                }
                send(s, t, g);
                awaitClose(s, t, deadline);
            }
            case GREETING_TRUNCATED -> {
                byte[] g = greeting();
                byte[] half = new byte[32];          // signature, version and 20-byte mechanism only
                System.arraycopy(g, 0, half, 0, half.length);
                send(s, t, half);                    // then close without waiting
            }
            case ABSURD_SIZE -> {
                asReqPeer(s, t, deadline);
                send(s, t, longFrameHeader(0x7FFF_FFFF_FFFF_FFFFL));  // largest positive long: must be refused before allocating
                awaitClose(s, t, deadline);
            }
            case NEGATIVE_SIZE -> {
                asReqPeer(s, t, deadline);
                // A 64-bit size with the top bit set: -1 as a Java long. Unsigned on the wire, signed in Java.
                send(s, t, longFrameHeader(0xFFFF_FFFF_FFFF_FFFFL));
                awaitClose(s, t, deadline);
            }
            case TRUNCATED_FRAME -> {
                asReqPeer(s, t, deadline);
                byte[] ten = new byte[10];
                random.nextBytes(ten);
                // flags 0x00 (last frame, short size), size 100, but only 10 body bytes, then close
                send(s, t, concat(new byte[] {0x00, 100}, ten));
            }
            case GARBAGE_PAYLOAD -> {
                asReqPeer(s, t, deadline);
                byte[] delimiter = frame(new byte[0], true);   // REQ puts an empty delimiter frame first
                byte[] request = switch (round % 4) {
                    case 0 -> concat(delimiter, frame(ascii("not-a-number"), false));
                    case 1 -> {
                        byte[] body = new byte[1 + random.nextInt(60)];
                        random.nextBytes(body);
                        body[0] = '#';               // never a number, even when the random bytes are digits
                        yield concat(delimiter, frame(body, false));
                    }
                    case 2 -> concat(delimiter, frame(new byte[0], false));            // an empty body
                    default -> concat(delimiter, frame(ascii("42"), true), frame(ascii("garbage"), false)); // 2 body frames
                };
                send(s, t, request);
                awaitClose(s, t, deadline);          // a REP that survives answers; we do not check what
            }
            case CONNECTION_FLOOD -> { }             // connect, then close at once
            case IDLE_CONNECTIONS -> throw new IllegalStateException("idle-connections is run by idle()");
        }
    }

    /**
     * The handshake of a well-behaved REQ: our greeting, the server's greeting, our READY, the server's READY.
     * Waiting for the server's READY matters: a data frame that arrives before the NULL handshake is complete
     * is a protocol error, and the server would close before our frame reached its message decoder.
     * If the server does not answer in time, carry on anyway.
     */
    private static void asReqPeer(Socket s, Tally t, long deadline) throws IOException {
        send(s, t, greeting());
        readAtMost(s, 64, deadline);              // the server's greeting
        send(s, t, ready("REQ"));
        byte[] header = new byte[2];              // the server's READY: flags 0x04, 1-byte size, then the body
        if (readAtMost(s, header, deadline) == 2 && header[0] == 0x04) readAtMost(s, header[1] & 0xFF, deadline);
    }

    // ---- plumbing ------------------------------------------------------------------------------------

    private static final class Tally {
        int connected, failed, closedByPeer;
        long bytes;
    }

    private interface Conversation {
        void talk(Socket s) throws IOException;
    }

    private static void once(Tally t, int port, long deadline, Conversation c) {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress("127.0.0.1", port), timeout(deadline, CONNECT_TIMEOUT_MS));
        } catch (IOException e) {
            t.failed++;
            closeQuietly(s);
            return;
        }
        t.connected++;
        try {
            s.setTcpNoDelay(true);
            c.talk(s);
        } catch (IOException e) {
            t.closedByPeer++;                    // reset or broken pipe while we wrote: the server dropped us
        } finally {
            closeQuietly(s);
        }
    }

    private static void idle(Tally t, int port, int count, long deadline) {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress("127.0.0.1", port), timeout(deadline, CONNECT_TIMEOUT_MS));
                    held.add(s);
                    t.connected++;
                } catch (IOException e) {
                    t.failed++;
                    closeQuietly(s);
                }
            }
            // Hold them, sending nothing, until the time limit.
            while (System.nanoTime() < deadline) {
                try {
                    Thread.sleep(Math.max(1, Math.min(200, (deadline - System.nanoTime()) / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            for (Socket s : held) if (closedNow(s)) t.closedByPeer++;
        } finally {
            for (Socket s : held) closeQuietly(s);
        }
    }

    private static void send(Socket s, Tally t, byte[] b) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(b);
        out.flush();
        t.bytes += b.length;
    }

    /** Reads up to n bytes within the read timeout; returns how many came (-1 when the peer closed first). */
    private static int readAtMost(Socket s, int n, long deadline) throws IOException {
        return readAtMost(s, new byte[n], deadline);
    }

    private static int readAtMost(Socket s, byte[] buf, long deadline) throws IOException {
        s.setSoTimeout(timeout(deadline, READ_TIMEOUT_MS));
        InputStream in = s.getInputStream();
        int n = buf.length;
        int got = 0;
        try {
            while (got < n) {
                int r = in.read(buf, got, n - got);
                if (r < 0) return got == 0 ? -1 : got;
                got += r;
            }
        } catch (SocketTimeoutException e) {
            // the server said less than that: fine
        }
        return got;
    }

    /** Drains what the server says until it closes (counted) or the read timeout passes. */
    private static void awaitClose(Socket s, Tally t, long deadline) throws IOException {
        s.setSoTimeout(timeout(deadline, READ_TIMEOUT_MS));
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        long until = System.nanoTime() + READ_TIMEOUT_MS * 1_000_000L;
        try {
            while (System.nanoTime() < until) {
                if (in.read(buf) < 0) {
                    t.closedByPeer++;
                    return;
                }
            }
        } catch (SocketTimeoutException e) {
            // still open: the server neither answered nor closed within the timeout
        }
    }

    /** True when the server has closed (or reset) this idle connection. */
    private static boolean closedNow(Socket s) {
        try {
            s.setSoTimeout(1);
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** `cap` ms, or less if the deadline is nearer; never 0 (which would mean "no timeout"). */
    private static int timeout(long deadline, int cap) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        return (int) Math.max(1, Math.min(cap, left));
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
