/* ping.h: netecho's ping mode (-n): probes over one connection (or UDP
 * socket), each timed to its echo, or (--connect) TCP handshakes, one
 * line a probe and ping's summary, also on SIGINT. It never resolves:
 * netecho.c hands it the socket, or the address. */
#ifndef NETECHO_PING_H
#define NETECHO_PING_H

#include "net.h"
#include "options.h"

#define EXIT_LOST 1 /* replies were lost */

/* Runs the probes on fd (connected to peer), or with fd -1 (--connect)
 * a new TCP connection to addr a probe, until COUNT or SIGINT; prints
 * ping's summary and returns the exit status: 0 when no probe was lost. */
int ping_run(const struct options *o, int fd, const struct net_addr *addr, const char *peer);

#endif
