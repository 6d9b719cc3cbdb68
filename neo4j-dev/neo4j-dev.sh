#!/usr/bin/env bash
# Neo4j 5.26 for development and CI on machines without Docker (see DESIGN.md §6).
#
#   bash neo4j-dev/neo4j-dev.sh start [--fresh]   build if needed, start, wait until Bolt answers
#   bash neo4j-dev/neo4j-dev.sh stop              SIGTERM, wait, then SIGKILL
#   bash neo4j-dev/neo4j-dev.sh restart [--fresh]
#   bash neo4j-dev/neo4j-dev.sh status            exit 0 when running, 3 when not
#   bash neo4j-dev/neo4j-dev.sh wait              wait until a started server answers
#
# start and stop are idempotent. --fresh wipes the data directory first; start --fresh refuses
# while a server runs on the port (restart --fresh replaces it).
#
# Environment (all optional):
#   NEO4J_DEV_PORT        Bolt port on 127.0.0.1 (7687)
#   NEO4J_DEV_PASSWORD    password of user neo4j (graphmem-dev)
#   NEO4J_DEV_DATA        Neo4j home: databases, transaction logs, logs/debug.log (neo4j-dev/data)
#   NEO4J_DEV_HEAP        JVM heap, -Xms and -Xmx (1g)
#   NEO4J_DEV_PAGECACHE   page cache (512m)
#   NEO4J_DEV_TIMEOUT     seconds to wait for Bolt on start (180)
#   NEO4J_DEV_JAVA_OPTS   extra JVM options
#   NEO4J_DEV_MVN_FLAGS   extra Maven flags, e.g. -Dmaven.repo.local=.cache/m2 for a CI cache
#   NEO4J_DEV_PYTHON      Python with the neo4j driver for the readiness check (.venv/bin/python)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
JAR="$HERE/target/neo4j-dev.jar"
BUILD_LOG="$HERE/build.log"

