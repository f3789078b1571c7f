/* route.c: the route to an address, from rtnetlink (see route.h).
 *
 * It must not wait for rtnetlink past ROUTE_WAIT_MS, nor read its reply
 * but through route_parse() (pure). */
#include "route.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* The metrics nested in an RTA_METRICS attribute. */
static void metrics(const struct rtattr *nest, struct route_facts *rf)
{
	int left = (int)RTA_PAYLOAD(nest);

	for (const struct rtattr *a = RTA_DATA(nest); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		uint32_t v;

		if (RTA_PAYLOAD(a) < sizeof v)
			continue;
		memcpy(&v, RTA_DATA(a), sizeof v);
		if (a->rta_type == RTAX_HOPLIMIT && v <= 255)
			rf->hoplimit = (int)v;
		else if (a->rta_type == RTAX_FEATURES)
			rf->ecn = (v & RTAX_FEATURE_ECN) != 0;
	}
}

static int route_message(const struct nlmsghdr *h, struct route_facts *rf)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	int left;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof *rt)) {
		errno = EBADMSG;
		return -1;
	}
	left = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *rt));
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, left); a = RTA_NEXT(a, left)) {
		uint32_t v;

		if (a->rta_type == RTA_METRICS) {
			metrics(a, rf);
		} else if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof v) {
			memcpy(&v, RTA_DATA(a), sizeof v);
			rf->oif = v <= INT32_MAX ? (int)v : 0;
		}
	}
	return 0;
}

int route_parse(const void *buf, size_t len, struct route_facts *rf)
{
	size_t off = 0;

	*rf = (struct route_facts){0, 0, 0};
	if (len > ROUTE_REPLY_MAX)
		len = ROUTE_REPLY_MAX;
	/* each message whole within the bytes (as NLMSG_OK, without its
	 * signed length) */
	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h = (const void *)((const char *)buf + off);

		if (h->nlmsg_len < sizeof *h || h->nlmsg_len > len - off)
			break;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e) || e->error >= 0 ||
			    e->error < -4095)
				errno = EBADMSG;
			else
				errno = -e->error;
			return -1;
		}
		if (h->nlmsg_type == RTM_NEWROUTE)
			return route_message(h, rf);
		off += NLMSG_ALIGN(h->nlmsg_len);
		if (off > len)
			break;
	}
	errno = EBADMSG;
	return -1;
}

/* An address attribute (RTA_DST, RTA_SRC) of a request. */
static size_t add_addr(struct nlmsghdr *h, size_t room, int type, const struct sockaddr *sa)
{
	const void *data;
	size_t n;
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	if (sa->sa_family == AF_INET) {
		data = &((const struct sockaddr_in *)sa)->sin_addr;
		n = sizeof(struct in_addr);
	} else {
		data = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		n = sizeof(struct in6_addr);
	}
	if (NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(n) > room)
		return 0;
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	memcpy(RTA_DATA(a), data, n);
	h->nlmsg_len = (uint32_t)(NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(n));
	return n * 8;
}

/* Sends the request and reads the reply within ROUTE_WAIT_MS. */
static int ask(int fd, struct nlmsghdr *req, struct route_facts *rf)
{
	_Alignas(struct nlmsghdr) char reply[ROUTE_REPLY_MAX];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int rc;

	if (send(fd, req, req->nlmsg_len, 0) < 0)
		return -1;
	do
		rc = poll(&p, 1, ROUTE_WAIT_MS);
	while (rc < 0 && errno == EINTR);
	if (rc <= 0) {
		if (rc == 0)
			errno = ETIMEDOUT;
		return -1;
	}
	n = recv(fd, reply, sizeof reply, MSG_DONTWAIT);
	if (n < 0)
		return -1;
	return route_parse(reply, (size_t)n, rf);
}

int route_lookup(const struct sockaddr *dst, const struct sockaddr *src, struct route_facts *rf)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg rt;
		char attrs[64];
	} req;
	int fd, rc, saved;

	if (dst->sa_family != AF_INET && dst->sa_family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.rt);
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.rt.rtm_family = (unsigned char)dst->sa_family;
	req.rt.rtm_dst_len = (unsigned char)add_addr(&req.h, sizeof req, RTA_DST, dst);
	if (src != NULL && src->sa_family == dst->sa_family)
		req.rt.rtm_src_len = (unsigned char)add_addr(&req.h, sizeof req, RTA_SRC, src);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	rc = ask(fd, &req.h, rf);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int route_of_socket(int fd, struct route_facts *rf)
{
	struct sockaddr_storage peer, self;
	socklen_t plen = sizeof peer, slen = sizeof self;

	if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&self, &slen) < 0)
		return -1;
	return route_lookup((struct sockaddr *)&peer, (struct sockaddr *)&self, rf);
}

int route_device_mtu(int fd)
{
	struct route_facts rf;
	struct ifreq ifr;
	int s, rc;

	if (route_of_socket(fd, &rf) < 0)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	if (rf.oif <= 0 || if_indextoname((unsigned)rf.oif, ifr.ifr_name) == NULL) {
		errno = ENODEV;
		return -1;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	rc = ioctl(s, SIOCGIFMTU, &ifr);
	close(s);
	if (rc < 0)
		return -1;
	return ifr.ifr_mtu > 0 ? ifr.ifr_mtu : -1;
}
