// SPDX-License-Identifier: MIT
/*
 * The shim's configuration: the shape of the emulated machine and the
 * devices a client can open as /dev/vfio/devices/vfioN.
 *
 * Two sources, read once when the machine is first needed, in order:
 * the file named by IOMMUSIM_PRELOAD_CONFIG, then the items of the
 * IOMMUSIM_PRELOAD variable (later items win).  Both use one grammar:
 * KEY=VALUE items separated by blanks, ';' or newlines, '#' to end of line
 * is a comment.  docs/preload.md lists the keys.
 */
#include "preload/config.h"

#include "hw/smmuv3/smmuv3.h"
#include "hw/trace.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void preload_config_defaults(struct preload_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ram = 256ULL << 20;
	c->iommu = PRELOAD_IOMMU_SMMUV3;
	c->httu = 2;		/* as an SMMU with HTTU (MMU-700): dirty tracking */
	c->nr_devices = 2;
	c->selftest = true;
	c->coherency = -1;
	for (int i = 0; i < c->nr_devices; i++) {
		c->dev[i].sids[0] = PRELOAD_DEFAULT_SID_BASE + i;
		c->dev[i].nr_sids = 1;
	}
}

static int cfg_error(const char *src, const char *fmt, const char *what)
{
	fprintf(stderr, "iommusim-preload: %s: ", src);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return -EINVAL;
}

static int parse_u64(const char *s, unsigned long long *v, bool size)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	if (size && *end) {
		int shift = 0;

		switch (toupper((unsigned char)*end)) {
		case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		default: return -EINVAL;
		}
		if (*v > (~0ULL >> shift))
			return -EINVAL;
		*v <<= shift;
		end++;
	}
	return *end ? -EINVAL : 0;
}

/* "0x10:0x11" -> the StreamIDs of one device. */
static int parse_sids(const char *val, struct preload_dev_config *d)
{
	char buf[PRELOAD_MAX_ITEM], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", val);
	d->nr_sids = 0;
	for (tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		unsigned long long v;

		if (d->nr_sids == PRELOAD_MAX_SIDS || parse_u64(tok, &v, false) ||
		    v > 0xffffffffULL)
			return -EINVAL;
		d->sids[d->nr_sids++] = (unsigned int)v;
	}
	return d->nr_sids ? 0 : -EINVAL;
}

static int apply_item(struct preload_config *c, const char *src, char *item)
{
	char *val = strchr(item, '=');
	unsigned long long v;

	if (!val)
		return cfg_error(src, "'%s' is not KEY=VALUE", item);
	*val++ = '\0';
	if (!strcmp(item, "ram")) {
		if (parse_u64(val, &v, true) || !v || (v & ((2ULL << 20) - 1)) ||
		    v > (64ULL << 30))
			return cfg_error(src, "ram=%s: a multiple of 2M, at most 64G", val);
		c->ram = v;
	} else if (!strcmp(item, "iommu")) {
		if (!strcmp(val, "smmuv3"))
			c->iommu = PRELOAD_IOMMU_SMMUV3;
		else if (!strcmp(val, "mock"))
			c->iommu = PRELOAD_IOMMU_MOCK;
		else
			return cfg_error(src, "iommu=%s: 'smmuv3' or 'mock'", val);
	} else if (!strcmp(item, "httu")) {
		if (parse_u64(val, &v, false) || v > 2)
			return cfg_error(src, "httu=%s: 0, 1 or 2", val);
		c->httu = (unsigned int)v;
	} else if (!strcmp(item, "devices")) {
		if (parse_u64(val, &v, false) || v > PRELOAD_MAX_DEVICES)
			return cfg_error(src, "devices=%s: a count up to 32", val);
		c->nr_devices = (int)v;
		for (int i = 0; i < c->nr_devices; i++) {
			c->dev[i].sids[0] = PRELOAD_DEFAULT_SID_BASE + i;
			c->dev[i].nr_sids = 1;
		}
	} else if (!strcmp(item, "device")) {
		if (c->nr_devices == PRELOAD_MAX_DEVICES)
			return cfg_error(src, "device=%s: at most 32 devices", val);
		if (parse_sids(val, &c->dev[c->nr_devices]))
			return cfg_error(src, "device=%s: StreamIDs as SID[:SID...], at most 8", val);
		c->nr_devices++;
	} else if (!strcmp(item, "trace")) {
		const char *bad;
		unsigned int bad_len;

		c->trace = iommusim_trace_parse(val, &bad, &bad_len);
		(void)bad;
		(void)bad_len;
		if (!c->trace)
			return cfg_error(src, "trace=%s: a list of cmdq, cfg, tlb, walk, event, "
					 "gerror, its, iommufd, dma, coherency, or all", val);
	} else if (!strcmp(item, "coherency")) {
		c->coherency = smmuv3_coherency_parse(val);
		if (c->coherency < 0)
			return cfg_error(src, "coherency=%s: off, report or fatal", val);
	} else if (!strcmp(item, "selftest")) {
		if (strcmp(val, "0") && strcmp(val, "1"))
			return cfg_error(src, "selftest=%s: 0 or 1", val);
		c->selftest = val[0] == '1';
	} else {
		return cfg_error(src, "unknown key '%s'", item);
	}
	return 0;
}

int preload_config_parse(struct preload_config *c, const char *src,
			 const char *text)
{
	char item[PRELOAD_MAX_ITEM];
	size_t len = 0;
	bool comment = false;

	for (const char *p = text;; p++) {
		bool sep = !*p || *p == ';' || *p == '\n' || isspace((unsigned char)*p);

		if (*p == '\n')
			comment = false;
		else if (*p == '#')
			comment = true;
		if (sep || comment) {
			if (len) {
				int ret;

				item[len] = '\0';
				len = 0;
				ret = apply_item(c, src, item);
				if (ret)
					return ret;
			}
			if (!*p)
				return 0;
			continue;
		}
		if (len == sizeof(item) - 1) {
			item[len] = '\0';
			return cfg_error(src, "item '%s...' is too long", item);
		}
		item[len++] = *p;
	}
}

int preload_config_load(struct preload_config *c)
{
	const char *path = getenv("IOMMUSIM_PRELOAD_CONFIG");
	const char *env = getenv("IOMMUSIM_PRELOAD");
	int ret = 0;

	preload_config_defaults(c);
	if (path && *path) {
		FILE *f = fopen(path, "r");
		char *text;
		long size;

		if (!f) {
			fprintf(stderr, "iommusim-preload: IOMMUSIM_PRELOAD_CONFIG=%s: %s\n",
				path, strerror(errno));
			return -EINVAL;
		}
		if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
		    size > (1 << 20) || fseek(f, 0, SEEK_SET)) {
			fclose(f);
			return cfg_error(path, "%s", "unreadable or larger than 1M");
		}
		text = calloc(1, size + 1);
		if (!text) {
			fclose(f);
			return -ENOMEM;
		}
		if (fread(text, 1, size, f) != (size_t)size)
			ret = cfg_error(path, "%s", "read error");
		else
			ret = preload_config_parse(c, path, text);
		free(text);
		fclose(f);
		if (ret)
			return ret;
	}
	if (env)
		ret = preload_config_parse(c, "IOMMUSIM_PRELOAD", env);
	return ret;
}
