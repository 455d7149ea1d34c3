#!/usr/bin/env bash
# JeroMQ's own whole test suite, stock and patched (fix/jeromq/rep-stale-hwm*.patch), on one ref of a JeroMQ checkout:
#
#   fix/jeromq/upstream-suite.sh CHECKOUT REF        e.g.  fix/jeromq/upstream-suite.sh ~/src/jeromq v0.6.0
#                                                           fix/jeromq/upstream-suite.sh ~/src/jeromq master
#
# CHECKOUT is a JeroMQ git repository (a work tree or a bare one); it is only read: REF is exported with
# `git archive` twice into a temporary folder, once as it is (stock) and once with the patch for its layout
# (src/ as in 0.6.0: rep-stale-hwm.patch; jeromq-core/ as on master: rep-stale-hwm-master.patch). The kit's
# regression test fix/jeromq/TestRepStaleHwm.java is added to both trees. On each tree the whole suite runs once:
#   mvn -B -ntp test -Dcheckstyle.skip -Djacoco.skip=true -Dmaven.test.failure.ignore=true [-pl jeromq-core -am]
# (JeroMQ's Surefire configuration reruns a failing test up to 5 times itself). Then every test that failed on the
# patched build is run again 3 times on each build (-Dtest=...), alternating patched and stock, and the verdict for
# each is printed: it counts against the patch only if it failed on the patched build and passed on stock.
# One row per build is appended to data/upstream.csv:
#   timestamp,project,ref,commit,build,tests,failed,skipped,failing,flaky,seconds,java,compiler,os,cpus
# (timestamp = the start of that build's suite; tests/failed/skipped from the Surefire reports, failed = failures +
# errors; failing = Class#method names, space-separated; flaky = those of the patched build that passed every patched
# rerun, or that passed the stock suite but failed a stock rerun; seconds = wall time of the whole-suite mvn command,
# compilation included).
# Logs, reports and the rerun table are kept in build/upstream/jeromq-<ref>-<time>/ once a suite has started.
#
# Exit: 0 both suites ran, nothing counts against the patch and the regression test failed stock and passed patched;
#       1 both suites ran (rows written) but a test counts against the patch or the regression test did not behave;
#       2 usage; 3 bad input or the run could not be done (not a checkout, unknown ref, not a JeroMQ tree, patch does
#       not apply, build fails, a command timed out, tool missing): one line on stderr, no row written.
# Environment: SUITE_TIMEOUT (s, default 5400) bounds each whole-suite run, RERUN_TIMEOUT (s, default 1800) each
# rerun, EXPORT_TIMEOUT (s, default 600) each git command; RERUNS (default 3); KEEP_TREES=1 keeps the trees.
set -uo pipefail

die() { echo "upstream-suite: $*" >&2; exit 3; }

[ $# -eq 2 ] || { echo "usage: $0 CHECKOUT REF" >&2; exit 2; }
checkout=$1
ref=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/fix/upstream-common.sh"
SUITE_TIMEOUT=${SUITE_TIMEOUT:-5400}
RERUN_TIMEOUT=${RERUN_TIMEOUT:-1800}
EXPORT_TIMEOUT=${EXPORT_TIMEOUT:-600}
RERUNS=${RERUNS:-3}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

for tool in git mvn tar patch timeout "$JAVA"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
[ -d "$checkout" ] || die "not a directory: $checkout"
timeout "$EXPORT_TIMEOUT" git -C "$checkout" rev-parse --git-dir >/dev/null 2>&1 || die "not a git checkout: $checkout"
commit=$(timeout "$EXPORT_TIMEOUT" git -C "$checkout" rev-parse --verify --quiet "$ref^{commit}") \
    || die "unknown ref in $checkout: $ref"
label=${ref#v}                                   # v0.6.0 -> 0.6.0, master -> master
[ -f "$root/fix/jeromq/TestRepStaleHwm.java" ] || die "the kit's regression test is missing: fix/jeromq/TestRepStaleHwm.java"

work_folder jeromq                             # tmp, logs, saved; the logs kept on exit once a suite has started

# --- the two trees --------------------------------------------------------------------------------------------------
for build in stock patched; do
    mkdir -p "$tmp/$build"
    timeout "$EXPORT_TIMEOUT" git -C "$checkout" archive --format=tar "$commit" | tar -x -C "$tmp/$build" \
        || die "cannot export $ref from $checkout"
done
if [ -d "$tmp/stock/jeromq-core/src/main/java/zmq" ]; then
    core=jeromq-core; patchfile=$here/rep-stale-hwm-master.patch; modules=(-pl jeromq-core -am)
elif [ -d "$tmp/stock/src/main/java/zmq" ]; then
    core=.; patchfile=$here/rep-stale-hwm.patch; modules=()
else
    die "not a JeroMQ tree at $ref: neither src/main/java/zmq nor jeromq-core/src/main/java/zmq"
fi
[ -f "$patchfile" ] || die "missing $patchfile"
( cd "$tmp/patched" && patch -p1 --batch --forward --fuzz=0 --dry-run <"$patchfile" >"$logs/patch.log" 2>&1 \
    && patch -p1 --batch --forward --fuzz=0 <"$patchfile" >>"$logs/patch.log" 2>&1 ) \
    || die "$(basename "$patchfile") does not apply to $ref ($commit)"
for build in stock patched; do
    dir=$tmp/$build/$core/src/test/java/zmq/socket/reqrep
    mkdir -p "$dir" && cp "$root/fix/jeromq/TestRepStaleHwm.java" "$dir/" || die "cannot add the regression test"
done

# --- Surefire reports -> "tests=N failed=N skipped=N" then "FAIL name" / "PASS name" lines ---------------------------
cat >"$tmp/SurefireSummary.java" <<'EOF'
import java.nio.file.*;
import java.util.*;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.*;

public class SurefireSummary {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int tests = 0, failed = 0, skipped = 0;
        Set<String> failing = new LinkedHashSet<>(), passing = new LinkedHashSet<>();
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dir))
            try (var s = Files.list(dir)) { s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().forEach(files::add); }
        for (Path p : files) {
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(p.toFile());
            NodeList cases = d.getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element c = (Element) cases.item(i);
                String name = (c.getAttribute("classname") + "#" + c.getAttribute("name")).replaceAll("\\s+", "_");
                boolean fail = false, skip = false;
                for (Node n = c.getFirstChild(); n != null; n = n.getNextSibling()) {
                    if (!(n instanceof Element)) continue;
                    String tag = ((Element) n).getTagName();      // flakyFailure, rerunFailure... are not failures
                    if (tag.equals("failure") || tag.equals("error")) fail = true;
                    else if (tag.equals("skipped")) skip = true;
                }
                tests++;
                if (fail) { failed++; failing.add(name); }
                else if (skip) skipped++;
                else passing.add(name);
            }
        }
        System.out.println("tests=" + tests + " failed=" + failed + " skipped=" + skipped);
        failing.forEach(n -> System.out.println("FAIL " + n));
        passing.forEach(n -> System.out.println("PASS " + n));
    }
}
EOF

