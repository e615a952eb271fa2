/* Every tw_* entry point, its outputs and its error paths. Usage: test_api FIXTURE.tsv
 * Prints "c-api: N passed, M failed" and exits non-zero on any failure. */
#include "tickwire.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(tw_event) == 80, "tw_event is 80 bytes");
_Static_assert(_Alignof(tw_event) == 8, "tw_event is 8-aligned");

static int passed, failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            passed++;                                                            \
        } else {                                                                 \
            failed++;                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

/* the status and, on failure, that a message was set */
#define CHECK_STATUS(call, want)                                                 \
    do {                                                                         \
        int rc_ = (call);                                                        \
        if (rc_ == (want)) {                                                     \
            passed++;                                                            \
        } else {                                                                 \
            char m_[512];                                                        \
            size_t w_ = 0;                                                       \
            m_[0] = 0;                                                           \
            tw_last_error_message(m_, sizeof m_, &w_);                           \
            failed++;                                                            \
            fprintf(stderr, "%s:%d: %s = %d (%s), want %d: %s\n", __FILE__, __LINE__, #call, \
                    rc_, tw_status_str(rc_), (want), m_);                        \
        }                                                                        \
        if ((want) != TW_OK) {                                                   \
            char m_[512];                                                        \
            size_t w_ = 0;                                                       \
            CHECK(tw_last_error_message(m_, sizeof m_, &w_) == TW_OK && w_ > 0); \
        }                                                                        \
    } while (0)

static void test_layout(void) {
    /* tickwire::event::EVENT_FIELDS */
    CHECK(offsetof(tw_event, ts_recv) == 0);
    CHECK(offsetof(tw_event, ts_exchange) == 8);
    CHECK(offsetof(tw_event, seq) == 16);
    CHECK(offsetof(tw_event, instrument) == 24);
    CHECK(offsetof(tw_event, venue) == 28);
    CHECK(offsetof(tw_event, kind) == 30);
    CHECK(offsetof(tw_event, side) == 31);
    CHECK(offsetof(tw_event, flags) == 32);
    CHECK(offsetof(tw_event, px_exp) == 34);
    CHECK(offsetof(tw_event, qty_exp) == 35);
    CHECK(offsetof(tw_event, aux) == 36);
    CHECK(offsetof(tw_event, v) == 40);
    CHECK(sizeof(((tw_event *)0)->v) == 40);
    CHECK(sizeof(tw_event) == 80);
}

static void test_version_and_status(void) {
    static const int codes[] = {TW_OK, TW_NULL_ARGUMENT, TW_INVALID_ARGUMENT, TW_INVALID_JSON,
                                TW_BUFFER_TOO_SMALL, TW_INVALID_HANDLE, TW_INVALID_CONFIG,
                                TW_UNKNOWN_VENUE, TW_INVALID_SUBSCRIPTION, TW_IO,
                                TW_BAD_RECORDING, TW_TLS, TW_ENGINE, TW_FINISHED, TW_CLOSED,
                                TW_NO_BOOK, TW_NOT_FOUND, TW_PANIC, TW_INTERNAL};
    size_t i, j, n = sizeof codes / sizeof codes[0];
    CHECK(strcmp(tw_version(), TW_VERSION) == 0);
    CHECK(TW_OK == 0);
    for (i = 0; i < n; i++) {
        CHECK(tw_status_str(codes[i]) != NULL);
        CHECK(strcmp(tw_status_str(codes[i]), "unknown status") != 0);
        for (j = 0; j < i; j++) CHECK(strcmp(tw_status_str(codes[i]), tw_status_str(codes[j])) != 0);
    }
    CHECK(strcmp(tw_status_str(-7), "unknown status") == 0);
    CHECK(strcmp(tw_status_str(TW_FINISHED), "finished") == 0);
}

static void check_decimal(int64_t m, int32_t e, const char *want) {
    char buf[TW_DECIMAL_MAX_LEN];
    size_t n = 999;
    CHECK_STATUS(tw_decimal_format(m, e, buf, sizeof buf, &n), TW_OK);
    CHECK(n == strlen(want) && strcmp(buf, want) == 0);
    if (strcmp(buf, want) != 0) fprintf(stderr, "  decimal %lld e%d: got %s want %s\n", (long long)m, (int)e, buf, want);
}

static void test_decimal(void) {
    char buf[8];
    size_t n = 12345;
    check_decimal(12345, -2, "123.45");
    check_decimal(0, -8, "0");
    check_decimal(-5, -3, "-0.005");
    check_decimal(100, -2, "1");
    check_decimal(6183763000000LL, -8, "61837.63");
    check_decimal(7, 2, "700");
    check_decimal(INT64_MIN, -18, "-9.223372036854775808");
    check_decimal(INT64_MAX, 0, "9223372036854775807");
    /* too small: status, nothing written */
    memset(buf, 'x', sizeof buf);
    CHECK_STATUS(tw_decimal_format(12345, -2, buf, 6, &n), TW_BUFFER_TOO_SMALL);
    CHECK(buf[0] == 'x' && n == 12345);
    CHECK_STATUS(tw_decimal_format(12345, -2, buf, 7, &n), TW_OK);
    CHECK(n == 6 && strcmp(buf, "123.45") == 0);
    CHECK_STATUS(tw_decimal_format(1, -2, NULL, 8, &n), TW_NULL_ARGUMENT);
    CHECK_STATUS(tw_decimal_format(1, -2, buf, sizeof buf, NULL), TW_NULL_ARGUMENT);
    CHECK_STATUS(tw_decimal_format(1, 1000, buf, sizeof buf, &n), TW_INVALID_ARGUMENT);
}

static void test_last_error(void) {
    char small[4];
    char buf[256];
    size_t need = 0, n = 0;
    tw_feed *f = NULL;
    CHECK_STATUS(tw_feed_new("{", &f), TW_INVALID_JSON);
    CHECK(tw_last_error_message(NULL, 0, &need) == TW_OK && need > 1);
    memset(small, 'x', sizeof small);
    CHECK(tw_last_error_message(small, sizeof small, &n) == TW_BUFFER_TOO_SMALL && small[0] == 'x');
    CHECK(tw_last_error_message(buf, sizeof buf, &n) == TW_OK && n + 1 == need && strlen(buf) == n);
    CHECK(strstr(buf, "configuration") != NULL);
    CHECK(tw_last_error_message(NULL, 5, &n) == TW_INVALID_ARGUMENT);
    CHECK(tw_last_error_message(buf, sizeof buf, NULL) == TW_INVALID_ARGUMENT);
}

static void test_new_errors(const char *fixture, const char *not_a_recording) {
    tw_feed *sentinel = (tw_feed *)(uintptr_t)0x1;
    tw_feed *f = sentinel;
    char json[1024];
    CHECK_STATUS(tw_feed_new(NULL, &f), TW_NULL_ARGUMENT);
    CHECK_STATUS(tw_feed_new("{}", NULL), TW_NULL_ARGUMENT);
    CHECK_STATUS(tw_feed_new("not json", &f), TW_INVALID_JSON);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"", &f), TW_INVALID_JSON);
    CHECK_STATUS(tw_feed_new("\xff\xfe", &f), TW_INVALID_ARGUMENT);
    CHECK_STATUS(tw_feed_new("{}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"], \"bogus\": 1}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": \"binance:BTCUSDT\"}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"nasdaq:XBTUSD:trades\"]}", &f), TW_UNKNOWN_VENUE);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance\"]}", &f), TW_INVALID_SUBSCRIPTION);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"], \"overflow\": \"explode\"}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"], \"capacity\": 0}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"], \"shards\": 0}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"], \"redundancy\": 0}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"], \"redundancy\": 9}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"], \"wait_policy\": \"nap\"}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"], \"ca_file\": \"/nonexistent/ca.pem\"}", &f), TW_IO);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"], \"ca_pem\": \"not a certificate\"}", &f), TW_TLS);
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT\"], \"ca_pem\": \"x\", \"ca_file\": \"y\"}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"replay\": {\"venue\": \"nasdaq\", \"files\": [\"a.tsv\"]}}", &f), TW_UNKNOWN_VENUE);
    CHECK_STATUS(tw_feed_new("{\"replay\": {\"venue\": \"binance\", \"files\": []}}", &f), TW_INVALID_CONFIG);
    CHECK_STATUS(tw_feed_new("{\"replay\": {\"venue\": \"binance\", \"files\": [\"/nonexistent/x.tsv\"]}}", &f), TW_IO);
    snprintf(json, sizeof json, "{\"replay\": {\"venue\": \"binance\", \"files\": [\"%s\"]}}", not_a_recording);
    CHECK_STATUS(tw_feed_new(json, &f), TW_BAD_RECORDING);
    snprintf(json, sizeof json, "{\"replay\": {\"venue\": \"binance\", \"files\": [\"%s\"]}, \"subscriptions\": [\"binance:BTCUSDT\"]}", fixture);
    CHECK_STATUS(tw_feed_new(json, &f), TW_INVALID_CONFIG);
    CHECK(f == sentinel); /* outputs only on success */
}

