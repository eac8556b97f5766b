/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The current task's open files: the file behind an fd, and the directory a relative path starts from. */
#ifndef EBPFSH_FD_H
#define EBPFSH_FD_H

#include "event.h"
#include "path.h"

#define AT_FDCWD	-100

/*
 * The current task is passed in (bpf_get_current_task_btf(), fetched once per
 * event): each helper call costs ~8 ns here, most of it the return through
 * the kernel's return thunk (spec_rstack_overflow's Safe RET).
 */

/* The file behind `fd` in `task`'s table (the current task), or NULL. */
static __always_inline struct file *fd_file(struct task_struct *task, int fd)
{
	/* a BTF pointer: plain loads down to the table, not a helper call per field */
	struct fdtable *fdt = task->files->fdt;
	unsigned int max_fds = fdt->max_fds;
	struct file **fds = fdt->fd;

	/* bounds-checked, not masked: a masked fd could name another file */
	if (fd < 0 || (unsigned int)fd >= max_fds)
		return NULL;
#if PATH_BTF_WALK
	/* a plain load: fds cast to untyped memory (bpf_rdonly_cast to id 0), not a helper call */
	return ((struct file *const *)bpf_rdonly_cast(fds, 0))[fd];
#else
	struct file *f = NULL;

	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
#endif
}

/* The path of the file behind `fd` in `task`'s table (the current task). */
static __always_inline bool fd_path(struct task_struct *task, int fd, struct path *out)
{
	struct file *f = fd_file(task, fd);

	if (!f)
		return false;
#if PATH_BTF_WALK
	/* plain loads: two fields, not a helper call */
	f = bpf_rdonly_cast(f, targ_btf_file);
	out->dentry = f->f_path.dentry;
	out->mnt = f->f_path.mnt;
#else
	bpf_core_read(out, sizeof(*out), &f->f_path);
#endif
	return true;
}

/* The directory a relative path was resolved against: dfd's file, or the cwd (of `task`, the current task). */
static __always_inline bool base_dir(struct task_struct *task, int dfd, struct path *out)
{
	struct fs_struct *fs;

	if (dfd != AT_FDCWD)
		return fd_path(task, dfd, out);
	fs = task->fs;
	out->dentry = fs->pwd.dentry;
	out->mnt = fs->pwd.mnt;
	return true;
}

#endif /* EBPFSH_FD_H */
