/* unit_route: the reply to an RTM_GETROUTE read back (src/lib/route.c): a
 * route's hoplimit and "features ecn" found in its metrics, the interface
 * it leaves by, a route
 * without them, an error, and truncated or hostile replies refused. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>

#include "route.h"
#include "unit.h"

struct msg {
	_Alignas(struct nlmsghdr) char buf[512];
	size_t len;
};

static struct rtattr *attr(struct msg *m, int type, const void *data, size_t n)
{
	struct rtattr *a = (struct rtattr *)(m->buf + m->len);

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	if (data != NULL)
		memcpy(RTA_DATA(a), data, n);
	m->len += RTA_SPACE(n);
	return a;
}

/* An RTM_NEWROUTE with RTA_METRICS holding the metrics given (0: left out). */
static void route(struct msg *m, uint32_t hoplimit, uint32_t features)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
	struct rtattr *nest;
	uint32_t table = 254;

	memset(m, 0, sizeof *m);
	h->nlmsg_type = RTM_NEWROUTE;
	m->len = NLMSG_LENGTH(sizeof(struct rtmsg));
	attr(m, RTA_TABLE, &table, sizeof table);
	nest = attr(m, RTA_METRICS, NULL, 0);
	if (hoplimit > 0)
		attr(m, RTAX_HOPLIMIT, &hoplimit, sizeof hoplimit);
	if (features > 0)
		attr(m, RTAX_FEATURES, &features, sizeof features);
	nest->rta_len = (unsigned short)((char *)m->buf + m->len - (char *)nest);
	h->nlmsg_len = (uint32_t)m->len;
}

static void test_parse(void)
{
	struct route_facts rf;
	struct msg m;

	route(&m, 20, RTAX_FEATURE_ECN);
	CHECK(route_parse(m.buf, m.len, &rf) == 0 && rf.hoplimit == 20 && rf.ecn == 1);
	CHECK(rf.oif == 0);
	/* the interface it leaves by */
	{
		uint32_t oif = 7;

		attr(&m, RTA_OIF, &oif, sizeof oif);
		((struct nlmsghdr *)m.buf)->nlmsg_len = (uint32_t)m.len;
		CHECK(route_parse(m.buf, m.len, &rf) == 0 && rf.oif == 7 && rf.hoplimit == 20);
	}
	route(&m, 0, 0);
	CHECK(route_parse(m.buf, m.len, &rf) == 0 && rf.hoplimit == 0 && rf.ecn == 0);
	/* other features, not ECN */
	route(&m, 255, RTAX_FEATURE_SACK);
	CHECK(route_parse(m.buf, m.len, &rf) == 0 && rf.hoplimit == 255 && rf.ecn == 0);
	/* a hoplimit no TTL can hold is not taken */
	route(&m, 256, 0);
	CHECK(route_parse(m.buf, m.len, &rf) == 0 && rf.hoplimit == 0);
}

static void test_refused(void)
{
	struct route_facts rf;
	struct msg m;
	struct nlmsghdr *h = (struct nlmsghdr *)m.buf;
	struct nlmsgerr e = { .error = -ENETUNREACH };

	/* an error: its errno */
	memset(&m, 0, sizeof m);
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_len = NLMSG_LENGTH(sizeof e);
	memcpy(NLMSG_DATA(h), &e, sizeof e);
	errno = 0;
	CHECK(route_parse(m.buf, h->nlmsg_len, &rf) == -1 && errno == ENETUNREACH);
	/* an error message too short for its error */
	h->nlmsg_len = NLMSG_LENGTH(2);
	CHECK(route_parse(m.buf, h->nlmsg_len, &rf) == -1 && errno == EBADMSG);
	/* nothing, or cut anywhere: refused or read within its bytes */
	CHECK(route_parse(m.buf, 0, &rf) == -1);
	route(&m, 20, RTAX_FEATURE_ECN);
	for (size_t cut = 0; cut < m.len; cut++)
		CHECK(route_parse(m.buf, cut, &rf) == -1);
	/* a metric that says it is longer than its nest: not read past */
	route(&m, 20, 0);
	((struct rtattr *)(m.buf + m.len - RTA_SPACE(4)))->rta_len = 200;
	CHECK(route_parse(m.buf, m.len, &rf) == 0 && rf.hoplimit == 0);
	/* a message of another type only */
	route(&m, 20, 0);
	h->nlmsg_type = RTM_NEWLINK;
	CHECK(route_parse(m.buf, m.len, &rf) == -1 && errno == EBADMSG);
}

int main(void)
{
	test_parse();
	test_refused();
	return unit_done("unit_route");
}
