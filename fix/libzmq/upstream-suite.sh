#!/usr/bin/env bash
# libzmq's own whole test suite (cmake, make, ctest), stock and patched (fix/libzmq/rep-stale-hwm*.patch and
# fix/libzmq/router-handover*.patch):
#
#   fix/libzmq/upstream-suite.sh CHECKOUT_OR_TARBALL REF
#     fix/libzmq/upstream-suite.sh ~/src/libzmq v4.3.4              a libzmq git checkout (work tree or bare) and a ref
#     fix/libzmq/upstream-suite.sh ~/src/libzmq master
#     fix/libzmq/upstream-suite.sh zeromq3_4.3.4.orig.tar.gz 4.3.4   a source tarball (e.g. Debian's, see build.sh);
#                                                                    REF is then only the label of the rows
#
# The source is only read: REF is exported with `git archive` (or the tarball unpacked) twice into a temporary
# folder, once as it is (stock) and once with both patches, in this order: rep-stale-hwm, then router-handover, each
# as <name>-<ref>.patch if the kit has one for that ref, else <name>.patch (applied with offsets, no fuzz). The kit's
# two regression tests, fix/libzmq/test_rep_stale_hwm.cpp and fix/libzmq/test_router_handover_full.cpp, are added
# to both trees and wired in as libzmq's own tests are: the test list in tests/CMakeLists.txt and test_apps in
# Makefile.am (after test_reqrep_tcp), their _SOURCES/_LDADD/_CPPFLAGS lines in Makefile.am, and .gitignore (which
# already ignores tests/test* binaries in the refs checked, 4.3.4 and master; a line is added only if it does not).
# Each tree is configured with cmake (-DWITH_DOCS=OFF plus $CMAKE_OPTIONS), built, and its whole suite runs once
# with ctest -j1.
# Then every test that failed on the patched build runs again 3 times on each build (ctest -R), alternating
# patched and stock, and the verdict for each is printed: it counts against the patch only if it failed on the
# patched build and passed on stock. One row per build is appended to data/upstream.csv:
#   timestamp,project,ref,commit,build,tests,failed,skipped,failing,flaky,seconds,java,compiler,os,cpus
# (timestamp = the start of that build's suite; tests/failed/skipped as ctest counts them, one per test program;
# failing = test names, space-separated; flaky = those of the patched build that passed every patched rerun, or that
# passed the stock suite but failed a stock rerun; seconds = wall time of the ctest run, the build not included; java empty;
# commit = the commit for a checkout, tarball-sha256:<first 16 hex digits> for a tarball). Logs and the rerun table are kept in
# build/upstream/libzmq-<ref>-<time>/ once a build has started.
#
# Exit: 0 both suites ran, nothing counts against the patches, and both regression tests (test_rep_stale_hwm and
#         test_router_handover_full) failed stock and passed patched;
#       1 both suites ran (rows written) but a test counts against the patches or a regression test did not behave;
#       2 usage; 3 bad input or the run could not be done (not a checkout or tarball, unknown ref, not a libzmq tree,
#       patch does not apply, build fails, a command timed out, tool missing): one line on stderr, no row written.
# Environment: BUILD_TIMEOUT (s, default 3600) bounds each configure+build, SUITE_TIMEOUT (s, default 3600) each
# whole ctest run, RERUN_TIMEOUT (s, default 600) each rerun, EXPORT_TIMEOUT (s, default 600) each export; RERUNS
# (default 3); JOBS (default: nproc) for make; CMAKE_OPTIONS (extra cmake options, same for both builds);
# KEEP_TREES=1 keeps the trees.
set -uo pipefail

die() { echo "upstream-suite: $*" >&2; exit 3; }

