/* unit_report: the path report (src/lib/report.c): the log fields and the
 * JSON of a TCP report from a parsed SYN, the JSON of a UDP report, and a
 * datagram's facts read from control messages as the kernel writes them. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "unit.h"

/* 192.0.2.1:40000 -> 198.51.100.7:50001, TOS 0xb9 (EF, ECT(1)), TTL 57,
 * DF, MSS 1300, window scale 7, SACK, timestamps, ECE and CWR */
static const unsigned char syn[] = {
	0x45, 0xb9, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x39, 0x06, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40, 0xc3, 0x51,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xa0, 0xc2, 0x72, 0x10,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0x14, 0x04, 0x02, 0x08, 0x0a,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static void test_tcp(void)
{
	struct syn_facts f;
	struct sockaddr_storage client = unit_addr("192.0.2.1", 40000, NULL);
	struct sockaddr_storage local = unit_addr("198.51.100.7", 50001, NULL);
	char buf[REPORT_JSON_MAX];
	size_t n;

	CHECK(synparse(syn, sizeof syn, &f) == SYN_OK);
	n = report_syn_fields(buf, sizeof buf, &f);
	CHECK_STR(buf, "ttl=57 dscp=46 ecn=ect1 ecn_setup=yes df=yes win=29200 mss=1300 wscale=7 "
		       "sack=yes ts=yes");
	CHECK(n == strlen(buf));
	n = report_tcp_json(buf, sizeof buf, &f, (struct sockaddr *)&client,
			    sizeof(struct sockaddr_in), (struct sockaddr *)&local,
			    sizeof(struct sockaddr_in), NULL, 0, &(struct report_synack){ 1460, 7 });
	CHECK_STR(
		buf,
		"{\"version\":1,\"proto\":\"tcp\",\"client\":\"192.0.2.1\",\"client_port\":40000,"
		"\"local\":\"198.51.100.7\",\"local_port\":50001,"
		"\"proxy\":null,\"proxy_port\":null,"
		"\"ttl\":57,\"dscp\":46,\"ecn\":\"ect1\","
		"\"df\":true,\"flow_label\":null,\"ecn_setup\":true,\"window\":29200,\"mss\":1300,"
		"\"wscale\":7,\"sack\":true,\"timestamps\":true,"
		"\"other_options\":[],\"ip_options\":0,\"reply_mss\":1460,\"reply_wscale\":7}\n");
	CHECK(n == strlen(buf) && buf[n - 1] == '\n');
	/* the local address left out; a SYN that could not be read */
	report_tcp_json(buf, sizeof buf, NULL, (struct sockaddr *)&client,
			sizeof(struct sockaddr_in), NULL, 0, NULL, 0, NULL);
	CHECK(strstr(buf, "\"ip_options\":null,\"reply_mss\":null,\"reply_wscale\":null}\n") !=
	      NULL);
	CHECK(strstr(buf, "\"local\":null,\"local_port\":null,\"proxy\":null,\"proxy_port\":null,"
			  "\"ttl\":null,") != NULL);
	CHECK(strstr(buf, "\"mss\":null,") != NULL);
	/* through a proxy: its address beside the client's */
	report_tcp_json(buf, sizeof buf, &f, (struct sockaddr *)&client,
			sizeof(struct sockaddr_in), NULL, 0, (struct sockaddr *)&local,
			sizeof(struct sockaddr_in), &(struct report_synack){ 1400, REPORT_NONE });
	CHECK(strstr(buf, "\"reply_mss\":1400,\"reply_wscale\":\"none\"}\n") != NULL);
	CHECK(strstr(buf, "\"client\":\"192.0.2.1\",\"client_port\":40000,\"local\":null,"
			  "\"local_port\":null,\"proxy\":\"198.51.100.7\",\"proxy_port\":50001,") !=
	      NULL);
	/* options stripped: no MSS, no window scale; other kinds listed */
	f.mss = -1;
	f.wscale = -1;
	f.nother = 2;
	f.other[0] = 30;
	f.other[1] = 34;
	report_syn_fields(buf, sizeof buf, &f);
	CHECK_STR(buf, "ttl=57 dscp=46 ecn=ect1 ecn_setup=yes df=yes win=29200 sack=yes ts=yes "
		       "opts=30,34");
	report_tcp_json(buf, sizeof buf, &f, (struct sockaddr *)&client, sizeof(struct sockaddr_in),
			NULL, 0, NULL, 0, NULL);
	CHECK(strstr(buf, "\"mss\":null,\"wscale\":null,") != NULL &&
	      strstr(buf, "\"other_options\":[30,34]"));
	/* a small buffer: cut, terminated, never overrun */
	for (size_t size = 0; size < 40; size++) {
		char small[41];

		memset(small, 'Z', sizeof small);
		n = report_tcp_json(small, size, &f, (struct sockaddr *)&client,
				    sizeof(struct sockaddr_in), NULL, 0, NULL, 0, &(struct report_synack){ 1460, 7 });
		CHECK(small[size] == 'Z' && (size == 0 || (n < size && small[n] == '\0')));
	}
}

static void test_udp(void)
{
	union {
		struct cmsghdr align;
		char buf[256];
	} control;
	struct msghdr m = { .msg_control = control.buf, .msg_controllen = sizeof control.buf };
	struct cmsghdr *c;
	struct in_pktinfo pi = { .ipi_ifindex = 2 };
	struct dgram_facts f;
	struct sockaddr_storage client = unit_addr("2001:db8::9", 33000, NULL);
	char buf[REPORT_JSON_MAX];
	int ttl = 61, frag = 1400;
	unsigned char tos = 0x03;

	memset(&control, 0, sizeof control);
	inet_pton(AF_INET, "10.0.0.1", &pi.ipi_spec_dst);
	inet_pton(AF_INET, "10.0.0.255", &pi.ipi_addr);         /* a broadcast: not ours */
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TTL;
	c->cmsg_len = CMSG_LEN(sizeof ttl);
	memcpy(CMSG_DATA(c), &ttl, sizeof ttl);
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_TOS;
	c->cmsg_len = CMSG_LEN(1);                              /* one byte, as Linux writes it */
	memcpy(CMSG_DATA(c), &tos, 1);
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof pi);
	memcpy(CMSG_DATA(c), &pi, sizeof pi);
	c = CMSG_NXTHDR(&m, c);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_RECVFRAGSIZE;
	c->cmsg_len = CMSG_LEN(sizeof frag);
	memcpy(CMSG_DATA(c), &frag, sizeof frag);
	m.msg_controllen = (size_t)((char *)c + CMSG_SPACE(sizeof frag) - control.buf);
	report_dgram_facts(&m, 50001, &f);
	CHECK(f.ttl == 61 && f.tos == 3 && f.frag_size == 1400 && f.have_local);
	CHECK(f.local.ss.ss_family == AF_INET && net_port((struct sockaddr *)&f.local.ss) == 50001);
	report_dgram_fields(buf, sizeof buf, &f);
	CHECK_STR(buf, "ttl=61 dscp=0 ecn=ce frag=1400");
	report_udp_json(buf, sizeof buf, &f, 1472, (struct sockaddr *)&client,
			sizeof(struct sockaddr_in6), (struct sockaddr *)&f.local.ss, f.local.len);
	CHECK_STR(
		buf,
		"{\"version\":1,\"proto\":\"udp\",\"client\":\"2001:db8::9\",\"client_port\":33000,"
		"\"local\":\"10.0.0.1\",\"local_port\":50001,\"ttl\":61,\"dscp\":0,\"ecn\":\"ce\","
		"\"size\":1472,\"fragment_size\":1400,"
		"\"reply_ttl\":64,\"reply_dscp\":0,\"reply_ecn\":\"ce\"}\n");
	/* no control messages: nothing known, and said so */
	m.msg_controllen = 0;
	report_dgram_facts(&m, 1, &f);
	CHECK(f.ttl == -1 && f.tos == -1 && f.frag_size == 0 && !f.have_local);
	report_dgram_fields(buf, sizeof buf, &f);
	CHECK_STR(buf, "");
	report_udp_json(buf, sizeof buf, &f, 9, (struct sockaddr *)&client,
			sizeof(struct sockaddr_in6), NULL, 0);
	CHECK(strstr(buf,
		     "\"ttl\":null,\"dscp\":null,\"ecn\":null,"
		     "\"size\":9,\"fragment_size\":null,"
		     "\"reply_ttl\":64,\"reply_dscp\":null,\"reply_ecn\":null}") !=
	      NULL);
	/* a --pmtu probe: its session's probes that arrived, from the first */
	{
		struct probemem_view v = { .first = 3, .bits = { 0x05, [15] = 0x80 } };

		f.session = &v;
		report_udp_json(buf, sizeof buf, &f, 548, (struct sockaddr *)&client,
				sizeof(struct sockaddr_in6), NULL, 0);
		CHECK(strstr(buf, "\"session_first\":3,\"session_seen\":"
				  "\"05000000000000000000000000000080\",\"size\":548,") != NULL);
		/* it fits a probe of the smallest IPv4 MTU --pmtu meets (552) */
		CHECK(strlen(buf) + REPORT_MARGIN <= 552 - 28);
	}
}

int main(void)
{
	test_tcp();
	test_udp();
	return unit_done("unit_report");
}
