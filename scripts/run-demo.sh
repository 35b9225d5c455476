#!/usr/bin/env bash
# Starts the demo exchange from nothing: installs packages, builds, starts a private
# redis-server under var/ on port 6390, then runs dazongd with config/demo.toml in the
# foreground (Ctrl-C stops the daemon; scripts/stop-demo.sh also stops Redis).
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

cat <<TXT

Dazong demo exchange
  FIX 4.4 acceptor : 127.0.0.1:$(awk '/^\[fix\]/{s=1;next} /^\[/{s=0} s && $1=="port"{print $3; exit}' "$config"), TargetCompID DAZONG
  demo logins      : docs/demo-credentials.md
  try              : build/default/tools/dazong-trade --port 9878 --comp-id HUAXIN-OE \\
                       --password demo-HUAXIN-OE buy RB-HRB400E 10000@3650.00
  trades in Redis  : redis-cli -p $redis_port XRANGE dazong:trades:RB-HRB400E - +
  stop             : Ctrl-C (then scripts/stop-demo.sh to stop Redis)

TXT
exec build/default/exchange/dazongd --config "$config"
