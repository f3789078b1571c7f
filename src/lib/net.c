/* net.c: sockets and addresses (see net.h).
 *
 * It must not log (a failure is -1 and a message for the caller) nor wait
 * without a bound. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

const char *net_format_host(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;

		if (inet_ntop(AF_INET, &in->sin_addr, host, sizeof host) != NULL) {
			snprintf(buf, size, "%s", host);
			return buf;
		}
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		if (inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host) != NULL) {
			if (in6->sin6_scope_id != 0)
				snprintf(buf, size, "%s%%%u", host, (unsigned)in6->sin6_scope_id);
			else
				snprintf(buf, size, "%s", host);
			return buf;
		}
	}
	snprintf(buf, size, "?");
	return buf;
}

const char *net_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN + 16];

	net_format_host(sa, len, host, sizeof host);
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		snprintf(buf, size, "%s:%u", host, net_port(sa));
	else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		snprintf(buf, size, "[%s]:%u", host, net_port(sa));
	else
		snprintf(buf, size, "?");
	return buf;
}

size_t net_addr_bytes(const struct sockaddr *sa, unsigned char out[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(out, a->s6_addr + 12, 4);
			return 4;
		}
		memcpy(out, a->s6_addr, 16);
		return 16;
	}
	return 0;
}

unsigned net_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}

void net_set_port(struct net_addr *a, unsigned port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons((uint16_t)port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons((uint16_t)port);
}

bool net_same_addr(const struct net_addr *a, const struct net_addr *b, bool any_port)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return false;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)&b->ss;

		return x->sin_addr.s_addr == y->sin_addr.s_addr &&
		       (any_port || x->sin_port == y->sin_port);
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)&a->ss, *y = (const void *)&b->ss;

		return memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0 &&
		       x->sin6_scope_id == y->sin6_scope_id &&
		       (any_port || x->sin6_port == y->sin6_port);
	}
	return false;
}

bool net_is_wildcard(const struct net_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)&a->ss)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
			&((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_addr);
	return false;
}

bool net_overlap(const struct net_addr *a, const struct net_addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family ||
	    net_port((const struct sockaddr *)&a->ss) != net_port((const struct sockaddr *)&b->ss))
		return false;
	return net_is_wildcard(a) || net_is_wildcard(b) || net_same_addr(a, b, true);
}

int net_local_addr(int fd, struct net_addr *out)
{
	out->len = sizeof out->ss;
	return getsockname(fd, (struct sockaddr *)&out->ss, &out->len);
}

const char *net_local(int fd, char *buf, size_t size)
{
	struct net_addr a;

	if (net_local_addr(fd, &a) < 0) {
		snprintf(buf, size, "?");
		return buf;
	}
	return net_format((struct sockaddr *)&a.ss, a.len, buf, size);
}

/* A look-up in a thread of its own, shared by the thread and the caller
 * until both are done with it: whichever lets go last frees it. */
struct lookup {
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	int refs;
	bool done;
	char host[256];
	char service[16];
	struct addrinfo hints;
	int rc, sys_errno;
	struct addrinfo *res;
};

static void lookup_release(struct lookup *l)
{
	int left;

	pthread_mutex_lock(&l->lock);
	left = --l->refs;
	pthread_mutex_unlock(&l->lock);
	if (left > 0)
		return;
	if (l->res != NULL)
		freeaddrinfo(l->res);
	pthread_cond_destroy(&l->done_cv);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static void *lookup_main(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo *res = NULL;
	int rc, saved;

	pthread_setname_np(pthread_self(), "resolver");
	rc = getaddrinfo(l->host, l->service, &l->hints, &res);
	saved = errno;

	pthread_mutex_lock(&l->lock);
	l->rc = rc;
	l->sys_errno = saved;
	l->res = res;
	l->done = true;
	pthread_cond_signal(&l->done_cv);
	pthread_mutex_unlock(&l->lock);
	lookup_release(l);
	return NULL;
}

/* getaddrinfo() for a name, waited for at most timeout_ms. Returns its
 * result code (EAI_AGAIN with errno ETIMEDOUT when the time ran out,
 * EAI_SYSTEM with errno when no thread could be made). */
/* A lookup for host and service with one reference for the caller and one
 * for its thread; NULL with errno set. */
static struct lookup *lookup_new(const char *host, const char *service,
				 const struct addrinfo *hints)
{
	struct lookup *l = calloc(1, sizeof *l);
	pthread_condattr_t ca;
	int rc;

	if (l == NULL || strlen(host) >= sizeof l->host) {
		free(l);
		errno = ENOMEM;
		return NULL;
	}
	snprintf(l->host, sizeof l->host, "%s", host);
	snprintf(l->service, sizeof l->service, "%s", service);
	l->hints = *hints;
	l->refs = 2;
	if (pthread_condattr_init(&ca) != 0) {
		free(l);
		errno = ENOMEM;
		return NULL;
	}
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&l->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0 || pthread_mutex_init(&l->lock, NULL) != 0) {
		if (rc == 0)
			pthread_cond_destroy(&l->done_cv);
		free(l);
		errno = rc != 0 ? rc : ENOMEM;
		return NULL;
	}
	return l;
}

