/* pmtu.h: --pmtu's reasoning, apart from its sockets (pmtusearch.c): what
 * the probes sent so far show, and which size to try next.
 *
 * Each probe (numbered 0 on) has a size (the IP packet's bytes) and a
 * state: pending, arrived (its report came, or a later report's memory of
 * the session says so: probemem.h) or lost (a later probe arrived and the
 * server's memory does not hold it). A size that arrived is a fact; so is
 * a "too big" from this host or an ICMP (the bound). A lost probe is not a
 * too-big one: the size after the largest that arrived counts as too big
 * only once it was lost so many times, and larger sizes too, that loss at
 * the rate measured (lost probes of sizes that do arrive) would explain
 * it less than once in 1/PMTU_DOUBT; else the search tries again, and
 * where it cannot decide the path MTU is unknown, never a guess.
 *
 * Pure and unit-tested (tests/unit_pmtu.c). */
#ifndef NETECHO_PMTU_H
#define NETECHO_PMTU_H

#include <stdbool.h>
#include <stdint.h>

#include "probemem.h"

#define PMTU_SEQS       PROBEMEM_SEQS   /* probes in one search, at most */
#define PMTU_LARGEST    65535           /* the largest IP packet */
#define PMTU_TRIES_MIN  3               /* lost tries before a size is too big, at least */
#define PMTU_TRIES_MAX  12              /* and at most: more loss than that is "unknown" */
#define PMTU_SAMPLES    20              /* probes of sizes that arrive, to measure loss */
#define PMTU_BATCH      3               /* tries of a size lost often, before a confirmation */
#define PMTU_DOUBT      1e-5            /* the chance of a wrong "too big" allowed */

enum pmtu_state { PMTU_PENDING, PMTU_ARRIVED, PMTU_LOST };

struct pmtu_evidence {
	long local_mtu;                 /* the largest packet this host sends; -1: not known */
	long icmp_mtu;                  /* the smallest MTU an ICMP "too big" named; -1: none */
	int n;                          /* probes sent */
	long size[PMTU_SEQS];           /* each probe's IP packet bytes */
	unsigned char state[PMTU_SEQS]; /* enum pmtu_state */
	bool reported[PMTU_SEQS];       /* its own report came back */
};

struct pmtu_verdict {
	long pmtu;                      /* the path MTU; -1: not decided */
	long low;                       /* the largest size that arrived; -1: none */
	long bound;                     /* the smaller of this host's MTU and an ICMP's */
	int black_hole;                 /* 1: low + 1 to bound vanish, no ICMP for them; -1 unknown */
	int loss;                       /* percent of probes lost, of sizes that arrive; -1 */
	int tries;                      /* lost tries that rule out loss at that rate; 0: none */
	long vanished;                  /* a size below the pmtu lost every try; -1: none */
	long next;                      /* the size to try next; -1: no more */
	const char *why;                /* not decided, nothing to try: why */
};

/* A probe of size bytes sent: its number, or -1 when PMTU_SEQS were. */
int pmtu_sent(struct pmtu_evidence *e, long size);

/* A report on a probe of size bytes from a server that remembers: probe
 * first + i arrived when bit i is set (the last of them of that size
 * brought this report); those from first on before the last that arrived,
 * and not set, were lost. */
void pmtu_seen(struct pmtu_evidence *e, unsigned first, const uint8_t *bits, long size);

/* A report from one that does not (no session): the last probe of that
 * size not known to have arrived did (a late report too), the pending
 * ones before it were lost (or their reports: the round trip is all it
 * knows). */
void pmtu_seen_size(struct pmtu_evidence *e, long size);

/* Lost tries that rule out loss, lost of decided probes lost: 0 when
 * PMTU_TRIES_MAX do not. */
int pmtu_tries(int lost, int decided);

/* What the evidence shows, and what to try next. */
void pmtu_decide(const struct pmtu_evidence *e, struct pmtu_verdict *v);

#endif
