/* stats.h: netechod's counters, shared by the TCP and UDP parts and read by
 * the stats line. Each is a relaxed atomic: exact, and never a lock. */
#ifndef NETECHO_STATS_H
#define NETECHO_STATS_H

#include <stdatomic.h>

struct stats {
	atomic_ulong tcp_total;         /* connections accepted and served */
	atomic_ulong tcp_refused;       /* accepted and closed at once: a limit */
	atomic_ulong tcp_bytes_in;      /* of connections that have ended */
	atomic_ulong tcp_bytes_out;
	atomic_ulong udp_datagrams;
	atomic_ulong udp_bytes;
	atomic_ulong errors;            /* failed system calls and resources */
};

static inline void stats_add(atomic_ulong *counter, unsigned long n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static inline unsigned long stats_get(atomic_ulong *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

#endif
