#!/usr/bin/env bash
# libzmq's own whole test suite (cmake, make, ctest), stock and patched (fix/libzmq/rep-stale-hwm*.patch):
#
#   fix/libzmq/upstream-suite.sh CHECKOUT_OR_TARBALL REF
#     fix/libzmq/upstream-suite.sh ~/src/libzmq v4.3.4              a libzmq git checkout (work tree or bare) and a ref
#     fix/libzmq/upstream-suite.sh ~/src/libzmq master
#     fix/libzmq/upstream-suite.sh zeromq3_4.3.4.orig.tar.gz 4.3.4   a source tarball (e.g. Debian's, see build.sh);
#                                                                    REF is then only the label of the rows
#
# The source is only read: REF is exported with `git archive` (or the tarball unpacked) twice into a temporary
# folder, once as it is (stock) and once with the patch: rep-stale-hwm-<ref>.patch if the kit has one for that ref,
# else rep-stale-hwm.patch (applied with offsets, no fuzz). The kit's regression test fix/libzmq/test_rep_stale_hwm.cpp
# is added to both trees and to the test list in tests/CMakeLists.txt (after test_reqrep_tcp). Each tree is
# configured with cmake (-DWITH_DOCS=OFF plus $CMAKE_OPTIONS), built, and its whole suite runs once with ctest -j1.
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
# Exit: 0 both suites ran, nothing counts against the patch and test_rep_stale_hwm failed stock and passed patched;
#       1 both suites ran (rows written) but a test counts against the patch or the regression test did not behave;
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
[ -f "$here/test_rep_stale_hwm.cpp" ] || die "the kit's regression test is missing: fix/libzmq/test_rep_stale_hwm.cpp"

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
for f in CMakeLists.txt src/router.cpp src/socket_base.hpp tests/CMakeLists.txt tests/testutil_unity.hpp; do
    [ -f "$tmp/stock/$f" ] || die "not a libzmq tree with tests at $ref: $f is missing"
done
patchfile=$here/rep-stale-hwm-$label.patch
[ -f "$patchfile" ] || patchfile=$here/rep-stale-hwm.patch
( cd "$tmp/patched" && patch -p1 --batch --forward --fuzz=0 --dry-run <"$patchfile" >"$logs/patch.log" 2>&1 \
    && patch -p1 --batch --forward --fuzz=0 <"$patchfile" >>"$logs/patch.log" 2>&1 ) \
    || die "$(basename "$patchfile") does not apply to $ref ($commit)"
for build in stock patched; do
    cp "$here/test_rep_stale_hwm.cpp" "$tmp/$build/tests/" || die "cannot add the regression test"
    list=$tmp/$build/tests/CMakeLists.txt
    [ "$(grep -cE '^[[:space:]]*test_reqrep_tcp[[:space:]]*$' "$list")" = 1 ] \
        || die "cannot add test_rep_stale_hwm to tests/CMakeLists.txt: no single test_reqrep_tcp line in its test list"
    sed -E 's/^([[:space:]]*)test_reqrep_tcp[[:space:]]*$/&\n\1test_rep_stale_hwm/' "$list" >"$list.new" && mv "$list.new" "$list" \
        || die "cannot edit tests/CMakeLists.txt"
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
judge_regression test_rep_stale_hwm

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
