/* unit_acl: access lists (src/daemon/acl.c): the rule (the most specific entry
 * wins, deny at a tie, an allow list denies the rest) at its edges (/0,
 * /32, /128, IPv4-mapped clients and entries), the entries refused, and
 * 10,000 random prefixes checked against a plain scan of the same rule. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "unit.h"

static struct acl *build(const char *allow, const char *deny)
{
	struct acl *a = acl_new();
	char err[128];

	CHECK(a != NULL);
	if (allow != NULL)
		CHECK(acl_add_list(a, allow, strlen(allow), ACL_ALLOW, err, sizeof err) == 0);
	if (deny != NULL)
		CHECK(acl_add_list(a, deny, strlen(deny), ACL_DENY, err, sizeof err) == 0);
	CHECK(acl_finish(a) == 0);
	return a;
}

static enum acl_verdict check(const struct acl *a, const char *addr)
{
	struct sockaddr_storage ss = unit_addr(addr, 1, NULL);

	return acl_check(a, (struct sockaddr *)&ss);
}

/* the address as an IPv4-mapped IPv6 client, as a dual-stack socket sees it */
static enum acl_verdict check_mapped(const struct acl *a, const char *v4)
{
	char mapped[64];

	snprintf(mapped, sizeof mapped, "::ffff:%s", v4);
	return check(a, mapped);
}

