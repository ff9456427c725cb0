// SPDX-License-Identifier: MIT
/*
 * Scenario commands of the IOMMU core: IOMMUs, devices, domains, attach,
 * map and unmap.  Each command calls the kernel function a Linux caller
 * would (iommu_attach_device, iommu_map, ...) and reports its return code,
 * so a scenario checks the kernel's own answers.
 */
#include <string.h>

#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu.h"
#include "kernel/sw-msi.h"
#include "tools/iommusim/world-priv.h"

#define MAX_SIDS	8

/* iommu NAME [kernel=K]: a mock IOMMU registered with kernel K. */
int cmd_iommu(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "kernel", NULL };
	struct world_obj *o;
	struct kernel *k;

	if (scn_check_keys(s, l, keys))
		return -1;
	k = world_arg_kernel(s, l);
	if (!k || !(o = world_new_obj(s, l, OBJ_IOMMU)))
		return -1;
	o->k = k;
	o->mock = mock_iommu_create(k, o->name);
	if (!o->mock) {
		r->rc = -ENOMEM;
		return 0;
	}
	world_commit_obj(scenario_world(s));
	fprintf(scenario_out(s), "iommu %s: registered with kernel %s\n",
		o->name, k->name);
	return 0;
}

/* "0x10,0x11" -> ids; -1 after an error message. */
static int parse_sids(struct scenario *s, const struct scn_line *l,
		      const char *str, u32 *ids, int *n)
{
	char buf[SCN_MAX_WORD], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", str);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		u64 v;

		if (*n == MAX_SIDS)
			return scn_error(s, l, "%s: at most %d StreamIDs", l->cmd, MAX_SIDS);
		if (scn_parse_u64(tok, &v) || v > UINT32_MAX)
			return scn_error(s, l, "%s: sid '%s' is not a 32-bit number",
					 l->cmd, tok);
		ids[(*n)++] = (u32)v;
	}
	if (!*n)
		return scn_error(s, l, "%s: sid= names no StreamID", l->cmd);
	return 0;
}

/*
 * device NAME [iommu=I] sid=ID[,ID...]: an endpoint behind IOMMU I, probed;
 * without iommu=, a device no IOMMU translates (sid= is then its DeviceID).
 */
int cmd_device(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "iommu", "sid", "kernel", NULL };
	struct world_obj *iommu = NULL, *o;
	u32 sids[MAX_SIDS];
	struct iommu_domain *d;
	struct kernel *k;
	const char *sid;
	int n;

	if (scn_check_keys(s, l, keys))
		return -1;
	if (scn_key(l, "iommu")) {
		iommu = world_arg_obj(s, l, "iommu", 0, OBJ_IOMMU);
		if (!iommu)
			return -1;
		k = iommu->k;
	} else if (!(k = world_arg_kernel(s, l))) {
		return -1;
	}
	sid = scn_key(l, "sid");
	if (!sid)
		return scn_error(s, l, "device: missing sid=");
	if (parse_sids(s, l, sid, sids, &n) || !(o = world_new_obj(s, l, OBJ_DEVICE)))
		return -1;
	o->k = k;
	o->devid = sids[0];
	if (iommu) {
		o->dev = mock_iommu_add_device(iommu->mock, o->name, sids, n);
	} else {
		o->dev = device_create(k, o->name);
		if (o->dev && device_add(o->dev)) {
			device_destroy(o->dev);
			o->dev = NULL;
		}
	}
	if (!o->dev) {
		r->rc = -ENOMEM;
		return 0;
	}
	/* The IOMMU refused it: no driver would bind, so neither do we. */
	r->rc = device_iommu_probe_error(o->dev);
	if (r->rc) {
		device_destroy(o->dev);
		return 0;
	}
	world_commit_obj(scenario_world(s));
	d = iommu_get_domain_for_dev(o->dev);
	scn_set(r, "domain", "%s", domain_type_name(d));
	scn_set(r, "group", "%d", o->dev->iommu_group ?
		iommu_group_id(o->dev->iommu_group) : -1);
	if (iommu)
		fprintf(scenario_out(s), "device %s: sid %s behind %s, default domain %s\n",
			o->name, sid, iommu->name, domain_type_name(d));
	else
		fprintf(scenario_out(s), "device %s: DeviceID %s, no IOMMU\n",
			o->name, sid);
	return 0;
}

