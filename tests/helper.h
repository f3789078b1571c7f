/* helper.h: small pieces shared by the test programs (echocheck, stress,
 * notifysink); the clock and the reply checker are the project's own
 * (src/lib/clock.h, src/client/echoreply.h). */
#ifndef NETECHO_TEST_HELPER_H
#define NETECHO_TEST_HELPER_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* A whole number from an option, or exit 2. */
static inline long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < 0) {
		fprintf(stderr, "'%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

#endif
