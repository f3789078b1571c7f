/* unit_pathreport: the client's half of the path report
 * (src/lib/pathreport.c): reports as the service writes them read back, and
 * broken or hostile ones refused; each verdict under its condition and
 * absent without it; the JSON members; DSCP names. */
#include <stdlib.h>
#include <string.h>

#include "icmp.h"
#include "outbuf.h"
#include "pathhops.h"
#include "pathjson.h"
#include "pathreport.h"
#include "pathtext.h"
#include "unit.h"

/* As report_tcp_json() writes them (unit_report checks that side). */
static const char tcp_report[] =
	"{\"version\":1,\"proto\":\"tcp\",\"client\":\"10.0.2.1\",\"client_port\":40000,"
	"\"local\":\"10.0.2.2\",\"local_port\":7001,\"ttl\":63,\"dscp\":0,\"ecn\":\"not-ect\","
	"\"df\":true,\"flow_label\":null,\"ecn_setup\":true,\"window\":64240,\"mss\":1300,"
	"\"wscale\":7,\"sack\":true,\"timestamps\":false,\"other_options\":[30,34],"
	"\"ip_options\":0}\n";
static const char udp_report[] =
	"{\"version\":1,\"proto\":\"udp\",\"client\":\"2001:db8:2::1\",\"client_port\":20011,"
	"\"local\":null,\"local_port\":null,\"ttl\":62,\"dscp\":46,\"ecn\":\"not-ect\","
	"\"size\":1472,\"fragment_size\":1396,\"reply_ttl\":64,\"reply_dscp\":46,"
	"\"reply_ecn\":\"not-ect\"}\n";

static int parse(const char *s, struct path_seen *seen)
{
	char err[128];

	return path_parse_report(s, strlen(s), seen, err, sizeof err);
}

static void test_parse(void)
{
	struct path_seen s;
	char err[128];

	CHECK(parse(tcp_report, &s) == 0);
	CHECK(!s.udp);
	CHECK_STR(s.client, "10.0.2.1");
	CHECK(s.client_port == 40000 && s.local_port == 7001);
	CHECK_STR(s.local, "10.0.2.2");
	CHECK(s.ttl == 63 && s.dscp == 0 && s.ecn == 0 && s.df == 1 && s.flow_label == -1);
	CHECK(s.ecn_setup == 1 && s.window == 64240 && s.mss == 1300 && s.wscale == 7);
	CHECK(s.sack == 1 && s.timestamps == 0 && s.ip_options == 0);
	CHECK(s.nother == 2 && s.other[0] == 30 && s.other[1] == 34);
	CHECK(s.size == -1 && s.fragment_size == -1);   /* not a UDP report's */
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"reply_mss\":1400}",
		    &s) == 0 &&
	      s.reply_mss == 1400);
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"reply_mss\":65536}",
		    &s) == -1);

	CHECK(parse(udp_report, &s) == 0);
	CHECK(s.udp);
	CHECK_STR(s.client, "2001:db8:2::1");
	CHECK_STR(s.local, "");                         /* hidden by the server */
	CHECK(s.local_port == -1 && s.ttl == 62 && s.dscp == 46 && s.ecn == 0);
	CHECK(s.size == 1472 && s.fragment_size == 1396);
	CHECK(s.reply_ttl == 64 && s.reply_dscp == 46 && s.reply_ecn == 0);
	/* a report from a server that does not say what it sent with */
	CHECK(parse(tcp_report, &s) == 0 && s.reply_ttl == -1 && s.reply_dscp == -1 &&
	      s.reply_ecn == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"udp\",\"client\":\"a\",\"client_port\":1,"
		    "\"reply_ttl\":0}",
		    &s) == -1);                         /* no TTL is sent as 0 */
	CHECK(parse("{\"version\":1,\"proto\":\"udp\",\"client\":\"a\",\"client_port\":1,"
		    "\"reply_ecn\":\"x\"}",
		    &s) == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"udp\",\"client\":\"a\",\"client_port\":1,"
		    "\"fragment_size\":null}",
		    &s) == 0 &&
	      s.fragment_size == 0);                    /* null: not fragmented */
	CHECK(s.session_first == -1);                   /* not a --pmtu probe's */
	/* a --pmtu probe's: which of the session's probes arrived */
	CHECK(parse("{\"version\":1,\"proto\":\"udp\",\"client\":\"a\",\"client_port\":1,"
		    "\"session_first\":2,\"session_seen\":\"0581000000000000000000000000000f\","
		    "\"size\":548}", &s) == 0);
	CHECK(s.session_first == 2 && s.session_seen[0] == 0x05 && s.session_seen[1] == 0x81 &&
	      s.session_seen[15] == 0x0f && s.size == 548);
	/* bits of the wrong length or not hex; a first out of range */
	CHECK(parse("{\"version\":1,\"proto\":\"udp\",\"client\":\"a\",\"client_port\":1,"
		    "\"session_seen\":\"0581\"}", &s) == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"udp\",\"client\":\"a\",\"client_port\":1,"
		    "\"session_seen\":\"0581000000000000000000000000000g\"}", &s) == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"udp\",\"client\":\"a\",\"client_port\":1,"
		    "\"session_first\":128}", &s) == -1);
	/* a report from a later version's server: members it adds are ignored */
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"new\":\"x\",\"newer\":[1,2],\"newest\":true}",
		    &s) == 0);
	/* spaces where JSON allows them */
	CHECK(parse(" { \"version\" : 1 , \"proto\" : \"tcp\" , \"client\" : \"a\" , "
		    "\"client_port\" : 1 } \r\n",
		    &s) == 0);

	/* refused: not a report, the wrong version, missing members */
	CHECK(parse("", &s) == -1);
	CHECK(parse("Receive: hello\n", &s) == -1);
	CHECK(path_parse_report("x", 1, &s, err, sizeof err) == -1);
	CHECK_STR(err, "not a JSON object");
	CHECK(parse("{\"version\":2,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1}", &s) ==
	      -1);
	CHECK(parse("{\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1}", &s) == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"sctp\",\"client\":\"a\",\"client_port\":1}", &s) ==
	      -1);
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client_port\":1}", &s) == -1);
	CHECK(parse("{}", &s) == -1);
	/* out of range, of the wrong kind */
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":70000}",
		    &s) == -1);
	CHECK(path_parse_report(
		      "{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		      "\"ttl\":256}",
		      strlen("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\","
			     "\"client_port\":1,\"ttl\":256}"),
		      &s, err, sizeof err) == -1);
	CHECK_STR(err, "\"ttl\" holds a value it cannot hold");
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"ttl\":\"64\"}",
		    &s) == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"ttl\":6.4}",
		    &s) == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"ttl\":1e2}",
		    &s) == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"ecn\":\"ect2\"}",
		    &s) == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"ttl\":1234567890123456789}",
		    &s) == -1);
	/* broken JSON: truncated anywhere, bytes after, nesting, control bytes */
	for (size_t i = 0; i < strlen(tcp_report) - 2; i++) {
		char cut[sizeof tcp_report];

		memcpy(cut, tcp_report, i);
		CHECK(path_parse_report(cut, i, &s, err, sizeof err) == -1);
	}
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1}x", &s) ==
	      -1);
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"x\":{\"y\":1}}",
		    &s) == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\tb\",\"client_port\":1}",
		    &s) == -1);
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\\u0041\",\"client_port\":1}",
		    &s) == -1);
	/* a string longer than an address: refused, not cut */
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\","
		    "\"client\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"client_port\":1}",
		    &s) == -1);
	/* more option kinds than are kept: counted */
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"other_options\":[1,2,3,4,5,6,7,8,9,10]}",
		    &s) == 0 &&
	      s.nother == 10 && s.other[7] == 8);
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"other_options\":[300]}",
		    &s) == -1);
	/* the bytes given are all that is read: no terminator needed */
	{
		char *exact = malloc(strlen(udp_report));

		memcpy(exact, udp_report, strlen(udp_report));
		CHECK(path_parse_report(exact, strlen(udp_report), &s, err, sizeof err) == 0);
		free(exact);
	}
}

