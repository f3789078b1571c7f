/* localaddr.h: the addresses of this host, as the UDP echo's loop check
 * needs them: an echo sent to one of them, on a port netechod serves,
 * comes back to netechod (a socket bound to * or :: owns every local
 * address), so udp.c holds it back (reason own-address).
 *
 * The set (struct addrset, pure): the addresses, an IPv4 one as its
 * IPv4-mapped IPv6 address, and the IPv4 networks the kernel treats as
 * local as a whole (an address with a prefix on a loopback device, as
 * 127.0.0.1/8 or 10.0.0.2/24 on lo: every address of the prefix is
 * delivered locally). At most LOCALADDR_MAX addresses and
 * LOCALADDR_NETS_MAX networks: past that the set is full, and an address
 * it does not hold is unknown, which the loop check takes for one of
 * ours (fail safe: an echo is held rather than risked in a loop).
 *
 * Kept current (struct localaddr): read with getifaddrs() at the first
 * look-up, and again when the kernel has announced an address added or
 * removed since (a NETLINK_ROUTE socket in the groups RTMGRP_IPV4_IFADDR
 * and RTMGRP_IPV6_IFADDR, read without waiting at each look-up), at most
 * every LOCALADDR_REREAD_MIN_S: until then an address not in the old set
 * is unknown. Without that socket (it could not be made) the set is read
 * again when it is older than LOCALADDR_REREAD_S. Not seen: local routes
 * that no interface address makes (ip route add local 192.0.2.0/24 dev
 * lo). A struct localaddr belongs to one thread. */
#ifndef NETECHO_LOCALADDR_H
#define NETECHO_LOCALADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define LOCALADDR_MAX          4096     /* addresses kept */
#define LOCALADDR_NETS_MAX     64       /* local IPv4 networks (of loopback devices) kept */
#define LOCALADDR_REREAD_MIN_S 0.1      /* after an announced change: least pause between reads */
#define LOCALADDR_REREAD_S     1.0      /* without netlink: read again when older than this */
#define LOCALADDR_DRAIN_MAX    64       /* netlink messages read at one look-up */

struct addrset {
	size_t n, nnets;
	bool full;                              /* something was left out */
	unsigned char addr[LOCALADDR_MAX][16];  /* sorted by addrset_finish() */
	struct {
		unsigned char net[16];          /* masked to len bits */
		unsigned len;                   /* of 128 */
	} nets[LOCALADDR_NETS_MAX];
};

enum addr_verdict {
	ADDR_NOT_OURS,          /* not an address of this host */
	ADDR_OURS,
	ADDR_UNKNOWN,           /* the set is full or stale, or could not be read */
};

/* Empties the set. */
void addrset_clear(struct addrset *s);

/* Adds an IPv4 or IPv6 address; with an IPv4 prefix length under 32, the
 * network of its first prefix_len bits as well (for IPv6, or 32 and more,
 * the address alone). False when the set is full (and it is marked so) or
 * sa is of another family. */
bool addrset_add(struct addrset *s, const struct sockaddr *sa, unsigned prefix_len);

/* Sorts the addresses and drops the duplicates: call after adding and
 * before looking up. */
void addrset_finish(struct addrset *s);

/* Is sa (IPv4, IPv6 or IPv4-mapped; the port and scope aside) in the set?
 * ADDR_UNKNOWN when it is not and the set is full. */
enum addr_verdict addrset_find(const struct addrset *s, const struct sockaddr *sa);

struct localaddr;

/* A set read at the first look-up; NULL with errno when out of memory. */
struct localaddr *localaddr_new(void);

/* Is sa an address of this host now? now is clock_now(), or the time a
 * batch of datagrams came (the kernel's announcements are read once for
 * each value of now). Never waits. */
enum addr_verdict localaddr_find(struct localaddr *la, const struct sockaddr *sa, double now);

void localaddr_free(struct localaddr *la);

#endif
