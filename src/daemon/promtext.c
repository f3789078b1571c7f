/* promtext.c: the Prometheus text exposition format (see promtext.h).
 *
 * Pure: it must not allocate, make a system call nor decide what is
 * measured; what does not fit is cut and said. */
#include "promtext.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void promtext_start(struct promtext *p, char *buf, size_t size)
{
	*p = (struct promtext){ .buf = buf, .size = size, .cut = size == 0 };
	if (size > 0)
		buf[0] = '\0';
}

static void put(struct promtext *p, const char *s, size_t len)
{
	if (p->cut || len >= p->size - p->len) {
		p->cut = true;
		return;
	}
	memcpy(p->buf + p->len, s, len);
	p->len += len;
	p->buf[p->len] = '\0';
}

static void puts_(struct promtext *p, const char *s)
{
	put(p, s, strlen(s));
}

/* s with backslash and newline escaped, and the double quote too in a
 * label value (quote) */
static void put_escaped(struct promtext *p, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			put(p, "\\\\", 2);
		else if (*s == '\n')
			put(p, "\\n", 2);
		else if (*s == '"' && quote)
			put(p, "\\\"", 2);
		else
			put(p, s, 1);
	}
}

bool promtext_name_valid(const char *name, bool label)
{
	if (name == NULL || name[0] == '\0' || (label && strncmp(name, "__", 2) == 0))
		return false;
	for (const char *c = name; *c != '\0'; c++) {
		bool alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
			     (*c == ':' && !label);
		bool digit = *c >= '0' && *c <= '9';

		if (!alpha && !(digit && c != name))
			return false;
	}
	return true;
}

static void put_value(struct promtext *p, double v)
{
	char num[40];

	if (isnan(v))
		snprintf(num, sizeof num, "NaN");
	else if (isinf(v))
		snprintf(num, sizeof num, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(num, sizeof num, "%.0f", v);
	else {
		snprintf(num, sizeof num, "%.15g", v);
		if (strtod(num, NULL) != v)
			snprintf(num, sizeof num, "%.17g", v);
	}
	puts_(p, num);
}

void promtext_family(struct promtext *p, const char *name, enum prom_type type, const char *help)
{
	static const char *const names[] = {
		[PROM_COUNTER] = "counter",
		[PROM_GAUGE] = "gauge",
		[PROM_HISTOGRAM] = "histogram",
		[PROM_UNTYPED] = "untyped",
	};

	if (!promtext_name_valid(name, false) || strlen(name) >= sizeof p->family ||
	    (unsigned)type > PROM_UNTYPED) {
		p->bad = true;
		p->family[0] = '\0';
		return;
	}
	snprintf(p->family, sizeof p->family, "%s", name);
	p->type = type;
	puts_(p, "# HELP ");
	puts_(p, name);
	puts_(p, " ");
	put_escaped(p, help, false);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	puts_(p, " ");
	puts_(p, names[type]);
	puts_(p, "\n");
}

/* the labels, with le (NULL: none) last */
static void put_labels(struct promtext *p, const struct prom_label *l, size_t n, const double *le)
{
	if (n == 0 && le == NULL)
		return;
	puts_(p, "{");
	for (size_t i = 0; i < n; i++) {
		if (!promtext_name_valid(l[i].name, true) || strcmp(l[i].name, "le") == 0 ||
		    l[i].value == NULL)
			p->bad = true;
		puts_(p, i > 0 ? "," : "");
		puts_(p, l[i].name);
		puts_(p, "=\"");
		put_escaped(p, l[i].value != NULL ? l[i].value : "", true);
		puts_(p, "\"");
	}
	if (le != NULL) {
		puts_(p, n > 0 ? ",le=\"" : "le=\"");
		put_value(p, *le);
		puts_(p, "\"");
	}
	puts_(p, "}");
}

static void sample(struct promtext *p, const char *suffix, const struct prom_label *l, size_t n,
		   const double *le, double v)
{
	if (p->family[0] == '\0') {
		p->bad = true;
		return;
	}
	puts_(p, p->family);
	puts_(p, suffix);
	put_labels(p, l, n, le);
	puts_(p, " ");
	put_value(p, v);
	puts_(p, "\n");
}

void promtext_sample(struct promtext *p, const char *suffix, const struct prom_label *labels,
		     size_t n, double value)
{
	if (p->type == PROM_HISTOGRAM)
		p->bad = true;
	sample(p, suffix, labels, n, NULL, value);
}

void promtext_histogram(struct promtext *p, const struct prom_label *labels, size_t n,
			const struct prom_hist *h)
{
	uint64_t total = 0;
	double inf = INFINITY;

	if (p->type != PROM_HISTOGRAM || p->family[0] == '\0') {
		p->bad = true;
		return;
	}
	for (size_t i = 0; i < h->nbounds; i++) {
		if (!isfinite(h->bounds[i]) || (i > 0 && h->bounds[i] <= h->bounds[i - 1]))
			p->bad = true;
		total += h->counts[i];
		sample(p, "_bucket", labels, n, &h->bounds[i], (double)total);
	}
	total += h->counts[h->nbounds];
	sample(p, "_bucket", labels, n, &inf, (double)total);
	sample(p, "_sum", labels, n, NULL, h->sum);
	sample(p, "_count", labels, n, NULL, (double)total);
}

bool promtext_ok(const struct promtext *p)
{
	return !p->cut && !p->bad;
}
