# shellcheck shell=bash disable=SC2034 # globals are set here for the scripts that source this
# Shared helpers of the Fetchline benchmarks; sourced by run.sh, memory.sh and submit.sh.
# Nothing here runs on its own. Every helper that waits has a deadline; every process started
# here is remembered in BG_PIDS and ended by cleanup (and only those).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
KEEP=${KEEP:-0}
BG_PIDS=()
WORK=""

# How README, the Dockerfile and `spring-boot:run` start the service.
FETCHLINE_DEFAULT_JVM="-Xms160m -Xmx160m -XX:+AlwaysPreTouch -XX:MaxInlineLevel=9 -XX:InlineSmallCode=1000"

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

now_ns() { date +%s%N; }
# seconds (3 decimals) between two now_ns values
elapsed_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

# --- tools ---------------------------------------------------------------------------------------

# Installs the Debian packages that provide the given commands, when a command is missing.
ensure_tools() {
    local -A package_of=([nginx]=nginx [aria2c]=aria2 [wget2]=wget2 [curl]=curl [jq]=jq
        [python3]=python3 [openssl]=openssl [chattr]=e2fsprogs [sha256sum]=coreutils)
    local missing=() cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("${package_of[$cmd]:-$cmd}")
    done
    [[ -x /usr/bin/time ]] || missing+=(time)
    ((${#missing[@]} == 0)) && return 0
    log "installing ${missing[*]}"
    ((EUID == 0)) || die "missing ${missing[*]}; run as root or install them"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# Installs the given Debian packages when they are not installed (for what is no command, like nginx modules).
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        # shellcheck disable=SC2016 # dpkg-query's own format, not a shell variable
        [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    log "installing ${missing[*]}"
    ((EUID == 0)) || die "missing ${missing[*]}; run as root or install them"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# The load_module lines for Debian's lua module (libnginx-mod-http-lua), ndk first as the lua module needs it;
# by path, so the bench's nginx loads these two and nothing else that /etc/nginx/modules-enabled may hold.
nginx_lua_modules() {
    local so
    ensure_packages libnginx-mod-http-ndk libnginx-mod-http-lua
    for so in ndk_http_module.so ngx_http_lua_module.so; do
        so=$(dpkg -L libnginx-mod-http-ndk libnginx-mod-http-lua | grep "/$so\$" | head -n 1)
        [[ -n $so && -f $so ]] || die "no $so in libnginx-mod-http-ndk/libnginx-mod-http-lua"
        echo "load_module $so;"
    done
}

java_version() { java -version 2>&1 | head -n 1; }

# --- temp space and process tracking -------------------------------------------------------------

# Creates $WORK (removed on exit unless KEEP=1) with runs/, a parent marked `chattr +T` so that
# each fresh run folder below it gets its own block group instead of reusing freshly freed space.
make_work_dir() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/fetchline-bench.XXXXXX")
    chmod 755 "$WORK" # nginx workers run as nobody and must read the corpus
    mkdir -p "$WORK/runs"
    chattr +T "$WORK/runs" 2>/dev/null || log "chattr +T not supported here; run folders share block groups"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    log "work dir $WORK"
}

# A fresh, empty folder under runs/ (never reused, never emptied).
fresh_dir() {
    local dir
    dir=$(mktemp -d "$WORK/runs/$1.XXXX")
    chmod 755 "$dir"
    printf '%s\n' "$dir"
}

track() { BG_PIDS+=("$1"); }

# Sends TERM, waits up to $2 seconds (default 30), then KILL. Only for PIDs this script started.
stop_pid() {
    local pid=$1 grace=${2:-30} deadline
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + grace))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid did not stop within ${grace}s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${BG_PIDS[@]}"; do stop_pid "$pid" 30; done
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ $KEEP == 1 ]]; then
            log "KEEP=1: leaving $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls "$@" every $2 seconds until it succeeds or $1 seconds have passed (returns 1 then).
poll_until() {
    local timeout=$1 interval=$2 deadline
    shift 2
    deadline=$((SECONDS + timeout))
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep "$interval"
    done
}

disk_free_gib() { df -P -BG "$1" | awk 'NR == 2 { sub("G", "", $4); print $4 }'; }

require_disk_gib() {
    local free
    free=$(disk_free_gib "$1")
    ((free >= $2)) || die "need ${2} GiB free under $1, have ${free} GiB"
}

# --- data ----------------------------------------------------------------------------------------

# Deterministic pseudo-random bytes: AES-128-CTR of zeros under a key derived from the seed.
seeded_stream() {
    local key
    key=$(printf '%s' "fetchline-bench-$1" | sha256sum | cut -c1-32)
    # openssl dies of SIGPIPE when the reader has enough; that is the normal end here.
    { openssl enc -aes-128-ctr -nosalt -K "$key" -iv 00000000000000000000000000000000 \
        -in /dev/zero 2>/dev/null || true; }
}

# make_corpus DIR SEED COUNT SIZE_BYTES: files f000000.bin... in DIR and DIR.sha256 (name-sorted).
make_corpus() {
    local dir=$1 seed=$2 count=$3 size=$4 digits=${#3}
    mkdir -p "$dir"
    seeded_stream "$seed" | head -c $((count * size)) |
        split -b "$size" -d -a "$digits" --additional-suffix=.bin - "$dir/f"
    (cd "$dir" && find . -maxdepth 1 -name 'f*.bin' -printf '%f\n' | sort | xargs sha256sum) >"$dir.sha256"
    [[ $(wc -l <"$dir.sha256") == "$count" ]] || die "corpus $dir has the wrong number of files"
}

# verify_dir DIR SHA256_LIST: every listed file matches and nothing else is in DIR.
verify_dir() {
    local dir=$1 list=$2 want have
    want=$(wc -l <"$list")
    have=$(find "$dir" -mindepth 1 -maxdepth 1 | wc -l)
    if [[ $have != "$want" ]]; then
        log "VERIFY FAILED: $dir has $have entries, expected $want"
        find "$dir" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | comm -13 <(awk '{print $2}' "$list" | sort) - |
            head -n 5 | sed 's/^/  unexpected: /' >&2
        return 1
    fi
    if ! (cd "$dir" && sha256sum --quiet --strict -c "$list" >"$WORK/verify.out" 2>&1); then
        log "VERIFY FAILED: SHA-256 mismatch in $dir:"
        head -n 10 "$WORK/verify.out" >&2
        return 1
    fi
}

# --- nginx ---------------------------------------------------------------------------------------

# start_nginx ROOT: one worker, sendfile, keep-alive, no access log, everything under $WORK/nginx.
# /same/<anything> serves ROOT/same.bin (many distinct URLs, one small file). Sets NGINX_PORT.
# NGINX_MAIN_EXTRA (e.g. load_module lines) goes before everything, NGINX_SERVER_EXTRA (locations) into the server.
start_nginx() {
    local root=$1 prefix="$WORK/nginx" pid
    NGINX_PORT=$(free_port)
    mkdir -p "$prefix/tmp" "$prefix/logs"
    cat >"$prefix/nginx.conf" <<EOF
${NGINX_MAIN_EXTRA:-}
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    client_body_temp_path $prefix/tmp/body;
    proxy_temp_path $prefix/tmp/proxy;
    fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi;
    scgi_temp_path $prefix/tmp/scgi;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $root;
        location = /__ping { return 204; }
        location /same/ { try_files /same.bin =404; }
${NGINX_SERVER_EXTRA:-}
    }
}
EOF
    nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" -g 'daemon off;' &
    pid=$!
    track "$pid"
    NGINX_PID=$pid
    poll_until 20 0.1 curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/__ping" ||
        die "nginx did not start: $(cat "$prefix/logs/error.log")"
    log "nginx $(nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$NGINX_PORT serving $root"
}

