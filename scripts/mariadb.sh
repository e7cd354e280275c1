#!/usr/bin/env bash
# Starts or stops a private MariaDB server for tests: its own data directory,
# a loopback port, the binary log in ROW format (what change data capture
# reads), and a user weir/weir with all privileges. Used by CTest fixtures.
#
#   scripts/mariadb.sh start DIR PORT   (idempotent: restarts a stale server)
#   scripts/mariadb.sh stop DIR
set -euo pipefail
export PATH="$PATH:/usr/sbin:/usr/local/sbin"

cmd=${1:?usage: mariadb.sh start|stop DIR [PORT]}
dir=${2:?usage: mariadb.sh start|stop DIR [PORT]}
port=${3:-33061}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pidfile="$dir/mariadb.pid"
sock="$dir/mariadb.sock"

stop() {
  if [[ -f "$pidfile" ]]; then
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  fi
}

case "$cmd" in
  stop)
    stop
    echo "mariadb.sh: stopped the server in $dir"
    ;;
  start)
    stop
    command -v mariadbd >/dev/null || { echo "mariadb.sh: mariadbd not found (run scripts/install-deps.sh)" >&2; exit 1; }
    user_args=()
    if [[ $(id -u) == 0 ]]; then user_args=(--user=root); fi
    if [[ ! -d "$dir/data/mysql" ]]; then
      rm -rf "$dir/data"
      mariadb-install-db --datadir="$dir/data" "${user_args[@]}" \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
        || { cat "$dir/install.log" >&2; exit 1; }
    fi
    # Its own tmpdir: servers started side by side (tests, the demo) never
    # share temporary table files in /tmp.
    mkdir -p "$dir/tmp"
    mariadbd --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" \
      --socket="$sock" --port="$port" \
      --bind-address=127.0.0.1 --pid-file="$pidfile" "${user_args[@]}" \
      --log-bin="$dir/data/binlog" --binlog-format=ROW --server-id=1 \
      --innodb-buffer-pool-size=64M --skip-name-resolve \
      --log-error="$dir/error.log" </dev/null >"$dir/server.out" 2>&1 &
    for _ in $(seq 1 300); do
      if mariadb --no-defaults --socket="$sock" -uroot -e "SELECT 1" >/dev/null 2>&1; then
        break
      fi
      sleep 0.1
    done
    mariadb --no-defaults --socket="$sock" -uroot -e "
      CREATE USER IF NOT EXISTS 'weir'@'%' IDENTIFIED BY 'weir';
      CREATE USER IF NOT EXISTS 'weir'@'localhost' IDENTIFIED BY 'weir';
      GRANT ALL PRIVILEGES ON *.* TO 'weir'@'%';
      GRANT ALL PRIVILEGES ON *.* TO 'weir'@'localhost';
      FLUSH PRIVILEGES;" || { echo "mariadb.sh: server did not start; see $dir/error.log" >&2; tail -20 "$dir/error.log" >&2; exit 1; }
    echo "mariadb.sh: MariaDB on 127.0.0.1:$port (user weir/weir), data in $dir"
    ;;
  *)
    echo "usage: mariadb.sh start|stop DIR [PORT]" >&2
    exit 2
    ;;
esac
