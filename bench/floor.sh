#!/usr/bin/env bash
# The stack's floor on the small corpus (see bench/README.md): bench/Floor.java, a minimal JVM downloader with
# Fetchline's HttpClient 5 and SHA-256 but no queues or API (and no job store unless STORE=1), fetches run.sh's
# 5,000 small files from a local nginx at 16 connections, one JVM for all rounds as a service would be. What it
# reaches is what the JVM and the client allow; the rest of the distance from curl is Fetchline's own.
#
#   bench/floor.sh
#
# Environment: ROUNDS=3, WARMUP=1, KEEP=1, FETCHLINE_JAVA_OPTS, FETCHLINE_JAR and RESULTS as for bench/run.sh;
# STORE=1 also keeps each item's state in an H2 file database as Fetchline does (see bench/Floor.java), with
# Fetchline's JDBC URL settings unless STORE_SETTINGS gives others (default ";WRITE_DELAY=0"); STORE_URL replaces
# the database's URL before them (jdbc:h2:mem:floor keeps it in memory). CLIENT=async uses HttpClient 5's
# event-driven client (two I/O threads, 16 requests in flight) instead of 16 blocking threads.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}
COUNT=5000
SIZE=16384

main() {
    ((ROUNDS >= 1 && ROUNDS <= 20)) || die "ROUNDS must be 1..20"
    ((WARMUP >= 0 && WARMUP <= 10)) || die "WARMUP must be 0..10"
    ensure_tools nginx curl openssl chattr unzip
    make_work_dir
    require_disk_gib "$WORK" $((1 + (WARMUP + ROUNDS + 1) * COUNT * SIZE / 1073741824 + 1))
    # The jar brings the exact client Fetchline ships with.
    build_fetchline
    mkdir -p "$WORK/floor"
    local store=() client=()
    case ${CLIENT:-classic} in
        classic) ;;
        async) client=(--async) ;;
        *) die "CLIENT must be classic or async" ;;
    esac
    if [[ ${STORE:-0} == 1 ]]; then
        unzip -q -j "$JAR" 'BOOT-INF/lib/h2-*' -d "$WORK/floor" || die "no H2 jar in $JAR"
        store=("--store=${STORE_URL:-jdbc:h2:file:$WORK/floor-db/floor}${STORE_SETTINGS-;WRITE_DELAY=0}")
    fi
    unzip -q -j "$JAR" 'BOOT-INF/lib/httpclient5-*' 'BOOT-INF/lib/httpcore5-*' 'BOOT-INF/lib/slf4j-api-*' \
        -d "$WORK/floor" || die "no HttpClient jars in $JAR"
    make_corpus "$WORK/corpus/small" small "$COUNT" "$SIZE"
    start_nginx "$WORK/corpus"
    awk -v base="http://127.0.0.1:$NGINX_PORT/small/" '{ print base $2 }' "$WORK/corpus/small.sha256" >"$WORK/urls"
    sync

    local dirs=() round
    for ((round = 1 - WARMUP; round <= ROUNDS; round++)); do
        dirs+=("$(fresh_dir "floor-r$round")")
    done
    log "floor: $((WARMUP + ROUNDS)) rounds of $COUNT files in one JVM ($(java_version)), ${CLIENT:-classic} client${store:+, item states in H2}"
    local opts=${FETCHLINE_JAVA_OPTS:-$FETCHLINE_DEFAULT_JVM}
    # shellcheck disable=SC2086 # JVM options are words
    timeout --kill-after=10 600 java $opts -cp "$(printf '%s:' "$WORK"/floor/*.jar)" "$(dirname "$0")/Floor.java" \
        "$WORK/urls" 16 "${client[@]}" "${store[@]}" "${dirs[@]}" \
        >"$WORK/floor.csv" 2>"$WORK/floor.log" || { cat "$WORK/floor.log" >&2; die "Floor failed"; }
    report "${dirs[@]}" | tee "${RESULTS:-/dev/null}"
}

report() {
    local dirs=("$@") round
    echo "| round | seconds | files/s | CPU s | CPU µs per file |"
    echo "| --- | --- | --- | --- | --- |"
    local i=0 seconds cpu rates=()
    while IFS=, read -r _ seconds cpu; do
        round=$((i + 1 - WARMUP))
        verify_dir "${dirs[$i]}" "$WORK/corpus/small.sha256" || die "round $round did not store every file"
        local rate
        rate=$(awk -v n=$COUNT -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
        ((round >= 1)) && rates+=("$rate")
        awk -v r="$round" -v s="$seconds" -v f="$rate" -v c="$cpu" -v n=$COUNT -v w="$((round < 1))" \
            'BEGIN { printf "| %s%s | %.3f | %s | %.2f | %.0f |\n", r, (w ? " (warm-up)" : ""), s, f, c, c * 1e6 / n }'
        i=$((i + 1))
    done <"$WORK/floor.csv"
    echo
    echo "median of the $ROUNDS measured rounds: $(printf '%s\n' "${rates[@]}" | median) files/s (${CLIENT:-classic} client${STORE:+, STORE=$STORE}); every file verified"
    echo
    machine_facts
}

main "$@"; exit # one line: edits to this file during a run are never read
