/* SPDX-License-Identifier: GPL-2.0 */
/* The host harness runs one thread: the semaphore only counts. */
#ifndef _KHO_SHIM_LINUX_PERCPU_RWSEM_H
#define _KHO_SHIM_LINUX_PERCPU_RWSEM_H
#include <assert.h>
#include <stdbool.h>
#include <linux/percpu.h>

struct percpu_rw_semaphore {
	int readers;
	bool writer;
};

static inline int percpu_init_rwsem(struct percpu_rw_semaphore *sem)
{
	sem->readers = 0;
	sem->writer = false;
	return 0;
}

static inline void percpu_free_rwsem(struct percpu_rw_semaphore *sem)
{
	assert(!sem->readers && !sem->writer);
}

static inline bool percpu_down_read_trylock(struct percpu_rw_semaphore *sem)
{
	if (sem->writer)
		return false;
	sem->readers++;
	return true;
}

static inline void percpu_down_read(struct percpu_rw_semaphore *sem)
{
	assert(!sem->writer);
	sem->readers++;
}

static inline void percpu_up_read(struct percpu_rw_semaphore *sem)
{
	assert(sem->readers > 0);
	sem->readers--;
}

static inline void percpu_down_write(struct percpu_rw_semaphore *sem)
{
	assert(!sem->readers && !sem->writer);
	sem->writer = true;
}

static inline void percpu_up_write(struct percpu_rw_semaphore *sem)
{
	assert(sem->writer);
	sem->writer = false;
}
#endif
