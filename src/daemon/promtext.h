/* promtext.h: the Prometheus text exposition format, version 0.0.4, written
 * into a caller's buffer: a family's "# HELP" and "# TYPE" lines, then its
 * samples, each "name{label="value",...} value".
 *
 * Label values are escaped as the format asks (backslash, double quote and
 * newline as \\, \" and \n), and so is the help text (backslash and
 * newline): a module name from the configuration or any other text cannot
 * forge a line. Metric and label names come from the program, never from
 * outside: one that breaks the format's rules ([a-zA-Z_:][a-zA-Z0-9_:]*,
 * no colon in a label name, no "__" prefix) marks the text bad rather than
 * being written. Values: integers below 2^53 exactly, others with as many
 * digits as give the same double back, and NaN, +Inf, -Inf.
 *
 * A histogram is written from its buckets' own counts: cumulative
 * _bucket{le="..."} lines ending in le="+Inf", then _sum and _count.
 *
 * Pure: no allocation, no system call; what does not fit is cut and said
 * (promtext_ok() false). It must not decide what is measured. */
#ifndef NETECHO_PROMTEXT_H
#define NETECHO_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The content type of what it writes, for the HTTP answer. */
#define PROMTEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum prom_type { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM, PROM_UNTYPED };

struct prom_label {
	const char *name, *value;
};

struct prom_hist {
	const double *bounds;           /* upper bounds, ascending, finite */
	size_t nbounds;
	const uint64_t *counts;         /* nbounds + 1: each bucket's own, the last above all */
	double sum;
};

struct promtext {
	char *buf;
	size_t size, len;               /* len < size once started with size > 0 */
	bool cut;                       /* something did not fit */
	bool bad;                       /* a name broke the rules, or a sample came with no family */
	char family[128];               /* the family being written */
	enum prom_type type;
};

/* An empty text in buf (size bytes). */
void promtext_start(struct promtext *p, char *buf, size_t size);

/* Begins a family: its HELP and TYPE lines. */
void promtext_family(struct promtext *p, const char *name, enum prom_type type, const char *help);

/* One sample of the family begun last: its name with suffix appended ("" for
 * none), n labels, the value. */
void promtext_sample(struct promtext *p, const char *suffix, const struct prom_label *labels,
		     size_t n, double value);

/* A histogram's samples, in the family begun last (of type PROM_HISTOGRAM). */
void promtext_histogram(struct promtext *p, const struct prom_label *labels, size_t n,
			const struct prom_hist *h);

/* Whole and well formed? */
bool promtext_ok(const struct promtext *p);

/* Is name a valid metric name (label name when label)? */
bool promtext_name_valid(const char *name, bool label);

#endif
