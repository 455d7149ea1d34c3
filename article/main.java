///usr/bin/env jbang "$0" "$@" ; exit $?
// `jbang article` from the repo root finds this folder before the catalog's alias, and JBang runs a folder's
// main.java from a copy, so it cannot include the renderer: it hands over to scripts/article.java instead.

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class main {
    public static void main(String... args) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("jbang-catalog.json"))) root = root.getParent();
        if (root == null) {
            System.err.println("E: run this from the HWM Lab repo");
            System.exit(3);
        }
        List<String> cmd = new ArrayList<>(List.of(root.resolve("jbang").toString(), root.resolve("scripts/article.java").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));   // Ctrl-C reaches the renderer too
        System.exit(p.waitFor());
    }
}
