/* stats.h: netechod's counters, shared by the TCP and UDP parts and read by
 * the stats line. Each is a relaxed atomic: exact, and never a lock. (TCP
 * bytes are counted per connection by tcp.c: see tcp_counters().) */
#ifndef NETECHO_STATS_H
#define NETECHO_STATS_H

#include <stdatomic.h>
#include <unistd.h>

struct stats {
	atomic_ulong tcp_total;         /* connections accepted and served */
	atomic_ulong tcp_refused;       /* accepted and closed at once: a limit */
	atomic_ulong udp_datagrams;
	atomic_ulong udp_bytes;
	atomic_ulong errors;            /* failed system calls and resources */
};

static inline void stats_add(atomic_ulong *counter, unsigned long n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

/* close() whose failure can only be counted: the descriptor is gone
 * either way. */
static inline void stats_close(struct stats *st, int fd)
{
	if (close(fd) < 0)
		stats_add(&st->errors, 1);
}

static inline unsigned long stats_get(atomic_ulong *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

#endif
