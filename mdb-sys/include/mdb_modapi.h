/*
 * mdb_modapi.h -- the illumos mdb module (dmod) API, amd64, as this project uses it.
 *
 * Written for this project from the ABI facts in shared/reference/mdb-modapi.md (type
 * sizes, struct layouts, constants and prototypes of illumos amd64).  Every declaration
 * here has the type the illumos <sys/mdb_modapi.h> gives it (enum or macro, return type,
 * const-ness, function or pointer typedef), so that the bindings bindgen makes from either
 * header have the same names and types.  On illumos, mdb-sys binds <sys/mdb_modapi.h>
 * instead; tests/abi.rs pins the sizes, offsets, enumerators and signatures we use.
 *
 * It includes no other header: it declares the illumos LP64 scalar types it needs
 * itself, so that it binds for an illumos target on a machine without illumos headers
 * (the cross-check from Linux).  Where a C libc declares the same names, as glibc does
 * for size_t, ssize_t, uintptr_t, uintmax_t and uint64_t, the types are identical and C11 allows
 * the repeated typedef.
 */
#ifndef _MDB_MODAPI_H
#define _MDB_MODAPI_H

#ifdef __cplusplus
extern "C" {
#endif

/* The illumos header makes NULL available to modules (through <sys/null.h>). */
#ifndef NULL
#define NULL ((void *)0)
#endif

/* illumos LP64 scalar types. */
typedef unsigned long size_t;
typedef long ssize_t;
typedef unsigned long uintptr_t;
typedef unsigned long uintmax_t;
typedef unsigned long uint64_t;
typedef unsigned int uint_t;
typedef unsigned short ushort_t;
typedef unsigned long ulong_t;
typedef unsigned long long u_longlong_t;
typedef enum { B_FALSE = 0, B_TRUE = 1 } boolean_t;

/* <gelf.h>'s GElf_Sym is the ELF64 symbol (Elf64_Sym), 24 bytes. */
typedef struct {
	unsigned int st_name;
	unsigned char st_info;
	unsigned char st_other;
	unsigned short st_shndx;
	unsigned long st_value;
	unsigned long st_size;
} GElf_Sym;

/* A thread (on a process target, its lwp id) and the value of one of its registers. */
typedef uintptr_t mdb_tid_t;
typedef uint64_t mdb_reg_t;

/* Version 4 (2012, tab completion) fixed the 48-byte mdb_dcmd_t; 5 changed no layout. */
#define MDB_API_VERSION 5

#define DCMD_ADDRSPEC 0x01
#define DCMD_LOOP 0x02
#define DCMD_LOOPFIRST 0x04
#define DCMD_PIPE 0x08
#define DCMD_PIPE_OUT 0x10

#define DCMD_OK 0
#define DCMD_ERR 1
#define DCMD_USAGE 2
#define DCMD_NEXT 3
#define DCMD_ABORT 4

#define WALK_ERR -1
#define WALK_NEXT 0
#define WALK_DONE 1

#define MDB_SYM_NAMLEN 1024
#define MDB_SYM_FUZZY 0
#define MDB_SYM_EXACT 1

#define MDB_OBJ_EXEC ((const char *)0L)
#define MDB_OBJ_RTLD ((const char *)1L)
#define MDB_OBJ_EVERY ((const char *)-1L)

#define MDB_SYMTAB 1
#define MDB_DYNSYM 2

#define MDB_BIND_LOCAL 0x0001
#define MDB_BIND_GLOBAL 0x0002
#define MDB_BIND_WEAK 0x0004
#define MDB_BIND_ANY 0x0007

#define MDB_TYPE_NOTYPE 0x0100
#define MDB_TYPE_OBJECT 0x0200
#define MDB_TYPE_FUNC 0x0400
#define MDB_TYPE_SECT 0x0800
#define MDB_TYPE_FILE 0x1000
#define MDB_TYPE_COMMON 0x2000
#define MDB_TYPE_TLS 0x4000
#define MDB_TYPE_ANY 0x7f00

#define UM_NOSLEEP 0x0
#define UM_SLEEP 0x1
#define UM_GC 0x2

/* An enum, not macros: which member of mdb_arg_t.a_un is valid. */
typedef enum {
	MDB_TYPE_STRING = 0,
	MDB_TYPE_IMMEDIATE = 1,
	MDB_TYPE_CHAR = 2
} mdb_type_t;

typedef struct mdb_arg {
	mdb_type_t a_type;
	union {
		const char *a_str;
		uintmax_t a_val;
		char a_char;
	} a_un;
} mdb_arg_t;

typedef struct mdb_tab_cookie mdb_tab_cookie_t;

typedef int mdb_dcmd_f(uintptr_t, uint_t, int, const mdb_arg_t *);
typedef int mdb_dcmd_tab_f(mdb_tab_cookie_t *, uint_t, int, const mdb_arg_t *);

typedef struct mdb_dcmd {
	const char *dc_name;
	const char *dc_usage;
	const char *dc_descr;
	mdb_dcmd_f *dc_funcp;
	void (*dc_help)(void);
	mdb_dcmd_tab_f *dc_tabp;
} mdb_dcmd_t;

struct mdb_walk_state;
typedef int (*mdb_walk_cb_t)(uintptr_t, const void *, void *);

typedef struct mdb_walk_state {
	mdb_walk_cb_t walk_callback;
	void *walk_cbdata;
	uintptr_t walk_addr;
	void *walk_data;
	void *walk_arg;
	const void *walk_layer;
} mdb_walk_state_t;

typedef struct mdb_walker {
	const char *walk_name;
	const char *walk_descr;
	int (*walk_init)(mdb_walk_state_t *);
	int (*walk_step)(mdb_walk_state_t *);
	void (*walk_fini)(mdb_walk_state_t *);
	void *walk_init_arg;
} mdb_walker_t;

typedef struct mdb_modinfo {
	ushort_t mi_dvers;
	const mdb_dcmd_t *mi_dcmds;
	const mdb_walker_t *mi_walkers;
} mdb_modinfo_t;

typedef struct mdb_pipe {
	uintptr_t *pipe_data;
	size_t pipe_len;
} mdb_pipe_t;

typedef struct mdb_object {
	const char *obj_name;
	const char *obj_fullname;
	uintptr_t obj_base;
	uintptr_t obj_size;
} mdb_object_t;

typedef struct mdb_symbol {
	const char *sym_name;
	const char *sym_object;
	const GElf_Sym *sym_sym;
	uint_t sym_table;
	uint_t sym_id;
} mdb_symbol_t;

/* Pointer typedefs, and the symbol is passed without const. */
typedef int (*mdb_symbol_cb_t)(mdb_symbol_t *, void *);
typedef int (*mdb_object_cb_t)(mdb_object_t *, void *);

extern int mdb_prop_postmortem;

extern ssize_t mdb_vread(void *, size_t, uintptr_t);
extern ssize_t mdb_readstr(char *, size_t, uintptr_t);
extern ssize_t mdb_readsym(void *, size_t, const char *);
extern int mdb_lookup_by_name(const char *, GElf_Sym *);
extern int mdb_lookup_by_obj(const char *, const char *, GElf_Sym *);
extern int mdb_lookup_by_addr(uintptr_t, uint_t, char *, size_t, GElf_Sym *);
extern int mdb_symbol_iter(const char *, uint_t, uint_t, mdb_symbol_cb_t, void *);
extern int mdb_object_iter(mdb_object_cb_t, void *);
extern ssize_t mdb_get_xdata(const char *, void *, size_t);
extern int mdb_getareg(mdb_tid_t, const char *, mdb_reg_t *);

extern void *mdb_alloc(size_t, uint_t);
extern void *mdb_zalloc(size_t, uint_t);
extern void mdb_free(void *, size_t);

extern void mdb_printf(const char *, ...);
extern void mdb_warn(const char *, ...);
extern size_t mdb_snprintf(char *, size_t, const char *, ...);
extern void mdb_flush(void);
extern ulong_t mdb_inc_indent(ulong_t);
extern ulong_t mdb_dec_indent(ulong_t);

extern int mdb_walk(const char *, mdb_walk_cb_t, void *);
extern int mdb_pwalk(const char *, mdb_walk_cb_t, void *, uintptr_t);

extern void mdb_set_dot(uintmax_t);
extern uintmax_t mdb_get_dot(void);
extern void mdb_get_pipe(mdb_pipe_t *);
extern void mdb_set_pipe(const mdb_pipe_t *);

#ifdef __cplusplus
}
#endif

#endif /* _MDB_MODAPI_H */
