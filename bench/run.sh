#!/usr/bin/env bash
# Throughput benchmark (issue 6): Fetchline against aria2c, wget2 and curl, all fetching the same
# corpus from one local nginx, 16 connections each. See bench/README.md.
#
#   bench/run.sh [small|medium|large|all]      (default: small)
#
# Environment:
#   ROUNDS=3                measured rounds per corpus (tools alternate inside each round)
#   WARMUP=1                unmeasured rounds first (JIT, page cache, memory handed back to the host)
#   KEEP=1                  keep the temp dir (corpora, downloads, logs, raw CSV)
#   FETCHLINE_JAVA_OPTS     JVM options for Fetchline (default: $FETCHLINE_DEFAULT_JVM, as README says to run it;
#                           set it to " " for none, so the JVM's default heap)
#   FETCHLINE_JAR=path      use this jar instead of building HEAD in a temp clone
#   MAX_LOAD=n              before each run, wait (up to LOAD_WAIT=300 s) for the 1-minute load
#                           average to drop below n; other work on the machine skews every number
#   TOOLS="fetchline curl"  the tools to run (default: all four)
#   THREAD_CPU=1            log the CPU seconds of Fetchline's threads in each of its runs (pools added up)
#   JFR_DUMP=/tmp/x         with -XX:StartFlightRecording in FETCHLINE_JAVA_OPTS: dump the recording of each
#                           corpus to /tmp/x-CORPUS.jfr before Fetchline stops
#   RESULTS=path.md         also write the Markdown report there, and the raw runs to path.csv
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}
PARALLEL=16
FETCHLINE_JAVA_OPTS=${FETCHLINE_JAVA_OPTS:-$FETCHLINE_DEFAULT_JVM}
read -r -a TOOLS <<<"${TOOLS:-fetchline aria2c wget2 curl}"

# corpus -> "file count, file size in bytes, timeout of one run in seconds"
declare -A CORPUS=(
    [small]="5000 16384 900"
    [medium]="200 1048576 600"
    [large]="2 1073741824 1800"
)
FAILURES=0

usage() { echo "usage: $0 [small|medium|large|all]" >&2; exit 2; }

main() {
    local which=${1:-small} corpora=() corpus
    case $which in
        small | medium | large) corpora=("$which") ;;
        all) corpora=(small medium large) ;;
        *) usage ;;
    esac
    ((ROUNDS >= 1 && ROUNDS <= 20)) || die "ROUNDS must be 1..20"
    ((WARMUP >= 0 && WARMUP <= 5)) || die "WARMUP must be 0..5"

    ensure_tools nginx aria2c wget2 curl jq python3 openssl chattr
    make_work_dir
    check_disk "${corpora[@]}"
    build_fetchline
    mkdir -p "$WORK/corpus" "$WORK/lists"
    start_nginx "$WORK/corpus"

    RAW="$WORK/results.csv"
    echo "corpus,tool,round,ok,seconds,files,bytes,peak_rss_kib,rss_after_kib,cpu_s,sync_s,server_s,load1_before,sha256_s" >"$RAW"
    for corpus in "${corpora[@]}"; do
        bench_corpus "$corpus"
    done

    report | tee "${RESULTS:-/dev/null}"
    [[ -z ${RESULTS:-} ]] || cp "$RAW" "${RESULTS%.md}.csv"
    ((FAILURES == 0)) || die "$FAILURES run(s) failed; see the log above"
}

