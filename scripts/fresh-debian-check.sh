#!/usr/bin/env bash
# Checks the README's two commands on a fresh Debian 12: builds a minimal
# bookworm root with debootstrap (plus git, nothing else), clones a branch
# of this repository into it, and runs `bash scripts/demo.sh` and then
# `bash scripts/test.sh` inside it, as root, as a new user would.
#
#   sudo bash scripts/fresh-debian-check.sh [BRANCH]
#
# BRANCH (a local branch) defaults to the branch checked out here; only what
# is committed on it is checked. Needs root (debootstrap, chroot, mounts) and the network
# (the Debian mirror). Takes long: the root starts with no compiler cache.
#
# Environment:
#   WEIR_CHROOT=DIR        the root (default /work/chroot-bookworm). Its
#                          pristine state is kept in DIR.base.tar and
#                          restored before each run, so every run starts
#                          fresh; the root is left in place afterwards.
#   WEIR_CHROOT_REUSE=1    keep the root as the last run left it (packages
#                          and build/ included): a quick rerun, not a fresh
#                          install.
#   WEIR_MIRROR=URL        Debian mirror (default http://deb.debian.org/debian)
#   WEIR_SKIP_TESTS=1      run the demo only
#   WEIR_SKIP_ASAN=1       passed to test.sh: no sanitizer build, no fuzzer
#   WEIR_FUZZ_SECONDS=N    passed to test.sh
#   WEIR_TEST_MYSQL_PORT=P the test MariaDB's port inside the root (default
#                          33075): the root shares the host's network, where
#                          the default 33061 may be taken.
#
# Exit status 0 when both commands passed; the log of each is kept in the
# root under /root/weir-*.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
branch=${1:-$(git -C "$here" rev-parse --abbrev-ref HEAD)}
root=${WEIR_CHROOT:-/work/chroot-bookworm}
base="$root.base.tar"
mirror=${WEIR_MIRROR:-http://deb.debian.org/debian}
port=${WEIR_TEST_MYSQL_PORT:-33075}

if [[ $(id -u) -ne 0 ]]; then
  echo "fresh-debian-check: run as root (debootstrap, chroot, mounts)" >&2
  exit 1
fi
case "$root" in
  /*) ;;
  *) echo "fresh-debian-check: WEIR_CHROOT must be an absolute path" >&2; exit 1 ;;
esac
if [[ "$root" == / || "$root" == "$here"* ]]; then
  echo "fresh-debian-check: the root must be outside the repository" >&2
  exit 1
fi

log() { printf '\n==> %s\n' "$*"; }

# Anything mounted under the root (proc, dev, ...)?
mounted_under_root() {
  awk -v r="$root/" 'index($2 "/", r) == 1 { found = 1 } END { exit !found }' /proc/mounts
}

unmount_all() {
  local target
  # Deepest first.
  for target in $(awk -v r="$root/" 'index($2 "/", r) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount "$target" 2>/dev/null || umount -l "$target" || true
  done
}
trap unmount_all EXIT

# Removes the root, never following a mount out of it.
remove_root() {
  unmount_all
  if mounted_under_root; then
    echo "fresh-debian-check: something is still mounted under $root; not removing it" >&2
    exit 1
  fi
  rm -rf --one-file-system "$root"
}

in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 "$@"
}

# proc, sys, a private devpts (the shell's tests use pseudo terminals) and
# /dev/shm. The host's /dev is not bound in: nothing mounted here can reach
# it. The device nodes are those debootstrap made.
mount_all() {
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mkdir -p "$root/dev/pts" "$root/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
  ln -sf pts/ptmx "$root/dev/ptmx"
  mount -t tmpfs tmpfs "$root/dev/shm"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  # What the Debian installer writes and debootstrap does not; without it
  # not even 'localhost' resolves (mariadb-install-db stops there).
  if [[ ! -e "$root/etc/hosts" ]]; then
    printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
      "$(hostname)" >"$root/etc/hosts"
  fi
}

# --- The pristine root: bookworm (minbase) and git, made once ------------
if [[ ! -f "$base" ]]; then
  command -v debootstrap >/dev/null || {
    echo "fresh-debian-check: needs debootstrap (apt-get install debootstrap)" >&2
    exit 1
  }
  log "debootstrap bookworm into $root (once; kept as $base)"
  if [[ -e "$root" ]]; then remove_root; fi
  debootstrap --variant=minbase bookworm "$root" "$mirror"
  # The suites a Debian 12 installation has.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
  mount_all
  in_root apt-get update
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
    --no-install-recommends git
  in_root apt-get clean
  unmount_all
  tar -C "$root" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  fresh=1
fi

if [[ "${WEIR_CHROOT_REUSE:-0}" != 1 && "${fresh:-0}" != 1 ]]; then
  log "restore the pristine root from $base"
  remove_root
  mkdir -p "$root"
  tar -C "$root" -xf "$base"
fi

# --- The branch, cloned inside the root -----------------------------------
log "clone branch '$branch' ($(git -C "$here" rev-parse --short "refs/heads/$branch")) into $root/root/weir"
git -C "$here" bundle create "$root/tmp/weir.bundle" "refs/heads/$branch"
mount_all
in_root rm -rf /root/weir
in_root git clone --quiet --branch "$branch" /tmp/weir.bundle /root/weir
rm -f "$root/tmp/weir.bundle"

status=0
log "bash scripts/demo.sh (log: $root/root/weir-demo.log)"
if in_root bash -c 'cd /root/weir && bash scripts/demo.sh' 2>&1 |
  tee "$root/root/weir-demo.log"; then
  echo "fresh-debian-check: demo.sh passed"
else
  echo "fresh-debian-check: demo.sh FAILED" >&2
  status=1
fi

if [[ "${WEIR_SKIP_TESTS:-0}" != 1 && $status == 0 ]]; then
  log "bash scripts/test.sh (log: $root/root/weir-test.log)"
  # The demo configured build/ with the default MariaDB port; take one that
  # is free on this host.
  in_root bash -c "cd /root/weir && cmake -S . -B build -DWEIR_TEST_MYSQL_PORT=$port >/dev/null"
  if in_root env WEIR_SKIP_ASAN="${WEIR_SKIP_ASAN:-0}" \
    ${WEIR_FUZZ_SECONDS:+WEIR_FUZZ_SECONDS=$WEIR_FUZZ_SECONDS} \
    bash -c 'cd /root/weir && bash scripts/test.sh' 2>&1 |
    tee "$root/root/weir-test.log"; then
    echo "fresh-debian-check: test.sh passed"
  else
    echo "fresh-debian-check: test.sh FAILED" >&2
    status=1
  fi
fi

log "done: $([[ $status == 0 ]] && echo passed || echo FAILED); the root stays in $root"
exit $status
