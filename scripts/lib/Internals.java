import org.zeromq.ZMQ;

import java.lang.reflect.Field;
import java.util.Map;

/**
 * Reads JeroMQ 0.6.0's private state by reflection, on the socket's own thread, without changing it.
 * Used to show what the REP decided, never to steer it. Field names are those of JeroMQ 0.6.0.
 */
public final class Internals {
    private Internals() { }

    /** A private field by name, searched up the class hierarchy. */
    public static Object get(Object target, String name) {
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(target);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (IllegalAccessException e) {
                throw new LabException("cannot read " + c.getSimpleName() + "." + name + ": " + e.getMessage());
            }
        }
        throw new LabException("no field " + name + " in " + target.getClass().getName() + " (not JeroMQ 0.6.0?)");
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
