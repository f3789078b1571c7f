/* parse.c: strict number parsing (see parse.h).
 *
 * Pure: it must not accept trailing bytes or a value out of range, nor
 * show a bad argument unescaped. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* Bytes of a bad entry shown in parse_ports' message, escaped. */
#define PORTS_SHOWN 32

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

/* One port of a list: digits only, 0 to 65535. */
static bool one_port(const char *s, size_t len, long *out)
{
	char buf[8];

	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return isdigit((unsigned char)buf[0]) && parse_long(buf, 0, 65535, out) == 0;
}

/* Marks in seen[] the port or range at s[start, end) (a dash at dash, or 0);
 * counts the ports new to it in *count and notes port 0 in *zero. */
static int mark_ports(const char *s, size_t start, size_t dash, size_t end,
		      unsigned long long *seen, size_t *count, bool *zero, char *err, size_t errlen)
{
	char shown[ESCAPE_BUFSIZE(PORTS_SHOWN)];
	long lo, hi;

	if (dash == 0 ? !one_port(s + start, end - start, &lo)
		      : !one_port(s + start, dash - start, &lo) ||
				!one_port(s + dash + 1, end - dash - 1, &hi)) {
		escape_payload(shown, sizeof shown, s + start, end - start, PORTS_SHOWN);
		snprintf(err, errlen, "%s is not a port (0 to 65535) nor a range (as 7000-7010)",
			 shown);
		return -1;
	}
	if (dash == 0)
		hi = lo;
	if (hi < lo) {
		escape_payload(shown, sizeof shown, s + start, end - start, PORTS_SHOWN);
		snprintf(err, errlen, "%s: a range goes up (as 7000-7010)", shown);
		return -1;
	}
	if (lo == 0)
		*zero = true;
	for (long p = lo; p <= hi; p++)
		if (!(seen[p / 64] >> (p % 64) & 1)) {
			seen[p / 64] |= 1ULL << (p % 64);
			(*count)++;
		}
	return 0;
}

/* Reads the list into seen[]: the number of ports named in *count. */
static int read_ports(const char *s, size_t len, unsigned long long *seen, size_t *count,
		      bool *zero, char *err, size_t errlen)
{
	size_t i = 0;

	while (i < len) {
		size_t start, dash = 0;

		while (i < len && (s[i] == ',' || s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && s[i] != ',' && s[i] != ' ' && s[i] != '\t') {
			if (s[i] == '-' && dash == 0)
				dash = i;
			i++;
		}
		if (mark_ports(s, start, dash, i, seen, count, zero, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int parse_ports(const char *s, size_t len, unsigned short *out, size_t max, size_t *n, char *err,
		size_t errlen)
{
	/* which ports are named: a bit each, then read back in order */
	static const size_t words = 65536 / 64;
	unsigned long long *seen = calloc(words, sizeof *seen);
	size_t count = 0;
	bool zero = false;
	int rc = -1;

	*n = 0;
	if (seen == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (read_ports(s, len, seen, &count, &zero, err, errlen) < 0)
		goto out;
	if (count == 0) {
		snprintf(err, errlen, "no port");
		goto out;
	}
	if (zero && count > 1) {
		snprintf(err, errlen, "port 0 (the kernel's pick) only alone");
		goto out;
	}
	if (count > max) {
		snprintf(err, errlen, "%zu ports: at most %zu", count, max);
		goto out;
	}
	for (size_t p = 0; p < 65536; p++)
		if (seen[p / 64] >> (p % 64) & 1)
			out[(*n)++] = (unsigned short)p;
	rc = 0;
out:
	free(seen);
	return rc;
}
