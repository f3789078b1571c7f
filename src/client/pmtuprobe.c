/* pmtuprobe.c: netecho --pmtu (see pmtuprobe.h): the search is
 * pmtusearch.c's; here its live line and its failure, on standard error.
 *
 * It must not probe nor reason itself (pmtusearch.c, pmtu.c do). */
#include "pmtuprobe.h"

#include <stdio.h>

_Static_assert(PMTU_PACE_MS == PATH_PACE_MS, "--pmtu's pace: one figure");

static void live(void *arg, long size, long low, int probe, double elapsed)
{
	(void)arg;
	fprintf(stderr, "\rpmtu: trying %5ld bytes (%ld arrive; probe %d, %4.1fs) ", size, low,
		probe, elapsed);
}

static void live_end(void *arg)
{
	(void)arg;
	fprintf(stderr, "\r%70s\r", "");
}

int pmtu_run(const struct path_options *o, double end, struct path_mtu *result)
{
	struct pmtu_search q = {
		.addr = &o->addr,
		.peer = o->peer,
		.ttl = o->ttl,
		.tos = o->dscp >= 0 ? o->dscp << 2 : -1,
		.wait = o->wait,
		.end = end,
		.live = o->progress ? live : NULL,
		.live_end = o->progress ? live_end : NULL,
	};
	int status = pmtu_search_run(&q, result);

	if (status != 0)
		fprintf(stderr, "netecho: --pmtu: %s\n", result->failure);
	return status;
}
