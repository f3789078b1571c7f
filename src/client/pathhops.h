/* pathhops.h: netecho --path --hops: where on the path, without root: UDP
 * probes to the report service with a rising TTL (hop limit), each from
 * a socket of its own with IP_RECVERR, so that the ICMP "time exceeded"
 * each router sends back names it (its address: SO_EE_OFFENDER), until
 * the report answers (the hop count there) or hops stop answering. The
 * hop count back comes from the UDP report itself (pathback.h).
 *
 * A TTL that reaches is the hop count only when the one below it was
 * answered "time exceeded"; after a hop that did not answer it is an upper
 * bound ("at most"). With --pmtu the same finds where the ICMP "too big"
 * came from and where a black hole sits (path_locate_hole()). Bounded:
 * PATH_HOPS_MAX hops, PATH_PACE_MS apart (the report's rate), each
 * awaited a share of the wait, and the trace ends after PATH_HOPS_SILENT
 * hops in a row that do not answer. */
#ifndef NETECHO_PATHHOPS_H
#define NETECHO_PATHHOPS_H

#include <stdbool.h>
#include <stddef.h>

#include "net.h"
#include "outbuf.h"
#include "pathmtu.h"
#include "pathprobe.h"

#define PATH_HOPS_MAX     30            /* the longest path traced */
#define PATH_HOPS_SILENT  3             /* hops in a row without an answer that end it */
#define PATH_HOPS_WAIT    1.0           /* seconds: the most each hop is awaited */

enum hop_answer { HOP_SILENT, HOP_EXPIRED, HOP_UNREACHABLE, HOP_REACHED };

struct path_hop {
	enum hop_answer answer;
	int type, code;                 /* the ICMP's, when one came */
	char from[NET_ADDRSTRLEN];      /* who answered */
};

struct path_trace {
	struct path_hop hop[PATH_HOPS_MAX];
	int n;                          /* hops tried */
	int reached;                    /* the TTL the report came to; -1: not reached */
	bool exact;                     /* and the hop before said it was too few */
};

/* Traces the path to o's report service over UDP. 0 (t set, reached or
 * not), or a status with a message on standard error. */
int path_trace(const struct path_options *o, struct path_trace *t);

/* After --pmtu and the trace: each ICMP "too big" matched to the hop
 * whose "time exceeded" came from its sender (m->icmp[].hop; pure). */
void path_mtu_hops(struct path_mtu *m, const struct path_trace *t);

/* Where a black hole the search found (m->black_hole 1) sits: Don't
 * Fragment probes of the smallest size that vanishes (m->pmtu + 1), with
 * the TTL of each hop that answered the trace, from the first up. Routers
 * answer "time exceeded" before they look at the MTU, so the last hop
 * that answers such a probe is one that the size reaches: the packets
 * vanish after it (m->hole_after, m->hole_from), and m->hole_next is the
 * first hop that answered small probes and not these (-1: none; the
 * report service was next, or the trace ended). Where no hop answers,
 * m->hole_why says why it is unknown. Bounded: one probe a hop, a second
 * when the first is not answered (loss, an ICMP rate limit), each
 * awaited as the trace's. */
void path_locate_hole(const struct path_options *o, const struct path_trace *t,
		      struct path_mtu *m);

/* The trace as text lines, and as a JSON member ("\"hops_there\":..."). */
size_t path_trace_text(char *buf, size_t size, const struct path_trace *t, int v6);
size_t path_trace_json(char *buf, size_t size, const struct path_trace *t, int v6);

/* The trace added to r: JSON members after a comma with o->json, else
 * text lines. */
void path_trace_out(struct outbuf *r, const struct path_options *o, const struct path_trace *t);

#endif
