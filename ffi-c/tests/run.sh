#!/usr/bin/env bash
# The C test suite (`make c-test`): header checks, the API tests under AddressSanitizer and
# valgrind, the C replay diffed against `tickwire replay`, the bot against the simulator,
# `make install` + pkg-config, and the poll benchmark. Ends with "c: N passed, M failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
TD=${CARGO_TARGET_DIR:-$ROOT/target}
LIB=$TD/release
OUT=$TD/c-test
FIXTURE=core/tests/fixtures/binance/hftbacktest_btcusdt_20240808_first2500.tsv
CFLAGS="-std=c11 -Wall -Wextra -Werror -pedantic -g -Iffi-c/include"
STATIC_LIBS="$LIB/libtickwire.a -lgcc_s -lutil -lrt -lpthread -lm -ldl"
VALGRIND="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=1"
passed=0 failed=0 sim_pid=
mkdir -p "$OUT"
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$OUT/prefix"; }
trap cleanup EXIT

step() { # step NAME COMMAND...: one test; its output goes to $OUT/NAME.log
    local name=$1; shift
    if "$@" >"$OUT/$name.log" 2>&1; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name (log: $OUT/$name.log)"; tail -20 "$OUT/$name.log"
    fi
}

cargo build --release -p tickwire-c -p tickwire-tools || { echo "c: 0 passed, 1 failed"; exit 1; }

step rust-tests cargo test --release -p tickwire-c
step header-c11 gcc $CFLAGS -x c -c -o /dev/null - <<<'#include "tickwire.h"'
step header-cxx17 g++ -std=c++17 -Wall -Wextra -Werror -pedantic -Iffi-c/include -x c++ -c -o /dev/null - <<<'#include "tickwire.h"'
step build-asan bash -c "gcc $CFLAGS -fsanitize=address -fno-omit-frame-pointer ffi-c/tests/test_api.c $STATIC_LIBS -o $OUT/test_api_asan &&
  gcc $CFLAGS -fsanitize=address -fno-omit-frame-pointer ffi-c/tests/replay_json.c $STATIC_LIBS -o $OUT/replay_json_asan &&
  gcc $CFLAGS -fsanitize=address -fno-omit-frame-pointer ffi-c/examples/bot.c $STATIC_LIBS -o $OUT/bot_asan"
step build-shared bash -c "gcc $CFLAGS ffi-c/tests/test_api.c -L$LIB -ltickwire -Wl,-rpath,$LIB -o $OUT/test_api &&
  gcc $CFLAGS ffi-c/tests/replay_json.c -L$LIB -ltickwire -Wl,-rpath,$LIB -o $OUT/replay_json &&
  gcc $CFLAGS -O2 ffi-c/tests/bench.c $STATIC_LIBS -o $OUT/bench"
step api-asan "$OUT/test_api_asan" "$FIXTURE" ffi-c/tests/test_api.c
step api-valgrind $VALGRIND "$OUT/test_api" "$FIXTURE" ffi-c/tests/test_api.c
api_checks=$(sed -n 's/^c-api: \([0-9]*\) passed.*/\1/p' "$OUT/api-asan.log")
step replay-json-asan bash -c "'$OUT/replay_json_asan' binance '$FIXTURE' > '$OUT/replay.c.jsonl' &&
  '$LIB/tickwire' replay --venue binance '$FIXTURE' > '$OUT/replay.cli.jsonl' &&
  test -s '$OUT/replay.cli.jsonl' && diff -q '$OUT/replay.c.jsonl' '$OUT/replay.cli.jsonl' && wc -l < '$OUT/replay.c.jsonl'"
step replay-json-valgrind bash -c "$VALGRIND '$OUT/replay_json' binance '$FIXTURE' > '$OUT/replay.vg.jsonl' &&
  diff -q '$OUT/replay.vg.jsonl' '$OUT/replay.cli.jsonl'"

# the bot against the simulator (a child process; its URL is the first line it prints)
"$LIB/tickwire" sim --duration 60 --symbols BTCUSDT,ETHUSDT --tls-cert-out "$OUT/sim-ca.pem" >"$OUT/sim.out" 2>"$OUT/sim.err" &
sim_pid=$!
for _ in $(seq 50); do [ -s "$OUT/sim.out" ] && break; sleep 0.1; done
URL=$(head -1 "$OUT/sim.out")
step bot-sim-asan "$OUT/bot_asan" "$URL" "$OUT/sim-ca.pem" 3 BTCUSDT ETHUSDT

# make install + pkg-config: a program built only from the installed files
step install-pkg-config bash -c "make --no-print-directory install PREFIX='$OUT/prefix' CARGO_TARGET_DIR='$TD' >/dev/null &&
  export PKG_CONFIG_PATH='$OUT/prefix/lib/pkgconfig' &&
  test \"\$(pkg-config --modversion tickwire)\" = \"\$(sed -n 's/^#define TW_VERSION \"\\(.*\\)\"/\\1/p' ffi-c/include/tickwire.h)\" &&
  cc -std=c11 -Wall -Wextra -Werror ffi-c/examples/bot.c \$(pkg-config --cflags --libs tickwire) -o '$OUT/bot_pc' &&
  '$OUT/bot_pc' '$URL' '$OUT/sim-ca.pem' 2 BTCUSDT"
kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; sim_pid=

"$OUT/bench" "$FIXTURE" 200 || true

# each passed API check counts (the step above counted the binary once)
if [ -n "$api_checks" ] && [ "$api_checks" -gt 0 ]; then passed=$((passed + api_checks - 1)); fi
echo "c: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
