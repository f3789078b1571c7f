/* scan.h: netecho --scan: is the path open, port by port? Probes each port
 * of a list over TCP (a connection, then a line that an echo service
 * sends back) or UDP (a datagram, padded so that netechod's path report
 * answers it too), a bounded number at a time, each within a wait, and
 * says of each port: open (and whether it echoes), refused (a reset, or an
 * ICMP unreachable) or filtered (nothing came back in time; over UDP
 * open|filtered, since a silent service looks the same). A summary
 * groups the ports into ranges; --json gives one object. */
#ifndef NETECHO_SCAN_H
#define NETECHO_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "net.h"

#define SCAN_PORTS_MAX    65536 /* ports in one scan */
#define SCAN_PARALLEL     64    /* probes at once, unless -c says */
#define SCAN_PARALLEL_MAX 1024
#define SCAN_WAIT         2.0   /* seconds a probe waits, unless -w says: over the SYN's first
				 * retry (1 s), which an ICMP error that came while the kernel
				 * was still sending the SYN waits for */
#define SCAN_UDP_PROBE    600   /* bytes of a UDP probe: a path report fits */

struct scan_options {
	struct net_addr addr;           /* the host; the port is set per probe */
	char host[NET_ADDRSTRLEN];      /* the host as it is shown */
	const unsigned short *ports;    /* sorted, each once */
	size_t nports;
	bool udp;
	long parallel;
	double wait;
	bool json;
	bool progress;                  /* a live line on standard error */
	const unsigned char *expect;    /* --expect: by port, 0 or 1 + the state wanted; or NULL */
};

/* --expect's SPEC, "open:7000-7010 refused:8000" (states open, refused,
 * filtered, open|filtered), into want (SCAN_PORTS_MAX entries, zeroed): 1 +
 * the state wanted of each port named. Returns 0, or -1 with the reason in
 * err (safe to print). Pure. */
int scan_expect_parse(const char *spec, unsigned char *want, char *err, size_t errlen);

/* Scans, prints the result on standard output. Returns the exit status:
 * 0 every port open (with --expect: every port named as expected), 1 not, 71 a system error (no memory, no
 * socket), 74 output error. */
int scan_run(const struct scan_options *o);

#endif
