/* connhist.h: histograms of what the echo's TCP connections were, for
 * /metrics: how long each lasted, and the round trip the kernel measured
 * to its client (TCP_INFO's tcpi_rtt, read at close where the close line
 * reads it already: [log] path_facts and info logged; otherwise that
 * connection has no RTT sample). Bounded: fixed buckets, no label but the
 * service; never per peer.
 *
 * Counting costs a connection a few relaxed atomic additions: no lock, no
 * system call. Any thread may note and read; a reader sees each counter
 * exact, the set of them as of some moment during its read. */
#ifndef NETECHO_CONNHIST_H
#define NETECHO_CONNHIST_H

#include <stdint.h>

#include "promtext.h"

#define CONNHIST_DURATION_BUCKETS 8
#define CONNHIST_RTT_BUCKETS      10

/* One connection ended after seconds; rtt_us its smoothed RTT in
 * microseconds, 0 when not read. */
void connhist_note(double seconds, uint32_t rtt_us);

/* The two families (netecho_tcp_connection_duration_seconds,
 * netecho_tcp_rtt_seconds), service="echo". */
void connhist_write(struct promtext *p);

#endif
