#!/usr/bin/env bash
# C++ lint: the clang-format check (.clang-format) and clang-tidy (.clang-tidy).
# Usage: scripts/lint.sh [path...]    default: server/src
#   A path is a folder or a file, relative to the repository root.
# Every .cpp/.hpp under the paths is one result: it passes when clang-format
# would leave it unchanged and clang-tidy reports nothing in it. clang-tidy
# runs on the .cpp files that have a compile command; a header's findings come
# from the translation units that include it, reported once.
# Environment: LINT_BUILD_DIR (default $BUILD_DIR, else build: its compile_commands.json),
# LINT_JOBS (default 2), LINT_CACHE=0 to re-run clang-tidy on unchanged files,
# LINT_TIDY=0 for the clang-format check alone (seconds; `make test` runs it).
# Ends with "lint: N passed, M failed" and the time taken; exit status 1 on a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build_dir="${LINT_BUILD_DIR:-${BUILD_DIR:-build}}"
jobs="${LINT_JOBS:-2}"
start=$(date +%s)

tidy="${LINT_TIDY:-1}"
tools=(clang-format)
[ "$tidy" = 1 ] && tools+=(clang-tidy)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { echo "lint: $tool not found (scripts/bootstrap.sh test installs it)" >&2; exit 2; }
done

