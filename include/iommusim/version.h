/* SPDX-License-Identifier: MIT */
/*
 * The version of iommusim, for programs and emulators that build against
 * the installed library (<iommusim/version.h>) and want to check what they
 * got at compile time.  The shared library's soname carries the major
 * number: it changes when an installed header changes incompatibly.
 */
#ifndef IOMMUSIM_VERSION_H
#define IOMMUSIM_VERSION_H

#define IOMMUSIM_VERSION_MAJOR	0
#define IOMMUSIM_VERSION_MINOR	2
#define IOMMUSIM_VERSION_PATCH	0
#define IOMMUSIM_VERSION_STRING	"0.2.0"

/* Compare with IOMMUSIM_VERSION_NUM >= IOMMUSIM_VERSION_CODE(0, 2, 0). */
#define IOMMUSIM_VERSION_CODE(major, minor, patch) \
	(((major) << 16) | ((minor) << 8) | (patch))
#define IOMMUSIM_VERSION_NUM \
	IOMMUSIM_VERSION_CODE(IOMMUSIM_VERSION_MAJOR, IOMMUSIM_VERSION_MINOR, \
			      IOMMUSIM_VERSION_PATCH)

#endif
