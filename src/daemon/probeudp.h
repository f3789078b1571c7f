/* probeudp.h: /probe's udp module (probeudp.c; probe.h says what it
 * measures). */
#ifndef NETECHO_PROBEUDP_H
#define NETECHO_PROBEUDP_H

#include <sys/socket.h>

#include "probekit.h"

/* Runs the udp module's probe of target; whether it succeeded. */
bool probe_udp(const struct sockaddr *target, socklen_t len, const struct probe_params *pp,
	       struct promtext *p);

#endif
