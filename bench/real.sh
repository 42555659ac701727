#!/usr/bin/env bash
# Benchmark of real vNodes (issue 10): prints numbers, asserts nothing.
#   npm run bench:real
# 1. The same kink image's `kubeadm init` in a plain privileged container (docker; no pod, no
#    SSH, no Pulumi): test/real/kink-smoke.sh.
# 2. The real tier (test/real): pulumi up of a master and a worker vNode, with per-step times,
#    container start -> sshd ready, inner node registered -> Ready, idle vNode memory.
# 3. vk8s's overhead as the ratio of the vNode's kubeadm-init step (over SSH, via Pulumi) to
#    the plain container's kubeadm init.
# 4. Federated learning in that cluster (test/real/fl.real.test.ts): seconds per round per
#    client of EfficientNetB0 on CPU, model size, pulumi up of the FL program -> first stored round.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash scripts/setup.sh --only toolchain images
plain=$(bash test/real/kink-smoke.sh 2>&1 | tee "$out/smoke.log" | sed -n 's/.*kubeadm init completed in \([0-9]*\) s.*/\1/p')
VK8S_REAL_MEASURES="$out/real.json" VK8S_REAL_FL_MEASURES="$out/fl.json" bash scripts/real.sh >"$out/real.log" 2>&1 || { tail -n 40 "$out/real.log"; exit 1; }
node - "$out/real.json" "${plain:-}" <<'JS'
const [file, plain] = process.argv.slice(2);
const m = require(file);
console.log("real vNodes (2 cores, Kubernetes 1.34.4, Kubeflow 26.03 with stand-in images)");
for (const [k, v] of Object.entries(m)) if (k !== "timings") console.log(`  ${k}: ${v}`);
const init = Object.entries(m).find(([k]) => k.includes("kubeadm-init"));
if (plain && init) {
  console.log(`  kubeadm init in a plain privileged container (s): ${plain}`);
  console.log(`  overhead ratio (vNode kubeadm-init step / plain container kubeadm init): ${(Number(init[1]) / Number(plain)).toFixed(2)}`);
}
JS
if [ -f "$out/fl.json" ]; then
  node - "$out/fl.json" <<'JS'
const m = require(process.argv[2]);
console.log("federated learning in that cluster (EfficientNetB0, random init, CIFAR-10-shaped generated data, 2 clients, CPU)");
for (const [k, v] of Object.entries(m)) console.log(`  ${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
JS
fi
