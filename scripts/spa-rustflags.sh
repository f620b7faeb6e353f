#!/usr/bin/env bash
# The RUSTFLAGS the SPA's wasm is built with (scripts/build-spa.sh, and the Dockerfile's
# dependency layer, which must match them to be reused):
# - Leptos's `erase_components`: every component returns a type-erased view, fewer
#   generic copies of the view code, a smaller wasm (the Leptos-documented switch);
# - panic locations name source files: shorter names for the registry's and this
#   repository's files make a smaller wasm and leave no build machine's paths in it.
set -euo pipefail
cd "$(dirname "$0")/.."
flags="--cfg erase_components"
for registry in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  [ -d "$registry" ] && flags="$flags --remap-path-prefix=$registry="
done
echo "$flags --remap-path-prefix=$PWD/="