static void test_replay(const char *fixture) {
    char json[1024];
    tw_feed *f = NULL;
    tw_event *evs = calloc(1000, sizeof *evs);
    size_t n = 0, total = 0, trades = 0, k, nb = 77, na = 77, w = 0;
    int rc = TW_OK;
    tw_instrument ins, ins2;
    tw_level bids[5], asks[5];
    tw_metrics m;
    char line[512], tiny[8];

    snprintf(json, sizeof json, "{\"replay\": {\"venue\": \"binance\", \"files\": [\"%s\"]}}", fixture);
    CHECK_STATUS(tw_feed_new(json, &f), TW_OK);
    CHECK(f != NULL);
    if (!f) return;

    /* argument errors on a live handle */
    CHECK_STATUS(tw_feed_poll(f, NULL, 10, &n), TW_NULL_ARGUMENT);
    CHECK_STATUS(tw_feed_poll(f, evs, 0, &n), TW_INVALID_ARGUMENT);
    CHECK_STATUS(tw_feed_poll(f, evs, 10, NULL), TW_NULL_ARGUMENT);
    CHECK_STATUS(tw_feed_poll(f, (tw_event *)((char *)evs + 4), 10, &n), TW_INVALID_ARGUMENT);
    CHECK_STATUS(tw_feed_poll(NULL, evs, 10, &n), TW_NULL_ARGUMENT);

    for (;;) {
        n = 0;
        rc = (total & 1) ? tw_feed_wait(f, evs, 1000, &n, 1000000) : tw_feed_poll(f, evs, 1000, &n);
        if (rc != TW_OK) break;
        CHECK(n > 0 && n <= 1000);
        for (k = 0; k < n; k++) trades += evs[k].kind == TW_KIND_TRADE;
        total += n;
    }
    CHECK_STATUS(rc, TW_FINISHED);
    CHECK(total == 10244);
    CHECK(trades == 408);
    n = 4242;
    CHECK_STATUS(tw_feed_poll(f, evs, 1000, &n), TW_FINISHED); /* stays finished */
    CHECK(n == 4242);
    CHECK_STATUS(tw_feed_wait(f, evs, 1000, &n, 0), TW_FINISHED);

    CHECK_STATUS(tw_feed_metrics(f, &m), TW_OK);
    CHECK(m.delivered == total && m.frames > 0 && m.emitted >= total);
    CHECK_STATUS(tw_feed_metrics(f, NULL), TW_NULL_ARGUMENT);

    /* instruments */
    CHECK_STATUS(tw_instrument_info(f, 0, &ins), TW_OK);
    CHECK(strcmp(ins.symbol, "BTCUSDT") == 0 && ins.venue == TW_VENUE_BINANCE && ins.id == 0);
    CHECK(ins.px_exp == -8 && ins.qty_exp == -8);
    CHECK_STATUS(tw_instrument_info(f, 9999, &ins2), TW_NOT_FOUND);
    CHECK_STATUS(tw_instrument_info(f, 0, NULL), TW_NULL_ARGUMENT);
    CHECK_STATUS(tw_instrument_find(f, TW_VENUE_BINANCE, "BTCUSDT", &ins2), TW_OK);
    CHECK(ins2.id == ins.id);
    CHECK_STATUS(tw_instrument_find(f, TW_VENUE_BINANCE, "DOGEUSDT", &ins2), TW_NOT_FOUND);
    CHECK_STATUS(tw_instrument_find(f, 77, "BTCUSDT", &ins2), TW_UNKNOWN_VENUE);
    CHECK_STATUS(tw_instrument_find(f, TW_VENUE_BINANCE, NULL, &ins2), TW_NULL_ARGUMENT);

    /* book tops */
    rc = tw_book_top(f, TW_VENUE_BINANCE, "BTCUSDT", 5, bids, asks, &nb, &na);
    CHECK(rc == TW_OK || rc == TW_NO_BOOK);
    if (rc == TW_OK) {
        CHECK(nb <= 5 && na <= 5);
        if (nb > 0 && na > 0) CHECK(bids[0].px < asks[0].px);
        for (k = 1; k < nb; k++) CHECK(bids[k].px < bids[k - 1].px);
        for (k = 1; k < na; k++) CHECK(asks[k].px > asks[k - 1].px);
    } else {
        CHECK(nb == 77 && na == 77);
    }
    CHECK_STATUS(tw_book_top(f, TW_VENUE_BINANCE, "DOGEUSDT", 5, bids, asks, &nb, &na), TW_NOT_FOUND);
    CHECK_STATUS(tw_book_top(f, 0, "BTCUSDT", 5, bids, asks, &nb, &na), TW_UNKNOWN_VENUE);
    CHECK_STATUS(tw_book_top(f, TW_VENUE_BINANCE, "BTCUSDT", 0, bids, asks, &nb, &na), TW_INVALID_ARGUMENT);
    CHECK_STATUS(tw_book_top(f, TW_VENUE_BINANCE, "BTCUSDT", 5, NULL, asks, &nb, &na), TW_NULL_ARGUMENT);
    CHECK_STATUS(tw_book_top(f, TW_VENUE_BINANCE, "BTCUSDT", 5, bids, asks, &nb, NULL), TW_NULL_ARGUMENT);

    /* the JSON line helper */
    evs[0].kind = TW_KIND_TRADE;
    evs[0].instrument = 0;
    evs[0].venue = TW_VENUE_BINANCE;
    evs[0].side = TW_SIDE_BUY;
    evs[0].px_exp = -2;
    evs[0].qty_exp = -3;
    evs[0].v[0] = 12345;
    evs[0].v[1] = 1500;
    evs[0].flags = 0;
    evs[0].seq = 7;
    evs[0].ts_exchange = 1;
    evs[0].ts_recv = 2;
    CHECK_STATUS(tw_event_json(f, &evs[0], line, sizeof line, &w), TW_OK);
    CHECK(strcmp(line, "{\"venue\":\"binance\",\"symbol\":\"BTCUSDT\",\"kind\":\"trade\",\"seq\":7,"
                       "\"ts_exchange\":1,\"ts_recv\":2,\"side\":\"buy\",\"price\":\"123.45\",\"qty\":\"1.5\"}") == 0);
    CHECK(w == strlen(line));
    memset(tiny, 'x', sizeof tiny);
    CHECK_STATUS(tw_event_json(f, &evs[0], tiny, sizeof tiny, &w), TW_BUFFER_TOO_SMALL);
    CHECK(tiny[0] == 'x');
    CHECK_STATUS(tw_event_json(f, NULL, line, sizeof line, &w), TW_NULL_ARGUMENT);
    CHECK_STATUS(tw_event_json(NULL, &evs[0], line, sizeof line, &w), TW_NULL_ARGUMENT);

    /* close: polls say closed, lookups still work; closing twice is fine */
    CHECK_STATUS(tw_feed_close(f), TW_OK);
    CHECK_STATUS(tw_feed_close(f), TW_OK);
    CHECK_STATUS(tw_feed_poll(f, evs, 10, &n), TW_CLOSED);
    CHECK_STATUS(tw_instrument_info(f, 0, &ins), TW_OK);

    /* freed: every call refuses the handle (checked against the live-handle registry, never
     * read through); a second free and free(NULL) are no-ops */
    tw_feed_free(f);
    CHECK_STATUS(tw_feed_poll(f, evs, 10, &n), TW_INVALID_HANDLE);
    CHECK_STATUS(tw_feed_wait(f, evs, 10, &n, 0), TW_INVALID_HANDLE);
    CHECK_STATUS(tw_feed_metrics(f, &m), TW_INVALID_HANDLE);
    CHECK_STATUS(tw_instrument_info(f, 0, &ins), TW_INVALID_HANDLE);
    CHECK_STATUS(tw_book_top(f, TW_VENUE_BINANCE, "BTCUSDT", 5, bids, asks, &nb, &na), TW_INVALID_HANDLE);
    CHECK_STATUS(tw_feed_close(f), TW_INVALID_HANDLE);
    CHECK_STATUS(tw_event_json(f, &evs[0], line, sizeof line, &w), TW_INVALID_HANDLE);
    tw_feed_free(f);
    tw_feed_free(NULL);
    CHECK_STATUS(tw_feed_poll((tw_feed *)(uintptr_t)0x1000, evs, 10, &n), TW_INVALID_HANDLE);
    free(evs);
}

