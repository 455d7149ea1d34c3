import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A REP whose peer really stops reading: a DEALER sends N requests and reads nothing until the REP has answered
 * them all, so the reply pipe and the socket buffers really fill. The high-water mark must still apply: REP drops
 * the replies that do not fit, silently, as ZeroMQ documents for REP and ROUTER (send() returns true).
 * Run in a child JVM (FixTest), once on the released JeroMQ and once on the patched one.
 */
public class Overflow {
    static final int N = 2000, SIZE = 64 * 1024;

    public static void main(String[] args) throws Exception {
        try (ZContext ctx = new ZContext(1)) {
            ZMQ.Socket rep = ctx.createSocket(SocketType.REP);
            rep.setLinger(0);
            rep.setSndHWM(1);
            rep.setReceiveTimeOut(5000);
            rep.bind("tcp://127.0.0.1:*");
            ZMQ.Socket dealer = ctx.createSocket(SocketType.DEALER);
            dealer.setLinger(0);
            dealer.setRcvHWM(1);
            dealer.setReceiveBufferSize(64 * 1024);
            dealer.setReceiveTimeOut(500);
            dealer.connect(rep.getLastEndpoint());
            byte[] body = new byte[SIZE];
            int handled = 0, sendTrue = 0, delivered = 0;
            for (int i = 0; i < N; i++) {
                dealer.sendMore(new byte[0]);              // the empty delimiter a REQ would add
                dealer.send(body);
                if (rep.recv() == null) break;
                handled++;
                if (rep.send(body)) sendTrue++;
            }
            while (dealer.recv() != null) {                // now read what arrived: delimiter, then body
                if (dealer.hasReceiveMore()) dealer.recv();
                delivered++;
            }
            System.out.printf("handled %d, send true %d, delivered %d%n", handled, sendTrue, delivered);
        }
    }
}
