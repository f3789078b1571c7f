/* udpcore.h: an admitted datagram, as the UDP receive thread (udp.c)
 * hands it to its service's row (service.h), and the ways to answer it.
 * Internal to udp.c and the services.
 *
 * A service must not send but through dgram_reply(), nor answer without
 * dgram_hold()'s leave: a reply never amplifies, never goes to a
 * privileged port or one of our own sockets, and passes a rate limit. */
#ifndef NETECHO_UDPCORE_H
#define NETECHO_UDPCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "config.h"
#include "net.h"
#include "ratelimit.h"
#include "report.h"
#include "sockset.h"
#include "stats.h"

struct receiver;

struct dgram {
	struct receiver *r;             /* the thread's: for the functions below */
	const struct sock *s;           /* the socket it came to */
	int i;                          /* its place in the batch */
	const struct config *cfg;       /* the configuration in force */
	struct stats *st;
	const char *data;               /* its payload */
	size_t len;
	const struct sockaddr *from;    /* its sender */
	socklen_t fromlen;
	const struct dgram_facts *f;    /* how it arrived (report.h) */
	const struct net_addr *dst;     /* the address it came to */
	double now;                     /* when its batch came (clock.h) */
};

/* Why a reply to a datagram's sender is held back, or NULL: a
 * privileged port, one of our own sockets, or limit's rates. */
const char *dgram_hold(struct dgram *d, struct ratelimit *limit);

/* Counts into counter and logs (what: "echo") a reply held back. */
void dgram_held_back(struct dgram *d, const char *what, const char *why, stat_t *counter);

/* What a reply carries in its IP header, when a service asks: its TTL or
 * hop limit and its TOS or traffic class (DSCP and ECN); -1: the
 * socket's own. */
struct dgram_marks {
	int ttl;
	int tos;
};

/* Sends a reply from the address the datagram came to, with marks (NULL:
 * the socket's own); never waits. False when it could not be sent
 * (counted and logged). */
bool dgram_reply(struct dgram *d, struct iovec *iov, int iovcnt, const char *what,
		 const struct dgram_marks *marks);

#endif
