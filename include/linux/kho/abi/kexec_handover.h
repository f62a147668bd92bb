/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kexec HandOver (KHO): the format one kernel leaves to the next, as both
 * read it.  Nothing here may change without changing KHO_FDT_COMPATIBLE,
 * and, for struct kho_vmalloc, the compatible of every format that holds
 * one.
 */
#ifndef _LINUX_KHO_ABI_KEXEC_HANDOVER_H
#define _LINUX_KHO_ABI_KEXEC_HANDOVER_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <asm/page.h>

/**
 * DOC: KHO handover format
 *
 * The handover is found from one boot entry.  On x86 it is a
 * ``setup_data`` entry of type ``SETUP_KEXEC_KHO`` (10) whose payload,
 * ``struct kho_setup_data``, holds four 64-bit fields: the physical address
 * and size of the KHO FDT, and the physical address and size in bytes of
 * the scratch list.  On arm64 it is found in the device tree's
 * ``/chosen`` node: ``linux,kho-fdt`` holds the address and size of the
 * KHO FDT and ``linux,kho-scratch`` those of the scratch list, each as one
 * ``<address size>`` pair in the root node's cell counts.  A kernel must
 * find at most one such entry, or both properties or neither.
 *
 * The scratch list is an array of ``{ u64 addr; u64 size; }`` pairs, one
 * per scratch area, each aligned in address and size to the next kernel's
 * CMA pageblock size, which it checks.  A kernel that sizes scratch aligns
 * it to KHO_SCRATCH_ALIGN, the pageblock of MAX_PAGE_ORDER 10 with 4 KiB
 * pages, so that a next kernel without huge pages (4 MiB pageblocks)
 * takes what one with them (2 MiB) gave; a kernel passes on the list it
 * was given.  It holds at most a low-memory
 * area, a global one and one per NUMA node the next kernel supports: a
 * longer list is rejected.  The next kernel places itself
 * and allocates only inside these areas until it has reserved preserved
 * memory.
 *
 * The KHO FDT is a flattened device tree whose root node has:
 *
 * - ``compatible = "kho-radix-v1"``: the format of everything described
 *   here.  A kernel that does not know the string ignores the handover.
 * - ``preserved-memory``: a 64-bit integer (big endian, as FDT integers
 *   are), the physical address of the tracker's level-4 table, or 0 if
 *   nothing is preserved.
 * - one sub-node per client, named by the client, whose ``fdt`` property
 *   is the 64-bit physical address of the client's own FDT.  What that
 *   FDT holds is the client's business.
 *
 * The KHO FDT, the client FDTs and the scratch list are preserved memory.
 * The tracker's tables, described in "KHO tracker format", are not: the
 * next kernel reads them before it allocates outside scratch.
 *
 * The next kernel checks all of it before it reserves anything:
 *
 * - there is one boot entry, and the FDT has a valid header and the
 *   ``kho-radix-v1`` format;
 * - every scratch area is non-empty, aligned, in RAM and apart from the
 *   others, and all of them cover at most half of RAM;
 * - every link is page aligned, points into RAM outside scratch, is not the
 *   address of a table above it on its path nor of any other table, and
 *   stands for keys of which some may name RAM;
 * - no link or bit stands for an order above 40 or a pfn at or above 2^40;
 * - every block lies in RAM, outside scratch, outside memory the kernel
 *   already uses, and apart from every other block of any order;
 * - there are no more runs of blocks than scratch can list;
 * - the KHO FDT and the scratch list each lie in one preserved block.
 *
 * The pages it reads are bounded by the table slots that can stand for RAM
 * and its work by the runs scratch can hold, whatever the tables hold.  A
 * handover that fails any check is ignored as a whole.
 */

#define KHO_FDT_COMPATIBLE	"kho-radix-v1"
#define KHO_FDT_ROOT_PROP	"preserved-memory"
#define KHO_FDT_SUB_PROP	"fdt"
#define KHO_FDT_MAX_SIZE	SZ_64K

/* The properties of /chosen that carry the handover on device tree arches. */
#define KHO_CHOSEN_FDT		"linux,kho-fdt"
#define KHO_CHOSEN_SCRATCH	"linux,kho-scratch"

/* How a kernel that sizes scratch aligns it: see the scratch list above. */
#define KHO_SCRATCH_ALIGN	(4ULL << 20)

/**
 * struct kho_scratch - One scratch area, as the scratch list holds it.
 * @addr: physical address, aligned to the CMA pageblock size.
 * @size: size in bytes, aligned likewise.
 */
struct kho_scratch {
	u64 addr;
	u64 size;
};

