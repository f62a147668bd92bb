/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot entry of vmguest: QEMU's -kernel loads this 32-bit ELF and
 * enters it in flat protected mode with the boot information in %ebx.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000002	/* fill in the memory fields */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	cli
	movl	$stack_top, %esp
	pushl	$_end
	pushl	%ebx
	pushl	%eax
	call	vmguest_main
1:	hlt
	jmp	1b

	.bss
	.balign 16
	.skip 8192
stack_top:

	.section .note.GNU-stack, "", @progbits
