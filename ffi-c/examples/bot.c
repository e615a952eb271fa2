/* A tiny trading-bot skeleton on the tickwire C API: subscribes to trades, BBO and books,
 * prints every trade and, once a second, the spread of each symbol's live book.
 *
 *   tickwire sim --tls-cert-out ca.pem --symbols BTCUSDT,ETHUSDT   # prints wss://127.0.0.1:PORT
 *   bot wss://127.0.0.1:PORT ca.pem 3 BTCUSDT ETHUSDT
 *
 * Exits 0 after SECONDS if it saw trades and a spread for every symbol. */
#include <tickwire.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SYMBOLS 16

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, int rc) {
    char msg[512];
    size_t n = 0;
    msg[0] = 0;
    tw_last_error_message(msg, sizeof msg, &n);
    fprintf(stderr, "bot: %s: %s (%d): %s\n", what, tw_status_str(rc), rc, msg);
    return 1;
}

/* prints "SYMBOL bid B ask A spread S" from the live book; 1 when printed */
static int print_spread(const tw_feed *feed, const char *symbol) {
    tw_level bid, ask;
    size_t nb = 0, na = 0, w;
    tw_instrument ins;
    char b[TW_DECIMAL_MAX_LEN], a[TW_DECIMAL_MAX_LEN], s[TW_DECIMAL_MAX_LEN];
    int rc = tw_book_top(feed, TW_VENUE_BINANCE, symbol, 1, &bid, &ask, &nb, &na);
    if (rc != TW_OK || nb == 0 || na == 0) {
        printf("spread %-10s (no live book yet: %s)\n", symbol, tw_status_str(rc));
        return 0;
    }
    if (tw_instrument_find(feed, TW_VENUE_BINANCE, symbol, &ins) != TW_OK) return 0;
    tw_decimal_format(bid.px, ins.px_exp, b, sizeof b, &w);
    tw_decimal_format(ask.px, ins.px_exp, a, sizeof a, &w);
    tw_decimal_format(ask.px - bid.px, ins.px_exp, s, sizeof s, &w);
    printf("spread %-10s bid %s ask %s spread %s\n", symbol, b, a, s);
    return 1;
}

int main(int argc, char **argv) {
    char config[4096];
    size_t used, i, n, k, w;
    int rc, nsym, spreads_ok = 0;
    long trades = 0;
    double seconds, start, next_report;
    tw_feed *feed = NULL;
    static tw_event evs[1024];
    int seen_spread[MAX_SYMBOLS] = {0};
    tw_metrics m;

    if (argc < 5 || argc - 4 > MAX_SYMBOLS) {
        fprintf(stderr, "usage: %s WSS_URL CA_FILE SECONDS SYMBOL...\n", argv[0]);
        return 2;
    }
    seconds = atof(argv[3]);
    nsym = argc - 4;
    used = (size_t)snprintf(config, sizeof config,
                            "{\"endpoint\":\"%s\",\"ca_file\":\"%s\",\"subscriptions\":[", argv[1], argv[2]);
    for (i = 0; i < (size_t)nsym && used < sizeof config; i++)
        used += (size_t)snprintf(config + used, sizeof config - used, "%s\"binance:%s:trades,bbo,book\"",
                                 i ? "," : "", argv[4 + i]);
    if (used >= sizeof config - 4) return fail("config too long", 0);
    snprintf(config + used, sizeof config - used, "]}");

    rc = tw_feed_new(config, &feed);
    if (rc != TW_OK) return fail("tw_feed_new", rc);
    printf("tickwire %s: %s\n", tw_version(), config);

    start = now_s();
    next_report = start + 1.0;
    while (now_s() - start < seconds) {
        rc = tw_feed_wait(feed, evs, sizeof evs / sizeof evs[0], &n, 100 * 1000 * 1000ULL);
        if (rc != TW_OK) {
            tw_feed_free(feed);
            return fail("tw_feed_wait", rc);
        }
        for (k = 0; k < n; k++) {
            const tw_event *e = &evs[k];
            tw_instrument ins;
            char px[TW_DECIMAL_MAX_LEN], qty[TW_DECIMAL_MAX_LEN];
            if (e->kind != TW_KIND_TRADE) continue;
            trades++;
            if (tw_instrument_info(feed, e->instrument, &ins) != TW_OK) continue;
            tw_decimal_format(e->v[0], e->px_exp, px, sizeof px, &w);
            tw_decimal_format(e->v[1], e->qty_exp, qty, sizeof qty, &w);
            printf("trade  %-10s %-4s %s x %s\n", ins.symbol, e->side == TW_SIDE_BUY ? "buy" : "sell", px, qty);
        }
        if (now_s() >= next_report) {
            next_report += 1.0;
            for (i = 0; i < (size_t)nsym; i++)
                if (print_spread(feed, argv[4 + i])) seen_spread[i] = 1;
        }
    }
    for (i = 0; i < (size_t)nsym; i++)
        if (print_spread(feed, argv[4 + i])) seen_spread[i] = 1;
    for (i = 0, spreads_ok = 1; i < (size_t)nsym; i++) spreads_ok &= seen_spread[i];
    if (tw_feed_metrics(feed, &m) == TW_OK)
        printf("bot: %ld trades, %llu events, %llu connects, latency p50 %llu ns p99 %llu ns\n", trades,
               (unsigned long long)m.delivered, (unsigned long long)m.connects,
               (unsigned long long)m.latency_p50_ns, (unsigned long long)m.latency_p99_ns);
    tw_feed_free(feed);
    if (trades == 0 || !spreads_ok) {
        fprintf(stderr, "bot: %s\n", trades == 0 ? "no trade received" : "a symbol never had a live book");
        return 1;
    }
    return 0;
}
