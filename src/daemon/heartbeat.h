/* heartbeat.h: proof that a serving thread goes round its loop, for the
 * service manager's watchdog. The thread counts each turn and sleeps in
 * poll() at most every_ms (0: only until there is work); main checks that
 * the count moved. Lock-free: relaxed atomics. */
#ifndef NETECHO_HEARTBEAT_H
#define NETECHO_HEARTBEAT_H

#include <stdatomic.h>
#include <stdbool.h>

struct heartbeat {
	atomic_int every_ms;
	atomic_ulong beats;
};

static inline void heartbeat_set(struct heartbeat *hb, int ms)
{
	atomic_store(&hb->every_ms, ms);
}

/* Counts a turn; returns the poll() timeout the thread may sleep for. */
static inline int heartbeat_beat(struct heartbeat *hb)
{
	int ms = atomic_load_explicit(&hb->every_ms, memory_order_relaxed);

	atomic_fetch_add_explicit(&hb->beats, 1, memory_order_relaxed);
	return ms > 0 ? ms : -1;
}

/* Has the count moved since *last (which it updates)? */
static inline bool heartbeat_moved(struct heartbeat *hb, unsigned long *last)
{
	unsigned long now = atomic_load(&hb->beats);
	bool moved = now != *last;

	*last = now;
	return moved;
}

#endif
