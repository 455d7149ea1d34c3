import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * Each chart of a rendered page as SVG and PNG, for slides and issues: drawn by plotly's own image export in headless
 * Chromium, from the page itself, offline. Written atomically beside the page, in images/, where each chart links them.
 */
final class ChartImages {
    private ChartImages() { }

    /** Exports the charts `ids` of `page` into `dir`; returns how many files were written. */
    static int export(Path page, Path dir, List<String> ids) throws Exception {
        try (Browser b = new Browser()) {
            return export(b, page, dir, ids);
        }
    }

    /** The same in a browser that is already running (the notebook's kernel keeps one for all its charts). */
    static int export(Browser b, Path page, Path dir, List<String> ids) throws Exception {
        int written = 0;
        b.open(page);
        String drawn = b.await("document.documentElement.dataset.charts || null", 60);
        if (!String.valueOf(ids.size()).equals(drawn))
            throw new LabException("the charts of " + Runs.shown(page) + " were not drawn (" + drawn + "): " + b.errors());
        Files.createDirectories(dir);
        for (String id : ids)
            for (String format : List.of("svg", "png")) {
                String url = b.evalPromise("(g => Plotly.toImage(g, {format: '" + format + "', width: 1000, height: g._fullLayout.height}))"
                        + "(document.getElementById('" + id + "'))");
                String data = url.substring(url.indexOf(',') + 1);
                byte[] bytes = format.equals("png") ? Base64.getDecoder().decode(data)
                        : stable(URLDecoder.decode(data, StandardCharsets.UTF_8), id).getBytes(StandardCharsets.UTF_8);
                Path tmp = Files.createTempFile(dir, "." + id, ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, dir.resolve(id + "." + format), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                written++;
            }
        return written;
    }

    /**
     * An SVG whose element ids do not change from one export to the next: plotly names its clip paths, legend and
     * gradients after a random id of the plot; they are named after the chart instead (unique where several SVGs share
     * a document, as in the notebook), so the same data gives the same file.
     */
    static String stable(String svg, String id) {
        java.util.regex.Matcher uid = java.util.regex.Pattern.compile("id=\"defs-(\\w+)\"").matcher(svg);
        return uid.find() ? svg.replaceAll("(?<=clip|defs-|legend|[#\"]g)" + uid.group(1), id) : svg;
    }
}
