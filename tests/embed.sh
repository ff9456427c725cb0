#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The SMMUv3 model as another emulator embeds it (docs/embedding.md):
# `make install` into a temporary PREFIX (and once through DESTDIR), the
# installed headers checked alone, for the names they define and against
# an emulator's own u64/BIT/min/container_of (C and C++), then
# examples/embed built from a copy outside the tree with only -I/-L of the
# prefix, and once through pkg-config, run, and its output compared.
#   tests/embed.sh build/VARIANT      (tests/run.sh runs it for each build)
set -eu
cd "$(dirname "$0")/.."
build=${1:?usage: tests/embed.sh build/VARIANT}
variant=$(basename "$build")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The compiler and sanitizers the variant's library was built with: an
# ASan library needs an ASan program.
read -r -a flags < "$build/.flags"
cc=${flags[0]}
san=()
for f in "${flags[@]}"; do
	case $f in -fsanitize=*|-fno-sanitize*) san+=("$f") ;; esac
done
CFLAGS=(-Wall -Wextra -Wpedantic -Werror "${san[@]}")

# Installing must not rebuild (make test built the library); a parent
# make's jobserver is not ours to use.
MAKEFLAGS=$(sed -E 's/(^| )(-j[0-9]*|--jobserver-[^ ]*)//g' <<<"${MAKEFLAGS:-}")
export MAKEFLAGS
make -s install VARIANT="$variant" PREFIX="$tmp/prefix"
P=$tmp/prefix
HEADERS=(hw/smmuv3/smmuv3.h hw/memory.h hw/endpoint-regs.h hw/trace.h version.h)
for f in lib/libiommusim.a lib/libiommusim.so lib/libiommusim.so.0 \
	 lib/pkgconfig/iommusim.pc "${HEADERS[@]/#/include/iommusim/}"; do
	[ -e "$P/$f" ] || { echo "not installed: $f"; exit 1; }
done
# The shared library answers to its soname, which carries the major version.
major=$(sed -n 's/^#define IOMMUSIM_VERSION_MAJOR[[:space:]]*//p' "$P/include/iommusim/version.h")
soname=$(objdump -p "$P/lib/libiommusim.so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = "libiommusim.so.$major" ] || { echo "soname '$soname', want libiommusim.so.$major"; exit 1; }
# The .pc names its paths through ${prefix}, so a relocated tree still works.
grep -qx 'libdir=${prefix}/lib' "$P/lib/pkgconfig/iommusim.pc"
grep -qx 'includedir=${prefix}/include' "$P/lib/pkgconfig/iommusim.pc"

# DESTDIR stages the files; the .pc still names the final PREFIX.
make -s install VARIANT="$variant" PREFIX=/opt/iommusim DESTDIR="$tmp/stage"
[ -f "$tmp/stage/opt/iommusim/include/iommusim/hw/smmuv3/smmuv3.h" ]
grep -qx 'prefix=/opt/iommusim' "$tmp/stage/opt/iommusim/lib/pkgconfig/iommusim.pc"

# Everything below compiles in $tmp with only the prefix: nothing of the
# source tree is reachable.
cp examples/embed/embed.c "$tmp/"
cd "$tmp"

# Each public header alone, first in its translation unit, at the oldest
# C the docs promise.
for h in "${HEADERS[@]}"; do
	printf '#include <iommusim/%s>\ntypedef int alone_t;\n' "$h" > alone.c
	"$cc" -std=c99 "${CFLAGS[@]}" -I"$P/include" -c alone.c -o alone.o
done

# The macros they define, beyond the standard headers they include: only
# prefixed names an emulator will not have.
printf '#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n' > std.c
printf '#include <iommusim/hw/smmuv3/smmuv3.h>\n' > ours.c
"$cc" -std=c11 -E -dM std.c | awk '{ print $2 }' | sed 's/(.*//' | sort > std.macros
"$cc" -std=c11 -E -dM -I"$P/include" ours.c | awk '{ print $2 }' | sed 's/(.*//' |
	sort | comm -13 std.macros - > ours.macros
printf '#include <iommusim/hw/smmuv3/smmuv3.h>\n#if IOMMUSIM_VERSION_NUM < IOMMUSIM_VERSION_CODE(0, 2, 0)\n#error old\n#endif\n' > ver.c
"$cc" -std=c99 "${CFLAGS[@]}" -I"$P/include" -c ver.c -o ver.o
if grep -vE '^(SMMUV3_|IOMMUSIM_|MEM_ATTRS_)' ours.macros; then
	echo "the public headers define the unprefixed macros above"
	exit 1
fi

# An emulator with Linux's names (kvmtool's u64 is unsigned long long, not
# uint64_t's unsigned long) includes ours before and after its own.
cat > emu-names.h <<'EOF'
#include <stddef.h>
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef long long s64;
typedef int s32;
typedef unsigned long long phys_addr_t;
typedef unsigned long long dma_addr_t;
#define BIT(n)			(1ULL << (n))
#define GENMASK(h, l)		(((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define container_of(p, t, m)	((t *)((char *)(p) - offsetof(t, m)))
#define likely(x)		(x)
#define READ_ONCE(x)		(x)
#define ALIGN(x, a)		(((x) + (a) - 1) & ~((a) - 1))
EOF
printf '#include "emu-names.h"\n#include <iommusim/hw/smmuv3/smmuv3.h>\n' > first.c
printf '#include <iommusim/hw/smmuv3/smmuv3.h>\n#include "emu-names.h"\n' > last.c
for t in first last; do
	printf 'u64 use_%s(void) { return BIT(3) + min(1, 2) + SMMUV3_MMIO_SIZE; }\n' \
		"$t" >> $t.c
	"$cc" -std=c11 "${CFLAGS[@]}" -I"$P/include" -c $t.c -o $t.o
done

# C++ (SystemC, gem5-style emulators): extern "C" names, links and runs.
case $cc in
*clang*) cxx=${cc/clang/clang++} ;;
*gcc*)	 cxx=${cc/gcc/g++} ;;
*)	 cxx=${cc/%cc/c++} ;;
esac
if command -v "$cxx" >/dev/null 2>&1; then
	cat > cxx.cc <<'EOF'