/* What a client behind the NAT of the lab sent. */
static struct path_sent tcp_sent(void)
{
	struct path_sent s = { 0 };

	strcpy(s.local, "10.0.1.2");
	s.local_port = 40000;
	s.ttl = 64;
	s.dscp = 46;
	s.ecn = 0;
	s.ecn_setup = 1;
	s.mss = 1460;
	s.wscale = s.sack = s.timestamps = 1;
	s.size = s.local_mtu = -1;
	strcpy(s.peer, "10.0.2.2");
	s.peer_port = 7001;
	s.back_ttl = s.back_tos = s.back_wscale = -1;
	s.back_mss = s.back_mss_limit = -1;
	return s;
}

static bool has(const char *text, const char *line)
{
	return strstr(text, line) != NULL;
}

static void test_tcp_verdicts(void)
{
	struct path_sent sent = tcp_sent();
	struct path_seen seen;
	char buf[PATH_TEXT_MAX];

	CHECK(parse(tcp_report, &seen) == 0);
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "tcp 10.0.1.2:40000 -> 10.0.2.2:7001\n"));
	CHECK(has(buf, "  nat: address translated, port kept (10.0.1.2:40000 seen as "
		       "10.0.2.1:40000)\n"));
	CHECK(has(buf, "  hops: 1 (ttl 64 sent, 63 seen)\n"));
	CHECK(has(buf, "  dscp: remarked (ef/46 sent, cs0/0 seen)\n"));
	CHECK(has(buf, "  ecn: kept (not-ect)\n"));
	CHECK(has(buf, "  ecn-setup: kept (the SYN's ECE and CWR arrived)\n"));
	CHECK(has(buf, "  mss: clamped (1460 sent, 1300 seen)\n"));
	CHECK(has(buf, "  options: stripped: timestamps (kept: mss wscale sack); others seen: "
		       "kind 30,34\n"));
	CHECK(!has(buf, "fragments") && !has(buf, "proxy"));
	/* through a proxy: said, before the facts that are its own */
	strcpy(seen.proxy, "10.0.2.9");
	seen.proxy_port = 45000;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "tcp 10.0.1.2:40000 -> 10.0.2.2:7001\n  proxy: 10.0.2.9:45000 (a PROXY "
		       "header named this host: the facts below are of the proxy's own connection "
		       "to the server)\n  nat: "));
	seen.proxy[0] = '\0';

	/* and without the conditions: nothing done on the way */
	strcpy(sent.local, "10.0.2.1");
	sent.ttl = 63;
	sent.dscp = 0;
	sent.mss = 1300;
	sent.timestamps = 0;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  nat: none (10.0.2.1:40000)\n"));
	CHECK(has(buf, "  hops: 0 (ttl 63 sent, 63 seen)\n"));
	CHECK(has(buf, "  dscp: kept (cs0/0)\n"));
	CHECK(has(buf, "  mss: kept (1300)\n"));
	CHECK(has(buf, "  options: kept (mss wscale sack); others seen: kind 30,34\n"));
	CHECK(!has(buf, "translated") && !has(buf, "remarked") && !has(buf, "clamped") &&
	      !has(buf, "stripped"));

	/* the port rewritten too; the ECN request stripped; the MSS removed */
	sent.local_port = 41000;
	sent.ecn_setup = 1;
	seen.ecn_setup = 0;
	seen.mss = -1;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  nat: address kept, port changed (10.0.2.1:41000 seen as "
		       "10.0.2.1:40000)\n"));
	CHECK(has(buf,
		  "  ecn-setup: stripped (the SYN asked for ECN; ECE and CWR were cleared)\n"));
	CHECK(has(buf, "  mss: removed (1300 sent, none seen)\n"));
	CHECK(has(buf, "  options: stripped: mss (kept: wscale sack)"));
	/* what is not known is said so, never guessed */
	sent.ttl = -1;
	sent.mss = -1;
	sent.ecn_setup = -1;
	seen.dscp = -1;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  hops: unknown (ttl not known)\n"));
	CHECK(has(buf, "  dscp: unknown\n"));
	CHECK(has(buf, "  ecn-setup: unknown\n"));
	CHECK(has(buf, "  mss: unknown\n"));
	CHECK(has(buf, "  options: unknown\n"));
	/* a TTL that grew on the way is no hop count */
	sent.ttl = 60;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  hops: unknown (ttl 60 sent, 63 seen: raised on the way)\n"));
}

