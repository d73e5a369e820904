#!/usr/bin/env bash
# On a GPU machine with none of our tools, from what scripts/device-pack.sh packed into
# DIR: puts the Vulkan loader in place if missing, unpacks node, checks the engine
# against the CPU reference (verify) and runs the benchmark suites under Dawn, writing
# OUT/verify.json, OUT/<suite>.json, OUT/report.html, OUT/log.txt and, where nvidia-smi
# exists, OUT/clocks.csv (SM clock every 250 ms: real GPUs idle at low clocks).
# Extra arguments go to the bench (e.g. --suite kernels --kernel-size 8192).
set -uo pipefail
cd "$(dirname "$0")/.."
dir="${1:?usage: bench/device-check.sh DIR OUT [bench args]}"
out="${2:?usage: bench/device-check.sh DIR OUT [bench args]}"
shift 2
mkdir -p "$out"
log="$out/log.txt"
if ! ldconfig -p | grep -q 'libvulkan\.so\.1'; then
  for f in "$dir"/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$nvidia_icd" ] && export VK_DRIVER_FILES="$nvidia_icd"
node=/tmp/node-offline
unxz='import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],"wb"))'
xz -dc "$dir/node.xz" > "$node" 2>/dev/null || python3 -c "$unxz" "$dir/node.xz" "$node"
chmod +x "$node"
"$node" --version || { echo "[device-check] node does not run here" | tee -a "$log"; exit 1; }
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,utilization.gpu --format=csv -lms 250 > "$out/clocks.csv" 2>&1 &
  smi=$!
fi
echo "== verify $(date +%T)" | tee -a "$log"
"$node" "$dir/ob/verify.mjs" --runtime node --json > "$out/verify.json" 2>>"$log"
echo "verify rc=$? $(grep -o '"failed":[0-9]*' "$out/verify.json")" | tee -a "$log"
echo "== bench $(date +%T)" | tee -a "$log"
"$node" "$dir/ob/bench.mjs" --runtime node --out "$out" "$@" >>"$log" 2>&1
echo "bench rc=$?" | tee -a "$log"
rm -f "$out/trace.json" # the report holds the same results; trace.json only adds the serving timelines
[ -n "${smi:-}" ] && kill "$smi"
sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -v '^[-├]' | tail -n 80
