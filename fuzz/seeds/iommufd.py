#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed corpus of fuzz/iommufd.c: ioctl programs in the harness's byte language.

Run from the repository root: python3 fuzz/seeds/iommufd.py writes
fuzz/corpus/iommufd/seed-*.  Each seed drives the main ioctls to success
(map/copy/unmap over an attached IOAS; a nest parent, vIOMMU, vDEVICE,
vEVENTQ, nested HWPT, invalidation and an event read; a driver-data nested
HWPT, allowed ranges, a fault queue; the SW_MSI options and a group
replace) for libFuzzer to mutate from, each over the mock and (board-seed-*)
over arm-smmu-v3 on the SMMUv3 model.  Build the harness with -DFUZZ_TRACE
to see what each ioctl returned.  Keep the encoders in step with
fuzz/iommufd.c.

The harness binds dev0..dev2 first: device IDs 1, 2, 3 (dev1 and dev2 share
a StreamID, so a group).  New objects take the lowest free ID from 4.
"""
import os
import struct

CMDS = ["DESTROY", "IOAS_ALLOC", "ALLOW_IOVAS", "COPY", "IOVA_RANGES", "MAP",
        "UNMAP", "OPTION", "VFIO_IOAS", "HWPT_ALLOC", "GET_HW_INFO",
        "SET_DIRTY", "GET_DIRTY", "INVALIDATE", "FAULT_ALLOC", "MAP_FILE",
        "VIOMMU_ALLOC", "VDEVICE_ALLOC", "CHANGE_PROCESS", "VEVENTQ_ALLOC",
        "HW_QUEUE_ALLOC"]
CMD_OPS = [0x10, 0x11, 0x12, 0x13, 0x30, 0x40, 0x05, 0x06, 0x03, 0x46, 0x00, 0xff]
STES = ["V0", "ABORT", "BYPASS", "S1", "S1_CDMAX", "CFG3", "CFG6"]


def ioctl(name, fields):
    """op byte, command index, the fields, size right, argument not NULL."""
    return [0x00, CMDS.index(name)] + fields + [0, 0]


def page(n):        # pick_iova / pick_user_va: n * 4K (n < 64)
    return n


def pages(n):       # pick_len: n * 4K (1..16)
    return n - 1


def ioas_alloc():
    return ioctl("IOAS_ALLOC", [0])


def ioas_map(ioas, va_page, npages, iova_page, fixed=True):
    return ioctl("MAP", [1 if fixed else 0, 0, ioas, page(va_page), pages(npages),
                         page(iova_page)])


def ioas_unmap(ioas, iova_page, npages):
    return ioctl("UNMAP", [ioas, 0x20, page(iova_page), pages(npages)])


def ioas_unmap_all(ioas):
    return ioctl("UNMAP", [ioas, 0x00])


def iova_ranges(ioas, num):
    return ioctl("IOVA_RANGES", [ioas, 0, num, 0])


def copy(dst, src, npages, dst_page, src_page):
    return ioctl("COPY", [1, 0, dst, src, pages(npages), page(dst_page), page(src_page)])


def hwpt_alloc(dev, pt, kind="none", fault=0, data=()):
    if kind == "parent":
        flags = [0, 0]
    elif kind == "fault":
        flags = [1, 0, 0]
    else:
        flags = [1, 1, 0]
    dsel = {"none": 0, "parent": 0, "fault": 0, "smmuv3": 3, "mock": 6}[kind]
    body = flags + [dev, pt, fault, dsel, 0]
    if dsel == 0:
        body += [0]             # fill_raw of 0 bytes: its count byte
    return ioctl("HWPT_ALLOC", body + list(data))


def vste(name):
    return [0, STES.index(name), 0]


def mock_s1(config, ttb_page=0):
    return [config, ttb_page]


def viommu_alloc(dev, hwpt):
    return ioctl("VIOMMU_ALLOC", [0, 1, dev, hwpt, 0, 0])


def vdevice_alloc(viommu, dev, virt_id):
    return ioctl("VDEVICE_ALLOC", [viommu, dev, virt_id])


def veventq_alloc(viommu, depth):
    return ioctl("VEVENTQ_ALLOC", [0, viommu, 1, depth])


def fault_alloc():
    return ioctl("FAULT_ALLOC", [0])


def smmu_cmd(op, vsid=0):
    return [0, CMD_OPS.index(op), vsid, 0]


def invalidate(pt, data_type, cmds):
    body = [pt, data_type, 0, len(cmds), 0]
    for c in cmds:
        body += c
    return ioctl("INVALIDATE", body)


def hw_info(dev, length=40):
    return ioctl("GET_HW_INFO", [0, 0, dev, length, 0, 0])


def option(opt, op, obj, val=0, start_mib=None):
    body = [0, opt, 0, op, obj, val]
    if opt == 2:
        body += [0] if start_mib is None else [1, start_mib]
    return ioctl("OPTION", body)


def destroy(obj):
    return ioctl("DESTROY", [obj])


def attach(i, pt):
    return [0xa0, i, 0, pt]


def detach(i):
    return [0xc0, i, 0]


def bind_toggle(i):
    return [0xcc, i]


def fd_read(fd_index, count8):
    return [0xd4, 0, fd_index, 0, count8]


def fd_write(fd_index, data):
    return [0xd4, 1, fd_index, 0, len(data) // 8, len(data)] + list(data)


def fd_close(fd_index):
    return [0xd4, 2, fd_index, 0, 0]   # count is read for every fd op


def event(i, code=0x10):
    return [0xe8, i, code, 0] + [0] * 16


def msi_toggle(i, nvec):
    return [0xf0, i, nvec]


def access_create(ioas):
    return [0xf4, 0, ioas]


def access_rw(j, iova_page, length, write=False):
    return [0xf4, 3 if write else 2, j, page(iova_page), length & 0xff, length >> 8]


def access_destroy(j):
    return [0xf4, 1, j]


SEEDS = {
    # IOAS 4, auto HWPT 5, IOAS 6.
    "map-attach-copy": ioas_alloc() + ioas_map(4, 0, 16, 16) + attach(0, 4) +
        iova_ranges(4, 4) + ioas_alloc() + copy(6, 4, 4, 32, 16) +
        ioas_map(6, 8, 2, 0, fixed=False) + ioas_unmap(4, 16, 16) +
        ioas_unmap_all(6) + detach(0) + destroy(6) + destroy(4),
    # IOAS 4, parent 5, vIOMMU 6, vDEVICE 7, vEVENTQ 8, nested 9.
    "viommu-nested": ioas_alloc() + ioas_map(4, 0, 8, 16) +
        hwpt_alloc(1, 4, "parent") + attach(0, 5) + viommu_alloc(1, 5) +
        vdevice_alloc(6, 1, 3) + veventq_alloc(6, 3) +
        hwpt_alloc(1, 6, "smmuv3", data=vste("BYPASS")) + attach(0, 9) +
        invalidate(6, 1, [smmu_cmd(0x10), smmu_cmd(0x05, 3)]) +
        invalidate(9, 1, [smmu_cmd(0x12)]) + event(0) + event(0) +
        fd_read(0, 16) + hw_info(1) + detach(0) + destroy(9) + destroy(8) +
        fd_close(0) + destroy(8) + destroy(7) + destroy(6),
    # IOAS 4, parent 5, mock nested 6, fault 7, paging with fault 8.
    "nested-fault-allow": ioas_alloc() +
        ioctl("ALLOW_IOVAS", [4, 0, 2, 0, 16, 15, 0, 40, 3, 0]) +
        ioas_map(4, 0, 4, 16) + hwpt_alloc(1, 4, "parent") +
        hwpt_alloc(1, 5, "mock", data=mock_s1(1)) + attach(0, 6) +
        fault_alloc() + hwpt_alloc(2, 4, "fault", fault=7) + attach(1, 8) +
        fd_read(0, 5) + fd_write(0, b"\x01\x00\x00\x00\x00\x00\x00\x00") +
        iova_ranges(4, 7) + detach(1) + destroy(8) + fd_close(0) + destroy(7),
    # SW_MSI window of device 2 (group with device 3), a replace of the group.
    "swmsi-group": option(2, 0, 2, start_mib=0x20) + option(3, 0, 2, val=1) +
        option(2, 1, 2) + option(0, 1, 0) + ioas_alloc() + ioas_alloc() +
        attach(1, 4) + attach(2, 6) + ioas_map(5, 0, 4, 0, fixed=False) +
        attach(1, 5) + iova_ranges(5, 7) + option(1, 0, 5, val=0) +
        ioas_map(5, 4, 4, 64, fixed=False) + bind_toggle(1) + bind_toggle(1) +
        detach(2) + destroy(4),
    # Unbind with a vDEVICE and a nested attachment alive, then rebind.
    "unbind-live": ioas_alloc() + hwpt_alloc(1, 4, "parent") + viommu_alloc(1, 5) +
        vdevice_alloc(6, 1, 1) + hwpt_alloc(1, 6, "smmuv3", data=vste("ABORT")) +
        attach(0, 8) + bind_toggle(0) + bind_toggle(0) + attach(0, 4),
    # MSIs of a device on a nested HWPT (doorbell into the parent), an access.
    # IOAS 4, parent 5, mock nested 6, access 7.
    "msi-access": ioas_alloc() + ioas_map(4, 0, 4, 16) + hwpt_alloc(1, 4, "parent") +
        hwpt_alloc(1, 5, "mock", data=mock_s1(1)) + attach(0, 6) + msi_toggle(0, 2) +
        access_create(4) + access_rw(0, 16, 64, write=True) + access_rw(0, 17, 300) +
        ioas_unmap(4, 16, 4) + access_rw(0, 16, 8) + msi_toggle(0, 0) +
        access_destroy(0) + destroy(4),
}


# Over arm-smmu-v3 on the SMMUv3 model (the harness's BOARD_MARK first):
# every seed above, and a nested HWPT straight on a nest parent, whose
# HWPT_INVALIDATE is arm_smmu_nested_cache_invalidate.
BOARD_MARK = 0xb5


def nested_invalidate(hwpt, cmds):
    """Board only: the event op's other half, arm_smmu_nested_cache_invalidate."""
    out = [0xe8, 0, 1, hwpt, len(cmds)]
    for c in cmds:
        out += c
    return out
