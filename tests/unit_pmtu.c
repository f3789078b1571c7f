/* unit_pmtu: --pmtu's reasoning (pmtu.h) on evidence made by hand, and
 * searches run against a simulated path (a bottleneck with or without
 * ICMP, a size dropped, random loss each way) that must end right or
 * "unknown", never wrong. */
#include "pmtu.h"

#include "unit.h"

/* A path: sizes above icmp_link get an ICMP naming it, above silent_link
 * they vanish, drop_size always vanishes; loss_to and loss_back percent
 * of probes and of reports (and ICMPs) are lost. */
struct path {
	long local, icmp_link, silent_link, drop_size;
	int loss_to, loss_back;
	uint64_t rng;
	bool got[PMTU_SEQS];            /* the server's memory */
};

static int chance(struct path *p, int percent)
{
	/* splitmix64: well mixed from any seed */
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (int)((z >> 32) % 100) < percent;
}

/* One probe through the path, as pmtuprobe.c would see it. */
static void probe(struct pmtu_evidence *e, struct path *p, long size)
{
	int seq;
	uint8_t bits[PMTU_SEQS / 8] = { 0 };

	if (size > p->local) {
		e->local_mtu = p->local;
		return;
	}
	seq = pmtu_sent(e, size);
	if (seq < 0)
		return;
	if (p->icmp_link > 0 && size > p->icmp_link) {
		if (!chance(p, p->loss_back))
			e->icmp_mtu = p->icmp_link;
		return;
	}
	if ((p->silent_link > 0 && size > p->silent_link) || size == p->drop_size ||
	    chance(p, p->loss_to))
		return;
	p->got[seq] = true;
	if (chance(p, p->loss_back))
		return;
	for (int i = 0; i <= seq; i++)
		if (p->got[i])
			bits[i / 8] |= (uint8_t)(1u << (i % 8));
	pmtu_seen(e, 0, bits, size);
}

/* A whole search from the floor: the verdict. */
static void search(struct path *p, long floor, struct pmtu_verdict *v)
{
	struct pmtu_evidence e = { .local_mtu = -1, .icmp_mtu = -1 };

	for (int i = 0; i < 6 && e.n < PMTU_SEQS; i++) {
		probe(&e, p, floor);
		if (e.state[e.n - 1] == PMTU_ARRIVED)
			break;
	}
	for (;;) {
		pmtu_decide(&e, v);
		if (v->next < 0 || e.n >= PMTU_SEQS)
			break;
		probe(&e, p, v->next);
	}
}

static void test_tries(void)
{
	CHECK(pmtu_tries(0, 10) == 7);          /* (2/12)^7 < 1e-5 < (2/12)^6 */
	CHECK(pmtu_tries(0, 40) == 4);          /* (2/42)^4 */
	CHECK(pmtu_tries(0, 3) == 0);           /* (2/5)^12 > 1e-5: too little known */
	CHECK(pmtu_tries(4, 20) == 9);          /* 20% lost: (6/22)^9 < 1e-5 < (6/22)^8 */
	CHECK(pmtu_tries(10, 20) == 0);         /* half: 12 tries do not rule it out */
	CHECK(pmtu_tries(0, 0) == 0);
}

