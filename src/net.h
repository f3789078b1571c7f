/* net.h: address resolution, sockets and address formatting, shared by
 * netechod and netecho. The helpers never log: they return -1 and describe
 * the failure in a caller's buffer (with the address concerned), and the
 * caller reports it once. */
#ifndef NETECHO_NET_H
#define NETECHO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* "[ffff:...:ffff]:65535" and its NUL */
#define NET_ADDRSTRLEN 56
/* Addresses one host name may bind or connect to; the rest are ignored. */
#define NET_MAX_ADDRS 8
/* Room for an error message from these helpers. */
#define NET_ERRLEN 384

struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Resolves host and port into at most max addresses for socktype
 * (SOCK_STREAM or SOCK_DGRAM). family is AF_UNSPEC, AF_INET or AF_INET6.
 * host "*" with passive set means every local address (IPv4 and IPv6).
 * Returns the number of addresses, or -1 with a message in err and errno
 * EAGAIN when the failure may pass (no answer from a name server). */
int net_resolve(const char *host, long port, int family, int socktype, bool passive,
		struct net_addr *out, size_t max, char *err, size_t errlen);

/* A TCP listener (SO_REUSEADDR, IPV6_V6ONLY for IPv6, non-blocking,
 * close-on-exec) on addr with backlog, or a UDP socket bound to addr when
 * socktype is SOCK_DGRAM. Returns the descriptor, or -1 with a message. */
int net_listen(const struct net_addr *addr, int socktype, int backlog, char *err, size_t errlen);

/* Connects a new socket of socktype to addr, waiting at most timeout_ms
 * (negative: no limit). Returns a blocking descriptor, or -1 with a
 * message and errno (ETIMEDOUT when the time ran out). */
int net_connect(const struct net_addr *addr, int socktype, int timeout_ms, char *err, size_t errlen);

/* Are a and b the same address (and port, unless any_port)? */
bool net_same_addr(const struct net_addr *a, const struct net_addr *b, bool any_port);

/* Formats an address as "192.0.2.1:50000" or "[2001:db8::1]:50000". */
const char *net_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* The local address of a socket, formatted; "?" when unknown. */
const char *net_local(int fd, char *buf, size_t size);

#endif