static_assert(sizeof(struct kho_scratch) == 16);

/**
 * DOC: KHO tracker format
 *
 * Preserved memory is a set of *blocks*: naturally aligned runs of 2^order
 * pages, each named by a 51-bit key::
 *
 *    50      45 44                                                    0
 *   +----------+------------------------------------------------------+
 *   |  order   |                     pfn >> order                     |
 *   +----------+------------------------------------------------------+
 *   |   L4 table   |  L3 table  |  L2 table  |  L1 table  |   leaf     |
 *    50        42 41        33 32        24 23        15 14          0
 *
 * The order is at most 40 and the pfn below 2^40 (52-bit physical
 * addresses), and the pfn is a multiple of 2^order.  Keys sort by order
 * first, then by address, and each order's blocks are dense in its part of
 * the key space, so a dense set costs one bit per block whatever its order.
 * Four table levels are the fewest that hold the 6-bit order above the
 * 40-bit pfn: three would stop at 42 key bits.
 *
 * The tracker is a radix tree of pages over the key, in the CPU's byte
 * order (both kernels run on the same machine):
 *
 * - A *table* is a page of 512 64-bit links.  A link is 0 for "nothing
 *   below", or the page-aligned physical address of the page below.  The
 *   level-4 table is indexed by key bits 50:42, level 3 by bits 41:33,
 *   level 2 by bits 32:24 and level 1 by bits 23:15; links of a level-1
 *   table point to leaves.
 * - A *leaf* is a page of 32768 bits indexed by key bits 14:0: bit ``n`` is
 *   bit ``n % 64`` of the ``n / 64``-th 64-bit word.  A set bit means the
 *   block with that key is preserved.
 *
 * A set of 1 GiB of order-0 pages, aligned, takes 8 leaves and one table
 * at each level above them: 12 pages.
 */

#define KHO_BITMAP_KEY_BITS	(PAGE_SHIFT + 3)	/* bits in a page */
#define KHO_TABLE_KEY_BITS	(PAGE_SHIFT - 3)	/* u64 in a page */
#define KHO_TABLE_LEVELS	4
#define KHO_KEY_BITS		(KHO_BITMAP_KEY_BITS + \
				 KHO_TABLE_LEVELS * KHO_TABLE_KEY_BITS)

#define KHO_BITMAP_BITS		BIT(KHO_BITMAP_KEY_BITS)
#define KHO_TABLE_ENTRIES	BIT(KHO_TABLE_KEY_BITS)

#define KHO_KEY_ORDER	GENMASK_ULL(KHO_KEY_BITS - 1, KHO_KEY_BITS - 6)
#define KHO_KEY_INDEX	GENMASK_ULL(KHO_KEY_BITS - 7, 0)

#define KHO_KEY_BIT	GENMASK_ULL(KHO_BITMAP_KEY_BITS - 1, 0)
#define KHO_KEY_L1	GENMASK_ULL(KHO_BITMAP_KEY_BITS + KHO_TABLE_KEY_BITS - 1, \
				    KHO_BITMAP_KEY_BITS)
#define KHO_KEY_L2	GENMASK_ULL(KHO_BITMAP_KEY_BITS + 2 * KHO_TABLE_KEY_BITS - 1, \
				    KHO_BITMAP_KEY_BITS + KHO_TABLE_KEY_BITS)
#define KHO_KEY_L3	GENMASK_ULL(KHO_BITMAP_KEY_BITS + 3 * KHO_TABLE_KEY_BITS - 1, \
				    KHO_BITMAP_KEY_BITS + 2 * KHO_TABLE_KEY_BITS)
#define KHO_KEY_L4	GENMASK_ULL(KHO_BITMAP_KEY_BITS + 4 * KHO_TABLE_KEY_BITS - 1, \
				    KHO_BITMAP_KEY_BITS + 3 * KHO_TABLE_KEY_BITS)

/*
 * The format holds 52-bit physical addresses whatever the running kernel
 * supports, so both ends of a handover agree on the key.
 */
#define KHO_PHYS_BITS		52
#define KHO_PFN_BITS		(KHO_PHYS_BITS - PAGE_SHIFT)
#define KHO_PFN_LIMIT		BIT_ULL(KHO_PFN_BITS)
#define KHO_ORDER_MAX		KHO_PFN_BITS

struct kho_table;
struct kho_bitmap;

/**
 * union kho_link - A link from a tracker table to the level below.
 * @table: the next table (levels 4 to 2) while the tracker is built.
 * @bitmap: the leaf bitmap (level 1) while the tracker is built.
 * @phys: physical address of either once serialized.
 *
 * Zero means no link in both forms.  Links hold virtual addresses while
 * preservers run and are rewritten once, at serialize time, so the
 * preserve path never converts between the two.
 */
