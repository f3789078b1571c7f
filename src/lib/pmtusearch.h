/* pmtusearch.h: the path MTU search over UDP (pmtu.h reasons on what
 * arrived): DF probes of changing size from one socket to a report
 * service, each tagged with a random session and its number (probemem.h)
 * so that any report says which earlier probes arrived, ICMP "too big"
 * read from the socket's error queue (icmp.h) with their senders; asked
 * (back), the reports' TTL and TOS as they came, beside what the target
 * says it sent them with. What it found is a struct path_mtu. In src/lib because netecho --pmtu
 * (pmtuprobe.c: its options, its live line and messages) and netechod's
 * /probe path module with pmtu=yes (probepmtu.c) both run it.
 *
 * Bounded: PMTU_SEQS probes, PMTU_PACE_MS apart, PMTU_BUDGET seconds in
 * all and never past the caller's deadline; it sees the caller's stop
 * flag within PMTU_STOP_SLICE_MS, waiting or pacing. What the evidence
 * does not decide is unknown (-1), never a guess.
 *
 * It must not print, nor know either program's options: the caller's
 * live line is a callback, its failure a text in the result. */
#ifndef NETECHO_PMTUSEARCH_H
#define NETECHO_PMTUSEARCH_H

#include <stdatomic.h>
#include <stdbool.h>

#include "net.h"

#define PMTU_BUDGET        14.0         /* seconds: the search's longest */
#define PMTU_FLOOR_TRIES   8            /* tries of the smallest size before giving up */
#define PMTU_PROBE_MIN     256          /* bytes: smaller probes leave no room for a report */
#define PMTU_PACE_MS       125          /* between probes: under a report service's 10 a second */
#define PMTU_STOP_SLICE_MS 50           /* a stop is seen within this, waiting or pacing */

#define PATH_MTU_ICMPS   4              /* senders of ICMP "too big" kept, the smallest MTUs */
#define PATH_MTU_WHY_MAX 256            /* the search's failure, said */

/* An ICMP "too big" (IPv4 "frag needed") that came back: the MTU it
 * named, its sender, and the hop that is (--hops: the hop whose "time
 * exceeded" came from that address; -1: not known). */
struct path_mtu_icmp {
	long mtu;
	char from[NET_ADDRSTRLEN];
	int hop;
};

/* The way back of the search's reports (pmtu_search's back): how the
 * last one came here, and what the target says it sent it with; -1: not
 * known. */
struct pmtu_back {
	int ttl, tos;                   /* as it arrived: TTL or hop limit, TOS or traffic class */
	int sent_ttl, sent_dscp, sent_ecn; /* as the target sent it (its report says) */
};
#define PMTU_BACK_UNKNOWN { .ttl = -1, .tos = -1, .sent_ttl = -1, .sent_dscp = -1, .sent_ecn = -1 }

/* What a search found (pmtu.h says how). */
struct path_mtu {
	long pmtu;                      /* the largest IP packet that arrives; -1: unknown */
	long local_mtu;                 /* the upper bound: this host's interface MTU */
	long icmp_mtu;                  /* the MTU an ICMP "too big" named; -1: none came */
	int black_hole;                 /* 1: larger packets vanished without ICMP; -1 unknown */
	long low;                       /* the largest packet that arrived; -1: none */
	long bound;                     /* the smaller of local_mtu and icmp_mtu */
	int loss;                       /* percent of probes lost (of sizes that arrive); -1 */
	int probes;                     /* probes sent */
	long vanished;                  /* a size below pmtu lost every try; -1: none */
	const char *why;                /* pmtu unknown: why, when not the loss */
	struct path_mtu_icmp icmp[PATH_MTU_ICMPS]; /* the ICMPs "too big", MTU rising */
	int nicmp;
	/* a black hole located (netecho --hops, pathhops.c): the last hop a
	 * probe of the size that vanishes reached ("time exceeded" from it);
	 * -1: not located */
	int hole_after;
	char hole_from[NET_ADDRSTRLEN];
	int hole_next;                  /* the first hop that answered smaller probes, not these */
	const char *hole_why;           /* not located: why (a literal); NULL: not tried */
	bool traced;                    /* --hops ran: each icmp[].hop was looked for */
	char failure[PATH_MTU_WHY_MAX]; /* the search could not start or ended: said (why) */
	struct pmtu_back back;          /* the way back, when asked (pmtu_search's back) */
};
#define PATH_MTU_UNKNOWN                                                                         \
	{ .pmtu = -1, .local_mtu = -1, .icmp_mtu = -1, .black_hole = -1, .low = -1, .bound = -1, \
	  .loss = -1, .vanished = -1, .why = "no search", .hole_after = -1, .hole_next = -1,     \
	  .hole_why = NULL, .back = PMTU_BACK_UNKNOWN }

/* What a search is asked: where, how marked, how long. */
struct pmtu_search {
	const struct net_addr *addr;    /* the report service (UDP) */
	const char *peer;               /* addr as text, for the failure's words */
	int ttl;                        /* -1: the system's */
	int tos;                        /* -1: the system's */
	double wait;                    /* seconds: the longest wait on one reply */
	double end;                     /* clock_now()'s deadline; 0: PMTU_BUDGET only */
	const atomic_bool *stop;        /* true: end now (NULL: never) */
	bool back;                      /* read each report's TTL and TOS as it came (r->back) */
	/* the live line (NULL: none): the size tried, the largest that
	 * arrived (-1 none), the probe's number from 1, seconds so far */
	void (*live)(void *arg, long size, long low, int probe, double elapsed);
	void (*live_end)(void *arg);    /* the search is over, had live() been called */
	void *arg;
};

/* Runs a search; *r (PATH_MTU_UNKNOWN first) gets what was found.
 * Returns 0 (found or not: r says), or when it could not search, 1 (not
 * even the smallest probe brought a report) or a sysexits status
 * (EX_UNAVAILABLE, EX_PROTOCOL, EX_OSERR), its reason in r->failure. A
 * stop ends it with what is known, r->why "stopped" where undecided. */
int pmtu_search_run(const struct pmtu_search *q, struct path_mtu *r);

#endif