static int lookup_bounded(const char *host, const char *service, const struct addrinfo *hints,
			  struct addrinfo **res, int timeout_ms)
{
	struct lookup *l = lookup_new(host, service, hints);
	pthread_attr_t attr;
	pthread_t tid;
	struct timespec until;
	int rc;

	if (l == NULL)
		return EAI_SYSTEM;
	rc = pthread_attr_init(&attr);
	if (rc == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&tid, &attr, lookup_main, l);
		pthread_attr_destroy(&attr);
	}
	if (rc != 0) {
		l->refs = 1;
		lookup_release(l);
		errno = rc;
		return EAI_SYSTEM;
	}
	until = clock_timespec(clock_now() + (timeout_ms > 0 ? timeout_ms : 0) / 1000.0);
	pthread_mutex_lock(&l->lock);
	while (!l->done && pthread_cond_timedwait(&l->done_cv, &l->lock, &until) == 0)
		;
	if (l->done) {
		rc = l->rc;
		errno = l->sys_errno;
		*res = l->res;
		l->res = NULL;          /* the caller's now */
	} else {
		rc = EAI_AGAIN;         /* too late: the thread ends on its own */
		errno = ETIMEDOUT;
	}
	pthread_mutex_unlock(&l->lock);
	lookup_release(l);
	return rc;
}

/* An IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it
 * names, which is what a socket bound to it would serve (an IPv6 socket
 * with IPV6_V6ONLY cannot bind it at all). */
static void unmap(struct net_addr *a)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
	struct sockaddr_in s4 = { .sin_family = AF_INET };

	if (a->ss.ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return;
	s4.sin_port = s6->sin6_port;
	memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], sizeof s4.sin_addr);
	memset(&a->ss, 0, sizeof a->ss);
	memcpy(&a->ss, &s4, sizeof s4);
	a->len = sizeof s4;
}

/* getaddrinfo()'s answers into out, at most max, each once (it can
 * repeat one), unmapped when passive. Returns how many. */
static size_t keep_addrs(const struct addrinfo *res, bool passive, struct net_addr *out,
			 size_t max)
{
	size_t n = 0;

	for (const struct addrinfo *ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		bool dup = false;

		if (ai->ai_addrlen > sizeof out[n].ss)
			continue;
		memset(&out[n].ss, 0, sizeof out[n].ss);
		memcpy(&out[n].ss, ai->ai_addr, ai->ai_addrlen);
		out[n].len = ai->ai_addrlen;
		if (passive)
			unmap(&out[n]);
		for (size_t i = 0; i < n; i++)
			if (out[i].len == out[n].len &&
			    memcmp(&out[i].ss, &out[n].ss, out[n].len) == 0)
				dup = true;
		if (!dup)
			n++;
	}
	return n;
}

int net_resolve(const char *host, long port, int family, int socktype, bool passive,
		struct net_addr *out, size_t max, int timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	char service[16];
	const char *node = host;
	size_t n;
	int rc;

	if (port < 0 || port > 65535) {
		snprintf(err, errlen, "port %ld is out of range (0 to 65535)", port);
		errno = EINVAL;
		return -1;
	}
	snprintf(service, sizeof service, "%ld", port);
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	/* no AI_ADDRCONFIG: it hides ::1 and 127.0.0.1 on a host whose only
	 * interface is the loopback */
	hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST | (passive ? AI_PASSIVE : 0);
	if (passive && strcmp(host, "*") == 0)
		node = NULL;
	rc = getaddrinfo(node, service, &hints, &res);
	if (rc == EAI_NONAME && node != NULL) {
		/* not an address: a name, for a name server that may not answer */
		hints.ai_flags &= ~AI_NUMERICHOST;
		rc = lookup_bounded(node, service, &hints, &res, timeout_ms);
		if (rc == EAI_AGAIN && errno == ETIMEDOUT) {
			snprintf(err, errlen,
				 "cannot resolve %s: no answer from a name server within %g s",
				 host, timeout_ms / 1000.0);
			errno = EAGAIN;
			return -1;
		}
	}
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		/* a name server that did not answer is worth another try */
		errno = rc == EAI_AGAIN ? EAGAIN : rc == EAI_SYSTEM ? errno : ENOENT;
		return -1;
	}
	n = keep_addrs(res, passive, out, max);
	freeaddrinfo(res);
	if (n == 0) {
		snprintf(err, errlen, "cannot resolve %s: no usable address", host);
		errno = ENOENT;
		return -1;
	}
	return (int)n;
}