static void test_rule(void)
{
	struct acl *a;

	/* no list: everyone */
	CHECK(acl_check(NULL, (struct sockaddr *)&(struct sockaddr_storage){ 0 }) == ACL_ALLOW);
	a = build(NULL, NULL);
	CHECK(check(a, "192.0.2.1") == ACL_ALLOW && check(a, "2001:db8::1") == ACL_ALLOW);
	acl_free(a);
	/* deny alone: the rest is allowed */
	a = build(NULL, "192.0.2.0/24, 2001:db8::/32");
	CHECK(check(a, "192.0.2.7") == ACL_DENY);
	CHECK(check(a, "192.0.3.7") == ACL_ALLOW);
	CHECK(check(a, "2001:db8:1::1") == ACL_DENY);
	CHECK(check(a, "2001:db9::1") == ACL_ALLOW);
	CHECK(check_mapped(a, "192.0.2.7") == ACL_DENY);       /* a mapped client is IPv4 */
	acl_free(a);
	/* allow alone: the rest is denied, of both families */
	a = build("10.0.0.0/8", NULL);
	CHECK(check(a, "10.1.2.3") == ACL_ALLOW);
	CHECK(check(a, "11.0.0.1") == ACL_DENY);
	CHECK(check(a, "2001:db8::1") == ACL_DENY);
	CHECK(check_mapped(a, "10.9.9.9") == ACL_ALLOW);
	CHECK(check_mapped(a, "9.9.9.9") == ACL_DENY);
	acl_free(a);
	/* the most specific wins, either way */
	a = build("10.0.0.0/8 10.1.2.0/24", "10.1.0.0/16 10.1.2.3");
	CHECK(check(a, "10.9.0.1") == ACL_ALLOW);       /* /8 allow */
	CHECK(check(a, "10.1.9.1") == ACL_DENY);        /* /16 deny beats /8 */
	CHECK(check(a, "10.1.2.4") == ACL_ALLOW);       /* /24 allow beats /16 */
	CHECK(check(a, "10.1.2.3") == ACL_DENY);        /* /32 deny beats /24 */
	acl_free(a);
	/* an allow list with no entry (an empty file): everyone denied */
	a = acl_new();
	acl_allow_list(a);
	CHECK(acl_finish(a) == 0);
	CHECK(check(a, "192.0.2.1") == ACL_DENY && check(a, "::1") == ACL_DENY);
	acl_free(a);
	/* the same prefix in both lists: deny */
	a = build("192.0.2.0/24", "192.0.2.0/24");
	CHECK(check(a, "192.0.2.1") == ACL_DENY);
	CHECK(acl_entries(a) == 1);
	acl_free(a);
	/* /0 and the longest prefixes */
	a = build("0.0.0.0/0", "192.0.2.1/32");
	CHECK(check(a, "192.0.2.1") == ACL_DENY && check(a, "192.0.2.2") == ACL_ALLOW);
	CHECK(check(a, "255.255.255.255") == ACL_ALLOW && check(a, "0.0.0.0") == ACL_ALLOW);
	CHECK(check(a, "::1") == ACL_DENY);     /* IPv4's /0 is not IPv6's */
	acl_free(a);
	a = build("::/0", "2001:db8::1/128");
	CHECK(check(a, "2001:db8::1") == ACL_DENY && check(a, "2001:db8::2") == ACL_ALLOW);
	CHECK(check(a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == ACL_ALLOW);
	CHECK(check(a, "192.0.2.1") == ACL_DENY);       /* ... nor IPv4's */
	acl_free(a);
	/* an IPv4-mapped entry is its IPv4 network */
	a = build("::ffff:192.0.2.0/120", NULL);
	CHECK(check(a, "192.0.2.9") == ACL_ALLOW && check_mapped(a, "192.0.2.9") == ACL_ALLOW);
	CHECK(check(a, "192.0.3.9") == ACL_DENY);
	acl_free(a);
	/* prefixes of lengths that cross the 64-bit halves */
	a = build("2001:db8:0:1::/64 2001:db8:0:1:8000::/65 2001:db8::/63", NULL);
	CHECK(check(a, "2001:db8:0:1::1") == ACL_ALLOW);
	CHECK(check(a, "2001:db8:0:1:8000::1") == ACL_ALLOW);
	CHECK(check(a, "2001:db8:0:0:ffff::1") == ACL_ALLOW);   /* /63 */
	CHECK(check(a, "2001:db8:0:2::1") == ACL_DENY);
	acl_free(a);
}

static void test_entries(void)
{
	struct acl *a = acl_new();
	char err[128];

#define BAD(text, want)                                                                \
	do {                                                                           \
		CHECK(acl_add(a, text, strlen(text), ACL_ALLOW, err, sizeof err) == -1); \
		CHECK_STR(err, want);                                                  \
	} while (0)
	BAD("192.0.2.1/24", "\"192.0.2.1/24\" has bits set past its prefix length (192.0.2.0/24?)");
	BAD("2001:db8::1/32",
	    "\"2001:db8::1/32\" has bits set past its prefix length (2001:db8::/32?)");
	BAD("192.0.2.0/33", "\"33\": the prefix length is a number from 0 to 32");
	BAD("2001:db8::/129", "\"129\": the prefix length is a number from 0 to 128");
	BAD("192.0.2.0/", "\"\": the prefix length is a number from 0 to 32");
	BAD("192.0.2.0/-1", "\"-1\": the prefix length is a number from 0 to 32");
	BAD("192.0.2.0/8x", "\"8x\": the prefix length is a number from 0 to 32");
	BAD("example.com", "\"example.com\" is not an IPv4 or IPv6 address");
	BAD("192.0.2", "\"192.0.2\" is not an IPv4 or IPv6 address");
	BAD("::ffff:0:0/80", "an IPv4-mapped prefix is at least /96");
	BAD("10.0.0.\x1b[2J", "\"10.0.0.\\x1b[2J\" is not an IPv4 or IPv6 address"); /* escaped */
	CHECK(acl_add(a, "", 0, ACL_ALLOW, err, sizeof err) == -1);
	CHECK(acl_add(a, "1.2.3.4\0", 8, ACL_ALLOW, err, sizeof err) == -1);
	/* a list: commas and blanks; a bad entry named */
	{
		const char *list = " 192.0.2.0/24,,2001:db8::/32\t10.0.0.1 ";
		const char *bad = "10.0.0.0/8, bogus, 11.0.0.0/8";

		CHECK(acl_add_list(a, list, strlen(list), ACL_ALLOW, err, sizeof err) == 0);
		CHECK(acl_add_list(a, bad, strlen(bad), ACL_ALLOW, err, sizeof err) == -1);
	}
	CHECK_STR(err, "\"bogus\" is not an IPv4 or IPv6 address");
	CHECK(acl_finish(a) == 0);
	CHECK(acl_entries(a) == 4);     /* and 10.0.0.0/8, added before bogus */
	acl_free(a);
	/* at most ACL_ENTRIES_MAX */
	a = acl_new();
	for (long i = 0; i < ACL_ENTRIES_MAX; i++) {
		char e[32];
		int n = snprintf(e, sizeof e, "10.%ld.%ld.%ld", i >> 16 & 255, i >> 8 & 255,
				 i & 255);

		if (acl_add(a, e, (size_t)n, ACL_DENY, err, sizeof err) < 0) {
			CHECK(!"an entry under the limit refused");
			break;
		}
	}
	CHECK(acl_add(a, "11.0.0.1", 8, ACL_DENY, err, sizeof err) == -1);
	CHECK_STR(err, "more than 100000 entries in one list");
	acl_free(a);
#undef BAD
}

/* --- against a plain scan of the same rule ------------------------------- */

struct ref {
	unsigned char addr[16];
	int len;                        /* of 128 bits */
	bool v4;                        /* IPv4 entries match IPv4 clients only, IPv6 IPv6 */
	bool deny;
};

static bool ref_match(const struct ref *r, const unsigned char *a, bool v4)
{
	int full = r->len / 8, rest = r->len % 8;

	if (r->v4 != v4 || memcmp(r->addr, a, (size_t)full) != 0)
		return false;
	return rest == 0 || ((r->addr[full] ^ a[full]) & (0xff << (8 - rest))) == 0;
}

static enum acl_verdict ref_check(const struct ref *refs, size_t n, const unsigned char *a,
				  bool v4, bool any_allow)
{
	int best = -1;
	bool deny = false;

	for (size_t i = 0; i < n; i++)
		if (ref_match(&refs[i], a, v4) && (refs[i].len > best || (refs[i].len == best &&
								     refs[i].deny))) {
			best = refs[i].len;
			deny = refs[i].deny;
		}
	if (best < 0)
		return any_allow ? ACL_DENY : ACL_ALLOW;
	return deny ? ACL_DENY : ACL_ALLOW;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_random(void)
{
	enum { N = 10000, LOOKUPS = 20000 };
	struct ref *refs = calloc(N, sizeof *refs);
	struct acl *a = acl_new();
	char err[128];
	size_t mismatches = 0;

	/* addresses from a small space so that lookups hit entries often */
	for (size_t i = 0; i < N; i++) {
		bool v4 = next() % 2 == 0;
		int len = v4 ? 96 + (int)(next() % 33) : (int)(next() % 129);
		char text[80], host[INET6_ADDRSTRLEN];

		memset(refs[i].addr, 0, 16);
		if (v4)
			memcpy(refs[i].addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		else
			refs[i].addr[0] = 0x20, refs[i].addr[1] = 0x01;
		for (int b = v4 ? 12 : 2; b < 16; b++)
			refs[i].addr[b] = (unsigned char)(next() % 4);
		/* mask to len */
		for (int bit = len; bit < 128; bit++)
			refs[i].addr[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
		refs[i].len = len;
		refs[i].v4 = v4;
		refs[i].deny = next() % 3 == 0;
		if (v4)
			inet_ntop(AF_INET, refs[i].addr + 12, host, sizeof host);
		else
			inet_ntop(AF_INET6, refs[i].addr, host, sizeof host);
		snprintf(text, sizeof text, "%s/%d", host, v4 ? len - 96 : len);
		CHECK(acl_add(a, text, strlen(text), refs[i].deny ? ACL_DENY : ACL_ALLOW, err,
			      sizeof err) == 0);
	}
	CHECK(acl_finish(a) == 0);
	for (size_t i = 0; i < LOOKUPS; i++) {
		bool v4 = next() % 2 == 0;
		struct sockaddr_storage ss = { 0 };
		unsigned char addr[16] = { 0 };

		if (v4)
			memcpy(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		else
			addr[0] = 0x20, addr[1] = 0x01;
		for (int b = v4 ? 12 : 2; b < 16; b++)
			addr[b] = (unsigned char)(next() % 4);
		if (v4) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;

			in->sin_family = AF_INET;
			memcpy(&in->sin_addr, addr + 12, 4);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

			in6->sin6_family = AF_INET6;
			memcpy(&in6->sin6_addr, addr, 16);
		}
		if (acl_check(a, (struct sockaddr *)&ss) != ref_check(refs, N, addr, v4, true))
			mismatches++;
	}
	CHECK(mismatches == 0);
	acl_free(a);
	free(refs);
}

int main(void)
{
	test_rule();
	test_entries();
	test_random();
	return unit_done("unit_acl");
}
