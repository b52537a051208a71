/*
 * probe.so: a tiny mdb module for testing the host's mdb semantics, not a product.
 * Its dcmds print exactly what mdb handed them (address, flags, arguments), so the
 * tests can check the host against mdb's rules (shared/reference/mdb-modapi.md §3).
 */
#include <signal.h>
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
	mdb_printf("addr=%lx pipe=%lu:", addr, (unsigned long)p.pipe_len);
	for (i = 0; i < p.pipe_len; i++)
		mdb_printf(" %lx", p.pipe_data[i]);
	mdb_printf("\n");
	return (DCMD_OK);
}

/* For ::sym: print each symbol called sym_name with its object and value. */
static const char *sym_name;

static int
sym_cb(mdb_symbol_t *sym, void *data)
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

/*
 * Calls mdb_vread 0t1000000 times (the host counts them for its ^C knob); with
 * -r it raises SIGINT first and then only computes, so that the signal lands
 * in module code.  Prints "done" if nothing stopped it.
 */
static int
spin(uintptr_t addr, uint_t flags, int argc, const mdb_arg_t *argv)
{
	volatile unsigned long sum = 0;
	unsigned long i;
	char b;

	(void) addr; (void) flags;
	if (argc == 1 && argv[0].a_type == MDB_TYPE_STRING && strcmp(argv[0].a_un.a_str, "-r") == 0) {
		(void) raise(SIGINT);
		for (i = 0; i < 1000000000UL; i++)
			sum += i;
	} else {
		for (i = 0; i < 1000000; i++)
			(void) mdb_vread(&b, 1, i);
	}
	mdb_printf("done\n");
	return (DCMD_OK);
}

/* Hands 1 and 2 to the next stage, then replaces them with 3 (mdb_set_pipe). */
static int
setpipe(uintptr_t addr, uint_t flags, int argc, const mdb_arg_t *argv)
{
	uintptr_t first[] = { 1, 2 }, second[] = { 3 };
	mdb_pipe_t p;

	(void) addr; (void) argc; (void) argv;
	if ((flags & DCMD_PIPE_OUT) == 0)
		return (DCMD_USAGE);
	p.pipe_data = first;
	p.pipe_len = 2;
	mdb_set_pipe(&p);
	p.pipe_data = second;
	p.pipe_len = 1;
	mdb_set_pipe(&p);
	return (DCMD_OK);
}

/* Walks walk_addr, walk_addr+1, ... for 0t10000000 steps; its fini tells how many ran. */
static int
many_init(mdb_walk_state_t *wsp)
{
	wsp->walk_data = (void *)0;
	return (WALK_NEXT);
}

static int
many_step(mdb_walk_state_t *wsp)
{
	uintptr_t done = (uintptr_t)wsp->walk_data;

	if (done == 10000000)
		return (WALK_DONE);
	wsp->walk_data = (void *)(done + 1);
	return (wsp->walk_callback(wsp->walk_addr + done, NULL, wsp->walk_cbdata));
}

static void
many_fini(mdb_walk_state_t *wsp)
{
	mdb_warn("many: fini after %lu steps\n", (unsigned long)(uintptr_t)wsp->walk_data);
}

static const mdb_dcmd_t dcmds[] = {
	{ "probe", "?[args]", "print address, flags and arguments", probe, probe_help, NULL },
	{ "fail", ":[-x]", "fail with DCMD_ERR, or DCMD_USAGE given an argument", fail, NULL, NULL },
	{ "gather", ":", "take all piped addresses with mdb_get_pipe", gather, NULL, NULL },
	{ "spin", "[-r]", "read memory a million times, or compute after raising SIGINT", spin, NULL, NULL },
	{ "setpipe", "", "hand 1 and 2, then 3, to the next stage with mdb_set_pipe", setpipe, NULL, NULL },
	{ "sym", "name [object]", "a symbol as iterated and as looked up", sym, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

static const mdb_walker_t walkers[] = {
	{ "count", "three consecutive addresses", count_init, count_step, NULL, NULL },
	{ "many", "ten million consecutive addresses", many_init, many_step, many_fini, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

static const mdb_modinfo_t modinfo = { MDB_API_VERSION, dcmds, walkers };

const mdb_modinfo_t *
_mdb_init(void)
{
	return (&modinfo);
}