union kho_link {
	struct kho_table *table;
	struct kho_bitmap *bitmap;
	u64 phys;
};

/**
 * struct kho_table - One page of links.
 * @link: links to the level below, indexed by the level's key bits.
 */
struct kho_table {
	union kho_link link[KHO_TABLE_ENTRIES];
};

/**
 * struct kho_bitmap - One page of preservation bits.
 * @bits: bit n set means block n of the leaf's key range is preserved.
 */
struct kho_bitmap {
	unsigned long bits[KHO_BITMAP_BITS / BITS_PER_LONG];
};

static_assert(sizeof(union kho_link) == sizeof(u64));
static_assert(sizeof(struct kho_table) == PAGE_SIZE);
static_assert(sizeof(struct kho_bitmap) == PAGE_SIZE);

/**
 * DOC: KHO typed links
 *
 * A record handed over that refers to another record or to preserved
 * memory holds its physical address: the next kernel maps memory at other
 * addresses.  Such a field is a union defined by DEFINE_KHO_PTR(): a
 * 64-bit physical address that keeps the type of what it points to for
 * the compiler.  It is written with kho_ptr_set() or kho_ptr_set_phys()
 * and read with kho_ptr_phys() or, by the kernel that wrote it,
 * kho_ptr_get() (both kernel-only, in <linux/kexec_handover.h>).  Zero
 * is the null link.  The next kernel must check a link, usually by
 * restoring the preserved memory it names, before it reads through it.
 */

/**
 * DEFINE_KHO_PTR() - Define a type of link to a @type.
 * @name: the name of the union type defined.
 * @type: the type pointed to; void for memory that is not a record.
 *
 * Only the 64-bit @phys member is ever stored; the pointer member exists so
 * that the helpers check and keep the type.
 */
#define DEFINE_KHO_PTR(name, type)	\
	union name {			\
		u64 phys;		\
		type *__kho_type;	\
	}

struct kho_vmalloc_chunk;

/* A link to preserved memory that is not a record: a folio, a block. */
DEFINE_KHO_PTR(kho_mem_ptr, void);
/* A link to the next page of a vmalloc area's list of blocks. */
DEFINE_KHO_PTR(kho_vmalloc_chunk_ptr, struct kho_vmalloc_chunk);

static_assert(sizeof(union kho_mem_ptr) == sizeof(u64));

/**
 * kho_ptr_phys() - The physical address a link holds, 0 for none.
 * @link: the DEFINE_KHO_PTR() field.
 */
#define kho_ptr_phys(link)						\
	({								\
		(void)sizeof((link)->__kho_type);			\
		(u64)(link)->phys;					\
	})

/**
 * kho_ptr_set_phys() - Store a link by physical address.
 * @link: the DEFINE_KHO_PTR() field.
 * @addr: the physical address of what it links to, or 0.
 */
#define kho_ptr_set_phys(link, addr)					\
	do {								\
		(void)sizeof((link)->__kho_type);			\
		(link)->phys = (addr);					\
	} while (0)

/**
 * struct kho_vmalloc - A vmalloc area handed over, as a client keeps it.
 * @first: the first page of the list of the area's blocks, itself
 *	preserved memory; null for none.
 * @nr_pages: pages in the area.
 * @order: order of the blocks the area was allocated in: 0, or the order
 *	of its huge mappings.
 * @flags: reserved, 0.
 *
 * Native-endian, 16 bytes: fit for a property of the client's sub-FDT.
 */
struct kho_vmalloc {
	union kho_vmalloc_chunk_ptr first;
	u32 nr_pages;
	u16 order;
	u16 flags;
};

#define KHO_VMALLOC_CHUNK_BLOCKS	((PAGE_SIZE - 2 * sizeof(u64)) / sizeof(u64))

/**
 * struct kho_vmalloc_chunk - A page of the list of a vmalloc area's blocks.
 * @next: the next page of the list, or null.
 * @nr: how many of @block are used.
 * @block: the first page of each block, in the area's order.
 */
struct kho_vmalloc_chunk {
	union kho_vmalloc_chunk_ptr next;
	u64 nr;
	union kho_mem_ptr block[KHO_VMALLOC_CHUNK_BLOCKS];
};

static_assert(sizeof(struct kho_vmalloc) == 16);
static_assert(sizeof(struct kho_vmalloc_chunk) == PAGE_SIZE);

#endif /* _LINUX_KHO_ABI_KEXEC_HANDOVER_H */
