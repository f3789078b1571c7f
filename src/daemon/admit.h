/* admit.h: admission of TCP connections (admit.c): who is served, the
 * same way for every service. Internal to the connection core.
 *
 * It must not serve: it decides, counts and logs. */
#ifndef NETECHO_ADMIT_H
#define NETECHO_ADMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "conn.h"
#include "tcpcore.h"

/* At accept, before a thread is spent on it: the PROXY protocol and the
 * access list. A client the list denies, or one not in proxy_from where
 * proxy_protocol = yes, is closed at once (true). A connection from
 * proxy_from is let through (a->from_proxy): its header names the client
 * the list judges, in its thread. */
bool admit_at_accept(struct tcp_server *srv, const struct config *cfg, struct arrival *a);

/* With srv->lock held, whether a connection may have a place: NULL,
 * with *counted set when it was counted per source, or the reason to
 * refuse it and the limit it met (0: a resource failed). Connections
 * through a proxy are counted per source once their header names the
 * client; those of a service not counted per source are not. */
const char *admit_place(struct tcp_server *srv, const struct config *cfg,
			const struct arrival *a, bool *counted, long *limit);

/* In the connection's thread, before it is served: a proxy's PROXY
 * header, whose client then takes the proxy's place, and for such a
 * client the access list and the per-source limit. False when the
 * connection is to be closed (counted and logged). peer is the client's
 * address as text, updated. */
bool admit_after_header(struct conn *c, char *peer, size_t peersize);

#endif
