/* unit_parse: strict number parsing (src/lib/parse.c). */
#include <errno.h>

#include <string.h>

#include "parse.h"
#include "unit.h"

static int ports(const char *text, unsigned short *out, size_t max, size_t *n, char *err)
{
	return parse_ports(text, strlen(text), out, max, n, err, 128);
}

static void test_ports(void)
{
	unsigned short p[2048];
	size_t n;
	char err[128];

	CHECK(ports("50000", p, 1024, &n, err) == 0 && n == 1 && p[0] == 50000);
	/* ranges, lists, blanks, duplicates and order: sorted, each once */
	CHECK(ports("7010, 7000-7002 7001,,7009\t65535", p, 1024, &n, err) == 0 && n == 6);
	CHECK(p[0] == 7000 && p[1] == 7001 && p[2] == 7002 && p[3] == 7009 && p[4] == 7010 &&
	      p[5] == 65535);
	CHECK(ports("0", p, 1024, &n, err) == 0 && n == 1 && p[0] == 0);
	CHECK(ports("1-1024", p, 1024, &n, err) == 0 && n == 1024 && p[1023] == 1024);
	/* refused, and said why */
	CHECK(ports("1-1025", p, 1024, &n, err) == -1);
	CHECK_STR(err, "1025 ports: at most 1024");
	CHECK(ports("0, 80", p, 1024, &n, err) == -1);
	CHECK_STR(err, "port 0 (the kernel's pick) only alone");
	CHECK(ports("7010-7000", p, 1024, &n, err) == -1);
	CHECK_STR(err, "\"7010-7000\": a range goes up (as 7000-7010)");
	CHECK(ports("65536", p, 1024, &n, err) == -1);
	CHECK_STR(err, "\"65536\" is not a port (0 to 65535) nor a range (as 7000-7010)");
	/* the entry shown escaped: a newline or an escape cannot reach a log
	 * or a terminal raw; a long one is cut */
	CHECK(ports("7000\nnetechod: x\x1b[2J", p, 1024, &n, err) == -1);
	CHECK_STR(err, "\"7000\\x0anetechod:\" is not a port (0 to 65535) nor a range (as "
		       "7000-7010)");
	CHECK(ports("7\x9b\xff", p, 1024, &n, err) == -1);
	CHECK_STR(err, "\"7\\x9b\\xff\" is not a port (0 to 65535) nor a range (as 7000-7010)");
	CHECK(ports("12345678901234567890123456789012345", p, 1024, &n, err) == -1);
	CHECK_STR(err, "\"12345678901234567890123456789012\" [+3 bytes cut] is not a port (0 to "
		       "65535) nor a range (as 7000-7010)");
	CHECK(ports("http", p, 1024, &n, err) == -1);
	CHECK(ports("-5", p, 1024, &n, err) == -1);
	CHECK(ports("5-", p, 1024, &n, err) == -1);
	CHECK(ports("5--6", p, 1024, &n, err) == -1);
	CHECK(ports("+5", p, 1024, &n, err) == -1);
	CHECK(ports("", p, 1024, &n, err) == -1);
	CHECK_STR(err, "no port");
	CHECK(ports(" , ", p, 1024, &n, err) == -1);
}

int main(void)
{
	long v = 7;
	double d = 7;

	CHECK(parse_long("0", 0, 10, &v) == 0 && v == 0);
	CHECK(parse_long("65535", 0, 65535, &v) == 0 && v == 65535);
	CHECK(parse_long("-1", -5, 5, &v) == 0 && v == -1);
	v = 7;
	CHECK(parse_long("65536", 0, 65535, &v) < 0 && errno == ERANGE && v == 7);
	CHECK(parse_long("-1", 0, 10, &v) < 0 && errno == ERANGE);
	CHECK(parse_long("99999999999999999999999", 0, 10, &v) < 0 && errno == ERANGE);
	CHECK(parse_long("", 0, 10, &v) < 0 && errno == EINVAL);
	CHECK(parse_long("12abc", 0, 100, &v) < 0 && errno == EINVAL);
	CHECK(parse_long("12 ", 0, 100, &v) < 0 && errno == EINVAL);
	CHECK(parse_long(" 12", 0, 100, &v) < 0 && errno == EINVAL);
	CHECK(parse_long("0x10", 0, 100, &v) < 0 && errno == EINVAL);
	CHECK(parse_long("+5", 0, 100, &v) < 0 && errno == EINVAL);
	CHECK(parse_long("-0", 0, 100, &v) < 0 && errno == ERANGE);
	CHECK(parse_long("-", -5, 100, &v) < 0 && errno == EINVAL);
	CHECK(parse_long("-1x", 0, 100, &v) < 0 && errno == EINVAL);
	CHECK(parse_long("abc", 0, 100, &v) < 0 && errno == EINVAL);
	CHECK(parse_long(NULL, 0, 100, &v) < 0 && errno == EINVAL);
	CHECK(v == 7);

	CHECK(parse_seconds("2", 0, 10, &d) == 0 && d == 2);
	CHECK(parse_seconds("0.25", 0, 10, &d) == 0 && d == 0.25);
	CHECK(parse_seconds("10.5", 0, 10, &d) < 0 && errno == ERANGE);
	CHECK(parse_seconds("1e3", 0, 1e6, &d) < 0 && errno == EINVAL);
	CHECK(parse_seconds("inf", 0, 1e6, &d) < 0 && errno == EINVAL);
	CHECK(parse_seconds("nan", 0, 1e6, &d) < 0 && errno == EINVAL);
	CHECK(parse_seconds("-1", -5, 5, &d) < 0 && errno == EINVAL);
	CHECK(parse_seconds("1.2.3", 0, 10, &d) < 0 && errno == EINVAL);
	CHECK(parse_seconds(".", 0, 10, &d) < 0 && errno == EINVAL);
	CHECK(parse_seconds("", 0, 10, &d) < 0 && errno == EINVAL);
	test_ports();
	return unit_done("unit_parse");
}
