#!/usr/bin/env bash
# Receive throughput and latency of a real `xaso serve` (fsync per group
# commit) under 16 concurrent desks, the load made by wrk — a light C client,
# so the server, not the load generator, has the two cores. Prints figures.
set -euo pipefail
bin=${1:-build/bin/xaso}
dir=$(mktemp -d) addr=127.0.0.1:18499
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
XASO_ADMIN_PASSWORD=admin-password XASO_CPUPROFILE=${XASO_CPUPROFILE:-} "$bin" serve --data "$dir" --listen $addr --commune 14701 --agency 000.00.31.H42 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do curl -sf http://$addr/api/v1/health >/dev/null && break; sleep 0.1; done
token() { curl -sf -X POST http://$addr/api/v1/sessions -d "{\"username\":\"$1\",\"password\":\"$2\"}" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/'; }
admin=$(token admin admin-password)
curl -sf -X POST http://$addr/api/v1/users -H "Authorization: Bearer $admin" \
  -d '{"username":"desk","password":"password-desk","full_name":"Lê Thị Tiếp","roles":["receiver"]}' >/dev/null
export XASO_TOKEN=$(token desk password-desk)
script=$(dirname "$0")/receive.lua
for c in 1 16; do
  out=$(wrk -t1 -c$c -d6s --latency -s "$script" http://$addr)
  rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  printf 'figure: receive via wrk, %2d desk(s): %8s receipts/s  p50 %s  p99 %s  non-2xx %s\n' "$c" "$rate" "$p50" "$p99" "${bad:-0}"
done
printf 'figure: rss of xaso serve after the wrk runs: %s MB\n' "$(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$pid/status)"
