/* unit_reload: the pure parts of a reload's plan (src/daemon/reload.c): what
 * changes between two configurations, and which sockets a new set of
 * addresses keeps, binds anew or retires. No network: sockets here are
 * numbers and addresses. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "reload.h"
#include "unit.h"

static struct net_addr addr(const char *text, int port)
{
	struct net_addr a;

	a.ss = unit_addr(text, port, &a.len);
	return a;
}

static struct sock sock(int fd, const char *text, int port)
{
	return (struct sock){ .fd = fd, .service = SERVICE_ECHO, .local = addr(text, port) };
}

static void test_decide(void)
{
	struct config a, b;
	struct plan_change c;

	config_defaults(&a);
	config_defaults(&b);
	/* the same file: nothing to rebind */
	c = plan_decide(&a, &b, SOCK_STREAM, false);
	CHECK(!c.rebind && !c.ignored);
	/* settings that are not addresses change no socket */
	b.tcp.max_connections = 5;
	b.tcp.reply_prefix.len = 0;
	b.log.level = 7;
	c = plan_decide(&a, &b, SOCK_STREAM, false);
	CHECK(!c.rebind);
	/* the host, the port, enabled: TCP alone, or UDP alone */
	strcpy(b.tcp.host, "*");
	CHECK(plan_decide(&a, &b, SOCK_STREAM, false).rebind);
	CHECK(!plan_decide(&a, &b, SOCK_DGRAM, false).rebind);
	config_defaults(&b);
	b.udp.port = (struct config_ports){ 1, { 7001 } };
	CHECK(!plan_decide(&a, &b, SOCK_STREAM, false).rebind);
	CHECK(plan_decide(&a, &b, SOCK_DGRAM, false).rebind);
	config_defaults(&b);
	b.udp.enabled = false;
	CHECK(plan_decide(&a, &b, SOCK_DGRAM, false).rebind);
	/* a port added to a list, or taken out */
	config_defaults(&b);
	b.tcp.port = (struct config_ports){ 2, { 50000, 50002 } };
	CHECK(plan_decide(&a, &b, SOCK_STREAM, false).rebind);
	CHECK(!plan_decide(&a, &b, SOCK_DGRAM, false).rebind);
	a.tcp.port = b.tcp.port;
	CHECK(!plan_decide(&a, &b, SOCK_STREAM, false).rebind);
	b.tcp.port.n = 1;
	CHECK(plan_decide(&a, &b, SOCK_STREAM, false).rebind);
	config_defaults(&a);
	config_defaults(&b);
	/* a disabled protocol's host may change: nothing to do */
	a.udp.enabled = false;
	b.udp.enabled = false;
	strcpy(b.udp.host, "::1");
	CHECK(!plan_decide(&a, &b, SOCK_DGRAM, false).rebind);
	/* socket activation: the manager's sockets stay, the change is noted */
	config_defaults(&a);
	config_defaults(&b);
	b.tcp.port = (struct config_ports){ 1, { 9 } };
	c = plan_decide(&a, &b, SOCK_STREAM, true);
	CHECK(!c.rebind && c.ignored);
	CHECK(!plan_decide(&a, &b, SOCK_DGRAM, true).ignored);
}

static struct plan_want want_of(const char *text, int port, enum service svc)
{
	return (struct plan_want){addr(text, port), svc, port == 0};
}

