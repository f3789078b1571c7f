/* unit_probeloss: a UDP probe session read from the target's reports
 * (src/daemon/probeloss.c): loss counted only where a report decides it,
 * a report held back or lost never taken for a lost probe, the last
 * probes unknown until a closing probe's report, round trips, jitter,
 * duplicates and reordering. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probeloss.h"
#include "unit.h"

static struct probeloss l;
static struct probeloss_result r;

/* a report showing the probes of the list (ending in -1), first 0 */
static void report(double now, ...)
{
	uint8_t bits[PROBEMEM_SEQS / 8] = { 0 };
	va_list ap;
	int s;

	va_start(ap, now);
	while ((s = va_arg(ap, int)) >= 0)
		bits[s / 8] |= (uint8_t)(1u << (s % 8));
	va_end(ap);
	probeloss_report(&l, 0, bits, now);
}

static void sent(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		probeloss_sent(&l, i, i * 1.0);
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

int main(void)
{
	/* clean: each probe answered in 10, 20, 10, 30, 10 ms */
	probeloss_start(&l, 5);
	sent(5);
	report(0.010, 0, -1);
	report(1.020, 0, 1, -1);
	report(2.010, 0, 1, 2, -1);
	report(3.030, 0, 1, 2, 3, -1);
	CHECK(!probeloss_settled(&l));
	report(4.010, 0, 1, 2, 3, 4, -1);
	CHECK(probeloss_settled(&l));
	probeloss_result(&l, &r);
	CHECK(r.sent == 5 && r.known == 5 && r.arrived == 5 && r.reports == 5);
	CHECK(r.loss == 0 && r.duplicates == 0 && r.reordered == 0 && r.reports_missing == 0);
	CHECK(near(r.rtt_min, 0.010) && near(r.rtt_max, 0.030) && near(r.rtt_avg, 0.016));
	CHECK(near(r.jitter, (0.010 + 0.010 + 0.020 + 0.020) / 4));

	/* probe 2 lost: one in five */
	probeloss_start(&l, 5);
	sent(5);
	report(0.01, 0, -1);
	report(1.01, 0, 1, -1);
	report(3.01, 0, 1, 3, -1);
	report(4.01, 0, 1, 3, 4, -1);
	probeloss_result(&l, &r);
	CHECK(r.known == 5 && r.arrived == 4 && near(r.loss, 0.2));

	/* probe 1's report held back (the target's rate) or lost on the way
	 * back: probe 2's report confirms probe 1; nothing lost */
	probeloss_start(&l, 3);
	sent(3);
	report(0.01, 0, -1);
	report(2.02, 0, 1, 2, -1);
	probeloss_result(&l, &r);
	CHECK(r.known == 3 && r.arrived == 3 && r.loss == 0 && r.reports_missing == 1);
	CHECK(near(r.rtt_max, 0.02) && l.rtt[1] < 0);

	/* the last probe's fate: unknown until the closing probe's report */
	probeloss_start(&l, 3);
	sent(3);
	report(0.01, 0, -1);
	report(1.01, 0, 1, -1);
	probeloss_result(&l, &r);
	CHECK(!probeloss_settled(&l) && r.known == 2 && r.loss == 0);
	probeloss_sent(&l, 3, 3.0);     /* closing */
	report(3.01, 0, 1, 3, -1);
	CHECK(probeloss_settled(&l));
	probeloss_result(&l, &r);
	CHECK(r.sent == 3 && r.known == 3 && r.arrived == 2 && near(r.loss, 1.0 / 3));

	/* no report at all: nothing known, loss NaN (never 100%) */
	probeloss_start(&l, 3);
	sent(3);
	probeloss_result(&l, &r);
	CHECK(r.known == 0 && isnan(r.loss) && isnan(r.rtt_avg) && isnan(r.jitter));

	/* a report twice: a duplicate */
	probeloss_start(&l, 2);
	sent(2);
	report(0.01, 0, -1);
	report(0.02, 0, -1);
	report(1.01, 0, 1, -1);
	probeloss_result(&l, &r);
	CHECK(r.duplicates == 1 && r.reordered == 0 && r.loss == 0);

	/* probe 2 overtaken by probe 3; then probe 1's report overtaken */
	probeloss_start(&l, 4);
	sent(4);
	report(0.01, 0, -1);
	report(3.01, 0, 1, 3, -1);
	report(3.02, 0, 1, 2, 3, -1);
	report(3.03, 0, 1, -1);
	probeloss_result(&l, &r);
	CHECK(r.reordered == 2 && r.duplicates == 0 && r.loss == 0 && r.arrived == 4);
	CHECK(near(l.rtt[2], 1.02));

	/* a probe never sent is never counted; bits past what was sent ignored */
	probeloss_start(&l, 4);
	sent(2);
	report(1.01, 0, 1, 2, 3, -1);
	probeloss_result(&l, &r);
	CHECK(r.sent == 2 && r.known == 2 && r.arrived == 2);
	/* a session remembered from probe 1 on: probe 0 unknown */
	probeloss_start(&l, 3);
	sent(3);
	uint8_t bits[PROBEMEM_SEQS / 8] = { 0x3 };      /* probes 1 and 2 */
	probeloss_report(&l, 1, bits, 2.01);
	probeloss_result(&l, &r);
	CHECK(r.known == 2 && r.arrived == 2 && r.loss == 0);
	probeloss_report(&l, -1, bits, 2.5);
	probeloss_report(&l, PROBEMEM_SEQS, bits, 2.5);
	CHECK(l.reports == 1);
	probeloss_start(&l, 1000);
	CHECK(l.n == PROBELOSS_MAX);
	return unit_done("unit_probeloss");
}
