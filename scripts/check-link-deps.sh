#!/usr/bin/env bash
# Checks that every library the build links comes from a package that
# scripts/install-deps.sh installs, so that a dependency added to the build
# without its package fails the tests instead of a fresh install (uuid-dev
# was such a package: linking weir needs -luuid for the ANTLR runtime).
#
#   scripts/check-link-deps.sh BUILD_DIR        check the build
#   scripts/check-link-deps.sh --self-test BUILD_DIR
#
# What is checked: each library on the link line of each executable and
# library target of BUILD_DIR (build.ninja, or the link.txt files of a
# Makefile build) -- absolute paths outside BUILD_DIR, and -lNAME resolved
# the way the compiler does -- and each shared library the built
# executables load (ldd). Each must belong (dpkg -S) to a package of
# install-deps.sh --list, or to a package those depend on (Depends and
# Pre-Depends, recursively, as apt installs them without recommends), or to
# the base system of every Debian installation (Essential or Priority
# required). A library that no package owns (built by hand, in /usr/local)
# fails too.
#
# --self-test runs the check on the build (it must pass), then shows that it
# fails where it should: with a link line naming -luuid while install-deps
# lacks uuid-dev (the bug it exists for), a library that does not exist,
# and one that no package owns. CTest runs this form.
#
# Options for the self-test (or for trying a change): --without PKG drops a
# package from the list; --link-line "ARGS" adds a link line.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self_test=0
without=()
extra_lines=()
build=""
while (($#)); do
  case "$1" in
    --self-test) self_test=1 ;;
    --without) without+=("$2"); shift ;;
    --link-line) extra_lines+=("$2"); shift ;;
    -*) echo "check-link-deps: unknown option $1" >&2; exit 2 ;;
    *) build=$1 ;;
  esac
  shift
done
if [[ -z "$build" || ! -d "$build" ]]; then
  echo "usage: check-link-deps.sh [--self-test] [--without PKG] [--link-line ARGS] BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$build" && pwd)

if ((self_test)); then
  fail() { echo "check-link-deps self-test: $*" >&2; exit 1; }
  echo "--- the build's own link lines: must pass"
  bash "$0" "$build" || fail "the build's libraries are not all installed by install-deps.sh"

  echo "--- -luuid without uuid-dev: must fail"
  if out=$(bash "$0" --without uuid-dev --link-line "-luuid" "$build" 2>&1); then
    fail "passed without uuid-dev: $out"
  fi
  echo "$out"
  [[ "$out" == *"libuuid.so"*"uuid-dev"* ]] || fail "the failure does not name libuuid.so and uuid-dev"

  echo "--- a library that does not exist: must fail"
  if out=$(bash "$0" --link-line "-lweir_no_such_library" "$build" 2>&1); then
    fail "passed with a missing library: $out"
  fi
  echo "$out"
  [[ "$out" == *"-lweir_no_such_library"*"not found"* ]] || fail "the failure does not name the missing library"

  echo "--- a library no package owns: must fail"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  : >"$tmp/libweir_by_hand.so"
  if out=$(bash "$0" --link-line "$tmp/libweir_by_hand.so" "$build" 2>&1); then
    fail "passed with a library from no package: $out"
  fi
  echo "$out"
  [[ "$out" == *"libweir_by_hand.so"*"no package"* ]] || fail "the failure does not name the unowned library"
  echo "check-link-deps self-test: passed"
  exit 0
fi

# --- The allowed packages ---------------------------------------------------
mapfile -t listed < <(bash "$here/install-deps.sh" --list)
for drop in "${without[@]}"; do
  for i in "${!listed[@]}"; do
    [[ "${listed[$i]}" == "$drop" ]] && unset 'listed[i]'
  done
done

