/* bench.h: netecho --bench, a load test for an echo path: C connections
 * (or UDP sockets) each sending a message of S bytes and waiting for its
 * echo, over and over, for D seconds; requests a second, megabytes a
 * second and latency percentiles, as text or JSON.
 *
 * It must not wait without a bound (a request not answered within the wait
 * is a timeout, and the run ends after D seconds), nor format the figures
 * itself: benchreport.h does. */
#ifndef NETECHO_BENCH_H
#define NETECHO_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "net.h"

#define BENCH_MAX_CONNS 100000          /* connections at most */
#define BENCH_MAX_SIZE  (1024 * 1024)   /* message size at most */

struct bench_options {
	struct net_addr addr;
	char peer[NET_ADDRSTRLEN];      /* for the report */
	bool udp;
	long conns;                     /* -c */
	double seconds;                 /* -d */
	long size;                      /* -s */
	double wait;                    /* connect, and a request's reply at most */
	double interval;                /* -i: a line (text) or an object (JSON) each; 0: none */
	bool stream;                    /* --stream: send and read at once, no stop and wait */
	bool json;
	bool progress;                  /* a live line on stderr */
};

/* Runs the benchmark and prints the report; returns an exit status (0:
 * requests were answered and none went wrong). */
int bench_run(const struct bench_options *o);

#endif
