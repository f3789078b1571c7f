/* route.h: what this host's routing table says of the way to an address,
 * as far as it changes what a probe sends: the route's hop limit (which
 * an IPv4 socket's IP_TTL does not show) and its features (ECN, which
 * makes a TCP SYN ask for ECN whatever the tcp_ecn sysctl says). Read
 * unprivileged with rtnetlink's RTM_GETROUTE, the lookup a packet to that
 * address would make; the reply is read by a pure function
 * (route_parse(), unit-tested). */
#ifndef NETECHO_ROUTE_H
#define NETECHO_ROUTE_H

#include <stddef.h>
#include <sys/socket.h>

#define ROUTE_REPLY_MAX 8192            /* bytes of one RTM_GETROUTE reply taken */
#define ROUTE_WAIT_MS   1000            /* the kernel answers at once: a bound all the same */

struct route_facts {
	int hoplimit;                   /* the route's hoplimit metric; 0: none (the default) */
	int ecn;                        /* 1: the route says "features ecn"; 0: it does not */
	int oif;                        /* the interface it leaves by (RTA_OIF); 0: not said */
};

/* Parses the reply to an RTM_GETROUTE (the messages in buf): 0 with *rf
 * set from its RTM_NEWROUTE; -1 when it holds none, or is malformed, or
 * an error (errno set to it, or to EBADMSG). */
int route_parse(const void *buf, size_t len, struct route_facts *rf);

/* Asks the kernel for the route from src (NULL: any) to dst, both of
 * dst's family. 0 with *rf set, or -1 with errno. */
int route_lookup(const struct sockaddr *dst, const struct sockaddr *src, struct route_facts *rf);

/* The route a connected socket's packets take. 0, or -1 with errno. */
int route_of_socket(int fd, struct route_facts *rf);

/* The MTU of the interface a connected socket's route leaves by (not a
 * path MTU learnt since): > 0, or -1 with errno. */
int route_device_mtu(int fd);

#endif
