/* pmtu.c: --pmtu's reasoning (see pmtu.h).
 *
 * Pure: it must not send a probe nor read a clock (pmtusearch.c does both);
 * where evidence does not decide, it says unknown. */
#include "pmtu.h"

#include <string.h>

int pmtu_sent(struct pmtu_evidence *e, long size)
{
	if (e->n >= PMTU_SEQS)
		return -1;
	e->size[e->n] = size;
	e->state[e->n] = PMTU_PENDING;
	e->reported[e->n] = false;
	return e->n++;
}

void pmtu_seen(struct pmtu_evidence *e, unsigned first, const uint8_t *bits, long size)
{
	int top = -1, mine = -1;

	for (int i = 0; i < PMTU_SEQS; i++) {
		long seq = (long)first + i;

		if (seq >= e->n)
			break;
		if ((bits[i / 8] >> (i % 8)) & 1) {
			e->state[seq] = PMTU_ARRIVED;
			top = (int)seq;
			if (e->size[seq] == size)
				mine = (int)seq;
		}
	}
	if (mine >= 0)
		e->reported[mine] = true;
	for (long seq = first; seq < top; seq++)
		if (e->state[seq] == PMTU_PENDING)
			e->state[seq] = PMTU_LOST;
}

void pmtu_seen_size(struct pmtu_evidence *e, long size)
{
	int mine = -1;

	for (int seq = e->n - 1; seq >= 0 && mine < 0; seq--)
		if (e->state[seq] != PMTU_ARRIVED && e->size[seq] == size)
			mine = seq;
	if (mine < 0)
		return;
	e->state[mine] = PMTU_ARRIVED;
	e->reported[mine] = true;
	for (int seq = 0; seq < mine; seq++)
		if (e->state[seq] == PMTU_PENDING)
			e->state[seq] = PMTU_LOST;
}

int pmtu_tries(int lost, int decided)
{
	double p = (double)(lost + 2) / (double)(decided + 2), all = 1;

	/* (lost + 2) / (decided + 2): more loss than seen (a few probes
	 * understate it as often as they overstate it), and some even when
	 * none was seen */
	for (int k = 1; k <= PMTU_TRIES_MAX && p < 1; k++) {
		all *= p;
		if (k >= PMTU_TRIES_MIN && all <= PMTU_DOUBT)
			return k;
	}
	return 0;
}

/* Probes of sizes from a to b in a state. */
static int count(const struct pmtu_evidence *e, long a, long b, enum pmtu_state st)
{
	int n = 0;

	for (int i = 0; i < e->n; i++)
		n += e->size[i] >= a && e->size[i] <= b && e->state[i] == st;
	return n;
}

/* The loss of probes of sizes up to low (which fit: what was lost of them
 * was lost on the way, or filtered, which only overstates the loss): one
 * way (the server's memory) in *lost of *decided, and of the round trip
 * (no report of its own) in *rlost of *rdecided. */
static void loss(const struct pmtu_evidence *e, long low, int *lost, int *decided, int *rlost,
		 int *rdecided)
{
	*lost = *decided = *rlost = *rdecided = 0;
	for (int i = 0; i < e->n; i++) {
		if (e->size[i] > low || e->state[i] == PMTU_PENDING)
			continue;
		(*decided)++;
		*lost += e->state[i] == PMTU_LOST;
		(*rdecided)++;
		*rlost += !e->reported[i];
	}
}

/* The largest size below low lost at least PMTU_TRIES_MIN times and never
 * arrived: a filter, or bad luck; not the MTU. -1: none. */
static long vanished(const struct pmtu_evidence *e, long low)
{
	long v = -1;

	for (int i = 0; i < e->n; i++)
		if (e->size[i] < low && e->size[i] > v &&
		    count(e, e->size[i], e->size[i], PMTU_LOST) >= PMTU_TRIES_MIN &&
		    count(e, e->size[i], e->size[i], PMTU_ARRIVED) == 0)
			v = e->size[i];
	return v;
}

/* Whether a probe larger than low waits, after the last that arrived, for
 * a later report to say whether it arrived; *tail: probes after it. */
static bool waiting(const struct pmtu_evidence *e, long low, int *tail)
{
	int last = -1;
	bool larger = false;

	for (int i = 0; i < e->n; i++)
		if (e->state[i] == PMTU_ARRIVED)
			last = i;
	for (int i = last + 1; i < e->n; i++)
		larger |= e->size[i] > low;
	*tail = e->n - 1 - last;
	return larger;
}

/* Losses that make a size a ceiling for the search (not yet a verdict):
 * enough that loss at the rate seen explains them less than once in 20
 * (1 while no loss was seen). */
static int tentative(int lost, int decided)
{
	double p = decided > 0 ? (double)lost / decided : 0, all = p;
	int k = 1;

	while (all > 0.05 && k < PMTU_TRIES_MIN) {
		all *= p;
		k++;
	}
	return k;
}

