// SPDX-License-Identifier: MIT
/*
 * hw/memory: sparse RAM, MMIO dispatch with requester IDs, and every way an
 * access can miss.
 */
#include <string.h>

#include "hw/memory.h"
#include "lib/types.h"
#include "tests/test.h"

struct fake_dev {
	u64 regs[4];
	u32 last_rid;
	bool last_rid_valid;
	unsigned int accesses;
};

static int dev_read(void *opaque, u64 off, unsigned int size, u64 *val,
		    struct mem_attrs attrs)
{
	struct fake_dev *d = opaque;

	(void)attrs;
	d->accesses++;
	if (off >= sizeof(d->regs))
		return -EFAULT;
	*val = 0;
	memcpy(val, (u8 *)d->regs + off, size);
	return 0;
}

static int dev_write(void *opaque, u64 off, unsigned int size, u64 val,
		     struct mem_attrs attrs)
{
	struct fake_dev *d = opaque;

	d->accesses++;
	d->last_rid = attrs.requester_id;
	d->last_rid_valid = attrs.requester_valid;
	if (off >= sizeof(d->regs))
		return -EFAULT;
	memcpy((u8 *)d->regs + off, &val, size);
	return 0;
}

static const struct mmio_ops dev_ops = { dev_read, dev_write };

/*
 * RAM backed by another address space's RAM (a guest's IPA space over host
 * pages): one set of bytes at two addresses, the owner's memory untouched
 * by the borrower's teardown.
 */
