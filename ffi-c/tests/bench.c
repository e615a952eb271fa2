/* Events per second copied out by tw_feed_poll from a replay, 65536-event buffer:
 *   streaming: parse + books + dedupe + route + copy, all inside the polls;
 *   preloaded: "preload": true parsed everything in tw_feed_new; polls route and copy.
 * Usage: bench FILE [ROUNDS] */
#include "tickwire.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static tw_event evs[65536];

static int run(const char *file, int rounds, const char *preload) {
    char json[2048];
    int r, rc;
    size_t n, total = 0, calls = 0;
    double t, busy = 0;
    snprintf(json, sizeof json, "{\"replay\":{\"venue\":\"binance\",\"files\":[\"%s\"],\"preload\":%s}}", file, preload);
    for (r = 0; r < rounds; r++) {
        tw_feed *f = NULL;
        if (tw_feed_new(json, &f) != TW_OK) return 1;
        t = now_s();
        while ((rc = tw_feed_poll(f, evs, sizeof evs / sizeof evs[0], &n)) == TW_OK) {
            total += n;
            calls++;
        }
        busy += now_s() - t;
        tw_feed_free(f);
        if (rc != TW_FINISHED) return 1;
    }
    printf("bench (%s): %zu events in %zu polls, %.4f s: %.2f M events/s (%.0f events per poll)\n",
           preload[0] == 't' ? "preloaded" : "streaming", total, calls, busy, (double)total / busy / 1e6,
           (double)total / (double)calls);
    return 0;
}

int main(int argc, char **argv) {
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    if (argc < 2) return 2;
    return run(argv[1], rounds, "false") || run(argv[1], rounds, "true");
}