/* Whether the last probe, still pending, is of a size lost often
 * already (k times), or the bound, tried again before a probe of a size
 * that arrives asks for the server's memory: PMTU_BATCH at a time. */
static bool again(const struct pmtu_evidence *e, long low, long bound, int k)
{
	long last = e->size[e->n - 1];
	int pending = 0;

	if (last <= low || (last != bound && count(e, last, last, PMTU_LOST) < k))
		return false;
	for (int i = e->n - 1; i >= 0 && e->state[i] == PMTU_PENDING && e->size[i] == last; i--)
		pending++;
	return pending < PMTU_BATCH;
}

/* The smallest size above low lost k times, or bound + 1; *retry: a
 * smaller one lost fewer times, to try again first (or -1). */
static long ceiling(const struct pmtu_evidence *e, long low, long bound, int k, long *retry)
{
	long hi = bound + 1;

	*retry = -1;
	for (int i = 0; i < e->n; i++)
		if (e->state[i] == PMTU_LOST && e->size[i] > low && e->size[i] < hi &&
		    count(e, e->size[i], e->size[i], PMTU_LOST) >= k)
			hi = e->size[i];
	for (int i = 0; i < e->n; i++)
		if (e->state[i] == PMTU_LOST && e->size[i] > low && e->size[i] < hi &&
		    (*retry < 0 || e->size[i] < *retry))
			*retry = e->size[i];
	return hi;
}

/* Nothing decided yet: the bound and the largest size that arrived. */
static void facts(const struct pmtu_evidence *e, struct pmtu_verdict *v)
{
	memset(v, 0, sizeof *v);
	v->pmtu = v->low = v->vanished = v->next = -1;
	v->black_hole = v->loss = -1;
	v->bound = e->local_mtu > 0 ? e->local_mtu : PMTU_LARGEST;
	for (int i = 0; i < e->n; i++)
		if (e->state[i] == PMTU_ARRIVED && e->size[i] > v->low)
			v->low = e->size[i];
	/* an ICMP's MTU bounds the search unless a larger probe arrived: then
	 * it is wrong (forged, stale or of another path), not a verdict */
	if (e->icmp_mtu > 0 && e->icmp_mtu < v->bound && e->icmp_mtu >= v->low)
		v->bound = e->icmp_mtu;
}

/* The end of a search: the size above the largest that arrives (hi) and
 * the bound lost so often that loss does not explain it, or one more try
 * of them. rtries: the tries the loss on the way back asks for. */
static void settle(const struct pmtu_evidence *e, struct pmtu_verdict *v, long hi, int rtries)
{
	/* the next size lost so often, and the bound too (larger sizes never
	 * arrive either), that loss does not explain it: tries of each beside
	 * the loss that made the search go below it (lost by selection) */
	if (count(e, hi, hi, PMTU_LOST) < v->tries + 1) {
		v->next = hi;
		return;
	}
	if (hi < v->bound && count(e, v->bound, v->bound, PMTU_LOST) < v->tries + 1) {
		v->next = v->bound;
		return;
	}
	v->pmtu = v->low;
	/* no ICMP for these sizes, or all were lost on the way back */
	v->black_hole = rtries > 0 && count(e, hi, v->bound, PMTU_LOST) >= rtries ? 1 : -1;
}

void pmtu_decide(const struct pmtu_evidence *e, struct pmtu_verdict *v)
{
	int lost, decided, rlost, rdecided, tail;
	long hi, retry;

	facts(e, v);
	if (v->low < 0) {
		v->why = "no probe arrived";
		return;
	}
	loss(e, v->low, &lost, &decided, &rlost, &rdecided);
	v->loss = decided > 0 ? (lost * 100 + decided / 2) / decided : -1;
	v->tries = pmtu_tries(lost, decided);
	v->vanished = vanished(e, v->low);
	if (v->low >= v->bound) {               /* every size up to the bound arrives */
		v->pmtu = v->low;
		v->black_hole = 0;
		return;
	}
	if (waiting(e, v->low, &tail)) {        /* a later report will tell */
		if (tail >= PMTU_TRIES_MAX)
			v->why = "no report came back";
		else if (again(e, v->low, v->bound, tentative(lost, decided)))
			v->next = e->size[e->n - 1];
		else
			v->next = v->low;
		return;
	}
	hi = ceiling(e, v->low, v->bound, tentative(lost, decided), &retry);
	if (retry > 0) {                        /* lost, maybe by chance: again */
		v->next = retry;
		return;
	}
	if (hi > v->low + 1) {                  /* a binary search between */
		v->next = v->low + (hi - v->low) / 2;
		return;
	}
	if (v->tries == 0) {                    /* too much loss, or too little known of it */
		if (decided < PMTU_SAMPLES)
			v->next = v->low;
		else
			v->why = "too much loss";
		return;
	}
	settle(e, v, hi, pmtu_tries(rlost, rdecided));
}
