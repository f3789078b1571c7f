/* statsline.h: the counters as text: the stats line netechod logs on
 * SIGUSR1 and at exit (with a line a protocol of the ports reached when
 * there are many), and the service manager's STATUS= line. It reads the
 * counters; it must not change them. */
#ifndef NETECHO_STATSLINE_H
#define NETECHO_STATSLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/* What the counters alone do not hold. */
struct statsline_extra {
	uint64_t tcp_active, tcp_in, tcp_out; /* tcp_counters() */
	double uptime;			      /* seconds */
	unsigned long reloads;
	bool many_ports; /* a protocol serves more than one port */
};

/* Logs the stats line (notice), and with many ports a line a protocol. */
void statsline_log(struct stats *st, const struct statsline_extra *x);

/* The STATUS= text into buf. */
void statsline_status(struct stats *st, const struct statsline_extra *x, char *buf, size_t size);

#endif