/* the destination: kept, translated (port forward), not known */
static void test_dnat(void)
{
	struct path_sent sent = tcp_sent();
	struct path_seen seen;
	char buf[PATH_TEXT_MAX];

	CHECK(parse(tcp_report, &seen) == 0);
	strcpy(seen.client, "10.0.1.2");
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  nat: none (10.0.1.2:40000)\n"));
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"dialled\":{\"address\":\"10.0.2.2\",\"port\":7001},"
		       "\"destination_translated\":false"));
	/* a port forward: 10.71.0.2:8080 dialled, 10.0.2.2:7001 reached */
	strcpy(sent.peer, "10.71.0.2");
	sent.peer_port = 8080;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  nat: destination translated: address changed, port changed "
		       "(10.71.0.2:8080 dialled, 10.0.2.2:7001 reached); source none "
		       "(10.0.1.2:40000)\n"));
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"destination_translated\":true"));
	/* the address only, and with the source translated too */
	sent.peer_port = 7001;
	strcpy(seen.client, "10.0.2.1");
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  nat: address translated, port kept (10.0.1.2:40000 seen as "
		       "10.0.2.1:40000); destination translated: address changed, port kept "
		       "(10.71.0.2:7001 dialled, 10.0.2.2:7001 reached)\n"));
	/* the server hides its address: not known, and not "none" */
	strcpy(seen.client, "10.0.1.2");
	seen.local[0] = '\0';
	seen.local_port = -1;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  nat: none at the source (10.0.1.2:40000); the destination unknown "
		       "(the server hides its address)\n"));
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"destination_translated\":null"));
}

/* the way back: the report's TTL, DSCP and ECN sent and as they came */

/* The way back's MSS: announced by the SYN-ACK against the one taken here
 * (below limit, the most this host's MTU lets it take; at half the window
 * the SYN-ACK offered, Linux's bound), and the verdict as text and JSON. */
struct mss_back_case {
	long announced, taken, limit;
	bool half_window;
	const char *text, *json, *json_why; /* json, json_why: NULL, not checked */
};
static const struct mss_back_case mss_back[] = {
	/* clamped on the way back */
	{1460, 1300, 1460, false, "  mss back: clamped (1460 sent, 1300 seen)\n",
	 "\"mss_back_sent\":1460,\"mss_back_seen\":1300,\"mss_back\":\"clamped\"", NULL},
	{1460, 1460, 1460, false, "  mss back: kept (1460)\n", NULL, NULL},
	/* announced more than this host's MTU lets it take: a clamp between
	 * the two would look the same */
	{8960, 1460, 1460, false,
	 "  mss back: unknown (8960 sent; this host's MTU lets it take no more than 1460)\n",
	 "\"mss_back_seen\":null,\"mss_back\":null,", NULL},
	/* taken more than announced */
	{1400, 1460, 1460, false, "  mss back: raised (1400 sent, 1460 seen)\n", NULL, NULL},
	/* loopback: 65,495 announced, 32,780 taken, which is half the window
	 * the SYN-ACK offered (Linux's bound), not a clamp: unknown, never
	 * "clamped" */
	{65495, 32780, 65495, true,
	 "  mss back: unknown (65495 sent; this host sends no more than half the window the SYN-ACK offered, which hides an MSS above that)\n",
	 "\"mss_back_seen\":null,\"mss_back\":null,",
	 "\"mss_back\":\"this host sends no more than half the window"},
	/* at half the window but as announced: kept all the same */
	{65495, 65495, 65495, true, "  mss back: kept (65495)\n", NULL, NULL},
};

