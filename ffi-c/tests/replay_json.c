/* Replays recordings through the C API and prints every event as its canonical JSON line:
 * must equal `tickwire replay --venue VENUE FILE...`. Usage: replay_json VENUE FILE... */
#include "tickwire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, int rc) {
    char msg[512];
    size_t n = 0;
    msg[0] = 0;
    tw_last_error_message(msg, sizeof msg, &n);
    fprintf(stderr, "replay_json: %s: %s: %s\n", what, tw_status_str(rc), msg);
    return 1;
}

int main(int argc, char **argv) {
    char json[8192];
    size_t used, i, n, k, w;
    int rc;
    tw_feed *feed = NULL;
    static tw_event evs[4096];
    char line[1024];
    if (argc < 3) {
        fprintf(stderr, "usage: %s VENUE FILE...\n", argv[0]);
        return 2;
    }
    used = (size_t)snprintf(json, sizeof json, "{\"replay\":{\"venue\":\"%s\",\"files\":[", argv[1]);
    for (i = 2; i < (size_t)argc; i++) {
        if (strpbrk(argv[i], "\"\\") || used + strlen(argv[i]) + 8 > sizeof json) {
            fprintf(stderr, "replay_json: unsupported path %s\n", argv[i]);
            return 2;
        }
        used += (size_t)snprintf(json + used, sizeof json - used, "%s\"%s\"", i > 2 ? "," : "", argv[i]);
    }
    snprintf(json + used, sizeof json - used, "]}}");
    rc = tw_feed_new(json, &feed);
    if (rc != TW_OK) return fail("tw_feed_new", rc);
    while ((rc = tw_feed_poll(feed, evs, sizeof evs / sizeof evs[0], &n)) == TW_OK) {
        for (k = 0; k < n; k++) {
            rc = tw_event_json(feed, &evs[k], line, sizeof line, &w);
            if (rc != TW_OK) {
                tw_feed_free(feed);
                return fail("tw_event_json", rc);
            }
            fwrite(line, 1, w, stdout);
            fputc('\n', stdout);
        }
    }
    tw_feed_free(feed);
    return rc == TW_FINISHED ? 0 : fail("tw_feed_poll", rc);
}
