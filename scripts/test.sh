#!/usr/bin/env bash
# Install what is missing (with the test extras), then run every check in CI order; the first
# failure stops the run.
#
#   bash scripts/test.sh [PYTEST_ARGS...]      e.g. bash scripts/test.sh -k trace -x
#
#   1. ruff check .   2. ruff format --check .   3. mypy   4. lint-imports
#   5. pytest -n 2 [PYTEST_ARGS...]  with QT_QPA_PLATFORM=offscreen
#   6. without PYTEST_ARGS: the bundle stage, tests/installer (builds dist/TraceApp; minutes)
#
# Services: PostgreSQL on 127.0.0.1:5432 (trust auth, database `test`; override the URL with
# TRACEAPP_TEST_PG_URL) and Mosquitto on 127.0.0.1:1883. With CI set, a service that is not
# listening is started here, and its tests fail (not skip) if it is still missing. Without CI,
# those tests skip.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/bootstrap.sh --test

export QT_QPA_PLATFORM=offscreen
export PYTHONFAULTHANDLER=1 # a Qt crash prints a Python traceback instead of dying silently
export TRACEAPP_TEST_PG_URL="${TRACEAPP_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
PG_DEFAULT_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test"

say() { echo "test.sh: $*" >&2; }

listening() { # host port
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

wait_listening() { # host port seconds
    local i
    for ((i = 0; i < $3 * 4; i++)); do
        listening "$1" "$2" && return 0
        sleep 0.25
    done
    return 1
}

ensure_postgres() {
    if [ "$TRACEAPP_TEST_PG_URL" != "$PG_DEFAULT_URL" ]; then
        say "PostgreSQL: using TRACEAPP_TEST_PG_URL as given (not managed here)"
        return 0
    fi
    if ! listening 127.0.0.1 5432; then
        if [ -z "${CI:-}" ]; then
            say "PostgreSQL: nothing on 127.0.0.1:5432; postgres tests will skip (they fail when CI is set)"
            return 0
        fi
        say "PostgreSQL: not listening on 127.0.0.1:5432, starting it"
        if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null 2>&1; then
            # shellcheck disable=SC2012
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start ||
                say "PostgreSQL: pg_ctlcluster failed"
        else
            say "PostgreSQL: no cluster in /etc/postgresql (apt-get install postgresql)"
        fi
        if ! wait_listening 127.0.0.1 5432 30; then
            say "PostgreSQL: STILL NOT LISTENING on 127.0.0.1:5432 -- the postgres tests will fail"
            return 0
        fi
    fi
    # The `test` database must exist (trust auth as postgres).
    if command -v psql >/dev/null 2>&1 &&
        ! psql -h 127.0.0.1 -U postgres -d test -Atqc 'select 1' >/dev/null 2>&1; then
        if [ -n "${CI:-}" ]; then
            say "PostgreSQL: database test missing or not reachable as postgres; trying createdb"
            createdb -h 127.0.0.1 -U postgres test 2>/dev/null ||
                say "PostgreSQL: cannot connect as postgres to database test (trust auth?) -- the postgres tests will fail"
        else
            say "PostgreSQL: cannot connect as postgres to database test; postgres tests will skip"
        fi
    fi
}

ensure_mosquitto() {
    listening 127.0.0.1 1883 && return 0
    if [ -z "${CI:-}" ]; then
        say "Mosquitto: nothing on 127.0.0.1:1883; mqtt tests will skip (they fail when CI is set)"
        return 0
    fi
    say "Mosquitto: not listening on 127.0.0.1:1883, starting it"
    if command -v mosquitto >/dev/null 2>&1 && [ -f /etc/mosquitto/mosquitto.conf ]; then
        mosquitto -d -c /etc/mosquitto/mosquitto.conf || say "Mosquitto: start failed"
    else
        say "Mosquitto: not installed (apt-get install mosquitto)"
    fi
    wait_listening 127.0.0.1 1883 15 ||
        say "Mosquitto: STILL NOT LISTENING on 127.0.0.1:1883 -- the mqtt tests will fail"
}

ensure_postgres
ensure_mosquitto

step() {
    say "==> $*"
    "$@"
}

step .venv/bin/ruff check .
step .venv/bin/ruff format --check .
step .venv/bin/mypy
step .venv/bin/lint-imports

say "==> pytest -n 2 $*"
set +e
.venv/bin/python -m pytest -n 2 "$@"
rc=$?
set -e
# The bundle stage: tests/installer builds dist/TraceApp with PyInstaller (a few minutes; a build
# newer than the sources is reused) and starts it without the venv. Only on a full run (no
# PYTEST_ARGS), as CI does; TRACEAPP_SKIP_BUNDLE=1 leaves it out. In the run above these tests skip.
if [ "$rc" -eq 0 ] && [ "$#" -eq 0 ] && [ "${TRACEAPP_SKIP_BUNDLE:-}" != 1 ]; then
    say "==> bundle stage: pytest -n 0 tests/installer (installer/build_linux.sh when stale)"
    set +e
    TRACEAPP_BUNDLE_TESTS=1 .venv/bin/python -m pytest -n 0 tests/installer
    rc=$?
    set -e
fi
if [ "$rc" -eq 5 ]; then
    say "pytest collected no tests (exit 5): counted as a failure"
elif [ "$rc" -ne 0 ]; then
    say "pytest failed (exit $rc)"
fi
exit "$rc"