static void test_back(void)
{
	struct path_sent sent = tcp_sent();
	struct path_seen seen;
	char buf[PATH_TEXT_MAX];

	CHECK(parse(udp_report, &seen) == 0);
	sent.udp = true;
	sent.size = 1472;
	sent.back_ttl = 61;
	sent.back_tos = 46 << 2;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  hops back: 3 (ttl 64 sent, 61 seen)\n  dscp back: kept (ef/46)\n"
		       "  ecn back: kept (not-ect)\n"));
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"ttl_back_sent\":64,\"ttl_back_seen\":61,\"hops_back\":3,"
		       "\"dscp_back_sent\":46,\"dscp_back_seen\":46,\"dscp_back\":\"kept\","
		       "\"ecn_back_sent\":\"not-ect\",\"ecn_back_seen\":\"not-ect\","
		       "\"ecn_back\":\"kept\""));
	/* remarked to CS1, ECN set to CE on the way back */
	seen.reply_ecn = 2;
	sent.back_tos = (8 << 2) | 3;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  dscp back: remarked (ef/46 sent, cs1/8 seen)\n"));
	CHECK(has(buf, "  ecn back: congestion experienced (ect0 sent, ce seen)\n"));
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"dscp_back\":\"remarked\"") &&
	      has(buf, "\"ecn_back\":\"congestion experienced\""));
	/* not read here, or not said by the server: unknown, with the reason */
	sent.back_ttl = sent.back_tos = -1;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  hops back: unknown (this host did not read the report's TTL)\n"
		       "  dscp back: unknown\n  ecn back: unknown\n"));
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"hops_back\":null,") && has(buf, "\"dscp_back\":null,") &&
	      has(buf, "\"hops_back\":\"this host did not read the report's TTL\""));
	seen.reply_ttl = seen.reply_dscp = seen.reply_ecn = -1;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  hops back: unknown (the server does not say what it sent the report "
		       "with)\n"));
	/* TCP: the SYN-ACK's MSS; a server that does not say it: unknown */
	CHECK(parse(tcp_report, &seen) == 0 && seen.reply_mss == -1);
	sent.udp = false;
	sent.back_mss = 1300;
	sent.back_mss_limit = 1460;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  mss back: unknown (the server does not say what its SYN-ACK "
		       "carried)\n"));
	CHECK(!has(buf, "hops back") && !has(buf, "dscp back"));
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"mss_back\":null,") &&
	      has(buf, "\"mss_back\":\"the server does not say what its SYN-ACK carried\""));
	/* the MSS announced against the one taken, each as text and JSON */
	for (size_t i = 0; i < sizeof mss_back / sizeof mss_back[0]; i++) {
		const struct mss_back_case *c = &mss_back[i];

		seen.reply_mss = c->announced;
		sent.back_mss = c->taken;
		sent.back_mss_limit = c->limit;
		sent.back_mss_window = c->half_window;
		path_text(buf, sizeof buf, &sent, &seen);
		CHECK(has(buf, c->text));
		path_json(buf, sizeof buf, &sent, &seen);
		CHECK(c->json == NULL || has(buf, c->json));
		CHECK(c->json_why == NULL || has(buf, c->json_why));
	}
	sent.back_mss = 1460;
	sent.back_mss_limit = 1460;
	sent.back_mss_window = false;
	seen.reply_mss = 1400;
	/* the SYN-ACK's window scale: not said, kept, stripped, none, added */
	sent.back_wscale = 7;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  wscale back: unknown\n"));
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"reply_wscale\":7}",
		    &seen) == 0 &&
	      seen.reply_wscale == 7);
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  wscale back: kept (7)\n"));
	sent.back_wscale = PATH_NONE;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  wscale back: stripped (7 sent, none seen)\n"));
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"wscale_back_sent\":7,\"wscale_back_seen\":null,"
		       "\"wscale_back\":\"stripped\""));
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"reply_wscale\":\"none\"}",
		    &seen) == 0 &&
	      seen.reply_wscale == PATH_NONE);
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  wscale back: none (the SYN-ACK carried none)\n"));
	sent.back_wscale = 5;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  wscale back: added (none sent, 5 seen)\n"));
	CHECK(parse("{\"version\":1,\"proto\":\"tcp\",\"client\":\"a\",\"client_port\":1,"
		    "\"reply_wscale\":\"other\"}",
		    &seen) == -1);
}

