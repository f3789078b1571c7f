/* unit_logfmt: a log line as stderr shows it (src/daemon/logfmt.c): the
 * kind, the RFC 3339 stamp, the JSON object and its escaping and cut. */
#include <string.h>
#include <time.h>

#include "logfmt.h"
#include "unit.h"

static const char *kind(const char *text)
{
	static char buf[LOGFMT_KIND_MAX];

	logfmt_kind(buf, text, strlen(text));
	return buf;
}

static const char *json(const char *text)
{
	static char buf[4096];

	logfmt_json(buf, sizeof buf, "T", "info", text, strlen(text));
	return buf;
}

static void test_kind(void)
{
	CHECK_STR(kind("tcp open peer=127.0.0.1:4000 local=127.0.0.1:7"), "tcp open");
	CHECK_STR(kind("tcp close peer=%s: %s"), "tcp close");
	CHECK_STR(kind("udp receive: %s"), "udp receive");
	CHECK_STR(kind("SIGHUP: reloading /etc/x"), "SIGHUP");
	CHECK_STR(kind("stats uptime=3 tcp_active=0"), "stats");
	CHECK_STR(kind("netechod 1.2 starting, configuration x"), "netechod");
	CHECK_STR(kind("listening on tcp 127.0.0.1:7"), "listening on tcp");
	CHECK_STR(kind("tcp proxy header refused peer=x"), "tcp proxy header");
	CHECK_STR(kind("%s: %s"), "other");
	CHECK_STR(kind(""), "other");
	CHECK_STR(kind("udp"), "udp");
	/* a first word that is a field is no kind */
	CHECK_STR(kind("peer=1 x"), "other");
	/* cut at LOGFMT_KIND_MAX, on a word */
	CHECK_STR(kind("aaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbb c"), "aaaaaaaaaaaaaaaaaaaa");
}

static void test_stamp(void)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 11, .tm_mday = 7, .tm_hour = 7, .tm_min = 5,
			 .tm_sec = 9, .tm_gmtoff = 3600 };
	char buf[LOGFMT_STAMP_MAX];

	CHECK(logfmt_stamp(buf, sizeof buf, &tm, 42) == 29);
	CHECK_STR(buf, "2026-12-07T07:05:09.042+01:00");
	tm.tm_gmtoff = -(9 * 3600 + 30 * 60);
	logfmt_stamp(buf, sizeof buf, &tm, 999);
	CHECK_STR(buf, "2026-12-07T07:05:09.999-09:30");
	tm.tm_gmtoff = 0;
	logfmt_stamp(buf, sizeof buf, &tm, 0);
	CHECK_STR(buf, "2026-12-07T07:05:09.000+00:00");
	CHECK(logfmt_stamp(buf, 29, &tm, 0) == 0);
}

static void test_json(void)
{
	CHECK_STR(json("tcp open peer=127.0.0.1:4000 local=[::1]:7"),
		  "{\"time\":\"T\",\"level\":\"info\",\"kind\":\"tcp open\","
		  "\"msg\":\"tcp open peer=127.0.0.1:4000 local=[::1]:7\","
		  "\"peer\":\"127.0.0.1:4000\",\"local\":\"[::1]:7\"}");
	/* integers are numbers; a value's trailing colon is not the value's */
	CHECK_STR(json("tcp close peer=1.2.3.4:5: Connection reset by peer len=12 n=-3 z=007"),
		  "{\"time\":\"T\",\"level\":\"info\",\"kind\":\"tcp close\","
		  "\"msg\":\"tcp close peer=1.2.3.4:5: Connection reset by peer len=12 n=-3 "
		  "z=007\",\"peer\":\"1.2.3.4:5\",\"len\":12,\"n\":-3,\"z\":\"007\"}");
	/* a quoted value, escapes and spaces inside, taken whole and escaped again */
	CHECK_STR(json("tcp data len=3 data=\"a b\\x0a\\\"x=1\" [+1 bytes cut]"),
		  "{\"time\":\"T\",\"level\":\"info\",\"kind\":\"tcp data\","
		  "\"msg\":\"tcp data len=3 data=\\\"a b\\\\x0a\\\\\\\"x=1\\\" [+1 bytes cut]\","
		  "\"len\":3,\"data\":\"a b\\\\x0a\\\\\\\"x=1\"}");
	/* the four names of the object and a repeated key are not taken again */
	CHECK_STR(json("x level=9 kind=a msg=b time=c peer=1 peer=2"),
		  "{\"time\":\"T\",\"level\":\"info\",\"kind\":\"x\","
		  "\"msg\":\"x level=9 kind=a msg=b time=c peer=1 peer=2\",\"peer\":1}");
	/* control characters and bytes above 0x7e */
	CHECK_STR(json("a\x01\t\n\x7f\xc3"),
		  "{\"time\":\"T\",\"level\":\"info\",\"kind\":\"other\","
		  "\"msg\":\"a\\u0001\\u0009\\n\\u007f\\u00c3\"}");
}

/* A line longer than the buffer: cut, and the object still whole. */
static void test_cut(void)
{
	char text[3000], buf[LOGFMT_JSON_MIN + 40];
	size_t n;

	memset(text, '"', sizeof text);
	memcpy(text, "x peer=", 7);
	for (size_t size = LOGFMT_JSON_MIN; size <= sizeof buf; size++) {
		size_t tail = 0;

		memset(buf, 'Z', sizeof buf);
		n = logfmt_json(buf, size, "T", "info", text, sizeof text);
		CHECK(n > 0 && n < size && buf[n] == '\0');
		CHECK(n >= 2 && memcmp(buf + n - 2, "\"}", 2) == 0);
		/* no escape cut in half: the closing quote is not escaped */
		while (tail + 2 < n && buf[n - 3 - tail] == '\\')
			tail++;
		CHECK(tail % 2 == 0);
		CHECK(size == sizeof buf || buf[size] == 'Z');
	}
	CHECK(logfmt_json(buf, LOGFMT_JSON_MIN - 1, "T", "info", "x", 1) == 0);
}

int main(void)
{
	test_kind();
	test_stamp();
	test_json();
	test_cut();
	return unit_done("unit_logfmt");
}