static void test_match(void)
{
	struct sock cur[3];
	struct plan_want want[4];
	bool kept[3];
	long take[4];

	/* the same address: kept, nothing bound */
	cur[0] = sock(5, "127.0.0.1", 7000);
	want[0] = want_of("127.0.0.1", 7000, SERVICE_ECHO);
	plan_match(want, 1, cur, 1, kept, take);
	CHECK(kept[0] && take[0] == 0);
	/* 127.0.0.1 -> * (0.0.0.0 and ::): both bound anew, the old retired */
	want[0] = want_of("0.0.0.0", 7000, SERVICE_ECHO);
	want[1] = want_of("::", 7000, SERVICE_ECHO);
	plan_match(want, 2, cur, 1, kept, take);
	CHECK(!kept[0] && take[0] == -1 && take[1] == -1);
	/* * -> 127.0.0.1: the reverse */
	cur[0] = sock(5, "0.0.0.0", 7000);
	cur[1] = sock(6, "::", 7000);
	want[0] = want_of("127.0.0.1", 7000, SERVICE_ECHO);
	plan_match(want, 1, cur, 2, kept, take);
	CHECK(!kept[0] && !kept[1] && take[0] == -1);
	/* localhost (127.0.0.1 and ::1) -> 127.0.0.1: one kept, one retired */
	cur[0] = sock(5, "127.0.0.1", 7000);
	cur[1] = sock(6, "::1", 7000);
	plan_match(want, 1, cur, 2, kept, take);
	CHECK(kept[0] && !kept[1] && take[0] == 0);
	/* ... and back: the one kept stays, ::1 is bound */
	cur[0] = sock(5, "127.0.0.1", 7000);
	want[0] = want_of("::1", 7000, SERVICE_ECHO);
	want[1] = want_of("127.0.0.1", 7000, SERVICE_ECHO);
	plan_match(want, 2, cur, 1, kept, take);
	CHECK(kept[0] && take[0] == -1 && take[1] == 0);
	/* another port: nothing kept */
	want[0] = want_of("127.0.0.1", 7001, SERVICE_ECHO);
	plan_match(want, 1, cur, 1, kept, take);
	CHECK(!kept[0] && take[0] == -1);
	/* port 0 (the kernel's pick): any port of ours matches */
	want[0] = want_of("127.0.0.1", 0, SERVICE_ECHO);
	plan_match(want, 1, cur, 1, kept, take);
	CHECK(kept[0] && take[0] == 0);
	/* nothing wanted (the protocol switched off): all retired */
	plan_match(want, 0, cur, 1, kept, take);
	CHECK(!kept[0]);
	/* an address wanted twice is bound once; one socket is kept once */
	want[0] = want_of("127.0.0.1", 7000, SERVICE_ECHO);
	want[1] = want_of("127.0.0.1", 7000, SERVICE_ECHO);
	plan_match(want, 2, cur, 1, kept, take);
	CHECK(kept[0] && take[0] == 0 && take[1] == -1);
	/* echo 7000 and report 7001 -> echo 7001 and report 7002: the socket
	 * on 7001 stays, and serves the echo now (the plan relabels it) */
	cur[0] = sock(5, "127.0.0.1", 7000);
	cur[1] = sock(6, "127.0.0.1", 7001);
	cur[1].service = SERVICE_REPORT;
	want[0] = want_of("127.0.0.1", 7001, SERVICE_ECHO);
	want[1] = want_of("127.0.0.1", 7002, SERVICE_REPORT);
	plan_match(want, 2, cur, 2, kept, take);
	CHECK(!kept[0] && kept[1] && take[0] == 1 && take[1] == -1);
}

static void test_decide_report(void)
{
	struct config a, b;

	config_defaults(&a);
	config_defaults(&b);
	/* the report service moves both protocols' sockets */
	b.report.port = (struct config_ports){ 1, { 7777 } };
	CHECK(plan_decide(&a, &b, SOCK_STREAM, false).rebind);
	CHECK(plan_decide(&a, &b, SOCK_DGRAM, false).rebind);
	config_defaults(&b);
	b.report.enabled = false;
	CHECK(plan_decide(&a, &b, SOCK_DGRAM, false).rebind);
	/* what it shows moves nothing */
	config_defaults(&b);
	b.report.show_local = false;
	b.report.rate = 1;
	CHECK(!plan_decide(&a, &b, SOCK_STREAM, false).rebind);
}