# Corpus once, plus the downloads of the tool that keeps them longest (large ones are removed
# as soon as they are verified).
check_disk() {
    local need=1 corpus count size
    for corpus in "$@"; do
        read -r count size _ <<<"${CORPUS[$corpus]}"
        if [[ $corpus == large ]]; then
            need=$((need + 3 * count * size / 1073741824))
        else
            need=$((need + (1 + (WARMUP + ROUNDS) * ${#TOOLS[@]}) * count * size / 1073741824 + 1))
        fi
    done
    require_disk_gib "$WORK" "$need"
}

bench_corpus() {
    local corpus=$1 count size timeout round tool order
    read -r count size timeout <<<"${CORPUS[$corpus]}"
    log "corpus $corpus: generating $count files of $size bytes"
    make_corpus "$WORK/corpus/$corpus" "$corpus" "$count" "$size"
    awk -v base="http://127.0.0.1:$NGINX_PORT/$corpus/" '{ print base $2 }' "$WORK/corpus/$corpus.sha256" \
        >"$WORK/lists/$corpus.urls"
    sync

    # A fresh JVM per corpus, so its peak and its heap are the corpus's own.
    start_fetchline "fetchline-$corpus" "$FETCHLINE_JAVA_OPTS" --fetchline.fetch.per-host-connections=$PARALLEL
    for ((round = 1 - WARMUP; round <= ROUNDS; round++)); do
        # Rotate the order so no tool always runs first (or right after the heaviest writer).
        order=("${TOOLS[@]:$(((round + WARMUP - 1) % ${#TOOLS[@]}))}" "${TOOLS[@]}")
        for tool in "${order[@]:0:${#TOOLS[@]}}"; do
            run_one "$tool" "$corpus" "$round" "$count" "$size" "$timeout"
        done
    done
    FL_SINCE_START+=("$corpus $(proc_kib "$FL_PID" VmHWM) $(proc_kib "$FL_PID" VmRSS)")
    [[ -z ${JFR_DUMP:-} ]] || jcmd "$FL_PID" JFR.dump filename="$JFR_DUMP-$corpus.jfr" >&2
    stop_fetchline
}

FL_SINCE_START=()

run_one() {
    local tool=$1 corpus=$2 round=$3 count=$4 size=$5 timeout=$6
    local list="$WORK/lists/$corpus.urls" sums="$WORK/corpus/$corpus.sha256"
    local dir t0 t1 s1 ok=1 peak=NA rss=NA cpu=NA server=NA cpu0 usr sys
    JOB_ID="" JOB_JSON="" JOB_STATE=""
    sync # the previous run's dirty pages are not this run's work
    if [[ -n ${MAX_LOAD:-} ]] && ! poll_until "${LOAD_WAIT:-300}" 2 load_below "$MAX_LOAD"; then
        log "load average still $(cut -d' ' -f1 /proc/loadavg) (>= $MAX_LOAD); running anyway"
    fi
    local load1
    load1=$(cut -d' ' -f1 /proc/loadavg) # other work on the machine shows here
    case $tool in
        fetchline)
            reset_peak_rss "$FL_PID"
            cpu0=$(proc_cpu_s "$FL_PID")
            [[ ${THREAD_CPU:-0} != 1 ]] || thread_ticks "$FL_PID" >"$WORK/threads.before"
            t0=$(now_ns)
            if fl_submit "$list" && fl_wait "$JOB_ID" "$timeout" && [[ $JOB_STATE == SUCCEEDED ]]; then
                t1=$(now_ns)
            else
                t1=$(now_ns)
                ok=0
                fl_explain_failure "${JOB_ID:-none}"
            fi
            peak=$(proc_kib "$FL_PID" VmHWM)
            rss=$(proc_kib "$FL_PID" VmRSS)
            cpu=$(awk -v a="$cpu0" -v b="$(proc_cpu_s "$FL_PID")" 'BEGIN { printf "%.2f", b - a }')
            if [[ ${THREAD_CPU:-0} == 1 ]]; then
                thread_ticks "$FL_PID" >"$WORK/threads.after"
                log "fetchline round $round threads (CPU s): $(thread_cpu_delta "$WORK/threads.before" "$WORK/threads.after")"
            fi
            server=$(server_seconds "$JOB_JSON")
            dir="$FL_ROOT/${JOB_ID:-none}"
            ;;
        *)
            dir=$(fresh_dir "$corpus-$tool-r$round")
            tool_command "$tool" "$corpus" "$dir"
            t0=$(now_ns)
            if ! /usr/bin/time -f '%M %U %S' -o "$WORK/time.out" \
                timeout --kill-after=10 "$timeout" "${CMD[@]}" >"$WORK/$tool.log" 2>&1; then
                ok=0
                log "$tool failed (round $round): $(tail -n 5 "$WORK/$tool.log")"
            fi
            t1=$(now_ns)
            read -r peak usr sys < <(tail -n 1 "$WORK/time.out")
            cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
            ;;
    esac
    # Time to get the downloaded bytes to disk afterwards (not part of "seconds").
    s1=$(now_ns)
    sync
    local sync_s seconds
    sync_s=$(elapsed_s "$s1" "$(now_ns)")
    seconds=$(elapsed_s "$t0" "$t1")
    # Fetchline hands over each file's SHA-256; a user of the others who wants it too hashes the files next.
    local sha256_s=NA h0
    if ((ok)) && [[ $tool != fetchline ]]; then
        h0=$(now_ns)
        hash_files "$dir" "$count"
        sha256_s=$(elapsed_s "$h0" "$(now_ns)")
    fi
    if ((ok)) && ! verify_dir "$dir" "$sums"; then
        ok=0
    fi
    if ((ok == 0)); then
        FAILURES=$((FAILURES + 1))
        log "FAILED: $tool on $corpus, round $round"
    fi
    log "$(printf '%-6s r%-2s %-9s %8ss  peak %6s KiB  cpu %6ss  sync %6ss  load %s%s' \
        "$corpus" "$round" "$tool" "$seconds" "$peak" "$cpu" "$sync_s" "$load1" "$([[ $ok == 1 ]] || echo '  FAILED')")"
    echo "$corpus,$tool,$round,$ok,$seconds,$count,$((count * size)),$peak,$rss,$cpu,$sync_s,$server,$load1,$sha256_s" >>"$RAW"
    if [[ $corpus == large && $KEEP != 1 ]]; then
        rm -rf "$dir" # 2 files: freeing them does not slow the next run's creates
    fi
}

# hash_files DIR COUNT: SHA-256 of the COUNT files in DIR, in two processes, one per core. OpenSSL's, as the
# fastest a user has here (SHA-NI, like the JDK's; coreutils' sha256sum takes 2.6 times as long).
hash_files() {
    find "$1" -mindepth 1 -maxdepth 1 -type f -print0 |
        xargs -0 -r -P 2 -n $((($2 + 1) / 2)) openssl dgst -sha256 >/dev/null
}

# shellcheck disable=SC2317 # called through poll_until
load_below() { awk -v max="$1" '{ exit !($1 < max) }' /proc/loadavg; }

# Sets CMD: the command line of one external tool downloading the corpus into DIR, 16 at a time.
tool_command() {
    local tool=$1 corpus=$2 dir=$3 list="$WORK/lists/$2.urls"
    case $tool in
        aria2c)
            CMD=(aria2c --input-file="$list" --dir="$dir" --max-concurrent-downloads="$PARALLEL" \
                --max-connection-per-server=1 --split=1 --file-allocation=none --auto-file-renaming=false \
                --console-log-level=error --summary-interval=0 --download-result=hide)
            ;;
        wget2)
            CMD=(wget2 --max-threads="$PARALLEL" --input-file="$list" --directory-prefix="$dir" \
                --no-directories --quiet --no-hsts --no-hpkp --no-netrc)
            ;;
        curl)
            awk -v dir="$dir" '{ n = split($1, p, "/"); printf "url = \"%s\"\noutput = \"%s/%s\"\n", $1, dir, p[n] }' \
                "$list" >"$WORK/lists/$corpus.curlrc"
            CMD=(curl --parallel --parallel-max "$PARALLEL" --fail --silent --show-error \
                --config "$WORK/lists/$corpus.curlrc")
            ;;
    esac
}