static struct iommu_domain *alloc_domain(struct scenario *s,
					 const struct scn_line *l,
					 const char *type, struct world_obj *devo,
					 bool *owned, int *err)
{
	struct device *dev = devo->dev;
	struct world_obj *p;

	*owned = true;
	if (!strcmp(type, "unmanaged"))
		return iommu_paging_domain_alloc(dev);
	if (!strcmp(type, "nest-parent"))
		return iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	if (!strcmp(type, "nested")) {
		struct iommu_hwpt_mock_nested cfg = { .config = MOCK_S1_BYPASS };
		struct iommu_user_data data = {
			.type = IOMMU_HWPT_DATA_MOCK, .uptr = &cfg, .len = sizeof(cfg),
		};
		struct iommu_hwpt_arm_smmuv3 vste;
		u64 words[2];

		p = world_arg_obj(s, l, "parent", 0, OBJ_DOMAIN);
		if (!p) {
			*err = 1;
			return NULL;
		}
		/* On the board's SMMU: the guest's STE words, as iommufd takes them. */
		if (inspect_board_endpoint(scenario_world(s), devo)) {
			if (inspect_board_vste(s, l, words)) {
				*err = 1;
				return NULL;
			}
			vste.ste[0] = words[0];
			vste.ste[1] = words[1];
			data = (struct iommu_user_data){
				.type = IOMMU_HWPT_DATA_ARM_SMMUV3, .uptr = &vste,
				.len = sizeof(vste),
			};
		} else if (scn_key(l, "s1-of")) {
			scn_error(s, l, "domain: s1-of= is for endpoints behind the board's SMMU");
			*err = 1;
			return NULL;
		}
		return iommu_domain_alloc_nested(dev, p->domain, 0, &data);
	}
	*owned = false;
	if (!dev_has_iommu(dev))
		return ERR_PTR(-ENODEV);
	if (!strcmp(type, "identity"))
		return dev_iommu_ops(dev)->identity_domain;
	if (!strcmp(type, "blocked"))
		return dev_iommu_ops(dev)->blocked_domain;
	if (!strcmp(type, "default"))
		return iommu_group_default_domain(dev->iommu_group);
	scn_error(s, l, "domain: unknown type '%s'", type);
	*err = 1;
	return NULL;
}

/*
 * domain NAME type=T dev=D [parent=P]: allocate (or, for identity, blocked
 * and default, name) a domain for device D.
 */
int cmd_domain(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "type", "dev", "parent", "s1-of", NULL };
	struct world_obj *dev, *o;
	struct iommu_domain *d;
	const char *type = scn_key(l, "type");
	bool owned;
	int err = 0;

	if (scn_check_keys(s, l, keys))
		return -1;
	if (!type)
		return scn_error(s, l, "domain: missing type=");
	/* Only a nested domain has a parent and a guest stage 1. */
	if (strcmp(type, "nested") && (scn_key(l, "parent") || scn_key(l, "s1-of")))
		return scn_error(s, l, "domain: %s= is for type=nested only",
				 scn_key(l, "parent") ? "parent" : "s1-of");
	dev = world_arg_obj(s, l, "dev", 0, OBJ_DEVICE);
	if (!dev || !(o = world_new_obj(s, l, OBJ_DOMAIN)))
		return -1;
	d = alloc_domain(s, l, type, dev, &owned, &err);
	if (err)
		return -1;
	if (IS_ERR_OR_NULL(d)) {
		r->rc = d ? (int)PTR_ERR(d) : -ENOMEM;
		return 0;
	}
	o->k = dev->k;
	o->domain = d;
	o->owned = owned;
	world_commit_obj(scenario_world(s));
	scn_set(r, "type", "%s", domain_type_name(d));
	fprintf(scenario_out(s), "domain %s: %s\n", o->name, domain_type_name(d));
	return 0;
}

static int report_attach(struct scenario *s, struct scn_result *r,
			 struct world_obj *dev, const char *verb, int ret)
{
	struct iommu_domain *d = iommu_get_domain_for_dev(dev->dev);

