import org.zeromq.ZMQ;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads JeroMQ 0.6.0's private state by reflection, on the socket's own thread, without changing it.
 * Used to show what the REP decided, never to steer it. Field names are those of JeroMQ 0.6.0.
 */
public final class Internals {
    private Internals() { }

    // Looked up once per class and name: the sweep reads a field after every recv() of the REP.
    private static final Map<String, Field> FIELDS = new ConcurrentHashMap<>();

    /** A private field by name, searched up the class hierarchy. */
    public static Object get(Object target, String name) {
        Field f = FIELDS.computeIfAbsent(target.getClass().getName() + "#" + name, k -> find(target.getClass(), name));
        try {
            return f.get(target);
        } catch (IllegalAccessException e) {
            throw new LabException("cannot read " + f.getDeclaringClass().getSimpleName() + "." + name + ": " + e.getMessage());
        }
    }

    private static Field find(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f;
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new LabException("no field " + name + " in " + type.getName() + " (not JeroMQ 0.6.0?)");
    }

    /**
     * After REP's recv() returned a request: true when Router.xsend already refused the reply's envelope
     * (Router.currentOut is null while the envelope is open), so the reply that send() will "send" is discarded.
     */
    public static boolean replyDropDecided(ZMQ.Socket rep) {
        return get(rep.base(), "currentOut") == null;
    }

    /** The REP's one connection pipe: Router.outpipes keeps it even when currentOut was cleared. */
    public static Object onlyPipe(ZMQ.Socket rep) {
        Map<?, ?> outpipes = (Map<?, ?>) get(rep.base(), "outpipes");
        return get(outpipes.values().iterator().next(), "pipe");
    }
}