/* --hops: the trace as text and JSON; hops that did not answer */
static void test_trace(void)
{
	struct path_trace t = { .n = 4, .reached = 4, .exact = true };
	char buf[PATH_TEXT_MAX];

	t.hop[0] = (struct path_hop){ HOP_EXPIRED, 11, 0, "10.0.0.1" };
	t.hop[1] = (struct path_hop){ HOP_SILENT, 0, 0, "" };
	t.hop[2] = (struct path_hop){ HOP_EXPIRED, 11, 0, "10.0.2.1" };
	t.hop[3] = (struct path_hop){ HOP_REACHED, 0, 0, "10.0.3.1" };
	path_trace_text(buf, sizeof buf, &t, 0);
	CHECK_STR(buf, "hops there: 3 (routers; a ttl of 4 reaches the report service)\n"
		       "  hop 1: 10.0.0.1 (ICMP time exceeded (ttl exceeded in transit))\n"
		       "  hop 2: no answer\n"
		       "  hop 3: 10.0.2.1 (ICMP time exceeded (ttl exceeded in transit))\n"
		       "  hop 4: 10.0.3.1 (the report service)\n");
	path_trace_json(buf, sizeof buf, &t, 0);
	CHECK(has(buf, "\"hops_there\":3,\"hops_there_at_most\":3,\"trace\":[{\"hop\":1,\"answer\":\"time exceeded\","
		       "\"from\":\"10.0.0.1\",\"icmp\":\"time exceeded (ttl exceeded in "
		       "transit)\"},{\"hop\":2,\"answer\":\"none\",\"from\":null,\"icmp\":null},"));
	/* reached after a hop that did not answer: at most */
	t.hop[2] = (struct path_hop){ HOP_SILENT, 0, 0, "" };
	t.exact = false;
	path_trace_text(buf, sizeof buf, &t, 0);
	CHECK(has(buf, "hops there: at most 3 (routers; a ttl of 4 reaches the report service; hop 3 did not answer)\n"));
	path_trace_json(buf, sizeof buf, &t, 0);
	CHECK(has(buf, "\"hops_there\":null,\"hops_there_at_most\":3,"));
	/* not reached: the silent hops at the end said once, after the last
	 * that answered */
	t.reached = -1;
	t.n = 4;
	t.hop[1] = (struct path_hop){ HOP_SILENT, 0, 0, "" };
	t.hop[2] = (struct path_hop){ HOP_SILENT, 0, 0, "" };
	t.hop[3] = (struct path_hop){ HOP_SILENT, 0, 0, "" };
	path_trace_text(buf, sizeof buf, &t, 0);
	CHECK_STR(buf, "hops there: unknown (the report service was not reached)\n"
		       "  hop 1: 10.0.0.1 (ICMP time exceeded (ttl exceeded in transit))\n"
		       "  hop 2 on: no answer (the last that answered was hop 1, 10.0.0.1)\n");
	path_trace_json(buf, sizeof buf, &t, 0);
	CHECK(has(buf, "\"hops_there\":null,"));
}

static void test_udp_verdicts(void)
{
	struct path_sent sent = { 0 };
	struct path_seen seen;
	char buf[PATH_TEXT_MAX];

	sent.udp = sent.v6 = true;
	strcpy(sent.local, "2001:db8:1::2");
	sent.local_port = 40000;
	sent.ttl = 64;
	sent.dscp = 46;
	sent.ecn = 2;
	sent.size = 1472;
	sent.local_mtu = 9000;
	sent.ecn_setup = sent.wscale = sent.sack = sent.timestamps = -1;
	sent.mss = -1;
	CHECK(parse(udp_report, &seen) == 0);
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "udp [2001:db8:1::2]:40000 -> (the server hides its address)\n"));
	CHECK(has(buf, "  nat: address translated, port changed ([2001:db8:1::2]:40000 seen as "
		       "[2001:db8:2::1]:20011)\n"));
	CHECK(has(buf, "  hops: 2 (hop limit 64 sent, 62 seen)\n"));
	CHECK(has(buf, "  dscp: kept (ef/46)\n"));
	CHECK(has(buf, "  ecn: bleached (ect0 sent, not-ect seen)\n"));
	CHECK(has(buf, "  fragments: arrived in fragments of at most 1396 bytes (split on the way: "
		       "the 1472-byte datagram left whole)\n"));
	CHECK(!has(buf, "mss") && !has(buf, "options") && !has(buf, "ecn-setup"));
	/* this host's own MTU split it */
	sent.local_mtu = 1400;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  fragments: arrived in fragments of at most 1396 bytes (this host split "
		       "it: its cached path MTU to the server is 1400, the datagram 1472 bytes)\n"));
	/* whole; the ECN field kept, set, marked CE, changed */
	seen.fragment_size = 0;
	seen.ecn = 2;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  fragments: none (1472 bytes in one datagram)\n"));
	CHECK(has(buf, "  ecn: kept (ect0)\n"));
	seen.ecn = 3;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  ecn: congestion experienced (ect0 sent, ce seen)\n"));
	seen.ecn = 1;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  ecn: changed (ect0 sent, ect1 seen)\n"));
	sent.ecn = 0;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  ecn: set on the way (not-ect sent, ect1 seen)\n"));
	/* a link-local address with each side's own scope, and an IPv4-mapped
	 * one, are the same address */
	strcpy(sent.local, "fe80::1%2");
	strcpy(seen.client, "fe80::1%7");
	seen.client_port = 40000;
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  nat: none at the source ([fe80::1%2]:40000); the destination unknown "
		       "(the server hides its address)\n"));
	strcpy(sent.local, "192.0.2.1");
	strcpy(seen.client, "::ffff:192.0.2.1");
	path_text(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "  nat: none at the source (192.0.2.1:40000); "));
}