# --- Fetchline -----------------------------------------------------------------------------------

# Builds the jar from a clone of the repository's HEAD (never inside the repository), unless
# FETCHLINE_JAR names one. Sets JAR and FETCHLINE_COMMIT.
build_fetchline() {
    FETCHLINE_COMMIT=$(git -C "$REPO_DIR" rev-parse --short HEAD)
    if [[ -n ${FETCHLINE_JAR:-} ]]; then
        JAR=$FETCHLINE_JAR
        [[ -f $JAR ]] || die "FETCHLINE_JAR=$JAR does not exist"
        log "using prebuilt $JAR (commit of the repo: $FETCHLINE_COMMIT)"
        return 0
    fi
    log "building Fetchline $FETCHLINE_COMMIT in $WORK/src"
    git clone -q "$REPO_DIR" "$WORK/src"
    git -C "$WORK/src" checkout -q --detach "$(git -C "$REPO_DIR" rev-parse HEAD)"
    (cd "$WORK/src" && chmod +x mvnw && ./mvnw -B -q -ntp -DskipTests package </dev/null >"$WORK/build.log" 2>&1) ||
        { tail -n 40 "$WORK/build.log" >&2; die "build failed"; }
    JAR="$WORK/src/target/fetchline-0.1.0-SNAPSHOT.jar"
    [[ -f $JAR ]] || die "no jar at $JAR"
}

