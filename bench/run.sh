#!/usr/bin/env bash
# Throughput benchmark (issues 6 and 17): Fetchline against aria2c, wget2 and curl, all fetching the same
# corpus from one local nginx, 16 connections each (throttled: one file, see below). See bench/README.md.
#
#   bench/run.sh [small|medium|large|throttled|distant|all]      (default: small)
#
# Environment:
#   ROUNDS=3                measured rounds per corpus (tools alternate inside each round)
#   WARMUP=1                unmeasured rounds first (JIT, page cache, memory handed back to the host);
#                           the throttled corpus has 0 unless WARMUP or THROTTLED_WARMUP is set
#   THROTTLED_ROUNDS, THROTTLED_WARMUP   the throttled corpus's own (default: ROUNDS, and WARMUP if set, else 0)
#   THROTTLED_TOOLS="fetchline aria2c wget2"   the tools of the throttled corpus (of TOOLS); add curl for its
#                           one-connection 51 s per run
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
WARMUP_GIVEN=${WARMUP:-}
WARMUP=${WARMUP:-1}
PARALLEL=16
FETCHLINE_JAVA_OPTS=${FETCHLINE_JAVA_OPTS:-$FETCHLINE_DEFAULT_JVM}
read -r -a TOOLS <<<"${TOOLS:-fetchline aria2c wget2 curl}"

# corpus -> "file count, file size in bytes, timeout of one run in seconds"
declare -A CORPUS=(
    [small]="5000 16384 900"
    [medium]="200 1048576 600"
    [large]="2 1073741824 1800"
    [throttled]="1 1073741824 600"
    [distant]="2000 65536 600"
)
# What the CPU is counted per in the report: GiB of data or 1,000 files.
declare -A CPU_PER=([small]=files [medium]=GiB [large]=GiB [throttled]=GiB [distant]=files)
# nginx's limit_rate per request (so per connection) of the throttled corpus, and the distant corpus's delay
# before each response's first byte.
THROTTLE_RATE=20m
DISTANT_DELAY_S=0.05
# Measured and warm-up rounds per corpus; the throttled corpus's runs are bound by the rate (51 s for one
# connection), and its JIT warm-up hardly matters at 20-80 MiB/s.
declare -A CORPUS_ROUNDS=() CORPUS_WARMUP=()
FAILURES=0

usage() { echo "usage: $0 [small|medium|large|throttled|distant|all]" >&2; exit 2; }

