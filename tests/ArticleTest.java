import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The published article: rendered from data/, self-contained, and drawn by a real browser offline. */
@Execution(ExecutionMode.CONCURRENT)   // measures nothing: side by side with the others that do not
@ResourceLock(value = run.MACHINE, mode = ResourceAccessMode.READ)
class ArticleTest {
    static final Path ROOT = Runs.dataDir().getParent();

    @TempDir Path dir;

    /** The page as the renderer makes it from the committed article source and data (rendered once for the suite). */
    Path render() throws Exception {
        return Files.writeString(dir.resolve("index.html"), FiguresTest.pages().get("en"));
    }

    @Test
    void everyFigureAndCodeBlockComesFromTheRepo() throws Exception {
        String html = Files.readString(render());
        assertFalse(html.contains("{{"), "a figure was left unfilled");
        assertFalse(html.contains("@@BLOCK"), "a directive was left unexpanded");
        // The Lazy Pirate code in the page is the whole pattern file, under its path, with a copy button.
        String code = Directives.include(ROOT, "scripts/patterns/LazyPirateClient.java");
        assertTrue(html.contains(Page.escape(code)), "the whole file is in the page");
        assertTrue(html.contains("<code>scripts/patterns/LazyPirateClient.java</code> <span>the whole file"), "its path and that it is whole");
        assertTrue(html.contains("<code>scripts/lib/Lockstep.java</code> <span>excerpt"), "an excerpt says so");
        assertTrue(html.contains("<button type=\"button\" class=\"copy\">Copy</button>"), "copy button");
        // A figure in the text is the one computed from data/ now.
        Figures figures = new Figures(new Data(Runs.dataDir()));
        assertTrue(html.contains("after a median of " + figures.get("hwm1.tcp.median") + " round trips"), "hwm1 median from data/");
        assertTrue(html.contains("Reproduce this: <code>./jbang hwm1 --runs 10</code>"));
        assertTrue(html.contains("<nav class=\"toc\">"), "table of contents");
        assertTrue(html.contains("<a href=\"#the-experiment\">The experiment</a>"), "the first section is a heading in the contents");
    }

    @Test
    void pageIsSelfContained() throws Exception {
        String html = Files.readString(render());
        // No script, stylesheet, image or frame is loaded from anywhere: everything is inline.
        assertFalse(Pattern.compile("<(script|img|iframe)[^>]+src=", Pattern.CASE_INSENSITIVE).matcher(html).find(), "external src");
        assertFalse(Pattern.compile("<link[^>]+href=", Pattern.CASE_INSENSITIVE).matcher(html).find(), "external stylesheet");
        assertFalse(html.contains("cdn."), "CDN reference");
    }

    /** The Chinese edition, rendered from its own source with the same data. */
    Path renderChinese() throws Exception {
        return Files.writeString(Files.createDirectories(dir.resolve("zh")).resolve("index.html"), FiguresTest.pages().get("zh"));
    }

    static List<String> matches(String text, String regex) {
        return Pattern.compile(regex, Pattern.MULTILINE).matcher(text).results().map(m -> m.group()).toList();
    }

    @Test
    void everyChartOfTheCommittedPagesHasItsStaticImages() throws Exception {
        for (String page : List.of("article/index.html", "article/zh/index.html")) {
            Path file = ROOT.resolve(page);
            List<String> ids = Pattern.compile("<figure class=\"chart\" id=\"figure-([^\"]+)\"").matcher(Files.readString(file))
                    .results().map(m -> m.group(1)).toList();
            assertTrue(ids.size() >= 5, page + ": " + ids);
            for (String id : ids)
                for (String format : List.of("svg", "png")) {
                    Path image = file.resolveSibling("images").resolve(id + "." + format);
                    assertTrue(Files.isRegularFile(image) && Files.size(image) > 2_000, "static image " + ROOT.relativize(image));
                }
        }
    }

