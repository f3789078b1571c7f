/* unit_parse: strict number parsing (src/parse.c). */
#include <errno.h>

#include "../src/parse.h"
#include "unit.h"

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
	return unit_done("unit_parse");
}
