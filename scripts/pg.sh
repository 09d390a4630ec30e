#!/usr/bin/env bash
# Throwaway PostgreSQL server for the Kairyl test suite (127.0.0.1 only).
#
# Usage:
#   scripts/pg.sh start    install PostgreSQL if missing (apt), init + start our
#                          own cluster; idempotent (no-op if already answering)
#   scripts/pg.sh stop     stop our server (fast shutdown); OK if not running
#   scripts/pg.sh status   exit 0 if our server is running and answering
#   scripts/pg.sh url      print the SQLAlchemy URL for the test database
#
# Environment:
#   KAIRYL_PG_PORT      TCP port (default 54329)
#   KAIRYL_PG_TIMEOUT   seconds to wait for startup (default 60)
#
# Layout: /tmp/kairyl-pg-$PORT/{data,server.log,<unix socket>}, owned by the
# `postgres` OS user when run as root (PostgreSQL refuses to run as root),
# otherwise by the invoking user. Test-only settings: fsync/synchronous_commit/
# full_page_writes off -- NEVER use this for data you care about.
set -euo pipefail

PORT="${KAIRYL_PG_PORT:-54329}"
TIMEOUT="${KAIRYL_PG_TIMEOUT:-60}"
BASE="/tmp/kairyl-pg-${PORT}"
DATA="${BASE}/data"
LOG="${BASE}/server.log"
HOST="127.0.0.1"
DB_USER="kairyl"
DB_PASS="kairyl"
DB_NAME="kairyl_test"
PG_OS_USER="postgres"

die() {
    echo "pg.sh: ERROR: $*" >&2
    exit 1
}

info() {
    echo "pg.sh: $*" >&2
}

case "$PORT" in
    '' | *[!0-9]*) die "KAIRYL_PG_PORT must be a number, got '${PORT}'" ;;
esac
case "$TIMEOUT" in
    '' | *[!0-9]*) die "KAIRYL_PG_TIMEOUT must be a number of seconds, got '${TIMEOUT}'" ;;
esac

url() {
    echo "postgresql+asyncpg://${DB_USER}:${DB_PASS}@${HOST}:${PORT}/${DB_NAME}"
}

is_root() {
    [ "$(id -u)" -eq 0 ]
}

# Newest /usr/lib/postgresql/<ver>/bin that has initdb; empty if none.
find_bindir() {
    local d best=""
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
        if [ -x "${d}/initdb" ] && [ -x "${d}/pg_ctl" ] && [ -x "${d}/postgres" ]; then
            best="$d"
        fi
    done
    echo "$best"
}

install_postgres() {
    info "no initdb under /usr/lib/postgresql/*/bin; installing PostgreSQL via apt-get"
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is not available"
    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 \
            || die "PostgreSQL is not installed; run as root (or install sudo) so it can be installed with apt-get"
        sudo=(sudo)
    fi
    # The Debian package may create/start its own 'main' cluster on 5432; we
    # don't use it (our cluster is separate) and leave it alone.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        || die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql \
        || die "apt-get install postgresql failed"
}

BINDIR="$(find_bindir)"

ensure_bindir() {
    if [ -z "$BINDIR" ]; then
        install_postgres
        BINDIR="$(find_bindir)"
        [ -n "$BINDIR" ] || die "PostgreSQL installed but no initdb found under /usr/lib/postgresql/*/bin"
    fi
}

# Which OS user owns/runs the server.
if is_root; then
    RUN_USER="$PG_OS_USER"
else
    RUN_USER="$(id -un)"
fi

ensure_os_user() {
    is_root || return 0
    if ! getent passwd "$PG_OS_USER" >/dev/null 2>&1; then
        info "creating OS user '${PG_OS_USER}'"
        useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash "$PG_OS_USER" \
            || die "could not create OS user '${PG_OS_USER}'"
    fi
}

# Run a command as the server's OS user, from a directory it can read.
as_pg() {
    if is_root; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        "$@"
    fi
}