fl_healthy() { curl -fsS "http://127.0.0.1:$FL_PORT/actuator/health" 2>/dev/null | grep -q '"status":"UP"'; }

# start_fetchline NAME "JVM OPTS" [--extra.spring=args...]
# Storage root: a fresh +T folder; database: $WORK/NAME/db. Sets FL_PID, FL_PORT, FL_ROOT, FL_LOG, FL_URL.
# With FL_UNDER_TIME=1 the JVM runs under /usr/bin/time -v (report in $WORK/NAME/time-v.txt).
start_fetchline() {
    local name=$1 jvm_opts=$2 home="$WORK/$1" launcher_pid
    shift 2
    mkdir -p "$home/db"
    FL_ROOT=$(fresh_dir "$name-storage")
    chattr +T "$FL_ROOT" 2>/dev/null || true # job folders are created below it
    FL_PORT=$(free_port)
    FL_LOG="$home/fetchline.log"
    FL_URL="http://127.0.0.1:$FL_PORT"
    # shellcheck disable=SC2206 # JVM options are words
    local cmd=(java $jvm_opts -jar "$JAR" --server.port="$FL_PORT" --fetchline.storage.root="$FL_ROOT"
        "--spring.datasource.url=jdbc:h2:file:$home/db/fetchline;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE"
        --fetchline.fetch.allowed-networks=127.0.0.0/8 "$@")
    if [[ ${FL_UNDER_TIME:-0} == 1 ]]; then
        /usr/bin/time -v -o "$home/time-v.txt" "${cmd[@]}" >"$FL_LOG" 2>&1 &
        launcher_pid=$!
        track "$launcher_pid"
        poll_until 10 0.05 pgrep -P "$launcher_pid" -x java >/dev/null || die "JVM did not start under /usr/bin/time"
        FL_PID=$(pgrep -P "$launcher_pid" -x java)
        FL_LAUNCHER_PID=$launcher_pid
    else
        "${cmd[@]}" >"$FL_LOG" 2>&1 &
        FL_PID=$!
        FL_LAUNCHER_PID=$FL_PID
    fi
    track "$FL_PID"
    log "Fetchline ($name) pid $FL_PID on $FL_URL: ${cmd[*]:0:3} ... ${*:-}"
    poll_until 180 0.2 fl_healthy || { tail -n 40 "$FL_LOG" >&2; die "Fetchline did not become healthy"; }
}

stop_fetchline() {
    stop_pid "$FL_PID" 60
    [[ $FL_LAUNCHER_PID == "$FL_PID" ]] || stop_pid "$FL_LAUNCHER_PID" 10
}

# Peak and current RSS of a process, in KiB, from /proc/PID/status.
proc_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# Resets VmHWM to the current RSS (Linux >= 4.0; needs to own the process).
reset_peak_rss() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || log "cannot reset VmHWM of $1"; }
# user + system CPU seconds used so far by a process (ticks of 1/CLK_TCK s)
proc_cpu_s() {
    local tck
    tck=$(getconf CLK_TCK)
    awk -v t="$tck" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"
}

