#!/bin/sh
# The container image's install and start commands, in one place: the Dockerfile runs them, and so
# does test/release/release.test.ts (no container engine runs in CI), so what the test proves is
# what the image does.
#   image.sh pack DIR             in a clone with dev dependencies: build and write the release
#                                 tarball (npm pack) into DIR
#   image.sh install TGZ PREFIX   install a release tarball into PREFIX without dev dependencies
#                                 (compiles better-sqlite3: python3, make and g++)
#   image.sh start                run the installed copy this script belongs to (exec: signals reach it)
#   image.sh health               exit 0 when its /healthz answers 200 (HEALTHCHECK)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pkg=$(dirname "$here")

case "${1:-}" in
pack)
  [ $# -eq 2 ] || { echo "usage: image.sh pack DIR" >&2; exit 2; }
  mkdir -p "$2"
  cd "$pkg"
  npm pack --pack-destination "$2"
  ;;
install)
  [ $# -eq 3 ] || { echo "usage: image.sh install TGZ PREFIX" >&2; exit 2; }
  tgz=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
  mkdir -p "$3"
  # The prefix is a project of its own, whose package.json says which dependency may run its
  # install script (npm 11 asks): better-sqlite3, which compiles its addon. Kept on upgrades.
  [ -f "$3/package.json" ] || printf '{\n  "private": true,\n  "allowScripts": { "better-sqlite3": true }\n}\n' >"$3/package.json"
  npm install --prefix "$3" --omit=dev --no-audit --no-fund "$tgz"
  ;;
start)
  exec node "$pkg/bin/sekisho.js" start
  ;;
health)
  exec node "$pkg/deploy/healthcheck.mjs"
  ;;
*)
  echo "usage: image.sh pack DIR | install TGZ PREFIX | start | health" >&2
  exit 2
  ;;
esac