static void test_json(void)
{
	struct path_sent sent = tcp_sent();
	struct path_seen seen;
	struct path_mtu m = { .pmtu = 1400, .local_mtu = 1500, .icmp_mtu = -1, .black_hole = 1,
			      .low = 1400, .bound = 1500, .loss = 0, .probes = 20, .vanished = -1 };
	char buf[PATH_TEXT_MAX];
	size_t n;

	CHECK(parse(tcp_report, &seen) == 0);
	n = path_json(buf, sizeof buf, &sent, &seen);
	CHECK(n == strlen(buf));
	CHECK_STR(buf, "{\"local\":{\"address\":\"10.0.1.2\",\"port\":40000},"
		       "\"seen\":{\"address\":\"10.0.2.1\",\"port\":40000},"
		       "\"reached\":{\"address\":\"10.0.2.2\",\"port\":7001},\"proxy\":null,"
		       "\"nat\":\"source translated, port kept\",\"source_translated\":true,"
		       "\"port_preserved\":true,"
		       "\"dialled\":{\"address\":\"10.0.2.2\",\"port\":7001},"
		       "\"destination_translated\":false,\"ttl_sent\":64,\"ttl_seen\":63,"
		       "\"hops\":1,\"dscp_sent\":46,\"dscp_seen\":0,\"dscp\":\"remarked\","
		       "\"ecn_sent\":\"not-ect\",\"ecn_seen\":\"not-ect\",\"ecn\":\"kept\","
		       "\"ecn_setup_sent\":true,\"ecn_setup_seen\":true,\"ecn_setup\":\"kept\","
		       "\"mss_sent\":1460,\"mss_seen\":1300,\"mss\":\"clamped\","
		       "\"options_sent\":[\"mss\",\"wscale\",\"sack\",\"timestamps\"],"
		       "\"options_seen\":[\"mss\",\"wscale\",\"sack\"],\"options\":\"stripped\","
		       "\"mss_back_sent\":null,\"mss_back_seen\":null,\"mss_back\":null,"
		       "\"wscale_back_sent\":null,\"wscale_back_seen\":null,\"wscale_back\":null,"
		       "\"wscale_seen\":7,\"df_seen\":true,"
		       "\"unknown\":{\"mss_back\":\"the server does not say what its SYN-ACK "
		       "carried\",\"wscale_back\":\"the window scale the SYN-ACK carried or the "
		       "one taken is not known\"}}");
	/* the verdicts without the conditions */
	strcpy(sent.local, "10.0.2.1");
	sent.dscp = 0;
	sent.mss = 1300;
	sent.timestamps = 0;
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"nat\":\"none\",") && has(buf, "\"dscp\":\"kept\",") &&
	      has(buf, "\"mss\":\"kept\",") && has(buf, "\"options\":\"kept\","));
	sent.local_port = 41000;
	sent.ecn_setup = 0;
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"nat\":\"source port changed\",") &&
	      has(buf, "\"ecn_setup\":\"added\","));
	sent = tcp_sent();
	/* unknown is null, with the reason */
	sent.ttl = -1;
	sent.mss = -1;
	sent.ecn_setup = -1;
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"ttl_sent\":null,\"ttl_seen\":63,\"hops\":null,"));
	CHECK(has(buf, "\"mss_sent\":null,") && has(buf, "\"options_sent\":null,"));
	CHECK(has(buf, "\"mss\":null,") && has(buf, "\"options\":null,") &&
	      has(buf, "\"ecn_setup\":null,"));
	CHECK(has(buf, "\"unknown\":{\"hops\":\"the TTL sent is not known (the route could "
		       "not be read)\",\"ecn_setup\":\"what the SYN asked is not known"));
	CHECK(has(buf, "\"mss\":\"the MSS sent is not known\",\"options\":\"the options sent "
		       "are not known\","));
	/* UDP members */
	CHECK(parse(udp_report, &seen) == 0);
	sent.udp = true;
	sent.size = 1472;
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"reached\":null,"));
	CHECK(has(buf, "\"size\":1472,\"fragmented\":true,\"fragment_size\":1396,"
		       "\"fragments\":\"split on the way\","));
	/* the server hides its address: the destination, and so the NAT, unknown */
	CHECK(has(buf, "\"nat\":\"source translated, port changed; destination unknown\""));
	CHECK(!has(buf, "mss"));
	seen.fragment_size = 0;
	strcpy(seen.client, sent.local);
	seen.client_port = sent.local_port;
	path_json(buf, sizeof buf, &sent, &seen);
	CHECK(has(buf, "\"fragmented\":false,\"fragment_size\":null,\"fragments\":\"none\""));
	CHECK(has(buf, "\"nat\":null,") &&
	      has(buf, "\"nat\":\"no source translation; the server hides its address, so the "
		       "destination is not known\""));
	/* --pmtu */
	path_mtu_json(buf, sizeof buf, &m);
	CHECK_STR(buf, "\"pmtu\":1400,\"black_hole\":true,\"local_mtu\":1500,\"icmp_mtu\":null,"
		       "\"pmtu_low\":1400,\"pmtu_bound\":1500,\"probe_loss\":0,\"probes\":20,"
		       "\"vanished\":null,\"icmp_from\":[],\"black_hole_after\":null,"
		       "\"black_hole_after_unknown\":\"--hops locates it\",\"pmtu_unknown\":null");
	path_mtu_text(buf, sizeof buf, &m);
	CHECK(has(buf, "pmtu: 1400 (the largest packet that arrives; this host's interface MTU is "
		       "1500)\n"));
	CHECK(has(buf, "black-hole: yes (packets of 1401 to 1500 bytes vanish: no ICMP \"too big\" "
		       "comes back)\n"));
	CHECK(has(buf, "probe-loss: 0% (20 probes)\n"));
	/* a silent bottleneck behind one that sends ICMP */
	m.pmtu = m.low = 800;
	m.icmp_mtu = m.bound = 1000;
	path_mtu_text(buf, sizeof buf, &m);
	CHECK(has(buf, "black-hole: yes (packets of 801 to 1000 bytes vanish with no ICMP \"too big\" "
		       "for them; an ICMP named 1000 for larger ones)\n"));
	m = (struct path_mtu){ .pmtu = 1400, .local_mtu = 1500, .icmp_mtu = 1400, .black_hole = 0,
			       .low = 1400, .bound = 1400, .loss = -1, .vanished = -1 };
	path_mtu_text(buf, sizeof buf, &m);
	CHECK(has(buf, "pmtu: 1400 (the largest packet that arrives, as an ICMP \"too big\" said; "
		       "this host's interface MTU is 1500)\n"));
	CHECK(has(buf, "black-hole: no (ICMP \"too big\" names an MTU of 1400)\n"));
	CHECK(!has(buf, "probe-loss"));
	m = (struct path_mtu){ .pmtu = 1500, .local_mtu = 1500, .icmp_mtu = -1, .black_hole = 0,
			       .low = 1500, .bound = 1500, .loss = 10, .probes = 9,
			       .vanished = 1038 };
	path_mtu_text(buf, sizeof buf, &m);
	CHECK(has(buf, "pmtu: 1500 (every size up to this host's interface MTU arrives)\n"));
	CHECK(has(buf, "black-hole: no\n"));
	CHECK(has(buf, "vanished: 1038 bytes (lost every try while larger packets arrived"));
	/* unknown: the loss, never a number */
	m = (struct path_mtu){ .pmtu = -1, .local_mtu = 1500, .icmp_mtu = -1, .black_hole = -1,
			       .low = 1385, .bound = 1500, .loss = 45, .probes = 60,
			       .vanished = -1 };
	path_mtu_text(buf, sizeof buf, &m);
	CHECK(has(buf, "pmtu: unknown (45% loss: 1385 bytes arrive; larger, up to 1500, "
		       "undecided)\n"));
	CHECK(has(buf, "black-hole: unknown\n"));
	path_mtu_json(buf, sizeof buf, &m);
	CHECK(strstr(buf, "\"pmtu\":null,\"black_hole\":null,") == buf);
	CHECK(strstr(buf, "\"pmtu_unknown\":\"45% loss\"") != NULL);
	m.why = "out of time";
	path_mtu_text(buf, sizeof buf, &m);
	CHECK(has(buf, "pmtu: unknown (out of time: 1385 bytes arrive; larger, up to 1500, "
		       "undecided)\n"));
	/* a buffer too small: cut, terminated, never overrun */
	{
		char small[40];

		memset(small, 'x', sizeof small);
		n = path_json(small, 20, &sent, &seen);
		CHECK(n == 19 && small[19] == '\0' && small[20] == 'x');
	}
}

