/* unit.h: the few checks the C unit tests need. Each failed check prints
 * FILE:LINE and what was expected; a test program exits 1 if any failed. */
#ifndef NETECHO_UNIT_H
#define NETECHO_UNIT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int unit_failures, unit_checks;

#define CHECK(cond) do { \
	unit_checks++; \
	if (!(cond)) { \
		unit_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	unit_checks++; \
	if (g_ == NULL || strcmp(g_, w_) != 0) { \
		unit_failures++; \
		fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
			g_ ? g_ : "(null)", w_); \
	} \
} while (0)

#define CHECK_MEM(got, gotlen, want, wantlen) do { \
	unit_checks++; \
	if ((gotlen) != (wantlen) || memcmp((got), (want), (wantlen)) != 0) { \
		unit_failures++; \
		fprintf(stderr, "%s:%d: bytes differ (%zu vs %zu)\n", __FILE__, __LINE__, \
			(size_t)(gotlen), (size_t)(wantlen)); \
	} \
} while (0)

/* An IPv4 or IPv6 address in text, with port, as a socket address; its
 * length in *len unless NULL. A text that is no address is the test's own
 * mistake: it aborts. */
static inline struct sockaddr_storage unit_addr(const char *text, int port, socklen_t *len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)port);
		if (len != NULL)
			*len = sizeof *in;
	} else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		if (len != NULL)
			*len = sizeof *in6;
	} else {
		abort();
	}
	return ss;
}

static inline int unit_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, unit_checks, unit_failures);
	return unit_failures ? 1 : 0;
}

#endif