main() {
    local which=${1:-small} corpora=() corpus
    case $which in
        small | medium | large | throttled | distant) corpora=("$which") ;;
        all) corpora=(small medium large throttled distant) ;;
        *) usage ;;
    esac
    for corpus in "${!CORPUS[@]}"; do
        CORPUS_ROUNDS[$corpus]=$ROUNDS
        CORPUS_WARMUP[$corpus]=$WARMUP
    done
    CORPUS_ROUNDS[throttled]=${THROTTLED_ROUNDS:-$ROUNDS}
    CORPUS_WARMUP[throttled]=${THROTTLED_WARMUP:-${WARMUP_GIVEN:-0}}
    for corpus in "${corpora[@]}"; do
        ((CORPUS_ROUNDS[$corpus] >= 1 && CORPUS_ROUNDS[$corpus] <= 20)) || die "ROUNDS must be 1..20 ($corpus)"
        ((CORPUS_WARMUP[$corpus] >= 0 && CORPUS_WARMUP[$corpus] <= 5)) || die "WARMUP must be 0..5 ($corpus)"
    done

    ensure_tools nginx aria2c wget2 curl jq python3 openssl chattr
    make_work_dir
    check_disk "${corpora[@]}"
    build_fetchline
    mkdir -p "$WORK/corpus" "$WORK/lists"
    # Only the throttled corpus's location is rate-limited, only the distant one's delayed.
    NGINX_SERVER_EXTRA="        location /throttled/ { limit_rate $THROTTLE_RATE; }"
    if [[ " ${corpora[*]} " == *" distant "* ]]; then
        NGINX_MAIN_EXTRA=$(nginx_lua_modules)
        NGINX_SERVER_EXTRA+=$'\n'"        location /distant/ { access_by_lua_block { ngx.sleep($DISTANT_DELAY_S) } }"
    fi
    start_nginx "$WORK/corpus"

    RAW="$WORK/results.csv"
    echo "corpus,tool,round,ok,seconds,files,bytes,peak_rss_kib,rss_after_kib,cpu_s,sync_s,server_s,load1_before,sha256_s,sha256_cpu_s" >"$RAW"
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
        if big_files "$corpus"; then
            need=$((need + 3 * count * size / 1073741824))
        else
            need=$((need + (1 + (WARMUP + ROUNDS) * ${#TOOLS[@]}) * count * size / 1073741824 + 1))
        fi
    done
    require_disk_gib "$WORK" "$need"
}

# Files of 1 GiB: their downloads are removed once verified.
big_files() { local size; read -r _ size _ <<<"${CORPUS[$1]}"; ((size >= 1073741824)); }

# corpus_tools CORPUS: the tools that run on it, in TOOLS's order (throttled: those also in THROTTLED_TOOLS).
corpus_tools() {
    local tool
    for tool in "${TOOLS[@]}"; do
        [[ $1 != throttled || " ${THROTTLED_TOOLS:-fetchline aria2c wget2} " == *" $tool "* ]] && echo "$tool"
    done
    return 0
}

bench_corpus() {
    local corpus=$1 count size timeout round tool order tools warmup=${CORPUS_WARMUP[$1]} rounds=${CORPUS_ROUNDS[$1]}
    read -r count size timeout <<<"${CORPUS[$corpus]}"
    mapfile -t tools < <(corpus_tools "$corpus")
    ((${#tools[@]} > 0)) || { log "corpus $corpus: none of TOOLS runs on it; skipped"; return 0; }
    log "corpus $corpus: generating $count files of $size bytes"
    make_corpus "$WORK/corpus/$corpus" "$corpus" "$count" "$size"
    awk -v base="http://127.0.0.1:$NGINX_PORT/$corpus/" '{ print base $2 }' "$WORK/corpus/$corpus.sha256" \
        >"$WORK/lists/$corpus.urls"
    sync
    case $corpus in
        throttled) check_throttled ;;
        distant) check_distant ;;
    esac

    # A fresh JVM per corpus, so its peak and its heap are the corpus's own. The throttled corpus measures
    # Fetchline's defaults for one large file (connections per host, segments), so it gets no fetch settings.
    local fl_args=("--fetchline.fetch.per-host-connections=$PARALLEL")
    [[ $corpus != throttled ]] || fl_args=()
    start_fetchline "fetchline-$corpus" "$FETCHLINE_JAVA_OPTS" "${fl_args[@]}"
    for ((round = 1 - warmup; round <= rounds; round++)); do
        # Rotate the order so no tool always runs first (or right after the heaviest writer).
        order=("${tools[@]:$(((round + warmup - 1) % ${#tools[@]}))}" "${tools[@]}")
        for tool in "${order[@]:0:${#tools[@]}}"; do
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
    local sha256_s=NA sha256_cpu=NA h0
    if ((ok)) && [[ $tool != fetchline ]]; then
        h0=$(now_ns)
        hash_files "$dir" "$count"
        sha256_s=$(elapsed_s "$h0" "$(now_ns)")
        read -r usr sys < <(tail -n 1 "$WORK/hash-time.out")
        sha256_cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    fi
    if ((ok)) && ! verify_dir "$dir" "$sums"; then
        ok=0
    fi
    if ((ok == 0)); then
        FAILURES=$((FAILURES + 1))
        log "FAILED: $tool on $corpus, round $round"
    fi
    log "$(printf '%-9s r%-2s %-9s %8ss  peak %6s KiB  cpu %6ss  sync %6ss  sha256 %5ss cpu %5ss  load %s%s' \
        "$corpus" "$round" "$tool" "$seconds" "$peak" "$cpu" "$sync_s" "$sha256_s" "$sha256_cpu" "$load1" \
        "$([[ $ok == 1 ]] || echo '  FAILED')")"
    echo "$corpus,$tool,$round,$ok,$seconds,$count,$((count * size)),$peak,$rss,$cpu,$sync_s,$server,$load1,$sha256_s,$sha256_cpu" >>"$RAW"
    if big_files "$corpus" && [[ $KEEP != 1 ]]; then
        rm -rf "$dir" # 1 or 2 files: freeing them does not slow the next run's creates
    fi
}

# hash_files DIR COUNT: SHA-256 of the COUNT files in DIR, in two processes, one per core. OpenSSL's, as the
# fastest a user has here (SHA-NI, like the JDK's; coreutils' sha256sum takes 2.6 times as long). The user and
# system CPU seconds of xargs and the openssl processes it waited for go to $WORK/hash-time.out.
hash_files() {
    find "$1" -mindepth 1 -maxdepth 1 -type f -print0 |
        /usr/bin/time -f '%U %S' -o "$WORK/hash-time.out" \
            xargs -0 -r -P 2 -n $((($2 + 1) / 2)) openssl dgst -sha256 >/dev/null
}

# The throttled location must hold a connection to about THROTTLE_RATE: 40 MiB of the file take >= 1.6 s.
check_throttled() {
    local url took
    url="http://127.0.0.1:$NGINX_PORT/throttled/$(awk 'NR == 1 { print $2 }' "$WORK/corpus/throttled.sha256")"
    took=$(timeout 60 curl -fsS -o /dev/null -r 0-41943039 -w '%{time_total}' "$url") || die "throttled: curl of $url failed"
    awk -v t="$took" 'BEGIN { exit !(t >= 1.6) }' ||
        die "throttled: 40 MiB came in ${took} s, faster than limit_rate $THROTTLE_RATE allows; nginx does not throttle"
    log "throttled: 40 MiB of one connection in $took s (limit_rate $THROTTLE_RATE)"
}

# The distant location must delay the first byte by DISTANT_DELAY_S (the lua module loaded and running).
check_distant() {
    local url ttfb
    url="http://127.0.0.1:$NGINX_PORT/distant/$(awk 'NR == 1 { print $2 }' "$WORK/corpus/distant.sha256")"
    ttfb=$(timeout 30 curl -fsS -o /dev/null -w '%{time_starttransfer}' "$url") || die "distant: curl of $url failed"
    awk -v t="$ttfb" -v d="$DISTANT_DELAY_S" 'BEGIN { exit !(t >= d) }' ||
        die "distant: first byte after ${ttfb} s, not >= $DISTANT_DELAY_S s; the lua delay does not run"
    log "distant: first byte after $ttfb s (delay $DISTANT_DELAY_S s)"
}

# shellcheck disable=SC2317 # called through poll_until
load_below() { awk -v max="$1" '{ exit !($1 < max) }' /proc/loadavg; }

# Sets CMD: the command line of one external tool downloading the corpus into DIR, 16 at a time. The throttled
# corpus is one file: aria2c fetches it over 4 connections (ranges of at least 1 MiB), wget2 and curl over one.
tool_command() {
    local tool=$1 corpus=$2 dir=$3 list="$WORK/lists/$2.urls" parallel=$PARALLEL per_file=(--max-connection-per-server=1 --split=1)
    [[ $corpus != throttled ]] || parallel=1 per_file=(--max-connection-per-server=4 --split=4 --min-split-size=1M)
    case $tool in
        aria2c)
            CMD=(aria2c --input-file="$list" --dir="$dir" --max-concurrent-downloads="$parallel" \
                "${per_file[@]}" --file-allocation=none --auto-file-renaming=false \
                --console-log-level=error --summary-interval=0 --download-result=hide)
            ;;
        wget2)
            CMD=(wget2 --max-threads="$parallel" --input-file="$list" --directory-prefix="$dir" \
                --no-directories --quiet --no-hsts --no-hpkp --no-netrc)
            ;;
        curl)
            awk -v dir="$dir" '{ n = split($1, p, "/"); printf "url = \"%s\"\noutput = \"%s/%s\"\n", $1, dir, p[n] }' \
                "$list" >"$WORK/lists/$corpus.curlrc"
            CMD=(curl --parallel --parallel-max "$parallel" --fail --silent --show-error \
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
    local corpus
    echo "## Fetchline vs aria2c / wget2 / curl (one local nginx)"
    echo
    machine_facts
    echo "- medians of the successful measured runs; Fetchline JVM options: '${FETCHLINE_JAVA_OPTS}'" \
        "(max heap: $(default_max_heap))"
    for corpus in $(corpora); do
        echo "- $corpus: $(corpus_line "$corpus")"
    done
    echo
    echo "Like-for-like, the table the targets use: each other tool's seconds plus \`openssl dgst -sha256\` over its" \
        "files right after it (2 processes), since Fetchline hands over every file's SHA-256; CPU s is the tool's" \
        "user + system plus that hashing's (Fetchline: its JVM's, which hashes while it writes). Fetchline ÷ fastest" \
        "other: Fetchline's files/s over the fastest other tool's (above 1: Fetchline is faster); ÷ this tool: over" \
        "that row's tool."
    echo
    echo "| corpus | tool | ok runs | median s | files/s | MB/s | median CPU s | CPU s per GiB | CPU s per 1,000 files | of which SHA-256 s | SHA-256 CPU s | peak RSS MiB | Fetchline ÷ fastest other | Fetchline ÷ this tool |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for corpus in $(corpora); do
        table_rows "$corpus" hashed
    done
    targets
    echo
    echo "Plain downloads (each tool's own seconds and CPU, no SHA-256 for the other tools; \"sync s after\": the" \
        "\`sync\` right after the run, not in its seconds):"
    echo
    echo "| corpus | tool | ok runs | median s | files/s | MB/s | median CPU s | CPU s per GiB | CPU s per 1,000 files | median sync s after | peak RSS MiB | Fetchline ÷ fastest other |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for corpus in $(corpora); do
        table_rows "$corpus" plain
    done
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

# What a corpus is and how it ran, for the report's header.
corpus_line() {
    local count size
    read -r count size _ <<<"${CORPUS[$1]}"
    printf '%s file(s) of %s; %s measured round(s) (+%s warm-up); ' "$count" \
        "$(awk -v b="$size" 'BEGIN { u = "B KiB MiB GiB"; split(u, n, " "); i = 1
            while (b >= 1024 && i < 4) { b /= 1024; i++ } printf "%g %s", b, n[i] }')" \
        "${CORPUS_ROUNDS[$1]}" "${CORPUS_WARMUP[$1]}"
    case $1 in
        throttled) echo "nginx limit_rate $THROTTLE_RATE per connection; Fetchline with its default connections" \
            "and segments, aria2c 4 connections to the file, wget2 and curl one" ;;
        distant) echo "nginx delays each response's first byte by $DISTANT_DELAY_S s; $PARALLEL connections per tool" ;;
        *) echo "$PARALLEL connections per tool" ;;
    esac
}