# finishedAt - createdAt of the job (the service's own view of its duration).
server_seconds() {
    local created finished
    created=$(jq -r .createdAt <<<"$1" 2>/dev/null) || { echo NA; return; }
    finished=$(jq -r .finishedAt <<<"$1" 2>/dev/null) || { echo NA; return; }
    [[ $created != null && $finished != null ]] || { echo NA; return; }
    awk -v a="$(date -d "$created" +%s.%N)" -v b="$(date -d "$finished" +%s.%N)" 'BEGIN { printf "%.3f", b - a }'
}

# Median over the measured rounds (round >= 1) of the successful runs of one corpus and tool.
field() { # corpus tool field-number
    awk -F, -v c="$1" -v t="$2" -v f="$3" 'NR > 1 && $1 == c && $2 == t && $3 >= 1 && $4 == 1 { print $f }' "$RAW"
}

report() {
    local corpus tool n secs fps mbs peak cpu syncs ratio
    echo "## Fetchline vs aria2c / wget2 / curl ($PARALLEL connections, one local nginx)"
    echo
    machine_facts
    echo "- rounds: $ROUNDS measured (+$WARMUP warm-up), medians of successful runs;" \
        "Fetchline JVM options: '${FETCHLINE_JAVA_OPTS}' (max heap: $(default_max_heap))"
    echo
    echo "| corpus | tool | ok runs | median s | median files/s | median MB/s | peak RSS MiB | median CPU s | median sync s after | Fetchline ÷ fastest other |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for corpus in $(corpora); do
        for tool in "${TOOLS[@]}"; do
            n=$(field "$corpus" "$tool" 5 | wc -l)
            secs=$(field "$corpus" "$tool" 5 | median)
            if [[ $secs == NA ]]; then
                echo "| $corpus | $tool | 0/$ROUNDS | – | – | – | – | – | – | |"
                continue
            fi
            fps=$(awk -v n="$(field "$corpus" "$tool" 6 | head -n 1)" -v s="$secs" 'BEGIN { printf (n / s < 10 ? "%.3f" : "%.1f"), n / s }')
            mbs=$(awk -v b="$(field "$corpus" "$tool" 7 | head -n 1)" -v s="$secs" 'BEGIN { printf "%.1f", b / 1e6 / s }')
            peak=$(field "$corpus" "$tool" 8 | sort -g | tail -n 1 | awk '{ printf "%.0f", $1 / 1024 }')
            cpu=$(field "$corpus" "$tool" 10 | median)
            syncs=$(field "$corpus" "$tool" 11 | median)
            ratio=""
            [[ $tool != fetchline ]] || ratio=$(fetchline_ratio "$corpus" plain_seconds)
            echo "| $corpus | $tool | $n/$ROUNDS | $secs | $fps | $mbs | $peak | $cpu | $syncs | $ratio |"
        done
    done
    echo
    hashed_report
    echo
    echo "Fetchline per run (seconds from POST until GET shows SUCCEEDED; the service's own finishedAt − createdAt;" \
        "peak RSS of the run after resetting VmHWM; VmRSS after the run):"
    echo
    echo "| corpus | round | seconds | server s | run peak RSS MiB | RSS after MiB | CPU s | load1 before |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    awk -F, 'NR > 1 && $2 == "fetchline" { printf "| %s | %s%s | %s | %s | %.0f | %.0f | %s | %s |\n", $1, $3, ($3 < 1 ? " (warm-up)" : ""), ($4 == 1 ? $5 : "FAILED " $5), $12, $8 / 1024, $9 / 1024, $10, $13 }' "$RAW"
    echo
    local line c hwm rss
    for line in "${FL_SINCE_START[@]}"; do
        read -r c hwm rss <<<"$line"
        echo "- Fetchline JVM for $c: VmHWM since start $((hwm / 1024)) MiB, VmRSS at the end $((rss / 1024)) MiB"
    done
}

