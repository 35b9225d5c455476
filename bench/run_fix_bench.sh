#!/usr/bin/env bash
# FIX load benchmark: the same fix-load runs against QuickFIX's echo acceptor and against the
# full exchange (dazongd: gateway, matching, durable group commit), alternately, ROUNDS times.
# Both use ThreadedSocketAcceptor, the exchange's memory-mapped session store
# (dazong/mapped_file_store.h) and the exchange's dictionary with validation.
#
# usage: bench/run_fix_bench.sh [BUILD_DIR] [ROUNDS] [DURATION_S]
# env:   DATA_BASE=/dev/shm  put dazongd's data directory there (tmpfs: fsync costs nothing,
#        which separates the gateway's and core's cost from the disk's sync latency).
#        DAZONGD=/path/to/dazongd  another daemon build (e.g. to compare two commits);
#        SKIP_ECHO=1  only the daemon.
#        ECHO_STORE=file  the echo acceptor with QuickFIX's FileStore instead of the exchange's
#        store (memory: MemoryStore).
#        ECHO_REPORTS=trades  the echo acceptor also sends the trade reports and drop copies the
#        exchange sends for the alternate mix (fix-echo-acceptor --reports trades): what
#        QuickFIX alone costs for the exchange's message count.
#        MIX=rest-cancel  fix-load's order mix (default alternate; see bench/fix_load.cc).
#        PREWRITE_MB=0  dazongd's exchange.journal_wal_prewrite_mb (default: the demo's 64).
#        MODES="rate inflight"  which loads to run (default both).
#        SETUP="cmd"  passed to fix-load --setup for the dazongd runs (runs after the
#        sessions log on, before the load).
# Each dazongd run starts from an empty ledger, seeded through the HTTP API
# (dazong-receipts seed-demo with 10,000 t receipts and 500 million yuan per member), so
# that sells can reserve receipts and buys cash.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$SRC/build/default}"
ROUNDS="${2:-3}"
DURATION="${3:-10}"
SESSIONS="HUAXIN-OE,JINLU-OE,HAIBEI-OE,DONGFANG-OE"
DICT="$SRC/fix_gateway/spec/FIX44-dazong.xml"
WORK="$(mktemp -d /tmp/dazong-fix-bench.XXXXXX)"
free_port() { python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=($REDIS_PID)

# CPU time (clock ticks) used so far by processes $@.
cpu_ticks() {
  local total=0 p f
  for p in "$@"; do
    f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    set -- $f
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

# Runs one fix-load and appends the CPU the server ($SERVER_PID), Redis and the load tool itself
# used per order sent (microseconds; measured over the whole run, warm-up included): a figure
# that, unlike the throughput, does not depend on how much of the 2 cores other jobs took.
load_once() {
  local label="$1"; shift
  local hz; hz=$(getconf CLK_TCK)
  local s0 r0 s1 r1 out sent
  s0=$(cpu_ticks "$SERVER_PID"); r0=$(cpu_ticks "$REDIS_PID")
  out=$(/usr/bin/time -f "%U %S" -o "$WORK/client.time" "$BUILD/bench/fix-load" "$@" --mix "${MIX:-alternate}" --label "$label")
  s1=$(cpu_ticks "$SERVER_PID"); r1=$(cpu_ticks "$REDIS_PID")
  sent=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' <<<"$out")
  [ "${sent:-0}" -gt 0 ] || sent=1
  local client; client=$(awk -v n="$sent" 'END { printf "%d", ($1 + $2) * 1000000 / n }' "$WORK/client.time")
  echo "$out cpu_us_per_order: server=$(( (s1 - s0) * 1000000 / hz / sent )) redis=$(( (r1 - r0) * 1000000 / hz / sent )) client=$client"
}

loads() {  # $1 port, $2 label, $3 setup
  local setup_args=()
  [ -n "${3:-}" ] && setup_args=(--setup "$3")
  case " ${MODES:-rate inflight} " in *" rate "*)
  load_once "$2 rate=5000" --port "$1" --sessions "$SESSIONS" --rate 5000 --duration "$DURATION" \
    --warmup 2 "${setup_args[@]}" ;; esac
  case " ${MODES:-rate inflight} " in *" inflight "*)
  load_once "$2 inflight=100" --port "$1" --sessions "$SESSIONS" --inflight 100 --duration "$DURATION" \
    --warmup 2 "${setup_args[@]}" ;; esac
}

DAZONGD="${DAZONGD:-$BUILD/exchange/dazongd}"
for round in $(seq 1 "$ROUNDS"); do
  if [ -z "${SKIP_ECHO:-}" ]; then
  # QuickFIX echo baseline.
  EPORT=$(free_port)
  rm -rf "$WORK/echo"
  "$BUILD/bench/fix-echo-acceptor" --port "$EPORT" --comp-ids "$SESSIONS" --store "${ECHO_STORE:-mapped}" \
    --store-dir "$WORK/echo" --dictionary "$DICT" --reports "${ECHO_REPORTS:-echo}" >"$WORK/echo.log" 2>&1 &
  EPID=$!
  SERVER_PID=$EPID
  PIDS+=($EPID)
  for _ in $(seq 50); do grep -q "echo ready" "$WORK/echo.log" && break; sleep 0.1; done
  loads "$EPORT" "round$round echo(${ECHO_STORE:-mapped},${ECHO_REPORTS:-echo})"
  kill "$EPID"; wait "$EPID" 2>/dev/null || true
  # Its session store is hundreds of MB of dirty mapped pages: removed now, they are dropped;
  # left, the kernel writes them back ~30 s later, in the middle of dazongd's run, and every
  # synced write of the journal then waits behind them (p99 of 20-30 ms in such runs).
  rm -rf "$WORK/echo"
  fi
  sync  # nothing of earlier runs left to write back during the next one

  # The full exchange: throttles off for the load sessions, a fresh data directory.
  FPORT=$(free_port)
  HPORT=$(free_port)
  DATA="${DATA_BASE:-$WORK}/dazong-fix-bench-data.$$"
  rm -rf "$DATA"
  sed -e "s|data_dir = \"../var/demo\"|data_dir = \"$DATA\"|" \
      -e "s|^port = 9878|port = $FPORT|" -e "s|^port = 6390|port = $REDIS_PORT|" \
      -e "s|^port = 8088|port = $HPORT|" \
      -e "s|dictionary = \"../fix_gateway/spec/FIX44-dazong.xml\"|dictionary = \"$DICT\"|" \
      -e "/^throttle_per_second/d" -e "/^cancel_on_disconnect/d" \
      -e "s|^journal_wal_prewrite_mb = .*|journal_wal_prewrite_mb = ${PREWRITE_MB:-64}|" \
      "$SRC/config/demo.toml" >"$WORK/exchange.toml"
  "$DAZONGD" --config "$WORK/exchange.toml" >"$WORK/dazongd.log" 2>&1 &
  DPID=$!
  SERVER_PID=$DPID
  PIDS+=($DPID)
  for _ in $(seq 300); do grep -q "dazongd ready" "$WORK/dazongd.log" && break; sleep 0.1; done
  "$BUILD/tools/dazong-receipts" --port "$HPORT" seed-demo 10000000 >/dev/null
  loads "$FPORT" "round$round dazongd" "${SETUP:-}"
  kill "$DPID"; wait "$DPID" 2>/dev/null || true
  # The daemon's own account of the run (group commits and where the sequencer's time went).
  sed -n 's/.*\(sequencer: .* group commits.*\)/round'"$round"' dazongd \1/p' "$WORK/dazongd.log"
  rm -rf "$DATA"
done