static void test_ram_backed(void)
{
	struct phys_mem *host = phys_mem_create(), *guest = phys_mem_create();
	u8 *hva;
	u64 v;

	REQUIRE(host && guest);
	REQUIRE(phys_mem_add_ram(host, 0x40000000, 1 << 20, "host") == 0);
	hva = phys_ram_ptr(host, 0x40010000, 0x4000);
	REQUIRE(hva);
	CHECK_EQ(phys_mem_add_ram_backed(guest, 0x80000000, 0x4000, hva, "g"), 0);
	/* A guest write at an IPA is the host write at the page behind it. */
	CHECK_EQ(phys_write64(guest, 0x80001008, 0xfeedfacecafef00dull), 0);
	CHECK_EQ(phys_read64(host, 0x40011008, &v), 0);
	CHECK_EQ(v, 0xfeedfacecafef00dull);
	CHECK_EQ(phys_write64(host, 0x40013ff8, 7), 0);
	CHECK_EQ(phys_read64(guest, 0x80003ff8, &v), 0);
	CHECK_EQ(v, 7);
	CHECK(phys_ram_ptr(guest, 0x80002000, 8) == hva + 0x2000);
	/* Its end is its end: the host page after it is not the guest's. */
	CHECK_EQ(phys_read64(guest, 0x80004000, &v), -EFAULT);
	CHECK(phys_ram_ptr(guest, 0x80003ffc, 8) == NULL);
	/* Bad arguments. */
	CHECK_EQ(phys_mem_add_ram_backed(guest, 0x90000000, 0x1000, NULL, "n"), -EINVAL);
	CHECK_EQ(phys_mem_add_ram_backed(guest, 0x90000000, 0x1000, hva + 4, "u"), -EINVAL);
	CHECK_EQ(phys_mem_add_ram_backed(guest, 0x90000800, 0x1000, hva, "a"), -EINVAL);
	CHECK_EQ(phys_mem_add_ram_backed(guest, 0x90000000, 0, hva, "z"), -EINVAL);
	CHECK_EQ(phys_mem_add_ram_backed(guest, 0x80002000, 0x1000, hva, "o"), -EEXIST);
	/* Borrowed: not the guest's to count or to free. */
	CHECK_EQ(phys_mem_resident_bytes(guest), 0);
	phys_mem_destroy(guest);
	CHECK_EQ(phys_read64(host, 0x40011008, &v), 0);
	CHECK_EQ(v, 0xfeedfacecafef00dull);
	phys_mem_destroy(host);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct fake_dev dev = { 0 };
	u8 buf[64], big[8192];
	u64 v;
	u32 v32;

	REQUIRE(mem);
	/* 64 GiB of RAM above 4 GiB: address space only. */
	CHECK_EQ(phys_mem_add_ram(mem, 0x100000000ull, 64ull << 30, "ram"), 0);
	CHECK_EQ(phys_mem_add_ram(mem, 0x40000000, 1 << 20, "low"), 0);
	CHECK_EQ(phys_mem_add_mmio(mem, 0x8000000, 0x1000, &dev_ops, &dev, "dev"), 0);
	CHECK(phys_mem_resident_bytes(mem) < (1 << 20));

	/* Bad regions. */
	CHECK_EQ(phys_mem_add_ram(mem, 0x40000000, 4096, "dup"), -EEXIST);
	CHECK_EQ(phys_mem_add_ram(mem, 0x8000800, 4096, "unaligned"), -EINVAL);
	CHECK_EQ(phys_mem_add_ram(mem, 0x50000000, 0, "empty"), -EINVAL);
	CHECK_EQ(phys_mem_add_ram(mem, ~0ull - 4095, 8192, "wraps"), -EINVAL);
	CHECK_EQ(phys_mem_add_mmio(mem, 0x9000000, 4096, NULL, NULL, "noops"), -EINVAL);

	/* Little-endian accesses of each size, far into sparse RAM. */
	CHECK_EQ(phys_write64(mem, 0x100000000ull + (40ull << 30), 0x1122334455667788ull), 0);
	CHECK_EQ(phys_read_val(mem, 0x100000000ull + (40ull << 30), 1, &v, MEM_ATTRS_NONE), 0);
	CHECK_EQ(v, 0x88);
	CHECK_EQ(phys_read_val(mem, 0x100000000ull + (40ull << 30) + 2, 2, &v, MEM_ATTRS_NONE), 0);
	CHECK_EQ(v, 0x5566);
	CHECK_EQ(phys_read32(mem, 0x100000000ull + (40ull << 30) + 4, &v32), 0);
	CHECK_EQ(v32, 0x11223344);
	CHECK_EQ(phys_read_val(mem, 0x40000000, 3, &v, MEM_ATTRS_NONE), -EINVAL);
	/* Untouched RAM reads as zero; touching a few pages keeps RAM sparse. */
	CHECK_EQ(phys_read64(mem, 0x100000000ull + (63ull << 30), &v), 0);
	CHECK_EQ(v, 0);
	CHECK(phys_mem_resident_bytes(mem) < (1 << 20));

	/* Bulk copies, and the linear-map pointer agrees with them. */
	for (unsigned int i = 0; i < sizeof(big); i++)
		big[i] = (u8)(i * 7);
	CHECK_EQ(phys_write(mem, 0x40000ff0, big, sizeof(big)), 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(phys_read(mem, 0x40000ff0 + 100, buf, sizeof(buf)), 0);
	CHECK(memcmp(buf, big + 100, sizeof(buf)) == 0);
	CHECK(phys_ram_ptr(mem, 0x40000ff0, 16) != NULL);
	CHECK(((u8 *)phys_ram_ptr(mem, 0x40000ff0, 16))[5] == big[5]);

	/* Nothing there, or straddling a region's end: -EFAULT, nothing changed. */
	CHECK_EQ(phys_read64(mem, 0x0, &v), -EFAULT);
	CHECK_EQ(phys_write64(mem, 0x40100000 - 4, 0xffffffffffffffffull), -EFAULT);
	CHECK_EQ(phys_read32(mem, 0x40100000 - 4, &v32), 0);
	CHECK_EQ(v32, 0);
	CHECK(phys_ram_ptr(mem, 0x40100000 - 4, 8) == NULL);
	CHECK(phys_ram_ptr(mem, 0x8000000, 4) == NULL);	/* MMIO has no linear map */
	CHECK_EQ(phys_read(mem, ~0ull - 3, buf, 8), -EFAULT);

	/* MMIO: sizes, requester IDs, and undecoded offsets. */
	CHECK_EQ(phys_write_val(mem, 0x8000008, 4, 0xdeadbeef, MEM_ATTRS_RID(0x42)), 0);
	CHECK(dev.last_rid_valid && dev.last_rid == 0x42);
	CHECK_EQ(dev.regs[1], 0xdeadbeef);
	CHECK_EQ(phys_read64(mem, 0x8000008, &v), 0);
	CHECK_EQ(v, 0xdeadbeef);
	dev.accesses = 0;
	/* A 16-byte copy from offset 4 is split 4 + 8 + 4. */
	CHECK_EQ(phys_read(mem, 0x8000004, buf, 16), 0);
	CHECK_EQ(dev.accesses, 3);
	CHECK_EQ(phys_read64(mem, 0x8000100, &v), -EFAULT);
	CHECK_EQ(phys_write32(mem, 0x8000100, 1), -EFAULT);

	phys_mem_destroy(mem);
	test_ram_backed();
	return test_done();
}