log_tail() {
    if [ -r "$LOG" ]; then
        echo "----- last 30 lines of ${LOG} -----" >&2
        tail -n 30 "$LOG" >&2 || true
        echo "-----" >&2
    else
        echo "(no server log at ${LOG})" >&2
    fi
}

# The ctype our cluster is initialised with: a UTF-8 one where the system has it, so that pg_trgm and
# lower() see Cyrillic letters as letters (the back office's text search index needs it); C otherwise.
wanted_ctype() {
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
        echo "C.UTF-8"
    else
        echo "C"
    fi
}

# The ctype the cluster in $DATA was initialised with (written by init_cluster; none for older clusters).
cluster_ctype() {
    cat "${DATA}/kairyl_ctype" 2>/dev/null || echo "unknown"
}

# Is *our* postmaster (for $DATA) running?
pg_running() {
    [ -n "$BINDIR" ] && [ -f "${DATA}/PG_VERSION" ] || return 1
    as_pg "${BINDIR}/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

pg_answering() {
    "${BINDIR}/pg_isready" -q -h "$HOST" -p "$PORT" -d postgres -t 2 >/dev/null 2>&1
}

psql_admin() {
    # Superuser over the private unix socket (trust; socket dir is mode 0700).
    as_pg "${BINDIR}/psql" -X -q -v ON_ERROR_STOP=1 -h "$BASE" -p "$PORT" -U postgres -d postgres "$@"
}

prepare_base() {
    if [ -e "$BASE" ] || [ -L "$BASE" ]; then
        [ -d "$BASE" ] && [ ! -L "$BASE" ] || die "${BASE} exists but is not a directory"
        local owner
        owner="$(stat -c %U "$BASE")"
        if [ "$owner" != "$RUN_USER" ]; then
            if is_root && { [ "$owner" = root ] || [ "$owner" = "$PG_OS_USER" ]; }; then
                chown -R "$PG_OS_USER": "$BASE"
            else
                die "${BASE} is owned by '${owner}', expected '${RUN_USER}'; remove it and retry"
            fi
        fi
    else
        mkdir -m 0700 "$BASE"
        if is_root; then
            chown "$PG_OS_USER": "$BASE"
        fi
    fi
    chmod 0700 "$BASE"
}

init_cluster() {
    local bin_major data_major
    bin_major="$(basename "$(dirname "$BINDIR")")"
    if [ -f "${DATA}/PG_VERSION" ]; then
        data_major="$(cat "${DATA}/PG_VERSION")"
        if [ "$data_major" = "$bin_major" ] && [ "$(cluster_ctype)" = "$(wanted_ctype)" ]; then
            return 0
        fi
        info "data dir is for PostgreSQL ${data_major} with ctype $(cluster_ctype), wanted ${bin_major} with" \
            "$(wanted_ctype); re-initialising (throwaway)"
    fi
    # Missing, incomplete or wrong-version data dir: start from scratch.
    rm -rf "$DATA" "${DATA}.tmp"

    info "initialising cluster in ${DATA} (PostgreSQL ${bin_major})"
    if ! as_pg "${BINDIR}/initdb" -D "${DATA}.tmp" -U postgres --encoding=UTF8 --locale=C \
        --lc-ctype="$(wanted_ctype)" --auth-local=trust --auth-host=scram-sha-256 --no-sync >"${BASE}/initdb.log" 2>&1; then
        cat "${BASE}/initdb.log" >&2 || true
        die "initdb failed (see output above)"
    fi
    if is_root; then
        chown "$PG_OS_USER": "${BASE}/initdb.log"
    fi

    as_pg tee -a "${DATA}.tmp/postgresql.conf" >/dev/null <<EOF

# ---- kairyl test server (scripts/pg.sh) ----
listen_addresses = '${HOST}'
port = ${PORT}
unix_socket_directories = '${BASE}'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
autovacuum = off
password_encryption = 'scram-sha-256'
EOF

    as_pg tee "${DATA}.tmp/pg_hba.conf" >/dev/null <<EOF
# kairyl test server: superuser only via private unix socket; TCP only on loopback with password.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  scram-sha-256
EOF

    wanted_ctype | as_pg tee "${DATA}.tmp/kairyl_ctype" >/dev/null

    # Only move into place once fully set up, so a failed init never looks valid.
    mv "${DATA}.tmp" "$DATA"
}

ensure_role_and_db() {
    psql_admin <<EOF || die "could not create role '${DB_USER}' / database '${DB_NAME}'"
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${DB_USER}') THEN
        CREATE ROLE ${DB_USER} LOGIN CREATEDB PASSWORD '${DB_PASS}';
    ELSE
        ALTER ROLE ${DB_USER} LOGIN CREATEDB PASSWORD '${DB_PASS}';
    END IF;
END
\$\$;
-- DROP DATABASE ... WITH (FORCE) must be able to end autovacuum workers on test databases.
GRANT pg_signal_backend TO ${DB_USER};
SELECT 'CREATE DATABASE ${DB_NAME} OWNER ${DB_USER}'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${DB_NAME}')
\gexec
EOF
}

wait_ready() {
    local deadline=$((SECONDS + TIMEOUT))
    until pg_answering; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log_tail
            die "server on ${HOST}:${PORT} did not accept connections within ${TIMEOUT}s"
        fi
        if ! pg_running; then
            log_tail
            die "server process for ${DATA} is not running (failed to start or exited)"
        fi
        sleep 0.5
    done
}

cmd_start() {
    ensure_bindir
    ensure_os_user

    if pg_running && [ "$(cluster_ctype)" != "$(wanted_ctype)" ]; then
        info "the running cluster's ctype is '$(cluster_ctype)', not '$(wanted_ctype)'; re-initialising (throwaway)"
        cmd_stop
        rm -rf "$DATA"
    fi

    if pg_running; then
        if pg_answering; then
            info "already running on ${HOST}:${PORT} (data: ${DATA})"
            ensure_role_and_db
            return 0
        fi
        info "server for ${DATA} is running but not answering yet; waiting"
        wait_ready
        ensure_role_and_db
        return 0
    fi

    if pg_answering; then
        die "something else is already answering on ${HOST}:${PORT} (not our cluster in ${DATA}); stop it or set KAIRYL_PG_PORT"
    fi

    prepare_base
    init_cluster

    info "starting server on ${HOST}:${PORT} (log: ${LOG})"
    if ! as_pg "${BINDIR}/pg_ctl" start -D "$DATA" -l "$LOG" -w -t "$TIMEOUT" >/dev/null 2>&1; then
        log_tail
        die "pg_ctl start failed for ${DATA}"
    fi
    wait_ready
    ensure_role_and_db
    info "ready: $(url)"
}

cmd_stop() {
    if [ -z "$BINDIR" ] || [ ! -f "${DATA}/PG_VERSION" ]; then
        info "not running (no cluster in ${DATA})"
        return 0
    fi
    if ! pg_running; then
        info "not running"
        return 0
    fi
    if ! as_pg "${BINDIR}/pg_ctl" stop -D "$DATA" -m fast -w -t "$TIMEOUT" >/dev/null 2>&1; then
        log_tail
        die "pg_ctl stop failed for ${DATA}"
    fi
    info "stopped"
}

cmd_status() {
    if pg_running && pg_answering; then
        info "running on ${HOST}:${PORT} (data: ${DATA})"
        return 0
    fi
    info "not running"
    return 1
}

usage() {
    echo "usage: $(basename "$0") {start|stop|status|url}" >&2
    echo "  env: KAIRYL_PG_PORT (default 54329), KAIRYL_PG_TIMEOUT (default 60)" >&2
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) url ;;
    -h | --help | help) usage ;;
    *)
        usage
        exit 2
        ;;
esac
