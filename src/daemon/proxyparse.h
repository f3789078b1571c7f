/* proxyparse.h: the PROXY protocol header, versions 1 and 2, as HAProxy's
 * specification (doc/proxy-protocol.txt) describes it: what a load
 * balancer writes at the start of a connection to say whom it came from.
 *
 * Pure, unit-tested on the specification's examples and fuzzed: it reads
 * only the bytes it is given, and says when they are not yet enough, so
 * that a caller can peek at what has arrived (MSG_PEEK) and take from the
 * socket exactly the header's bytes once it is whole. */
#ifndef NETECHO_PROXYPARSE_H
#define NETECHO_PROXYPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define PROXY_V1_MAX     107    /* the longest version 1 line, CRLF included */
#define PROXY_V2_HEADER  16     /* version 2's fixed part */
#define PROXY_V2_MAX     (PROXY_V2_HEADER + 4096) /* netechod's limit: addresses and TLVs */
#define PROXY_MAX        PROXY_V2_MAX             /* the most a header can hold here */

enum proxy_result {
	PROXY_OK,               /* a whole header: *h set */
	PROXY_MORE,             /* a header so far: more bytes are needed */
	PROXY_NONE,             /* not a header: the bytes do not begin with a signature */
	PROXY_BAD,              /* a malformed header: why says how */
};

struct proxy_header {
	int version;            /* 1 or 2 */
	size_t length;          /* bytes of the header, to be taken from the stream */
	bool local;             /* no address to use: v2 LOCAL (a health check), v1 UNKNOWN,
				 * v2 with an unspecified or unix family */
	struct sockaddr_storage src, dst;       /* the client, and the address it reached */
	socklen_t srclen, dstlen;
};

/* Parses the first len bytes of a connection. On PROXY_BAD, *why says
 * what was wrong (a static string). */
enum proxy_result proxy_parse(const void *buf, size_t len, struct proxy_header *h,
			      const char **why);

/* Do len bytes begin (as far as they go) like a header of either version?
 * For a connection whose first bytes can be peeked at without waiting. */
bool proxy_signature(const void *buf, size_t len);

#endif
