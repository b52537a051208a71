/*
 * The slice of illumos libproc that an mdb module uses to enumerate a process's memory:
 * prmap_t (from <sys/procfs.h>, amd64 layout, 104 bytes) and Pmapping_iter.  On illumos
 * the module links -lproc and mdb-sys binds <libproc.h>; the Linux host exports
 * Pmapping_iter itself over its core or live process.  Like mdb_modapi.h it includes no
 * other header and declares the LP64 scalar types it uses (identical repeats are legal C11).
 */
#ifndef _LIBPROC_MAPPING_H
#define _LIBPROC_MAPPING_H

#define PRMAPSZ 64

typedef unsigned long uintptr_t;
typedef unsigned long size_t;
typedef long long offset_t;

typedef struct prmap {
	uintptr_t pr_vaddr;
	size_t pr_size;
	char pr_mapname[PRMAPSZ];
	offset_t pr_offset;
	int pr_mflags;
	int pr_pagesize;
	int pr_shmid;
	int pr_filler[1];
} prmap_t;

#define MA_EXEC 0x01
#define MA_WRITE 0x02
#define MA_READ 0x04
#define MA_SHARED 0x08
#define MA_BREAK 0x10
#define MA_STACK 0x20
#define MA_ANON 0x40

struct ps_prochandle;
typedef int proc_map_f(void *, const prmap_t *, const char *);
extern int Pmapping_iter(struct ps_prochandle *, proc_map_f *, void *);

#endif /* _LIBPROC_MAPPING_H */
