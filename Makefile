# SPDX-License-Identifier: GPL-2.0-only
#
# Kexec HandOver (KHO) for Linux 6.12: build, boot and test the series.
# Every target installs what it needs; "make demo" and "make test" are all
# a new user types.  Build outputs go to build/ (override with BUILD=).

SHELL := /bin/bash
H := harness

.PHONY: all help deps prepare build kunit vmtest host fuzz check demo bench series series-check test clean distclean

all: build

help:
	@echo "make test      every test; ends with 'N passed, N failed' (DISTRO=1: and the distro kernel)"
	@echo "make demo      build the patched kernel and boot it under QEMU (ARCH=arm64, LIVEUPDATE=1, PSTORE=1, VM=1, ...)"
	@echo "make kunit     the KUnit suite under QEMU (KUNIT_FILTER=glob)"
	@echo "make vmtest    the kexec handover scenarios under QEMU (SCENARIOS=...)"
	@echo "make host      the host harness: unit tests, corpus, a short fuzz run; memblock's suite"
	@echo "make fuzz      fuzz the next kernel's checks (FUZZ_SECONDS=N, FUZZ_JOBS=N, default one per CPU)"
	@echo "make check     checkpatch --strict, kernel-doc, W=1 and sparse"
	@echo "make bench     the benchmark (BENCH_GIB=48 reproduces the review; ARCH=arm64)"
	@echo "make series    the patch series, with a cover letter, in build/series"
	@echo "make series-check  apply it to a clean base, build each patch, check it (SERIES_FIRST=N, SERIES_LAST=N)"
	@echo "make build     prepare the tree and build the kernel (KERNEL=prod|debug|distro|arm64)"
	@echo "make prepare   install packages, extract the base, apply patches"
	@echo "make clean     remove build outputs, keep the extracted tree"

deps:
	$(H)/deps.sh

prepare:
	$(H)/prepare.sh

build:
	$(H)/build.sh

kunit:
	$(H)/kunit.sh $(KUNIT_FILTER)

vmtest:
	$(H)/vmtest.sh $(SCENARIOS)

host:
	$(H)/host.sh

fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-600} FUZZ_JOBS=$${FUZZ_JOBS:-$$(nproc)} $(H)/host.sh

check:
	$(H)/check.sh

demo:
	$(H)/demo.sh

bench:
	$(H)/bench.sh

series:
	$(H)/series.sh

series-check:
	$(H)/series-check.sh

test:
	$(H)/test.sh

clean:
	rm -rf build/kernel build/*.log build/*.json build/*.results

distclean:
	rm -rf build
