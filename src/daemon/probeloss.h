/* probeloss.h: what a /probe's UDP module learns from the target's report
 * service (probemem.h, report.h): it sends n tagged probes of one session,
 * then closing probes, and each report that comes back says which of the
 * session's probes had arrived by then. So a report held back by the
 * target's rate limit, or lost on the way back, is never taken for a lost
 * probe: the next report confirms the probe.
 *
 * From the reports, in the order they came:
 *  - arrived: a probe some report saw; known: probes up to the newest any
 *    report saw, from the session's first remembered (later ones are
 *    unknown, never lost); loss = (known - arrived) / known;
 *  - rtt: a report that is the first to show a probe answers the newest
 *    probe it shows first (probes spaced wider than the round trip: this
 *    holds; a report for an older one is late and measured by none);
 *  - duplicates: a report that shows no probe new and as many as the most
 *    seen (a probe, or its report, arrived twice: which, the evidence does
 *    not say); reordered: a report that shows a probe older than the newest
 *    seen before as new (a probe overtaken), or fewer than seen before (a
 *    report overtaken);
 *  - jitter: the mean difference between the round trips of probes next
 *    to each other in sequence (RFC 3550's, without its smoothing).
 *
 * Pure: the caller gives the times; unit-tested. */
#ifndef NETECHO_PROBELOSS_H
#define NETECHO_PROBELOSS_H

#include <stdbool.h>
#include <stdint.h>

#include "probemem.h"

#define PROBELOSS_MAX (PROBEMEM_SEQS - 8)       /* probes measured: room for the closing ones */

struct probeloss {
	unsigned n;                     /* probes measured: 0 to n - 1 */
	double sent_at[PROBEMEM_SEQS];  /* < 0: not sent */
	double rtt[PROBEMEM_SEQS];      /* < 0: not measured */
	uint8_t seen[PROBEMEM_SEQS / 8];
	long first;                     /* the lowest first a report gave; -1: no report */
	int newest;                     /* the newest probe a report showed; -1: none */
	unsigned most;                  /* the most probes one report showed */
	unsigned reports, duplicates, reordered;
};

struct probeloss_result {
	unsigned sent, known, arrived, reports, duplicates, reordered;
	unsigned reports_missing;       /* probes arrived that no report of their own answered */
	double loss;                    /* NaN: none known */
	double rtt_min, rtt_avg, rtt_max, jitter; /* seconds; NaN: none measured */
};

/* Starts a session of n probes (at most PROBELOSS_MAX). */
void probeloss_start(struct probeloss *l, unsigned n);

/* Probe seq (closing probes: n on) left at now. */
void probeloss_sent(struct probeloss *l, unsigned seq, double now);

/* A report came at now: the session's first probe remembered and the bits
 * of those that arrived (probemem_view's). */
void probeloss_report(struct probeloss *l, long first, const uint8_t *bits, double now);

/* The fate of every measured probe known (a report showed probe n - 1 or
 * a later one)? */
bool probeloss_settled(const struct probeloss *l);

void probeloss_result(const struct probeloss *l, struct probeloss_result *r);

#endif
