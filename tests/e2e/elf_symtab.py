"""ELF: does a binary carry a symbol table (.symtab) for its local
functions? (stdlib only)"""


def elf_has_symtab(path: str) -> bool:
    import struct
    try:
        with open(path, "rb") as f:
            ident = f.read(64)
            if ident[:4] != b"\x7fELF" or ident[4] != 2:  # ELF64 only
                return False
            endian = "<" if ident[5] == 1 else ">"
            shoff, = struct.unpack_from(endian + "Q", ident, 0x28)
            shentsize, shnum, shstrndx = struct.unpack_from(endian + "HHH", ident, 0x3A)
            f.seek(shoff)
            table = f.read(shentsize * shnum)
            def sh(i):
                return struct.unpack_from(endian + "IIQQQQIIQQ", table, i * shentsize)
            strtab = sh(shstrndx)
            f.seek(strtab[4])
            names = f.read(strtab[5])
            for i in range(shnum):
                s = sh(i)
                if s[1] == 2:  # SHT_SYMTAB
                    end = names.index(b"\0", s[0])
                    if names[s[0]:end] == b".symtab" and s[5] > 0:
                        return True
    except (OSError, struct.error, ValueError):
        return False
    return False