paths=("$@")
((${#paths[@]})) || paths=(server/src)
files=()
for p in "${paths[@]}"; do
  p="${p%/}"
  [ -e "$p" ] || { echo "lint: no such path: $p" >&2; exit 2; }
  while IFS= read -r f; do files+=("${f#./}"); done < <(find "$p" -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
done
((${#files[@]})) || { echo "lint: no .cpp/.hpp files under ${paths[*]}" >&2; exit 2; }

# compile_commands.json comes from configuring; re-run it so new files are in.
if [ "$tidy" != 1 ]; then
  :
elif [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
else
  cmake "$build_dir" >/dev/null || exit 2
fi
db="$build_dir/compile_commands.json"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- clang-format: a file fails when formatting would change it.
printf '%s\n' "${files[@]}" > "$work/files"
xargs -a "$work/files" -d '\n' -P "$jobs" -n 8 sh -c '
  for f; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"; done' sh > "$work/unformatted"

if [ "$tidy" = 1 ]; then
  # --- clang-tidy on the translation units under the paths.
  # Findings in headers are kept only for headers under the paths.
  header_filter=$(printf '%s\n' "${paths[@]}" | sed 's:/*$::; s:[.[\]*+?(){}|^$]:\\&:g' | paste -sd'|')
  header_filter="^${root//./\\.}/(${header_filter})(/|$)"
  grep -o '"file": "[^"]*\.cpp"' "$db" | sed 's/^"file": "//; s/"$//' | sort -u > "$work/db_files"
  : > "$work/units"
  for f in "${files[@]}"; do
    [[ "$f" == *.cpp ]] && grep -qxF "$root/$f" "$work/db_files" && echo "$f" >> "$work/units"
  done
  for f in "${files[@]}"; do
    [[ "$f" == *.cpp ]] && ! grep -qxF "$f" "$work/units" && echo "lint: no compile command for $f (not linted by clang-tidy)" >&2
  done

  # A unit's result is cached under a hash of everything it reads: the unit, the
  # project headers it includes (from the compiler's dependency list), the
  # compile command, .clang-tidy, the header filter and the clang-tidy version.
  cache_dir="$root/$build_dir/lint-cache"
  mkdir -p "$cache_dir"
  find "$cache_dir" -type f -mtime +30 -delete  # results not used for a month
  export root db header_filter cache_dir work
  export LINT_CACHE="${LINT_CACHE:-1}"
  tidy_one() {
    local f=$1 key="" rc
    local out="$work/tidy.${f//\//_}.out"
    if [ "$LINT_CACHE" = 1 ]; then
      # The unit's compile command (CMake writes "directory", "command", "file" in that order).
      local cmd dir deps
      dir=$(awk -v file="$root/$f" '/"directory":/ { d = $0 } index($0, "\"file\": \"" file "\"") { print d; exit }' "$db" \
        | sed 's/^ *"directory": "//; s/",\{0,1\}$//')
      cmd=$(awk -v file="$root/$f" '/"command":/ { c = $0 } index($0, "\"file\": \"" file "\"") { print c; exit }' "$db" \
        | sed 's/^ *"command": "//; s/",\{0,1\}$//')
      # The same command with -MM instead of -o: the headers it reads, no object written.
      local -a argv args=()
      read -ra argv <<< "$cmd"
      local i
      for ((i = 0; i < ${#argv[@]}; i++)); do
        if [ "${argv[i]}" = -o ]; then i=$((i + 1)); continue; fi
        args+=("${argv[i]}")
      done
      deps=$(cd "$dir" 2>/dev/null && "${args[@]}" -MM 2>/dev/null | tr -s ' \\' '\n\n' | grep "^$root/" | sort -u)
      if [ -n "$deps" ]; then
        # shellcheck disable=SC2086
        key=$({ clang-tidy --version; cat "$root/.clang-tidy"; echo "$cmd"; echo "$header_filter"; cat $deps; } \
          | sha256sum | cut -c1-40)
        if [ -f "$cache_dir/$key" ]; then
          touch "$cache_dir/$key"
          cp "$cache_dir/$key" "$out"
          return
        fi
      fi
    fi
    clang-tidy -p "$db" --quiet --header-filter="$header_filter" --extra-arg=-Wno-unknown-warning-option "$root/$f" \
      > "$out" 2>"${out%.out}.err"
    rc=$?
    # A unit clang-tidy could not parse counts as a finding in that unit.
    if [ $rc -ne 0 ] && ! grep -q ': error: ' "$out"; then
      echo "$root/$f:1:1: error: clang-tidy failed: $(head -c 300 "${out%.out}.err" | tr '\n' ' ') [lint-tool]" >> "$out"
    fi
    # Compile errors are as repeatable as findings; a crash or a kill is not.
    if [ -n "$key" ] && { [ $rc -eq 0 ] || grep -q ': error: ' "$out"; }; then cp "$out" "$cache_dir/$key"; fi
  }
  export -f tidy_one
  xargs -a "$work/units" -d '\n' -P "$jobs" -I{} bash -c 'tidy_one "$1"' _ {}

  # "/abs/file:line:col: warning: message [check]" -> "file<TAB>file:line:col: message [check]", once each.
  # Dropped: clang 14 rejects lambdas capturing structured bindings, which C++20
  # allows and GCC 12 compiles (clang supports it from version 16).
  cat "$work"/tidy.*.out 2>/dev/null | grep -E '^/[^:]+:[0-9]+:[0-9]+: (warning|error): .*\[[^]]+\]$' \
    | grep -vE "error: ('[^']*' in capture list does not name a variable|reference to local binding '[^']*' declared in enclosing (function|lambda expression)( '[^']*')?) \[clang-diagnostic-error\]$" \
    | sed -E "s#^$root/##; s#^([^:]+):([0-9]+):([0-9]+): (warning|error): #\1\t\1:\2:\3: #" | sort -t: -k1,1 -k2,2n -k3,3n -u > "$work/findings"
else
  : > "$work/units"
  : > "$work/findings"
fi

pass=0 fail=0 fmt_fail=0 tidy_fail=0
for f in "${files[@]}"; do
  bad=0
  if grep -qxF "$f" "$work/unformatted"; then
    echo "FAIL $f: not formatted (clang-format -i $f)"; bad=1; fmt_fail=$((fmt_fail + 1))
  fi
  n=$(awk -F'\t' -v f="$f" '$1 == f' "$work/findings" | wc -l)
  if [ "$n" -gt 0 ]; then
    echo "FAIL $f: $n clang-tidy finding(s)"
    awk -F'\t' -v f="$f" '$1 == f { print "  " $2 }' "$work/findings"
    bad=1; tidy_fail=$((tidy_fail + 1))
  fi
  if ((bad)); then fail=$((fail + 1)); else pass=$((pass + 1)); fi
done

elapsed=$(($(date +%s) - start))
echo "lint: $pass passed, $fail failed ($fmt_fail not formatted, $tidy_fail with clang-tidy findings;" \
  "$(wc -l < "$work/units") units tidied) in $((elapsed / 60))m$((elapsed % 60))s"
((fail == 0))
