/* probe.h: the probes a /probe request runs, by module, each writing its
 * findings as Prometheus metrics (promtext.h):
 *
 *  - tcp: connects to the target (an echo service), then `count` round
 *    trips of a short line, each awaited until its bytes are back whatever
 *    prefix the echo puts before them: probe_tcp_connect_seconds,
 *    probe_tcp_rtt_seconds (mean), probe_tcp_rtt_max_seconds,
 *    probe_tcp_round_trips;
 *  - udp: `count` tagged probes at `interval` to the target's report
 *    service, then closing probes until a report settles the last one's
 *    fate (probeloss.h): probe_udp_*;
 *  - path: one TCP connection to the target's report service, its SYN
 *    marked `dscp` (EF, 46, in the built-in module) with TTL 64, and what the report says arrived: DSCP, ECN,
 *    MSS, TTL and hops, NAT, the way back's MSS (probepath.c): probe_path_*;
 *    with `pmtu`, then the path MTU search over UDP to the same port
 *    (pmtusearch.h), within what is left of the budget:
 *    probe_path_mtu_bytes, _mtu_icmp_bytes, _black_hole, _local_mtu_bytes,
 *    and its reports' way back: _hops_back, _dscp_back_*, _ecn_back_*.
 *
 * Every probe: probe_success, probe_duration_seconds. It ends within its
 * budget (seconds), whatever the target does, and within
 * PROBE_STOP_SLICE_MS of a stop; it owns its socket from
 * start to end on every path. Whether it may run at all is probegate's
 * to say, before. */
#ifndef NETECHO_PROBE_H
#define NETECHO_PROBE_H

#include <stdbool.h>
#include <sys/socket.h>

#include "probekit.h"

enum probe_module { PROBE_TCP, PROBE_UDP, PROBE_PATH };

/* The module of a name ("tcp", "udp", "path"): 0, or -1 when there is none. */
int probe_module(const char *name, enum probe_module *m);

/* Runs a probe of target and writes its metrics into p. Returns whether it
 * succeeded (probe_success). */
bool probe_run(enum probe_module m, const struct sockaddr *target, socklen_t len,
	       const struct probe_params *pp, struct promtext *p);


#endif
