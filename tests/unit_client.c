/* unit_client: the client's pure parts: --expect's SPEC (scan.h), a
 * stream's echo checked copy after copy (echoreply_next), the bench's
 * units as iperf3 writes them and its verdict that a loss looks like a
 * rate limit (benchreport.h). */
#include "benchreport.h"
#include "echoreply.h"
#include "scan.h"

#include "unit.h"

static void test_expect(void)
{
	unsigned char *want = calloc(SCAN_PORTS_MAX, 1);
	char err[128];

	CHECK(want != NULL);
	if (want == NULL)
		return;
	CHECK(scan_expect_parse("open:7000-7002 refused:8000", want, err, sizeof err) == 0);
	CHECK(want[7000] == 1 && want[7001] == 1 && want[7002] == 1 && want[7003] == 0);
	CHECK(want[8000] == 2 && want[7999] == 0);
	CHECK(scan_expect_parse("  filtered:9000,9002  open|filtered:9001 ", want, err,
				sizeof err) == 0);
	CHECK(want[9000] == 3 && want[9001] == 3 && want[9002] == 3);
	CHECK(scan_expect_parse("shut:7000", want, err, sizeof err) < 0);
	CHECK(strstr(err, "shut:7000: not STATE:PORTS") != NULL);
	CHECK(scan_expect_parse("open", want, err, sizeof err) < 0);
	CHECK(scan_expect_parse("open:", want, err, sizeof err) < 0);
	CHECK(scan_expect_parse("open:70000", want, err, sizeof err) < 0);
	CHECK(scan_expect_parse("open:7000 refused", want, err, sizeof err) < 0);
	CHECK(scan_expect_parse("", want, err, sizeof err) == 0);
	free(want);
}

/* A stream of "abc" three times, echoed in pieces after "R: " that cut
 * the copies anywhere. */
static void test_stream_echo(void)
{
	struct echoreply r;
	const char *echo = "R: abcaR: bcabcR: ";
	size_t used, copies = 0;
	const char *p = echo;
	size_t n = strlen(echo);

	echoreply_start(&r, "R: ", 3, "abc", 3);
	while (n > 0) {
		enum echoreply_state st = echoreply_feed(&r, p, n, 3, &used);

		CHECK(st != ECHOREPLY_WRONG);
		if (st == ECHOREPLY_WRONG)
			return;
		if (st == ECHOREPLY_DONE) {
			copies++;
			echoreply_next(&r);
		}
		p += used;
		n -= used;
	}
	CHECK(copies == 3);
	/* a wrong byte in the second copy is caught */
	echoreply_start(&r, "R: ", 3, "abc", 3);
	CHECK(echoreply_feed(&r, "R: abc", 6, 3, &used) == ECHOREPLY_DONE);
	echoreply_next(&r);
	CHECK(echoreply_feed(&r, "abd", 3, 3, &used) == ECHOREPLY_WRONG);
	/* no more than was sent of the copy */
	echoreply_start(&r, "R: ", 3, "abc", 3);
	CHECK(echoreply_feed(&r, "R: ab", 5, 1, &used) == ECHOREPLY_WRONG);
}

static void test_units(void)
{
	char buf[32];

	CHECK_STR(benchreport_bits(0, buf, sizeof buf), "0.00 bits/sec");
	CHECK_STR(benchreport_bits(125, buf, sizeof buf), "1.00 Kbits/sec");
	CHECK_STR(benchreport_bits(6.6e6, buf, sizeof buf), "52.8 Mbits/sec");
	CHECK_STR(benchreport_bits(1.25e9, buf, sizeof buf), "10.0 Gbits/sec");
	CHECK_STR(benchreport_bits(1.25e8, buf, sizeof buf), "1.00 Gbits/sec");
	CHECK_STR(benchreport_bytes(1024, buf, sizeof buf), "1.00 KBytes/sec");
	CHECK_STR(benchreport_bytes(1024 * 1024, buf, sizeof buf), "1.00 MBytes/sec");
	CHECK_STR(benchreport_bytes(6.6e6, buf, sizeof buf), "6.29 MBytes/sec");
	CHECK_STR(benchreport_bytes(999, buf, sizeof buf), "999 Bytes/sec");
}

static void test_rate_limited(void)
{
	struct bench_options o = { .seconds = 4 };
	struct bench_stats s = { 0 };
	double rate = 0;

	CHECK(benchreport_init(&s, &o, 0) == 0);
	/* 10 a second, steady, with requests lost: a rate limit's look */
	for (int i = 0; i < 4; i++)
		s.per_second[i] = i == 0 ? 9 : 10;
	s.reply_timeouts = 20;
	CHECK(benchreport_rate_limited(&s, 4.0, &rate));
	CHECK(rate > 9.7 && rate < 9.8);
	/* nothing lost: no verdict */
	s.reply_timeouts = 0;
	CHECK(!benchreport_rate_limited(&s, 4.0, &rate));
	/* replies that come and go: not steady */
	s.reply_timeouts = 20;
	s.per_second[2] = 40;
	CHECK(!benchreport_rate_limited(&s, 4.0, &rate));
	/* one second is too short to tell */
	s.per_second[2] = 10;
	CHECK(!benchreport_rate_limited(&s, 1.0, &rate));
	/* a last part shorter than 0.9 s is left out, not taken for a drop */
	s.per_second[3] = 5;
	CHECK(benchreport_rate_limited(&s, 3.5, &rate));
	/* nothing came at all: not a rate limit */
	memset(s.per_second, 0, s.seconds_kept * sizeof *s.per_second);
	CHECK(!benchreport_rate_limited(&s, 4.0, &rate));
	benchreport_free(&s);
}

int main(void)
{
	test_expect();
	test_stream_echo();
	test_units();
	test_rate_limited();
	return unit_done("unit_client");
}
