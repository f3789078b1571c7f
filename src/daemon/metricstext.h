/* metricstext.h: the text of GET /metrics: netechod's counters (what
 * SIGUSR1 prints), gauges and build information, in the Prometheus text
 * format (promtext.h). It reads counters (relaxed atomics) and /proc; it
 * changes nothing. */
#ifndef NETECHO_METRICSTEXT_H
#define NETECHO_METRICSTEXT_H

#include "promtext.h"
#include "stats.h"
#include "tcp.h"

#define METRICSTEXT_MAX (64 * 1024)     /* bytes of the whole text */

struct metrics_view {
	struct stats *st;
	struct tcp_server *srv;
	double started;                 /* when the service started (wall clock seconds) */
	unsigned probes_running;
	long http_open; /* the metrics service's HTTP connections open now */
};

void metricstext_write(struct promtext *p, const struct metrics_view *v);

#endif
