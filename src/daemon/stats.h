/* stats.h: netechod's counters, shared by the TCP and UDP parts and read by
 * the stats line and STATUS=. Each is a relaxed 64-bit atomic: exact, never
 * a lock, and no wrap at 4 GiB on a 32-bit system. (TCP bytes are counted
 * per connection by tcp.c: see tcp_counters().) */
#ifndef NETECHO_STATS_H
#define NETECHO_STATS_H

#include <stdatomic.h>
#include <stdint.h>

typedef atomic_uint_least64_t stat_t;

struct stats {
	stat_t tcp_total;               /* connections accepted and served */
	stat_t tcp_refused;             /* accepted and closed at once: a limit */
	stat_t tcp_denied;              /* accepted and closed at once: the access list */
	stat_t proxy_errors;            /* closed for a bad, missing or untrusted PROXY header */
	stat_t udp_datagrams;
	stat_t udp_bytes;
	stat_t udp_denied;              /* datagrams dropped: the access list */
	stat_t udp_echo_held;           /* echoes not sent: rate limits, loops */
	stat_t reports;                 /* path reports sent, TCP and UDP */
	stat_t reports_held;            /* UDP reports not sent: too small a probe, rate limits */
	stat_t errors;                  /* failed system calls and resources */
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

#endif
