import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The retry step's record of handled request ids in a server process: the server pattern's journal
 * (patterns/SafeRepServer.java: one line, one write(2) per handled request), so that a server killed with
 * SIGKILL and started again answers a resend without handling it again. Each repeat is also noted in a file
 * beside it, only so that a run can count them after the process is gone.
 */
public final class Journal implements SafeRepServer.Ledger, AutoCloseable {
    private final SafeRepServer.Journal handled;
    private final FileChannel repeats;

    public Journal(Path path) {
        try {
            handled = new SafeRepServer.Journal(path);
            repeats = FileChannel.open(repeatsOf(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException | RuntimeException e) {
            throw new LabException("cannot use journal " + path + ": " + e.getMessage());
        }
    }

    @Override
    public String replyFor(long id) {
        String reply = handled.replyFor(id);
        if (reply != null) {
            try {
                repeats.write(ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                throw new LabException("cannot note a repeat: " + e.getMessage());
            }
        }
        return reply;
    }

    @Override
    public String handle(long id, String payload) { return handled.handle(id, payload); }

    private static Path repeatsOf(Path journal) {
        return journal.resolveSibling(journal.getFileName() + ".repeats");
    }

    /** The complete lines of a file; a line cut short by a kill has no newline and is left out. */
    static List<String> lines(Path path) throws IOException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
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
                for (String line : lines(j)) runs.merge(Long.parseLong(line.split(" ", 2)[0]), 1, Integer::sum);
                repeats += lines(repeatsOf(j)).size();
            } catch (IOException | NumberFormatException e) {
                throw new LabException("cannot read journal " + j + ": " + e.getMessage());
            }
        }
        return Servers.Tally.of(runs, repeats);
    }

    @Override
    public void close() {
        try {
            handled.close();
            repeats.close();
        } catch (IOException ignored) { }
    }
}
