/* parse.h: strict parsing of numbers from configuration files and command
 * lines. Every number a user gives netecho goes through here: the whole
 * string must be a number, and it must lie in [min, max].
 *
 * It must not accept a partial number, nor show a bad argument unescaped. */
#ifndef NETECHO_PARSE_H
#define NETECHO_PARSE_H

#include <stddef.h>

/* Parses a decimal integer in [min, max] into *out. Returns 0, or -1 with
 * errno EINVAL (empty, not a number, trailing characters) or ERANGE (out of
 * range); *out is untouched on error. */
int parse_long(const char *s, long min, long max, long *out);

/* Parses a decimal number of seconds such as "2" or "0.25" in [min, max]
 * into *out. Same contract as parse_long. */
int parse_seconds(const char *s, double min, double max, double *out);

/* Parses a list of ports and ranges, len bytes: "50000", "7000-7010,
 * 7100" (commas or blanks between). Fills out with at most max ports,
 * sorted, each once, and *n with their number. Port 0 (the kernel's pick)
 * only alone. Returns 0, or -1 with the reason in err (a bad entry in it
 * escaped, quoted and cut to 32 bytes: err is safe to print). */
int parse_ports(const char *s, size_t len, unsigned short *out, size_t max, size_t *n, char *err,
		size_t errlen);

#endif
