# Shared by fix/jeromq/upstream-suite.sh and fix/libzmq/upstream-suite.sh (sourced, not run): the work folder, the
# rerun verdicts and the rows of data/upstream.csv. The caller has set: root, label, commit, RERUNS, the associative arrays
# summary (per build: a counts line, then "PASS name" / "FAIL name" lines), started and secs (per build), and defines
# rerun BUILD ROUND, which runs the patched build's failures again and prints PASS/FAIL lines like a summary.

# The temporary folder of a run: sets tmp, logs and saved (build/upstream/PROJECT-LABEL-TIME/, where the logs are
# kept once keep_logs=1), and on exit keeps the logs and removes the trees (KEEP_TREES=1 keeps them).
work_folder() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1-suite.XXXXXX") || die "cannot create a temporary folder"
    logs=$tmp/logs
    saved=$root/build/upstream/$1-$label-$(date -u +%Y%m%dT%H%M%SZ)
    mkdir -p "$logs"
    keep_logs=0
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

cleanup() {
    if [ $keep_logs = 1 ]; then
        mkdir -p "$(dirname "$saved")" && rm -rf "$saved.part" && cp -r "$logs" "$saved.part" && mv "$saved.part" "$saved"
    fi
    if [ "${KEEP_TREES:-0}" = 1 ]; then echo "I: trees kept in $tmp" >&2; else rm -rf "$tmp"; fi
}

failing_of() { sed -n 's/^FAIL //p' <<<"${summary[$1]}"; }
count_of() { head -1 <<<"${summary[$1]}" | sed -n "s/.*$2=\([0-9]*\).*/\1/p"; }

# Reruns every test that failed on the patched build RERUNS times on each build, alternating, and prints a table.
# A test counts against the patch only if it failed patched and passed stock (its suite and every stock rerun). The
# others are flaky: they passed every patched rerun, or they failed on stock too. Sets status (1: something counts
# against the patch) and flaky (names, space-separated).
judge_patched_failures() {
    local name round build result stock_suite verdict
    local -A fails_patched=() fails_stock=()
    mapfile -t patched_failing < <(failing_of patched)
    status=0 flaky=""
    [ ${#patched_failing[@]} -gt 0 ] || return 0
    echo "I: rerunning ${#patched_failing[@]} test(s) that failed patched, $RERUNS times on each build" >&2
    for name in "${patched_failing[@]}"; do fails_patched[$name]=0; fails_stock[$name]=0; done
    for round in $(seq 1 "$RERUNS"); do
        for build in patched stock; do
            result=$(rerun "$build" "$round")
            for name in "${patched_failing[@]}"; do
                grep -qxF "PASS $name" <<<"$result" && continue          # else it failed, or did not run at all
                if [ $build = patched ]; then fails_patched[$name]=$((fails_patched[$name] + 1));
                else fails_stock[$name]=$((fails_stock[$name] + 1)); fi
            done
        done
    done
    {   # into the file first, then shown: a pipe would run the loop in a subshell and lose status and flaky
        printf '%-70s %-16s %-12s %s\n' test "patched reruns" "stock suite" verdict
        for name in "${patched_failing[@]}"; do
            stock_suite="not run"
            grep -qxF "PASS $name" <<<"${summary[stock]}" && stock_suite=passed
            grep -qxF "FAIL $name" <<<"${summary[stock]}" && stock_suite=failed
            if [ "${fails_patched[$name]}" -eq 0 ]; then
                verdict="flaky: passed on every patched rerun"; flaky="${flaky:+$flaky }$name"
            elif [ "$stock_suite" != failed ] && [ "${fails_stock[$name]}" -eq 0 ]; then
                verdict="AGAINST THE PATCH: fails patched, passes stock"; status=1
            else
                verdict="fails on both builds (stock suite $stock_suite, stock reruns failed ${fails_stock[$name]}/$RERUNS)"
                [ "$stock_suite" = failed ] || flaky="${flaky:+$flaky }$name"   # failed on stock only in a rerun: the row must say so
            fi
            printf '%-70s %-16s %-12s %s\n' "$name" "${fails_patched[$name]}/$RERUNS failed" "$stock_suite" "$verdict"
        done
    } >"$logs/reruns.txt"
    cat "$logs/reruns.txt" >&2
}

# The regression test NAME must fail on stock and pass patched; else status=1.
judge_regression() {
    if grep -qxF "FAIL $1" <<<"${summary[stock]}" && grep -qxF "PASS $1" <<<"${summary[patched]}"; then
        echo "I: regression test $1: fails on stock, passes patched (as it should)" >&2
    else
        echo "W: regression test $1 did not fail stock and pass patched (logs: ${saved#$root/})" >&2
        status=1
    fi
}

# Appends the stock and the patched row to data/upstream.csv, atomically, under a lock:
# append_rows PROJECT JAVA COMPILER OS CPUS.
append_rows() {
    local project=$1 java=$2 compiler=$3 os=$4 cpus=$5 csv=$root/data/upstream.csv part
    local header=timestamp,project,ref,commit,build,tests,failed,skipped,failing,flaky,seconds,java,compiler,os,cpus
    mkdir -p "$root/data"
    (
        flock -w 60 9 || die "cannot lock $root/data"
        part=$csv.$$.tmp
        if [ -s "$csv" ]; then cp "$csv" "$part"; else echo "$header" >"$part"; fi || die "cannot write $part"
        for build in stock patched; do
            upstream_row "$build" "$project" "$java" "$compiler" "$os" "$cpus" "$([ $build = patched ] && echo "$flaky")"
        done >>"$part" && mv -f "$part" "$csv" || { rm -f "$part"; die "cannot write $csv"; }
    ) 9<"$root/data" || exit 3
    echo "I: appended 2 rows to data/upstream.csv; logs in ${saved#$root/}" >&2
}

upstream_row() {
    local build=$1 names v out=() IFS=,
    names=$(failing_of "$build" | tr '\n' ' ' | sed 's/ $//')
    local values=("${started[$build]}" "$2" "$label" "$commit" "$build" "$(count_of "$build" tests)" "$(count_of "$build" failed)"
        "$(count_of "$build" skipped)" "$names" "$7" "${secs[$build]}" "$3" "$4" "$5" "$6")
    for v in "${values[@]}"; do
        case $v in *[,\"]*) out+=("\"${v//\"/\"\"}\"") ;; *) out+=("$v") ;; esac
    done
    echo "${out[*]}"
}