	r->rc = ret;
	scn_set(r, "domain", "%s", domain_type_name(d));
	fprintf(scenario_out(s), "%s %s: %s%s, now on %s\n", verb, dev->name,
		ret ? "-" : "ok", ret ? scn_errno_name(-ret) : "",
		domain_type_name(d));
	return 0;
}

/* via=iommufd: attach/replace with the group's doorbells installed first. */
static int parse_via(struct scenario *s, const struct scn_line *l, bool *iommufd)
{
	static const char *const keys[] = { "via", NULL };
	const char *via = scn_key(l, "via");

	if (scn_check_keys(s, l, keys))
		return -1;
	*iommufd = via && !strcmp(via, "iommufd");
	if (via && !*iommufd)
		return scn_error(s, l, "%s: via=%s: only via=iommufd exists", l->cmd, via);
	return 0;
}

/* attach DEV DOMAIN [via=iommufd]: iommu_attach_device(). */
int cmd_attach(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	struct world_obj *dev = world_arg_obj(s, l, NULL, 0, OBJ_DEVICE);
	struct world_obj *dom = dev ? world_arg_obj(s, l, NULL, 1, OBJ_DOMAIN) : NULL;
	bool iommufd;
	int ret;

	if (!dom || parse_via(s, l, &iommufd))
		return -1;
	if (iommufd)
		ret = dev->dev->iommu_group ?
		      sw_msi_group_attach(dev->dev->iommu_group, dom->domain) : -ENODEV;
	else
		ret = iommu_attach_device(dom->domain, dev->dev);
	if (!ret)
		dev->attached = dom->domain;
	return report_attach(s, r, dev, "attach", ret);
}

/* detach DEV: iommu_detach_device() of what the scenario attached. */
int cmd_detach(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	struct world_obj *dev = world_arg_obj(s, l, NULL, 0, OBJ_DEVICE);

	if (!dev)
		return -1;
	if (!dev->attached)
		return scn_error(s, l, "detach: %s was not attached by this scenario",
				 dev->name);
	iommu_detach_device(dev->attached, dev->dev);
	dev->attached = NULL;
	return report_attach(s, r, dev, "detach", 0);
}

/* replace DEV DOMAIN [via=iommufd]: iommu_group_replace_domain(). */
int cmd_replace(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	struct world_obj *dev = world_arg_obj(s, l, NULL, 0, OBJ_DEVICE);
	struct world_obj *dom = dev ? world_arg_obj(s, l, NULL, 1, OBJ_DOMAIN) : NULL;
	bool iommufd;
	int ret;

	if (!dom || parse_via(s, l, &iommufd))
		return -1;
	if (!dev->dev->iommu_group) {
		r->rc = -ENODEV;
		return 0;
	}
	if (iommufd)
		ret = sw_msi_group_replace(dev->dev->iommu_group, dom->domain);
	else
		ret = iommu_group_replace_domain(dev->dev->iommu_group, dom->domain);
	if (!ret)
		dev->attached = dom->domain;
	return report_attach(s, r, dev, "replace", ret);
}

/* "rw" -> IOMMU_READ | IOMMU_WRITE; r w x(=exec allowed) m(mmio) c(cache) p(priv). */
static int parse_prot(struct scenario *s, const struct scn_line *l, int *prot)
{
	const char *p = scn_key(l, "prot");

	*prot = IOMMU_READ | IOMMU_WRITE | IOMMU_NOEXEC;
	if (!p)
		return 0;
	*prot = IOMMU_NOEXEC;
	for (; *p; p++) {
		switch (*p) {
		case 'r': *prot |= IOMMU_READ; break;
		case 'w': *prot |= IOMMU_WRITE; break;
		case 'x': *prot &= ~IOMMU_NOEXEC; break;
		case 'm': *prot |= IOMMU_MMIO; break;
		case 'c': *prot |= IOMMU_CACHE; break;
		case 'p': *prot |= IOMMU_PRIV; break;
		case '-': break;
		default:
			return scn_error(s, l, "%s: prot=: '%c' is not one of rwxmcp-",
					 l->cmd, *p);
		}
	}
	return 0;
}

