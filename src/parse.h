/* parse.h: strict parsing of numbers from configuration files and command
 * lines. Every number a user gives netecho goes through here: the whole
 * string must be a number, and it must lie in [min, max]. */
#ifndef NETECHO_PARSE_H
#define NETECHO_PARSE_H

/* Parses a decimal integer in [min, max] into *out. Returns 0, or -1 with
 * errno EINVAL (empty, not a number, trailing characters) or ERANGE (out of
 * range); *out is untouched on error. */
int parse_long(const char *s, long min, long max, long *out);

/* Parses a decimal number of seconds such as "2" or "0.25" in [min, max]
 * into *out. Same contract as parse_long. */
int parse_seconds(const char *s, double min, double max, double *out);

#endif