static void test_clash(void)
{
	struct plan_want want[6];
	size_t a = 99, b = 99;

	/* echo on * (0.0.0.0 and ::), report on 127.0.0.1, one port: a clash,
	 * named by the first two that overlap */
	want[0] = want_of("0.0.0.0", 7000, SERVICE_ECHO);
	want[1] = want_of("::", 7000, SERVICE_ECHO);
	want[2] = want_of("127.0.0.1", 7000, SERVICE_REPORT);
	CHECK(plan_clash(want, 3, &a, &b) == 1 && a == 0 && b == 2);
	/* ... on another port: none */
	want[2] = want_of("127.0.0.1", 7001, SERVICE_REPORT);
	CHECK(plan_clash(want, 3, &a, &b) == 0);
	/* another family: none; ::1 beside :: on one port: a clash */
	want[2] = want_of("::1", 7001, SERVICE_REPORT);
	CHECK(plan_clash(want, 3, &a, &b) == 0);
	want[2] = want_of("::1", 7000, SERVICE_REPORT);
	CHECK(plan_clash(want, 3, &a, &b) == 1 && a == 1 && b == 2);
	/* two specific addresses on one port: none; the same one twice: a clash */
	want[0] = want_of("127.0.0.1", 7000, SERVICE_ECHO);
	want[1] = want_of("127.0.0.2", 7000, SERVICE_REPORT);
	CHECK(plan_clash(want, 2, &a, &b) == 0);
	want[1] = want_of("127.0.0.1", 7000, SERVICE_REPORT);
	CHECK(plan_clash(want, 2, &a, &b) == 1 && a == 0 && b == 1);
	/* port 0 (the kernel's pick) never clashes */
	want[0] = want_of("0.0.0.0", 0, SERVICE_ECHO);
	want[1] = want_of("127.0.0.1", 0, SERVICE_REPORT);
	CHECK(plan_clash(want, 2, &a, &b) == 0);
	/* many ports, the clash at the end of a long list */
	for (int i = 0; i < 5; i++)
		want[i] = want_of("0.0.0.0", 7000 + i, SERVICE_ECHO);
	want[5] = want_of("127.0.0.1", 7004, SERVICE_REPORT);
	CHECK(plan_clash(want, 6, &a, &b) == 1 && a == 4 && b == 5);
	CHECK(plan_clash(want, 0, &a, &b) == 0);
}

static void test_cover(void)
{
	struct sock cur[3];
	struct plan_want want[3];
	bool kept[3];
	long take[3], cover[3];

	/* 127.0.0.1 -> * (0.0.0.0 and ::): 127.0.0.1 is covered by 0.0.0.0 */
	cur[0] = sock(5, "127.0.0.1", 7000);
	want[0] = want_of("0.0.0.0", 7000, SERVICE_ECHO);
	want[1] = want_of("::", 7000, SERVICE_ECHO);
	plan_match(want, 2, cur, 1, kept, take);
	CHECK(plan_cover(want, 2, cur, 1, kept, cover) == 0);
	CHECK(!kept[0] && cover[0] == 0);
	/* ... and ::1 by ::, serving what it serves */
	cur[1] = sock(6, "::1", 7000);
	want[1].service = SERVICE_REPORT;
	plan_match(want, 2, cur, 2, kept, take);
	CHECK(plan_cover(want, 2, cur, 2, kept, cover) == 0);
	CHECK(cover[0] == 0 && cover[1] == 1);
	/* * -> 127.0.0.1: a wildcard is never covered, it retires */
	cur[0] = sock(5, "0.0.0.0", 7000);
	cur[1] = sock(6, "::", 7000);
	want[0] = want_of("127.0.0.1", 7000, SERVICE_ECHO);
	plan_match(want, 1, cur, 2, kept, take);
	CHECK(plan_cover(want, 1, cur, 2, kept, cover) == 0);
	CHECK(cover[0] == -1 && cover[1] == -1);
	/* another port, or a specific address wanted: not covered */
	cur[0] = sock(5, "127.0.0.1", 7000);
	want[0] = want_of("0.0.0.0", 7001, SERVICE_ECHO);
	want[1] = want_of("127.0.0.2", 7000, SERVICE_ECHO);
	plan_match(want, 2, cur, 1, kept, take);
	CHECK(plan_cover(want, 2, cur, 1, kept, cover) == 0);
	CHECK(cover[0] == -1);
	/* kept as it is: not a cover's */
	want[0] = want_of("127.0.0.1", 7000, SERVICE_ECHO);
	want[1] = want_of("0.0.0.0", 7000, SERVICE_ECHO);
	plan_match(want, 2, cur, 1, kept, take);
	CHECK(plan_cover(want, 2, cur, 1, kept, cover) == 0);
	CHECK(kept[0] && cover[0] == -1);
	/* port 0 covers nothing */
	want[0] = want_of("0.0.0.0", 0, SERVICE_ECHO);
	kept[0] = false;
	CHECK(plan_cover(want, 1, cur, 1, kept, cover) == 0 && cover[0] == -1);
}

int main(void)
{
	test_cover();
	test_decide();
	test_match();
	test_decide_report();
	test_clash();
	return unit_done("unit_reload");
}
