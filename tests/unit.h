/* unit.h: the few checks the C unit tests need. Each failed check prints
 * FILE:LINE and what was expected; a test program exits 1 if any failed. */
#ifndef NETECHO_UNIT_H
#define NETECHO_UNIT_H

#include <stdio.h>
#include <string.h>

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

static inline int unit_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, unit_checks, unit_failures);
	return unit_failures ? 1 : 0;
}

#endif