    @Test
    void theTwoEditionsCannotDrift() throws Exception {
        String en = Files.readString(ROOT.resolve("article/article.md")), zh = Files.readString(ROOT.resolve("article/zh/article.md"));
        assertEquals(matches(en, "^@\\w+.*$"), matches(zh, "^@\\w+.*$"), "the same directives (includes, outputs, charts, tables, reproduce) in the same order");
        assertEquals(new java.util.TreeSet<>(matches(en, "\\{\\{[a-z0-9_.-]+}}")), new java.util.TreeSet<>(matches(zh, "\\{\\{[a-z0-9_.-]+}}")),
                "the same figures");
        assertEquals(matches(en, "^#+ ").stream().map(String::strip).toList(), matches(zh, "^#+ ").stream().map(String::strip).toList(),
                "the same headings, level by level");
        String enHtml = Files.readString(render()), zhHtml = Files.readString(renderChinese());
        assertTrue(enHtml.contains("<html lang=\"en\">") && enHtml.contains("<a href=\"zh/index.html\" hreflang=\"zh-CN\">中文版</a>"), "English page links to the Chinese one");
        assertTrue(zhHtml.contains("<html lang=\"zh-CN\">") && zhHtml.contains("<a href=\"../index.html\" hreflang=\"en\">English</a>"), "Chinese page links back");
        assertFalse(zhHtml.contains("{{") || zhHtml.contains("@@BLOCK"), "every figure and directive filled in");
        assertTrue(zhHtml.contains("高水位"), "the Chinese edition is in Chinese");
    }

    /** Texts of a chart (tick labels, titles, legend, colour bar) that lie outside its figure's drawing, by chart. */
    static final String OUTSIDE = "JSON.stringify([...document.querySelectorAll('figure.chart')].flatMap(f => {"
            + " const svg = f.querySelector('svg.main-svg').getBoundingClientRect();"
            + " return [...f.querySelectorAll('svg text')].filter(t => t.textContent.trim() !== '').map(t => [t.textContent, t.getBoundingClientRect()])"
            + ".filter(([s, r]) => r.width > 0 && (r.left < svg.left - 1 || r.right > svg.right + 1 || r.top < svg.top - 1 || r.bottom > svg.bottom + 1))"
            + ".map(([s, r]) => f.id + ': ' + s.slice(0, 40)); }))";

    /** Pairs of tick labels of one axis that overlap, by chart. */
    static final String OVERLAPS = "JSON.stringify([...document.querySelectorAll('figure.chart')].flatMap(f => ['xtick', 'ytick', 'y2tick']"
            + ".flatMap(axis => { const r = [...f.querySelectorAll('g.' + axis + ' text')].map(t => t.getBoundingClientRect())"
            + ".filter(b => b.width > 0); const bad = []; for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++)"
            + " if (r[i].left < r[j].right - 1 && r[j].left < r[i].right - 1 && r[i].top < r[j].bottom - 1 && r[j].top < r[i].bottom - 1)"
            + " bad.push(f.id + ' ' + axis + ' ' + i + '/' + j); return bad; })))";

    /**
     * Opens a page and checks what a reader sees of its charts at a desktop's 1280 px and a phone's 400 px: all drawn,
     * no console error, every label inside its figure, no tick labels on top of each other. Saves a screenshot of each
     * chart at both widths in build/ to look at. Returns the browser, still open on the page at 1280 px.
     */
    static Browser openAndCheckCharts(Path page, String name) throws Exception {
        int expected = (int) Pattern.compile("<figure class=\"chart\"").matcher(Files.readString(page)).results().count();
        assertTrue(expected >= 5, "charts in the page: " + expected);
        Browser b = new Browser();
        try {
            b.open(page);
            assertEquals(String.valueOf(expected), b.await("document.documentElement.dataset.charts || null", 60), "charts drawn; errors: " + b.errors());
            List<String> ids = Pattern.compile("<figure class=\"chart\" id=\"(figure-[^\"]+)\"").matcher(Files.readString(page)).results().map(m -> m.group(1)).toList();
            for (int width : new int[] {1280, 400}) {
                b.size(width, 900);
                assertEquals(String.valueOf(width), b.await("document.documentElement.dataset.fitted === '" + width + "' ? '" + width + "' : null", 30),
                        "charts fitted at " + width + " px");
                assertEquals("[]", b.eval(OUTSIDE), name + " at " + width + " px: labels outside their figure");
                assertEquals("[]", b.eval(OVERLAPS), name + " at " + width + " px: overlapping tick labels");
                // Nothing makes the page wider than the screen: wide charts and tables scroll inside their own box.
                assertEquals("[]", b.eval("JSON.stringify([...document.body.children].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
                        + ".map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + (e.className || '')))"), name + " at " + width + " px: wider than the screen");
                for (String id : ids) b.screenshot(ROOT.resolve("build/charts/" + name + "-" + width + "/" + id + ".png"), "#" + id);
            }
            b.size(1280, 900);
            b.await("document.documentElement.dataset.fitted === '1280' ? '1' : null", 30);
            assertEquals(List.of(), b.errors(), "console errors");
            return b;
        } catch (Exception | Error e) {
            b.close();
            throw e;
        }
    }

