/* unit_promtext: the Prometheus text exposition writer of
 * src/daemon/promtext.c: HELP and TYPE on a family, label values and help
 * escaped, values exact, a histogram's cumulative buckets, _sum and
 * _count, bad names refused, a full buffer said. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "promtext.h"
#include "unit.h"

static void counter(void)
{
	char buf[512];
	struct promtext p;
	struct prom_label l[] = { { "service", "echo" }, { "protocol", "tcp" } };

	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "netecho_connections_total", PROM_COUNTER, "Connections served.");
	promtext_sample(&p, "", l, 2, 12345678901234.0);
	promtext_sample(&p, "", NULL, 0, 0);
	CHECK(promtext_ok(&p));
	CHECK_STR(buf, "# HELP netecho_connections_total Connections served.\n"
		       "# TYPE netecho_connections_total counter\n"
		       "netecho_connections_total{service=\"echo\",protocol=\"tcp\"} "
		       "12345678901234\n"
		       "netecho_connections_total 0\n");
}

static void escaping(void)
{
	char buf[512];
	struct promtext p;
	struct prom_label l[] = { { "module", "a\"b\\c\nd" } };

	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "x", PROM_GAUGE, "back\\slash\nnew \"line\"");
	promtext_sample(&p, "", l, 1, 1);
	CHECK(promtext_ok(&p));
	CHECK_STR(buf, "# HELP x back\\\\slash\\nnew \"line\"\n"
		       "# TYPE x gauge\n"
		       "x{module=\"a\\\"b\\\\c\\nd\"} 1\n");
}

static void values(void)
{
	char buf[512];
	struct promtext p;

	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "v", PROM_GAUGE, "h");
	promtext_sample(&p, "", NULL, 0, 0.1);
	promtext_sample(&p, "", NULL, 0, -2.5e-7);
	promtext_sample(&p, "", NULL, 0, NAN);
	promtext_sample(&p, "", NULL, 0, INFINITY);
	promtext_sample(&p, "", NULL, 0, -INFINITY);
	promtext_sample(&p, "", NULL, 0, 1.0 / 3);
	promtext_sample(&p, "", NULL, 0, 1e300);
	CHECK(promtext_ok(&p));
	CHECK_STR(buf, "# HELP v h\n# TYPE v gauge\n"
		       "v 0.1\nv -2.5e-07\nv NaN\nv +Inf\nv -Inf\nv 0.33333333333333331\n"
		       "v 1e+300\n");
}

static void histogram(void)
{
	char buf[1024];
	struct promtext p;
	const double bounds[] = { 0.001, 0.01, 1 };
	const uint64_t counts[] = { 2, 0, 3, 1 };
	struct prom_hist h = { bounds, 3, counts, 4.25 };
	struct prom_label l[] = { { "service", "echo" } };

	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "d_seconds", PROM_HISTOGRAM, "Durations.");
	promtext_histogram(&p, l, 1, &h);
	CHECK(promtext_ok(&p));
	CHECK_STR(buf, "# HELP d_seconds Durations.\n# TYPE d_seconds histogram\n"
		       "d_seconds_bucket{service=\"echo\",le=\"0.001\"} 2\n"
		       "d_seconds_bucket{service=\"echo\",le=\"0.01\"} 2\n"
		       "d_seconds_bucket{service=\"echo\",le=\"1\"} 5\n"
		       "d_seconds_bucket{service=\"echo\",le=\"+Inf\"} 6\n"
		       "d_seconds_sum{service=\"echo\"} 4.25\n"
		       "d_seconds_count{service=\"echo\"} 6\n");
	/* no labels: le alone */
	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "e", PROM_HISTOGRAM, "h");
	promtext_histogram(&p, NULL, 0, &(struct prom_hist){ bounds, 1, counts, 0 });
	CHECK(promtext_ok(&p));
	CHECK_STR(buf, "# HELP e h\n# TYPE e histogram\ne_bucket{le=\"0.001\"} 2\n"
		       "e_bucket{le=\"+Inf\"} 2\ne_sum 0\ne_count 2\n");
	/* bounds out of order: bad */
	const double wrong[] = { 1, 0.5 };
	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "e", PROM_HISTOGRAM, "h");
	promtext_histogram(&p, NULL, 0, &(struct prom_hist){ wrong, 2, counts, 0 });
	CHECK(!promtext_ok(&p));
	/* a plain sample in a histogram family, a histogram in a gauge's: bad */
	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "e", PROM_HISTOGRAM, "h");
	promtext_sample(&p, "", NULL, 0, 1);
	CHECK(!promtext_ok(&p));
	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "e", PROM_GAUGE, "h");
	promtext_histogram(&p, NULL, 0, &h);
	CHECK(!promtext_ok(&p));
}

static void names(void)
{
	char buf[256];
	struct promtext p;

	CHECK(promtext_name_valid("netecho_up", false));
	CHECK(promtext_name_valid("a:b_c9", false));
	CHECK(promtext_name_valid("_x", false));
	CHECK(!promtext_name_valid("9x", false));
	CHECK(!promtext_name_valid("", false));
	CHECK(!promtext_name_valid("a-b", false));
	CHECK(!promtext_name_valid("a b", false));
	CHECK(!promtext_name_valid("a:b", true));
	CHECK(!promtext_name_valid("__name", true));
	CHECK(promtext_name_valid("service", true));
	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "bad-name", PROM_GAUGE, "h");
	CHECK(!promtext_ok(&p));
	CHECK_STR(buf, "");
	promtext_sample(&p, "", NULL, 0, 1); /* no family */
	CHECK_STR(buf, "");
	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "g", PROM_GAUGE, "h");
	promtext_sample(&p, "", (struct prom_label[]){ { "le", "1" } }, 1, 1);
	CHECK(!promtext_ok(&p));
	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "g", PROM_GAUGE, "h");
	promtext_sample(&p, "", (struct prom_label[]){ { "a-b", "1" } }, 1, 1);
	CHECK(!promtext_ok(&p));
}

static void full(void)
{
	char buf[40];
	struct promtext p;

	promtext_start(&p, buf, sizeof buf);
	promtext_family(&p, "g", PROM_GAUGE, "h");
	CHECK(promtext_ok(&p));
	promtext_sample(&p, "", (struct prom_label[]){ { "a", "a long value here" } }, 1, 1);
	CHECK(!promtext_ok(&p));
	CHECK(p.cut);
	CHECK(strlen(buf) < sizeof buf);
	/* cut stays cut: nothing after it is written, even if small */
	size_t len = strlen(buf);
	promtext_sample(&p, "", NULL, 0, 1);
	CHECK(strlen(buf) == len);
	promtext_start(&p, buf, 0);
	CHECK(!promtext_ok(&p));
}

int main(void)
{
	counter();
	escaping();
	values();
	histogram();
	names();
	full();
	return unit_done("unit_promtext");
}
