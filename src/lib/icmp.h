/* icmp.h: the ICMP errors that come back for a probe: read unprivileged
 * from a socket's error queue (IP_RECVERR, IPV6_RECVERR: the type, code
 * and the sender, SO_EE_OFFENDER), and named for a reader (pure,
 * unit-tested in unit_pathreport). */
#ifndef NETECHO_ICMP_H
#define NETECHO_ICMP_H

#include <stdbool.h>

#include "net.h"

#define ICMP_TAKEN 8                    /* errors read from a queue at most, the last kept */

/* An ICMP error that came back for a probe. */
struct icmp_seen {
	bool have;
	int type, code;
	char from[NET_ADDRSTRLEN];      /* the router or host that sent it */
};

/* The sender of the error an IP_RECVERR / IPV6_RECVERR message holds
 * (its SO_EE_OFFENDER) as an address in from, or "an unknown sender". */
struct cmsghdr;
void icmp_sender(const struct cmsghdr *c, char *from, size_t size);

/* Empties a socket's error queue (IP_RECVERR set on it) of up to
 * ICMP_TAKEN errors; *ic gets the last ICMP one (have false: none). */
void icmp_take(int fd, struct icmp_seen *ic);

/* Connects a socket of type to addr within wait seconds, prepare(fd,
 * arg) first (it sets IP_RECVERR); a stream socket's IP_RECVERR is unset
 * once connected (with it a soft error would end the connection).
 * Returns the socket, blocking, or -1 with errno, a message in err, and
 * in *ic the ICMP error that ended the attempt when one did. */
int icmp_connect(const struct net_addr *addr, int type, int (*prepare)(int fd, void *arg),
		 void *arg, double wait, struct icmp_seen *ic, char *err, size_t errlen);

/* An ICMP (v6: ICMPv6) error's name, with its code's: "time exceeded
 * (ttl exceeded in transit)", "destination unreachable (port
 * unreachable)"; "error" for a type it does not know. */
const char *icmp_name(bool v6, int type, int code);

/* Is it "port unreachable" (a refusal)? Is it "time exceeded"? */
bool icmp_refused(bool v6, int type, int code);
bool icmp_expired(bool v6, int type);

#endif
