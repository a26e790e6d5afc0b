#!/usr/bin/env bash
# Memory of a real `xaso serve` under 100 failed sign-ins sent at once: peak
# RSS (VmHWM) before and after, and how the answers split (401 wrong
# password, 429 slowed down, 000 a connection over the per-address cap).
# argon2id takes 12 MiB per hash: unbounded, 100 hashes at once cost ~1 GB.
set -euo pipefail
bin=${1:-build/bin/xaso}
dir=$(mktemp -d) addr=127.0.0.1:18498
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
XASO_ADMIN_PASSWORD=admin-password "$bin" serve --data "$dir" --listen $addr --commune 14701 --agency 000.00.31.H42 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do curl -sf http://$addr/api/v1/health >/dev/null && break; sleep 0.1; done
before=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
for i in $(seq 100); do
  curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"wrong-$i\"}" http://$addr/api/v1/sessions &
done > "$dir/codes"
pids=$(jobs -p | grep -vx "$pid" || true)
if [ -n "$pids" ]; then wait $pids 2>/dev/null || true; fi
after=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
printf 'figure: peak RSS of xaso serve: %.1f MB before, %.1f MB after 100 failed sign-ins at once; answers %s\n' \
  "$(awk "BEGIN{print $before/1024}")" "$(awk "BEGIN{print $after/1024}")" "$(sort "$dir/codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
