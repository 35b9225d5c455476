#!/usr/bin/env bash
# Starts the demo exchange from nothing: installs packages, builds, starts a private
# redis-server under var/ on port 6390, then runs dazongd with config/demo.toml in the
# foreground (Ctrl-C stops the daemon; scripts/stop-demo.sh also stops Redis). When the ledger
# is empty it is seeded through the HTTP API (dazong-receipts seed-demo): stock reports and
# receipts by the warehouses, deposits by the bank, so that the demo members can trade.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

scripts/setup.sh
scripts/build.sh default

config="${DAZONG_CONFIG:-config/demo.toml}"
redis_port="$(awk '/^\[redis\]/{s=1;next} /^\[/{s=0} s && $1=="port"{print $3; exit}' "$config")"
mkdir -p var/redis
if redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  echo "redis-server already running on port $redis_port"
else
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$root/var/redis" \
    --daemonize yes --pidfile "$root/var/redis/redis.pid" --logfile "$root/var/redis/redis.log" \
    --appendonly yes --save ""
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "started redis-server on 127.0.0.1:$redis_port (data in var/redis)"
fi

http_port="$(awk '/^\[http\]/{s=1;next} /^\[/{s=0} s && $1=="port"{print $3; exit}' "$config")"

cat <<TXT

Dazong demo exchange
  FIX 4.4 acceptor : 127.0.0.1:$(awk '/^\[fix\]/{s=1;next} /^\[/{s=0} s && $1=="port"{print $3; exit}' "$config"), TargetCompID DAZONG
  demo logins      : docs/demo-credentials.md
  HTTP API         : 127.0.0.1:${http_port} (docs/receipts.md)
  try              : build/default/tools/dazong-trade --port 9878 --comp-id HUAXIN-OE \\
                       --password demo-HUAXIN-OE buy RB-HRB400E 10000@3650.00
                     build/default/tools/dazong-receipts --port ${http_port} --as M001 \\
                       --token demo-token-M001 holdings
  trades in Redis  : redis-cli -p $redis_port XRANGE dazong:trades:RB-HRB400E - +
  stop             : Ctrl-C (then scripts/stop-demo.sh to stop Redis)

TXT
build/default/exchange/dazongd --config "$config" &
daemon=$!
trap 'kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon"; exit 0' INT TERM
# Seed the ledger once the API answers (dazong-receipts exits 3 while it is unreachable).
for _ in $(seq 100); do
  rc=0
  build/default/tools/dazong-receipts --port "$http_port" seed-demo || rc=$?
  [ "$rc" -ne 3 ] && break
  sleep 0.3
done
wait "$daemon"
