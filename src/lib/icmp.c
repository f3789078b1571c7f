/* icmp.c: ICMP errors read and named (see icmp.h).
 *
 * It must not keep a socket it made on a failed path (closed there), nor
 * block past the caller's wait: the error queue is read with MSG_DONTWAIT. */
#include "icmp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

void icmp_sender(const struct cmsghdr *c, char *from, size_t size)
{
	struct sockaddr_storage ss;
	size_t len;

	snprintf(from, size, "an unknown sender");
	if (c->cmsg_len < CMSG_LEN(sizeof(struct sock_extended_err)))
		return;
	/* the offender (SO_EE_OFFENDER) follows the error */
	len = c->cmsg_len - CMSG_LEN(sizeof(struct sock_extended_err));
	if (len > sizeof ss)
		len = sizeof ss;
	memset(&ss, 0, sizeof ss);
	memcpy(&ss, CMSG_DATA(c) + sizeof(struct sock_extended_err), len);
	if ((ss.ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) ||
	    (ss.ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)))
		net_format_host((struct sockaddr *)&ss, (socklen_t)len, from, size);
}

void icmp_take(int fd, struct icmp_seen *ic)
{
	ic->have = false;
	for (int i = 0; i < ICMP_TAKEN; i++) {
		char ctrl[512], data[64];
		struct iovec iov = { data, sizeof data };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
				    .msg_controllen = sizeof ctrl };

		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
			struct sock_extended_err ee;

			if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) ||
			    c->cmsg_len < CMSG_LEN(sizeof ee))
				continue;
			memcpy(&ee, CMSG_DATA(c), sizeof ee);
			if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)
				continue;
			ic->have = true;
			ic->type = ee.ee_type;
			ic->code = ee.ee_code;
			icmp_sender(c, ic->from, sizeof ic->from);
		}
	}
}

/* Waits until deadline for a non-blocking connect to end: 0 when it
 * connected, else its error (ETIMEDOUT when the deadline passed). */
static int connect_wait(int fd, double deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int rc, soerr;
	socklen_t sl = sizeof soerr;

	do
		rc = poll(&p, 1, clock_ms_until(deadline));
	while (rc < 0 && errno == EINTR);
	soerr = rc < 0 ? errno : rc == 0 ? ETIMEDOUT : 0;
	if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	return soerr;
}

int icmp_connect(const struct net_addr *addr, int type, int (*prepare)(int fd, void *arg),
		 void *arg, double wait, struct icmp_seen *ic, char *err, size_t errlen)
{
	double deadline = clock_now() + wait;
	bool v6 = addr->ss.ss_family == AF_INET6;
	char where[NET_ADDRSTRLEN];
	int fd, soerr = 0, flags, off = 0;

	ic->have = false;
	net_format((const struct sockaddr *)&addr->ss, addr->len, where, sizeof where);
	fd = socket(addr->ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	if (prepare(fd, arg) < 0) {
		soerr = errno;
		snprintf(err, errlen, "cannot set the options of a socket for %s: %s", where,
			 strerror(soerr));
		goto fail;
	}
	if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0) {
		soerr = errno == EINPROGRESS ? connect_wait(fd, deadline) : errno;
		if (soerr != 0) {
			icmp_take(fd, ic);
			snprintf(err, errlen, "cannot connect to %s: %s", where,
				 soerr == ETIMEDOUT ? "timed out" : strerror(soerr));
			goto fail;
		}
	}
	/* connected: a later ICMP error is TCP's own business (with IP_RECVERR
	 * a soft one would end the connection) */
	if (type == SOCK_STREAM &&
	    setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_RECVERR : IP_RECVERR, &off,
		       sizeof off) < 0) {
		soerr = errno;
		snprintf(err, errlen, "cannot set the options of a socket for %s: %s", where,
			 strerror(soerr));
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0)
		return fd;
	soerr = errno;
	snprintf(err, errlen, "cannot make the socket blocking: %s", strerror(soerr));
fail:
	close(fd);
	errno = soerr;
	return -1;
}

struct icmp_name {
	bool v6;
	int type, code;                 /* code -1: the type's own name */
	const char *name;
};

static const struct icmp_name icmp_names[] = {
	{ false, 3, -1, "destination unreachable" },
	{ false, 3, 0, "destination unreachable (network unreachable)" },
	{ false, 3, 1, "destination unreachable (host unreachable)" },
	{ false, 3, 2, "destination unreachable (protocol unreachable)" },
	{ false, 3, 3, "destination unreachable (port unreachable)" },
	{ false, 3, 4, "destination unreachable (fragmentation needed)" },
	{ false, 3, 9, "destination unreachable (network administratively prohibited)" },
	{ false, 3, 10, "destination unreachable (host administratively prohibited)" },
	{ false, 3, 13, "destination unreachable (communication administratively prohibited)" },
	{ false, 11, -1, "time exceeded" },
	{ false, 11, 0, "time exceeded (ttl exceeded in transit)" },
	{ false, 11, 1, "time exceeded (fragment reassembly time exceeded)" },
	{ false, 12, -1, "parameter problem" },
	{ true, 1, -1, "destination unreachable" },
	{ true, 1, 0, "destination unreachable (no route to destination)" },
	{ true, 1, 1, "destination unreachable (administratively prohibited)" },
	{ true, 1, 3, "destination unreachable (address unreachable)" },
	{ true, 1, 4, "destination unreachable (port unreachable)" },
	{ true, 1, 5, "destination unreachable (source address failed policy)" },
	{ true, 1, 6, "destination unreachable (reject route)" },
	{ true, 2, -1, "packet too big" },
	{ true, 3, -1, "time exceeded" },
	{ true, 3, 0, "time exceeded (hop limit exceeded in transit)" },
	{ true, 3, 1, "time exceeded (fragment reassembly time exceeded)" },
	{ true, 4, -1, "parameter problem" },
};

const char *icmp_name(bool v6, int type, int code)
{
	const char *name = "error";

	for (size_t i = 0; i < sizeof icmp_names / sizeof icmp_names[0]; i++) {
		const struct icmp_name *n = &icmp_names[i];

		if (n->v6 != v6 || n->type != type)
			continue;
		if (n->code == code)
			return n->name;
		if (n->code < 0)
			name = n->name;
	}
	return name;
}

bool icmp_refused(bool v6, int type, int code)
{
	return type == (v6 ? 1 : 3) && code == (v6 ? 4 : 3);
}

bool icmp_expired(bool v6, int type)
{
	return type == (v6 ? 3 : 11);
}

