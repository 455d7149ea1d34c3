//DEPS org.webjars.npm:plotly.js-dist:2.35.3
//DEPS org.webjars:highlightjs:11.10.0

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

/**
 * One self-contained HTML page that works offline from file://: plotly.js and highlight.js come from their
 * Maven webjars and are inlined. plotly.js (10 MB unminified; the only 2.x build on Maven Central) travels
 * gzip-compressed and is unpacked by the browser's DecompressionStream before the charts are drawn.
 */
final class Page {
    // plotly.js 2.x: with 3.x the titles Tablesaw writes (layout.title as a string) are not drawn.
    static final String PLOTLY = "META-INF/resources/webjars/plotly.js-dist/2.35.3/plotly.js";
    static final String HLJS = "META-INF/resources/webjars/highlightjs/11.10.0/";

    private Page() { }

    static String resource(String path) {
        try (InputStream in = Page.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new LabException("resource " + path + " is missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new LabException("cannot read resource " + path + ": " + e.getMessage());
        }
    }

    static String gzipBase64(String text) {
        var bytes = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A code block from a file of the repo: its path, whether it is the whole file, a copy button. */
    static String code(String path, boolean whole, String code, Edition e) {
        return "<div class=\"code\"><div class=\"code-head\"><code>" + escape(path) + "</code> <span>"
                + (!whole ? e.word("excerpt") : path.endsWith(".java") ? e.word("the whole file: copy it and run it with") + " <code>jbang run</code>"
                : path.endsWith(".py") ? e.word("the whole file: copy it and run it with") + " <code>python3</code>"
                : e.word("the whole file")) + "</span><button type=\"button\" class=\"copy\">" + e.word("Copy") + "</button></div>"
                + "<pre><code class=\"language-" + (path.endsWith(".patch") ? "diff" : path.endsWith(".c") ? "c" : path.endsWith(".py") ? "python" : "java") + "\">"
                + escape(code) + "</code></pre></div>\n";
    }

    /** A chart: its div, its caption, and its drawing code, deferred until plotly.js is unpacked. */
    static String chart(Charts.Chart c) {
        return chart(c, null);
    }

    /** The same in an edition's language (titles, axes, legend and caption from its strings). */
    static String chart(Charts.Chart c, Edition edition) {
        String caption = escape(c.caption());
        if (edition != null) caption = edition.chart(caption);
        return "<figure class=\"chart\" id=\"figure-" + c.id() + "\">" + c.figure().divString(c.id())
                + "<script>window.hwmCharts.push(function () {" + drawing(c, edition) + "});</script>"
                + "<figcaption>" + caption + " <span class=\"chart-files\"><a href=\"images/" + c.id() + ".svg\">SVG</a> · <a href=\"images/"
                + c.id() + ".png\">PNG</a></span></figcaption></figure>\n";
    }

    /**
     * The body of a function that draws the chart into the element with its id once plotly.js is there, and returns
     * plotly's promise; in the edition's language when one is given. The page and the notebook draw with it.
     */
    static String drawing(Charts.Chart c, Edition edition) {
        // Responsive: no fixed width (Tablesaw writes 700 px); the layout is finished by hwmLayout() (LAYOUT).
        String js = c.figure().asJavascript(c.id()).replace("<script>", "").replace("</script>", "")
                .replaceAll("(?m)^\\s*width: \\d+,\\s*$", "")
                .replace("Plotly.newPlot(target_" + c.id() + ", data, layout)",
                        "return Plotly.newPlot(target_" + c.id() + ", hwmData(data), hwmLayout(layout), {responsive: true, displaylogo: false, displayModeBar: false})");
        return edition == null ? js : edition.chart(js);
    }

    /** The whole page around a body that may contain charts. */
    static String html(String title, String body) {
        return html(title, body, "en", "");
    }

    /** The same in a language, with a link to the other edition at the top. */
    static String html(String title, String body, Edition edition) {
        return html(title, "<p class=\"edition\"><a href=\"" + edition.otherHref() + "\" hreflang=\"" + (edition.lang().equals("en") ? "zh-CN" : "en")
                + "\">" + edition.otherName() + "</a></p>\n" + body, edition.lang(), edition.lang().startsWith("zh") ? CJK : "");
    }

    // Chinese text in a CJK font where the reader has one (Debian: fonts-noto-cjk), not in the Latin fallback's boxes.
    private static final String CJK = "body { font-family: system-ui, 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', "
            + "'PingFang SC', 'Microsoft YaHei', sans-serif; }";

    private static String html(String title, String body, String lang, String css) {
        return "<!DOCTYPE html>\n<html lang=\"" + lang + "\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + escape(title) + "</title>\n<style>" + CSS + css + resource(HLJS + "styles/github.min.css") + "</style>\n"
                + "<script>window.hwmCharts = [];" + LAYOUT + "</script>\n</head><body>\n" + body
                + "\n<script type=\"application/gzip;base64\" id=\"plotly-gz\">" + gzipBase64(resource(PLOTLY)) + "</script>\n"
                + "<script>" + resource(HLJS + "highlight.min.js") + "</script>\n"
                + "<script>" + LOADER + "</script>\n</body></html>\n";
    }

    // Every chart: the full column width, the legend in a row above the plot (beside it, it ate a third of the width),
    // axes that make room for their tick labels and titles.
    static final String LAYOUT = """
            window.hwmLayout = function (l) {
              delete l.width; l.autosize = true;
              l.legend = Object.assign({orientation: 'h', x: 0, xanchor: 'left', y: 1.02, yanchor: 'bottom'}, l.legend || {});
              l.margin = Object.assign({l: 10, r: 10, t: 100, b: 10}, l.margin || {});
              l.xaxis = l.xaxis || {}; l.yaxis = l.yaxis || {};   // an axis the chart left unset still makes room for its labels
              if (typeof l.title === 'string') l.title = {text: hwmWrap(l.title)};
              for (const k of Object.keys(l)) if (/^[xy]axis\\d*$/.test(k)) {
                l[k].automargin = true;
                if (l[k].type === 'log') l[k].dtick = 1;   // powers of ten only: the 2s and 5s between them collide
              }
              return l;
            };
            // A long title on lines of at most ~44 characters (Chinese: 22), so that it fits a phone before anything widens.
            window.hwmWrap = function (text) {
              const cjk = /[\u3000-\u9fff\uff00-\uffef]/.test(text), max = cjk ? 22 : 44, lines = [];
              let line = '';
              for (const word of cjk ? text.match(/[\u3000-\u9fff\uff00-\uffef]|[^\u3000-\u9fff\uff00-\uffef]+/g) : text.split(' ')) {
                const next = line === '' ? word : line + (cjk ? '' : ' ') + word;
                if (line !== '' && next.length > max) { lines.push(line); line = word; } else line = next;
              }
              return lines.concat(line === '' ? [] : [line]).join('<br>');
            };
            // After drawing, and after each change of the window's width: a chart whose labels collide or stick out of its
            // figure is widened (its figure then scrolls sideways on a small screen), until every label has room.
            window.hwmCrowded = function (gd) {
              const svg = gd.querySelector('svg.main-svg').getBoundingClientRect(), texts = [...gd.querySelectorAll('svg text')]
                .filter(t => t.textContent.trim() !== '').map(t => t.getBoundingClientRect()).filter(r => r.width > 0);
              if (texts.some(r => r.left < svg.left - 1 || r.right > svg.right + 1 || r.top < svg.top - 1 || r.bottom > svg.bottom + 1)) return true;
              const ticks = [...gd.querySelectorAll('g.xtick text')].map(t => t.getBoundingClientRect()).filter(r => r.width > 0);
              return ticks.some((a, i) => ticks.slice(i + 1).some(b => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1));
            };
            window.hwmFit = async function () {
              for (const gd of document.querySelectorAll('figure.chart > div.js-plotly-plot')) await hwmFitOne(gd);
              document.documentElement.dataset.fitted = String(window.innerWidth);
            };
            window.hwmFitOne = async function (gd) {
              gd.style.minWidth = '';
              await Plotly.Plots.resize(gd);
              for (let i = 0; i < 12 && hwmCrowded(gd); i++) {
                gd.style.minWidth = Math.ceil(gd.getBoundingClientRect().width * 1.15) + 'px';
                await Plotly.Plots.resize(gd);
              }
            };
            // plotly.js from the element that carries it gzip-compressed, base64-encoded (the page's, or a notebook output's).
            window.hwmPlotly = async function (id) {
              if (window.Plotly) return;
              const bytes = Uint8Array.from(atob(document.getElementById(id).textContent), c => c.charCodeAt(0));
              const s = document.createElement('script');
              s.textContent = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
              document.head.appendChild(s);
            };
            // A heatmap's colour bar lies in a row above the plot, right of the legend, instead of taking width beside it.
            // Each trace named by its place (plotly would draw a random id, and the exported SVG would change every time).
            window.hwmData = function (d) {
              d.forEach((t, i) => t.uid = t.uid || 'trace' + i);
              for (const t of d) if (t.type === 'heatmap')
                t.colorbar = {orientation: 'h', x: 1, xanchor: 'right', y: 1.02, yanchor: 'bottom', len: 0.35, thickness: 10,
                              title: {text: document.documentElement.lang.startsWith('zh') ? '丢失率的 log10' : 'log10 rate', side: 'top'}};
              return d;
            };
            """;

    private static final String LOADER = """
            hljs.highlightAll();
            // Copy works offline, from file:// too: the Clipboard API where the page may use it, else a selection.
            for (const button of document.querySelectorAll('button.copy')) button.addEventListener('click', async () => {
              const text = button.closest('.code').querySelector('pre code').textContent;
              try { await navigator.clipboard.writeText(text); }
              catch (e) {
                const area = Object.assign(document.createElement('textarea'), {value: text});
                document.body.appendChild(area); area.select(); document.execCommand('copy'); area.remove();
              }
              const label = button.textContent; button.textContent = '✓'; setTimeout(() => button.textContent = label, 1500);
            });
            (async function () {
              await hwmPlotly('plotly-gz');
              await Promise.all(window.hwmCharts.map(draw => draw()));
              await hwmFit();
              let resized;
              addEventListener('resize', () => { clearTimeout(resized); resized = setTimeout(hwmFit, 200); });
              document.documentElement.dataset.charts = String(window.hwmCharts.length);
            })().catch(e => { console.error('charts not drawn: ' + e); document.documentElement.dataset.charts = 'failed'; });
            """;

    private static final String CSS = """
            body { font: 16px/1.6 system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
            h1 { font-size: 2rem; line-height: 1.25; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2.5rem; }
            code { font: 0.9em ui-monospace, 'SFMono-Regular', Menlo, monospace; background: #f6f8fa; padding: .1em .3em; border-radius: 4px; }
            pre { background: #f6f8fa; padding: 1rem; overflow-x: auto; border-radius: 6px; } pre code { padding: 0; background: none; }
            pre.output { background: #0d1117; color: #e6edf3; } pre.output code { color: #e6edf3; }
            table { border-collapse: collapse; margin: 1rem 0; font-size: .9rem; } th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: right; }
            th { background: #f6f8fa; } td:first-child, th:first-child { text-align: left; }
            figure.chart { margin: 1.5rem 0; overflow-x: auto; } figure.chart > div { width: 100%; } figcaption { font-size: .85rem; color: #57606a; }
            details.table > summary { cursor: pointer; color: #0969da; margin: .5rem 0; } .table-wrap { overflow-x: auto; }
            table.upstream td:first-child { white-space: nowrap; } table.upstream td:nth-child(n+9) { text-align: left; }   /* a run's time on one line; test names read from the left */
            .table-wrap > table { min-width: 40rem; word-break: keep-all; }   /* a phone scrolls a data table sideways rather than crush its columns (or split a Chinese word) */
            body > table { display: block; overflow-x: auto; }   /* the prose tables too, inside their own box */
            p.reproduce { font-size: .9rem; background: #fff8c5; padding: .4rem .8rem; border-radius: 6px; }
            nav.toc { background: #f6f8fa; padding: .5rem 1.5rem; border-radius: 6px; } nav.toc ul { margin: .2rem 0; }
            .verdict { font-weight: 600; } p.edition { text-align: right; margin: 0; }
            div.code { margin: 1rem 0; } div.code pre { margin: 0; border-radius: 0 0 6px 6px; }
            .code-head { display: flex; gap: .6rem; align-items: center; font-size: .85rem; color: #57606a; background: #eaeef2; padding: .3rem .8rem; border-radius: 6px 6px 0 0; }
            .code-head button { margin-left: auto; font: inherit; cursor: pointer; border: 1px solid #d0d7de; border-radius: 6px; background: #fff; padding: .1rem .6rem; }
            """;
}