[ $# -eq 2 ] || { echo "usage: $0 CHECKOUT_OR_TARBALL REF" >&2; exit 2; }
source_arg=$1
ref=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/fix/upstream-common.sh"
BUILD_TIMEOUT=${BUILD_TIMEOUT:-3600}
SUITE_TIMEOUT=${SUITE_TIMEOUT:-3600}
RERUN_TIMEOUT=${RERUN_TIMEOUT:-600}
EXPORT_TIMEOUT=${EXPORT_TIMEOUT:-600}
RERUNS=${RERUNS:-3}
JOBS=${JOBS:-$(nproc)}
read -r -a cmake_options <<<"${CMAKE_OPTIONS:-}"

for tool in cmake ctest tar patch timeout sha256sum awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
label=${ref#v}                                   # v4.3.4 -> 4.3.4, master -> master
regression_tests=(test_rep_stale_hwm test_router_handover_full)
patch_names=(rep-stale-hwm router-handover)   # applied in this order
for name in "${regression_tests[@]}"; do
    [ -f "$here/$name.cpp" ] || die "the kit's regression test is missing: fix/libzmq/$name.cpp"
done
for name in "${patch_names[@]}"; do
    [ -f "$here/$name-$label.patch" ] || [ -f "$here/$name.patch" ] || die "the kit's patch is missing: fix/libzmq/$name.patch"
done

work_folder libzmq                             # tmp, logs, saved; the logs kept on exit once a suite has started

# --- the two trees --------------------------------------------------------------------------------------------------
if [ -d "$source_arg" ]; then
    command -v git >/dev/null 2>&1 || die "git is not installed"
    timeout "$EXPORT_TIMEOUT" git -C "$source_arg" rev-parse --git-dir >/dev/null 2>&1 \
        || die "not a git checkout: $source_arg"
    commit=$(timeout "$EXPORT_TIMEOUT" git -C "$source_arg" rev-parse --verify --quiet "$ref^{commit}") \
        || die "unknown ref in $source_arg: $ref"
    for build in stock patched; do
        mkdir -p "$tmp/$build"
        timeout "$EXPORT_TIMEOUT" git -C "$source_arg" archive --format=tar "$commit" | tar -x -C "$tmp/$build" \
            || die "cannot export $ref from $source_arg"
    done
elif [ -f "$source_arg" ]; then
    commit=tarball-sha256:$(sha256sum "$source_arg" | cut -c1-16)
    for build in stock patched; do
        mkdir -p "$tmp/$build.x"
        timeout "$EXPORT_TIMEOUT" tar -x -f "$source_arg" -C "$tmp/$build.x" 2>/dev/null \
            || die "not a source tarball (tar cannot unpack it): $source_arg"
        top=("$tmp/$build.x"/*)
        [ ${#top[@]} -eq 1 ] && [ -d "${top[0]}" ] || die "not a source tarball with one top folder: $source_arg"
        mv "${top[0]}" "$tmp/$build" && rmdir "$tmp/$build.x"
    done
else
    die "neither a checkout nor a tarball: $source_arg"
fi
for f in CMakeLists.txt Makefile.am src/router.cpp src/socket_base.hpp tests/CMakeLists.txt tests/testutil_unity.hpp; do
    [ -f "$tmp/stock/$f" ] || die "not a libzmq tree with tests at $ref: $f is missing"
done
for name in "${patch_names[@]}"; do
    patchfile=$here/$name-$label.patch
    [ -f "$patchfile" ] || patchfile=$here/$name.patch
    ( cd "$tmp/patched" && patch -p1 --batch --forward --fuzz=0 --dry-run <"$patchfile" >>"$logs/patch.log" 2>&1 \
        && patch -p1 --batch --forward --fuzz=0 <"$patchfile" >>"$logs/patch.log" 2>&1 ) \
        || die "$(basename "$patchfile") does not apply to $ref ($commit)"
done
# Wires test NAME into TREE after test_reqrep_tcp, as libzmq's own tests are.
wire_test() {
    local tree=$1 name=$2 list=$1/tests/CMakeLists.txt am=$1/Makefile.am ignore=$1/.gitignore
    cp "$here/$name.cpp" "$tree/tests/" || die "cannot add the regression test $name"
    [ "$(grep -cE '^[[:space:]]*test_reqrep_tcp[[:space:]]*$' "$list")" = 1 ] \
        || die "cannot add $name to tests/CMakeLists.txt: no single test_reqrep_tcp line in its test list"
    sed -E "s/^([[:space:]]*)test_reqrep_tcp[[:space:]]*\$/&\n\1$name/" "$list" >"$list.new" && mv "$list.new" "$list" \
        || die "cannot edit tests/CMakeLists.txt"
    [ "$(grep -cE '^[[:space:]]*tests/test_reqrep_tcp \\$' "$am")" = 1 ] \
        && [ "$(grep -cE '^tests_test_reqrep_tcp_CPPFLAGS = ' "$am")" = 1 ] \
        || die "cannot add $name to Makefile.am: no single test_reqrep_tcp entry in test_apps, or no single _CPPFLAGS line"
    awk -v n="$name" '
        { print }
        /^[[:space:]]*tests\/test_reqrep_tcp \\$/ { match($0, /^[[:space:]]*/); print substr($0, 1, RLENGTH) "tests/" n " \\" }
        /^tests_test_reqrep_tcp_CPPFLAGS = / {
            print ""
            print "tests_" n "_SOURCES = tests/" n ".cpp"
            print "tests_" n "_LDADD = ${TESTUTIL_LIBS} src/libzmq.la"
            print "tests_" n "_CPPFLAGS = ${TESTUTIL_CPPFLAGS}"
        }' "$am" >"$am.new" && mv "$am.new" "$am" || die "cannot edit Makefile.am"
    if [ -f "$ignore" ] && ! grep -qxF 'tests/test*' "$ignore"; then
        echo "tests/$name" >>"$ignore" || die "cannot edit .gitignore"
    fi
}
for build in stock patched; do   # each goes right after test_reqrep_tcp: the last first keeps the kit's order
    for (( i = ${#regression_tests[@]} - 1; i >= 0; i-- )); do wire_test "$tmp/$build" "${regression_tests[i]}"; done
done

# --- configure and build both -----------------------------------------------------------------------------------------
keep_logs=1
for build in stock patched; do
    echo "I: libzmq $ref ($commit) $build: cmake and build (log ${saved#$root/}/$build-build.log)" >&2
    start=$(date +%s)
    ( cd "$tmp/$build" \
        && timeout -k 30 "$BUILD_TIMEOUT" cmake -S . -B b -DWITH_DOCS=OFF "${cmake_options[@]}" \
        && timeout -k 30 "$BUILD_TIMEOUT" cmake --build b -j "$JOBS" ) >"$logs/$build-build.log" 2>&1
    rc=$?
    [ $rc -eq 124 ] && die "the $build build timed out after ${BUILD_TIMEOUT}s (log ${saved#$root/}/$build-build.log)"
    [ $rc -eq 0 ] || die "the $build build fails (exit $rc; log ${saved#$root/}/$build-build.log)"
    echo "I: $build built in $(( $(date +%s) - start )) s" >&2
done

# --- ctest output -> "tests=N failed=N skipped=N" then "FAIL name" / "PASS name" lines ---------------------------------
summarize() {
    awk '
        match($0, /Test +#[0-9]+: /) {
            line = substr($0, RSTART); sub(/^Test +#[0-9]+: /, "", line)
            name = line; sub(/[ .*].*/, "", name)
            if (line !~ / sec$/) next
            n++
            if (line ~ /\*\*\*Skipped/ || line ~ /\*\*\*Disabled/) { skipped++ }
            else if (line ~ /  Passed  / || line ~ /\.  *Passed /) { pass[++np] = name }
            else { failed++; fail[++nf] = name }
        }
        END {
            printf "tests=%d failed=%d skipped=%d\n", n, failed, skipped
            for (i = 1; i <= nf; i++) print "FAIL " fail[i]
            for (i = 1; i <= np; i++) print "PASS " pass[i]
        }' "$1"
}

# --- the whole suite, once per build ---------------------------------------------------------------------------------
declare -A secs summary started
for build in stock patched; do
    echo "I: libzmq $ref $build: ctest (the whole suite; log ${saved#$root/}/$build.log)" >&2
    echo "I: load before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >"$logs/$build.log"
    started[$build]=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    start=$(date +%s.%N)
    ( cd "$tmp/$build/b" && timeout -k 30 "$SUITE_TIMEOUT" ctest -j1 --output-on-failure ) >>"$logs/$build.log" 2>&1
    rc=$?
    secs[$build]=$(echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}')
    [ $rc -eq 124 ] && die "the $build suite timed out after ${SUITE_TIMEOUT}s (log ${saved#$root/}/$build.log)"
    summary[$build]=$(summarize "$logs/$build.log")
    [ "$(head -1 <<<"${summary[$build]}")" != "tests=0 failed=0 skipped=0" ] \
        || die "ctest ran no test on the $build build (exit $rc; log ${saved#$root/}/$build.log)"
    echo "I: $build: $(head -1 <<<"${summary[$build]}") in ${secs[$build]} s" >&2
done

# --- reruns of what failed on the patched build; the regression test must fail stock and pass patched ---------------
rerun() {
    local log=$logs/rerun-$1-$2.log regex
    regex="^($(printf '%s\n' "${patched_failing[@]}" | paste -sd'|'))\$"
    ( cd "$tmp/$1/b" && timeout -k 30 "$RERUN_TIMEOUT" ctest -j1 --output-on-failure -R "$regex" ) >"$log" 2>&1
    [ $? -eq 124 ] && echo "W: rerun $2 on $1 timed out" >&2
    summarize "$log"
}
judge_patched_failures
for name in "${regression_tests[@]}"; do judge_regression "$name"; done

# --- rows, appended atomically ---------------------------------------------------------------------------------------
compiler_file=$(ls "$tmp"/patched/b/CMakeFiles/*/CMakeCXXCompiler.cmake 2>/dev/null | head -1)
compiler_id=$(sed -n 's/^set(CMAKE_CXX_COMPILER_ID "\(.*\)")$/\1/p' "$compiler_file" 2>/dev/null)
case $compiler_id in GNU) compiler_id=g++ ;; Clang) compiler_id=clang++ ;; esac
compiler="$compiler_id $(sed -n 's/^set(CMAKE_CXX_COMPILER_VERSION "\(.*\)")$/\1/p' "$compiler_file" 2>/dev/null)"
os="$(uname -s) $(uname -r) $(dpkg --print-architecture 2>/dev/null || uname -m)"
cpus=$(nproc)
append_rows libzmq "" "$compiler" "$os" "$cpus"
for build in stock patched; do
    echo "$build: $(head -1 <<<"${summary[$build]}") in ${secs[$build]} s; failing: $(failing_of "$build" | tr '\n' ' ')"
done
exit $status
