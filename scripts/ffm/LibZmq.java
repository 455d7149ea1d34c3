import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The dozen libzmq calls the lockstep needs, through Java's foreign function API (Java 22+), on the
 * system's libzmq.so.5. No binding library: each call is a downcall handle on the C function of that name.
 */
final class LibZmq implements AutoCloseable {
    static final int REQ = 3, REP = 4, ROUTER = 6, RCVMORE = 13, EVENTS = 15, LINGER = 17, SNDHWM = 23, RCVHWM = 24, RCVTIMEO = 27,
            LAST_ENDPOINT = 32, ROUTER_MANDATORY = 33, ROUTING_ID = 5, RECONNECT_IVL = 18, IMMEDIATE = 39, ROUTER_HANDOVER = 56;
    static final int DONTWAIT = 1, SNDMORE = 2;   // send flags
    static final int EAGAIN = 11, EHOSTUNREACH = 113;   // errno on Linux

    /** Where libzmq comes from: the system's libzmq.so.5, or the file in the property hwm.libzmq (libzmq --libzmq). */
    private static final String path = System.getProperty("hwm.libzmq");
    private static final Linker C = Linker.nativeLinker();
    private static final SymbolLookup LIB = load();
    private static final MethodHandle CTX_NEW = fn("zmq_ctx_new", FunctionDescriptor.of(ADDRESS));
    private static final MethodHandle CTX_TERM = fn("zmq_ctx_term", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SOCKET = fn("zmq_socket", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = fn("zmq_close", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SETSOCKOPT = fn("zmq_setsockopt", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle GETSOCKOPT = fn("zmq_getsockopt", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle BIND = fn("zmq_bind", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CONNECT = fn("zmq_connect", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SEND = fn("zmq_send", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV = fn("zmq_recv", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle ERRNO = fn("zmq_errno", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle STRERROR = fn("zmq_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle VERSION = fn("zmq_version", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS));

    private final MemorySegment ctx;

    /** "4.3.4", or "4.3.4+NAME" for a build of its own in a folder named libzmq-NAME (fix/libzmq/build.sh). */
    static String label() {
        String v = version();
        if (path == null) return v;
        String folder = java.nio.file.Path.of(path).toAbsolutePath().getParent().getFileName().toString();
        return v + "+" + folder.replaceFirst("^libzmq-", "");
    }

    private static SymbolLookup load() {
        try {
            return path == null ? SymbolLookup.libraryLookup("libzmq.so.5", Arena.global())
                    : SymbolLookup.libraryLookup(java.nio.file.Path.of(path), Arena.global());
        } catch (IllegalArgumentException e) {
            throw new LabException(path == null ? "libzmq is not installed (libzmq.so.5 not found; on Debian: apt-get install libzmq5)"
                    : "cannot load libzmq from " + path + " (fix/libzmq/build.sh builds one)");
        }
    }

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        return C.downcallHandle(LIB.find(name).orElseThrow(() -> new LabException("libzmq has no " + name)), d);
    }

    /** Turns the checked Throwable of MethodHandle.invoke into what callers expect. */
    private static RuntimeException rethrow(Throwable t) {
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }

    static String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT, 3);
            VERSION.invokeExact(v, v.asSlice(4), v.asSlice(8));
            return v.getAtIndex(JAVA_INT, 0) + "." + v.getAtIndex(JAVA_INT, 1) + "." + v.getAtIndex(JAVA_INT, 2);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int errno() {
        try {
            return (int) ERRNO.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String lastError() {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno())).reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    LibZmq() {
        try {
            ctx = (MemorySegment) CTX_NEW.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    Socket socket(int type) {
        try {
            return new Socket((MemorySegment) SOCKET.invokeExact(ctx, type));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private boolean closed;

    /** Terminates the context once; a second call does nothing (zmq_ctx_term on a freed context would crash). */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            int rc = (int) CTX_TERM.invokeExact(ctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** One libzmq socket with its own small buffers; used by one thread at a time, as libzmq requires. */
    static final class Socket implements AutoCloseable {
        private final MemorySegment s;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment buf = arena.allocate(64);
        private final MemorySegment option = arena.allocate(JAVA_INT), optionLength = arena.allocate(JAVA_LONG);

        private Socket(MemorySegment s) { this.s = s; }

        void set(int option, int value) {
            try {
                MemorySegment v = arena.allocateFrom(JAVA_INT, value);
                int rc = (int) SETSOCKOPT.invokeExact(s, option, v, 4L);
                if (rc != 0) throw new LabException("zmq_setsockopt(" + option + ", " + value + "): " + lastError());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        void set(int option, byte[] value) {
            try {
                int rc = (int) SETSOCKOPT.invokeExact(s, option, arena.allocateFrom(JAVA_BYTE, value), (long) value.length);
                if (rc != 0) throw new LabException("zmq_setsockopt(" + option + "): " + lastError());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        void bind(String endpoint) { attach(BIND, "bind", endpoint); }

        void connect(String endpoint) { attach(CONNECT, "connect", endpoint); }

        private void attach(MethodHandle how, String verb, String endpoint) {
            try {
                int rc = (int) how.invokeExact(s, arena.allocateFrom(endpoint));
                if (rc != 0) throw new LabException("cannot " + verb + " " + endpoint + ": " + lastError());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        /** An int option's value; reading EVENTS also makes libzmq process the socket's command mailbox. */
        int get(int name) {
            try {
                optionLength.set(JAVA_LONG, 0, 4L);   // the same two segments every call: this runs per request
                int rc = (int) GETSOCKOPT.invokeExact(s, name, option, optionLength);
                if (rc != 0) throw new LabException("zmq_getsockopt(" + name + "): " + lastError());
                return option.get(JAVA_INT, 0);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        String lastEndpoint() {
            try {
                MemorySegment out = arena.allocate(256);
                MemorySegment len = arena.allocateFrom(JAVA_LONG, 256L);
                int rc = (int) GETSOCKOPT.invokeExact(s, LAST_ENDPOINT, out, len);
                return rc == 0 ? out.getString(0) : "";
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        /** Sends text as one frame; false when zmq_send returned -1. */
        boolean send(String text) {
            return sendFrame(text.getBytes(StandardCharsets.US_ASCII), 0);
        }

        /** One frame of up to 64 bytes with zmq_send's flags (SNDMORE, DONTWAIT); false when zmq_send returned -1. */
        boolean sendFrame(byte[] b, int flags) {
            MemorySegment.copy(b, 0, buf, ValueLayout.JAVA_BYTE, 0, b.length);
            try {
                return (int) SEND.invokeExact(s, buf, (long) b.length, flags) >= 0;
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        /** One frame (its first 64 bytes), or null when nothing came within RCVTIMEO. */
        byte[] recvFrame() {
            try {
                int n = (int) RECV.invokeExact(s, buf, buf.byteSize(), 0);
                if (n < 0) return null;
                byte[] b = new byte[(int) Math.min(n, buf.byteSize())];
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, 0, b.length);
                return b;
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        /** One frame as text, or null when nothing came within RCVTIMEO. */
        String recv() {
            byte[] b = recvFrame();
            return b == null ? null : new String(b, StandardCharsets.US_ASCII);
        }

        @Override
        public void close() {
            try {
                int rc = (int) CLOSE.invokeExact(s);
            } catch (Throwable t) {
                throw rethrow(t);
            } finally {
                arena.close();
            }
        }
    }
}
