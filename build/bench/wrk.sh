#!/usr/bin/env bash
# Receive throughput and latency of a real `xaso serve` (fsync per group
# commit) under 1 and 16 concurrent desks, the load made by wrk — a light C
# client, so the server, not the load generator, has the two cores. Beside
# the rates it prints what each acknowledged receipt cost the server in terms
# that do not depend on the machine's speed: CPU (user+sys of the process from
# /proc/PID/stat), bytes the kernel wrote to disk (/proc/PID/io write_bytes)
# and fsync/fdatasync calls (perf's syscall tracepoints, when the kernel
# allows them), and the time one synced 4 KiB write takes on this disk.
set -euo pipefail
bin=${1:-build/bin/xaso}
dir=$(mktemp -d) addr=127.0.0.1:18499
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
XASO_ADMIN_PASSWORD=admin-password XASO_CPUPROFILE=${XASO_CPUPROFILE:-} "$bin" serve --data "$dir" --listen $addr --commune 14701 --agency 000.00.31.H42 2>"${XASO_LOG:-$dir/log}" &
pid=$!
for _ in $(seq 100); do curl -sf http://$addr/api/v1/health >/dev/null && break; sleep 0.1; done
token() { curl -sf -X POST http://$addr/api/v1/sessions -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/'; }
admin=$(token admin admin-password)
curl -sf -X POST http://$addr/api/v1/users -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"username":"desk","password":"Tiep-nhan-2026!","full_name":"Lê Thị Tiếp","roles":["receiver"]}' >/dev/null
export XASO_TOKEN=$(token desk 'Tiep-nhan-2026!')
script=$(dirname "$0")/receive.lua

# One synced 4 KiB write on the disk that holds the data folder.
dd_out=$(dd if=/dev/zero of="$dir/fsync-probe" bs=4k count=300 oflag=dsync 2>&1 | tail -1)
fsync_ms=$(echo "$dd_out" | awk '{for(i=1;i<=NF;i++) if ($i ~ /^s,?$/) {print $(i-1)*1000/300; exit}}')
rm -f "$dir/fsync-probe"
printf 'figure: one synced 4 KiB write on this disk: %.3f ms\n' "${fsync_ms:-0}"

cpu_ticks() { awk '{print $14+$15}' /proc/$pid/stat; }
written() { awk '/^write_bytes/ {print $2}' /proc/$pid/io; }
tick=$(getconf CLK_TCK)
have_perf=0
if command -v perf >/dev/null && perf stat -e syscalls:sys_enter_fdatasync -p $pid -- sleep 0.1 >/dev/null 2>&1; then have_perf=1; fi

for c in 1 16; do
  c0=$(cpu_ticks) w0=$(written)
  if [ $have_perf = 1 ]; then
    perf stat -x, -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync -p $pid -o "$dir/perf" -- sleep 7 &
    perfpid=$!
  fi
  out=$(wrk -t1 -c$c -d6s --latency -s "$script" http://$addr)
  c1=$(cpu_ticks) w1=$(written)
  syncs=-1
  if [ $have_perf = 1 ]; then wait $perfpid; syncs=$(awk -F, '/sys_enter/ {s+=$1} END {print s+0}' "$dir/perf"); fi
  rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  total=$(echo "$out" | awk '/requests in/ {print $1}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  ok=$(( total - ${bad:-0} ))
  printf 'figure: receive via wrk, %2d desk(s): %8s receipts/s  p50 %s  p99 %s  non-2xx %s\n' "$c" "$rate" "$p50" "$p99" "${bad:-0}"
  awk -v c=$c -v ok=$ok -v dc=$((c1-c0)) -v tick=$tick -v dw=$((w1-w0)) -v s=$syncs 'BEGIN {
    if (ok <= 0) ok = 1
    printf "figure: cost per acknowledged receipt, %2d desk(s): %7.1f µs CPU  %7.2f KB written  %s fsyncs\n",
      c, dc * 1e6 / tick / ok, dw / 1024 / ok, (s < 0 ? "n/a" : sprintf("%.3f", s / ok)) }'
done
printf 'figure: rss of xaso serve after the wrk runs: %s MB\n' "$(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$pid/status)"
