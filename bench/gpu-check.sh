#!/usr/bin/env bash
# One command for a Linux GPU server with Node 20+ and no browser: installs what the
# Node runtime needs (the npm packages, the Vulkan loader), checks the engine against
# the CPU reference there (npm run verify) and runs the ceilings,
# kernels, decode sweep (up to about 1.1 GiB of f32 weights where memory allows) and
# serving suites under Dawn, writing bench/results/gpu-check/ (or the folder given).
# Meant to finish in well under 8 minutes on a real GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/results/gpu-check}"

node scripts/vulkan-loader.mjs # finds libvulkan.so.1, or installs libvulkan1 (root + apt), or says how
[ -d node_modules/webgpu ] || npm ci

npm run -s verify -- --runtime node # correctness on this adapter first (exits 1 on a failure)
# 8192^2 kernels: past a large GPU's cache. No --rate: the serve suite's Poisson
# requests come at twice what continuous batching finishes on this GPU (at a fixed 8/s
# an H200 waited for arrivals, all policies alike, GPU busy a quarter of the time).
# --full: the GEMM at 512 rows, five repeats, three serve replays; a GPU takes them in seconds.
npm run -s bench -- --runtime node --full --suite ceilings,kernels,sweep,serve \
  --kernel-size 8192 --ladder 64,256,512,1024,2048,2560,3072,3584 --out "$out"
echo "[gpu-check] results in $out"