# Installed packages: name, Essential, Priority, Provides, Depends and
# Pre-Depends; the closure starts from the listed ones and the base system.
allowed=$(
  dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Essential}\t${Priority}\t${Provides}\t${Depends}, ${Pre-Depends}\n' |
    awk -F'\t' -v roots="${listed[*]}" '
      function clean(name) {  # "libfoo (>= 1) [arch]" or "foo:any" -> "foo"
        sub(/^[ \t]+/, "", name); sub(/[ \t(\[].*$/, "", name); sub(/:.*$/, "", name)
        return name
      }
      $2 ~ /^ii/ {
        installed[$1] = 1; deps[$1] = $6
        if ($3 == "yes" || $4 == "required") base[$1] = 1
        n = split($5, provides, ",")
        for (i = 1; i <= n; i++) { p = clean(provides[i]); if (p != "") providers[p] = providers[p] " " $1 }
      }
      END {
        n = split(roots, list, " ")
        for (i = 1; i <= n; i++) queue[++tail] = list[i]
        for (p in base) queue[++tail] = p
        while (head < tail) {
          name = queue[++head]
          if (seen[name]) continue
          seen[name] = 1
          if (!(name in installed)) {  # a virtual package: its providers
            m = split(providers[name], alts, " ")
            for (j = 1; j <= m; j++) queue[++tail] = alts[j]
            continue
          }
          print name
          groups = split(deps[name], group, ",")
          for (g = 1; g <= groups; g++) {
            m = split(group[g], alts, "|")
            for (j = 1; j <= m; j++) {
              d = clean(alts[j])
              if (d != "" && ((d in installed) || (d in providers))) queue[++tail] = d
            }
          }
        }
      }' | sort -u
)

# --- The link lines: "TARGET<TAB>ARG" ---------------------------------------
link_args() {
  if [[ -f "$build/build.ninja" ]]; then
    awk '
      /^build [^:]+: [A-Z_]*(EXECUTABLE|SHARED_LIBRARY|MODULE)_LINKER/ {
        target = $2; sub(/:$/, "", target); next
      }
      /^  (LINK_LIBRARIES|LINK_FLAGS|LINK_PATH) = / && target != "" {
        for (i = 3; i <= NF; i++) print target "\t" $i
      }
      /^$/ { target = "" }' "$build/build.ninja"
  else
    find "$build" -name link.txt | while read -r file; do
      target=$(basename "$(dirname "$file")" .dir)
      tr ' ' '\n' <"$file" | sed "s|^|$target\t|"
    done
  fi
  for line in "${extra_lines[@]}"; do
    for arg in $line; do printf -- '--link-line\t%s\n' "$arg"; done
  done
}

cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
cxx=${cxx:-c++}

# -lNAME to a file: the -L directories of the link lines first, then the
# compiler's own search (shared before static, as the linker prefers).
search_dirs=$(link_args | awk -F'\t' '$2 ~ /^-L/ { print substr($2, 3) }' | sort -u)
resolve() {
  local name=$1 dir file
  for dir in $search_dirs; do
    for file in "$dir/lib$name.so" "$dir/lib$name.a"; do
      [[ -e "$file" ]] && { echo "$file"; return; }
    done
  done
  for file in "lib$name.so" "lib$name.a"; do
    local found
    found=$("$cxx" -print-file-name="$file" 2>/dev/null || true)
    [[ "$found" == /* && -e "$found" ]] && { realpath -s "$found"; return; }
  done
  return 1
}

problems=()
# The files to check: "FILE<TAB>WHAT", the first reason for each.
files=""
add_file() { files+="$1"$'\t'"$2"$'\n'; }

while IFS=$'\t' read -r target arg; do
  case "$arg" in
    -l*)
      name=${arg#-l}
      if file=$(resolve "$name"); then
        add_file "$file" "$arg, linked by $target"
      else
        problems+=("$arg (linked by $target): library not found; install its -dev package and list it in install-deps.sh")
      fi
      ;;
    /*.so | /*.so.* | /*.a)
      [[ "$arg" == "$build"/* ]] && continue  # built here
      if [[ -e "$arg" ]]; then
        add_file "$arg" "linked by $target"
      else
        problems+=("$arg (linked by $target): file not found")
      fi
      ;;
  esac
done < <(link_args)

# Shared libraries the built executables load.
while read -r exe; do
  [[ -x "$build/$exe" ]] || continue
  while read -r lib; do
    add_file "$lib" "loaded by $exe"
  done < <(ldd "$build/$exe" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
done < <(link_args | awk -F'\t' '$1 != "--link-line" { print $1 }' | sort -u)

files=$(awk -F'\t' 'NF && !seen[$1]++' <<<"$files")

# Each file under the names dpkg may know it by, in this order: as given
# (a -dev package's libfoo.so symlink belongs to the -dev package, not to
# the runtime library it points to), across the /usr merge, and with
# symlinks resolved ("FILE<TAB>NAME" lines; the first name that has an
# owner decides).
names=$(
  paste <(cut -f1 <<<"$files") <(cut -f1 <<<"$files" | xargs -d '\n' realpath --) |
    awk -F'\t' '{
      print $1 "\t" $1
      other = $1; if (sub(/^\/usr\//, "/", other)) print $1 "\t" other; else print $1 "\t/usr" $1
      print $1 "\t" $2
    }'
)
# Their owners, by one dpkg -S: "NAME<TAB>PACKAGE" lines.
owners=$(
  cut -f2 <<<"$names" | sort -u | xargs -d '\n' dpkg -S 2>/dev/null |
    awk -F': ' '{ n = split($1, p, ", "); for (i = 1; i <= n; i++) { sub(/:.*$/, "", p[i]); print $2 "\t" p[i] } }' || true
)
count=$(grep -c . <<<"$files" || true)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "$allowed" >"$work/allowed"
echo "$owners" >"$work/owners"
echo "$names" >"$work/names"
echo "$files" >"$work/files"
mapfile -t -O "${#problems[@]}" problems < <(
  awk -F'\t' -v dir="$work" '
    FILENAME == dir "/allowed" { allowed[$1] = 1; next }
    FILENAME == dir "/owners" { owner[$1] = owner[$1] " " $2; next }
    FILENAME == dir "/names" { known[$1] = known[$1] " " $2; next }
    NF {
      file = $1; what = $2; ok = 0; found = ""
      n = split(known[file], name, " ")
      for (i = 1; i <= n && found == ""; i++) {
        m = split(owner[name[i]], package, " ")
        for (j = 1; j <= m; j++) {
          if (index("," found ",", "," package[j] ",") == 0) found = found (found == "" ? "" : ",") package[j]
          if (package[j] in allowed) ok = 1
        }
      }
      if (found == "")
        print file " (" what ") comes from no package; install it with one that install-deps.sh lists"
      else if (!ok)
        print file " (" what ") comes from " found ", which scripts/install-deps.sh neither lists nor pulls in; add it there"
    }' "$work/allowed" "$work/owners" "$work/names" "$work/files"
)

if ((${#problems[@]})); then
  echo "check-link-deps: ${#problems[@]} problem(s) in $build:" >&2
  printf '  %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "check-link-deps: every library of $build comes from the packages of install-deps.sh ($count files)"