# table_rows CORPUS hashed|plain: the corpus's rows of the like-for-like or of the plain table.
table_rows() {
    local corpus=$1 kind=$2 tool n secs files bytes fps mbs cpu per peak ratio this sha sha_cpu syncs
    for tool in $(corpus_tools "$corpus"); do
        n=$(field "$corpus" "$tool" 5 | wc -l)
        secs=$("${kind}_seconds" "$corpus" "$tool" | median)
        if [[ $secs == NA ]]; then
            if [[ $kind == hashed ]]; then
                echo "| $corpus | $tool | 0/${CORPUS_ROUNDS[$corpus]} | – | – | – | – | – | – | – | – | – | | |"
            else
                echo "| $corpus | $tool | 0/${CORPUS_ROUNDS[$corpus]} | – | – | – | – | – | – | – | – | |"
            fi
            continue
        fi
        files=$(field "$corpus" "$tool" 6 | head -n 1)
        bytes=$(field "$corpus" "$tool" 7 | head -n 1)
        fps=$(awk -v n="$files" -v s="$secs" 'BEGIN { printf (n / s < 10 ? "%.3f" : "%.1f"), n / s }')
        mbs=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / 1e6 / s }')
        cpu=$("${kind}_cpu" "$corpus" "$tool" | median)
        per=$(cpu_per_cells "$corpus" "$cpu" "$files" "$bytes")
        peak=$(field "$corpus" "$tool" 8 | sort -g | tail -n 1 | awk '{ printf "%.0f", $1 / 1024 }')
        ratio="" this=""
        if [[ $tool == fetchline ]]; then
            ratio=$(fetchline_ratio "$corpus" "${kind}_seconds")
        else
            this=$(fetchline_ratio "$corpus" "${kind}_seconds" "$tool")
        fi
        if [[ $kind == hashed ]]; then
            sha="in the run" sha_cpu="in the run"
            if [[ $tool != fetchline ]]; then
                sha=$(field "$corpus" "$tool" 14 | median)
                sha_cpu=$(field "$corpus" "$tool" 15 | median)
            fi
            echo "| $corpus | $tool | $n/${CORPUS_ROUNDS[$corpus]} | $secs | $fps | $mbs | $cpu | $per | $sha | $sha_cpu | $peak | $ratio | $this |"
        else
            syncs=$(field "$corpus" "$tool" 11 | median)
            echo "| $corpus | $tool | $n/${CORPUS_ROUNDS[$corpus]} | $secs | $fps | $mbs | $cpu | $per | $syncs | $peak | $ratio |"
        fi
    done
}

