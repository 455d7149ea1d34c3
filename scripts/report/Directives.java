import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The article's few directives, each on its own line of the Markdown source:
 * {@code @include scripts/patterns/LazyPirateClient.java} (the whole file, which compiles alone) or
 * {@code @include scripts/lib/Lockstep.java#req-loop} (an excerpt between "--8<-- [start:NAME]" and "[end:NAME]" markers), {@code @output STEP} (a step's kept output), {@code @chart ID}, {@code @table sweep},
 * {@code @appendix fix/jeromq/ISSUE.md} (a Markdown file, headings three levels down), {@code @reproduce COMMAND} and {@code @toc}.
 */
final class Directives {
    static final String TOC = "@@TOC@@";

    /** HTML blocks stand in the Markdown as "@@BLOCK n@@" paragraphs and are put back after rendering. */
    private final List<String> blocks = new ArrayList<>();
    private final Path root;
    private final Data data;
    private final Map<String, Charts.Chart> charts;
    private final Edition edition;

    Directives(Path root, Data data, Map<String, Charts.Chart> charts, Edition edition) {
        this.root = root;
        this.data = data;
        this.charts = charts;
        this.edition = edition;
    }

    /** A directive as Markdown: included code stays Markdown, everything else becomes a block placeholder. */
    String expand(String what, String arg) {
        return switch (what) {
            case "include" -> block(Page.code(arg.split("#", 2)[0], !arg.contains("#"), include(root, arg), edition));
            case "output" -> block("<pre class=\"output\"><code class=\"nohighlight\">" + Page.escape(output(arg)) + "</code></pre>");
            case "chart" -> {
                Charts.Chart c = charts.get(arg);
                if (c == null) throw new LabException("the article wants chart '" + arg + "' but data/ cannot draw it");
                yield block(Page.chart(c, edition));
            }
            case "table" -> block(table(arg));
            case "appendix" -> appendix(root, arg);
            case "reproduce" -> block("<p class=\"reproduce\">" + edition.word("Reproduce this:") + " <code>" + Page.escape(arg) + "</code></p>");
            case "toc" -> TOC;
            default -> throw new LabException("unknown directive @" + what);
        };
    }

    /** A @table by its name, as HTML in this edition's language. */
    String table(String name) {
        return edition.table(switch (name) {
            case "sweep" -> "<details class=\"table\"><summary>" + edition.word("The full table: every cell of the sweep") + "</summary><div class=\"table-wrap\">"
                    + Tables.sweep(Charts.releasedSweep(data)) + "</div></details>";
            case "advice" -> "<div class=\"table-wrap\">" + Tables.advice(data) + "</div>";
            case "fixes" -> "<div class=\"table-wrap\">" + Tables.fixes(data) + "</div>";
            case "hostile" -> "<div class=\"table-wrap\">" + Tables.hostile(data) + "</div>";
            case "upstream" -> "<div class=\"table-wrap\">" + Tables.upstream(data) + "</div>";
            default -> throw new LabException("unknown table " + name);
        });
    }

    private String block(String html) {
        blocks.add(html);
        return "@@BLOCK " + (blocks.size() - 1) + "@@";
    }

    /** The rendered page body with the blocks and the table of contents in place. */
    String fill(String body) {
        for (int i = 0; i < blocks.size(); i++) body = body.replace("<p>@@BLOCK " + i + "@@</p>", blocks.get(i));
        return body.replace("<p>" + TOC + "</p>", toc(body, edition.word("Contents")));
    }

    /** A Markdown file of the repo (a report for upstream), its headings three levels down, inside this page. */
    static String appendix(Path root, String path) {
        try {
            return Files.readString(root.resolve(path)).replaceAll("(?m)^(#{1,3}) ", "$1### ");
        } catch (IOException e) {
            throw new LabException("the article includes " + path + ", which cannot be read");
        }
    }

    /** Code from a script, between its markers, without the marker lines; dedented. */
    static String include(Path root, String ref) {
        String[] parts = ref.split("#", 2);
        Path file = root.resolve(parts[0]);
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new LabException("the article includes " + parts[0] + ", which cannot be read");
        }
        if (parts.length == 2) {
            int start = indexOf(lines, "--8<-- [start:" + parts[1] + "]"), end = indexOf(lines, "--8<-- [end:" + parts[1] + "]");
            if (start < 0 || end < start) throw new LabException(parts[0] + " has no marker " + parts[1]);
            lines = lines.subList(start + 1, end);
        }
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        List<String> out = new ArrayList<>();
        for (String l : lines) out.add(l.isBlank() ? "" : l.substring(indent));
        return String.join("\n", out);
    }

    private static int indexOf(List<String> lines, String marker) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(marker)) return i;
        return -1;
    }

    /** A step's output as the article run kept it (data/transcripts/NAME.txt), progress lines left out. */
    static String output(String name) {
        Path file = Runs.dataDir().resolve("transcripts").resolve(name + ".txt");
        try {
            return String.join("\n", Files.readAllLines(file));
        } catch (IOException e) {
            throw new LabException("missing transcript " + Runs.shown(file) + " (run ./jbang article once)");
        }
    }

    /** A table of contents from the rendered h2/h3 headings and their anchors. */
    static String toc(String html, String title) {
        Matcher h = Pattern.compile("<h([23]) id=\"([^\"]+)\">(.*?)</h\\1>").matcher(html);
        StringBuilder toc = new StringBuilder("<nav class=\"toc\"><strong>" + title + "</strong><ul>\n");
        while (h.find())
            toc.append(h.group(1).equals("3") ? "<li style=\"margin-left:1.2rem\">" : "<li>")
                    .append("<a href=\"#").append(h.group(2)).append("\">").append(h.group(3).replaceAll("<[^>]+>", "")).append("</a></li>\n");
        return toc.append("</ul></nav>\n").toString();
    }
}