PORT="${NEO4J_DEV_PORT:-7687}"
# One pid, log and lock file per port, so that several dev servers can run side by side.
PID_FILE="$HERE/neo4j-dev.$PORT.pid"
LOG_FILE="$HERE/neo4j-dev.$PORT.log"
LOCK_FILE="$HERE/.neo4j-dev.$PORT.lock"
export NEO4J_DEV_PASSWORD="${NEO4J_DEV_PASSWORD:-graphmem-dev}"
DATA="${NEO4J_DEV_DATA:-$HERE/data}"
[[ "$DATA" == /* ]] || DATA="$PWD/$DATA"
HEAP="${NEO4J_DEV_HEAP:-1g}"
TIMEOUT="${NEO4J_DEV_TIMEOUT:-180}"
STOP_TIMEOUT=60
PYTHON="${NEO4J_DEV_PYTHON:-$REPO/.venv/bin/python}"
READY_LINE="neo4j-dev: ready"

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

say() { echo "neo4j-dev: $*"; }
die() { echo "neo4j-dev: error: $*" >&2; exit 1; }

show_log_tail() {
    if [[ -s "$LOG_FILE" ]]; then
        echo "---- last lines of $LOG_FILE ----" >&2
        tail -n 40 "$LOG_FILE" >&2
        echo "---- (more in $DATA/logs/debug.log) ----" >&2
    fi
}

# Prints the pid of our running server, or fails. The command line is checked so that a stale pid
# file whose number was reused by another process is never mistaken for the server.
running_pid() {
    local pid
    [[ -f "$PID_FILE" ]] || return 1
    pid="$(tr -dc '0-9' < "$PID_FILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$JAR" || return 1
    echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

# A real Bolt handshake in plain bash: offer Bolt 5.0-5.8 and 4.4, expect a non-zero version back.
bolt_answers() {
    local reply
    reply="$(timeout 5 bash -c '
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf "\x60\x60\xb0\x17\x00\x08\x08\x05\x00\x00\x04\x04\x00\x00\x00\x00\x00\x00\x00\x00" >&3
        head -c 4 <&3 | od -An -tx1' _ "$PORT" 2>/dev/null)" || return 1
    reply="${reply//[[:space:]]/}"
    [[ ${#reply} -eq 8 && "$reply" != 00000000 ]]
}

python_driver_available() { [[ -x "$PYTHON" ]] && "$PYTHON" -c 'import neo4j' 2>/dev/null; }

# Logs in with the official driver. Exit 0: ok; 2: credentials refused (no point retrying); 1: other.
driver_login() {
    "$PYTHON" - "$PORT" <<'PY'
import os, sys
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError
uri = f"bolt://127.0.0.1:{sys.argv[1]}"
try:
    with GraphDatabase.driver(uri, auth=("neo4j", os.environ["NEO4J_DEV_PASSWORD"]),
                              connection_timeout=5) as driver:
        driver.verify_connectivity()
except AuthError as e:
    print(f"{uri} refused the credentials of user neo4j: {e}", file=sys.stderr)
    sys.exit(2)
except Exception as e:
    print(f"{uri}: {type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
PY
}

# Waits until the server has logged that it is ready and Bolt answers (with the Python driver when
# .venv has it, else a raw Bolt handshake). Fails early if the process dies.
wait_ready() {
    local pid="$1" started="$2" deadline=$(( $(date +%s) + TIMEOUT )) rc
    local check="bolt handshake"
    python_driver_available && check="neo4j driver login"
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            show_log_tail
            die "the server (pid $pid) exited during start-up"
        fi
        if grep -q "^$READY_LINE" "$LOG_FILE" 2>/dev/null && bolt_answers; then
            if [[ "$check" == "neo4j driver login" ]]; then
                rc=0; driver_login 2>"$HERE/.login-error" || rc=$?
                if [[ $rc -eq 2 ]]; then
                    cat "$HERE/.login-error" >&2; rm -f "$HERE/.login-error"
                    die "the server runs (pid $pid) but refused NEO4J_DEV_PASSWORD"
                fi
                rm -f "$HERE/.login-error"
            else
                rc=0
            fi
            if [[ $rc -eq 0 ]]; then
                say "ready: bolt://127.0.0.1:$PORT user neo4j (pid $pid, $(( $(date +%s) - started ))s, checked by $check)"
                return 0
            fi
        fi
        if (( $(date +%s) >= deadline )); then
            show_log_tail
            return 1
        fi
        sleep 1
    done
}

java_major() {
    "$JAVA" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

# Builds target/neo4j-dev.jar and target/lib when missing or older than the sources. Tries Maven
# offline first so that later builds reuse the local repository without touching the network.
build_if_needed() {
    if [[ -f "$JAR" && -d "$HERE/target/lib" ]] \
        && [[ -z "$(find "$HERE/pom.xml" "$HERE/src" -newer "$JAR" -type f 2>/dev/null | head -n 1)" ]]; then
        return 0
    fi
    command -v mvn >/dev/null || die "Maven (mvn) is needed to build $JAR"
    local flags=(-B -q -f "$HERE/pom.xml" ${NEO4J_DEV_MVN_FLAGS:-})
    local started; started=$(date +%s)
    say "building $JAR with Maven (a first build downloads Neo4j, ~130 MB, from Maven Central)"
    if ! mvn -o "${flags[@]}" package >"$BUILD_LOG" 2>&1; then
        if ! mvn "${flags[@]}" package >"$BUILD_LOG" 2>&1; then
            echo "---- last lines of $BUILD_LOG ----" >&2
            sed 's/\x1b\[[0-9;]*m//g' "$BUILD_LOG" | grep -v '^$' | tail -n 40 >&2
            die "Maven build failed"
        fi
    fi
    [[ -f "$JAR" ]] || die "Maven finished but $JAR is missing"
    say "built in $(( $(date +%s) - started ))s"
}

wipe_data() {
    case "$DATA" in
        / | "$HOME" | "$REPO" | "$HERE") die "refusing to wipe NEO4J_DEV_DATA=$DATA" ;;
    esac
    if [[ -d "$DATA" ]]; then
        if [[ -n "$(ls -A "$DATA")" && ! -d "$DATA/data" && ! -d "$DATA/logs" ]]; then
            die "refusing to wipe $DATA: it does not look like a Neo4j home (no data/ or logs/)"
        fi
        rm -rf "$DATA"
        say "wiped $DATA"
    fi
}

cmd_start() {
    local fresh=0 pid started
    for arg in "$@"; do
        case "$arg" in
            --fresh) fresh=1 ;;
            *) die "unknown option for start: $arg" ;;
        esac
    done
    if pid="$(running_pid)"; then
        if (( fresh )); then
            # Someone may be using it: replacing a running server is restart's job.
            die "a server is running on port $PORT (pid $pid): nothing was changed; use restart --fresh to replace it"
        else
            say "already running (pid $pid)"
            wait_ready "$pid" "$(date +%s)" || die "the running server (pid $pid) does not answer on port $PORT"
            return 0
        fi
    fi
    rm -f "$PID_FILE"
    (( fresh )) && wipe_data

    command -v "$JAVA" >/dev/null || die "java not found (Neo4j 5.26 needs Java 17 or 21)"
    local major; major="$(java_major)"
    [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 17 )) || die "Neo4j 5.26 needs Java 17 or 21, found: $("$JAVA" -version 2>&1 | head -n 1)"
    if port_open; then
        die "port $PORT on 127.0.0.1 is already in use by another process (set NEO4J_DEV_PORT)"
    fi
    build_if_needed

    mkdir -p "$DATA"
    : >"$LOG_FILE"
    started=$(date +%s)
    # setsid: the server outlives the calling shell and ignores Ctrl-C sent to it; 9>&- keeps the
    # start/stop lock out of the long-running process
    NEO4J_DEV_PAGECACHE="${NEO4J_DEV_PAGECACHE:-512m}" \
        setsid "$JAVA" "-Xms$HEAP" "-Xmx$HEAP" -XX:+ExitOnOutOfMemoryError ${NEO4J_DEV_JAVA_OPTS:-} \
        -jar "$JAR" --data "$DATA" --port "$PORT" >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"
    say "starting (pid $pid, log $LOG_FILE, data $DATA)"
    if ! wait_ready "$pid" "$started"; then
        say "no answer on port $PORT after ${TIMEOUT}s; stopping it"
        cmd_stop >&2
        die "start-up timed out"
    fi
}

cmd_stop() {
    local pid waited=0
    if ! pid="$(running_pid)"; then
        rm -f "$PID_FILE"
        say "not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && (( waited < STOP_TIMEOUT )); do
        sleep 1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "still running after ${STOP_TIMEOUT}s; killing pid $pid"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
    fi
    rm -f "$PID_FILE"
    say "stopped (pid $pid, ${waited}s)"
}

cmd_status() {
    local pid
    if pid="$(running_pid)"; then
        if bolt_answers; then
            say "running (pid $pid), bolt://127.0.0.1:$PORT answers"
        else
            say "running (pid $pid), bolt://127.0.0.1:$PORT not answering yet"
        fi
        return 0
    fi
    say "not running"
    return 3
}

cmd_wait() {
    local pid
    pid="$(running_pid)" || die "not running (start it with: bash neo4j-dev/neo4j-dev.sh start)"
    wait_ready "$pid" "$(date +%s)" || die "no answer on port $PORT after ${TIMEOUT}s"
}

with_lock() {
    # one start/stop at a time, e.g. under make -j
    if command -v flock >/dev/null; then
        exec 9>"$LOCK_FILE"
        flock -w "$(( TIMEOUT + STOP_TIMEOUT ))" 9 || die "another neo4j-dev.sh holds $LOCK_FILE"
    fi
    "$@"
}

usage() {
    echo "usage: bash neo4j-dev/neo4j-dev.sh start [--fresh] | stop | restart [--fresh] | status | wait" >&2
    exit 2
}

[[ $# -ge 1 ]] || usage
command="$1"
shift
case "$command" in
    start) with_lock cmd_start "$@" ;;
    stop) [[ $# -eq 0 ]] || usage; with_lock cmd_stop ;;
    restart) with_lock cmd_stop && with_lock cmd_start "$@" ;;
    status) [[ $# -eq 0 ]] || usage; cmd_status ;;
    wait) [[ $# -eq 0 ]] || usage; cmd_wait ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
