/* pathmtu.h: what netecho --pmtu found (pmtu.h reasons, pmtuprobe.c
 * probes), as text lines and as JSON members. Pure. */
#ifndef NETECHO_PATHMTU_H
#define NETECHO_PATHMTU_H

#include <stddef.h>

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
	const char *why;                /* pmtu unknown: why, when not the loss (a literal) */
};
#define PATH_MTU_UNKNOWN { -1, -1, -1, -1, -1, -1, -1, 0, -1, "no search" }

/* --pmtu's findings as text lines ("pmtu: 1400 (...)\n"), and as JSON
 * members ("\"pmtu\":N,\"black_hole\":B,..."). Return the length. */
size_t path_mtu_text(char *buf, size_t size, const struct path_mtu *m);
size_t path_mtu_json(char *buf, size_t size, const struct path_mtu *m);

#endif