# The same runs, each other tool's time with the SHA-256 of its files after it: what a user waits for files with
# a known SHA-256, which Fetchline reports for every file. Not the issue's ratio, which compares plain downloads.
hashed_report() {
    local corpus tool secs ratio
    echo "With each file's SHA-256, as Fetchline reports it: the other tools' median of seconds + \`openssl dgst" \
        "-sha256\` of their files afterwards (2 processes):"
    echo
    echo "| corpus | tool | median s with SHA-256 | files/s | MB/s | Fetchline ÷ fastest other |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for corpus in $(corpora); do
        for tool in "${TOOLS[@]}"; do
            secs=$(hashed_seconds "$corpus" "$tool" | median)
            [[ $secs == NA ]] && continue
            ratio=""
            [[ $tool != fetchline ]] || ratio=$(fetchline_ratio "$corpus" hashed_seconds)
            awk -v c="$corpus" -v t="$tool" -v s="$secs" -v r="$ratio" -v n="$(field "$corpus" "$tool" 6 | head -n 1)" \
                -v b="$(field "$corpus" "$tool" 7 | head -n 1)" \
                'BEGIN { printf "| %s | %s | %s | %.1f | %.1f | %s |\n", c, t, s, n / s, b / 1e6 / s, r }'
        done
    done
}

# The corpora of this run, in the order they ran.
corpora() { cut -d, -f1 "$RAW" | tail -n +2 | uniq; }

# Fetchline's files/s divided by the fastest other tool's, from the median of what SECONDS_OF prints per run.
fetchline_ratio() { # corpus seconds_of
    local tool secs fps best_other=0 fl_fps=0
    for tool in "${TOOLS[@]}"; do
        secs=$("$2" "$1" "$tool" | median)
        [[ $secs == NA ]] && continue
        fps=$(awk -v n="$(field "$1" "$tool" 6 | head -n 1)" -v s="$secs" 'BEGIN { print n / s }')
        if [[ $tool == fetchline ]]; then
            fl_fps=$fps
        else
            best_other=$(awk -v a="$best_other" -v b="$fps" 'BEGIN { print (b > a ? b : a) }')
        fi
    done
    awk -v a="$fl_fps" -v b="$best_other" 'BEGIN { if (b > 0) printf "%.2f×", a / b }'
}

# Seconds of each measured successful run.
# shellcheck disable=SC2317 # called through fetchline_ratio
plain_seconds() { field "$1" "$2" 5; }

# Seconds of each measured successful run, plus the time to hash its files for the tools that do not.
hashed_seconds() { # corpus tool
    awk -F, -v c="$1" -v t="$2" 'NR > 1 && $1 == c && $2 == t && $3 >= 1 && $4 == 1 {
        printf "%.3f\n", $5 + ($14 == "NA" ? 0 : $14) }' "$RAW"
}

default_max_heap() {
    # shellcheck disable=SC2086 # options are words
    java ${FETCHLINE_JAVA_OPTS} -XX:+PrintFlagsFinal -version 2>/dev/null |
        awk '$2 == "MaxHeapSize" { printf "%.0f MiB", $4 / 1048576 }'
}

main "$@"; exit # one line: edits to this file during a run are never read
