import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The request ids a server has handled, in an append-only file, so that a server killed with SIGKILL and
 * started again still knows them and answers a client's resend without handling it twice.
 *
 * Handling a request and recording its id is one write(2) here: the application's effect and its record are
 * the same line, as they must be in one transaction in a real service. A write that returned is in the kernel's
 * page cache and survives the death of the process (not a power cut: that would need fsync). Repeats are
 * written too, only so that a run can count them afterwards.
 */
// --8<-- [start:journal]
public final class Journal implements EchoServer.Handled, AutoCloseable {
    private final Set<Long> handled = new HashSet<>();
    private final FileChannel file;

    public Journal(Path path) {
        try {
            for (String line : recover(path)) if (line.startsWith("handled ")) handled.add(Long.parseLong(line.substring(8)));
            file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException | NumberFormatException e) {
            throw new LabException("cannot use journal " + path + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized boolean firstTime(long id) {
        boolean first = handled.add(id);
        write((first ? "handled " : "repeat ") + id + "\n");   // one write: done and recorded, or neither
        return first;
    }
    // --8<-- [end:journal]

    private void write(String line) {
        try {
            file.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new LabException("cannot write the journal: " + e.getMessage());
        }
    }

    /** The journal's complete lines; a last line cut short by a kill never happened, so it is cut off. */
    private static List<String> recover(Path path) throws IOException {
        List<String> complete = lines(path);
        long whole = complete.stream().mapToLong(line -> line.length() + 1).sum();
        if (Files.exists(path) && Files.size(path) > whole)
            try (FileChannel torn = FileChannel.open(path, StandardOpenOption.WRITE)) { torn.truncate(whole); }
        return complete;
    }

    /** The complete lines of a journal; a line cut short by a kill has no newline and is left out. */
    static List<String> lines(Path path) throws IOException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
    }

    /** What a set of journals shows: handler runs, repeats answered from memory, ids handled more than once. */
    public static Servers.Tally tally(List<Path> journals) {
        Map<Long, Integer> runs = new HashMap<>();
        long repeats = 0;
        for (Path j : journals) {
            try {
                for (String line : lines(j)) {
                    if (line.startsWith("handled ")) runs.merge(Long.parseLong(line.substring(8)), 1, Integer::sum);
                    else repeats++;
                }
            } catch (IOException e) {
                throw new LabException("cannot read journal " + j + ": " + e.getMessage());
            }
        }
        return Servers.Tally.of(runs, repeats);
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException ignored) { }
    }
}