/* --pmtu with --hops: each ICMP "too big" matched to the hop that sent
 * "time exceeded" from its address; where the black hole sits, said as
 * "after" that hop, "unknown" when not located, nothing without one. */
static void test_mtu_where(void)
{
	struct path_mtu m = { .pmtu = 800, .local_mtu = 1500, .icmp_mtu = 1000, .black_hole = 1,
			      .low = 800, .bound = 1000, .loss = 0, .probes = 30, .vanished = -1,
			      .nicmp = 2, .hole_after = -1, .hole_next = -1 };
	struct path_trace t = { .n = 3, .reached = 3, .exact = true };
	char buf[2048];

	m.icmp[0] = (struct path_mtu_icmp){ 1000, "10.0.1.1", -1 };
	m.icmp[1] = (struct path_mtu_icmp){ 1200, "192.0.2.9", -1 };
	t.hop[0] = (struct path_hop){ HOP_EXPIRED, 11, 0, "10.0.1.1" };
	t.hop[1] = (struct path_hop){ HOP_EXPIRED, 11, 0, "10.0.2.2" };
	t.hop[2] = (struct path_hop){ HOP_REACHED, 0, 0, "10.0.3.2" };
	path_mtu_text(buf, sizeof buf, &m);
	CHECK(has(buf, "too-big: 1000 from 10.0.1.1 (which hop: --hops says)\n"));
	CHECK(has(buf, "black-hole after: unknown (--hops locates it)\n"));
	path_mtu_hops(&m, &t);
	CHECK(m.icmp[0].hop == 1 && m.icmp[1].hop == -1);
	m.hole_after = 2;
	strcpy(m.hole_from, "10.0.2.2");
	path_mtu_text(buf, sizeof buf, &m);
	CHECK(has(buf, "too-big: 1000 from 10.0.1.1 (hop 1)\ntoo-big: 1200 from 192.0.2.9 (hop "
		       "unknown: no hop of --hops answered from that address)\n"));
	CHECK(has(buf, "black-hole after: hop 2 10.0.2.2 (801-byte probes reach it, and vanish "
		       "after it)\n"));
	path_mtu_json(buf, sizeof buf, &m);
	CHECK(has(buf, "\"icmp_from\":[{\"mtu\":1000,\"from\":\"10.0.1.1\",\"hop\":1},{\"mtu\":"
		       "1200,\"from\":\"192.0.2.9\",\"hop\":null}],\"black_hole_after\":{\"hop\":2,"
		       "\"address\":\"10.0.2.2\",\"next_silent\":null},"
		       "\"black_hole_after_unknown\":null,"));
	m.hole_after = 1;
	m.hole_next = 2;
	path_mtu_text(buf, sizeof buf, &m);
	CHECK(has(buf, "vanish after it; hop 2, which answered smaller ones, did not answer them "
		       "in 2 tries)\n"));
	m.hole_after = -1;
	m.hole_why = "no router answered --hops";
	path_mtu_json(buf, sizeof buf, &m);
	CHECK(has(buf, "\"black_hole_after\":null,\"black_hole_after_unknown\":\"no router "
		       "answered --hops\","));
	/* no black hole: nothing located, nothing unknown */
	m.black_hole = 0;
	path_mtu_text(buf, sizeof buf, &m);
	CHECK(!has(buf, "black-hole after"));
	path_mtu_json(buf, sizeof buf, &m);
	CHECK(has(buf, "\"black_hole_after\":null,\"black_hole_after_unknown\":null,"));
}