static void test_evidence(void)
{
	struct pmtu_evidence e = { .local_mtu = 1500, .icmp_mtu = -1 };
	struct pmtu_verdict v;
	uint8_t bits[PMTU_SEQS / 8] = { 0 };

	/* the base code's mistake: 1038 lost twice, nothing larger tried,
	 * 1037 arrived: not "pmtu 1037" */
	pmtu_sent(&e, 576);
	pmtu_sent(&e, 1038);
	pmtu_sent(&e, 1038);
	pmtu_sent(&e, 1037);
	bits[0] = 1 | 8;
	pmtu_seen(&e, 0, bits, 1037);
	CHECK(e.state[0] == PMTU_ARRIVED && e.state[1] == PMTU_LOST && e.state[2] == PMTU_LOST);
	CHECK(e.reported[3] && !e.reported[0]);
	pmtu_decide(&e, &v);
	/* too few probes to know the loss: one of a size that arrives */
	CHECK(v.pmtu == -1 && v.low == 1037 && v.next == 1037);
	/* tried enough, still never a larger size: that is tried next */
	for (int i = 0; i < 10; i++) {
		pmtu_sent(&e, 1037);
		bits[(e.n - 1) / 8] |= (uint8_t)(1u << ((e.n - 1) % 8));
	}
	for (int i = 0; i < 6; i++)
		pmtu_sent(&e, 1038);
	pmtu_sent(&e, 1037);
	bits[(e.n - 1) / 8] |= (uint8_t)(1u << ((e.n - 1) % 8));
	pmtu_seen(&e, 0, bits, 1037);
	pmtu_decide(&e, &v);
	CHECK(v.pmtu == -1 && v.next == 1500);
	/* the bound, no report yet: tried PMTU_BATCH times, then a size
	 * known to arrive asks for the server's memory of them */
	for (int i = 0; i < PMTU_BATCH; i++) {
		pmtu_decide(&e, &v);
		CHECK(v.next == 1500);
		pmtu_sent(&e, 1500);
	}
	pmtu_decide(&e, &v);
	CHECK(v.next == 1037);
	/* 1500 arrives: the path MTU; 1038 vanished (a filter, not the MTU) */
	bits[(e.n - 1) / 8] |= (uint8_t)(1u << ((e.n - 1) % 8));
	pmtu_seen(&e, 0, bits, 1500);
	pmtu_decide(&e, &v);
	CHECK(v.pmtu == 1500 && v.black_hole == 0 && v.vanished == 1038 && v.next == -1);

	/* a server without the memory: the round trip */
	e = (struct pmtu_evidence){ .local_mtu = 1500, .icmp_mtu = -1 };
	pmtu_sent(&e, 576);
	pmtu_sent(&e, 1038);
	pmtu_sent(&e, 576);
	pmtu_seen_size(&e, 576);
	CHECK(e.state[0] == PMTU_LOST && e.state[1] == PMTU_LOST && e.state[2] == PMTU_ARRIVED);
	pmtu_seen_size(&e, 999);                /* of no probe: nothing */
	CHECK(e.state[2] == PMTU_ARRIVED);
	/* an ICMP below the largest that arrived is wrong (forged or stale):
	 * no bound, the search goes on above, to the interface's MTU */
	e = (struct pmtu_evidence){ .local_mtu = 1500, .icmp_mtu = 552 };
	pmtu_sent(&e, 576);
	pmtu_seen_size(&e, 576);
	pmtu_decide(&e, &v);
	CHECK(v.pmtu == -1 && v.bound == 1500 && v.next > 576);
	/* an ICMP at exactly the largest that arrived: the bound it names */
	e = (struct pmtu_evidence){.local_mtu = 1500, .icmp_mtu = 576};
	pmtu_sent(&e, 576);
	pmtu_seen_size(&e, 576);
	pmtu_decide(&e, &v);
	CHECK(v.pmtu == 576 && v.black_hole == 0);
	/* nothing arrived: nothing decided */
	e = (struct pmtu_evidence){ .local_mtu = -1, .icmp_mtu = -1 };
	pmtu_sent(&e, 576);
	pmtu_decide(&e, &v);
	CHECK(v.pmtu == -1 && v.low == -1 && v.next == -1 && v.why != NULL);
	/* no more than PMTU_SEQS probes */
	for (int i = 0; i < PMTU_SEQS + 5; i++)
		pmtu_sent(&e, 600);
	CHECK(e.n == PMTU_SEQS && pmtu_sent(&e, 600) == -1);
}