/* "preload": true gives the same events, full buffers, then TW_FINISHED */
static void test_preload(const char *fixture) {
    char json[1024];
    tw_feed *f = NULL;
    tw_event *evs = calloc(4096, sizeof *evs);
    size_t n = 0, total = 0, polls = 0;
    int rc;
    snprintf(json, sizeof json, "{\"replay\": {\"venue\": \"binance\", \"files\": [\"%s\"], \"preload\": true, \"capacity\": 1024}}", fixture);
    CHECK_STATUS(tw_feed_new(json, &f), TW_OK);
    if (!f) { free(evs); return; }
    while ((rc = tw_feed_poll(f, evs, 4096, &n)) == TW_OK) { total += n; polls++; }
    CHECK_STATUS(rc, TW_FINISHED);
    CHECK(total == 10244 && polls == 3);
    tw_feed_free(f);
    free(evs);
}

/* A live feed against a closed loopback port: starts, polls, reports, stops (no network). */
static void test_live_unreachable(void) {
    tw_feed *f = NULL;
    tw_event evs[64];
    size_t n = 99;
    tw_metrics m;
    tw_level b[1], a[1];
    size_t nb, na;
    CHECK_STATUS(tw_feed_new("{\"subscriptions\": [\"binance:BTCUSDT:trades,bbo,book\"],"
                             " \"endpoint\": \"wss://127.0.0.1:9\", \"overflow\": \"drop_oldest\","
                             " \"capacity\": 1024, \"shards\": 1, \"redundancy\": 2,"
                             " \"wait_policy\": \"yield\"}", &f), TW_OK);
    if (!f) return;
    CHECK_STATUS(tw_feed_poll(f, evs, 64, &n), TW_OK);
    CHECK(n <= 64);
    CHECK_STATUS(tw_feed_wait(f, evs, 64, &n, 20 * 1000 * 1000), TW_OK);
    CHECK_STATUS(tw_feed_metrics(f, &m), TW_OK);
    CHECK(m.connects == 0);
    CHECK_STATUS(tw_book_top(f, TW_VENUE_BINANCE, "NOPEUSDT", 1, b, a, &nb, &na), TW_NOT_FOUND);
    CHECK_STATUS(tw_feed_close(f), TW_OK);
    CHECK_STATUS(tw_feed_wait(f, evs, 64, &n, 0), TW_CLOSED);
    tw_feed_free(f);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s FIXTURE.tsv NOT_A_RECORDING\n", argv[0]);
        return 2;
    }
    test_layout();
    test_version_and_status();
    test_decimal();
    test_last_error();
    test_new_errors(argv[1], argv[2]);
    test_replay(argv[1]);
    test_preload(argv[1]);
    test_live_unreachable();
    printf("c-api: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