reports() { echo "$tmp/$1/$core/target/surefire-reports"; }
summarize() { timeout 300 "$JAVA" "$tmp/SurefireSummary.java" "$1"; }

properties=$("$JAVA" -XshowSettings:properties -version 2>&1)
prop() { sed -n "s/^ *$1 = //p" <<<"$properties" | head -1; }
java_version=$(prop java.runtime.version)
compiler="javac $("${JAVA_HOME:+$JAVA_HOME/bin/}javac" -version 2>&1 | awk '{print $2}')"
os="$(prop os.name) $(prop os.version) $(prop os.arch)"
cpus=$(nproc)

# --- the whole suite, once per build ---------------------------------------------------------------------------------
declare -A secs summary started
for build in stock patched; do
    echo "I: JeroMQ $ref ($commit) $build: mvn test (the whole suite; log ${saved#$root/}/$build.log)" >&2
    keep_logs=1
    echo "I: load before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$logs/$build.log"
    started[$build]=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    start=$(date +%s.%N)
    ( cd "$tmp/$build" && timeout -k 60 "$SUITE_TIMEOUT" mvn -B -ntp test -Dcheckstyle.skip -Djacoco.skip=true \
          -Dmaven.test.failure.ignore=true "${modules[@]}" ) >>"$logs/$build.log" 2>&1
    rc=$?
    secs[$build]=$(echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}')
    [ $rc -eq 124 ] && die "the $build suite timed out after ${SUITE_TIMEOUT}s (log ${saved#$root/}/$build.log)"
    if ! compgen -G "$(reports "$build")/TEST-*.xml" >/dev/null; then
        die "the $build build fails (mvn exit $rc, no test reports; log ${saved#$root/}/$build.log)"
    fi
    [ $rc -ne 0 ] && echo "W: mvn exited $rc on the $build build although reports exist (a forked JVM may have died); see ${saved#$root/}/$build.log" >&2
    cp -r "$(reports "$build")" "$logs/$build-surefire-reports"
    summary[$build]=$(summarize "$(reports "$build")") || die "cannot read the $build Surefire reports"
    echo "I: $build: $(head -1 <<<"${summary[$build]}") in ${secs[$build]} s" >&2
done

# --- reruns of what failed on the patched build; the regression test must fail stock and pass patched ---------------
# -Dtest=Class#m1+m2,Other#m3 (parameterised names lose their [..] suffix: all their cases run)
rerun() {
    local pattern
    pattern=$(printf '%s\n' "${patched_failing[@]}" | sed 's/\[.*$//' | sort -u \
        | awk -F'#' '{if ($1 in m) m[$1] = m[$1] "+" $2; else m[$1] = $2} END {for (c in m) printf "%s%s#%s", (n++ ? "," : ""), c, m[c]}')
    rm -rf "$(reports "$1")"
    ( cd "$tmp/$1" && timeout -k 60 "$RERUN_TIMEOUT" mvn -B -ntp test -Dcheckstyle.skip -Djacoco.skip=true \
          -Dmaven.test.failure.ignore=true -Dsurefire.failIfNoSpecifiedTests=false -DfailIfNoTests=false \
          "-Dtest=$pattern" "${modules[@]}" ) >>"$logs/rerun-$1-$2.log" 2>&1
    [ $? -eq 124 ] && echo "W: rerun $2 on $1 timed out" >&2
    summarize "$(reports "$1")" 2>/dev/null
}
judge_patched_failures
judge_regression zmq.socket.reqrep.TestRepStaleHwm#testRepDoesNotDropReplyOnStaleHwm

# --- rows, appended atomically ---------------------------------------------------------------------------------------
append_rows jeromq "$java_version" "$compiler" "$os" "$cpus"
for build in stock patched; do
    echo "$build: $(head -1 <<<"${summary[$build]}") in ${secs[$build]} s; failing: $(failing_of "$build" | tr '\n' ' ')"
done
exit $status
