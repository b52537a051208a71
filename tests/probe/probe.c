/*
 * probe.so: a tiny mdb module for testing the host's mdb semantics, not a product.
 * Its dcmds print exactly what mdb handed them (address, flags, arguments), so the
 * tests can check the host against mdb's rules (shared/reference/mdb-modapi.md §3).
 */
#include <string.h>

#include "mdb_modapi.h"

static int
probe(uintptr_t addr, uint_t flags, int argc, const mdb_arg_t *argv)
{
	int i;

	if ((flags & DCMD_PIPE_OUT) != 0) {
		mdb_printf("%lx\n", addr);
		return (DCMD_OK);
	}
	mdb_printf("addr=%lx flags=%x dot=%lx argc=%d", addr, flags, (unsigned long)mdb_get_dot(), argc);
	for (i = 0; i < argc; i++) {
		if (argv[i].a_type == MDB_TYPE_STRING)
			mdb_printf(" s:%s", argv[i].a_un.a_str);
		else
			mdb_printf(" i:%lx", (unsigned long)argv[i].a_un.a_val);
	}
	mdb_printf("\n");
	return (DCMD_OK);
}

static int
fail(uintptr_t addr, uint_t flags, int argc, const mdb_arg_t *argv)
{
	(void) addr; (void) flags; (void) argv;
	if (argc > 0)
		return (DCMD_USAGE);
	mdb_warn("failing on purpose\n");
	return (DCMD_ERR);
}

/* Hands every remaining piped address over at once with mdb_get_pipe. */
static int
gather(uintptr_t addr, uint_t flags, int argc, const mdb_arg_t *argv)
{
	mdb_pipe_t p;
	size_t i;

	(void) argc; (void) argv; (void) flags;
	mdb_get_pipe(&p);
	mdb_printf("first=%lx rest=%lu:", addr, (unsigned long)p.pipe_len);
	for (i = 0; i < p.pipe_len; i++)
		mdb_printf(" %lx", p.pipe_data[i]);
	mdb_printf("\n");
	return (DCMD_OK);
}

/* For ::sym: print each symbol called sym_name with its object and value. */
static const char *sym_name;

static int
sym_cb(const mdb_symbol_t *sym, void *data)
{
	(void) data;
	if (strcmp(sym->sym_name, sym_name) == 0)
		mdb_printf("iter %s %lx\n", sym->sym_object, (unsigned long)sym->sym_sym->st_value);
	return (0);
}

/* ::sym NAME [OBJECT]: NAME as mdb_symbol_iter, mdb_lookup_by_name and mdb_lookup_by_obj see it. */
static int
sym(uintptr_t addr, uint_t flags, int argc, const mdb_arg_t *argv)
{
	GElf_Sym s;

	(void) addr; (void) flags;
	if (argc < 1 || argc > 2 || argv[0].a_type != MDB_TYPE_STRING)
		return (DCMD_USAGE);
	sym_name = argv[0].a_un.a_str;
	(void) mdb_symbol_iter(MDB_OBJ_EVERY, MDB_DYNSYM, MDB_BIND_ANY | MDB_TYPE_ANY, sym_cb, NULL);
	if (mdb_lookup_by_name(sym_name, &s) == 0)
		mdb_printf("name %lx\n", (unsigned long)s.st_value);
	if (argc == 2 && mdb_lookup_by_obj(argv[1].a_un.a_str, sym_name, &s) == 0)
		mdb_printf("obj %lx\n", (unsigned long)s.st_value);
	else if (argc == 2)
		mdb_warn("lookup in %s", argv[1].a_un.a_str);
	return (DCMD_OK);
}

static void
probe_help(void)
{
	mdb_printf("Prints its address, flags and arguments.\n");
}

/* Walks walk_addr, walk_addr+1, ... (3 steps; from 0x100 for a global walk). */
static int
count_init(mdb_walk_state_t *wsp)
{
	if (wsp->walk_addr == 0)
		wsp->walk_addr = 0x100;
	wsp->walk_data = (void *)3;
	return (WALK_NEXT);
}

static int
count_step(mdb_walk_state_t *wsp)
{
	uintptr_t left = (uintptr_t)wsp->walk_data;
	int rc;

	if (left == 0)
		return (WALK_DONE);
	rc = wsp->walk_callback(wsp->walk_addr, NULL, wsp->walk_cbdata);
	wsp->walk_addr++;
	wsp->walk_data = (void *)(left - 1);
	return (rc);
}

static const mdb_dcmd_t dcmds[] = {
	{ "probe", "?[args]", "print address, flags and arguments", probe, probe_help, NULL },
	{ "fail", ":[-x]", "fail with DCMD_ERR, or DCMD_USAGE given an argument", fail, NULL, NULL },
	{ "gather", ":", "take all piped addresses with mdb_get_pipe", gather, NULL, NULL },
	{ "sym", "name [object]", "a symbol as iterated and as looked up", sym, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

static const mdb_walker_t walkers[] = {
	{ "count", "three consecutive addresses", count_init, count_step, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

static const mdb_modinfo_t modinfo = { MDB_API_VERSION, dcmds, walkers };

const mdb_modinfo_t *
_mdb_init(void)
{
	return (&modinfo);
}