static void test_dscp(void)
{
	int d = -1;

	CHECK(path_dscp_parse("EF", &d) == 0 && d == 46);
	CHECK(path_dscp_parse("af41", &d) == 0 && d == 34);
	CHECK(path_dscp_parse("Cs1", &d) == 0 && d == 8);
	CHECK(path_dscp_parse("le", &d) == 0 && d == 1);
	CHECK(path_dscp_parse("0", &d) == 0 && d == 0);
	CHECK(path_dscp_parse("63", &d) == 0 && d == 63);
	CHECK(path_dscp_parse("64", &d) == -1);
	CHECK(path_dscp_parse("-1", &d) == -1);
	CHECK(path_dscp_parse("af44", &d) == -1);
	CHECK(path_dscp_parse("", &d) == -1);
	CHECK(path_dscp_parse("4x", &d) == -1);
	CHECK_STR(path_dscp_name(46), "ef");
	CHECK_STR(path_dscp_name(10), "af11");
	CHECK(path_dscp_name(3) == NULL);
	CHECK_STR(path_ecn_name(3), "ce");
	CHECK_STR(path_ecn_name(-1), "unknown");
}

static void test_icmp(void)
{
	CHECK_STR(icmp_name(false, 11, 0), "time exceeded (ttl exceeded in transit)");
	CHECK_STR(icmp_name(true, 3, 0), "time exceeded (hop limit exceeded in transit)");
	CHECK_STR(icmp_name(false, 3, 3), "destination unreachable (port unreachable)");
	CHECK_STR(icmp_name(true, 1, 1),
		  "destination unreachable (administratively prohibited)");
	/* a code it does not know: the type's name; a type it does not know */
	CHECK_STR(icmp_name(false, 3, 77), "destination unreachable");
	CHECK_STR(icmp_name(false, 200, 0), "error");
	/* the families' numbers are not mixed up */
	CHECK_STR(icmp_name(true, 11, 0), "error");
	CHECK(icmp_refused(false, 3, 3) && icmp_refused(true, 1, 4));
	CHECK(!icmp_refused(false, 3, 1) && !icmp_refused(true, 3, 3));
	CHECK(icmp_expired(false, 11) && icmp_expired(true, 3));
	CHECK(!icmp_expired(false, 3) && !icmp_expired(true, 11));
}

/* A reason as a JSON string: quotes, backslashes and control or non-ASCII
 * bytes escaped; NULL is null. */
static void test_json_text(void)
{
	char buf[64];
	struct outbuf o;

	outbuf_start(&o, buf, sizeof buf);
	path_json_text(&o, "a \"b\" c\\d\n\x7f\xc3");
	CHECK(strcmp(buf, "\"a \\\"b\\\" c\\\\d\\u000a\\u007f\\u00c3\"") == 0);
	outbuf_start(&o, buf, sizeof buf);
	path_json_text(&o, NULL);
	CHECK(strcmp(buf, "null") == 0);
}

int main(void)
{
	test_json_text();
	test_mtu_where();
	test_icmp();
	test_dnat();
	test_back();
	test_trace();
	test_parse();
	test_tcp_verdicts();
	test_udp_verdicts();
	test_json();
	test_dscp();
	return unit_done("unit_pathreport");
}
