/* Events per second copied out by tw_feed_poll from a replay (parse + books + dedupe + route +
 * copy, all inside the poll). Usage: bench FILE [ROUNDS] */
#include "tickwire.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    static tw_event evs[65536];
    char json[2048];
    int rounds = argc > 2 ? atoi(argv[2]) : 20, r, rc;
    size_t n, total = 0, calls = 0;
    double t, busy = 0;
    if (argc < 2) return 2;
    snprintf(json, sizeof json, "{\"replay\":{\"venue\":\"binance\",\"files\":[\"%s\"]}}", argv[1]);
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
    printf("bench: %zu events in %zu polls, %.3f s: %.2f M events/s (%.1f events per poll)\n", total,
           calls, busy, (double)total / busy / 1e6, (double)total / (double)calls);
    return 0;
}
