#!/usr/bin/env bash
# Memory benchmark (issues 2 and 6): one 4 GiB file through Fetchline, run as shipped, default settings.
# Target: the process's peak RSS stays below 600 MB. See bench/README.md.
#
#   bench/memory.sh
#
# Environment:
#   SIZE_GIB=4              size of the file
#   FETCHLINE_JAVA_OPTS     JVM options (default: $FETCHLINE_DEFAULT_JVM, as README says to run it)
#   NMT=1                   also print the JVM's native memory summary at the end
#   TIMEOUT=1200            seconds the download may take
#   KEEP=1, FETCHLINE_JAR=path, RESULTS=path   as in run.sh
# Exit status: 0 target met, 3 target missed, 1 the download or its checksum failed.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

SIZE_GIB=${SIZE_GIB:-4}
FETCHLINE_JAVA_OPTS=${FETCHLINE_JAVA_OPTS:-$FETCHLINE_DEFAULT_JVM}
NMT=${NMT:-0}
TIMEOUT=${TIMEOUT:-1200}
TARGET_MB=600

main() {
    ((SIZE_GIB >= 1 && SIZE_GIB <= 64)) || die "SIZE_GIB must be 1..64"
    ensure_tools nginx curl jq python3 openssl chattr
    make_work_dir
    require_disk_gib "$WORK" $((2 * SIZE_GIB + 1)) # the served file and the downloaded one
    build_fetchline

    local file="$WORK/corpus/big.bin" want
    mkdir -p "$WORK/corpus"
    log "generating ${SIZE_GIB} GiB of seeded random bytes"
    want=$(seeded_stream memory | head -c $((SIZE_GIB * 1073741824)) | tee "$file" | sha256sum | cut -d' ' -f1)
    sync
    start_nginx "$WORK/corpus"

    local jvm_opts=$FETCHLINE_JAVA_OPTS
    [[ $NMT == 1 ]] && jvm_opts+=" -XX:NativeMemoryTracking=summary"
    FL_UNDER_TIME=1 start_fetchline memory "$jvm_opts"
    local start_rss
    start_rss=$(proc_kib "$FL_PID" VmRSS)

    echo "http://127.0.0.1:$NGINX_PORT/big.bin" >"$WORK/urls"
    local t0 t1 max_rss=0 rss state=""
    t0=$(now_ns)
    fl_submit "$WORK/urls" || die "submission refused"
    # Poll the job every 50 ms and sample VmRSS meanwhile (VmHWM below is the exact peak).
    local deadline=$((SECONDS + TIMEOUT))
    while ((SECONDS < deadline)); do
        rss=$(proc_kib "$FL_PID" VmRSS)
        ((rss > max_rss)) && max_rss=$rss
        JOB_JSON=$(fl_job "$JOB_ID") && state=$(jq -r .state <<<"$JOB_JSON")
        case $state in SUCCEEDED | FAILED | CANCELLED) break ;; esac
        sleep 0.05
    done
    t1=$(now_ns)
    JOB_STATE=${state:-TIMEOUT}
    local hwm seconds
    hwm=$(proc_kib "$FL_PID" VmHWM)
    rss=$(proc_kib "$FL_PID" VmRSS)
    seconds=$(elapsed_s "$t0" "$t1")
    local nmt=""
    if [[ $NMT == 1 ]]; then
        nmt=$(jcmd "$FL_PID" VM.native_memory summary 2>&1 | grep -E '^(Total|-? *(Java Heap|Class|Thread|Code|GC|Compiler|Internal|Other|Symbol|Native Memory Tracking|Shared class space|Arena Chunk|Metaspace))' || true)
    fi

    local ok=1 got=NA api_sha=NA
    if [[ $JOB_STATE != SUCCEEDED ]]; then
        ok=0
        fl_explain_failure "$JOB_ID"
    else
        api_sha=$(curl -fsS "$FL_URL/api/v1/jobs/$JOB_ID/items/0" | jq -r .sha256)
        got=$(sha256sum "$FL_ROOT/$JOB_ID/big.bin" | cut -d' ' -f1)
        if [[ $got != "$want" ]]; then
            ok=0
            log "SHA-256 MISMATCH: file $got, served $want"
        fi
        [[ $api_sha == "$want" ]] || log "note: the API reports sha256 $api_sha, the served file is $want"
    fi
    stop_fetchline
    local time_v_kib
    time_v_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/memory/time-v.txt" 2>/dev/null || echo NA)

    report "$seconds" "$hwm" "$max_rss" "$rss" "$start_rss" "${time_v_kib:-NA}" "$ok" "$want" "$got" "$api_sha" "$nmt" |
        tee "${RESULTS:-/dev/null}"
    ((ok)) || die "the download failed or its checksum did not match"
    ((hwm * 1024 < TARGET_MB * 1000000)) || { log "target missed: peak RSS $((hwm / 1024)) MiB"; exit 3; }
}

report() {
    local seconds=$1 hwm=$2 max_rss=$3 rss=$4 start_rss=$5 time_v=$6 ok=$7 want=$8 got=$9 api_sha=${10} nmt=${11}
    local bytes=$((SIZE_GIB * 1073741824))
    echo "## Fetchline memory: one ${SIZE_GIB} GiB file, JVM options '$FETCHLINE_JAVA_OPTS', default settings"
    echo
    machine_facts
    echo
    echo "| measure | value |"
    echo "| --- | --- |"
    echo "| job state | $JOB_STATE |"
    echo "| SHA-256 of the file = served | $([[ $ok == 1 ]] && echo yes || echo NO) ($got) |"
    echo "| SHA-256 reported by the API = served | $([[ $api_sha == "$want" ]] && echo yes || echo "NO ($api_sha)") |"
    echo "| seconds, POST to SUCCEEDED | $seconds |"
    echo "| MB/s | $(awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.1f", b / 1e6 / s }') |"
    echo "| RSS after start (healthy, idle) | $(mib "$start_rss") |"
    echo "| peak RSS, VmHWM of the JVM since start | **$(mib "$hwm")** |"
    echo "| highest VmRSS sampled every ~50 ms | $(mib "$max_rss") |"
    echo "| VmRSS when the job had finished | $(mib "$rss") |"
    echo "| /usr/bin/time -v maximum resident set size | $(mib "$time_v") |"
    echo "| target: peak RSS < $TARGET_MB MB | $( ((hwm * 1024 < TARGET_MB * 1000000)) && echo met || echo MISSED) |"
    if [[ -n $nmt ]]; then
        echo
        echo "Native memory tracking (committed, at the end of the download):"
        echo
        echo '```'
        echo "$nmt"
        echo '```'
    fi
}

mib() { [[ $1 == NA ]] && { echo NA; return; }; awk -v k="$1" 'BEGIN { printf "%.0f MiB (%.0f MB)", k / 1024, k * 1024 / 1e6 }'; }

main "$@"; exit # one line: edits to this file during a run are never read