int net_listen(const struct net_addr *addr, int socktype, int backlog, unsigned flags, char *err,
	       size_t errlen)
{
	char where[NET_ADDRSTRLEN];
	const char *proto = socktype == SOCK_STREAM ? "tcp" : "udp";
	int fd, one = 1, saved;

	net_format((const struct sockaddr *)&addr->ss, addr->len, where, sizeof where);
	fd = socket(addr->ss.ss_family,
		    socktype | SOCK_CLOEXEC | (socktype == SOCK_STREAM ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a %s socket for %s: %s", proto, where,
			 strerror(errno));
		return -1;
	}
	if (socktype == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
		snprintf(err, errlen, "cannot set SO_REUSEADDR on %s %s: %s", proto, where,
			 strerror(errno));
		goto fail;
	}
	if ((flags & NET_LISTEN_SHARE) && net_share(fd, true) < 0) {
		snprintf(err, errlen, "cannot set SO_REUSEPORT on %s %s: %s", proto, where,
			 strerror(errno));
		goto fail;
	}
	/* an IPv6 socket serves IPv6 only, so that "::" and "0.0.0.0" can both be bound */
	if (addr->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) {
		snprintf(err, errlen, "cannot set IPV6_V6ONLY on %s %s: %s", proto, where,
			 strerror(errno));
		goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0) {
		snprintf(err, errlen, "cannot bind %s %s: %s", proto, where, strerror(errno));
		goto fail;
	}
	/* before listen(): the first SYN is saved too */
	if (socktype == SOCK_STREAM && (flags & NET_LISTEN_SAVE_SYN) &&
	    setsockopt(fd, IPPROTO_TCP, TCP_SAVE_SYN, &one, sizeof one) < 0) {
		snprintf(err, errlen, "cannot set TCP_SAVE_SYN on %s %s: %s", proto, where,
			 strerror(errno));
		goto fail;
	}
	if (socktype == SOCK_STREAM && !(flags & NET_LISTEN_BIND_ONLY) && listen(fd, backlog) < 0) {
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

int net_share(int fd, bool on)
{
	int v = on;

	return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &v, sizeof v);
}

int net_reuseport_pick(int fd, unsigned index)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_RET | BPF_K, index),
	};
	struct sock_fprog prog = { .len = 1, .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog);
}

int net_refuse_syns(int fd)
{
	/* the filter sees the TCP header: drop a segment whose flags have
	 * SYN without ACK, keep every other */
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),         /* the flags byte */
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),      /* SYN and ACK */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),                   /* a new SYN: dropped */
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

int net_socket_kind(int fd, bool *listening)
{
	int type = 0, domain = 0, acc = 0;
	socklen_t l = sizeof type, ld = sizeof domain, la = sizeof acc;

	*listening = false;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &ld) < 0 ||
	    (domain != AF_INET && domain != AF_INET6))
		return -1;
	if (type == SOCK_STREAM)
		*listening = getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &la) == 0 && acc;
	return type == SOCK_STREAM || type == SOCK_DGRAM ? type : -1;
}

int net_set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ? -1 : 0;
}

int net_ask_pktinfo(int fd, int family)
{
	int one = 1;

	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
}

int net_connect(const struct net_addr *addr, int socktype, int timeout_ms, char *err, size_t errlen)
{
	return net_connect_with(addr, socktype, NULL, NULL, timeout_ms, err, errlen);
}

int net_connect_with(const struct net_addr *addr, int socktype, int (*prepare)(int fd, void *arg),
		     void *arg, int timeout_ms, char *err, size_t errlen)
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
	if (prepare != NULL && prepare(fd, arg) < 0) {
		snprintf(err, errlen, "cannot set the options of a socket for %s: %s", where,
			 strerror(errno));
		goto fail;
	}
	if (connect(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		double deadline = timeout_ms < 0 ? 0 : clock_now() + timeout_ms / 1000.0;
		int rc;

		if (errno != EINPROGRESS) {
			snprintf(err, errlen, "cannot connect to %s: %s", where, strerror(errno));
			goto fail;
		}
		do
			rc = poll(&pfd, 1, clock_ms_until(deadline));
		while (rc < 0 && errno == EINTR);
		if (rc < 0) {
			snprintf(err, errlen, "cannot connect to %s: poll: %s", where,
				 strerror(errno));
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