BOARD_SEEDS = {
    # IOAS 4, parent 5, nested 6 (no vIOMMU), vIOMMU 7, vDEVICE 8, nested 9.
    "nested-parent-invalidate": ioas_alloc() + ioas_map(4, 0, 8, 16) +
        hwpt_alloc(1, 4, "parent") + hwpt_alloc(1, 5, "smmuv3", data=vste("S1")) +
        attach(0, 6) + invalidate(6, 1, [smmu_cmd(0x12), smmu_cmd(0x10)]) +
        invalidate(6, 1, [smmu_cmd(0x05, 1), smmu_cmd(0xff)]) +
        nested_invalidate(6, [smmu_cmd(0x12), smmu_cmd(0x05, 1)]) +
        nested_invalidate(6, [smmu_cmd(0x10), smmu_cmd(0xff)]) + event(0) +
        viommu_alloc(1, 5) + vdevice_alloc(7, 1, 3) +
        hwpt_alloc(1, 7, "smmuv3", data=vste("S1")) + attach(0, 9) +
        msi_toggle(0, 2) + event(0) + invalidate(7, 1, [smmu_cmd(0x11), smmu_cmd(0x30)]) +
        msi_toggle(0, 0) + detach(0) + destroy(9) + destroy(6),
}


def main():
    out = "fuzz/corpus/iommufd"
    os.makedirs(out, exist_ok=True)
    for name, prog in SEEDS.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(bytes(prog))
        with open(os.path.join(out, "board-seed-" + name), "wb") as f:
            f.write(bytes([BOARD_MARK] + prog))
    for name, prog in BOARD_SEEDS.items():
        with open(os.path.join(out, "board-seed-" + name), "wb") as f:
            f.write(bytes([BOARD_MARK] + prog))


if __name__ == "__main__":
    main()
