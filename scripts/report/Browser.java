//DEPS com.google.code.gson:gson:2.13.1

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven over the DevTools protocol (Java's own WebSocket client, loopback only):
 * opens a page, records every network request and every console error, evaluates JavaScript, takes screenshots.
 * The article job exports the charts' static images with it; the tests check the rendered pages with it.
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";

    private final Process process;
    private final Path profile;
    private final WebSocket ws;
    private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();
    private int nextId = 1;
    private String session;

    static boolean available() { return Files.isExecutable(Path.of(CHROMIUM)); }

    Browser() throws Exception {
        profile = Files.createTempDirectory("chromium");
        process = new ProcessBuilder(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank")
                .redirectErrorStream(true).start();
        try {
            String url = devtoolsUrl();
            ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(url), new Listener()).get(20, TimeUnit.SECONDS);
            JsonObject target = call(null, "Target.createTarget", "{\"url\":\"about:blank\"}");
            session = call(null, "Target.attachToTarget", "{\"targetId\":\"" + target.get("targetId").getAsString() + "\",\"flatten\":true}")
                    .get("sessionId").getAsString();
            for (String domain : List.of("Network", "Runtime", "Log", "Page")) call(session, domain + ".enable", "{}");
            size(1280, 900);
        } catch (Exception | Error e) {   // no browser left behind
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            deleteProfile();
            throw e;
        }
    }

    private String devtoolsUrl() throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getInputStream()));
        Pattern p = Pattern.compile("DevTools listening on (ws://\\S+)");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (String line; System.nanoTime() < end && (line = err.readLine()) != null; ) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> { try { while (err.readLine() != null) { } } catch (IOException ignored) { } });
                drain.setDaemon(true);
                drain.start();
                return m.group(1);
            }
        }
        throw new IllegalStateException("chromium did not start its DevTools endpoint");
    }

    synchronized JsonObject call(String sessionId, String method, String params) throws Exception {
        int id = nextId++;
        CompletableFuture<JsonObject> reply = new CompletableFuture<>();
        pending.put(id, reply);
        ws.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params
                + (sessionId == null ? "" : ",\"sessionId\":\"" + sessionId + "\"") + "}", true).get(10, TimeUnit.SECONDS);
        JsonObject r;
        try {
            r = reply.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            pending.remove(id);
            throw new IllegalStateException("chromium did not answer " + method + " in 30 s");
        }
        if (r.has("error")) throw new IllegalStateException(method + ": " + r.get("error"));
        return r.getAsJsonObject("result");
    }

    void open(Path file) throws Exception {
        call(session, "Page.navigate", "{\"url\":\"" + file.toUri() + "\"}");
    }

    /** The value of a JavaScript expression in the page, as a string (JSON for objects). */
    String eval(String expression) throws Exception {
        JsonObject r = call(session, "Runtime.evaluate", "{\"expression\":" + new com.google.gson.Gson().toJson(expression) + ",\"returnByValue\":true}");
        var value = r.getAsJsonObject("result").get("value");
        return value == null || value.isJsonNull() ? null : value.isJsonPrimitive() ? value.getAsString() : value.toString();
    }

    /** The value a JavaScript promise resolves to, as a string. */
    String evalPromise(String expression) throws Exception {
        JsonObject r = call(session, "Runtime.evaluate", "{\"expression\":" + new com.google.gson.Gson().toJson(expression)
                + ",\"returnByValue\":true,\"awaitPromise\":true}");
        if (r.has("exceptionDetails")) throw new IllegalStateException("in the page: " + r.get("exceptionDetails"));
        var value = r.getAsJsonObject("result").get("value");
        return value == null || value.isJsonNull() ? null : value.getAsString();
    }

    /** The window's size in CSS pixels, as a reader's screen would be. */
    void size(int width, int height) throws Exception {
        call(session, "Emulation.setDeviceMetricsOverride", "{\"width\":" + width + ",\"height\":" + height + ",\"deviceScaleFactor\":1,\"mobile\":false}");
    }

    /** Waits until the expression is non-null (or the time runs out); returns its last value. */
    String await(String expression, long seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String v = eval(expression);
        while (v == null && System.nanoTime() < end) {
            Thread.sleep(200);
            v = eval(expression);
        }
        return v;
    }

    /** URLs of every request the page made. */
    List<String> requests() {
        List<String> urls = new ArrayList<>();
        for (JsonObject e : events)
            if (e.get("method").getAsString().equals("Network.requestWillBeSent"))
                urls.add(e.getAsJsonObject("params").getAsJsonObject("request").get("url").getAsString());
        return urls;
    }

    /** Console errors, uncaught exceptions and error log entries, as text. */
    List<String> errors() {
        List<String> out = new ArrayList<>();
        for (JsonObject e : events) {
            String m = e.get("method").getAsString();
            JsonObject p = e.getAsJsonObject("params");
            if (m.equals("Runtime.exceptionThrown")) out.add("exception: " + p.getAsJsonObject("exceptionDetails"));
            if (m.equals("Runtime.consoleAPICalled") && p.get("type").getAsString().equals("error")) out.add("console.error: " + p.get("args"));
            if (m.equals("Log.entryAdded") && p.getAsJsonObject("entry").get("level").getAsString().equals("error"))
                out.add("log: " + p.getAsJsonObject("entry").get("text"));
        }
        return out;
    }

    /** The fonts Chromium really drew the first element matching the selector with (not the CSS list it asked for). */
    List<String> platformFonts(String selector) throws Exception {
        call(session, "DOM.enable", "{}");
        call(session, "CSS.enable", "{}");
        int root = call(session, "DOM.getDocument", "{}").getAsJsonObject("root").get("nodeId").getAsInt();
        int node = call(session, "DOM.querySelector", "{\"nodeId\":" + root + ",\"selector\":" + new com.google.gson.Gson().toJson(selector) + "}")
                .get("nodeId").getAsInt();
        List<String> fonts = new ArrayList<>();
        for (var f : call(session, "CSS.getPlatformFontsForNode", "{\"nodeId\":" + node + "}").getAsJsonArray("fonts"))
            fonts.add(f.getAsJsonObject().get("familyName").getAsString());
        return fonts;
    }

    /** A PNG of the whole page. */
    void screenshot(Path png) throws Exception {
        capture(png, "\"captureBeyondViewport\":true");
    }

    /**
     * A PNG of the first element matching the selector, scrolled into the window (a long page is taller than Chromium
     * can capture in one piece): what a reader sees of it, up to the window's height.
     */
    void screenshot(Path png, String selector) throws Exception {
        String box = eval("(e => { e.scrollIntoView(); const r = e.getBoundingClientRect(); return JSON.stringify({x: r.left + scrollX, "
                + "y: r.top + scrollY, width: r.width, height: Math.min(r.height, innerHeight), scale: 1}); })(document.querySelector('" + selector + "'))");
        capture(png, "\"clip\":" + box);
    }

    private void capture(Path png, String options) throws Exception {
        JsonObject r = call(session, "Page.captureScreenshot", "{\"format\":\"png\"," + options + "}");
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.write(png, Base64.getDecoder().decode(r.get("data").getAsString()));
    }

    @Override
    public void close() throws Exception {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the browser is killed below anyway
        }
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        deleteProfile();
    }

    private void deleteProfile() {
        Runs.deleteTree(profile);
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                JsonObject msg = JsonParser.parseString(partial.toString()).getAsJsonObject();
                partial.setLength(0);
                if (msg.has("id")) {
                    var f = pending.remove(msg.get("id").getAsInt());
                    if (f != null) f.complete(msg);
                } else if (msg.has("method")) {
                    events.add(msg);
                }
            }
            socket.request(1);
            return null;
        }
    }
}
