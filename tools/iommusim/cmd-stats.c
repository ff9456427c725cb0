// SPDX-License-Identifier: MIT
/*
 * stats [reset=1]: what the board's hardware counted since it was built (or
 * since the last reset=1): the SMMUv3 model's smmuv3_get_stats() (TLB and
 * configuration cache, descriptor reads by stage and level, commands and
 * events by name, the coherency checker's checks and reports when it ran)
 * and the ITS's (translations, LPIs, commands by name).
 * Printed as a few lines, only counts that are not zero, and reported as
 * values for expect: translations=, tlb_hits=, tlb_misses=, cfg_hits=,
 * cfg_misses=, s1_reads=, s2_reads=, walk_cache_hits=, commands=, events=,
 * coherency_reports=, its_translations=, lpis=, its_commands=.
 */
#include <string.h>

#include "hw/its/its.h"
#include "hw/machine.h"
#include "hw/smmuv3/inspect.h"
#include "tools/iommusim/world-priv.h"

static const char *const regime_names[SMMUV3_REGIMES] = { "s1", "s1+s2", "s2", "el2" };

static u64 sum(const u64 *v, unsigned int n)
{
	u64 t = 0;

	for (unsigned int i = 0; i < n; i++)
		t += v[i];
	return t;
}

static const char *const walk_cache_names[] = {
	[SMMUV3_WALK_CACHE_S1] = "S1", [SMMUV3_WALK_CACHE_S2] = "S2",
	[SMMUV3_WALK_CACHE_S1PTW] = "S1PTW",
};

static void print_smmu(FILE *out, const struct smmuv3_stats *st, struct scn_result *r)
{
	fprintf(out, "stats smmu: %llu translations; TLB", (unsigned long long)st->translations);
	for (unsigned int i = 0; i < SMMUV3_REGIMES; i++)
		if (st->tlb_hits[i] || st->tlb_misses[i])
			fprintf(out, " %s %llu hits %llu misses,", regime_names[i],
				(unsigned long long)st->tlb_hits[i],
				(unsigned long long)st->tlb_misses[i]);
	fprintf(out, " %llu fills, %llu evictions, %llu invalidated; config cache %llu hits %llu misses, %llu invalidated\n",
		(unsigned long long)st->tlb_fills, (unsigned long long)st->tlb_evictions,
		(unsigned long long)st->tlb_invalidated, (unsigned long long)st->cfg_hits,
		(unsigned long long)st->cfg_misses, (unsigned long long)st->cfg_invalidated);
	fprintf(out, "stats smmu: walk caches");
	for (unsigned int i = 0; i < ARRAY_SIZE(st->walk_cache_hits); i++)
		fprintf(out, "%s %s %llu hits %llu misses %llu fills %llu invalidated",
			i ? "," : "", walk_cache_names[i],
			(unsigned long long)st->walk_cache_hits[i],
			(unsigned long long)st->walk_cache_misses[i],
			(unsigned long long)st->walk_cache_fills[i],
			(unsigned long long)st->walk_cache_invalidated[i]);
	fputc('\n', out);
	fprintf(out, "stats smmu: descriptor reads");
	for (unsigned int s = 0; s < 2; s++)
		for (unsigned int l = 0; l < 4; l++)
			if (st->walk_reads[s][l])
				fprintf(out, " S%u L%u %llu,", s + 1, l,
					(unsigned long long)st->walk_reads[s][l]);
	fprintf(out, " commands");
	for (unsigned int op = 0; op < SMMUV3_STATS_OPCODES; op++)
		if (st->commands[op])
			fprintf(out, " %s %llu,", smmuv3_cmd_name(op) ?: "?",
				(unsigned long long)st->commands[op]);
	fprintf(out, " %llu errors; events", (unsigned long long)st->cmd_errors);
	for (unsigned int e = 0; e < SMMUV3_STATS_EVENTS; e++)
		if (st->events[e])
			fprintf(out, " %s %llu,", smmuv3_event_name(e) ?: "?",
				(unsigned long long)st->events[e]);
	fprintf(out, " %llu lost; %llu GERROR", (unsigned long long)st->events_lost,
		(unsigned long long)st->gerrors);
	if (st->coherency_checks)
		fprintf(out, "; coherency checker %llu checks, %llu reports",
			(unsigned long long)st->coherency_checks,
			(unsigned long long)st->coherency_reports);
	fputc('\n', out);
	scn_set(r, "translations", "%llu", (unsigned long long)st->translations);
	scn_set(r, "tlb_hits", "%llu", (unsigned long long)sum(st->tlb_hits, SMMUV3_REGIMES));
	scn_set(r, "tlb_misses", "%llu", (unsigned long long)sum(st->tlb_misses, SMMUV3_REGIMES));
	scn_set(r, "cfg_hits", "%llu", (unsigned long long)st->cfg_hits);
	scn_set(r, "cfg_misses", "%llu", (unsigned long long)st->cfg_misses);
	scn_set(r, "s1_reads", "%llu", (unsigned long long)sum(st->walk_reads[0], 4));
	scn_set(r, "s2_reads", "%llu", (unsigned long long)sum(st->walk_reads[1], 4));
	scn_set(r, "walk_cache_hits", "%llu", (unsigned long long)sum(st->walk_cache_hits, 3));
	scn_set(r, "commands", "%llu", (unsigned long long)sum(st->commands, SMMUV3_STATS_OPCODES));
	scn_set(r, "events", "%llu", (unsigned long long)sum(st->events, SMMUV3_STATS_EVENTS));
	scn_set(r, "coherency_reports", "%llu", (unsigned long long)st->coherency_reports);
}

static void print_its(FILE *out, const struct its_stats *st, struct scn_result *r)
{
	fprintf(out, "stats its: %llu translations, %llu LPIs pended; commands",
		(unsigned long long)st->translations, (unsigned long long)st->lpis_pended);
	for (unsigned int op = 0; op < ITS_STATS_OPCODES; op++)
		if (st->by_opcode[op])
			fprintf(out, " %s %llu,", its_cmd_name(op) ?: "?",
				(unsigned long long)st->by_opcode[op]);
	fprintf(out, " %llu errors\n", (unsigned long long)st->cmd_errors);
	scn_set(r, "its_translations", "%llu", (unsigned long long)st->translations);
	scn_set(r, "lpis", "%llu", (unsigned long long)st->lpis_pended);
	scn_set(r, "its_commands", "%llu", (unsigned long long)st->commands);
}

int cmd_stats(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "reset", NULL };
	struct world *w = scenario_world(s);
	struct smmuv3 *smmu;
	struct its_stats its;
	u64 reset = 0;

	if (scn_check_keys(s, l, keys) || scn_u64(s, l, "reset", false, &reset))
		return -1;
	if (!w->machine)
		return scn_error(s, l, "stats: no board yet (start with 'board')");
	smmu = machine_smmu(w->machine);
	if (smmu) {
		struct smmuv3_stats st;

		smmuv3_get_stats(smmu, &st);
		print_smmu(scenario_out(s), &st, r);
		if (reset)
			smmuv3_reset_stats(smmu);
	}
	its_get_stats(machine_its(w->machine), &its);
	print_its(scenario_out(s), &its, r);
	if (reset)
		its_reset_stats(machine_its(w->machine));
	return 0;
}
