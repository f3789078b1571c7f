/* localaddr.c: the addresses of this host (see localaddr.h).
 *
 * It must not grow past LOCALADDR_MAX addresses and LOCALADDR_NETS_MAX
 * networks, nor be shared: a struct localaddr belongs to one thread. */
#include "localaddr.h"

#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* An address as 16 bytes, IPv4 (and IPv4-mapped) as IPv4-mapped: false
 * for another family. */
static bool key_of(const struct sockaddr *sa, unsigned char out[16])
{
	if (sa->sa_family == AF_INET) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

/* Does a start with the first len bits of net? */
static bool in_net(const unsigned char a[16], const unsigned char net[16], unsigned len)
{
	unsigned whole = len / 8, rest = len % 8;

	if (memcmp(a, net, whole) != 0)
		return false;
	return rest == 0 || ((a[whole] ^ net[whole]) & (0xff00u >> rest) & 0xff) == 0;
}

void addrset_clear(struct addrset *s)
{
	s->n = 0;
	s->nnets = 0;
	s->full = false;
}

bool addrset_add(struct addrset *s, const struct sockaddr *sa, unsigned prefix_len)
{
	unsigned char a[16];

	if (!key_of(sa, a))
		return false;
	if (s->n == LOCALADDR_MAX) {
		s->full = true;
		return false;
	}
	memcpy(s->addr[s->n++], a, 16);
	if (sa->sa_family == AF_INET && prefix_len < 32) {
		unsigned len = 96 + prefix_len;

		if (s->nnets == LOCALADDR_NETS_MAX) {
			s->full = true;
			return false;
		}
		for (unsigned i = len; i < 128; i++)
			a[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
		memcpy(s->nets[s->nnets].net, a, 16);
		s->nets[s->nnets++].len = len;
	}
	return true;
}

static int compare(const void *x, const void *y)
{
	return memcmp(x, y, 16);
}

void addrset_finish(struct addrset *s)
{
	size_t kept = 0;

	qsort(s->addr, s->n, sizeof s->addr[0], compare);
	for (size_t i = 0; i < s->n; i++)
		if (kept == 0 || memcmp(s->addr[kept - 1], s->addr[i], 16) != 0)
			memmove(s->addr[kept++], s->addr[i], 16);
	s->n = kept;
}

enum addr_verdict addrset_find(const struct addrset *s, const struct sockaddr *sa)
{
	unsigned char a[16];

	if (!key_of(sa, a))
		return ADDR_NOT_OURS;   /* neither IPv4 nor IPv6: no echo goes there */
	if (bsearch(a, s->addr, s->n, sizeof s->addr[0], compare) != NULL)
		return ADDR_OURS;
	for (size_t i = 0; i < s->nnets; i++)
		if (in_net(a, s->nets[i].net, s->nets[i].len))
			return ADDR_OURS;
	return s->full ? ADDR_UNKNOWN : ADDR_NOT_OURS;
}

/* --- kept current ------------------------------------------------------ */

struct localaddr {
	int nl;                 /* the netlink socket, or -1: read again by age */
	bool stale;             /* a change was announced since the last read */
	bool valid;             /* the last read succeeded */
	bool said_full, said_failed;
	double read_at;         /* clock_now() of the last read; < 0: never */
	double drained_at;      /* the now of the last look at the netlink socket */
	struct addrset set;
};

/* Says that address changes are no longer heard of. */
static void say_no_netlink(void)
{
	log_warn("udp: cannot follow address changes (netlink); re-read every %.0f s",
		 LOCALADDR_REREAD_S);
}

/* Closes the netlink socket (a failure is only said: nothing else to do). */
static void close_netlink(int fd)
{
	if (close(fd) < 0)
		log_warn("udp: cannot close the netlink socket");
}

/* The netlink socket that hears of addresses added and removed; -1 when
 * it cannot be made (the set is then read again by age). */
static int open_netlink(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		say_no_netlink();
		if (fd >= 0)
			close_netlink(fd);
		return -1;
	}
	return fd;
}

struct localaddr *localaddr_new(void)
{
	struct localaddr *la = malloc(sizeof *la);

	if (la == NULL)
		return NULL;
	la->nl = open_netlink();
	la->stale = true;
	la->valid = false;
	la->said_full = la->said_failed = false;
	la->read_at = -1;
	la->drained_at = -1;
	addrset_clear(&la->set);
	return la;
}

void localaddr_free(struct localaddr *la)
{
	if (la == NULL)
		return;
	if (la->nl >= 0)
		close_netlink(la->nl);
	free(la);
}

/* Reads what the kernel announced, without waiting: any message (or
 * messages lost, ENOBUFS) makes the set stale. The content is not needed:
 * the set is read whole again. */
static void drain(struct localaddr *la)
{
	char buf[64];

	for (int k = 0; la->nl >= 0 && k < LOCALADDR_DRAIN_MAX; k++) {
		ssize_t n = recv(la->nl, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);

		if (n >= 0 || errno == ENOBUFS) {
			la->stale = true;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return;
		} else if (errno != EINTR) {
			say_no_netlink();
			close_netlink(la->nl);
			la->nl = -1;
			la->stale = true;
		}
	}
}

/* The prefix length of an IPv4 netmask. */
static unsigned mask_len(const struct sockaddr *mask)
{
	uint32_t m = ntohl(((const struct sockaddr_in *)(const void *)mask)->sin_addr.s_addr);
	unsigned len = 0;

	while (len < 32 && (m & (0x80000000u >> len)))
		len++;
	return len;
}

/* Reads the host's addresses into the set. */
static void reread(struct localaddr *la, double now)
{
	struct ifaddrs *list;

	la->read_at = now;
	la->stale = false;
	if (getifaddrs(&list) < 0) {
		if (!la->said_failed)
			log_warn("udp: cannot read the host's addresses; own-address holds all");
		la->said_failed = true;
		la->valid = false;
		la->stale = true;       /* tried again LOCALADDR_REREAD_MIN_S on */
		return;
	}
	la->said_failed = false;
	addrset_clear(&la->set);
	for (const struct ifaddrs *i = list; i != NULL; i = i->ifa_next) {
		unsigned len = 128;

		if (i->ifa_addr == NULL)
			continue;
		/* on a loopback device, an IPv4 address's whole prefix is local */
		if ((i->ifa_flags & IFF_LOOPBACK) && i->ifa_addr->sa_family == AF_INET &&
		    i->ifa_netmask != NULL)
			len = mask_len(i->ifa_netmask);
		(void)addrset_add(&la->set, i->ifa_addr, len);
	}
	freeifaddrs(list);
	addrset_finish(&la->set);
	la->valid = true;
	if (la->set.full && !la->said_full)
		log_warnx("udp: more than %d addresses or %d lo networks; unknown ones are ours",
			  LOCALADDR_MAX, LOCALADDR_NETS_MAX);
	la->said_full = la->set.full;
}

enum addr_verdict localaddr_find(struct localaddr *la, const struct sockaddr *sa, double now)
{
	enum addr_verdict v;

	if (now != la->drained_at) {        /* once for a batch of datagrams */
		drain(la);
		la->drained_at = now;
	}
	if (la->read_at < 0 ||
	    (la->nl >= 0 ? la->stale && now - la->read_at >= LOCALADDR_REREAD_MIN_S
			 : now - la->read_at >= LOCALADDR_REREAD_S))
		reread(la, now);
	if (!la->valid)
		return ADDR_UNKNOWN;
	v = addrset_find(&la->set, sa);
	/* a change announced and not read yet: what the old set lacks may be new */
	return v == ADDR_NOT_OURS && la->stale ? ADDR_UNKNOWN : v;
}
