/* net.h: address resolution, sockets and address formatting, shared by
 * netechod and netecho. The helpers never log: they return -1 and describe
 * the failure in a caller's buffer (with the address concerned), and the
 * caller reports it once. None waits without a bound. */
#ifndef NETECHO_NET_H
#define NETECHO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* "[ffff:...:ffff%4294967295]:65535" and its NUL */
#define NET_ADDRSTRLEN 72
/* Addresses one host name may bind or connect to; the rest are ignored. */
#define NET_MAX_ADDRS 8
/* Room for an error message from these helpers. */
#define NET_ERRLEN 384
/* How long a name server is given to answer, unless the caller says. */
#define NET_RESOLVE_TIMEOUT_MS 5000

struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Resolves host and port into at most max addresses for socktype
 * (SOCK_STREAM or SOCK_DGRAM). family is AF_UNSPEC, AF_INET or AF_INET6.
 * host "*" with passive set means every local address (IPv4 and IPv6);
 * with passive set, an IPv4-mapped IPv6 address (::ffff:127.0.0.1) comes
 * back as the IPv4 address it names, what binding it would serve. A
 * numeric address is converted at once; a name is looked up in a thread of
 * its own, waited for at most timeout_ms (an abandoned look-up ends in
 * the background). Returns the number of addresses, or -1 with a message
 * in err and errno EAGAIN when the failure may pass (a name server that
 * did not answer, or not in time), ENOENT when the name does not exist. */
int net_resolve(const char *host, long port, int family, int socktype, bool passive,
		struct net_addr *out, size_t max, int timeout_ms, char *err, size_t errlen);

/* A TCP listener (SO_REUSEADDR, non-blocking) on addr with backlog, or a
 * UDP socket bound to addr when socktype is SOCK_DGRAM; IPV6_V6ONLY for
 * IPv6, close-on-exec. With NET_LISTEN_SHARE, SO_REUSEPORT is set before
 * binding, so that the socket may overlap one of ours that has it set too
 * (see net_share()); with NET_LISTEN_SAVE_SYN, a TCP listener saves each
 * SYN (TCP_SAVE_SYN) from its first one on; with NET_LISTEN_BIND_ONLY, a
 * TCP socket is bound but not listening yet (no SYN reaches it until the
 * caller's listen()). Returns the descriptor, or -1 with a message and
 * errno. */
#define NET_LISTEN_SHARE     1u
#define NET_LISTEN_SAVE_SYN  2u
#define NET_LISTEN_BIND_ONLY 4u
int net_listen(const struct net_addr *addr, int socktype, int backlog, unsigned flags, char *err,
	       size_t errlen);

/* Sets or clears SO_REUSEPORT on a bound socket: while both have it, a new
 * socket of the same user may bind an address that overlaps its own on the
 * same port (0.0.0.0 and 127.0.0.1), as a reload's handover needs. */
int net_share(int fd, bool on);

/* Makes the SO_REUSEPORT group of a bound socket (the sockets of one
 * address and port) give every new connection or datagram to the member
 * at index, in the order they joined, rather than spreading them by a
 * hash: so a socket that joins after index others, all about to close,
 * takes everything. An index past the last member (one of them closed)
 * makes the kernel spread them again. 0, or -1 with errno. */
int net_reuseport_pick(int fd, unsigned index);

/* Makes a TCP listener drop every new SYN from now on (a socket filter),
 * while handshakes under way complete and can be accepted: the listener
 * is about to be closed, and a client that is not answered sends its SYN
 * again (after about a second) to whatever listens then. */
int net_refuse_syns(int fd);

/* The type of an IPv4 or IPv6 socket (SOCK_STREAM, SOCK_DGRAM), and for a
 * stream whether it listens; -1 for anything else. */
int net_socket_kind(int fd, bool *listening);

/* O_NONBLOCK on a descriptor: 0, or -1 with errno. */
int net_set_nonblocking(int fd);

/* Asks a UDP socket for each datagram's destination address (IP_PKTINFO
 * or IPV6_RECVPKTINFO). 0, or -1 with errno. */
int net_ask_pktinfo(int fd, int family);

/* Connects a new socket of socktype to addr, waiting at most timeout_ms
 * (negative: no limit). Returns a blocking descriptor, or -1 with a
 * message and errno (ETIMEDOUT when the time ran out). */
int net_connect(const struct net_addr *addr, int socktype, int timeout_ms, char *err,
		size_t errlen);

/* The same, calling prepare(fd, arg) on the new socket before it
 * connects (to set its options): prepare returns 0, or -1 with errno. */
int net_connect_with(const struct net_addr *addr, int socktype, int (*prepare)(int fd, void *arg),
		     void *arg, int timeout_ms, char *err, size_t errlen);

/* Are a and b the same address (and port, unless any_port)? IPv6 scope ids
 * count. */
bool net_same_addr(const struct net_addr *a, const struct net_addr *b, bool any_port);

/* Is a the wildcard address of its family (0.0.0.0 or ::)? */
bool net_is_wildcard(const struct net_addr *a);

/* Would sockets bound to a and b conflict: the same family and port, and
 * the same address or one of them the wildcard? */
bool net_overlap(const struct net_addr *a, const struct net_addr *b);

/* The address bytes of an IPv4 or IPv6 address into out, an IPv4-mapped
 * IPv6 address as its IPv4 bytes: returns 4 or 16, or 0 for another
 * family. */
size_t net_addr_bytes(const struct sockaddr *sa, unsigned char out[16]);

/* The port of an IPv4 or IPv6 address; 0 otherwise. */
unsigned net_port(const struct sockaddr *sa);

/* Sets the port of an IPv4 or IPv6 address (nothing for another family). */
void net_set_port(struct net_addr *a, unsigned port);

/* Formats an address as "192.0.2.1:50000", "[2001:db8::1]:50000" or, with
 * a scope, "[fe80::1%2]:50000" (the interface's index); "?" when it is
 * neither IPv4 nor IPv6. */
const char *net_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* The address alone, without the port: "192.0.2.1", "2001:db8::1". */
const char *net_format_host(const struct sockaddr *sa, socklen_t len, char *buf, size_t size);

/* The local address of a socket: 0, or -1 with errno. */
int net_local_addr(int fd, struct net_addr *out);

/* The local address of a socket, formatted; "?" when unknown. */
const char *net_local(int fd, char *buf, size_t size);

#endif