# cpu_per_cells CORPUS CPU FILES BYTES: "per GiB | per 1,000 files", the one that fits the corpus filled in.
cpu_per_cells() {
    awk -v c="$2" -v n="$3" -v b="$4" -v per="${CPU_PER[$1]}" 'BEGIN {
        if (per == "GiB") printf "%.2f | ", c / (b / 1073741824); else printf " | %.2f", c / (n / 1000) }'
}

# The throttled corpus's targets (issue 17), on the like-for-like table: Fetchline >= 0.95 x aria2c, >= 3.5 x wget2.
targets() {
    [[ " $(corpora | paste -sd' ') " == *" throttled "* ]] || return 0
    local tool want got line=""
    for tool in aria2c wget2; do
        want=$([[ $tool == aria2c ]] && echo 0.95 || echo 3.5)
        got=$(fetchline_ratio throttled hashed_seconds "$tool")
        got=${got%×}
        [[ -n $got ]] || { line+=" Fetchline ÷ $tool: no runs (target ≥ $want);"; continue; }
        line+=" Fetchline ÷ $tool ${got}× (target ≥ $want×: $(awk -v g="$got" -v w="$want" 'BEGIN { print (g >= w ? "met" : "MISSED") }'));"
    done
    echo
    echo "Throttled targets:${line%;}."
}

