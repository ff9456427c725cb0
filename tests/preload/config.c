// SPDX-License-Identifier: MIT
/*
 * The shim's configuration (docs/preload.md): IOMMUSIM_PRELOAD and the
 * file named by IOMMUSIM_PRELOAD_CONFIG decide which devices exist.
 *
 * The configuration is read once, at the first open of a served path, so
 * each case runs in a fork()ed child that has not opened one yet; the
 * child's exit status carries what it saw.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "client.h"

/*
 * In a child with env and file as configuration: how many of vfio0..31
 * open (bits of the status), or 100 + errno when /dev/iommu fails.
 */
static int probe(const char *env, const char *file)
{
	int status;
	pid_t pid = fork();

	REQUIRE(pid >= 0);
	if (!pid) {
		int fd, n = 0;

		if (env)
			setenv("IOMMUSIM_PRELOAD", env, 1);
		if (file)
			setenv("IOMMUSIM_PRELOAD_CONFIG", file, 1);
		fd = open("/dev/iommu", O_RDWR);
		if (fd < 0)
			_exit(100 + errno);
		for (int i = 0; i < 32; i++) {
			char path[64];
			int dev;

			snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", i);
			dev = open(path, O_RDWR);
			if (dev >= 0) {
				n++;
				close(dev);
			} else if (errno != ENOENT) {
				_exit(99);
			}
		}
		close(fd);
		_exit(n);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * trace=LIST: the categories' lines on the program's stderr (here a file),
 * QEMU's names; returns whether text was among them.
 */
static bool traced(const char *env, const char *text)
{
	char path[] = "/tmp/iommusim-trace-XXXXXX", buf[65536];
	int fd = mkstemp(path), status;
	ssize_t n;
	pid_t pid;

	REQUIRE(fd >= 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		struct iommu_ioas_alloc a = { .size = sizeof(a) };
		int iommufd;

		setenv("IOMMUSIM_PRELOAD", env, 1);
		dup2(fd, 2);
		iommufd = open("/dev/iommu", O_RDWR);
		_exit(iommufd < 0 || ioctl(iommufd, IOMMU_IOAS_ALLOC, &a));
	}
	REQUIRE(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, text) != NULL;
}

int main(void)
{
	char path[] = "/tmp/iommusim-preload-XXXXXX";
	const char *text =
		"# two devices sharing StreamID 0x20 (one group), one of its own\n"
		"devices=0\n"
		"device=0x20   device=0x20\n"
		"device=0x30:0x31 ; ram=64M  # comments run to the end of the line\n";
	int fd = mkstemp(path);

	REQUIRE(fd >= 0);
	REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);

	CHECK_EQ(probe(NULL, NULL), 2);			/* the default */
	CHECK_EQ(probe("devices=5", NULL), 5);
	CHECK_EQ(probe("devices=0", NULL), 0);
	CHECK_EQ(probe("devices=32", NULL), 32);
	CHECK_EQ(probe("ram=64M;devices=1 device=0x99", NULL), 2);
	CHECK_EQ(probe("  iommu=mock\n", NULL), 2);
	CHECK_EQ(probe("iommu=smmuv3", NULL), 2);
	CHECK_EQ(probe("iommu=smmuv3 iommu=mock", NULL), 2);
	/* StreamIDs the SMMU has (IDR1.SIDSIZE 16); the mock takes any. */
	CHECK_EQ(probe("iommu=mock devices=0 device=0x12345:0x10", NULL), 1);
	CHECK_EQ(probe("iommu=smmuv3 devices=0 device=0xffff", NULL), 1);
	CHECK_EQ(probe("iommu=smmuv3 devices=0 device=0x10000", NULL), 100 + ENODEV);
	/* Devices sharing and holding several StreamIDs, on either. */
	CHECK_EQ(probe("iommu=smmuv3 devices=0 device=0x20 device=0x20 device=0x30:0x31",
		       NULL), 3);
	CHECK_EQ(probe("iommu=smmuv3 devices=0 device=0x30:0x30", NULL), 100 + ENODEV);
	CHECK_EQ(probe(NULL, path), 3);
	/* The variable comes after the file and adds to it. */
	CHECK_EQ(probe("device=7", path), 4);

	/* A bad configuration: /dev/iommu cannot be opened at all. */
	CHECK_EQ(probe("devices=33", NULL), 100 + ENODEV);
	CHECK_EQ(probe("devices=-1", NULL), 100 + ENODEV);
	CHECK_EQ(probe("devices=two", NULL), 100 + ENODEV);
	CHECK_EQ(probe("ram=3M", NULL), 100 + ENODEV);
	CHECK_EQ(probe("httu=3", NULL), 100 + ENODEV);
	CHECK_EQ(probe("trace=cmdq,bogus", NULL), 100 + ENODEV);
	CHECK_EQ(probe("coherency=on", NULL), 100 + ENODEV);
	CHECK_EQ(probe("coherency=report trace=coherency", NULL), 2);
	CHECK_EQ(probe("trace=its,cmdq", NULL), 2);
	/* The board's boot, traced: the driver's commands, only when asked. */
	CHECK(traced("trace=cmdq", "smmuv3_cmdq_opcode <--- CMD_SYNC"));
	CHECK(traced("trace=cmdq,its", "gicv3_its_cmd MAPC"));
	CHECK(!traced("trace=event", "smmuv3_cmdq_opcode"));
	CHECK(traced("trace=iommufd", "iommufd: IOMMU_IOAS_ALLOC -> 0"));
	CHECK_EQ(probe("httu=x", NULL), 100 + ENODEV);
	CHECK_EQ(probe("ram=0", NULL), 100 + ENODEV);
	CHECK_EQ(probe("ram=128T", NULL), 100 + ENODEV);
	CHECK_EQ(probe("ram=1X", NULL), 100 + ENODEV);
	CHECK_EQ(probe("iommu=intel", NULL), 100 + ENODEV);
	CHECK_EQ(probe("iommu=", NULL), 100 + ENODEV);
	CHECK_EQ(probe("device=", NULL), 100 + ENODEV);
	CHECK_EQ(probe("device=0x1:0x100000000", NULL), 100 + ENODEV);
	CHECK_EQ(probe("device=1:2:3:4:5:6:7:8:9", NULL), 100 + ENODEV);
	CHECK_EQ(probe("devices=32 device=1", NULL), 100 + ENODEV);
	CHECK_EQ(probe("color=blue", NULL), 100 + ENODEV);
	CHECK_EQ(probe("devices", NULL), 100 + ENODEV);
	CHECK_EQ(probe(NULL, "/nonexistent/iommusim.conf"), 100 + ENODEV);
	unlink(path);
	return test_done();
}