static void test_paths(void)
{
	struct pmtu_verdict v;
	struct path p;

	p = (struct path){ .local = 1500, .rng = 1 };
	search(&p, 576, &v);
	CHECK(v.pmtu == 1500 && v.black_hole == 0 && v.vanished == -1 && v.loss == 0);
	/* only 1038-byte packets dropped (the base code said 1037, black hole) */
	p = (struct path){ .local = 1500, .drop_size = 1038, .rng = 1 };
	search(&p, 576, &v);
	CHECK(v.pmtu == 1500 && v.black_hole == 0 && v.vanished == 1038);
	/* 1000 with ICMP, then 800 silent: a black hole behind the ICMP */
	p = (struct path){ .local = 1500, .icmp_link = 1000, .silent_link = 800, .rng = 1 };
	search(&p, 576, &v);
	CHECK(v.pmtu == 800 && v.black_hole == 1 && v.bound == 1000);
	/* 1000 with ICMP alone: none */
	p = (struct path){ .local = 1500, .icmp_link = 1000, .rng = 1 };
	search(&p, 576, &v);
	CHECK(v.pmtu == 1000 && v.black_hole == 0);
	/* 1400 silent: a black hole */
	p = (struct path){ .local = 1500, .silent_link = 1400, .rng = 1 };
	search(&p, 576, &v);
	CHECK(v.pmtu == 1400 && v.black_hole == 1 && v.bound == 1500);
	/* below 576: 552 with ICMP, from a floor of 552 (pmtuprobe.c goes there) */
	p = (struct path){ .local = 1500, .icmp_link = 552, .rng = 1 };
	search(&p, 552, &v);
	CHECK(v.pmtu == 552 && v.black_hole == 0);
}

/* Many searches under random loss: right or unknown, never wrong. */
static void test_loss(void)
{
	static const struct {
		long icmp, silent;
		int to, back;
	} cases[] = {
		{ 0, 0, 20, 0 }, { 0, 0, 20, 20 }, { 0, 1400, 20, 0 }, { 0, 1400, 20, 20 },
		{ 1000, 800, 20, 20 }, { 1400, 0, 20, 20 }, { 0, 1400, 40, 40 },
	};

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		long want = cases[c].silent > 0 ? cases[c].silent
			    : cases[c].icmp > 0 ? cases[c].icmp : 1500;
		int wrong = 0, right = 0, hole_wrong = 0;

		for (uint64_t seed = 1; seed <= 500; seed++) {
			struct path p = { .local = 1500, .icmp_link = cases[c].icmp,
					  .silent_link = cases[c].silent,
					  .loss_to = cases[c].to, .loss_back = cases[c].back,
					  .rng = seed };
			struct pmtu_verdict v;

			search(&p, 576, &v);
			if (v.pmtu >= 0 && v.pmtu != want)
				wrong++;
			right += v.pmtu == want;
			if (v.black_hole == (cases[c].silent > 0 ? 0 : 1))
				hole_wrong++;
		}
		if (wrong > 0 || hole_wrong > 0 || (right < 250 && cases[c].to < 40))
			fprintf(stderr, "case %zu: %d wrong, %d black holes wrong, %d right of 500\n",
				c, wrong, hole_wrong, right);
		CHECK(wrong == 0);
		CHECK(hole_wrong == 0);
		/* and mostly decided, but for the heaviest loss */
		CHECK(right >= 250 || cases[c].to >= 40);
	}
}

/* A host on the path forges ICMP "too big" naming 1200 for larger probes,
 * which still arrive (a tenth of the reports lost): the verdict is the
 * path's 1500 or unknown, never an MTU that no router keeps. (Were the
 * probe above 1200 lost too, the evidence would be a real router's.) */
static void test_forged(void)
{
	int right = 0;

	for (uint64_t seed = 1; seed <= 50; seed++) {
		struct pmtu_evidence e = {.local_mtu = -1, .icmp_mtu = -1};
		struct pmtu_verdict v;
		struct path p = {.local = 1500, .loss_back = 10, .rng = seed};

		for (int i = 0; i < 6 && e.n < PMTU_SEQS; i++) {
			probe(&e, &p, 576);
			if (e.state[e.n - 1] == PMTU_ARRIVED)
				break;
		}
		for (;;) {
			pmtu_decide(&e, &v);
			if (v.next < 0 || e.n >= PMTU_SEQS)
				break;
			if (v.next > 1200 && v.next <= p.local)
				e.icmp_mtu = 1200; /* before its report, as a forger on the way */
			probe(&e, &p, v.next);
		}
		CHECK(v.pmtu == 1500 || v.pmtu == -1);
		right += v.pmtu == 1500;
	}
	CHECK(right >= 40); /* and mostly decided */
}

int main(void)
{
	test_tries();
	test_evidence();
	test_paths();
	test_loss();
	test_forged();
	return unit_done("unit_pmtu");
}
