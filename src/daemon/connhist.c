/* connhist.c: the echo's connection histograms (see connhist.h).
 *
 * It must not lock nor make a system call: relaxed atomic additions only,
 * fixed buckets, never per peer. */
#include "connhist.h"

#include <stdatomic.h>

static const double duration_bounds[CONNHIST_DURATION_BUCKETS] = {
	0.001, 0.01, 0.1, 1, 10, 60, 600, 3600,
};
static const double rtt_bounds[CONNHIST_RTT_BUCKETS] = {
	0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
};

struct hist {
	atomic_uint_least64_t bucket[CONNHIST_RTT_BUCKETS + 1]; /* the larger of the two */
	atomic_uint_least64_t sum_us;   /* microseconds, exact */
};

static struct hist duration, rtt;

static void note(struct hist *h, const double *bounds, int n, double seconds)
{
	int i = 0;

	while (i < n && seconds > bounds[i])
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (uint64_t)(seconds * 1e6 + 0.5),
				  memory_order_relaxed);
}

void connhist_note(double seconds, uint32_t rtt_us)
{
	note(&duration, duration_bounds, CONNHIST_DURATION_BUCKETS, seconds < 0 ? 0 : seconds);
	if (rtt_us > 0)
		note(&rtt, rtt_bounds, CONNHIST_RTT_BUCKETS, rtt_us / 1e6);
}

static void write_one(struct promtext *p, const char *name, const char *help, struct hist *h,
		      const double *bounds, int n)
{
	uint64_t counts[CONNHIST_RTT_BUCKETS + 1];
	const struct prom_label service = { "service", "echo" };

	for (int i = 0; i <= n; i++)
		counts[i] = atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
	promtext_family(p, name, PROM_HISTOGRAM, help);
	promtext_histogram(p, &service, 1,
			   &(struct prom_hist){ bounds, (size_t)n, counts,
						atomic_load_explicit(&h->sum_us, memory_order_relaxed) /
							1e6 });
}

void connhist_write(struct promtext *p)
{
	write_one(p, "netecho_tcp_connection_duration_seconds",
		  "How long the echo's TCP connections lasted, in seconds.", &duration,
		  duration_bounds, CONNHIST_DURATION_BUCKETS);
	write_one(p, "netecho_tcp_rtt_seconds",
		  "The round trip the kernel measured to each client, at close (TCP_INFO), in seconds.",
		  &rtt, rtt_bounds, CONNHIST_RTT_BUCKETS);
}
