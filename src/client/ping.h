/* ping.h: netecho's ping mode (-n): probes over one connection (or UDP
 * socket), each timed to its echo, one line a probe and ping's summary.
 * It neither resolves nor connects: netecho.c hands it the socket. */
#ifndef NETECHO_PING_H
#define NETECHO_PING_H

#include "options.h"

#define EXIT_LOST 1 /* replies were lost */

/* Runs the probes on fd (connected to peer); returns the exit status. */
int ping_run(const struct options *o, int fd, const char *peer);

#endif
