/* stats.h: netechod's counters, shared by the TCP and UDP parts and read by
 * the stats line, STATUS= and /metrics. Each is a relaxed 64-bit atomic:
 * exact, never a lock, and no wrap at 4 GiB on a 32-bit system. A
 * service's counters are its own (struct service_stats), the rest global.
 * (TCP bytes and connections open are counted per connection by tcp.c:
 * see tcp_counters().) */
#ifndef NETECHO_STATS_H
#define NETECHO_STATS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "sockset.h"

typedef atomic_uint_least64_t stat_t;

/* What one service (enum service: echo, report, metrics) did. Each event
 * is counted once, in its service's counter: a total over the services is
 * their sum, taken when read (stats_total()). */
struct service_stats {
	stat_t tcp_total;               /* connections accepted and served */
	stat_t tcp_refused;             /* accepted and closed at once: a limit */
	stat_t tcp_denied;              /* accepted and closed at once: the access list */
	stat_t proxy_errors;            /* closed for a bad, missing or untrusted PROXY header */
	stat_t udp_datagrams;
	stat_t udp_bytes;
	stat_t udp_denied;              /* datagrams dropped: the access list */
	stat_t udp_held;		/* UDP replies not sent: the echo's rate limits and
					 * loops; the report's too small a probe, rate limits */
	stat_t tcp_reports, udp_reports; /* path reports sent (the report service) */
};

struct stats {
	struct service_stats service[SERVICE_LABELS]; /* by enum service */
	stat_t errors; /* failed system calls and resources: no service's */
	/* connections accepted and datagrams received on each local port
	 * (STATS_PORTS each, zeroed pages the kernel maps on first touch;
	 * NULL: not counted) */
	stat_t *tcp_port, *udp_port;
};

#define STATS_PORTS 65536

static inline void stats_add(stat_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static inline uint64_t stats_get(stat_t *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

/* The sum over the services of the counter at offset in struct
 * service_stats: STATS_TOTAL(st, tcp_total). */
static inline uint64_t stats_total(struct stats *st, size_t offset)
{
	uint64_t n = 0;

	for (unsigned k = 0; k < SERVICE_LABELS; k++)
		n += stats_get((stat_t *)((char *)&st->service[k] + offset));
	return n;
}

#define STATS_TOTAL(st, field) stats_total((st), offsetof(struct service_stats, field))

#endif