/* map DOMAIN iova=A pa=P size=S [prot=...]: iommu_map(). */
int cmd_map(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "iova", "pa", "size", "prot", NULL };
	struct world_obj *dom;
	u64 iova, pa, size;
	int prot;

	if (scn_check_keys(s, l, keys) ||
	    !(dom = world_arg_obj(s, l, NULL, 0, OBJ_DOMAIN)) ||
	    scn_u64(s, l, "iova", true, &iova) || scn_u64(s, l, "pa", true, &pa) ||
	    scn_u64(s, l, "size", true, &size) || parse_prot(s, l, &prot))
		return -1;
	r->rc = iommu_map(dom->domain, iova, pa, size, prot);
	fprintf(scenario_out(s), "map %s: iova 0x%llx -> pa 0x%llx, 0x%llx bytes: %s%s\n",
		dom->name, (unsigned long long)iova, (unsigned long long)pa,
		(unsigned long long)size, r->rc ? "-" : "ok",
		r->rc ? scn_errno_name(-r->rc) : "");
	return 0;
}

/* unmap DOMAIN iova=A size=S: iommu_unmap(); reports unmapped=BYTES. */
int cmd_unmap(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "iova", "size", NULL };
	struct world_obj *dom;
	u64 iova, size;
	size_t done;

	if (scn_check_keys(s, l, keys) ||
	    !(dom = world_arg_obj(s, l, NULL, 0, OBJ_DOMAIN)) ||
	    scn_u64(s, l, "iova", true, &iova) || scn_u64(s, l, "size", true, &size))
		return -1;
	done = iommu_unmap(dom->domain, iova, size);
	scn_set_hex(r, "unmapped", done);
	fprintf(scenario_out(s), "unmap %s: iova 0x%llx, 0x%llx bytes unmapped\n",
		dom->name, (unsigned long long)iova, (unsigned long long)done);
	return 0;
}

/* iova-to-phys DOMAIN iova=A: reports phys= (0 when unmapped). */
int cmd_iova_to_phys(struct scenario *s, const struct scn_line *l,
		     struct scn_result *r)
{
	static const char *const keys[] = { "iova", NULL };
	struct world_obj *dom;
	u64 iova;

	if (scn_check_keys(s, l, keys) ||
	    !(dom = world_arg_obj(s, l, NULL, 0, OBJ_DOMAIN)) ||
	    scn_u64(s, l, "iova", true, &iova))
		return -1;
	scn_set_hex(r, "phys", iommu_iova_to_phys(dom->domain, iova));
	return 0;
}

/*
 * dma DEV iova=A: where a DMA of DEV to A lands, as the (mock) IOMMU's
 * hardware would translate it: pa=, or rc=-EFAULT for a fault.
 */
#define DMA_MAX_SIZE	(1 << 20)

int cmd_dma(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "iova", "access", "size", NULL };
	const char *access = scn_key(l, "access");
	struct world_obj *dev;
	phys_addr_t pa = 0;
	u64 iova, size = 8;

	if (scn_check_keys(s, l, keys) ||
	    !(dev = world_arg_obj(s, l, NULL, 0, OBJ_DEVICE)) ||
	    scn_u64(s, l, "iova", true, &iova) || scn_u64(s, l, "size", false, &size))
		return -1;
	if (access && strcmp(access, "r") && strcmp(access, "w"))
		return scn_error(s, l, "dma: access=%s: r or w", access);
	if (!size || size > DMA_MAX_SIZE)
		return scn_error(s, l, "dma: size= must be 1..%d bytes", DMA_MAX_SIZE);
	if (dev->ep)
		return board_dma(s, dev, iova, !access || !strcmp(access, "w"), size, r);
	/* The mock world only translates: a device that moves bytes is the board's. */
	if (access || scn_key(l, "size"))
		return scn_error(s, l, "dma: access= and size= need a board endpoint "
				 "(here the mock IOMMU only says where iova goes)");
	r->rc = mock_iommu_translate(dev->dev, iova, &pa);
	if (!r->rc)
		scn_set_hex(r, "pa", pa);
	if (r->rc)
		fprintf(scenario_out(s), "dma %s: iova 0x%llx -> fault (-%s)\n",
			dev->name, (unsigned long long)iova, scn_errno_name(-r->rc));
	else
		fprintf(scenario_out(s), "dma %s: iova 0x%llx -> pa 0x%llx\n",
			dev->name, (unsigned long long)iova, (unsigned long long)pa);
	return 0;
}