# thread_ticks PID: "name ticks" per thread (user + system, 1/CLK_TCK s), digits dropped from names so that a
# pool's threads add up (fetcher-3 and fetcher-12 are both "fetcher-").
thread_ticks() {
    local stat
    for stat in /proc/"$1"/task/*/stat; do
        awk '{ match($0, /\(.*\)/); name = substr($0, RSTART + 1, RLENGTH - 2); gsub(/[0-9]+/, "", name)
               gsub(/ /, "_", name); sub(/^.*\) /, ""); print name, $12 + $13 }' "$stat" 2>/dev/null || true # a thread may end meanwhile
    done | awk '{ t[$1] += $2 } END { for (n in t) print n, t[n] }'
}

# thread_cpu_delta BEFORE AFTER: the threads that used at least 0.05 s between two thread_ticks snapshots,
# busiest first, as "name=seconds".
thread_cpu_delta() {
    local tck
    tck=$(getconf CLK_TCK)
    awk -v t="$tck" 'NR == FNR { a[$1] = $2; next } { d = ($2 - a[$1]) / t; if (d >= 0.05) printf "%s=%.2f\n", $1, d }' \
        "$1" "$2" | sort -t= -k2 -gr | paste -sd' '
}

# fl_submit URL_FILE: POSTs the list as text/uri-list; sets JOB_ID, SUBMIT_S (curl time_total).
fl_submit() {
    local out="$WORK/submit.json" meta code
    meta=$(curl -sS -o "$out" -w '%{http_code} %{time_total}' -H 'Content-Type: text/uri-list' \
        --data-binary "@$1" "$FL_URL/api/v1/jobs")
    code=${meta% *}
    SUBMIT_S=${meta#* }
    [[ $code == 202 ]] || { log "POST returned $code: $(head -c 2000 "$out")"; return 1; }
    # A bash match, not jq: this runs inside the timed window, and starting jq is not Fetchline's time.
    [[ $(<"$out") =~ \"id\":\"([0-9a-f-]+)\" ]] || { log "POST answered without an id: $(head -c 2000 "$out")"; return 1; }
    JOB_ID=${BASH_REMATCH[1]}
}

fl_job() { curl -fsS "$FL_URL/api/v1/jobs/$1"; }

# fl_wait JOB_ID TIMEOUT_S: waits until the job is terminal, with ?wait= so that the end is seen the moment it
# happens rather than at the next poll. Sets JOB_STATE and JOB_JSON (the last response). Returns 1 on timeout.
fl_wait() {
    local id=$1 deadline=$((SECONDS + $2)) left
    while (((left = deadline - SECONDS) > 0)); do
        JOB_JSON=$(curl -fsS "$FL_URL/api/v1/jobs/$id?wait=$((left < 300 ? left : 300))s") || { sleep 0.05; continue; }
        [[ $JOB_JSON =~ \"state\":\"([A-Z]+)\" ]] && JOB_STATE=${BASH_REMATCH[1]} || JOB_STATE=
        case $JOB_STATE in SUCCEEDED | FAILED | CANCELLED) return 0 ;; esac
    done
    JOB_STATE=TIMEOUT
    return 1
}

# Prints why a job failed: counts, the first failed items, the end of the log.
fl_explain_failure() {
    log "job $1 ended $JOB_STATE: $(jq -c '{items, bytes}' <<<"${JOB_JSON:-null}" 2>/dev/null)"
    curl -sS "$FL_URL/api/v1/jobs/$1/items?state=FAILED&limit=5" 2>/dev/null |
        jq -c '.items[]? | {index, url, attempts, httpStatus, error}' >&2 || true
    grep -E 'ERROR|WARN|Exception' "$FL_LOG" | tail -n 10 >&2 || true
}

# Nearest-rank percentile of numbers on stdin: percentile 50
percentile() { sort -g | awk -v p="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "NA"; exit } i = int((p * NR + 99) / 100); if (i < 1) i = 1; print v[i] }'; }
median() { percentile 50; }

machine_facts() {
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- nproc: $(nproc); memory: $(free -g | awk '/^Mem:/ { print $2 " GiB total, " $7 " GiB available" }')"
    echo "- kernel: $(uname -r); java: $(java_version); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- Fetchline commit: ${FETCHLINE_COMMIT:-?}"
}
