#!/usr/bin/env bash
# Copies the release server and the built SPA out of an image made by scripts/image.sh:
#   scripts/image-files.sh [tag] [dir]     (default notes:test, target/image)
# into DIR/server and DIR/dist. The test suite runs those (fuzzing, the hosted and
# replica tests, the browser tests), so what it tests is what ships, and the server and
# the SPA are compiled once, inside the image, not a second time on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${1:-notes:test}
DIR=${2:-target/image}
export STORAGE_DRIVER=overlay
[ "$(id -u)" -eq 0 ] || { echo "image-files.sh: buildah needs root" >&2; exit 1; }
container=$(buildah from --pull=never "$TAG")
trap 'buildah umount "$container" >/dev/null 2>&1 || true; buildah rm "$container" >/dev/null 2>&1 || true' EXIT
mnt=$(buildah mount "$container")
[ -n "$mnt" ] && [ "$mnt" != / ] || { echo "image-files.sh: buildah mount gave no directory" >&2; exit 1; }
rm -rf "$DIR/server" "$DIR/dist"
mkdir -p "$DIR"
cp -a "$mnt/app/server" "$DIR/server"
cp -a "$mnt/app/dist" "$DIR/dist"
echo "image-files: $TAG's /app/server and /app/dist are in $DIR"
