#!/usr/bin/env bash
# The demo: installs dependencies, builds the weir binary into build/, and
# runs scripts/demo.sql through it on the embedded defaults (a Kafka stream
# on the embedded broker, the Nexmark generator, a persistent query, a
# windowed materialized view with push and pull queries on it).
#
# Then, when a MariaDB server can be started (mariadbd, installed by
# install-deps.sh), a throwaway one (scripts/mariadb.sh: its own directory
# under /tmp, the binlog on, 127.0.0.1 only) for scripts/demo-mysql.sql: a
# materialized view over a MySQL table read from the binlog, kept in
# another MySQL table, which follows as the demo changes the orders. The
# server and its files are removed at the end, whatever happens. Without
# one, that part is skipped and says why.
#
# WEIR_DEMO_MYSQL_PORT picks the server's port (default: the first free
# one from 3307).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
cmake --build build -j"$(nproc)" --target weir

echo
echo "==> build/cli/weir --echo -f scripts/demo.sql"
build/cli/weir --echo -f scripts/demo.sql

# ---- The MySQL part ---------------------------------------------------------

export PATH="$PATH:/usr/sbin:/usr/local/sbin"
if ! command -v mariadbd >/dev/null || ! command -v mariadb >/dev/null; then
  echo
  echo "==> No MariaDB server here (mariadbd): skipping the MySQL part of the demo."
  exit 0
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${WEIR_DEMO_MYSQL_PORT:-}
if [[ -z "$port" ]]; then
  for candidate in $(seq 3307 3399); do
    if ! port_in_use "$candidate"; then port=$candidate; break; fi
  done
fi
if [[ -z "$port" ]] || port_in_use "$port"; then
  echo
  echo "==> No free port for a MariaDB server: skipping the MySQL part of the demo."
  exit 0
fi

work=$(mktemp -d /tmp/weir-demo.XXXXXX)
weir_pid=
cleanup() {
  if [[ -n "$weir_pid" ]] && kill -0 "$weir_pid" 2>/dev/null; then
    kill -TERM "$weir_pid" 2>/dev/null || true
    wait "$weir_pid" 2>/dev/null || true
  fi
  bash scripts/mariadb.sh stop "$work/mariadb" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo
echo "==> bash scripts/mariadb.sh start $work/mariadb $port"
if ! bash scripts/mariadb.sh start "$work/mariadb" "$port"; then
  echo "==> MariaDB did not start: skipping the MySQL part of the demo."
  exit 0
fi
mysql() {
  mariadb --no-defaults --socket="$work/mariadb/mariadb.sock" -uroot -t "$@"
}
# Shows and runs statements in MariaDB.
mysql_echo() {
  echo
  echo "mariadb> $1"
  mysql -e "$1"
}
group_by="SELECT customer, COUNT(*) AS orders, SUM(amount) AS total
  FROM shop.orders GROUP BY customer ORDER BY customer"
target="SELECT customer, orders, total FROM analytics.revenue ORDER BY customer"
# Waits (up to 60 s) until the sink's table holds MariaDB's own GROUP BY of
# the orders, then shows both.
wait_for_target() {
  local expected
  expected=$(mysql -e "$group_by")
  for _ in $(seq 1 300); do
    if [[ "$(mysql -e "$target" 2>/dev/null)" == "$expected" ]]; then
      mysql_echo "$target;"
      echo "(equal to MariaDB's own: $group_by)"
      return 0
    fi
    sleep 0.2
  done
  echo "Error: analytics.revenue did not follow shop.orders within 60 s:" >&2
  mysql -e "$target" >&2 || true
  return 1
}

mysql_echo "CREATE DATABASE shop; CREATE DATABASE analytics;
CREATE TABLE shop.orders (id INT PRIMARY KEY, customer VARCHAR(32) NOT NULL,
                          amount DECIMAL(10, 2) NOT NULL);
INSERT INTO shop.orders VALUES
  (1, 'alice', 12.50), (2, 'bob', 30.00), (3, 'alice', 7.25), (4, 'carol', 99.90);"

# weir runs in the background: after its script it keeps the view's and
# the sink's queries running until SIGTERM. Its state (kept by default
# under $XDG_DATA_HOME/weir/state) goes in the throwaway directory, with
# the throwaway server it belongs to: a second demo must not resume from
# the binlog position of the first demo's server.
sed "s/port = 3307/port = $port/g" scripts/demo-mysql.sql >"$work/demo-mysql.sql"
echo
echo "==> build/cli/weir --echo -f scripts/demo-mysql.sql (port $port)"
XDG_DATA_HOME="$work/data" build/cli/weir --echo -f "$work/demo-mysql.sql" \
  >"$work/weir.out" 2>&1 &
weir_pid=$!
shown=0
show_weir_output() {
  local lines
  lines=$(wc -l <"$work/weir.out")
  if ((lines > shown)); then
    tail -n +"$((shown + 1))" "$work/weir.out" | head -n "$((lines - shown))"
    shown=$lines
  fi
}
# Until the script is done (weir says its queries keep running).
for _ in $(seq 1 600); do
  if grep -q "Ctrl-C stops them" "$work/weir.out" ||
    ! kill -0 "$weir_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
show_weir_output
if ! kill -0 "$weir_pid" 2>/dev/null; then
  echo "Error: weir stopped early" >&2
  exit 1
fi
wait_for_target

mysql_echo "INSERT INTO shop.orders VALUES (5, 'bob', 5.00), (6, 'dave', 42.00);
UPDATE shop.orders SET amount = 15.00 WHERE id = 1;
DELETE FROM shop.orders WHERE id = 4;"
wait_for_target

echo
echo "==> kill -TERM weir (its queries stop, delivering what they read)"
kill -TERM "$weir_pid"
status=0
wait "$weir_pid" || status=$?
weir_pid=
show_weir_output
if ((status != 0)); then
  echo "Error: weir exited with status $status" >&2
  exit 1
fi
echo
echo "==> Stopping the demo's MariaDB and removing $work"