# The corpora of this run, in the order they ran.
corpora() { cut -d, -f1 "$RAW" | tail -n +2 | uniq; }

# fetchline_ratio CORPUS SECONDS_OF [TOOL]: Fetchline's files/s divided by TOOL's, or by the fastest other tool's,
# from the median of what SECONDS_OF prints per run. Empty when either side has no successful run.
fetchline_ratio() {
    local tool secs fps best_other=0 fl_fps=0
    for tool in $(corpus_tools "$1"); do
        [[ $tool == fetchline || -z ${3:-} || $tool == "$3" ]] || continue
        secs=$("$2" "$1" "$tool" | median)
        [[ $secs == NA ]] && continue
        fps=$(awk -v n="$(field "$1" "$tool" 6 | head -n 1)" -v s="$secs" 'BEGIN { print n / s }')
        if [[ $tool == fetchline ]]; then
            fl_fps=$fps
        else
            best_other=$(awk -v a="$best_other" -v b="$fps" 'BEGIN { print (b > a ? b : a) }')
        fi
    done
    awk -v a="$fl_fps" -v b="$best_other" 'BEGIN { if (a > 0 && b > 0) printf "%.2f×", a / b }'
}

# Per measured successful run: the tool's seconds and CPU seconds (plain), and the same plus the SHA-256 of its
# files afterwards for the tools that do not hand it over (hashed; Fetchline's runs have NA there).
# shellcheck disable=SC2317 # called by name
plain_seconds() { field "$1" "$2" 5; }
# shellcheck disable=SC2317
plain_cpu() { field "$1" "$2" 10; }
# shellcheck disable=SC2317
hashed_seconds() { field_sum "$1" "$2" 5 14 %.3f; }
# shellcheck disable=SC2317
hashed_cpu() { field_sum "$1" "$2" 10 15 %.2f; }
# shellcheck disable=SC2317
field_sum() { # corpus tool field field-that-may-be-NA printf-format
    awk -F, -v c="$1" -v t="$2" -v f="$3" -v g="$4" -v fmt="$5\n" 'NR > 1 && $1 == c && $2 == t && $3 >= 1 && $4 == 1 {
        printf fmt, $f + ($g == "NA" ? 0 : $g) }' "$RAW"
}

default_max_heap() {
    # shellcheck disable=SC2086 # options are words
    java ${FETCHLINE_JAVA_OPTS} -XX:+PrintFlagsFinal -version 2>/dev/null |
        awk '$2 == "MaxHeapSize" { printf "%.0f MiB", $4 / 1048576 }'
}

main "$@"; exit # one line: edits to this file during a run are never read
