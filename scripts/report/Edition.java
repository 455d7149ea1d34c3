import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One language of the article: its source and page, the link to the other edition, and the strings of the charts
 * and tables in its language (article/zh/strings.tsv: "English<TAB>Chinese" a line), so the chart code exists once.
 */
record Edition(String lang, Path source, Path page, String otherHref, String otherName, Map<String, String> strings) {
    static Edition english(Path root) {
        return new Edition("en", root.resolve("article/article.md"), root.resolve("article/index.html"), "zh/index.html", "中文版", Map.of());
    }

    static Edition chinese(Path root) {
        return new Edition("zh-CN", root.resolve("article/zh/article.md"), root.resolve("article/zh/index.html"), "../index.html",
                "English", strings(root.resolve("article/zh/strings.tsv")));
    }

    static List<Edition> all(Path root) {
        return List.of(english(root), chinese(root));
    }

    private static Map<String, String> strings(Path tsv) {
        Map<String, String> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(tsv)) {
                String[] pair = line.split("\t");
                if (pair.length == 2 && !pair[0].isBlank()) m.put(pair[0], pair[1]);
            }
        } catch (IOException e) {
            throw new LabException("cannot read " + Runs.shown(tsv) + ": " + e.getMessage());
        }
        return m;
    }

    /** A word of the page's own (the contents, "Reproduce this:", a code block's header) in this language. */
    String word(String english) {
        return strings.getOrDefault(english, english);
    }

    /** A chart's script or caption in this language: each known string, longest first, quoted, or whole if it is long. */
    String chart(String text) {
        return replace(text, s -> s.length() >= 12 ? List.of("'" + s + "'", "\"" + s + "\"", s) : List.of("'" + s + "'", "\"" + s + "\""),
                t -> List.of("'" + t + "'", "\"" + t + "\"", t));
    }

    /** A table's HTML in this language: cells and headers whose whole text is a known string. */
    String table(String html) {
        return replace(html, s -> List.of(">" + s + "<"), t -> List.of(">" + t + "<"));
    }

    private String replace(String text, java.util.function.Function<String, List<String>> from, java.util.function.Function<String, List<String>> to) {
        List<String> keys = strings.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        for (String k : keys) {
            List<String> f = from.apply(k), t = to.apply(strings.get(k));
            for (int i = 0; i < f.size(); i++) text = text.replace(f.get(i), t.get(i));
        }
        return text;
    }
}
