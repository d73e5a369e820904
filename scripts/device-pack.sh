#!/usr/bin/env bash
# Packs what bench/device-check.sh needs on a GPU machine that has no Node, no npm
# registry and maybe no Vulkan loader (this workplace's device machines) into DIR
# (default .dev, which .git/info/exclude should list): the offline bundle
# (scripts/offline-bundle.mjs), this machine's node binary (xz, about 24 MB) and
# Debian's Vulkan/GL loader packages. Then, there: bash bench/device-check.sh DIR OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-.dev}"
mkdir -p "$dir"
node scripts/offline-bundle.mjs "$dir/ob"
[ -f "$dir/node.xz" ] || xz -6 -T0 -c "$(command -v node)" > "$dir/node.xz"
(cd "$dir" && ls libvulkan1_*.deb >/dev/null 2>&1 || apt-get download libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libgles2 libopengl0)
du -sh "$dir"
