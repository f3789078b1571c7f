/* parse.c: strict number parsing (see parse.h). */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	/* strtol accepts leading spaces and a plus sign; we accept digits
	 * with an optional minus, and a minus is out of range where negative
	 * numbers are (even "-0") */
	if (s == NULL || !(isdigit((unsigned char)s[0]) ||
			   (s[0] == '-' && isdigit((unsigned char)s[1])))) {
		errno = EINVAL;
		return -1;
	}
	if (s[0] == '-' && min >= 0) {
		for (const char *d = s + 1; *d != '\0'; d++)
			if (!isdigit((unsigned char)*d)) {
				errno = EINVAL;
				return -1;
			}
		errno = ERANGE;
		return -1;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0') {
		errno = EINVAL;
		return -1;
	}
	/* digits and at most one dot: no hex floats, exponents, inf or nan */
	for (const char *p = s; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p) && *p != '.') {
			errno = EINVAL;
			return -1;
		}
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (errno == ERANGE || !isfinite(v) || v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}
