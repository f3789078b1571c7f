/* pmtuprobe.h: netecho --pmtu's probes: UDP datagrams with Don't Fragment
 * from one socket, each tagged with a random session and its number
 * (probemem.h) so that any report says which earlier probes arrived; the
 * reasoning is pmtu.h's. On a terminal a live line on standard error says
 * which size it tries.
 *
 * Bounded: PMTU_SEQS probes, PATH_PACE_MS apart, and PMTU_BUDGET seconds
 * in all, no reply awaited past it, nor past the caller's deadline (then
 * what is known is said, the rest "unknown").
 *
 * It must not reason on what arrived: pmtu.h does. */
#ifndef NETECHO_PMTUPROBE_H
#define NETECHO_PMTUPROBE_H

#include "pathmtu.h"
#include "pathprobe.h"

#define PMTU_BUDGET        14.0         /* seconds: the search's longest */
#define PMTU_TOTAL         17.0         /* seconds: --path --pmtu, the probes before it too */
#define PMTU_FLOOR_TRIES   8            /* tries of the smallest size before giving up */
#define PMTU_PROBE_MIN     256          /* bytes: smaller probes leave no room for a report */

/* Finds the path MTU to o->addr, done by end (clock_now()'s time; 0: no
 * deadline but its own); *result gets what was found. Returns 0, or an
 * exit status (pathprobe.h's) with a message on standard error. */
int pmtu_run(const struct path_options *o, double end, struct path_mtu *result);

#endif
