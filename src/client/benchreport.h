/* benchreport.h: the figures of netecho --bench: what a run counts (the
 * latency histogram, bytes, requests, errors and timeouts apart, the
 * requests answered each second), its intervals (-i), the live line, and
 * the report as text or JSON, rates with units as iperf3 writes them. It
 * opens no socket: bench.c counts, this file reads the counts. */
#ifndef NETECHO_BENCHREPORT_H
#define NETECHO_BENCHREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench.h"

#define HIST_SUB     16                 /* sub-buckets per power of two */
#define HIST_BUCKETS (64 * HIST_SUB)
#define BENCH_MAX_SECONDS_KEPT 86402    /* the answered-per-second counts kept */
#define BENCH_MAX_INTERVALS 100000      /* -i intervals kept for the JSON */

struct bench_interval {
	double from, to;                /* seconds since the start */
	unsigned long requests;
	unsigned long long bytes_in, bytes_out;
};

struct bench_stats {
	const struct bench_options *o;
	size_t greeting, prefix;        /* bytes found out by the probe */
	uint64_t hist[HIST_BUCKETS];
	double max_ms;
	unsigned long requests, errors, mismatches;
	unsigned long connect_timeouts; /* TCP: no connection within the wait */
	unsigned long reply_timeouts;   /* no (whole) reply within the wait: lost */
	unsigned long cut_off;          /* still unanswered when the run ended */
	unsigned long long bytes_in, bytes_out;
	unsigned long long echoed;      /* message bytes that came back, checked */
	double start;                   /* of the measured run */
	unsigned long *per_second;      /* requests answered in each second */
	size_t seconds_kept;
	struct bench_interval *intervals; /* -i: the intervals so far (JSON) */
	size_t nintervals, intervals_max;
	double next_interval;           /* when the current interval ends */
	struct bench_interval cur;      /* the counts when it began */
	double next_live;
	unsigned long live_last;
};

/* Allocates what the run keeps; -1 when out of memory. */
int benchreport_init(struct bench_stats *s, const struct bench_options *o, double start);
void benchreport_free(struct bench_stats *s);

/* A request answered after `seconds`. */
void benchreport_answered(struct bench_stats *s, double seconds);

/* Called often while the run goes: the live line, the intervals' lines. */
void benchreport_tick(struct bench_stats *s, double now);

/* The report on standard output (the last interval's line first). */
void benchreport_print(struct bench_stats *s, double now);

/* The loss looks like a rate limit: requests went unanswered while the
 * replies came at a steady rate (each second of the run, two at least,
 * within 20% of their mean, or one request). Writes that rate a second to
 * *rate. run: the run's seconds. */
bool benchreport_rate_limited(const struct bench_stats *s, double run, double *rate);

/* A rate with iperf3's units: "52.3 Mbits/sec" (powers of 1000) or
 * "6.23 MBytes/sec" (powers of 1024). */
const char *benchreport_bits(double bytes_per_s, char *buf, size_t size);
const char *benchreport_bytes(double bytes_per_s, char *buf, size_t size);

#endif
