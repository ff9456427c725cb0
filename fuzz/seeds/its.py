#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed corpus of fuzz/its.c: small programs in the harness's byte language.

Run from the repository root: python3 fuzz/seeds/its.py writes
fuzz/corpus/its/*.bin.  Each seed reaches one deep state quickly (a mapped
event firing, a stall and retry, two-level tables, odd configurations) for
libFuzzer to mutate from.  Keep the encoders in step with fuzz/its.c.
"""
import os

OPS = ["MAPD", "MAPC", "MAPTI", "MAPI", "INT", "CLEAR", "INV", "INVALL",
       "SYNC", "MOVI", "MOVALL", "DISCARD", "OP00", "OP20", "OPFF"]


def cmd(op, dev=0, ev=0, pint=0, icid=0, tgt=0, tgt2=0, flags=0, itt=None):
    """op_command: small operands (each < 0xe0) and, for MAPD, an ITT address."""
    b = [0, OPS.index(op), dev, ev, pint, icid, tgt, tgt2, flags]
    if op == "MAPD":
        b += [0, itt]           # pick_addr: ITT_PA + itt * 0x100
    return b


def mapd(dev, bits):
    return cmd("MAPD", dev=dev, flags=((bits - 1) << 3) | 1, itt=dev * 0x10)


def doorbell(rid, ev):
    return [6, 0x00, rid, ev]


def ack(t):
    return [9, t, 0, 0]


def its_write(reg_index, size_index, val_kind, *rest):
    return [3, reg_index, size_index, val_kind, *rest]


basic = [0, 1]                                      # default config, flat bring-up
basic += cmd("MAPC", icid=0, tgt=0, flags=1) + cmd("MAPC", icid=1, tgt=1, flags=1)
basic += mapd(1, 5) + cmd("MAPTI", dev=1, ev=3, pint=5, icid=0)
basic += doorbell(1, 3) + ack(0) + ack(0)
basic += cmd("INT", dev=1, ev=3) + cmd("MOVI", dev=1, ev=3, icid=1)
basic += doorbell(1, 3) + ack(1) + cmd("DISCARD", dev=1, ev=3) + doorbell(1, 3)
basic += cmd("MOVALL", tgt=0, tgt2=1) + cmd("SYNC", tgt=1) + cmd("INVALL", icid=1)

stall = [6, 3]                                      # indirect, stall on error
stall += cmd("MAPC", icid=0, tgt=0, flags=1) + mapd(2, 4)
stall += cmd("MAPTI", dev=2, ev=1, pint=9, icid=0)
stall += cmd("OPFF") + doorbell(2, 1)               # stalls: the MAPTI ran, the doorbell fires
stall += cmd("INT", dev=2, ev=1, flags=2) + ack(0)  # Retry re-runs the bad command

odd = [1, 20, 3, 2, 8, 8, 32, 4, 1, 6, 0]           # devid 21b, ev 4b, icid 3b, hcc 4, 2 targets
odd += [1]
odd += cmd("MAPC", icid=2, tgt=1, flags=1) + cmd("MAPC", icid=6, tgt=0, flags=1)
odd += mapd(3, 4) + cmd("MAPTI", dev=3, ev=15, pint=1, icid=6) + doorbell(3, 15)
odd += cmd("MAPI", dev=3, ev=16, icid=2) + doorbell(3, 16) + ack(1)

raw = [0, 0]                                        # no bring-up: registers by hand
raw += its_write(1, 1, 0, 0, 0x10, 0, 0, 0)         # CBASER: valid, ITT_PA + 0x1000
raw += its_write(5, 1, 0, 2, 0, 3, 0, 1)            # BASER0: valid, DT, indirect
raw += its_write(0, 0, 1, 1)                        # CTLR.Enabled
raw += [2] + [0x08] + [0] * 31 + [1]                # a raw MAPD for device 0
raw += [5, 1, 0, 3, 1, 1, 0x40]                     # GICR0 SETLPIR (LPIs off)
raw += [8, 2, 0, 0, 0, 0, 0x10, 4]                  # scribble a DTE by hand
raw += doorbell(0, 0) + [4, 0xf5, 0x10, 0, 0, 0, 1]  # read an odd offset

out = os.path.join("fuzz", "corpus", "its")
os.makedirs(out, exist_ok=True)
for name, data in [("basic", basic), ("stall-retry", stall), ("odd-config", odd),
                   ("raw-registers", raw)]:
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(bytes(data))
