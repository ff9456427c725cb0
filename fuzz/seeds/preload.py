#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed corpus of fuzz/preload.c: programs in the harness's byte language.

Run from the repository root: python3 fuzz/seeds/preload.py writes
fuzz/corpus/preload/seed-*.  Each seed is a small program's life against
the shim - open, bind, IOAS_ALLOC/MAP/UNMAP, the same with read-only,
unmapped and straddling structs, poll, read/write, dup/close_range, a
second thread - for libFuzzer to mutate from.  Keep the encoders in step
with fuzz/preload.c (run_op, op_ioctl, place, patch).
"""
import os
import struct

# run_op() opcodes
OPEN_IOMMU, OPEN_VFIO, CLOSE, DUP, IOCTL, RW, POLL, MMAP, FLAGS, THREAD = \
    0, 1, 2, 3, 4, 7, 8, 9, 10, 11
# pick_kind() bytes: < 0x80 valid, else byte % 9
KIND = {"valid": 0x00, "ro": 0x88, "none": 0x89, "rw_ro": 0x8a,
        "ro_none": 0x8b, "null": 0x8c, "wild": 0x8d, "user": 0x8e,
        "stack": 0x8f}
VFIO = {"bind": 0xa0, "attach": 0xa1, "detach": 0xa2, "info": 0xa3,
        "region": 0xa4, "irq_info": 0xa5, "set_irqs": 0xa6}
IOMMU = {"destroy": 0x00, "ioas_alloc": 0x01, "allow": 0x02, "copy": 0x03,
         "ranges": 0x04, "map": 0x05, "unmap": 0x06, "option": 0x07,
         "hwpt_alloc": 0x09, "hw_info": 0x0a, "invalidate": 0x0d,
         "fault_alloc": 0x0e, "viommu_alloc": 0x10, "vdevice_alloc": 0x11,
         "veventq_alloc": 0x13}


def kind_extra(kind):
    """The bytes place() reads for a kind."""
    if kind in ("rw_ro", "ro_none"):
        return bytes([8])
    if kind == "wild":
        return struct.pack("<Q", 0xdead000000001000)
    return b""


def ioctl(slot, cmd, body, kind="valid", patches=(), cmd_byte=None):
    """op_ioctl: fd, command, size, kind, contents, size field, patches."""
    sel = cmd_byte if cmd_byte is not None else (
        IOMMU[cmd] if cmd in IOMMU else VFIO[cmd])
    out = bytes([IOCTL, slot, sel]) + struct.pack("<H", len(body))
    out += bytes([KIND[kind]])
    out += body[:64]
    out += bytes([0])                      # the size field: the real size
    out += bytes([len(patches)])
    for p in patches:
        out += p
    return out + kind_extra(kind)


def patch_fd(off, slot):
    return bytes([off // 4, 1, slot])


def patch_ptr(off, kind):
    return bytes([off // 4, 3, 0, KIND[kind]]) + kind_extra(kind)


def ioas_alloc(slot, kind="valid"):
    return ioctl(slot, "ioas_alloc", struct.pack("<III", 12, 0, 0), kind)


def ioas_map(slot, ioas, iova, length, kind="valid", va_kind="user"):
    body = struct.pack("<IIIIQQQ", 40, 7, ioas, 0, 0, length, iova)
    return ioctl(slot, "map", body, kind, [patch_ptr(16, va_kind)])


def ioas_unmap(slot, ioas, iova, length, kind="valid"):
    return ioctl(slot, "unmap", struct.pack("<IIQQ", 24, ioas, iova, length), kind)


def bind(dev_slot, iommu_slot, kind="valid"):
    return ioctl(dev_slot, "bind", struct.pack("<IIiI", 16, 0, 0, 0), kind,
                 [patch_fd(8, iommu_slot)])


def attach(dev_slot, pt, kind="valid"):
    return ioctl(dev_slot, "attach", struct.pack("<III", 12, 0, pt), kind)


OPEN = bytes([OPEN_IOMMU, 0x00])
OPEN_DEV0 = bytes([OPEN_VFIO, 0x00, 0])

SEEDS = {
    "open-close": OPEN + bytes([CLOSE, 0, 0]),
    "ioas-alloc": OPEN + ioas_alloc(0),
    "ioas-alloc-readonly": OPEN + ioas_alloc(0, "ro") + ioas_alloc(0),
    "ioas-alloc-straddle": OPEN + ioas_alloc(0, "rw_ro") + ioas_alloc(0, "ro_none"),
    "ioas-alloc-null-wild": OPEN + ioas_alloc(0, "null") + ioas_alloc(0, "wild")
                            + ioas_alloc(0, "none") + ioas_alloc(0, "stack"),
    "bind-attach-map": OPEN + OPEN_DEV0 + bind(1, 0) + ioas_alloc(0)
                       + attach(1, 2) + bytes([MMAP, 3])
                       + ioas_map(0, 2, 0x100000, 4096)
                       + ioas_map(0, 2, 0x200000, 4096, "ro")
                       + ioas_unmap(0, 2, 0x100000, 4096, "ro"),
    "bind-readonly": OPEN + OPEN_DEV0 + bind(1, 0, "ro") + bind(1, 0)
                     + ioctl(1, "info", struct.pack("<IIIIII", 24, 0, 0, 0, 0, 0), "ro"),
    "map-bad-va": OPEN + ioas_alloc(0) + ioas_map(0, 1, 0x100000, 4096, "valid", "none")
                  + ioas_map(0, 1, 0x100000, 4096, "valid", "ro"),
    "poll-read": OPEN + bytes([POLL, 1, 0x00, 0, 0x01, 0x00])
                 + bytes([POLL, 0, KIND["ro"], 0, 0x01, 0x00])
                 + bytes([RW, 0, 0, 8, 0, 0x00, 0, 0, 0, 0, 0]),
    "dup-close-range": OPEN + bytes([DUP, 0, 0, 0]) + bytes([CLOSE, 0, 1])
                       + ioas_alloc(1),
    "thread-ioctl": OPEN + bytes([THREAD]) + ioas_alloc(0) + bytes([THREAD])
                    + ioas_alloc(0, "ro"),
    "fault-queue": OPEN + ioctl(0, "fault_alloc", struct.pack("<IIII", 16, 0, 0, 0))
                   + bytes([FLAGS, 0, 0, 0]),
    "hw-info": OPEN + OPEN_DEV0 + bind(1, 0)
               + ioctl(0, "hw_info", struct.pack("<IIIIQIHHQQ", 48, 0, 1, 64, 0,
                                                 0, 0, 0, 0, 0),
                       "valid", [patch_ptr(16, "ro")]),
}


def main():
    out = "fuzz/corpus/preload"
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
