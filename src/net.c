/* net.c: sockets and addresses (see net.h). */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *net_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;

		if (inet_ntop(AF_INET, &in->sin_addr, host, sizeof host) == NULL)
			goto unknown;
		snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
		return buf;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		if (inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host) == NULL)
			goto unknown;
		snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
		return buf;
	}
unknown:
	snprintf(buf, size, "?");
	return buf;
}

bool net_same_addr(const struct net_addr *a, const struct net_addr *b, bool any_port)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)&b->ss;

		return x->sin_addr.s_addr == y->sin_addr.s_addr && (any_port || x->sin_port == y->sin_port);
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)&a->ss, *y = (const void *)&b->ss;

		return memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0 &&
		       x->sin6_scope_id == y->sin6_scope_id && (any_port || x->sin6_port == y->sin6_port);
	}
	return false;
}

const char *net_local(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		snprintf(buf, size, "?");
		return buf;
	}
	return net_format((struct sockaddr *)&ss, len, buf, size);
}

int net_resolve(const char *host, long port, int family, int socktype, bool passive,
		struct net_addr *out, size_t max, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	char service[16];
	const char *node = host;
	size_t n = 0;
	int rc;

	if (port < 0 || port > 65535) {
		snprintf(err, errlen, "port %ld is out of range (0 to 65535)", port);
		return -1;
	}
	snprintf(service, sizeof service, "%ld", port);
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	/* no AI_ADDRCONFIG: it hides ::1 and 127.0.0.1 on a host whose only
	 * interface is the loopback */
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	if (passive && strcmp(host, "*") == 0)
		node = NULL;
	rc = getaddrinfo(node, service, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		/* a name server that did not answer is worth another try */
		errno = rc == EAI_AGAIN ? EAGAIN : rc == EAI_SYSTEM ? errno : ENOENT;
		return -1;
	}
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof out[n].ss)
			continue;
		/* getaddrinfo can repeat an address; keep each once */
		bool dup = false;

		for (size_t i = 0; i < n; i++)
			if (out[i].len == ai->ai_addrlen && memcmp(&out[i].ss, ai->ai_addr, ai->ai_addrlen) == 0)
				dup = true;
		if (dup)
			continue;
		memcpy(&out[n].ss, ai->ai_addr, ai->ai_addrlen);
		out[n].len = ai->ai_addrlen;
		n++;
	}
	freeaddrinfo(res);
	if (n == 0) {
		snprintf(err, errlen, "cannot resolve %s: no usable address", host);
		return -1;
	}
	return (int)n;
}

int net_listen(const struct net_addr *addr, int socktype, int backlog, char *err, size_t errlen)
{
	char where[NET_ADDRSTRLEN];
	const char *proto = socktype == SOCK_STREAM ? "tcp" : "udp";
	int fd, one = 1, saved;

	net_format((const struct sockaddr *)&addr->ss, addr->len, where, sizeof where);
	fd = socket(addr->ss.ss_family, socktype | SOCK_CLOEXEC | (socktype == SOCK_STREAM ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a %s socket for %s: %s", proto, where, strerror(errno));
		return -1;
	}
	if (socktype == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
		snprintf(err, errlen, "cannot set SO_REUSEADDR on %s %s: %s", proto, where, strerror(errno));
		goto fail;
	}
	/* an IPv6 socket serves IPv6 only, so that "::" and "0.0.0.0" can both be bound */
	if (addr->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) {
		snprintf(err, errlen, "cannot set IPV6_V6ONLY on %s %s: %s", proto, where, strerror(errno));
		goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0) {
		snprintf(err, errlen, "cannot bind %s %s: %s", proto, where, strerror(errno));
		goto fail;
	}
	if (socktype == SOCK_STREAM && listen(fd, backlog) < 0) {
		snprintf(err, errlen, "cannot listen on %s %s: %s", proto, where, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int net_connect(const struct net_addr *addr, int socktype, int timeout_ms, char *err, size_t errlen)
{
	char where[NET_ADDRSTRLEN];
	int fd, flags, soerr = 0, saved;
	socklen_t sl = sizeof soerr;

	net_format((const struct sockaddr *)&addr->ss, addr->len, where, sizeof where);
	fd = socket(addr->ss.ss_family, socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int rc;

		if (errno != EINPROGRESS) {
			snprintf(err, errlen, "cannot connect to %s: %s", where, strerror(errno));
			goto fail;
		}
		do
			rc = poll(&pfd, 1, timeout_ms);
		while (rc < 0 && errno == EINTR);
		if (rc < 0) {
			snprintf(err, errlen, "cannot connect to %s: poll: %s", where, strerror(errno));
			goto fail;
		}
		if (rc == 0) {
			snprintf(err, errlen, "cannot connect to %s: timed out", where);
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			soerr = errno;
		if (soerr != 0) {
			snprintf(err, errlen, "cannot connect to %s: %s", where, strerror(soerr));
			errno = soerr;
			goto fail;
		}
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		snprintf(err, errlen, "cannot make the socket blocking: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}