static void show_device(struct world_obj *o, struct scn_result *r)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(o->dev);
	struct iommu_domain *d = iommu_get_domain_for_dev(o->dev);

	scn_set(r, "domain", "%s", domain_type_name(d));
	scn_set(r, "group", "%d", o->dev->iommu_group ?
		iommu_group_id(o->dev->iommu_group) : -1);
	if (fw && fw->num_ids)
		scn_set_hex(r, "sid", fw->ids[0]);
	if (fw && fw->num_ids > 1)
		scn_set(r, "sids", "%u", fw->num_ids);
	scn_set(r, "attached", "%s", o->attached ? "yes" : "no");
	scn_set(r, "owned", "%s", o->claimed ? "yes" : "no");
	if (o->dev->iommu_probe_err)
		scn_set(r, "probe", "-%s", scn_errno_name(-o->dev->iommu_probe_err) ?: "?");
	if (o->ep)
		scn_set(r, "board", "yes");
}

static void show_domain(struct world_obj *o, struct scn_result *r)
{
	const struct iommu_domain *d = o->domain;

	scn_set(r, "type", "%s", domain_type_name(d));
	if (d->pgsize_bitmap)
		scn_set_hex(r, "pgsizes", d->pgsize_bitmap);
	if (d->geometry.force_aperture) {
		scn_set_hex(r, "aperture_start", d->geometry.aperture_start);
		scn_set_hex(r, "aperture_end", d->geometry.aperture_end);
	}
	scn_set(r, "iommufd", "%s", o->iommufd_owned ? "yes" : "no");
}

/*
 * show OBJECT: the object's state as values (a device's domain=, group=,
 * sid=; a domain's type=, pgsizes=, aperture; an ITS's doorbell=), also
 * printed as one line.
 */
int cmd_show(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	struct world *w = scenario_world(s);
	const char *name;
	struct world_obj *o;

	if (scn_need_pos(s, l, 0, "object name", &name))
		return -1;
	if (l->nargs > 1)
		return scn_error(s, l, "show: one object at a time");
	o = world_find(w, name);
	if (!o) {
		char have[512];
		size_t used = snprintf(have, sizeof(have), "the objects are");

		/* Any kind may be shown: name them all. */
		for (int i = 0; i < w->nr_objs && used < sizeof(have); i++)
			used += snprintf(have + used, sizeof(have) - used, "%s %s",
					 i ? "," : "", w->objs[i].name);
		return scn_error(s, l, "show: no object named '%s' (%s)", name,
				 w->nr_objs ? have : "there is none yet");
	}
	scn_set(r, "kind", "%s", obj_kind_name(o->kind));
	switch (o->kind) {
	case OBJ_DEVICE:
		show_device(o, r);
		break;
	case OBJ_DOMAIN:
		show_domain(o, r);
		break;
	case OBJ_ITS:
		scn_set_hex(r, "doorbell", o->its.doorbell);
		break;
	case OBJ_KERNEL:
		scn_set(r, "board", "%s", o->platform ? "yes" : "no");
		break;
	case OBJ_IOMMU:
		break;
	}
	fprintf(scenario_out(s), "show %s:", name);
	for (int k = 0; k < r->nkv; k++)
		fprintf(scenario_out(s), " %s=%s", r->kv[k].key, r->kv[k].val);
	fputc('\n', scenario_out(s));
	return 0;
}

/* no-msi-parent IOMMU: its nested domains name no domain for doorbells. */
int cmd_no_msi_parent(struct scenario *s, const struct scn_line *l,
		      struct scn_result *r)
{
	struct world_obj *iommu = world_arg_obj(s, l, NULL, 0, OBJ_IOMMU);

	(void)r;
	if (!iommu)
		return -1;
	mock_iommu_set_nested_msi_parent(iommu->mock, false);
	return 0;
}
