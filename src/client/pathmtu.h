/* pathmtu.h: what netecho --pmtu found (pmtu.h reasons, pmtuprobe.c
 * probes), as text lines and as JSON members. Pure. */
#ifndef NETECHO_PATHMTU_H
#define NETECHO_PATHMTU_H

#include <stdbool.h>
#include <stddef.h>

#include "net.h"

#define PATH_MTU_ICMPS   4              /* senders of ICMP "too big" kept, the smallest MTUs */
#define PATH_MTU_WHY_MAX 256            /* the search's failure, said */
#define PATH_MTU_HOLE_TRIES 2           /* tries of each hop with a probe that vanishes */

/* An ICMP "too big" (IPv4 "frag needed") that came back: the MTU it
 * named, its sender, and the hop that is (--hops: the hop whose "time
 * exceeded" came from that address; -1: not known). */
struct path_mtu_icmp {
	long mtu;
	char from[NET_ADDRSTRLEN];
	int hop;
};

/* What --pmtu found (pmtu.h says how). */
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
	/* a black hole located (--hops): the last hop a probe of the size
	 * that vanishes reached ("time exceeded" from it); -1: not located */
	int hole_after;
	char hole_from[NET_ADDRSTRLEN];
	int hole_next;                  /* the first hop that answered smaller probes, not these */
	const char *hole_why;           /* not located: why (a literal); NULL: not tried */
	bool traced;                    /* --hops ran: each icmp[].hop was looked for */
	char failure[PATH_MTU_WHY_MAX]; /* the search could not start or ended: said (why) */
};
#define PATH_MTU_UNKNOWN                                                                         \
	{ .pmtu = -1, .local_mtu = -1, .icmp_mtu = -1, .black_hole = -1, .low = -1, .bound = -1, \
	  .loss = -1, .vanished = -1, .why = "no search", .hole_after = -1, .hole_next = -1,     \
	  .hole_why = NULL }

/* --pmtu's findings as text lines ("pmtu: 1400 (...)\n"), and as JSON
 * members ("\"pmtu\":N,\"black_hole\":B,..."). Return the length. */
size_t path_mtu_text(char *buf, size_t size, const struct path_mtu *m);
size_t path_mtu_json(char *buf, size_t size, const struct path_mtu *m);

#endif
