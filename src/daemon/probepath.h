/* probepath.h: /probe's path module (probepath.c; probe.h says what it
 * measures). */
#ifndef NETECHO_PROBEPATH_H
#define NETECHO_PROBEPATH_H

#include <sys/socket.h>

#include "probekit.h"

/* Runs the path module's probe of target; whether it succeeded. */
bool probe_path(const struct sockaddr *target, socklen_t len, const struct probe_params *pp,
		struct promtext *p);

#endif
