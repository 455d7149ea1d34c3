import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The published article: rendered from data/, self-contained, and drawn by a real browser offline. */
class ArticleTest {
    static final Path ROOT = Runs.dataDir().getParent();

    @TempDir Path dir;

    /** The page as the renderer makes it from the committed article source and data. */
    Path render() throws Exception {
        Path page = dir.resolve("index.html");
        Steps r = Steps.run(new article(), java.util.Map.of(), "--reuse-data", "--out", page.toString());
        assertEquals(Lab.SHOWN, r.code(), r.out() + r.err());
        return page;
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

    @Test
    void chromiumDrawsEveryChartOfflineWithoutErrorsOrRequests() throws Exception {
        Assumptions.assumeTrue(Browser.available(), "chromium is not installed (.ci/run installs it)");
        Path page = render();
        int expected = (int) Pattern.compile("<figure class=\"chart\"").matcher(Files.readString(page)).results().count();
        assertTrue(expected >= 5, "charts in the page: " + expected);
        try (Browser b = new Browser()) {
            b.open(page);
            String drawn = b.await("document.documentElement.dataset.charts || null", 60);
            assertEquals(String.valueOf(expected), drawn, "charts drawn; errors: " + b.errors());
            String perChart = b.eval("JSON.stringify([...document.querySelectorAll('figure.chart')]"
                    + ".map(f => f.querySelectorAll('svg.main-svg').length))");
            assertFalse(perChart.matches(".*\\b0\\b.*"), "a chart without its plot SVG: " + perChart);
            assertEquals(List.of(), b.errors(), "console errors");
            for (String url : b.requests())
                assertTrue(url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:") || url.equals("about:blank"),
                        "a request left the file: " + url);
            Path shot = ROOT.resolve("build/article-screenshot.png");
            b.screenshot(shot);
            assertTrue(Files.size(shot) > 50_000, "screenshot saved: " + shot);
        }
    }
}