#include <iommusim/hw/smmuv3/smmuv3.h>
int main()
{
	struct smmuv3_config cfg;
	struct phys_mem *mem = phys_mem_create();

	smmuv3_config_default(&cfg);
	struct smmuv3 *smmu = smmuv3_create(&cfg, mem, nullptr, nullptr, 0);
	bool ok = smmu && smmuv3_mmio_ops.read;
	smmuv3_destroy(smmu);
	phys_mem_destroy(mem);
	return ok ? 0 : 1;
}
EOF
	"$cxx" -std=c++11 -Wall -Wextra -Werror "${san[@]}" -I"$P/include" cxx.cc \
		"$P/lib/libiommusim.a" -pthread -lm -o cxx
	./cxx
else
	echo "no $cxx: C++ check skipped"
fi

# The example: first with -I/-L only, then through pkg-config.
cat > want <<'EOF'
embed: enabled, CR0ACK=0xd, 2 sync irqs
embed: dma sid=0x10 iova=0x10000040 -> pa=0x80020040: "hello from the device"
embed: stale TLB entry until TLBI: pa=0x80020040
embed: coherency checker: missing CMD_TLBI_NH_VA asid 1 addr 0x10000000
embed: fault: event 0x10 sid=0x10 iova=0x10000040 write, msi data=42 rid=0xfff0
embed: ok
EOF
# Static: the archive by name.
"$cc" -std=c11 "${CFLAGS[@]}" -I"$P/include" embed.c "$P/lib/libiommusim.a" \
	-pthread -lm -o embed
./embed > got
diff -u want got
# Shared: -liommusim takes the .so, found at run time through its soname.
"$cc" -std=c11 "${CFLAGS[@]}" -I"$P/include" embed.c -L"$P/lib" -liommusim -o embed-so
objdump -p embed-so | grep -q "NEEDED.*libiommusim.so.$major"
LD_LIBRARY_PATH=$P/lib ./embed-so > got
diff -u want got

if command -v pkg-config >/dev/null 2>&1; then
	export PKG_CONFIG_PATH=$P/lib/pkgconfig
	pkg-config --exists --print-errors iommusim
	# shellcheck disable=SC2046	# pkg-config's flags are words
	"$cc" -std=c11 "${CFLAGS[@]}" $(pkg-config --cflags iommusim) embed.c \
		$(pkg-config --libs iommusim) -o embed-pc
	LD_LIBRARY_PATH=$P/lib ./embed-pc > got
	diff -u want got
else
	echo "no pkg-config: the pkg-config build skipped"
fi
# make uninstall takes back everything install put there.
cd - >/dev/null
make -s uninstall VARIANT="$variant" PREFIX="$P"
if [ -e "$P" ]; then
	echo "make uninstall left:"; find "$P"; exit 1
fi
echo "embed: $variant ok"
