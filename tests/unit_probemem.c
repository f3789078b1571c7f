/* unit_probemem: the report service's memory of --pmtu probes: the tag
 * read from untrusted payloads, the table's bounds, expiry and eviction,
 * and the bits as hex. */
#include "probemem.h"

#include <inttypes.h>

#include "unit.h"

static bool bit(const struct probemem_view *v, unsigned i)
{
	return (v->bits[i / 8] >> (i % 8)) & 1;
}

static void test_tag(void)
{
	char buf[PROBEMEM_TAG_MAX + 16], big[700];
	uint64_t s = 0;
	unsigned n = 0;
	size_t len = probemem_tag(buf, sizeof buf, 0x0123456789abcdefULL, 127);

	CHECK_STR(buf, "netecho pmtu probe s=0123456789abcdef n=127 ");
	CHECK(len == strlen(buf) && len <= PROBEMEM_TAG_MAX);
	CHECK(probemem_parse(buf, len, &s, &n) == 0 && s == 0x0123456789abcdefULL && n == 127);
	/* within padding, as a probe carries it */
	memset(big, '.', sizeof big);
	memcpy(big, buf, len);
	CHECK(probemem_parse(big, sizeof big, &s, &n) == 0 && n == 127);
	/* cut anywhere: no tag, nothing read beyond */
	for (size_t i = 0; i < len; i++)
		CHECK(probemem_parse(buf, i, &s, &n) == -1);
	/* not a tag */
	CHECK(probemem_parse("netecho path probe: padding", 27, &s, &n) == -1);
	CHECK(probemem_parse("netecho pmtu probe s=0123456789abcdeF n=1 ", 42, &s, &n) == -1);
	CHECK(probemem_parse("netecho pmtu probe s=0123456789abcde n=1  ", 42, &s, &n) == -1);
	CHECK(probemem_parse("netecho pmtu probe s=0123456789abcdef n=128 ", 44, &s, &n) == -1);
	CHECK(probemem_parse("netecho pmtu probe s=0123456789abcdef n=0001 ", 45, &s, &n) == -1);
	CHECK(probemem_parse("netecho pmtu probe s=0123456789abcdef n= ", 41, &s, &n) == -1);
	CHECK(probemem_parse("netecho pmtu probe s=0123456789abcdef n=12x", 43, &s, &n) == -1);
	CHECK(probemem_parse("", 0, &s, &n) == -1);
}

static void test_table(void)
{
	struct probemem *m = probemem_new(1, 2);
	struct sockaddr_storage a = unit_addr("10.0.0.1", 1000, NULL);
	struct sockaddr_storage a2 = unit_addr("10.0.0.1", 2000, NULL);
	struct sockaddr_storage b = unit_addr("2001:db8::1", 1000, NULL);
	struct probemem_view v;
	char hex[PROBEMEM_HEX_LEN + 1];
	uint8_t bits[PROBEMEM_SEQS / 8];

	CHECK(m != NULL);
	if (m == NULL)
		return;
	probemem_note(m, (struct sockaddr *)&a, 7, 0, 10.0, &v);
	CHECK(v.first == 0 && bit(&v, 0) && !bit(&v, 1));
	probemem_note(m, (struct sockaddr *)&a, 7, 2, 10.1, &v);
	CHECK(v.first == 0 && bit(&v, 0) && !bit(&v, 1) && bit(&v, 2));
	/* the same address from another port: the same client */
	probemem_note(m, (struct sockaddr *)&a2, 7, 9, 10.2, &v);
	CHECK(bit(&v, 0) && bit(&v, 2) && bit(&v, 9));
	/* another session, another address: each its own */
	probemem_note(m, (struct sockaddr *)&a, 8, 5, 10.3, &v);
	CHECK(v.first == 5 && bit(&v, 0) && !bit(&v, 5 - 5 + 1));
	probemem_note(m, (struct sockaddr *)&b, 7, 3, 10.4, &v);
	CHECK(v.first == 3 && bit(&v, 0) && !bit(&v, 2));
	/* a probe numbered before the first: not known, not set */
	probemem_note(m, (struct sockaddr *)&b, 7, 1, 10.5, &v);
	CHECK(v.first == 3 && v.bits[0] == 1);
	probemem_note(m, (struct sockaddr *)&a, 7, 127, 10.6, &v);
	CHECK(bit(&v, 127) && bit(&v, 9));
	/* the bits as hex and back */
	probemem_hex(&v, hex);
	CHECK(strlen(hex) == PROBEMEM_HEX_LEN);
	CHECK(strncmp(hex, "0502", 4) == 0 && strcmp(hex + PROBEMEM_HEX_LEN - 2, "80") == 0);
	CHECK(probemem_unhex(hex, bits) == 0 && memcmp(bits, v.bits, sizeof bits) == 0);
	CHECK(probemem_unhex("05", bits) == -1);
	hex[3] = 'G';
	CHECK(probemem_unhex(hex, bits) == -1);
	/* expiry: unused for PROBEMEM_EXPIRY seconds, forgotten */
	probemem_note(m, (struct sockaddr *)&a, 7, 20, 10.6 + PROBEMEM_EXPIRY + 1, &v);
	CHECK(v.first == 20 && v.bits[0] == 1 && !bit(&v, 127 - 20));
	/* bounded: many sessions, each set keeps PROBEMEM_WAYS; the newest
	 * are kept, the oldest given up (a later first: never taken for lost) */
	for (uint64_t id = 100; id < 100 + 4 * PROBEMEM_ENTRIES; id++)
		probemem_note(m, (struct sockaddr *)&a, id, 0, 100.0 + (double)id / 1e4, &v);
	probemem_note(m, (struct sockaddr *)&a, 100 + 4 * PROBEMEM_ENTRIES - 1, 1, 101, &v);
	CHECK(v.first == 0 && v.bits[0] == 3);
	probemem_note(m, (struct sockaddr *)&a, 100, 1, 101, &v);
	CHECK(v.first == 1 && v.bits[0] == 1);
	/* a probe number out of range, an address of no known family */
	probemem_note(m, (struct sockaddr *)&a, 5, PROBEMEM_SEQS, 102, &v);
	CHECK(v.bits[0] == 0);
	{
		struct sockaddr un = { .sa_family = AF_UNIX };

		probemem_note(m, &un, 5, 1, 102, &v);
		CHECK(v.bits[0] == 0);
	}
	probemem_free(m);
}

int main(void)
{
	test_tag();
	test_table();
	return unit_done("unit_probemem");
}