    @Test
    void chromiumDrawsTheChineseEditionInACjkFontWithEveryLabelInside() throws Exception {
        Assumptions.assumeTrue(Browser.available(), "chromium is not installed (.ci/run installs it)");
        try (Browser b = openAndCheckCharts(renderChinese(), "zh")) {
            List<String> fonts = b.platformFonts("body > p:nth-of-type(2)");
            assertTrue(fonts.stream().anyMatch(f -> f.matches("(?i).*(CJK|Han|SC|Hei|Song|Ming|WenQuanYi|Droid Sans Fallback).*")),
                    "a Chinese paragraph is drawn in a CJK font (Debian: fonts-noto-cjk), not: " + fonts);
        }
    }

    @Test
    void chromiumDrawsEveryChartOfflineWithEveryLabelInsideAndNoRequests() throws Exception {
        Assumptions.assumeTrue(Browser.available(), "chromium is not installed (.ci/run installs it)");
        try (Browser b = openAndCheckCharts(render(), "en")) {
            String perChart = b.eval("JSON.stringify([...document.querySelectorAll('figure.chart')]"
                    + ".map(f => f.querySelectorAll('svg.main-svg').length))");
            assertFalse(perChart.matches(".*\\b0\\b.*"), "a chart without its plot SVG: " + perChart);
            // At 1280 px each chart's plotting area (between its axes) spans most of the text column; the labels'
            // room comes first (checked above), so this rule only catches a chart squeezed for no reason.
            String narrow = b.eval("JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => ({id: f.id, "
                    + "plot: f.querySelector('.draglayer .nsewdrag').getBoundingClientRect().width, column: f.getBoundingClientRect().width}))"
                    + ".filter(c => c.plot < 0.8 * c.column))");
            assertEquals("[]", narrow, "charts whose plot area is under 80% of the column");
            for (String url : b.requests())
                assertTrue(url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:") || url.equals("about:blank"),
                        "a request left the file: " + url);
            Path shot = ROOT.resolve("build/article-screenshot.png");
            b.screenshot(shot);
            assertTrue(Files.size(shot) > 50_000, "screenshot saved: " + shot);
        }
    }

    /** The committed SVG exports of both editions: every text inside the image's own box, as an editor would show it. */
    @Test
    void everyTextOfTheExportedSvgsIsInsideTheImage() throws Exception {
        Assumptions.assumeTrue(Browser.available(), "chromium is not installed (.ci/run installs it)");
        List<Path> svgs = new java.util.ArrayList<>();
        for (String images : List.of("article/images", "article/zh/images"))
            try (var s = Files.list(ROOT.resolve(images))) {
                s.filter(p -> p.toString().endsWith(".svg")).sorted().forEach(svgs::add);
            }
        assertTrue(svgs.size() >= 10, "exported SVGs: " + svgs);
        try (Browser b = new Browser()) {
            for (Path svg : svgs) {
                b.open(svg);
                String outside = b.eval("(() => { const box = document.documentElement.getBoundingClientRect();"
                        + " return JSON.stringify([...document.querySelectorAll('text')].filter(t => t.textContent.trim() !== '')"
                        + ".map(t => [t.textContent, t.getBoundingClientRect()]).filter(([s, r]) => r.width > 0 && (r.left < box.left - 1"
                        + " || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)).map(([s]) => s.slice(0, 40))); })()");
                assertEquals("[]", outside, ROOT.relativize(svg) + ": texts outside the image");
            }
        }
    }
}
