/* probepmtu.h: the path module's path MTU search (probepmtu.c), with
 * pmtu=yes. */
#ifndef NETECHO_PROBEPMTU_H
#define NETECHO_PROBEPMTU_H

#include <sys/socket.h>

#include "probekit.h"

/* The path module's path MTU search (probepmtu.c), done by end
 * (clock_now()'s time): whether it could search (a report came). */
bool probe_path_mtu(const struct sockaddr *target, socklen_t len, const struct probe_params *pp,
		    double end, struct promtext *p);

#endif
