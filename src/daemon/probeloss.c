/* probeloss.c: a UDP probe session's loss, order and round trips from the
 * reports (see probeloss.h).
 *
 * Pure: it must not read a clock nor touch a socket (the caller gives the
 * reports and times), nor count as lost what it cannot know. */
#include "probeloss.h"

#include <math.h>
#include <string.h>

void probeloss_start(struct probeloss *l, unsigned n)
{
	memset(l, 0, sizeof *l);
	l->n = n > PROBELOSS_MAX ? PROBELOSS_MAX : n;
	for (unsigned i = 0; i < PROBEMEM_SEQS; i++)
		l->sent_at[i] = l->rtt[i] = -1;
	l->first = -1;
	l->newest = -1;
}

void probeloss_sent(struct probeloss *l, unsigned seq, double now)
{
	if (seq < PROBEMEM_SEQS)
		l->sent_at[seq] = now;
}

static bool bit(const uint8_t *bits, unsigned i)
{
	return bits[i / 8] >> (i % 8) & 1;
}

void probeloss_report(struct probeloss *l, long first, const uint8_t *bits, double now)
{
	unsigned shown = 0;
	int newest_new = -1, oldest_new = -1;

	if (first < 0 || first >= PROBEMEM_SEQS)
		return;
	l->reports++;
	if (l->first < 0 || first < l->first)
		l->first = first;
	for (unsigned i = 0; i + (unsigned)first < PROBEMEM_SEQS; i++) {
		unsigned seq = (unsigned)first + i;

		if (!bit(bits, i) || l->sent_at[seq] < 0)
			continue;
		shown++;
		if (!bit(l->seen, seq)) {
			l->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
			newest_new = (int)seq;
			if (oldest_new < 0)
				oldest_new = (int)seq;
		}
	}
	if (newest_new < 0) {
		if (shown < l->most)
			l->reordered++;         /* an older report, overtaken */
		else
			l->duplicates++;
	} else {
		if (oldest_new < l->newest)
			l->reordered++;         /* a probe overtaken by a later one */
		l->rtt[newest_new] = now - l->sent_at[newest_new];
		if (newest_new > l->newest)
			l->newest = newest_new;
	}
	if (shown > l->most)
		l->most = shown;
}

bool probeloss_settled(const struct probeloss *l)
{
	return l->n > 0 && l->newest >= (int)l->n - 1;
}

static void rtts(const struct probeloss *l, struct probeloss_result *r)
{
	unsigned nrtt = 0, njit = 0;
	double sum = 0, jit = 0;

	r->rtt_min = r->rtt_avg = r->rtt_max = r->jitter = NAN;
	for (unsigned i = 0; i < PROBEMEM_SEQS; i++) {
		double t = l->rtt[i];

		if (t < 0)
			continue;
		if (nrtt == 0 || t < r->rtt_min)
			r->rtt_min = t;
		if (nrtt == 0 || t > r->rtt_max)
			r->rtt_max = t;
		sum += t;
		nrtt++;
		if (i > 0 && l->rtt[i - 1] >= 0) {
			jit += fabs(t - l->rtt[i - 1]);
			njit++;
		}
	}
	if (nrtt > 0)
		r->rtt_avg = sum / nrtt;
	if (njit > 0)
		r->jitter = jit / njit;
	r->reports_missing = 0;
	for (unsigned i = 0; i < PROBEMEM_SEQS; i++)
		r->reports_missing += bit(l->seen, i) && l->rtt[i] < 0;
}

void probeloss_result(const struct probeloss *l, struct probeloss_result *r)
{
	memset(r, 0, sizeof *r);
	for (unsigned i = 0; i < l->n; i++)
		r->sent += l->sent_at[i] >= 0;
	if (l->first >= 0) {
		for (unsigned i = (unsigned)l->first; i < l->n && (int)i <= l->newest; i++) {
			if (l->sent_at[i] < 0)
				continue;
			r->known++;
			r->arrived += bit(l->seen, i);
		}
	}
	r->reports = l->reports;
	r->duplicates = l->duplicates;
	r->reordered = l->reordered;
	r->loss = r->known > 0 ? (double)(r->known - r->arrived) / r->known : NAN;
	rtts(l, r);
}
