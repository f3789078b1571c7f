/* admit.h: admission of TCP connections and UDP datagrams (admit.c): who
 * is served, the same way for every service. Internal to the connection
 * core and the UDP thread.
 *
 * It must not serve: it decides, counts and logs. */
#ifndef NETECHO_ADMIT_H
#define NETECHO_ADMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "conn.h"
#include "tcpcore.h"

/* The one admission decision, with srv->lock held: may client, a
 * connection to row's service, be served under cfg? At accept for a
 * client that sends no PROXY header, after the header for one that does
 * (client NULL at accept: only its place is decided then). It decides,
 * in this order: the access list (its section's, or [server]'s), with
 * new_place the connection's place (not while stopping; max_connections),
 * and the per-source limit for a service counted per source. Returns
 * NULL (admitted; *counted: taken in the per-source table, to be put
 * back at its end), ADMIT_DENIED, or the reason to refuse it and the
 * limit it met (*limit, 0: a resource failed, or stopping). */
#define ADMIT_DENIED "denied"
const char *admit(struct tcp_server *srv, const struct config *cfg, const struct service_row *row,
		  const struct sockaddr_storage *client, bool new_place, bool *counted, long *limit);

/* Counts and logs a connection admit() turned away, with its reason and
 * limit (" via=PROXY" or ""); its descriptor is closed already. */
void admit_say(struct tcp_server *srv, const struct service_row *row,
	       const struct sockaddr_storage *ss, socklen_t len, const char *via,
	       const char *reason, long limit);

/* The PROXY protocol policy, at accept, before a thread is spent: a
 * connection from proxy_from is to send a header (a->from_proxy), which
 * proxy_protocol = optional lets it leave out (a->header_optional); a
 * client not in proxy_from where proxy_protocol = yes is closed at once,
 * counted and logged (true); one where it is optional is refused if its
 * first bytes are a header (a->refuse_header; admit_first_bytes()). */
bool admit_proxy_policy(struct tcp_server *srv, const struct config *cfg, struct arrival *a);

/* In the connection's thread, before it is served, for a connection
 * from proxy_from: reads the PROXY header, whose client takes the
 * proxy's place, and has admit() decide on that client. False when the
 * connection is to be closed (counted and logged). peer is the client's
 * address as text, updated. */
bool admit_after_header(struct conn *c, char *peer, size_t peersize);

/* In the UDP thread: may a datagram from `from` be read by row's service
 * under cfg (the access list of its section, or [server]'s)? A datagram
 * refused is counted and logged (LOG_DENIALS_PER_SEC a second) and to be
 * dropped unread. */
bool admit_dgram(const struct config *cfg, const struct service_row *row,
		 const struct sockaddr *from, socklen_t fromlen, struct stats *st);

#endif
