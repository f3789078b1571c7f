/* pmtuprobe.h: netecho --pmtu: the path MTU search (pmtusearch.h) run
 * with the client's options, its live line on standard error on a
 * terminal (which size it tries), its failure said there too.
 *
 * Bounded as the search is: PMTU_SEQS probes, PMTU_BUDGET seconds, and
 * the caller's deadline. It must not reason on what arrived: pmtu.h
 * does. */
#ifndef NETECHO_PMTUPROBE_H
#define NETECHO_PMTUPROBE_H

#include "pathmtu.h"
#include "pathprobe.h"

#define PMTU_TOTAL 17.0 /* seconds: --path --pmtu, the probes before it too */

/* Finds the path MTU to o->addr, done by end (clock_now()'s time; 0: no
 * deadline but its own); *result gets what was found. Returns 0, or an
 * exit status (pathprobe.h's) with a message on standard error. */
int pmtu_run(const struct path_options *o, double end, struct path_mtu *result);

#endif
